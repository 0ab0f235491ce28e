//! crates.io (Cargo) version semantics.
//!
//! Versions and requirements are the `semver` crate's (Cargo's own parser and matcher), so
//! parsing, ordering and matching are Cargo's by construction. This crate adds what the
//! resolver needs on top: the exact conversion of a requirement to a PubGrub version set
//! ([`Requirement::to_set`]), Cargo's semver-compatibility bucket ([`compat_bucket`]) and the
//! object-safe [`CratesScheme`] for the `@packages version` verbs.

use pubgrub::Ranges;
use semver::{BuildMetadata, Comparator, Op, Prerelease, VersionReq};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use tusk_versions::{Ecosystem, InvalidInput, Lane, LaneVersion, Lanes, ParsedVersion, SchemeOptions, VersionScheme};

pub use semver;

/// A Cargo version. Ordered like `semver::Version`: SemVer precedence, ties broken on build
/// metadata (`1.2.3 < 1.2.3+a`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub semver::Version);

impl Version {
    pub fn parse(s: &str) -> Result<Self, semver::Error> {
        semver::Version::parse(s).map(Version)
    }
    pub fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version(semver::Version::new(major, minor, patch))
    }
    pub fn is_prerelease(&self) -> bool {
        !self.0.pre.is_empty()
    }
    /// SemVer precedence: build metadata ignored.
    pub fn cmp_precedence(&self, other: &Self) -> Ordering {
        self.0.cmp_precedence(&other.0)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Version {
    type Err = semver::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

impl LaneVersion for Version {
    fn lane(&self) -> Lane {
        if self.is_prerelease() { Lane::Prerelease } else { Lane::Release }
    }
}

/// The PubGrub version set of a Cargo requirement.
pub type VersionSet = Lanes<Version>;

/// Cargo's semver-compatibility bucket: versions in one bucket are compatible, and Cargo
/// allows one version per bucket in a graph. `1.x.y` → `1`, `0.3.y` → `0.3`, `0.0.4` → `0.0.4`.
/// Prereleases belong to their release's bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CompatBucket {
    Major(u64),
    Minor(u64),
    Patch(u64),
}

impl fmt::Display for CompatBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompatBucket::Major(m) => write!(f, "{m}"),
            CompatBucket::Minor(m) => write!(f, "0.{m}"),
            CompatBucket::Patch(p) => write!(f, "0.0.{p}"),
        }
    }
}

pub fn compat_bucket(v: &Version) -> CompatBucket {
    let v = &v.0;
    if v.major > 0 {
        CompatBucket::Major(v.major)
    } else if v.minor > 0 {
        CompatBucket::Minor(v.minor)
    } else {
        CompatBucket::Patch(v.patch)
    }
}

/// A Cargo requirement (`^1.2`, `>=1, <2`, `=0.1.0-beta`, `1.*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement(pub VersionReq);

impl Requirement {
    pub fn parse(s: &str) -> Result<Self, semver::Error> {
        VersionReq::parse(s).map(Requirement)
    }
    pub fn matches(&self, v: &Version) -> bool {
        self.0.matches(&v.0)
    }

    /// The exact set of versions this requirement matches, as a two-lane PubGrub set.
    ///
    /// Release lane: the intersection of the comparators' intervals. Prerelease lane: the
    /// same intersection (each comparator's prerelease behaviour computed from the `semver`
    /// crate's rules), further restricted to the prereleases of the `major.minor.patch`
    /// tuples that some comparator names with a prerelease of its own — Cargo's rule.
    pub fn to_set(&self) -> VersionSet {
        let mut release = Ranges::full();
        let mut pre = Ranges::full();
        let mut bands = Ranges::empty();
        for c in &self.0.comparators {
            let (r, p) = comparator_lanes(c);
            release = release.intersection(&r);
            pre = pre.intersection(&p);
            if let (Some(minor), Some(patch), false) = (c.minor, c.patch, c.pre.is_empty()) {
                bands = bands.union(&Ranges::from_range_bounds(
                    p0(c.major, minor, patch)..lo(c.major, minor, patch, Prerelease::EMPTY),
                ));
            }
        }
        Lanes::new(release, pre.intersection(&bands))
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The smallest version of a precedence class (no build metadata).
fn lo(major: u64, minor: u64, patch: u64, pre: Prerelease) -> Version {
    Version(semver::Version { major, minor, patch, pre, build: BuildMetadata::EMPTY })
}

/// The smallest version of a `major.minor.patch` tuple: its prerelease `-0`.
fn p0(major: u64, minor: u64, patch: u64) -> Version {
    lo(major, minor, patch, zero_pre())
}

fn zero_pre() -> Prerelease {
    Prerelease::new("0").unwrap_or(Prerelease::EMPTY)
}

/// The smallest version above every version of the class `major.minor.patch-pre` (any build).
fn after(major: u64, minor: u64, patch: u64, pre: &Prerelease) -> Option<Version> {
    if pre.is_empty() {
        patch.checked_add(1).map(|p| p0(major, minor, p))
    } else {
        Prerelease::new(&format!("{pre}.0")).ok().map(|p| lo(major, minor, patch, p))
    }
}

/// `[P0(major+1))`, or unbounded on overflow.
fn next_major(major: u64) -> Option<Version> {
    major.checked_add(1).map(|m| p0(m, 0, 0))
}
fn next_minor(major: u64, minor: u64) -> Option<Version> {
    match minor.checked_add(1) {
        Some(m) => Some(p0(major, m, 0)),
        None => next_major(major),
    }
}

fn between(lower: Version, upper: Option<Version>) -> Ranges<Version> {
    match upper {
        Some(u) => Ranges::from_range_bounds(lower..u),
        None => Ranges::higher_than(lower),
    }
}
fn at_least(lower: Option<Version>) -> Ranges<Version> {
    match lower {
        Some(l) => Ranges::higher_than(l),
        None => Ranges::empty(),
    }
}

/// Moves every bound of a release-lane set to a release version. For release versions the
/// set is unchanged (the smallest release at or above `X-pre` is `X`), and it no longer
/// holds intervals that contain prereleases only.
fn to_release_bounds(r: Ranges<Version>) -> Ranges<Version> {
    use std::ops::Bound;
    let strip = |b: Bound<&Version>| -> Bound<Version> {
        match b {
            Bound::Included(v) => Bound::Included(release_of(v)),
            Bound::Excluded(v) if v.is_prerelease() => Bound::Included(release_of(v)),
            Bound::Excluded(v) => Bound::Excluded(v.clone()),
            Bound::Unbounded => Bound::Unbounded,
        }
    };
    let mut out = Ranges::empty();
    for (l, u) in r.iter() {
        let lower = strip(l.as_ref());
        // An exclusive upper bound at a prerelease of X: the releases below it are those below X.
        let upper = match u.as_ref() {
            Bound::Included(v) if v.is_prerelease() => Bound::Excluded(release_of(v)),
            Bound::Included(v) => Bound::Included(v.clone()),
            Bound::Excluded(v) => Bound::Excluded(release_of(v)),
            Bound::Unbounded => Bound::Unbounded,
        };
        out = out.union(&Ranges::from_range_bounds((lower, upper)));
    }
    out
}

fn release_of(v: &Version) -> Version {
    lo(v.0.major, v.0.minor, v.0.patch, Prerelease::EMPTY)
}

/// (release lane, prerelease lane) of one comparator, following `semver`'s `matches_impl`.
fn comparator_lanes(c: &Comparator) -> (Ranges<Version>, Ranges<Version>) {
    let m = c.major;
    let none = Ranges::empty;
    let (rel, pre) = match (c.op, c.minor, c.patch) {
        (Op::Exact | Op::Wildcard, Some(mi), Some(pa)) => {
            let r = between(lo(m, mi, pa, c.pre.clone()), after(m, mi, pa, &c.pre));
            (r.clone(), r)
        }
        (Op::Exact | Op::Wildcard, Some(mi), None) => (between(lo(m, mi, 0, Prerelease::EMPTY), next_minor(m, mi)), none()),
        (Op::Exact | Op::Wildcard, None, _) => (between(lo(m, 0, 0, Prerelease::EMPTY), next_major(m)), none()),
        (Op::Greater, None, _) => {
            let r = at_least(next_major(m));
            (r.clone(), r)
        }
        (Op::Greater, Some(mi), None) => {
            let r = at_least(next_minor(m, mi));
            (r.clone(), r)
        }
        (Op::Greater, Some(mi), Some(pa)) => {
            let r = at_least(after(m, mi, pa, &c.pre));
            (r.clone(), r)
        }
        (Op::GreaterEq, Some(mi), Some(pa)) => {
            let r = Ranges::higher_than(lo(m, mi, pa, c.pre.clone()));
            (r.clone(), r)
        }
        (Op::GreaterEq, Some(mi), None) => (Ranges::higher_than(lo(m, mi, 0, Prerelease::EMPTY)), at_least(next_minor(m, mi))),
        (Op::GreaterEq, None, _) => (Ranges::higher_than(lo(m, 0, 0, Prerelease::EMPTY)), at_least(next_major(m))),
        (Op::Less, Some(mi), Some(pa)) => {
            let r = Ranges::strictly_lower_than(lo(m, mi, pa, c.pre.clone()));
            (r.clone(), r)
        }
        (Op::Less, Some(mi), None) => {
            let r = Ranges::strictly_lower_than(p0(m, mi, 0));
            (r.clone(), r)
        }
        (Op::Less, None, _) => {
            let r = Ranges::strictly_lower_than(p0(m, 0, 0));
            (r.clone(), r)
        }
        (Op::LessEq, Some(mi), Some(pa)) => {
            let r = below(after(m, mi, pa, &c.pre));
            (r.clone(), r)
        }
        (Op::LessEq, Some(mi), None) => (below(next_minor(m, mi)), Ranges::strictly_lower_than(p0(m, mi, 0))),
        (Op::LessEq, None, _) => (below(next_major(m)), Ranges::strictly_lower_than(p0(m, 0, 0))),
        (Op::Tilde, Some(mi), Some(pa)) => {
            let r = between(lo(m, mi, pa, c.pre.clone()), next_minor(m, mi));
            (r.clone(), r)
        }
        (Op::Tilde, Some(mi), None) => (between(lo(m, mi, 0, Prerelease::EMPTY), next_minor(m, mi)), none()),
        (Op::Tilde, None, _) => (between(lo(m, 0, 0, Prerelease::EMPTY), next_major(m)), none()),
        (Op::Caret, None, _) => {
            let r = between(p0(m, 0, 0), next_major(m));
            (r.clone(), r)
        }
        (Op::Caret, Some(mi), None) => {
            let r = if m > 0 { between(p0(m, mi, 0), next_major(m)) } else { between(p0(0, mi, 0), next_minor(0, mi)) };
            (r.clone(), r)
        }
        (Op::Caret, Some(mi), Some(pa)) => {
            let start = lo(m, mi, pa, c.pre.clone());
            let end = if m > 0 {
                next_major(m)
            } else if mi > 0 {
                next_minor(0, mi)
            } else {
                match pa.checked_add(1) {
                    Some(p) => Some(p0(0, 0, p)),
                    None => next_minor(0, 0),
                }
            };
            let r = between(start, end);
            (r.clone(), r)
        }
        // `semver::Op` is non-exhaustive; an operator this crate does not know matches nothing.
        _ => (none(), none()),
    };
    (to_release_bounds(rel), pre)
}

fn below(upper: Option<Version>) -> Ranges<Version> {
    match upper {
        Some(u) => Ranges::strictly_lower_than(u),
        None => Ranges::full(),
    }
}

fn invalid(what: &'static str, input: &str, e: semver::Error) -> InvalidInput {
    InvalidInput { ecosystem: Ecosystem::Crates, what, input: input.to_string(), reason: e.to_string() }
}

/// The `@packages version` surface for crates.io.
///
/// Options: `mode = "precedence"` compares by SemVer precedence (build metadata ignored,
/// `Version::cmp_precedence`); the default is `Ord for semver::Version`, which breaks ties on
/// build metadata. `include_prerelease`/`loose` do not exist in Cargo and are ignored.
#[derive(Debug, Default, Clone, Copy)]
pub struct CratesScheme;

impl CratesScheme {
    fn version(&self, s: &str) -> Result<Version, InvalidInput> {
        Version::parse(s).map_err(|e| invalid("version", s, e))
    }
    fn req(&self, s: &str) -> Result<Requirement, InvalidInput> {
        Requirement::parse(s).map_err(|e| invalid("range", s, e))
    }
}

impl VersionScheme for CratesScheme {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Crates
    }
    fn parse(&self, version: &str, _opts: &SchemeOptions) -> Result<ParsedVersion, InvalidInput> {
        let v = self.version(version)?;
        let pre: Vec<&str> = if v.0.pre.is_empty() { Vec::new() } else { v.0.pre.as_str().split('.').collect() };
        let build: Vec<&str> = if v.0.build.is_empty() { Vec::new() } else { v.0.build.as_str().split('.').collect() };
        Ok(ParsedVersion {
            normalized: v.to_string(),
            parts: serde_json::json!({
                "major": v.0.major,
                "minor": v.0.minor,
                "patch": v.0.patch,
                "pre": pre,
                "build": build,
                "compat_bucket": compat_bucket(&v).to_string(),
            }),
            prerelease: v.is_prerelease(),
        })
    }
    fn compare(&self, a: &str, b: &str, opts: &SchemeOptions) -> Result<Ordering, InvalidInput> {
        let (a, b) = (self.version(a)?, self.version(b)?);
        Ok(if opts.mode.as_deref() == Some("precedence") { a.cmp_precedence(&b) } else { a.cmp(&b) })
    }
    fn satisfies(&self, range: &str, version: &str, _opts: &SchemeOptions) -> Result<bool, InvalidInput> {
        let r = self.req(range)?;
        let v = self.version(version)?;
        Ok(r.matches(&v))
    }
    fn satisfies_by_set(&self, range: &str, version: &str, _opts: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        use pubgrub::VersionSet as _;
        Some(self.req(range).and_then(|r| Ok(r.to_set().contains(&self.version(version)?))))
    }
    fn parse_range(&self, range: &str, _opts: &SchemeOptions) -> Result<String, InvalidInput> {
        Ok(self.req(range)?.to_string())
    }
    fn modes(&self) -> &'static [&'static str] {
        &["precedence"]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use pubgrub::VersionSet as _;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn cargo_requirement_rules() {
        let m = |r: &str, ver: &str| Requirement::parse(r).unwrap().matches(&v(ver));
        assert!(m("1.2", "1.9.0"));
        assert!(!m("1.2", "2.0.0"));
        assert!(m("0.2.3", "0.2.9"));
        assert!(!m("0.2.3", "0.3.0"));
        assert!(!m("0.0.3", "0.0.4"));
        assert!(m("~1.2", "1.2.9"));
        assert!(!m("~1.2", "1.3.0"));
        assert!(m("=1.2", "1.2.7"));
        assert!(!m("=1.2", "1.2.7-rc.1"));
        assert!(m("1.*", "1.99.0"));
        assert!(!m(">=1.0.0", "2.0.0-alpha"));
        assert!(m(">=1.0.0, <2.0.0-beta", "2.0.0-alpha"));
        assert!(Requirement::parse("1.2.3 || 2").is_err());
        assert!(Requirement::parse("1.0.0 - 2.0.0").is_err());
        assert!(Version::parse("1.2").is_err());
        assert_eq!(Requirement::parse(">= 1.0.0").unwrap().to_string(), ">=1.0.0");
    }

    #[test]
    fn buckets() {
        assert_eq!(compat_bucket(&v("1.2.3")).to_string(), "1");
        assert_eq!(compat_bucket(&v("0.3.9")).to_string(), "0.3");
        assert_eq!(compat_bucket(&v("0.0.4")).to_string(), "0.0.4");
        assert_eq!(compat_bucket(&v("2.0.0-rc.1")), CompatBucket::Major(2));
    }

    #[test]
    fn set_follows_prerelease_rule() {
        let r = Requirement::parse(">=1.2.3-alpha").unwrap();
        let s = r.to_set();
        for (ver, ok) in [("1.2.3-alpha", true), ("1.2.3-beta", true), ("1.2.3", true), ("1.2.4", true), ("1.2.4-beta", false), ("1.2.3-0", false)] {
            assert_eq!(s.contains(&v(ver)), ok, "{ver}");
            assert_eq!(r.matches(&v(ver)), ok, "{ver}");
        }
    }

    #[test]
    fn set_agrees_with_matches_on_a_grid() {
        let reqs = [
            "*", "1", "1.2", "1.2.3", "=1", "=1.2", "=1.2.3", "=1.2.3-beta", ">1", ">1.2", ">1.2.3", ">1.2.3-beta", ">=1", ">=1.2",
            ">=1.2.3-beta", "<1", "<1.2", "<1.2.3", "<1.2.3-beta", "<=1", "<=1.2", "<=1.2.3", "<=1.2.3-beta", "~1", "~1.2", "~1.2.3",
            "~1.2.3-beta", "^0", "^0.0", "^0.0.3", "^0.2", "^0.2.3", "^0.0.3-beta", "^1.2.3-beta", "1.*", "1.2.*", ">=1.2, <1.5",
            ">=1.2.3-alpha, <1.2.3", "^1.2.3-beta, <1.2.4-rc", "=1.2.3+build",
        ];
        let mut versions = Vec::new();
        for ma in 0..3 {
            for mi in 0..4 {
                for pa in 0..5 {
                    for pre in ["", "-0", "-alpha", "-beta", "-beta.1", "-rc"] {
                        versions.push(v(&format!("{ma}.{mi}.{pa}{pre}")));
                        versions.push(v(&format!("{ma}.{mi}.{pa}{pre}+b")));
                    }
                }
            }
        }
        for r in reqs {
            let req = Requirement::parse(r).unwrap();
            let set = req.to_set();
            for ver in &versions {
                assert_eq!(set.contains(ver), req.matches(ver), "{r} vs {ver}: set {set}");
            }
        }
    }
}

/// Properties the fuzz targets (`fuzz/`) and the in-tree smoke test check on any input: no
/// panic; display re-parses to the same value; the PubGrub set agrees with the matcher.
#[doc(hidden)]
pub mod fuzzing {
    use super::*;
    use pubgrub::VersionSet as _;

    const PROBES: [&str; 10] = ["0.0.0", "0.0.1", "0.1.0", "1.0.0-alpha", "1.0.0", "1.0.1+b", "1.2.3-rc.1", "1.2.3", "2.0.0-0", "2.0.0"];

    pub fn check(s: &str) -> Result<(), String> {
        if let Ok(v) = Version::parse(s) {
            let d = v.to_string();
            let again = Version::parse(&d).map_err(|e| format!("display {d:?} of {s:?} does not re-parse: {e}"))?;
            if again != v || again.to_string() != d {
                return Err(format!("{s:?} -> {d:?} -> {again}"));
            }
        }
        if let Ok(r) = Requirement::parse(s) {
            let d = r.to_string();
            let again = Requirement::parse(&d).map_err(|e| format!("display {d:?} of requirement {s:?} does not re-parse: {e}"))?;
            if again.to_string() != d {
                return Err(format!("requirement {s:?} -> {d:?} -> {again}"));
            }
            let set = r.to_set();
            for p in PROBES {
                let v = Version::parse(p).map_err(|e| e.to_string())?;
                if set.contains(&v) != r.matches(&v) {
                    return Err(format!("set of {s:?} disagrees with matches on {p}"));
                }
            }
        }
        Ok(())
    }
}
