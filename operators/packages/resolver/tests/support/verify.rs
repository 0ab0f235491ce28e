//! An independent verifier (test support: `mod verify` of `tests/common.rs`, not the
//! resolver's API): checks a resolution against the registry's own metadata, with
//! code separate from the resolver's: it reads the raw index documents, matches requirements
//! with the version crates' own tests (`semver`, `tusk-npm`, `tusk-pypi`), not through PubGrub
//! version sets, and reads PEP 508 requirements and markers with its own code (`pep508.rs`).
//! From `tusk-resolver` it uses only the [`Resolution`] it checks.
//!
//! For crates it checks that every package exists at that version, is not yanked and has the
//! index's checksum; that no two versions share a semver-compatibility bucket; that every
//! dependency that applies (non-optional, or optional and enabled by a locked feature;
//! `normal`/`build`; matching the target) has an edge whose version satisfies the requirement
//! and is in the resolution; that features asked through an edge are enabled on its target;
//! and that every root requirement is satisfied.

use tusk_resolver::Resolution;
use std::collections::{BTreeMap, BTreeSet};
use tusk_crates::semver;
use tusk_index::crates::IndexVersion;

#[path = "pep508.rs"]
mod pep508;

/// Problems found, one line each; empty when the resolution is valid.
pub fn verify_crates(
    res: &Resolution,
    index: &dyn Fn(&str) -> Option<Vec<IndexVersion>>,
    target_applies: &dyn Fn(Option<&str>) -> bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut locked: BTreeMap<(&str, &str), &tusk_resolver::ResolvedPackage> = BTreeMap::new();
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

/// Checks an npm resolution against the packuments with node-semver's own `test` (not the
/// PubGrub version sets): every package exists with that integrity; every non-optional
/// dependency has an edge to a resolved version satisfying its range; optional dependencies
/// and peers that have an edge are satisfied, and a non-optional peer without one is reported
/// as unmet in the package's note; every root requirement is satisfied.
///
/// And npm's placement rules as far as the resolution records them: one copy of a name at the
/// top of `node_modules` (at most one copy without `path`), and a package at the top meets its
/// peers with copies at the top (it sees nothing else), so its peer edges never point at a
/// nested copy.
pub fn verify_npm(res: &Resolution, packument: &dyn Fn(&str) -> Option<tusk_index::npm::Packument>) -> Vec<String> {
    let mut problems = Vec::new();
    let test = |range: &str, version: &str| -> Option<bool> {
        let r = tusk_npm::Range::parse(range, tusk_npm::Options::default()).ok()?;
        let v = tusk_npm::Version::parse(version, false).ok()?;
        Some(r.test(&v))
    };
    let present = |name: &str, version: &str| res.packages.iter().any(|p| p.name == name && p.version == version);
    let at_top = |name: &str, version: &str| res.packages.iter().any(|p| p.name == name && p.version == version && p.path.is_none());
    let mut top_names = BTreeSet::new();
    for p in res.packages.iter().filter(|p| p.path.is_none()) {
        if !top_names.insert(p.name.as_str()) {
            problems.push(format!("{}: more than one copy at the top of node_modules", p.name));
        }
        for e in p.dependencies.iter().filter(|e| e.kind == "peer") {
            if present(&e.name, &e.version) && !at_top(&e.name, &e.version) {
                problems.push(format!("{}@{}: at the top, but its peer {}@{} is a nested copy it cannot see", p.name, p.version, e.name, e.version));
            }
        }
    }
    for p in &res.packages {
        let Some(doc) = packument(&p.name) else {
            problems.push(format!("{}: no packument", p.name));
            continue;
        };
        let Some(m) = doc.versions.get(&p.version) else {
            problems.push(format!("{}@{}: not in the packument", p.name, p.version));
            continue;
        };
        if p.integrity != m.dist.integrity && m.dist.integrity.is_some() {
            problems.push(format!("{}@{}: integrity differs from the packument", p.name, p.version));
        }
        let check = |dep: &str, range: &str, kind: &str, problems: &mut Vec<String>| {
            let (real, range) = match range.strip_prefix("npm:") {
                Some(alias) => {
                    let at = alias[1..].find('@').map(|i| i + 1);
                    match at {
                        Some(i) => (alias[..i].to_string(), alias[i + 1..].to_string()),
                        None => (alias.to_string(), "*".to_string()),
                    }
                }
                None => (dep.to_string(), range.to_string()),
            };
            let edge = p.dependencies.iter().find(|e| e.name == real && (e.kind == kind || (kind.is_empty() && e.kind == "normal")));
            match edge {
                None => {
                    if kind.is_empty() {
                        problems.push(format!("{}@{}: no edge for its dependency {dep}@{range}", p.name, p.version));
                    } else if kind == "peer" {
                        let optional = m.peer_dependencies_meta.get(dep).is_some_and(|x| x.optional);
                        let noted = p.note.as_deref().is_some_and(|n| n.contains(&format!("unmet peer {dep}@")));
                        if !optional && !noted {
                            problems.push(format!("{}@{}: peer {dep}@{range} neither resolved nor reported unmet", p.name, p.version));
                        }
                    }
                }
                Some(e) => {
                    if !present(&e.name, &e.version) {
                        problems.push(format!("{}@{}: depends on {}@{} which is not in the resolution", p.name, p.version, e.name, e.version));
                    }
                    let ok = test(&range, &e.version);
                    let noted = p.note.as_deref().is_some_and(|n| n.contains(&format!("unmet peer {dep}@")));
                    if ok == Some(false) && !(kind == "peer" && noted) {
                        problems.push(format!("{}@{}: {}@{} does not satisfy {range}", p.name, p.version, e.name, e.version));
                    }
                }
            }
        };
        for (dep, range) in &m.dependencies {
            if !m.optional_dependencies.contains_key(dep) {
                check(dep, range, "", &mut problems);
            }
        }
        for (dep, range) in &m.optional_dependencies {
            if p.dependencies.iter().any(|e| e.name == *dep) {
                check(dep, range, "optional", &mut problems);
            }
        }
        for (dep, range) in &m.peer_dependencies {
            check(dep, range, "peer", &mut problems);
        }
    }
    for r in &res.roots {
        if r.kind == "optional" || r.kind == "peer" {
            continue;
        }
        if !res.packages.iter().any(|p| p.name == r.name && test(&r.req, &p.version) != Some(false)) {
            problems.push(format!("root requirement {}@{} is not satisfied", r.name, r.req));
        }
    }
    problems
}

/// Checks a PyPI resolution against each chosen version's core metadata: every requirement
/// whose marker holds for the target (for the base package and each enabled extra) has an edge
/// to a resolved version that `SpecifierSet::contains` accepts (packaging's own test, not the
/// PubGrub version set), extras asked through an edge are enabled on the target, each version's
/// `Requires-Python` admits the target Python, and every root requirement is satisfied.
pub fn verify_pypi(
    res: &Resolution,
    metadata: &dyn Fn(&str, &str) -> Option<tusk_index::pypi::CoreMetadata>,
    python: &str,
    platform: &str,
) -> Vec<String> {
    use tusk_index::pypi::normalize;
    let env = pep508::environment(python, platform);
    let mut problems = Vec::new();
    let flags = tusk_pypi::PrereleaseFlags { call: Some(true), ..Default::default() };
    let satisfies = |spec: &str, version: &str| -> bool {
        match (tusk_pypi::SpecifierSet::parse(spec), tusk_pypi::Version::parse(version)) {
            (Ok(s), Ok(v)) => s.contains(&v, flags),
            _ => false,
        }
    };
    let find = |name: &str| res.packages.iter().find(|p| normalize(&p.name) == normalize(name));
    for p in &res.packages {
        let Some(md) = metadata(&p.name, &p.version) else {
            problems.push(format!("{}=={}: no metadata", p.name, p.version));
            continue;
        };
        if let Some(rp) = &md.requires_python
            && !satisfies(rp, python) {
                problems.push(format!("{}=={}: requires Python {rp}, target is {python}", p.name, p.version));
            }
        for line in &md.requires_dist {
            let r = match pep508::parse_requirement(line) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(format!("{}=={}: unparsable requirement `{line}`: {e}", p.name, p.version));
                    continue;
                }
            };
            let active = match &r.marker {
                None => true,
                Some(m) => m.holds(&env, None) || p.features.iter().any(|x| m.names_extra() && m.holds(&env, Some(x))),
            };
            if !active {
                continue;
            }
            let Some(target) = find(&r.name) else {
                problems.push(format!("{}=={}: requirement `{line}` has no resolved package", p.name, p.version));
                continue;
            };
            if !p.dependencies.iter().any(|e| normalize(&e.name) == normalize(&r.name) && e.version == target.version) {
                problems.push(format!("{}=={}: no edge for `{line}`", p.name, p.version));
            }
            if !satisfies(&r.specifier, &target.version) {
                problems.push(format!("{}=={}: {}=={} does not satisfy `{line}`", p.name, p.version, target.name, target.version));
            }
            for x in &r.extras {
                if !target.features.iter().any(|f| normalize(f) == normalize(x)) {
                    problems.push(format!("{}=={}: extra `{x}` of {} is not enabled", p.name, p.version, target.name));
                }
            }
        }
    }
    for r in &res.roots {
        if r.kind == "optional" {
            continue;
        }
        if let Some(m) = r.condition.as_deref().and_then(|m| pep508::Marker::parse(m).ok())
            && !m.holds(&env, None)
        {
            continue;
        }
        match find(&r.name) {
            Some(t) if satisfies(&r.req, &t.version) => {}
            _ => problems.push(format!("root requirement {}{} is not satisfied", r.name, r.req)),
        }
    }
    problems
}
