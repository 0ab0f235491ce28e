//! A PubGrub version set with two lanes: one for release versions, one for prereleases.
//!
//! Several ecosystems admit a prerelease into a range by a rule that is not a union of
//! intervals of the version order: npm and Cargo take `1.2.3-beta` into `>=1.0.0, <2.0.0`
//! only if a comparator of the same comparator set names a prerelease of `1.2.3`, so
//! `>=1.2.3-alpha` holds `1.2.3-beta` and `1.2.4` but not `1.2.4-beta`, which lies between
//! them. PEP 440 has similar rules for prereleases and local versions.
//!
//! [`Lanes`] keeps one interval set per class of version. A version is looked up only in the
//! lane of its own class ([`LaneVersion::lane`]), so membership is exact whenever each lane
//! is exact for the versions of its class: the ecosystem crates build the release lane from
//! the range's intervals and the prerelease lane from the intervals of the tuples the rule
//! admits. Complement, intersection and union act lane by lane, which is exact because the
//! classes partition the version space.
//!
//! Equality is structural (two `Ranges` per set). A lane may hold an interval that contains
//! no version of its class (the release lane's `[1.0.0-a, 1.0.0-b)`); such a set is
//! semantically smaller than it compares. [`LaneVersion::canonical_release_lane`] lets an
//! ecosystem normalise the release lane after every operation (npm: `[release, release)`
//! intervals, a one-release run as that release, so the release lane is exact under `==`). The prerelease lane is not
//! normalised: a set like `(1.0.0-a, 1.0.0-a.0)` compares non-empty although no version lies
//! in it. Membership stays exact; PubGrub then asks the provider for a version in that set,
//! finds none and records that, so resolution stays correct, at the cost of a step.
//!
//! (versions-a) Added for the npm, PyPI and crates crates; versions-b may reuse it.

use pubgrub::{Ranges, VersionSet};
use std::fmt;

/// Which lane a version belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Release,
    Prerelease,
}

/// A version that belongs to exactly one lane.
pub trait LaneVersion: Clone + Ord + fmt::Debug + fmt::Display {
    fn lane(&self) -> Lane;

    /// Rewrites a release-lane set into a canonical form, so that sets holding the same
    /// release versions are structurally equal (PubGrub compares sets with `==`, e.g. against
    /// the empty set). npm rewrites `(1.0.0, 1.0.1)` — no release inside — to empty by using
    /// only `[release, release)` intervals. Default: unchanged. (versions-a: added.)
    fn canonical_release_lane(r: Ranges<Self>) -> Ranges<Self> {
        r
    }
}

/// A set of versions as two interval sets, one per lane.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Lanes<V> {
    pub release: Ranges<V>,
    pub pre: Ranges<V>,
}

impl<V: LaneVersion> Lanes<V> {
    pub fn new(release: Ranges<V>, pre: Ranges<V>) -> Self {
        Lanes { release: V::canonical_release_lane(release), pre }
    }
    /// The same intervals in both lanes: every version in them, prerelease or not.
    pub fn both(r: Ranges<V>) -> Self {
        Lanes::new(r.clone(), r)
    }
    /// Only release versions inside `r`.
    pub fn releases_in(r: Ranges<V>) -> Self {
        Lanes::new(r, Ranges::empty())
    }
    pub fn is_empty(&self) -> bool {
        self.release.is_empty() && self.pre.is_empty()
    }
}

impl<V: LaneVersion> VersionSet for Lanes<V> {
    type V = V;
    fn empty() -> Self {
        Lanes { release: Ranges::empty(), pre: Ranges::empty() }
    }
    fn full() -> Self {
        Lanes { release: Ranges::full(), pre: Ranges::full() }
    }
    fn singleton(v: V) -> Self {
        match v.lane() {
            Lane::Release => Lanes::new(Ranges::singleton(v), Ranges::empty()),
            Lane::Prerelease => Lanes { release: Ranges::empty(), pre: Ranges::singleton(v) },
        }
    }
    fn complement(&self) -> Self {
        Lanes::new(self.release.complement(), self.pre.complement())
    }
    fn intersection(&self, other: &Self) -> Self {
        Lanes::new(self.release.intersection(&other.release), self.pre.intersection(&other.pre))
    }
    fn union(&self, other: &Self) -> Self {
        Lanes::new(self.release.union(&other.release), self.pre.union(&other.pre))
    }
    fn contains(&self, v: &V) -> bool {
        match v.lane() {
            Lane::Release => self.release.contains(v),
            Lane::Prerelease => self.pre.contains(v),
        }
    }
    fn is_disjoint(&self, other: &Self) -> bool {
        self.release.is_disjoint(&other.release) && self.pre.is_disjoint(&other.pre)
    }
    fn subset_of(&self, other: &Self) -> bool {
        self.release.subset_of(&other.release) && self.pre.subset_of(&other.pre)
    }
}

impl<V: fmt::Debug> fmt::Debug for Lanes<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lanes").field("release", &self.release).field("pre", &self.pre).finish()
    }
}

impl<V: LaneVersion> fmt::Display for Lanes<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pre.is_empty() {
            write!(f, "{}", self.release)
        } else if self.release == self.pre {
            write!(f, "{} (prereleases included)", self.release)
        } else {
            write!(f, "{} (prereleases: {})", self.release, self.pre)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    struct V(u32, bool); // (n, is_pre) ordered so that pre sorts before release of same n
    impl fmt::Display for V {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}{}", self.0, if self.1 { "" } else { "-pre" })
        }
    }
    impl LaneVersion for V {
        fn lane(&self) -> Lane {
            if self.1 { Lane::Release } else { Lane::Prerelease }
        }
    }

    #[test]
    fn lanes_are_independent() {
        let s = Lanes::new(Ranges::between(V(1, true), V(5, true)), Ranges::singleton(V(3, false)));
        assert!(s.contains(&V(2, true)));
        assert!(!s.contains(&V(2, false)));
        assert!(s.contains(&V(3, false)));
        let c = s.complement();
        assert!(!c.contains(&V(2, true)));
        assert!(c.contains(&V(2, false)));
        assert!(s.is_disjoint(&c));
        assert!(s.intersection(&c).is_empty());
        assert_eq!(s.union(&c), Lanes::full());
        assert!(Lanes::singleton(V(3, false)).subset_of(&s));
        assert!(!Lanes::singleton(V(4, false)).subset_of(&s));
    }
}
