//! `tusk.lock`: TOML, deterministic and sorted. One `[[root]]` per input requirement (with the
//! version it resolved to), one `[[package]]` per resolved package with its ecosystem, name,
//! version, registry, integrity hash, features/extras and dependency edges (each edge keeps the
//! requirement, so `resolve --locked` can check the lock against the inputs without the
//! network).

use crate::{Ecosystem, Edge, Resolution, ResolvedPackage, RootReq, SolveStats};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

pub const LOCK_VERSION: u32 = 1;
pub const FILE_NAME: &str = "tusk.lock";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockfile {
    pub version: u32,
    #[serde(default)]
    pub root: Vec<LockRoot>,
    #[serde(default)]
    pub package: Vec<ResolvedPackage>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LockRoot {
    pub ecosystem: Ecosystem,
    #[serde(flatten)]
    pub req: RootReq,
    /// The version the requirement resolved to (absent when it did not apply, e.g. another
    /// target's dependency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path}: not a valid tusk.lock: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: lock format version {found} is not supported (this tusk writes {LOCK_VERSION})")]
    Version { path: String, found: u32 },
}

impl Lockfile {
    pub fn from_resolutions(resolutions: &[Resolution]) -> Lockfile {
        let mut root = Vec::new();
        let mut package = Vec::new();
        for r in resolutions {
            for req in &r.roots {
                let resolved = r.root_edges.iter().find(|e| e.name == req.package_name() && e.req == req.req).map(|e| e.version.clone());
                root.push(LockRoot { ecosystem: r.ecosystem, req: req.clone(), resolved });
            }
            package.extend(r.packages.iter().cloned());
        }
        root.sort();
        root.dedup();
        package.sort();
        for p in &mut package {
            p.dependencies.sort();
            p.features.sort();
        }
        Lockfile { version: LOCK_VERSION, root, package }
    }

    /// Back to one [`Resolution`] per ecosystem, for `tree` and `why`.
    pub fn resolutions(&self) -> Vec<Resolution> {
        let mut ecos: Vec<Ecosystem> = self.root.iter().map(|r| r.ecosystem).chain(self.package.iter().map(|p| p.ecosystem)).collect();
        ecos.sort();
        ecos.dedup();
        ecos.into_iter()
            .map(|eco| {
                let roots: Vec<&LockRoot> = self.root.iter().filter(|r| r.ecosystem == eco).collect();
                Resolution {
                    ecosystem: eco,
                    roots: roots.iter().map(|r| r.req.clone()).collect(),
                    root_edges: roots
                        .iter()
                        .filter_map(|r| {
                            Some(Edge {
                                name: r.req.package_name().to_string(),
                                req: r.req.req.clone(),
                                version: r.resolved.clone()?,
                                kind: r.req.kind.clone(),
                                features: r.req.features.clone(),
                            })
                        })
                        .collect(),
                    packages: self.package.iter().filter(|p| p.ecosystem == eco).cloned().collect(),
                    stats: SolveStats::default(),
                }
            })
            .collect()
    }

    pub fn parse(text: &str, path: &str) -> Result<Lockfile, LockError> {
        // The position and the message, not toml's Display: that quotes the whole offending
        // line, which in a damaged or hostile lock can be megabytes long.
        let lock: Lockfile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
                format!("line {line}, column {column}: ")
            });
            LockError::Parse { path: path.to_string(), message: format!("{}{}", at.unwrap_or_default(), e.message().trim()) }
        })?;
        if lock.version != LOCK_VERSION {
            return Err(LockError::Version { path: path.to_string(), found: lock.version });
        }
        Ok(lock)
    }

    /// The file's text: stable field order, sorted entries, one edge per line.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        out.push_str("# This file is written by `tusk @packages lock`. Do not edit it by hand.\n");
        let _ = writeln!(out, "version = {}", self.version);
        for r in &self.root {
            out.push_str("\n[[root]]\n");
            kv(&mut out, "ecosystem", r.ecosystem.name());
            kv(&mut out, "name", &r.req.name);
            if let Some(p) = &r.req.package {
                kv(&mut out, "package", p);
            }
            kv(&mut out, "req", &r.req.req);
            if !r.req.kind.is_empty() && r.req.kind != "normal" {
                kv(&mut out, "kind", &r.req.kind);
            }
            if !r.req.features.is_empty() {
                list(&mut out, "features", &r.req.features);
            }
            if !r.req.default_features {
                out.push_str("default_features = false\n");
            }
            if let Some(c) = &r.req.condition {
                kv(&mut out, "condition", c);
            }
            if let Some(v) = &r.resolved {
                kv(&mut out, "resolved", v);
            }
        }
        for p in &self.package {
            out.push_str("\n[[package]]\n");
            kv(&mut out, "ecosystem", p.ecosystem.name());
            kv(&mut out, "name", &p.name);
            kv(&mut out, "version", &p.version);
            kv(&mut out, "registry", &p.registry);
            if let Some(i) = &p.integrity {
                kv(&mut out, "integrity", i);
            }
            if let Some(path) = &p.path {
                kv(&mut out, "path", path);
            }
            if !p.features.is_empty() {
                list(&mut out, "features", &p.features);
            }
            if let Some(n) = &p.note {
                kv(&mut out, "note", n);
            }
            if !p.dependencies.is_empty() {
                out.push_str("dependencies = [\n");
                for e in &p.dependencies {
                    let _ = write!(out, "    {{ name = {}, req = {}, version = {}", q(&e.name), q(&e.req), q(&e.version));
                    if !e.kind.is_empty() && e.kind != "normal" {
                        let _ = write!(out, ", kind = {}", q(&e.kind));
                    }
                    if !e.features.is_empty() {
                        let _ = write!(out, ", features = [{}]", e.features.iter().map(|f| q(f)).collect::<Vec<_>>().join(", "));
                    }
                    out.push_str(" },\n");
                }
                out.push_str("]\n");
            }
        }
        out
    }
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn kv(out: &mut String, k: &str, v: &str) {
    let _ = writeln!(out, "{k} = {}", q(v));
}

fn list(out: &mut String, k: &str, v: &[String]) {
    let _ = writeln!(out, "{k} = [{}]", v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "));
}

/// Whether two names denote the same package (PyPI names compare normalised).
pub fn same_name(eco: Ecosystem, a: &str, b: &str) -> bool {
    match eco {
        Ecosystem::Pypi => tusk_index::pypi::normalize(a) == tusk_index::pypi::normalize(b),
        _ => a == b,
    }
}

/// Whether `version` satisfies `req` in the ecosystem's own semantics, through the
/// ecosystem's tested version crate (`tusk-crates`, `tusk-npm`, `tusk-pypi`). `Err` says why the
/// pair cannot be checked: either does not parse, or the ecosystem has no version crate wired
/// in here yet (Maven, NuGet, RubyGems, Composer); the caller reports it, never passes it.
pub fn req_matches(eco: Ecosystem, req: &str, version: &str) -> Result<bool, String> {
    match eco {
        Ecosystem::Crates => {
            let r = tusk_crates::Requirement::parse(req).map_err(|e| format!("`{req}` is not a Cargo requirement: {e}"))?;
            let v = tusk_crates::Version::parse(version).map_err(|e| format!("`{version}` is not a Cargo version: {e}"))?;
            Ok(r.matches(&v))
        }
        Ecosystem::Npm => {
            let v = tusk_npm::Version::parse(version, false).map_err(|e| format!("`{version}` is not an npm version: {e}"))?;
            // `npm:<name>@<range>` aliases lock the aliased package; the range is what to check.
            let range = match req.trim().strip_prefix("npm:") {
                Some(alias) => alias.trim_start_matches('@').split_once('@').map_or("*", |(_, r)| r),
                None => req,
            };
            match tusk_npm::Range::parse(range, tusk_npm::Options::default()) {
                Ok(r) => Ok(r.test(&v)),
                // A dist-tag (`latest`, `next`) names a version only the registry knows: the lock
                // recorded what it named, and there is nothing to check offline.
                Err(_) if is_npm_tag(range) => Ok(true),
                Err(e) => Err(format!("`{req}` is not an npm range or dist-tag: {e}")),
            }
        }
        Ecosystem::Pypi => {
            let set = tusk_pypi::SpecifierSet::parse(req).map_err(|e| format!("`{req}` is not a PEP 440 specifier set: {e}"))?;
            // The lock holds the version the resolver chose, prerelease or not, so only the
            // range is checked (prereleases switched on, as for an installed version).
            let flags = tusk_pypi::PrereleaseFlags { set: Some(true), ..Default::default() };
            match tusk_pypi::Version::parse(version) {
                Ok(v) => Ok(set.contains_item(version, Some(&v), flags)),
                Err(_) if set.specs.iter().all(|s| s.op == tusk_pypi::Operator::Arbitrary) => Ok(set.contains_str(version)),
                Err(e) => Err(format!("`{version}` is not a PEP 440 version: {e}")),
            }
        }
        Ecosystem::Rubygems => {
            let r = tusk_rubygems::Requirement::parse(req).map_err(|e| format!("`{req}` is not a gem requirement: {e}"))?;
            // A platform gem is locked as `VERSION-PLATFORM`; the requirement is on VERSION.
            let plain = tusk_index::rubygems::split_platform(version).0;
            let v = tusk_rubygems::GemVersion::parse(plain).map_err(|e| format!("`{version}` is not a gem version: {e}"))?;
            Ok(r.satisfied_by(&v))
        }
        Ecosystem::Maven => {
            let c = tusk_maven::GenericVersionConstraint::parse(req).map_err(|e| format!("`{req}` is not a Maven version or range: {e}"))?;
            Ok(match c {
                // A plain version is a soft requirement: mediation may pick another one.
                tusk_maven::GenericVersionConstraint::Version(_) => true,
                ranges => ranges.contains(&tusk_maven::GenericVersion::parse(version)),
            })
        }
        other => Err(format!("checking {other} requirements against a lock is not supported yet")),
    }
}

/// A dist-tag name as the npm resolver reads one in a dependency spec (`npm::classify`).
fn is_npm_tag(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Checks, without the network, that a lock still satisfies the inputs: every input
/// requirement is in the lock and its resolved version satisfies it, no locked root is gone
/// from the inputs, and every locked edge points at a locked package whose version satisfies
/// the edge's requirement. Returns the problems, one line each.
pub fn check(lock: &Lockfile, inputs: &[(Ecosystem, RootReq)]) -> Vec<String> {
    let mut problems = Vec::new();
    let (inputs, loose) = expand_poms(lock, inputs, &mut problems);
    let inputs = &inputs[..];
    for (eco, r) in inputs {
        let found = lock.root.iter().find(|l| l.ecosystem == *eco && same_name(*eco, &l.req.name, &r.name) && l.req.req == r.req && l.req.features == r.features && l.req.kind == r.kind);
        match found {
            None => problems.push(format!("{}: {eco} requirement `{} {}` is not in the lock", r.origin, r.name, r.req)),
            Some(l) => {
                if let Some(v) = &l.resolved {
                    match req_matches(*eco, &r.req, v) {
                        Ok(true) => {}
                        Ok(false) => problems.push(format!("{}: locked {} {v} does not satisfy {}", r.origin, r.name, r.req)),
                        Err(why) => problems.push(format!("{}: cannot check locked {} {v} against `{}`: {why}", r.origin, r.name, r.req)),
                    }
                    if !lock.package.iter().any(|p| p.ecosystem == *eco && same_name(*eco, &p.name, r.package_name()) && p.version == *v) {
                        problems.push(format!("{}: locked {} {v} has no [[package]] entry", r.origin, r.name));
                    }
                }
            }
        }
    }
    for l in &lock.root {
        if l.ecosystem == Ecosystem::Maven && loose.iter().any(|(name, kind)| *name == l.req.name && kind.as_ref().is_none_or(|k| *k == l.req.kind)) {
            continue;
        }
        if !inputs.iter().any(|(eco, r)| *eco == l.ecosystem && same_name(*eco, &l.req.name, &r.name) && l.req.req == r.req && l.req.features == r.features && l.req.kind == r.kind) {
            problems.push(format!("the lock has {} requirement `{} {}` that the inputs no longer have", l.ecosystem, l.req.name, l.req.req));
        }
    }
    for p in &lock.package {
        for e in &p.dependencies {
            let target = lock.package.iter().find(|t| t.ecosystem == p.ecosystem && same_name(p.ecosystem, &t.name, &e.name) && t.version == e.version);
            if target.is_none() {
                problems.push(format!("{} {} {}: depends on {} {} which is not in the lock", p.ecosystem, p.name, p.version, e.name, e.version));
            }
            match req_matches(p.ecosystem, &e.req, &e.version) {
                Ok(true) => {}
                Ok(false) => problems.push(format!("{} {} {}: {} {} does not satisfy {}", p.ecosystem, p.name, p.version, e.name, e.version, e.req)),
                Err(why) => problems.push(format!("{} {} {}: cannot check {} {} against `{}`: {why}", p.ecosystem, p.name, p.version, e.name, e.version, e.req)),
            }
        }
    }
    problems
}

/// A pom.xml input stands for its direct dependencies, which the lock records as roots of their
/// own. Each one the file declares with a literal version and scope becomes an input; the others
/// (a `${property}`, or a version or scope a parent or dependencyManagement may supply) are
/// returned as `(name, kind)` whose locked root is accepted as it is, since settling them needs
/// the repository.
fn expand_poms(lock: &Lockfile, inputs: &[(Ecosystem, RootReq)], problems: &mut Vec<String>) -> (Vec<(Ecosystem, RootReq)>, Vec<(String, Option<String>)>) {
    let mut out = inputs.to_vec();
    let mut loose = Vec::new();
    for (_, pom) in inputs.iter().filter(|(e, r)| *e == Ecosystem::Maven && r.kind == crate::maven::POM_ROOT) {
        match crate::maven::declared_in_pom(&pom.name) {
            Err(m) => problems.push(m),
            Ok(deps) => {
                for (name, req, kind, origin) in deps {
                    match (req, kind) {
                        (Some(req), Some(kind)) => {
                            let mut r = RootReq::new(name, req);
                            r.kind = kind;
                            r.origin = origin;
                            out.push((Ecosystem::Maven, r));
                        }
                        (_, kind) => {
                            if !lock.root.iter().any(|l| l.ecosystem == Ecosystem::Maven && l.req.name == name && kind.as_ref().is_none_or(|k| *k == l.req.kind)) {
                                problems.push(format!("{origin}: maven dependency `{name}` is not in the lock"));
                            }
                            loose.push((name, kind));
                        }
                    }
                }
            }
        }
    }
    (out, loose)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn lock(text: &str) -> Lockfile {
        Lockfile::parse(&format!("version = 1\n{text}"), "tusk.lock").unwrap()
    }

    fn input(eco: Ecosystem, name: &str, req: &str) -> (Ecosystem, RootReq) {
        let mut r = RootReq::new(name, req);
        r.origin = "pyproject.toml:3".into();
        (eco, r)
    }

    #[test]
    fn matches_through_the_version_crates() {
        assert_eq!(req_matches(Ecosystem::Pypi, ">=2.31,<3", "2.32.3"), Ok(true));
        assert_eq!(req_matches(Ecosystem::Pypi, ">=2.31,<3", "3.0.0"), Ok(false));
        assert_eq!(req_matches(Ecosystem::Pypi, "<3", "3.0a1"), Ok(false));
        assert_eq!(req_matches(Ecosystem::Pypi, "", "1.0rc1"), Ok(true), "a chosen prerelease is checked against the range only");
        assert_eq!(req_matches(Ecosystem::Pypi, "==1.4.*", "1.4.9"), Ok(true));
        assert_eq!(req_matches(Ecosystem::Crates, "^1.2", "1.9.0"), Ok(true));
        assert_eq!(req_matches(Ecosystem::Rubygems, "~> 1.18, >= 1.18.2", "1.19.4-x86_64-linux-gnu"), Ok(true));
        assert_eq!(req_matches(Ecosystem::Rubygems, "~> 7.1.0", "7.2.0"), Ok(false));
        assert_eq!(req_matches(Ecosystem::Npm, "^4", "5.0.0"), Ok(false));
        assert_eq!(req_matches(Ecosystem::Npm, "npm:@scope/real@^2", "2.1.0"), Ok(true));
        assert_eq!(req_matches(Ecosystem::Npm, "latest", "2.1.0"), Ok(true));
        assert!(req_matches(Ecosystem::Pypi, ">=2.x", "2.0").is_err());
        assert!(req_matches(Ecosystem::Crates, "^1.2", "one").is_err());
    }

    #[test]
    fn an_unparsable_requirement_fails_the_check() {
        let l = lock("[[root]]\necosystem = \"pypi\"\nname = \"requests\"\nreq = \">=2.x\"\nresolved = \"2.32.3\"\n\n[[package]]\necosystem = \"pypi\"\nname = \"requests\"\nversion = \"2.32.3\"\nregistry = \"https://pypi.org/simple/\"\n");
        let problems = check(&l, &[input(Ecosystem::Pypi, "requests", ">=2.x")]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("pyproject.toml:3: cannot check locked requests 2.32.3 against `>=2.x`: `>=2.x` is not a PEP 440 specifier set"), "{problems:?}");
    }

    #[test]
    fn maven_versions_are_soft_and_ranges_hard() {
        assert_eq!(req_matches(Ecosystem::Maven, "2.12.7", "2.14.2"), Ok(true), "a plain version is a soft requirement");
        assert_eq!(req_matches(Ecosystem::Maven, "[1.0,2.0)", "1.9.9"), Ok(true));
        assert_eq!(req_matches(Ecosystem::Maven, "[1.0,2.0)", "2.0"), Ok(false));
        assert_eq!(req_matches(Ecosystem::Maven, "(,1.0],[1.2,)", "1.1"), Ok(false));
        assert!(req_matches(Ecosystem::Maven, "[1.0", "1.0").is_err());
    }

    #[test]
    fn a_maven_range_is_checked_as_a_maven_range() {
        let l = lock("[[package]]\necosystem = \"maven\"\nname = \"org.example:app\"\nversion = \"1.0\"\nregistry = \"https://repo.maven.apache.org/maven2/\"\ndependencies = [\n    { name = \"com.google.guava:guava\", req = \"[31.0,)\", version = \"33.2.1-jre\" },\n]\n\n[[package]]\necosystem = \"maven\"\nname = \"com.google.guava:guava\"\nversion = \"33.2.1-jre\"\nregistry = \"https://repo.maven.apache.org/maven2/\"\n");
        let problems = check(&l, &[]);
        assert_eq!(problems, Vec::<String>::new());
        let mut bad = l.clone();
        bad.package[0].dependencies[0].req = "[31.0,33.0)".into();
        assert_eq!(check(&bad, &[]), ["maven org.example:app 1.0: com.google.guava:guava 33.2.1-jre does not satisfy [31.0,33.0)"]);
    }
}
