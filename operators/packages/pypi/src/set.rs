//! The exact PubGrub version set of a PEP 440 specifier set.
//!
//! With packaging 26's reading of the exclusive ordered comparisons every operator is an
//! interval of the `_cmpkey` order, once a few bounds that are not versions exist
//! ([`crate::Sentinel`], never parsed; uv's `uv-pep440` does the same):
//!
//! * `>V`: V's own post-releases (`V.postN…`, when V is neither a post- nor a dev release)
//!   and V's local versions are excluded; they are exactly the versions between V and
//!   `V.MAX` (above every version with V's epoch, release and pre-release), so `>V` is
//!   `(V.MAX, ∞)`. When V is a post- or dev release only V's locals go: `(V+MAX, ∞)`.
//! * `<V`, V not a pre-release: V's own pre-releases are excluded; they are exactly
//!   `[V.dev0, V)`, so `<V` is `(-∞, V.dev0)`. For a pre-release V: `(-∞, V)`.
//! * `==V` → `[V, V+MAX)` (any local label), `==V+l` → `{V+l}`, `==V.*` →
//!   `[V.dev0, (V+1).dev0)`, `!=` the complement, `<=V` → `(-∞, V+MAX)`, `>=V` → `[V, ∞)`,
//!   `~=V` → `>=V` ∩ `==P.*` (P: V's release without its last number).
//!
//! Whether prereleases are admitted at all (packaging's `prereleases` switches) is the one
//! rule that is not an interval; it is the lane split of [`tusk_versions::Lanes`]: the
//! prerelease lane is either the same intervals or empty. `===` compares strings, which no
//! version set can express: [`SpecifierSet::to_set`] returns `None` for it.

use crate::specifier::{Operator, Specifier, SpecifierSet, compatible_prefix};
use crate::version::Version;
use pubgrub::Ranges;
use tusk_versions::{Lane, LaneVersion, Lanes};

impl LaneVersion for Version {
    fn lane(&self) -> Lane {
        if self.is_prerelease() { Lane::Prerelease } else { Lane::Release }
    }
}

/// A set of PEP 440 versions.
pub type PepSet = Lanes<Version>;

fn prefix_interval(prefix: &Version) -> Ranges<Version> {
    let lo = prefix.release_min();
    let mut next = prefix.base();
    match next.release.last_mut() {
        Some(last) => match last.checked_add(1) {
            Some(n) => *last = n,
            None => return Ranges::higher_than(lo),
        },
        None => return Ranges::empty(),
    }
    Ranges::between(lo, next.release_min())
}

impl Specifier {
    /// The exact interval set of this specifier's operator test; `None` for `===`.
    pub fn to_ranges(&self) -> Option<Ranges<Version>> {
        let v = self.version.as_ref()?;
        Some(match self.op {
            Operator::Arbitrary => return None,
            Operator::Equal | Operator::NotEqual => {
                let eq = if self.wildcard {
                    prefix_interval(v)
                } else if v.local.is_some() {
                    Ranges::singleton(v.clone())
                } else {
                    Ranges::between(v.clone(), v.local_max())
                };
                if self.op == Operator::Equal { eq } else { eq.complement() }
            }
            Operator::LessEqual => Ranges::strictly_lower_than(v.local_max()),
            Operator::GreaterEqual => Ranges::higher_than(v.clone()),
            Operator::Compatible => Ranges::higher_than(v.clone()).intersection(&prefix_interval(&compatible_prefix(v))),
            Operator::Less if v.is_prerelease() => Ranges::strictly_lower_than(v.clone()),
            Operator::Less => Ranges::strictly_lower_than(v.with_dev0()),
            Operator::Greater if !v.is_postrelease() && v.dev.is_none() => Ranges::strictly_higher_than(v.pre_max()),
            Operator::Greater => Ranges::strictly_higher_than(v.local_max()),
        })
    }
}

impl SpecifierSet {
    /// The exact set of versions [`SpecifierSet::contains`] accepts when the effective
    /// prerelease switch admits prereleases (`allow_prereleases`) or not. `None` when a `===`
    /// specifier is present.
    pub fn to_set(&self, allow_prereleases: bool) -> Option<PepSet> {
        let mut r = Ranges::full();
        for s in &self.specs {
            r = r.intersection(&s.to_ranges()?);
        }
        Some(if allow_prereleases { Lanes::both(r) } else { Lanes::releases_in(r) })
    }
}

