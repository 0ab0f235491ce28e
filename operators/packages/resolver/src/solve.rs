//! The solver run every ecosystem shares: PubGrub on a blocking thread, its errors mapped once.
//!
//! [`crate::provider::solve`] calls it with the generic provider; what an ecosystem adds is an
//! [`crate::adapter::Adapter`]. How the ones still to come fit:
//!
//! * NuGet (lowest applicable version): its adapter's `choose` returns the lowest candidate in
//!   the range instead of the first (highest); nothing else differs.
//! * Composer and RubyGems: highest version first, like crates; stability flags (Composer) and
//!   prerelease rules (RubyGems) belong in the version sets of their version crates, platform
//!   gems and Composer's `replace`/`provide` in their adapters' dependencies (virtual packages).
//! * Maven: nearest-wins mediation is not a SAT-style choice; the default mode resolves the
//!   tree breadth-first without PubGrub (`maven.rs`). A strict mode (every range must hold)
//!   would be an adapter with the repository's versions as candidates, highest first.

use crate::{Ecosystem, Pkg, ResolveError, report};
use pubgrub::{DependencyProvider, DerivationTree, PubGrubError, SelectedDependencies};

/// Runs PubGrub from [`Pkg::Root`] at `root_version` on a blocking thread (providers block on
/// their prefetches) and hands the provider back with the solution, for extraction. No
/// solution: the derivation tree is reduced ([`report::reduce`]) and `explain` words it in the
/// ecosystem's terms. A provider's own error (fetch failure, cancellation) is returned as is.
pub async fn solve<DP, F>(provider: DP, root_version: DP::V, ecosystem: Ecosystem, explain: F) -> Result<(DP, SelectedDependencies<Pkg, DP::V>), ResolveError>
where
    DP: DependencyProvider<P = Pkg, M = String, Err = ResolveError> + Send + 'static,
    DP::V: Send + Sync,
    DP::VS: Send + Sync,
    F: FnOnce(&DP, &DerivationTree<Pkg, DP::VS, String>) -> String,
{
    let (provider, solved) = tokio::task::spawn_blocking(move || {
        let r = pubgrub::resolve(&provider, Pkg::Root, root_version);
        (provider, r)
    })
    .await
    .map_err(|e| ResolveError::Internal(format!("solver thread: {e}")))?;
    match solved {
        Ok(s) => Ok((provider, s)),
        Err(PubGrubError::NoSolution(mut tree)) => {
            report::reduce(&mut tree);
            let report = explain(&provider, &tree);
            Err(ResolveError::NoSolution { ecosystem, report })
        }
        Err(PubGrubError::ErrorRetrievingDependencies { source, .. }) | Err(PubGrubError::ErrorChoosingVersion { source, .. }) | Err(PubGrubError::ErrorInShouldCancel(source)) => {
            Err(source)
        }
    }
}
