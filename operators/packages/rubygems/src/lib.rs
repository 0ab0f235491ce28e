//! RubyGems version semantics (`Gem::Version`, `Gem::Requirement`, the `Gem::Dependency`
//! prerelease gate), pure (no I/O).
//!
//! * A version is `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?` with optional
//!   surrounding whitespace; blank means `0`; `-` is read as `.pre.`.
//! * Segments are the runs of digits and of letters (`1.0.b1` → `1, 0, "b", 1`). Any letter makes
//!   a prerelease. Comparison uses the *canonical* segments: trailing zeros are dropped from the
//!   numeric prefix and from the rest, then segments compare pairwise with missing ones as `0`;
//!   a string segment sorts before any number, strings compare bytewise.
//! * A requirement is a conjunction of `op version` (`=`, `!=`, `>`, `<`, `>=`, `<=`, `~>`; no
//!   operator means `=`). `~> 1.2` is `>= 1.2` and `release < 2` (`release` drops the letters).
//!
//! The order is total, so each requirement is an exact [`pubgrub::Ranges`]: `~>`'s upper end
//! is "below every version whose release is the bump", represented by an internal
//! [`GemVersion::lowest_prerelease_of`] point that sorts under all prereleases of the bump.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use std::cmp::Ordering;
use std::fmt;

use serde_json::json;
use tusk_versions::{Ecosystem, InvalidInput, ParsedVersion, SchemeOptions, VersionScheme};

/// Errors of this crate (both are `ArgumentError` upstream).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GemError {
    /// `Gem::Version.new` raises "Malformed version number string".
    #[error("malformed version number string `{0}`")]
    MalformedVersion(String),
    /// `Gem::Requirement.parse` raises `BadRequirementError` "Illformed requirement".
    #[error("illformed requirement `{0}`")]
    IllformedRequirement(String),
}

/// One segment of a version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Digits, leading zeros stripped (`"0"` for zero). Arbitrary size, like Ruby's Integer.
    Num(String),
    /// A run of ASCII letters.
    Str(String),
    /// Not produced by parsing: sorts below every other segment. Ends a bound that lies
    /// under every prerelease of a release (see [`GemVersion::lowest_prerelease_of`]).
    Lowest,
}

impl Segment {
    fn is_zero(&self) -> bool {
        matches!(self, Segment::Num(n) if n == "0")
    }
}

fn cmp_segment(a: &Segment, b: &Segment) -> Ordering {
    use Segment::*;
    match (a, b) {
        (Lowest, Lowest) => Ordering::Equal,
        (Lowest, _) => Ordering::Less,
        (_, Lowest) => Ordering::Greater,
        (Num(x), Num(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
        (Str(x), Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Str(_), Num(_)) => Ordering::Less,
        (Num(_), Str(_)) => Ordering::Greater,
    }
}

fn is_ruby_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// Whether `s` matches `VERSION_PATTERN` in full.
fn matches_version_pattern(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    i += digits;
    while i < b.len() && b[i] == b'.' {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric()).count();
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if i < b.len() && b[i] == b'-' {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'-').count();
        if n == 0 {
            return false;
        }
        i += 1 + n;
        while i < b.len() && b[i] == b'.' {
            let n = b[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'-').count();
            if n == 0 {
                return false;
            }
            i += 1 + n;
        }
    }
    i == b.len()
}

fn strip_zeros(d: &str) -> String {
    let t = d.trim_start_matches('0');
    if t.is_empty() { "0".into() } else { t.into() }
}

fn increment(digits: &str) -> String {
    let mut v: Vec<u8> = digits.bytes().collect();
    let mut i = v.len();
    loop {
        if i == 0 {
            v.insert(0, b'1');
            break;
        }
        i -= 1;
        if v[i] == b'9' {
            v[i] = b'0';
        } else {
            v[i] += 1;
            break;
        }
    }
    String::from_utf8(v).unwrap_or_default()
}

/// A `Gem::Version`.
#[derive(Debug, Clone)]
pub struct GemVersion {
    /// `Gem::Version#version`: stripped, `-` replaced by `.pre.`, blank → `0`.
    version: String,
    segments: Vec<Segment>,
    canonical: Vec<Segment>,
}

impl GemVersion {
    pub fn parse(input: &str) -> Result<Self, GemError> {
        let trimmed = input.trim_matches(is_ruby_space);
        if !trimmed.is_empty() && !matches_version_pattern(trimmed) {
            return Err(GemError::MalformedVersion(input.to_string()));
        }
        let version = if trimmed.is_empty() { "0".to_string() } else { trimmed.replace('-', ".pre.") };
        Ok(Self::from_normalized(version))
    }

    fn from_normalized(version: String) -> Self {
        let mut segments = Vec::new();
        let b = version.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_digit() {
                let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                segments.push(Segment::Num(strip_zeros(&version[i..i + n])));
                i += n;
            } else if b[i].is_ascii_alphabetic() {
                let n = b[i..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
                segments.push(Segment::Str(version[i..i + n].to_string()));
                i += n;
            } else {
                i += 1;
            }
        }
        let canonical = canonical_segments(&segments);
        GemVersion { version, segments, canonical }
    }

    /// `Gem::Version#version` / `to_s`.
    pub fn as_str(&self) -> &str {
        &self.version
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn canonical_segments(&self) -> &[Segment] {
        &self.canonical
    }

    /// Any letter makes a prerelease.
    pub fn is_prerelease(&self) -> bool {
        self.version.bytes().any(|c| c.is_ascii_alphabetic())
    }

    fn numeric_prefix(&self) -> Vec<String> {
        self.segments
            .iter()
            .take_while(|s| matches!(s, Segment::Num(_)))
            .filter_map(|s| if let Segment::Num(n) = s { Some(n.clone()) } else { None })
            .collect()
    }

    /// `release`: the version without its letter segments and what follows them.
    pub fn release(&self) -> GemVersion {
        if !self.is_prerelease() {
            return self.clone();
        }
        Self::from_normalized(self.numeric_prefix().join("."))
    }

    /// `bump`: drop letter segments, drop the last segment (if more than one), increment.
    pub fn bump(&self) -> GemVersion {
        let mut segs = self.numeric_prefix();
        if segs.len() > 1 {
            segs.pop();
        }
        if let Some(last) = segs.last_mut() {
            *last = increment(last);
        }
        Self::from_normalized(segs.join("."))
    }

    /// `approximate_recommendation`: `~> major.minor`, with `.a` for prereleases.
    pub fn approximate_recommendation(&self) -> String {
        let mut segs = self.numeric_prefix();
        segs.truncate(2);
        while segs.len() < 2 {
            segs.push("0".into());
        }
        let mut s = format!("~> {}", segs.join("."));
        if self.is_prerelease() {
            s.push_str(".a");
        }
        s
    }

    /// A point below every version whose release is `release` (every `release.<letters>…`)
    /// and above every lower release. No real version equals it.
    pub fn lowest_prerelease_of(release: &GemVersion) -> GemVersion {
        let mut canonical = release.canonical.clone();
        canonical.push(Segment::Lowest);
        GemVersion { version: format!("{}.a", release.version), segments: release.segments.clone(), canonical }
    }
}

fn canonical_segments(segments: &[Segment]) -> Vec<Segment> {
    let split = segments.iter().position(|s| matches!(s, Segment::Str(_))).unwrap_or(segments.len());
    let (num, rest) = segments.split_at(split);
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    let keep = num.iter().rposition(|s| !s.is_zero()).map_or(0, |p| p + 1);
    out.extend_from_slice(&num[..keep]);
    let keep = rest.iter().rposition(|s| !s.is_zero()).map_or(0, |p| p + 1);
    out.extend_from_slice(&rest[..keep]);
    out
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.canonical == other.canonical {
            return Ordering::Equal;
        }
        let zero = Segment::Num("0".into());
        let n = self.canonical.len().max(other.canonical.len());
        for i in 0..n {
            let l = self.canonical.get(i).unwrap_or(&zero);
            let r = other.canonical.get(i).unwrap_or(&zero);
            let c = cmp_segment(l, r);
            if c != Ordering::Equal {
                return c;
            }
        }
        Ordering::Equal
    }
}
impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for GemVersion {}
impl fmt::Display for GemVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.version)
    }
}
/// For the resolver's two-lane sets: a prerelease (`Gem::Version#prerelease?`) is in the
/// prerelease lane, so a requirement admits one only when it names a prerelease itself
/// (`Gem::Dependency#match?`'s gate; see [`Requirement::to_lanes`]).
impl tusk_versions::LaneVersion for GemVersion {
    fn lane(&self) -> tusk_versions::Lane {
        if self.is_prerelease() { tusk_versions::Lane::Prerelease } else { tusk_versions::Lane::Release }
    }
}

impl std::str::FromStr for GemVersion {
    type Err = GemError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A requirement operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Pessimistic,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Pessimistic => "~>",
        }
    }
}

/// A `Gem::Requirement`: all constraints must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub constraints: Vec<(Op, GemVersion)>,
}

fn parse_one(s: &str) -> Result<(Op, GemVersion), GemError> {
    let bad = || GemError::IllformedRequirement(s.to_string());
    let t = s.trim_start_matches(is_ruby_space);
    let ops = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("~>", Op::Pessimistic),
        ("!=", Op::Ne),
        ("=", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
    ];
    let (op, rest) = ops
        .iter()
        .find_map(|(p, op)| t.strip_prefix(p).map(|r| (*op, r)))
        .unwrap_or((Op::Eq, t));
    let v = rest.trim_matches(is_ruby_space);
    if !matches_version_pattern(v) {
        return Err(bad());
    }
    Ok((op, GemVersion::parse(v).map_err(|_| bad())?))
}

impl Requirement {
    /// `Gem::Requirement.new(*list)` for a comma-separated list (`"~> 1.2, >= 1.2.3"`, the
    /// Gemfile/gemspec spelling). Each piece is `Gem::Requirement.parse`d.
    pub fn parse(input: &str) -> Result<Self, GemError> {
        let mut constraints = Vec::new();
        for piece in input.split(',') {
            let c = parse_one(piece).map_err(|_| GemError::IllformedRequirement(input.to_string()))?;
            if !constraints.contains(&c) {
                constraints.push(c);
            }
        }
        Ok(Requirement { constraints })
    }

    /// `Gem::Requirement.default` (`>= 0`).
    pub fn default_requirement() -> Self {
        Requirement { constraints: vec![(Op::Ge, GemVersion::from_normalized("0".into()))] }
    }

    /// `satisfied_by?`: no prerelease filtering.
    pub fn satisfied_by(&self, v: &GemVersion) -> bool {
        self.constraints.iter().all(|(op, r)| match op {
            Op::Eq => v == r,
            Op::Ne => v != r,
            Op::Gt => v > r,
            Op::Lt => v < r,
            Op::Ge => v >= r,
            Op::Le => v <= r,
            Op::Pessimistic => v >= r && v.release() < r.bump(),
        })
    }

    /// Whether any requirement version is a prerelease (`Gem::Requirement#prerelease?`).
    pub fn is_prerelease(&self) -> bool {
        self.constraints.iter().any(|(_, v)| v.is_prerelease())
    }

    /// Whether this is the default requirement (`none?`).
    pub fn is_none(&self) -> bool {
        *self == Self::default_requirement()
    }

    /// `Gem::Dependency#match?` for one version: a prerelease only when asked for.
    pub fn dependency_match(&self, v: &GemVersion, allow_prerelease: bool) -> bool {
        if self.is_none() && !v.is_prerelease() {
            return true;
        }
        if v.is_prerelease() && !allow_prerelease && !self.is_prerelease() {
            return false;
        }
        self.satisfied_by(v)
    }

    /// The exact set of versions (`satisfied_by?`) as PubGrub ranges.
    pub fn to_pubgrub(&self) -> pubgrub::Ranges<GemVersion> {
        use pubgrub::Ranges;
        self.constraints.iter().fold(Ranges::full(), |acc, (op, r)| {
            let one = match op {
                Op::Eq => Ranges::singleton(r.clone()),
                Op::Ne => Ranges::singleton(r.clone()).complement(),
                Op::Gt => Ranges::strictly_higher_than(r.clone()),
                Op::Lt => Ranges::strictly_lower_than(r.clone()),
                Op::Ge => Ranges::higher_than(r.clone()),
                Op::Le => Ranges::lower_than(r.clone()),
                // v.release < bump  <=>  v < (lowest prerelease of bump)
                Op::Pessimistic => Ranges::between(r.clone(), GemVersion::lowest_prerelease_of(&r.bump())),
            };
            acc.intersection(&one)
        })
    }
}

impl Requirement {
    /// The set `Gem::Dependency#match?` admits without `--pre`: every satisfying release, and
    /// satisfying prereleases only when the requirement names a prerelease.
    pub fn to_lanes(&self) -> tusk_versions::Lanes<GemVersion> {
        let r = self.to_pubgrub();
        if self.is_prerelease() { tusk_versions::Lanes::both(r) } else { tusk_versions::Lanes::releases_in(r) }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (op, v)) in self.constraints.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} {v}", op.as_str())?;
        }
        Ok(())
    }
}

/// RubyGems behind [`VersionScheme`]. Flags: `dependency_match` (apply `Gem::Dependency`'s
/// prerelease gate), `allow_prerelease` (or `include_prerelease`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RubyGemsScheme;

/// The instance `scheme_for(Ecosystem::Rubygems)` returns.
pub static SCHEME: RubyGemsScheme = RubyGemsScheme;

fn invalid(what: &'static str, input: &str, e: GemError) -> InvalidInput {
    InvalidInput { ecosystem: Ecosystem::Rubygems, what, input: input.to_string(), reason: e.to_string() }
}

fn version(s: &str) -> Result<GemVersion, InvalidInput> {
    GemVersion::parse(s).map_err(|e| invalid("version", s, e))
}

fn requirement(s: &str) -> Result<Requirement, InvalidInput> {
    Requirement::parse(s).map_err(|e| invalid("range", s, e))
}

fn segment_json(s: &Segment) -> serde_json::Value {
    match s {
        Segment::Num(n) => n.parse::<u64>().map(serde_json::Value::from).unwrap_or_else(|_| n.clone().into()),
        Segment::Str(x) => x.clone().into(),
        Segment::Lowest => serde_json::Value::Null,
    }
}

impl VersionScheme for RubyGemsScheme {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Rubygems
    }

    fn parse(&self, v: &str, _opts: &SchemeOptions) -> Result<ParsedVersion, InvalidInput> {
        let g = version(v)?;
        Ok(ParsedVersion {
            normalized: g.as_str().to_string(),
            parts: json!({
                "segments": g.segments().iter().map(segment_json).collect::<Vec<_>>(),
                "canonical_segments": g.canonical_segments().iter().map(segment_json).collect::<Vec<_>>(),
                "release": g.release().as_str(),
                "approximate_recommendation": g.approximate_recommendation(),
            }),
            prerelease: g.is_prerelease(),
        })
    }

    fn compare(&self, a: &str, b: &str, _opts: &SchemeOptions) -> Result<Ordering, InvalidInput> {
        Ok(version(a)?.cmp(&version(b)?))
    }

    fn satisfies(&self, range: &str, v: &str, opts: &SchemeOptions) -> Result<bool, InvalidInput> {
        let r = requirement(range)?;
        let v = version(v)?;
        if opts.flag_bool("dependency_match") == Some(true) {
            let allow = opts.include_prerelease || opts.flag_bool("allow_prerelease") == Some(true);
            return Ok(r.dependency_match(&v, allow));
        }
        Ok(r.satisfied_by(&v))
    }

    fn satisfies_by_set(&self, range: &str, v: &str, opts: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        if opts.flag_bool("dependency_match") == Some(true) {
            // The prerelease gate is a policy on top of the set, like the resolver's.
            return None;
        }
        Some(requirement(range).and_then(|r| Ok(r.to_pubgrub().contains(&version(v)?))))
    }

    fn normalize(&self, kind: &str, op: Option<&str>, input: &str, opts: &SchemeOptions) -> Option<Result<Option<String>, InvalidInput>> {
        match (kind, op) {
            ("version", None | Some("version" | "to_s")) => Some(version(input).map(|v| Some(v.as_str().to_string()))),
            ("version", Some("approximate_recommendation")) => Some(version(input).map(|v| Some(v.approximate_recommendation()))),
            ("range", None | Some("to_s")) => Some(self.parse_range(input, opts).map(Some)),
            _ => None,
        }
    }

    fn parse_range(&self, range: &str, _opts: &SchemeOptions) -> Result<String, InvalidInput> {
        Ok(requirement(range)?.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GemVersion {
        GemVersion::parse(s).unwrap()
    }
    fn r(s: &str) -> Requirement {
        Requirement::parse(s).unwrap()
    }

    #[test]
    fn ordering_rules() {
        assert_eq!(v("1.0"), v("1.0.0"));
        assert!(v("1.0.a") < v("1.0"));
        assert_eq!(v("1.2.b1"), v("1.2.b.1"));
        assert!(v("1.0.0-1") < v("1"));
        assert_eq!(v("").as_str(), "0");
        assert_eq!(v("1.0.0-rc1").as_str(), "1.0.0.pre.rc1");
        assert!(v("5.x") > v("5.0.0.rc2"));
    }

    #[test]
    fn invalid_versions() {
        for bad in ["junk", "1..2", "1.2 3.4", "1.0\n2.0", "1.", "-1"] {
            assert!(GemVersion::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pessimistic() {
        let p = r("~> 1.2");
        assert!(p.satisfied_by(&v("1.9.9")));
        assert!(!p.satisfied_by(&v("2.0.a")));
        assert!(!p.satisfied_by(&v("2.0")));
        let set = p.to_pubgrub();
        assert!(set.contains(&v("1.9.9")));
        assert!(!set.contains(&v("2.0.a")));
        assert!(!set.contains(&v("2.A.A.A")));
        assert!(set.contains(&v("1.99999999999999999999.z")));
    }

    #[test]
    fn requirement_lists_and_display() {
        let q = r(">= 1.4, <= 1.6, != 1.5");
        assert!(q.satisfied_by(&v("1.4")));
        assert!(!q.satisfied_by(&v("1.5")));
        assert_eq!(r("  1").to_string(), "= 1");
        assert!(Requirement::parse("").is_err());
        assert!(Requirement::parse(">>> 1").is_err());
    }

    #[test]
    fn bump_release_and_recommendation() {
        assert_eq!(v("1.2.3").bump().as_str(), "1.3");
        assert_eq!(v("1").bump().as_str(), "2");
        assert_eq!(v("1.2.a").release().as_str(), "1.2");
        assert_eq!(v("1.9.0.dev").approximate_recommendation(), "~> 1.9.a");
        assert_eq!(v("1").approximate_recommendation(), "~> 1.0");
    }

    #[test]
    fn dependency_gate() {
        assert!(!r(">= 0").dependency_match(&v("2.a"), false));
        assert!(r(">= 0").dependency_match(&v("2.a"), true));
        assert!(r("2.a").dependency_match(&v("2.a"), false));
    }
}
