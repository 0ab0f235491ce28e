//! Text views of resolutions: the table, the dependency tree and `why` paths.

use crate::{Ecosystem, Resolution, ResolvedPackage};
use std::collections::{BTreeSet, HashMap};

fn key(name: &str, version: &str) -> String {
    format!("{name}@{version}")
}

/// `name version` lines as a tree from the roots; a package seen before is shown once with
/// `(*)`, as cargo tree does.
pub fn tree(res: &Resolution, max_depth: Option<usize>) -> Vec<String> {
    let index: HashMap<String, &ResolvedPackage> = res.packages.iter().map(|p| (key(&p.name, &p.version), p)).collect();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for e in &res.root_edges {
        walk(&index, &e.name, &e.version, &label_kind(&e.kind), "", true, true, 0, max_depth, &mut seen, &mut out);
    }
    out
}

fn label_kind(kind: &str) -> String {
    if kind.is_empty() || kind == "normal" { String::new() } else { format!(" ({kind})") }
}

#[allow(clippy::too_many_arguments)]
fn walk(
    index: &HashMap<String, &ResolvedPackage>,
    name: &str,
    version: &str,
    suffix: &str,
    prefix: &str,
    last: bool,
    top: bool,
    depth: usize,
    max_depth: Option<usize>,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<String>,
) {
    let k = key(name, version);
    let branch = if top { "" } else if last { "└── " } else { "├── " };
    let repeated = !seen.insert(k.clone());
    let p = index.get(&k);
    let has_children = p.is_some_and(|p| !p.dependencies.is_empty());
    out.push(format!("{prefix}{branch}{name} {version}{suffix}{}", if repeated && has_children { " (*)" } else { "" }));
    if repeated || max_depth.is_some_and(|m| depth >= m) {
        return;
    }
    let Some(p) = p else { return };
    let child_prefix = if top { String::new() } else { format!("{prefix}{}", if last { "    " } else { "│   " }) };
    let n = p.dependencies.len();
    for (i, d) in p.dependencies.iter().enumerate() {
        walk(index, &d.name, &d.version, &label_kind(&d.kind), &child_prefix, i + 1 == n, false, depth + 1, max_depth, seen, out);
    }
}

/// Every path from a root requirement to `name` (any version), shortest first, at most
/// `limit` of them. Each path is `[root-req, pkg, …, target]` as `name version` strings.
pub fn why(res: &Resolution, name: &str, limit: usize) -> Vec<Vec<String>> {
    let index: HashMap<String, &ResolvedPackage> = res.packages.iter().map(|p| (key(&p.name, &p.version), p)).collect();
    let mut paths = Vec::new();
    // Breadth-first from each root edge, no revisits within one path.
    let mut queue: std::collections::VecDeque<Vec<(String, String)>> =
        res.root_edges.iter().map(|e| vec![(e.name.clone(), e.version.clone())]).collect();
    let mut expanded = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if paths.len() >= limit {
            break;
        }
        let (n, v) = path.last().cloned().unwrap_or_default();
        if n == name || crate::lock::same_name(res.ecosystem, &n, name) {
            paths.push(path.iter().map(|(n, v)| format!("{n} {v}")).collect());
            continue;
        }
        if !expanded.insert(key(&n, &v)) {
            continue;
        }
        if let Some(p) = index.get(&key(&n, &v)) {
            for d in &p.dependencies {
                if path.iter().any(|(pn, pv)| *pn == d.name && *pv == d.version) {
                    continue;
                }
                let mut next = path.clone();
                next.push((d.name.clone(), d.version.clone()));
                queue.push_back(next);
            }
        }
    }
    paths
}

/// The ecosystem's word for a package manager's tree command, for headings.
pub fn heading(eco: Ecosystem, res: &Resolution) -> String {
    format!("{eco}: {} packages", res.packages.len())
}
