//! The one `DependencyProvider`, generic over an ecosystem's [`Adapter`].
//!
//! [`DocCache`] holds the adapter and its documents, each fetched at most once and in
//! parallel ahead of the solver ([`crate::prefetch`]); it outlives a solve (npm solves again
//! on the same documents). [`Provider`] is one solve over it: the roots, a cancellation token
//! checked at every choice and every dependency request, and the adapter's per-solve state.
//! [`solve`] runs it through [`crate::solve::solve`] with the adapter's conflict words.

use crate::adapter::Adapter;
use crate::prefetch::Prefetcher;
use crate::{Pkg, ResolveError, RootReq, report};
use pubgrub::{Dependencies, DependencyProvider, DerivationTree, PackageResolutionStatistics, SelectedDependencies, VersionSet as _};
use std::cmp::Reverse;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tusk_index::IndexError;
use tusk_versions::Lanes;

/// An adapter and the documents it fetched, by key.
pub struct DocCache<A: Adapter> {
    pub adapter: A,
    docs: Prefetcher<String, A::Doc, IndexError>,
}

type DocFuture<D> = Pin<Box<dyn Future<Output = Result<D, IndexError>> + Send>>;

/// Fetches a document, then lets the adapter prefetch what its likely version needs.
fn fetch_doc<A: Adapter>(cache: Arc<DocCache<A>>, key: String) -> DocFuture<A::Doc> {
    Box::pin(async move {
        let doc = cache.adapter.fetch(&key).await?;
        cache.adapter.prefetch_likely(&cache, &doc);
        Ok(doc)
    })
}

impl<A: Adapter> DocCache<A> {
    /// Must be called on the tokio runtime the fetches will run on.
    pub fn new(adapter: A) -> Arc<Self> {
        Arc::new(DocCache { adapter, docs: Prefetcher::new(tokio::runtime::Handle::current()) })
    }

    /// The document of `name`, waiting for it (call from the solver's blocking thread, or
    /// after the solve when every document is there).
    pub fn doc(self: &Arc<Self>, name: &str) -> Result<Arc<A::Doc>, ResolveError> {
        let key = self.adapter.key(name);
        let me = self.clone();
        self.docs.get_blocking(&key, || fetch_doc(me, key.clone())).map_err(ResolveError::Index)
    }

    /// Starts fetching `name`'s document unless it was started before.
    pub fn prefetch(self: &Arc<Self>, name: &str) {
        let key = self.adapter.key(name);
        let me = self.clone();
        self.docs.spawn(&key, || fetch_doc(me, key.clone()));
    }

    /// The document of `name` if it is already there.
    pub fn peek(&self, name: &str) -> Option<Result<Arc<A::Doc>, Arc<IndexError>>> {
        self.docs.peek(&self.adapter.key(name))
    }

    /// How many documents were requested.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

/// One solve over a [`DocCache`].
pub struct Provider<A: Adapter> {
    pub docs: Arc<DocCache<A>>,
    pub round: A::Round,
    roots: Vec<RootReq>,
    cancel: CancellationToken,
    root_version: A::V,
}

impl<A: Adapter> DependencyProvider for Provider<A> {
    type P = Pkg;
    type V = A::V;
    type VS = Lanes<A::V>;
    type M = String;
    type Err = ResolveError;
    type Priority = (u32, Reverse<usize>);

    fn prioritize(&self, package: &Pkg, range: &Self::VS, stats: &PackageResolutionStatistics) -> Self::Priority {
        if matches!(package, Pkg::Root) {
            return (u32::MAX, Reverse(0));
        }
        // Wait for the document rather than peek: a priority that depends on which fetch
        // finished first makes the solve order, and so the chosen versions and conflict
        // reports, differ run to run. The fetches were started together when the package was
        // discovered, so the waits overlap.
        let count = match self.docs.doc(package.name()) {
            Ok(doc) => self.docs.adapter.candidates(&doc, package).filter(|v| range.contains(v)).count(),
            _ => usize::MAX,
        };
        // Packages with fewer candidates (and more conflicts) first, as pubgrub's examples do.
        if count == 0 {
            return (u32::MAX, Reverse(0));
        }
        (self.docs.adapter.weigh_conflicts(package, stats.conflict_count()), Reverse(count))
    }

    fn choose_version(&self, package: &Pkg, range: &Self::VS) -> Result<Option<A::V>, ResolveError> {
        if self.cancel.is_cancelled() {
            return Err(ResolveError::Cancelled);
        }
        if matches!(package, Pkg::Root) {
            return Ok(Some(self.root_version.clone()));
        }
        let doc = self.docs.doc(package.name())?;
        Ok(self.docs.adapter.choose(&self.docs, &doc, package, range))
    }

    fn get_dependencies(&self, package: &Pkg, version: &A::V) -> Result<Dependencies<Pkg, Self::VS, String>, ResolveError> {
        if self.cancel.is_cancelled() {
            return Err(ResolveError::Cancelled);
        }
        if matches!(package, Pkg::Root) {
            for r in &self.roots {
                self.docs.prefetch(A::root_name(r));
            }
            let deps = self.docs.adapter.root_deps(&self.docs, &self.round, &self.roots)?;
            return Ok(Dependencies::Available(deps.into_iter().collect()));
        }
        self.docs.adapter.dependencies(&self.docs, &self.round, package, version)
    }
}

/// Solves `roots` over `docs` with `round`'s state. No solution: PubGrub's explanation with
/// each set narrowed to the package's candidates and written the ecosystem's way, then what
/// the adapter adds.
pub async fn solve<A: Adapter>(
    docs: &Arc<DocCache<A>>,
    round: A::Round,
    roots: &[RootReq],
    cancel: CancellationToken,
) -> Result<(Provider<A>, SelectedDependencies<Pkg, A::V>), ResolveError> {
    let root_version = docs.adapter.root_version()?;
    let provider = Provider { docs: docs.clone(), round, roots: roots.to_vec(), cancel, root_version: root_version.clone() };
    crate::solve::solve(provider, root_version, A::ECOSYSTEM, explain).await
}

fn explain<A: Adapter>(p: &Provider<A>, tree: &DerivationTree<Pkg, Lanes<A::V>, String>) -> String {
    let fmt = |pkg: &Pkg, set: &Lanes<A::V>| -> String {
        match p.docs.peek(pkg.name()) {
            Some(Ok(doc)) => {
                let known: Vec<A::V> = p.docs.adapter.candidates(&doc, pkg).cloned().collect();
                A::render(&report::narrow(set, &known))
            }
            _ => A::render(set),
        }
    };
    let mut text = report::explain(tree, A::ECOSYSTEM, &fmt, &A::render);
    text.push_str(&p.docs.adapter.explain_more(&p.docs, tree, &fmt));
    text
}
