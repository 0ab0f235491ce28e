//! npm (node-semver 7) version semantics.
//!
//! * [`Version`]: `SemVer`, strict and loose parsing, precedence order (build ignored).
//! * [`Range`]: `Range`/`Comparator` with node-semver's own desugaring pipeline (hyphen
//!   ranges, `^`, `~`, x-ranges, `*`, `||`), the prerelease rule and `includePrerelease`.
//! * [`Range::to_set`]: the exact PubGrub version set (two lanes, see
//!   [`tusk_versions::lanes`]).
//! * [`NpmScheme`]: the object-safe surface for the `@packages version` verbs.

mod range;
mod version;

pub use range::{Comparator, Op, Options, Range, RangeError, test_set};
pub use version::{Ident, MAX_LENGTH, MAX_SAFE_INTEGER, Version, VersionError, is_js_space, js_trim};

use pubgrub::Ranges;
use std::cmp::Ordering;
use std::ops::Bound;
use tusk_versions::{Ecosystem, InvalidInput, Lane, LaneVersion, Lanes, ParsedVersion, SchemeOptions, VersionScheme};

impl LaneVersion for Version {
    fn lane(&self) -> Lane {
        if self.is_prerelease() { Lane::Prerelease } else { Lane::Release }
    }
    fn canonical_release_lane(r: Ranges<Self>) -> Ranges<Self> {
        to_release_bounds(&r)
    }
}

/// The PubGrub version set of an npm range.
pub type VersionSet = Lanes<Version>;

impl Comparator {
    /// The interval of versions this comparator's ordering test accepts.
    pub fn interval(&self) -> Ranges<Version> {
        let Some(v) = &self.version else { return Ranges::full() };
        match self.op {
            Op::Eq => Ranges::singleton(v.clone()),
            Op::Gt => Ranges::strictly_higher_than(v.clone()),
            Op::Gte => Ranges::higher_than(v.clone()),
            Op::Lt => Ranges::strictly_lower_than(v.clone()),
            Op::Lte => Ranges::lower_than(v.clone()),
        }
    }
}

impl Range {
    /// The exact set of versions [`Range::test`] accepts.
    ///
    /// Per comparator set: the release lane is the intersection of the comparators' intervals
    /// (bounds moved onto release versions); the prerelease lane is the same intersection,
    /// restricted — unless `includePrerelease` — to `[M.m.p-0, M.m.p)` for each tuple some
    /// comparator of the set names with a prerelease. The range is the union of its sets.
    pub fn to_set(&self) -> VersionSet {
        let mut out = Lanes::new(Ranges::empty(), Ranges::empty());
        for comps in &self.set {
            let mut r = Ranges::full();
            let mut bands = Ranges::empty();
            for c in comps {
                r = r.intersection(&c.interval());
                if let Some(v) = c.version.as_ref().filter(|v| v.is_prerelease()) {
                    bands = bands.union(&Ranges::from_range_bounds(v.lowest_pre()..v.release()));
                }
            }
            let pre = if self.options.include_prerelease { r.clone() } else { r.intersection(&bands) };
            out = Lanes::new(out.release.union(&r), out.pre.union(&pre));
        }
        out
    }
}

/// The release-lane canonical form: only `[a, b)` intervals whose bounds are release versions.
/// A prerelease bound moves to its release (the releases at or above `X-pre` are those at or
/// above `X`; those below it are those below `X`); an exclusive lower or inclusive upper
/// release bound `M.m.p` moves to `M.m.(p+1)` (npm versions are discrete). Release
/// membership is unchanged, and an interval without a release in it becomes empty.
fn to_release_bounds(r: &Ranges<Version>) -> Ranges<Version> {
    let next = |v: &Version| v.patch.checked_add(1).map(|p| Version::new(v.major, v.minor, p));
    let mut out = Ranges::empty();
    for (l, u) in r.iter() {
        let lower = match l {
            Bound::Included(v) => Bound::Included(v.release()),
            Bound::Excluded(v) if v.is_prerelease() => Bound::Included(v.release()),
            Bound::Excluded(v) => match next(v) {
                Some(n) => Bound::Included(n),
                None => continue,
            },
            Bound::Unbounded => Bound::Unbounded,
        };
        let upper = match u {
            Bound::Excluded(v) => Bound::Excluded(v.release()),
            Bound::Included(v) if v.is_prerelease() => Bound::Excluded(v.release()),
            Bound::Included(v) => match next(v) {
                Some(n) => Bound::Excluded(n),
                None => Bound::Unbounded,
            },
            Bound::Unbounded => Bound::Unbounded,
        };
        if let (Bound::Included(a), Bound::Excluded(b)) = (&lower, &upper)
            && a >= b
        {
            continue;
        }
        out = out.union(&Ranges::from_range_bounds((lower, upper)));
    }
    // A run holding one release is written as that release (`[v, v]`, how PubGrub's
    // singleton looks and reads in reports); longer runs stay `[a, b)`. Still one form per set.
    let mut canonical = Ranges::empty();
    for (l, u) in out.iter() {
        let single = match (l, u) {
            (Bound::Included(a), Bound::Excluded(b)) if next(a).as_ref() == Some(b) => Some(a.clone()),
            _ => None,
        };
        canonical = canonical.union(&match single {
            Some(v) => Ranges::singleton(v),
            None => Ranges::from_range_bounds((l.clone(), u.clone())),
        });
    }
    canonical
}

fn opts_of(o: &SchemeOptions) -> Options {
    Options { loose: o.loose || o.flag_bool("loose") == Some(true), include_prerelease: o.include_prerelease }
}

fn bad_version(input: &str, e: VersionError) -> InvalidInput {
    InvalidInput { ecosystem: Ecosystem::Npm, what: "version", input: input.to_string(), reason: e.to_string() }
}
fn bad_range(input: &str, e: RangeError) -> InvalidInput {
    InvalidInput { ecosystem: Ecosystem::Npm, what: "range", input: input.to_string(), reason: e.to_string() }
}

/// `semver.clean`: trims, drops leading `=`/`v`, parses strictly; `None` if not a version.
pub fn clean(input: &str, loose: bool) -> Option<String> {
    let t = js_trim(input).trim_start_matches(['=', 'v']);
    Version::parse(t, loose).ok().map(|v| v.to_string())
}

/// The `@packages version` surface for npm. Honours `loose`, `include_prerelease`, and
/// `mode = "build"` (or flag `compareBuild`): `semver.compareBuild` ordering.
#[derive(Debug, Default, Clone, Copy)]
pub struct NpmScheme;

impl NpmScheme {
    fn version(&self, s: &str, o: &SchemeOptions) -> Result<Version, InvalidInput> {
        Version::parse(s, opts_of(o).loose).map_err(|e| bad_version(s, e))
    }
    fn range(&self, s: &str, o: &SchemeOptions) -> Result<Range, InvalidInput> {
        Range::parse(s, opts_of(o)).map_err(|e| bad_range(s, e))
    }
}

impl VersionScheme for NpmScheme {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Npm
    }
    fn parse(&self, version: &str, o: &SchemeOptions) -> Result<ParsedVersion, InvalidInput> {
        let v = self.version(version, o)?;
        let pre: Vec<serde_json::Value> = v
            .pre
            .iter()
            .map(|p| match p {
                Ident::Num(n) => serde_json::json!(n),
                Ident::Str(s) => serde_json::json!(s),
            })
            .collect();
        Ok(ParsedVersion {
            normalized: v.to_string(),
            parts: serde_json::json!({"major": v.major, "minor": v.minor, "patch": v.patch, "pre": pre, "build": v.build}),
            prerelease: v.is_prerelease(),
        })
    }
    fn compare(&self, a: &str, b: &str, o: &SchemeOptions) -> Result<Ordering, InvalidInput> {
        let (a, b) = (self.version(a, o)?, self.version(b, o)?);
        Ok(if o.mode.as_deref() == Some("build") || o.flag_bool("compareBuild") == Some(true) { a.compare_build(&b) } else { a.cmp(&b) })
    }
    fn satisfies(&self, range: &str, version: &str, o: &SchemeOptions) -> Result<bool, InvalidInput> {
        let r = self.range(range, o)?;
        let v = self.version(version, o)?;
        Ok(r.test(&v))
    }
    fn satisfies_by_set(&self, range: &str, version: &str, o: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        use pubgrub::VersionSet as _;
        Some(self.range(range, o).and_then(|r| Ok(r.to_set().contains(&self.version(version, o)?))))
    }
    fn parse_range(&self, range: &str, o: &SchemeOptions) -> Result<String, InvalidInput> {
        Ok(self.range(range, o)?.to_string())
    }
    fn modes(&self) -> &'static [&'static str] {
        &["build"]
    }
    fn normalize(&self, kind: &str, op: Option<&str>, input: &str, o: &SchemeOptions) -> Option<Result<Option<String>, InvalidInput>> {
        match (kind, op) {
            ("version", None) => Some(Ok(self.version(input, o).ok().map(|v| v.to_string()))),
            ("version", Some("clean")) => Some(Ok(clean(input, opts_of(o).loose))),
            ("range", None) => Some(Ok(self.range(input, o).ok().map(|r| r.to_string()))),
            _ => None,
        }
    }
    fn outside(&self, range: &str, version: &str, dir: Ordering, o: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        Some(self.range(range, o).and_then(|r| Ok(r.outside(&self.version(version, o)?, dir))))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;

/// Properties the fuzz targets (`fuzz/`) and the in-tree smoke test check on any input: no
/// panic; display re-parses to the same value; the PubGrub set agrees with `Range::test`.
#[doc(hidden)]
pub mod fuzzing {
    use super::*;
    use pubgrub::VersionSet as _;

    const PROBES: [&str; 10] = ["0.0.0", "0.0.1-0", "0.1.0", "1.0.0-alpha", "1.0.0", "1.0.1", "1.2.3-rc.1", "1.2.3", "2.0.0-0", "2.0.0"];

    pub fn check(s: &str) -> Result<(), String> {
        for loose in [false, true] {
            if let Ok(v) = Version::parse(s, loose) {
                let d = v.to_string();
                let again = Version::parse(&d, false).map_err(|e| format!("display {d:?} of {s:?} does not re-parse: {e}"))?;
                if again != v || again.to_string() != d {
                    return Err(format!("{s:?} -> {d:?} -> {again}"));
                }
            }
            for include_prerelease in [false, true] {
                let opts = Options { loose, include_prerelease };
                if let Ok(r) = Range::parse(s, opts) {
                    let d = r.to_string();
                    // node-semver's printed form is not always a fixed point (`>=00.0.0` prints
                    // as `>=0.0.0`, which a second parse drops as "any"), so the display must
                    // mean the same, and its own display must be a fixed point.
                    let again = Range::parse(&d, opts).map_err(|e| format!("display {d:?} of range {s:?} does not re-parse: {e}"))?;
                    let d2 = again.to_string();
                    let third = Range::parse(&d2, opts).map_err(|e| format!("display {d2:?} does not re-parse: {e}"))?;
                    if third.to_string() != d2 {
                        return Err(format!("range {s:?} -> {d:?} -> {d2:?} -> {third}"));
                    }
                    let set = r.to_set();
                    for p in PROBES {
                        let v = Version::parse(p, false).map_err(|e| e.to_string())?;
                        if set.contains(&v) != r.test(&v) {
                            return Err(format!("set of {s:?} ({opts:?}) disagrees with test on {p}"));
                        }
                        if again.test(&v) != r.test(&v) {
                            return Err(format!("range {s:?} and its display {d:?} disagree on {p}"));
                        }
                        let _ = r.outside(&v, std::cmp::Ordering::Greater);
                        let _ = r.outside(&v, std::cmp::Ordering::Less);
                    }
                }
            }
        }
        Ok(())
    }
}
