//! Ecosystem-agnostic PubGrub glue for `@packages`.
//!
//! * [`Pkg`] is the one resolver package type. Ecosystem quirks are virtual packages, not
//!   solver patches: a feature (Cargo) or extra (PyPI) is [`Pkg::Feature`], pinned to its
//!   base package's exact version; a requirement that spans several coexisting copies (a Cargo
//!   requirement across semver-compatibility buckets) is [`Pkg::Any`]; coexisting copies of one
//!   package (Cargo buckets, npm nested copies) are [`Pkg::Base`] with a `copy` key. Virtual
//!   packages are removed from results and collapsed in reports.
//! * One `DependencyProvider` ([`provider`]) for every PubGrub ecosystem, over a small
//!   per-ecosystem [`adapter::Adapter`] (candidates, dependencies, choice, priority weight,
//!   extra constraints as virtual packages, conflict words): [`crates`], [`npm`], [`pypi`].
//!   It fetches metadata through `tusk-index` and prefetches the likely graph in parallel
//!   ([`prefetch`]) so the solver rarely waits on one request; [`solve::solve`] runs it:
//!   PubGrub on a blocking thread, its errors mapped to [`ResolveError`] once. Maven's
//!   nearest-wins mediation ([`maven`]) is breadth-first and does not use PubGrub.
//! * Versions and requirements are only ever read by the ecosystem's tested version crate
//!   (`tusk-crates`, `tusk-npm`, `tusk-pypi`), also in the `--locked` check ([`lock`]) and in
//!   PEP 508 markers ([`markers`]).
//! * A solved graph is a [`Resolution`]: real packages with their dependency edges, the shape
//!   the lockfile ([`lock`]) stores and the independent verifier (test support,
//!   `tests/support/verify.rs`) checks.
//! * No solution: [`report`] turns PubGrub's derivation tree into an explanation in the
//!   ecosystem's words.

pub mod adapter;
pub mod crates;
pub mod inputs;
pub mod lock;
pub mod markers;
pub mod maven;
pub mod npm;
pub mod prefetch;
pub mod provider;
pub mod pypi;
pub mod report;
pub mod rubygems;
pub mod session;
pub mod solve;
pub mod view;

use std::fmt;
use std::sync::Arc;
pub use tusk_versions::Ecosystem;

/// A package as the solver sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pkg {
    /// The user's requirements.
    Root,
    /// A real package. `copy` tells coexisting copies apart (Cargo: the semver-compatibility
    /// bucket, `1` or `0.3`); `None` where only one copy may exist.
    Base { name: Arc<str>, copy: Option<Arc<str>> },
    /// A feature (Cargo) or extra (PyPI) of a package; every version depends on its base at
    /// exactly the same version.
    Feature { name: Arc<str>, copy: Option<Arc<str>>, feature: Arc<str> },
    /// A requirement whose versions lie in several copies; each version depends on the copy
    /// that holds it (and on the listed features there).
    Any { name: Arc<str>, req: Arc<str>, features: Arc<str> },
}

impl Pkg {
    pub fn base(name: &str, copy: Option<&str>) -> Pkg {
        Pkg::Base { name: name.into(), copy: copy.map(Into::into) }
    }
    pub fn name(&self) -> &str {
        match self {
            Pkg::Root => "",
            Pkg::Base { name, .. } | Pkg::Feature { name, .. } | Pkg::Any { name, .. } => name,
        }
    }
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkg::Root => f.write_str("your requirements"),
            Pkg::Base { name, .. } | Pkg::Any { name, .. } => f.write_str(name),
            Pkg::Feature { name, feature, .. } => write!(f, "{name}[{feature}]"),
        }
    }
}

/// One resolved package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ResolvedPackage {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    /// The registry it comes from (index URL).
    pub registry: String,
    /// The registry's integrity value (`sha256:<hex>` for crates and PyPI files, npm's SRI
    /// `integrity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// Enabled features (Cargo) or requested extras (PyPI).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Where an npm copy is installed when it is nested (`node_modules/a/node_modules/b`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Edge>,
    /// Warnings the registry attaches (npm `deprecated`, a yanked PyPI file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A dependency edge: who is required, with which requirement, and which version satisfies it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Edge {
    pub name: String,
    pub req: String,
    pub version: String,
    /// `normal` edges are omitted; `dev`, `build`, `peer`, `optional`.
    #[serde(default, skip_serializing_if = "is_normal")]
    pub kind: String,
    /// Features/extras requested through this edge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

fn is_normal(k: &str) -> bool {
    k.is_empty() || k == "normal"
}

/// A requirement given by the user (command line or manifest).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct RootReq {
    pub name: String,
    /// The requirement in the ecosystem's syntax (`^1.2`, `>=2.31`, `*`).
    pub req: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// `normal`, `dev`, `build`, `optional`.
    #[serde(default, skip_serializing_if = "is_normal")]
    pub kind: String,
    /// Cargo: `default-features = false` is `false`.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub default_features: bool,
    /// Cargo: a target triple or `cfg(..)`; PyPI: a PEP 508 marker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Cargo: the real crate name when the dependency is renamed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Where the requirement came from (`Cargo.toml:12`, `command line`).
    #[serde(skip)]
    pub origin: String,
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}

impl RootReq {
    pub fn new(name: impl Into<String>, req: impl Into<String>) -> Self {
        RootReq {
            name: name.into(),
            req: req.into(),
            features: Vec::new(),
            kind: String::new(),
            default_features: true,
            condition: None,
            package: None,
            origin: "command line".into(),
        }
    }
    /// The package this requirement points at (after a rename).
    pub fn package_name(&self) -> &str {
        self.package.as_deref().unwrap_or(&self.name)
    }
}

/// The result of resolving one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resolution {
    pub ecosystem: Ecosystem,
    pub roots: Vec<RootReq>,
    /// Edges from the root requirements to the chosen packages.
    pub root_edges: Vec<Edge>,
    /// Sorted by name, then version.
    pub packages: Vec<ResolvedPackage>,
    /// Solver statistics (not part of the lock).
    #[serde(skip)]
    pub stats: SolveStats,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SolveStats {
    /// Metadata documents fetched or read from the cache.
    pub documents: u64,
    /// Time spent in the solver loop and waiting for metadata, in ms.
    pub millis: u64,
}

/// Errors of resolution.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Fetching metadata failed.
    #[error(transparent)]
    Index(#[from] Arc<tusk_index::IndexError>),
    /// No set of versions satisfies the requirements; `report` explains why.
    #[error("no solution for the {ecosystem} requirements:\n{report}")]
    NoSolution { ecosystem: Ecosystem, report: String },
    /// A requirement or manifest entry is not valid.
    #[error("{location}: {message}")]
    Input { location: String, message: String },
    /// The solver was cancelled (Ctrl-C).
    #[error("cancelled")]
    Cancelled,
    /// Something the solver reported that is not one of the above.
    #[error("{0}")]
    Internal(String),
}

impl ResolveError {
    pub fn hint(&self) -> Option<String> {
        match self {
            ResolveError::Index(e) => e.hint().map(str::to_string),
            ResolveError::NoSolution { .. } => Some("relax one of the requirements named above".into()),
            _ => None,
        }
    }
}

impl From<tusk_index::IndexError> for ResolveError {
    fn from(e: tusk_index::IndexError) -> Self {
        ResolveError::Index(Arc::new(e))
    }
}
