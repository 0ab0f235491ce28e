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
        let lock: Lockfile = toml::from_str(text).map_err(|e| LockError::Parse { path: path.to_string(), message: e.to_string() })?;
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

/// Whether `version` satisfies `req` in the ecosystem's own semantics; `None` when either does
/// not parse (or the ecosystem has no matcher here).
pub fn req_matches(eco: Ecosystem, req: &str, version: &str) -> Option<bool> {
    match eco {
        Ecosystem::Crates => {
            let r = tusk_crates::Requirement::parse(req).ok()?;
            let v = tusk_crates::Version::parse(version).ok()?;
            Some(r.matches(&v))
        }
        Ecosystem::Npm => {
            let opts = tusk_npm::Options::default();
            let r = tusk_npm::Range::parse(req, opts).ok()?;
            let v = tusk_npm::Version::parse(version, false).ok()?;
            Some(r.test(&v))
        }
        _ => crate::pep440::matches(req, version),
    }
}

/// Checks, without the network, that a lock still satisfies the inputs: every input
/// requirement is in the lock and its resolved version satisfies it, no locked root is gone
/// from the inputs, and every locked edge points at a locked package whose version satisfies
/// the edge's requirement. Returns the problems, one line each.
pub fn check(lock: &Lockfile, inputs: &[(Ecosystem, RootReq)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (eco, r) in inputs {
        let found = lock.root.iter().find(|l| l.ecosystem == *eco && same_name(*eco, &l.req.name, &r.name) && l.req.req == r.req && l.req.features == r.features && l.req.kind == r.kind);
        match found {
            None => problems.push(format!("{}: {eco} requirement `{} {}` is not in the lock", r.origin, r.name, r.req)),
            Some(l) => {
                if let Some(v) = &l.resolved {
                    if req_matches(*eco, &r.req, v) == Some(false) {
                        problems.push(format!("{}: locked {} {v} does not satisfy {}", r.origin, r.name, r.req));
                    }
                    if !lock.package.iter().any(|p| p.ecosystem == *eco && same_name(*eco, &p.name, r.package_name()) && p.version == *v) {
                        problems.push(format!("{}: locked {} {v} has no [[package]] entry", r.origin, r.name));
                    }
                }
            }
        }
    }
    for l in &lock.root {
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
            if req_matches(p.ecosystem, &e.req, &e.version) == Some(false) {
                problems.push(format!("{} {} {}: {} {} does not satisfy {}", p.ecosystem, p.name, p.version, e.name, e.version, e.req));
            }
        }
    }
    problems
}
