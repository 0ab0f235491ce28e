//! PyPI version semantics: PEP 440 as `pypa/packaging` 26 implements it.
//!
//! * [`Version`]: parsing (every spelling PEP 440 allows), normalisation, `_cmpkey` order.
//! * [`Specifier`] / [`SpecifierSet`]: `~= == != <= >= < > ===`, `==1.*`, the exclusive
//!   ordered comparison rules, and packaging's prerelease switches ([`PrereleaseFlags`]).
//! * [`SpecifierSet::to_set`]: the exact PubGrub version set ([`PepSet`], see `set.rs`).
//! * [`PypiScheme`]: the object-safe surface for the `@packages version` verbs.

mod set;
mod specifier;
mod version;

pub use set::PepSet;
pub use specifier::{Operator, PrereleaseFlags, Specifier, SpecifierError, SpecifierSet};
pub use version::{LocalSeg, PreKind, Sentinel, Version, VersionError, is_py_space};

use std::cmp::Ordering;
use tusk_versions::{Ecosystem, InvalidInput, ParsedVersion, SchemeOptions, VersionScheme};

/// Compiles one of this crate's constant patterns.
pub(crate) fn compile(src: &str) -> regex::Regex {
    match regex::Regex::new(src) {
        Ok(r) => r,
        // The patterns are constants covered by every test; an empty-language fallback keeps
        // this panic-free should one ever fail to compile.
        Err(_) => regex::Regex::new(r"[^\s\S]").unwrap_or_else(|_| unreachable_regex()),
    }
}

#[allow(clippy::panic)]
fn unreachable_regex() -> regex::Regex {
    panic!("regex engine cannot compile a trivial pattern")
}

fn flags_of(o: &SchemeOptions) -> PrereleaseFlags {
    PrereleaseFlags {
        set: if o.include_prerelease {
            Some(true)
        } else if o.exclude_prerelease {
            Some(false)
        } else {
            None
        },
        call: o.flag_bool("call_prereleases"),
        installed: o.flag_bool("installed") == Some(true),
    }
}

fn bad_version(input: &str, e: VersionError) -> InvalidInput {
    InvalidInput { ecosystem: Ecosystem::Pypi, what: "version", input: input.to_string(), reason: e.to_string() }
}
fn bad_range(input: &str, e: SpecifierError) -> InvalidInput {
    InvalidInput { ecosystem: Ecosystem::Pypi, what: "range", input: input.to_string(), reason: e.to_string() }
}

/// The `@packages version` surface for PyPI. Options: `include_prerelease` /
/// `exclude_prerelease` are `SpecifierSet(prereleases=True/False)`; flags
/// `call_prereleases` and `installed` are the `contains()` arguments.
#[derive(Debug, Default, Clone, Copy)]
pub struct PypiScheme;

impl PypiScheme {
    fn version(&self, s: &str) -> Result<Version, InvalidInput> {
        Version::parse(s).map_err(|e| bad_version(s, e))
    }
    fn set(&self, s: &str) -> Result<SpecifierSet, InvalidInput> {
        SpecifierSet::parse(s).map_err(|e| bad_range(s, e))
    }
}

impl VersionScheme for PypiScheme {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Pypi
    }
    fn parse(&self, version: &str, _o: &SchemeOptions) -> Result<ParsedVersion, InvalidInput> {
        let v = self.version(version)?;
        let local: Option<Vec<String>> = v.local.as_ref().map(|l| l.iter().map(ToString::to_string).collect());
        Ok(ParsedVersion {
            normalized: v.to_string(),
            parts: serde_json::json!({
                "epoch": v.epoch,
                "release": v.release,
                "pre": v.pre.map(|(k, n)| serde_json::json!([k.as_str(), n])),
                "post": v.post,
                "dev": v.dev,
                "local": local,
                "public": v.public().to_string(),
                "base_version": v.base().to_string(),
            }),
            prerelease: v.is_prerelease(),
        })
    }
    fn compare(&self, a: &str, b: &str, _o: &SchemeOptions) -> Result<Ordering, InvalidInput> {
        Ok(self.version(a)?.cmp(&self.version(b)?))
    }
    /// Versions that are not PEP 440 are an error, except where `===` (or an empty set)
    /// decides on the raw string, as packaging does.
    fn satisfies(&self, range: &str, version: &str, o: &SchemeOptions) -> Result<bool, InvalidInput> {
        let set = self.set(range)?;
        match Version::parse(version) {
            Ok(v) => Ok(set.contains_item(version, Some(&v), flags_of(o))),
            Err(e) => {
                if set.specs.iter().all(|s| s.op == Operator::Arbitrary) {
                    Ok(set.contains_str(version))
                } else {
                    Err(bad_version(version, e))
                }
            }
        }
    }
    fn satisfies_by_set(&self, range: &str, version: &str, o: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        use pubgrub::VersionSet as _;
        let set = match self.set(range) {
            Ok(s) => s,
            Err(e) => return Some(Err(e)),
        };
        let v = match Version::parse(version) {
            Ok(v) => v,
            // Strings that are not versions have no place in a version set.
            Err(_) => return None,
        };
        let flags = flags_of(o);
        let allow_pre = set.effective_prereleases(flags, v.is_prerelease()) != Some(false);
        // `===` compares text, which no version set expresses.
        let pep = set.to_set(allow_pre)?;
        Some(Ok(pep.contains(&v)))
    }
    fn parse_range(&self, range: &str, _o: &SchemeOptions) -> Result<String, InvalidInput> {
        Ok(self.set(range)?.to_string())
    }
    fn normalize(&self, kind: &str, op: Option<&str>, input: &str, o: &SchemeOptions) -> Option<Result<Option<String>, InvalidInput>> {
        let v = || self.version(input);
        Some(match (kind, op) {
            ("version", None) => v().map(|v| Some(v.to_string())),
            ("version", Some("public")) => v().map(|v| Some(v.public().to_string())),
            ("version", Some("base_version")) => v().map(|v| Some(v.base().to_string())),
            ("version", Some("canonicalize_version")) => {
                let strip = o.flag_bool("strip_trailing_zero") != Some(false);
                Ok(Some(Version::parse(input).map(|v| v.canonical(strip)).unwrap_or_else(|_| input.to_string())))
            }
            ("range", None) => self.parse_range(input, o).map(Some),
            _ => return None,
        })
    }
    fn filter(&self, range: &str, versions: &[String], o: &SchemeOptions) -> Result<Vec<String>, InvalidInput> {
        Ok(self.set(range)?.filter(versions, flags_of(o)).into_iter().cloned().collect())
    }
    fn max_satisfying(&self, range: &str, versions: &[String], o: &SchemeOptions) -> Result<Option<String>, InvalidInput> {
        let set = self.set(range)?;
        let picked = set.filter(versions, flags_of(o));
        Ok(picked.into_iter().filter_map(|s| Version::parse(s).ok().map(|v| (v, s))).max_by(|a, b| a.0.cmp(&b.0)).map(|(_, s)| s.clone()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;

/// Properties the fuzz targets (`fuzz/`) and the in-tree smoke test check on any input: no
/// panic; display re-parses to the same value; the PubGrub set agrees with `contains`.
#[doc(hidden)]
pub mod fuzzing {
    use super::*;
    use pubgrub::VersionSet as _;

    const PROBES: [&str; 12] = ["0", "1.0.dev0", "1.0a1", "1.0", "1.0+local", "1.0.post1", "1.0.post1.dev0", "1.1", "1!0.5", "2.0rc1", "2.0", "10.0.0.1"];

    pub fn check(s: &str) -> Result<(), String> {
        let (fast, reference) = (Version::parse(s), Version::parse_reference(s));
        match (&fast, &reference) {
            (Ok(a), Ok(b)) if a.to_string() == b.to_string() => {}
            (Err(_), Err(_)) => {}
            _ => return Err(format!("hand-written parse {fast:?} differs from the regex {reference:?} on {s:?}")),
        }
        if let Ok(v) = Version::parse(s) {
            let d = v.to_string();
            let again = Version::parse(&d).map_err(|e| format!("display {d:?} of {s:?} does not re-parse: {e:?}"))?;
            if again != v || again.to_string() != d {
                return Err(format!("{s:?} -> {d:?} -> {again}"));
            }
        }
        if let Ok(set) = SpecifierSet::parse(s) {
            let d = set.to_string();
            let again = SpecifierSet::parse(&d).map_err(|e| format!("display {d:?} of {s:?} does not re-parse: {e}"))?;
            if again.to_string() != d {
                return Err(format!("specifiers {s:?} -> {d:?} -> {again}"));
            }
            for allow in [true, false] {
                let flags = PrereleaseFlags { set: Some(allow), ..Default::default() };
                if let Some(pep) = set.to_set(allow) {
                    for p in PROBES {
                        let v = Version::parse(p).map_err(|e| e.to_string())?;
                        if pep.contains(&v) != set.contains(&v, flags) {
                            return Err(format!("set of {s:?} (prereleases={allow}) disagrees with contains on {p}"));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
