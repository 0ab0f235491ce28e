//! An independent verifier: checks a resolution against the registry's own metadata, with
//! code separate from the resolver's (it reads the raw index documents and matches
//! requirements with the `semver` crate directly, not through PubGrub version sets).
//!
//! For crates it checks that every package exists at that version, is not yanked and has the
//! index's checksum; that no two versions share a semver-compatibility bucket; that every
//! dependency that applies (non-optional, or optional and enabled by a locked feature;
//! `normal`/`build`; matching the target) has an edge whose version satisfies the requirement
//! and is in the resolution; that features asked through an edge are enabled on its target;
//! and that every root requirement is satisfied.

use crate::Resolution;
use std::collections::{BTreeMap, BTreeSet};
use tusk_crates::semver;
use tusk_index::crates::IndexVersion;

/// Problems found, one line each; empty when the resolution is valid.
pub fn verify_crates(
    res: &Resolution,
    index: &dyn Fn(&str) -> Option<Vec<IndexVersion>>,
    target_applies: &dyn Fn(Option<&str>) -> bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut locked: BTreeMap<(&str, &str), &crate::ResolvedPackage> = BTreeMap::new();
    let mut buckets: BTreeMap<(String, String), &str> = BTreeMap::new();
    for p in &res.packages {
        locked.insert((&p.name, &p.version), p);
        let Ok(v) = semver::Version::parse(&p.version) else {
            problems.push(format!("{} {}: not a semver version", p.name, p.version));
            continue;
        };
        let bucket = if v.major > 0 { format!("{}", v.major) } else if v.minor > 0 { format!("0.{}", v.minor) } else { format!("0.0.{}", v.patch) };
        if let Some(other) = buckets.insert((p.name.clone(), bucket.clone()), &p.version) {
            problems.push(format!("{}: {} and {} are both in compatibility bucket {bucket}", p.name, other, p.version));
        }
    }
    let matches = |req: &str, version: &str| -> bool {
        match (semver::VersionReq::parse(req), semver::Version::parse(version)) {
            (Ok(r), Ok(v)) => r.matches(&v),
            _ => false,
        }
    };
    for p in &res.packages {
        let Some(versions) = index(&p.name) else {
            problems.push(format!("{}: not in the index", p.name));
            continue;
        };
        let Some(raw) = versions.iter().find(|v| v.vers == p.version) else {
            problems.push(format!("{} {}: version not in the index", p.name, p.version));
            continue;
        };
        if raw.yanked {
            problems.push(format!("{} {}: yanked", p.name, p.version));
        }
        if p.integrity.as_deref() != Some(&format!("sha256:{}", raw.cksum)) {
            problems.push(format!("{} {}: integrity differs from the index checksum", p.name, p.version));
        }
        let mut declared: BTreeMap<String, Vec<String>> = raw.features.clone();
        if let Some(f2) = &raw.features2 {
            for (k, v) in f2 {
                declared.entry(k.clone()).or_default().extend(v.iter().cloned());
            }
        }
        // Optional deps turned on by the locked features, and features asked of deps.
        let mut on: BTreeSet<&str> = BTreeSet::new();
        let mut asked: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let is_optional = |n: &str| raw.deps.iter().any(|d| d.name == n && d.optional);
        for f in &p.features {
            if f == "default" {
                if let Some(entries) = declared.get("default") {
                    walk(entries, &declared, &mut on, &mut asked, &is_optional, &p.features, &mut problems, &p.name);
                }
                continue;
            }
            match declared.get(f) {
                Some(entries) => walk(entries, &declared, &mut on, &mut asked, &is_optional, &p.features, &mut problems, &p.name),
                None if is_optional(f) => {
                    on.insert(raw.deps.iter().find(|d| d.name == *f).map(|d| d.name.as_str()).unwrap_or(""));
                }
                None => problems.push(format!("{} {}: feature `{f}` does not exist", p.name, p.version)),
            }
        }
        for d in &raw.deps {
            let kind = d.kind.as_deref().unwrap_or("normal");
            if kind == "dev" || !target_applies(d.target.as_deref()) || (d.optional && !on.contains(d.name.as_str())) {
                continue;
            }
            let real = d.package.as_deref().unwrap_or(&d.name);
            let edge = p.dependencies.iter().find(|e| e.name == real && e.req == d.req);
            match edge {
                None => problems.push(format!("{} {}: no edge for its dependency {real} {}", p.name, p.version, d.req)),
                Some(e) => {
                    if !matches(&d.req, &e.version) {
                        problems.push(format!("{} {}: {real} {} does not satisfy {}", p.name, p.version, e.version, d.req));
                    }
                    match locked.get(&(real, e.version.as_str())) {
                        None => problems.push(format!("{} {}: depends on {real} {} which is not in the resolution", p.name, p.version, e.version)),
                        Some(t) => {
                            let mut want: BTreeSet<&str> = d.features.iter().map(String::as_str).collect();
                            if d.default_features {
                                want.insert("default");
                            }
                            want.extend(asked.get(d.name.as_str()).into_iter().flatten().copied());
                            for f in want {
                                if !t.features.iter().any(|x| x == f) {
                                    problems.push(format!("{} {}: asks feature `{f}` of {real} {}, which is not enabled", p.name, p.version, t.version));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    for r in &res.roots {
        if r.kind == "optional" || !target_applies(r.condition.as_deref()) {
            continue;
        }
        let ok = res.packages.iter().any(|p| p.name == r.package_name() && matches(&r.req, &p.version));
        if !ok {
            problems.push(format!("root requirement {} {} is not satisfied", r.package_name(), r.req));
        }
    }
    problems
}

#[allow(clippy::too_many_arguments)]
fn walk<'a>(
    entries: &'a [String],
    declared: &'a BTreeMap<String, Vec<String>>,
    on: &mut BTreeSet<&'a str>,
    asked: &mut BTreeMap<&'a str, BTreeSet<&'a str>>,
    is_optional: &dyn Fn(&str) -> bool,
    enabled: &[String],
    problems: &mut Vec<String>,
    name: &str,
) {
    for e in entries {
        if let Some(d) = e.strip_prefix("dep:") {
            on.insert(d);
        } else if let Some((d, f)) = e.split_once('/') {
            let weak = d.ends_with('?');
            let d = d.trim_end_matches('?');
            if weak && is_optional(d) {
                continue;
            }
            on.insert(d);
            asked.entry(d).or_default().insert(f);
        } else if declared.contains_key(e.as_str()) {
            if !enabled.iter().any(|x| x == e) {
                problems.push(format!("{name}: feature `{e}` is implied by an enabled feature but not enabled"));
            }
        } else if is_optional(e) {
            on.insert(e);
        }
    }
}
