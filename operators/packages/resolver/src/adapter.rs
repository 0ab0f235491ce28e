//! What one ecosystem tells the shared provider ([`crate::provider`]).
//!
//! The provider owns the loop every ecosystem had a copy of: documents fetched once and
//! prefetched ahead of the solver, cancellation, the root package, priorities, the choice
//! call and the conflict report's version rendering. An [`Adapter`] says only what differs:
//!
//! * how to fetch a package's document ([`Adapter::fetch`]) and what to prefetch once it is
//!   there ([`Adapter::prefetch_likely`]);
//! * its candidates, in preference order ([`Adapter::candidates`]), and how to choose among
//!   them ([`Adapter::choose`]: highest by default; npm's `latest` tag rule; NuGet's lowest
//!   applicable version would override it the same way);
//! * how to weigh conflicts in the priority ([`Adapter::weigh_conflicts`]: npm puts top-level
//!   copies first);
//! * the dependencies of the roots and of a package version, with the ecosystem's extra
//!   constraints as virtual packages ([`Pkg::Feature`], [`Pkg::Any`], npm's range copies) or
//!   as an unavailable version with the reason in the ecosystem's words;
//! * how a version set is written ([`Adapter::render`]) and what a conflict report adds
//!   ([`Adapter::explain_more`]: yank hints, npm's ERESOLVE).
//!
//! Maven's default mode mediates breadth-first without PubGrub (`maven.rs`); a strict mode
//! would be an adapter whose candidates are the repository's versions, like crates.

use crate::provider::DocCache;
use crate::{Ecosystem, Pkg, ResolveError, RootReq};
use pubgrub::{Dependencies, DerivationTree};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use tusk_index::IndexError;
use tusk_versions::{LaneVersion, Lanes};

/// Solver terms under construction: one version set per package.
pub type Deps<V> = BTreeMap<Pkg, Lanes<V>>;

/// Adds `set` to the requirement on `pkg` (intersecting a requirement already there).
pub fn require<V: LaneVersion>(out: &mut Deps<V>, pkg: Pkg, set: &Lanes<V>) {
    use pubgrub::VersionSet as _;
    match out.get_mut(&pkg) {
        Some(existing) => *existing = existing.intersection(set),
        None => {
            out.insert(pkg, set.clone());
        }
    }
}

/// One ecosystem's part of a resolution. See the module documentation.
pub trait Adapter: Sized + Send + Sync + 'static {
    /// The version type of the ecosystem's version crate.
    type V: LaneVersion + Send + Sync + 'static;
    /// Everything the registry says about one package (all its versions).
    type Doc: Send + Sync + 'static;
    /// State of one solve. npm solves again with more optional peers enforced; `()` elsewhere.
    type Round: Send + Sync + 'static;

    const ECOSYSTEM: Ecosystem;

    /// The version the solver gives [`Pkg::Root`].
    fn root_version(&self) -> Result<Self::V, ResolveError>;

    /// The document key of a package name (PyPI normalises it).
    fn key(&self, name: &str) -> String {
        name.to_string()
    }

    /// The package a root requirement asks the registry for.
    fn root_name(r: &RootReq) -> &str {
        r.package_name()
    }

    /// Fetches and parses the document of `name` (a key).
    fn fetch(&self, name: &str) -> impl Future<Output = Result<Self::Doc, IndexError>> + Send;

    /// Called once a document arrives: start fetching what the solver will most likely ask
    /// about next (the dependencies of the version it will probably pick).
    fn prefetch_likely(&self, docs: &Arc<DocCache<Self>>, doc: &Self::Doc);

    /// The versions `pkg` may take, most preferred first (for a priority, a choice and the
    /// versions a conflict report narrows to).
    fn candidates<'d>(&self, doc: &'d Self::Doc, pkg: &Pkg) -> impl Iterator<Item = &'d Self::V>;

    /// The version to try for `pkg` within `range`: by default the first candidate in it.
    fn choose(&self, _docs: &Arc<DocCache<Self>>, doc: &Self::Doc, pkg: &Pkg, range: &Lanes<Self::V>) -> Option<Self::V> {
        use pubgrub::VersionSet as _;
        self.candidates(doc, pkg).find(|v| range.contains(v)).cloned()
    }

    /// The priority weight of a package's conflict count (higher is decided sooner).
    fn weigh_conflicts(&self, _pkg: &Pkg, conflicts: u32) -> u32 {
        conflicts
    }

    /// The terms of your requirements (their documents are already being fetched).
    fn root_deps(&self, docs: &Arc<DocCache<Self>>, round: &Self::Round, roots: &[RootReq]) -> Result<Deps<Self::V>, ResolveError>;

    /// The dependencies of one version of a (real or virtual) package.
    fn dependencies(
        &self,
        docs: &Arc<DocCache<Self>>,
        round: &Self::Round,
        pkg: &Pkg,
        version: &Self::V,
    ) -> Result<Dependencies<Pkg, Lanes<Self::V>, String>, ResolveError>;

    /// A version set in the ecosystem's syntax (`^1.2.3`, `>=2.0, <3`).
    fn render(set: &Lanes<Self::V>) -> String;

    /// What a conflict report adds after PubGrub's explanation (hints, npm's ERESOLVE), with
    /// `fmt` rendering a package's set narrowed to its known versions.
    fn explain_more(
        &self,
        _docs: &Arc<DocCache<Self>>,
        _tree: &DerivationTree<Pkg, Lanes<Self::V>, String>,
        _fmt: &dyn Fn(&Pkg, &Lanes<Self::V>) -> String,
    ) -> String {
        String::new()
    }
}
