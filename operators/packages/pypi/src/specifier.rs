//! PEP 440 specifiers and specifier sets as `packaging.specifiers` (26.x) reads and applies
//! them, including its prerelease handling.

use crate::version::{Version, is_py_space};
use regex::Regex;
use std::fmt;
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecifierError {
    /// No operator, or an operator packaging does not know (`=>`, `=`).
    #[error("`{0}` does not start with a PEP 440 operator (~= == != <= >= < > ===)")]
    NoOperator(String),
    /// The version part is not allowed with this operator.
    #[error("`{0}` is not a valid specifier: {1}")]
    Invalid(String, &'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    Compatible,
    Equal,
    NotEqual,
    LessEqual,
    GreaterEqual,
    Less,
    Greater,
    Arbitrary,
}

impl Operator {
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Compatible => "~=",
            Operator::Equal => "==",
            Operator::NotEqual => "!=",
            Operator::LessEqual => "<=",
            Operator::GreaterEqual => ">=",
            Operator::Less => "<",
            Operator::Greater => ">",
            Operator::Arbitrary => "===",
        }
    }
}

/// One specifier, e.g. `>=1.0`, `==1.2.*`, `~=2.2`, `===foobar`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Specifier {
    pub op: Operator,
    /// The version text as written (stripped), as packaging keeps it.
    pub text: String,
    /// The parsed version (without `.*`); `None` only for an unparsable `===` operand.
    pub version: Option<Version>,
    /// `==V.*` / `!=V.*`.
    pub wildcard: bool,
}

const PRE: &str = r"(?:[-_\.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_\.]?[0-9]*)?";
const POST: &str = r"(?:(?:-[0-9]+)|(?:[-_\.]?(?:post|rev|r)[-_\.]?[0-9]*))?";
const DEV: &str = r"(?:[-_\.]?dev[-_\.]?[0-9]*)?";
const LOCAL: &str = r"(?:\+[a-z0-9]+(?:[-_\.][a-z0-9]+)*)?";

static EQ_RE: LazyLock<Regex> =
    LazyLock::new(|| crate::compile(&format!(r"^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:\.\*|{PRE}{POST}{DEV}{LOCAL})?$")));
static COMPAT_RE: LazyLock<Regex> = LazyLock::new(|| crate::compile(&format!(r"^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)+{PRE}{POST}{DEV}$")));
static ORD_RE: LazyLock<Regex> = LazyLock::new(|| crate::compile(&format!(r"^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*{PRE}{POST}{DEV}$")));

impl Specifier {
    /// `packaging.specifiers.Specifier(spec)`.
    pub fn parse(spec: &str) -> Result<Specifier, SpecifierError> {
        let s = spec.trim_matches(is_py_space);
        let (op, rest) = [
            ("===", Operator::Arbitrary),
            ("~=", Operator::Compatible),
            ("==", Operator::Equal),
            ("!=", Operator::NotEqual),
            ("<=", Operator::LessEqual),
            (">=", Operator::GreaterEqual),
            ("<", Operator::Less),
            (">", Operator::Greater),
        ]
        .iter()
        .find_map(|(p, op)| s.strip_prefix(p).map(|rest| (*op, rest)))
        .ok_or_else(|| SpecifierError::NoOperator(spec.to_string()))?;
        let text = rest.trim_matches(is_py_space).to_string();
        let bad = |why| SpecifierError::Invalid(spec.to_string(), why);
        if op == Operator::Arbitrary {
            if text.chars().any(|c| is_py_space(c) || c == ';' || c == ')') {
                return Err(bad("`===` takes one word"));
            }
            let version = Version::parse(&text).ok();
            return Ok(Specifier { op, text, version, wildcard: false });
        }
        let lower = text.to_ascii_lowercase();
        let (re, why) = match op {
            Operator::Equal | Operator::NotEqual => (&*EQ_RE, "a `.*` wildcard only follows a plain release, and cannot be combined with a local version"),
            Operator::Compatible => (&*COMPAT_RE, "`~=` needs at least two release numbers and takes no local version or wildcard"),
            _ => (&*ORD_RE, "ordered comparisons take no local version or wildcard"),
        };
        if !re.is_match(&lower) {
            return Err(bad(why));
        }
        let wildcard = lower.ends_with(".*");
        let vtext = if wildcard { &text[..text.len() - 2] } else { &text[..] };
        let version = Version::parse(vtext).map_err(|_| bad("not a PEP 440 version"))?;
        Ok(Specifier { op, text, version: Some(version), wildcard })
    }

    /// Whether this specifier alone asks for prereleases (`Specifier.prereleases` when not
    /// set explicitly): its version is a prerelease, except for `!=` and `==V.*`.
    pub fn implies_prereleases(&self) -> bool {
        match self.op {
            Operator::NotEqual => false,
            Operator::Equal if self.wildcard => false,
            _ => self.version.as_ref().is_some_and(Version::is_prerelease),
        }
    }

    /// The operator's test (packaging's `_compare_*`), with no prerelease filtering.
    pub fn matches(&self, v: &Version) -> bool {
        let Some(spec) = &self.version else { return false };
        match self.op {
            Operator::Equal => self.equal(v, spec),
            Operator::NotEqual => !self.equal(v, spec),
            Operator::LessEqual => v.public() <= *spec,
            Operator::GreaterEqual => v.public() >= *spec,
            // `<V` takes no pre-release of V itself (`V.devN`, and for a final V its
            // `a/b/rc` releases) unless V is a pre-release.
            Operator::Less => *v < *spec && !(!spec.is_prerelease() && v.is_prerelease() && *v >= spec.with_dev0()),
            // `>V` takes no post-release of V itself unless V is one, and no local version of V.
            Operator::Greater => {
                *v > *spec
                    && !(!spec.is_postrelease()
                        && spec.dev.is_none()
                        && v.is_postrelease()
                        && v.epoch == spec.epoch
                        && v.base() == spec.base()
                        && v.pre == spec.pre)
                    && !(v.local.is_some() && v.public() == *spec)
            }
            Operator::Compatible => v.public() >= *spec && prefix_match(v, &compatible_prefix(spec)),
            // Without the raw text, the normal form stands in; see `matches_item`.
            Operator::Arbitrary => v.to_string().to_lowercase() == self.text.to_lowercase(),
        }
    }

    /// The test on an item as packaging sees it: `===` compares the item's own text
    /// (case-insensitively), every other operator its parsed version.
    pub fn matches_item(&self, raw: &str, v: Option<&Version>) -> bool {
        match (self.op, v) {
            (Operator::Arbitrary, _) => raw.to_lowercase() == self.text.to_lowercase(),
            (_, Some(v)) => self.matches(v),
            (_, None) => false,
        }
    }

    fn equal(&self, v: &Version, spec: &Version) -> bool {
        if self.wildcard {
            prefix_match(v, spec)
        } else if spec.local.is_some() {
            v == spec
        } else {
            v.public() == *spec
        }
    }

    /// `===` on a string that is not a version.
    pub fn matches_str(&self, s: &str) -> bool {
        self.op == Operator::Arbitrary && s.to_lowercase() == self.text.to_lowercase()
    }
}

/// The prefix `~=V` checks with `==`: V's release without its last number.
pub(crate) fn compatible_prefix(spec: &Version) -> Version {
    let mut p = spec.base();
    p.release.pop();
    p
}

/// `==prefix.*`: same epoch, and the release, zero-padded, starts with the prefix's release.
pub(crate) fn prefix_match(v: &Version, prefix: &Version) -> bool {
    v.epoch == prefix.epoch && prefix.release.iter().enumerate().all(|(i, p)| v.release.get(i).copied().unwrap_or(0) == *p)
}

impl fmt::Display for Specifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.op.as_str(), self.text)
    }
}

/// A comma-separated conjunction of specifiers. Empty means "any version".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SpecifierSet {
    pub specs: Vec<Specifier>,
}

/// The three prerelease switches of packaging: `SpecifierSet(prereleases=…)`,
/// `contains(prereleases=…)` / `filter(prereleases=…)`, and `contains(installed=…)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrereleaseFlags {
    pub set: Option<bool>,
    pub call: Option<bool>,
    pub installed: bool,
}

impl SpecifierSet {
    pub fn parse(s: &str) -> Result<SpecifierSet, SpecifierError> {
        let specs = s.split(',').map(|p| p.trim_matches(is_py_space)).filter(|p| !p.is_empty()).map(Specifier::parse).collect::<Result<Vec<_>, _>>()?;
        Ok(SpecifierSet { specs })
    }

    /// `SpecifierSet.prereleases`.
    pub fn prereleases(&self, flags: PrereleaseFlags) -> Option<bool> {
        if flags.set.is_some() {
            return flags.set;
        }
        if self.specs.iter().any(Specifier::implies_prereleases) { Some(true) } else { None }
    }

    /// The prerelease switch `contains`/`filter` end up with (`None`: PEP 440 default).
    pub fn effective_prereleases(&self, flags: PrereleaseFlags, item_is_pre: bool) -> Option<bool> {
        let call = if flags.installed && item_is_pre { Some(true) } else { flags.call };
        call.or_else(|| self.prereleases(flags))
    }

    /// `SpecifierSet.contains(version, prereleases, installed)`. A prerelease inside the
    /// specifiers matches unless prereleases are switched off (packaging ≥ 26 default).
    pub fn contains(&self, v: &Version, flags: PrereleaseFlags) -> bool {
        self.contains_item(&v.to_string(), Some(v), flags)
    }

    /// `contains` on the item's text and its parse (`None` if it is not a version).
    pub fn contains_item(&self, raw: &str, v: Option<&Version>, flags: PrereleaseFlags) -> bool {
        let is_pre = v.is_some_and(Version::is_prerelease);
        let eff = self.effective_prereleases(flags, is_pre);
        if eff == Some(false) && is_pre {
            return false;
        }
        self.specs.iter().all(|s| s.matches_item(raw, v))
    }

    /// `contains` for a string that is not a version: only `===` (or no specifier) can match.
    pub fn contains_str(&self, s: &str) -> bool {
        self.specs.iter().all(|sp| sp.matches_str(s))
    }

    /// `SpecifierSet.filter(items, prereleases)`; unparsable items are kept when `===` (or
    /// nothing) matches them.
    pub fn filter<'a>(&self, items: &'a [String], flags: PrereleaseFlags) -> Vec<&'a String> {
        let eff = flags.call.or_else(|| self.prereleases(flags));
        let parsed: Vec<(&String, Option<Version>)> = items.iter().map(|s| (s, Version::parse(s).ok())).collect();
        let passes = |v: &Option<Version>, s: &str, allow_pre: bool| {
            (allow_pre || !v.as_ref().is_some_and(Version::is_prerelease)) && self.specs.iter().all(|sp| sp.matches_item(s, v.as_ref()))
        };
        match eff {
            Some(allow) => parsed.iter().filter(|(s, v)| passes(v, s, allow)).map(|(s, _)| *s).collect(),
            None => {
                let matched: Vec<&(&String, Option<Version>)> = parsed.iter().filter(|(s, v)| passes(v, s, true)).collect();
                let any_final = matched.iter().any(|(_, v)| v.as_ref().is_some_and(|v| !v.is_prerelease()));
                matched.into_iter().filter(|(_, v)| !any_final || v.as_ref().is_none_or(|v| !v.is_prerelease())).map(|(s, _)| *s).collect()
            }
        }
    }
}

/// `str(SpecifierSet)`: the specifiers sorted, joined with commas.
impl fmt::Display for SpecifierSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self.specs.iter().map(ToString::to_string).collect();
        parts.sort();
        f.write_str(&parts.join(","))
    }
}
