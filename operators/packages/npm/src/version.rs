//! node-semver's `SemVer` class: parsing (strict and loose), formatting and precedence.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// node-semver's `MAX_LENGTH`: longer version strings are rejected.
pub const MAX_LENGTH: usize = 256;
/// JavaScript's `Number.MAX_SAFE_INTEGER`, the limit for numeric components.
pub const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// Why a version string is not a node-semver version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// Longer than node-semver's 256-character limit.
    #[error("version is longer than {MAX_LENGTH} characters")]
    TooLong,
    /// A major, minor or patch number above `Number.MAX_SAFE_INTEGER`.
    #[error("{0} version is larger than Number.MAX_SAFE_INTEGER")]
    TooBig(&'static str),
    /// Does not match the version grammar.
    #[error("{0}")]
    Syntax(&'static str),
}

/// A prerelease identifier: numbers compare numerically and sort before strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ident {
    Num(u64),
    /// Alphanumeric, or all digits but too large for a safe integer (node keeps those as strings
    /// yet still compares them numerically).
    Str(String),
}

impl Ident {
    fn parse(s: &str) -> Ident {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = s.parse::<u64>()
                && n < MAX_SAFE_INTEGER {
                    return Ident::Num(n);
                }
        Ident::Str(s.to_string())
    }
    fn numeric_value(&self) -> Option<f64> {
        match self {
            Ident::Num(n) => Some(*n as f64),
            Ident::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse::<f64>().ok(),
            Ident::Str(_) => None,
        }
    }
}

/// node-semver `compareIdentifiers`.
fn compare_idents(a: &Ident, b: &Ident) -> Ordering {
    if let (Ident::Num(x), Ident::Num(y)) = (a, b) {
        return x.cmp(y);
    }
    match (a.numeric_value(), b.numeric_value()) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => match (a, b) {
            (Ident::Str(x), Ident::Str(y)) => x.cmp(y),
            _ => Ordering::Equal,
        },
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ident::Num(n) => write!(f, "{n}"),
            Ident::Str(s) => f.write_str(s),
        }
    }
}

/// An npm version. Equality and order are SemVer precedence (build metadata ignored), as in
/// `semver.compare`; [`Version::compare_build`] is `semver.compareBuild`.
#[derive(Debug, Clone)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Vec<Ident>,
    pub build: Vec<String>,
}

impl Version {
    pub fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version { major, minor, patch, pre: Vec::new(), build: Vec::new() }
    }

    /// `new SemVer(input, { loose })`.
    pub fn parse(input: &str, loose: bool) -> Result<Version, VersionError> {
        if input.len() > MAX_LENGTH {
            return Err(VersionError::TooLong);
        }
        let s = js_trim(input);
        let b = s.as_bytes();
        let mut i = 0;
        if loose {
            while i < b.len() && (b[i] == b'v' || b[i] == b'=' || is_js_space_byte(b, i)) {
                i += js_space_len(b, i).max(1);
            }
        } else if b.first() == Some(&b'v') {
            i = 1;
        }
        let major = number(b, &mut i, loose, "major")?;
        expect_dot(b, &mut i)?;
        let minor = number(b, &mut i, loose, "minor")?;
        expect_dot(b, &mut i)?;
        let patch = number(b, &mut i, loose, "patch")?;
        let mut pre = Vec::new();
        if i < b.len() && b[i] != b'+' {
            let start = if b[i] == b'-' {
                // Loose mode: `-?` then identifiers; a lone `-` may itself be an identifier.
                if loose && !idents_ok(b, i + 1, loose) { i } else { i + 1 }
            } else if loose {
                i
            } else {
                return Err(VersionError::Syntax("unexpected character after patch version"));
            };
            let end = ident_run(b, start);
            let text = &s[start..end];
            if text.is_empty() || !idents_valid(text, loose) {
                return Err(VersionError::Syntax("invalid prerelease identifier"));
            }
            pre = text.split('.').map(Ident::parse).collect();
            i = end;
        }
        let mut build = Vec::new();
        if i < b.len() {
            if b[i] != b'+' {
                return Err(VersionError::Syntax("unexpected character in version"));
            }
            let text = &s[i + 1..];
            if text.is_empty() || text.split('.').any(|p| p.is_empty() || !p.bytes().all(is_ident_byte)) {
                return Err(VersionError::Syntax("invalid build metadata"));
            }
            build = text.split('.').map(str::to_string).collect();
        }
        Ok(Version { major, minor, patch, pre, build })
    }

    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// `SemVer.compareMain`.
    pub fn compare_main(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch))
    }

    /// `SemVer.comparePre`.
    pub fn compare_pre(&self, other: &Self) -> Ordering {
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (true, true) => return Ordering::Equal,
            _ => {}
        }
        compare_lists(&self.pre, &other.pre, compare_idents)
    }

    /// `semver.compareBuild`: precedence, then build metadata.
    pub fn compare_build(&self, other: &Self) -> Ordering {
        self.cmp(other).then_with(|| {
            let a: Vec<Ident> = self.build.iter().map(|s| Ident::parse(s)).collect();
            let b: Vec<Ident> = other.build.iter().map(|s| Ident::parse(s)).collect();
            compare_lists(&a, &b, compare_idents)
        })
    }

    /// The same version with no prerelease.
    pub fn release(&self) -> Version {
        Version::new(self.major, self.minor, self.patch)
    }

    /// `major.minor.patch-0`, the lowest prerelease of this tuple.
    pub fn lowest_pre(&self) -> Version {
        Version { pre: vec![Ident::Num(0)], ..self.release() }
    }
}

fn compare_lists(a: &[Ident], b: &[Ident], f: fn(&Ident, &Ident) -> Ordering) -> Ordering {
    for i in 0.. {
        match (a.get(i), b.get(i)) {
            (None, None) => return Ordering::Equal,
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (Some(x), Some(y)) => match f(x, y) {
                Ordering::Equal => continue,
                o => return o,
            },
        }
    }
    Ordering::Equal
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Version {}
impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.compare_main(other).then_with(|| self.compare_pre(other))
    }
}
impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Consistent with Eq: identifiers equal by compare_idents hash alike.
        (self.major, self.minor, self.patch).hash(state);
        for p in &self.pre {
            match p.numeric_value() {
                Some(n) => n.to_bits().hash(state),
                None => p.to_string().hash(state),
            }
        }
    }
}

/// `SemVer.version`: no `v`, no build metadata.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, p) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// End of a run of `[0-9A-Za-z.-]` starting at `i`.
fn ident_run(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (is_ident_byte(b[i]) || b[i] == b'.') {
        i += 1;
    }
    i
}

fn idents_ok(b: &[u8], start: usize, loose: bool) -> bool {
    let end = ident_run(b, start);
    if end == start || (end < b.len() && b[end] != b'+') {
        return false;
    }
    std::str::from_utf8(&b[start..end]).is_ok_and(|t| idents_valid(t, loose))
}

/// Dot-separated identifiers; strict mode forbids leading zeros in numeric ones.
fn idents_valid(text: &str, loose: bool) -> bool {
    text.split('.').all(|p| {
        !p.is_empty()
            && p.bytes().all(is_ident_byte)
            && (loose || !p.bytes().all(|c| c.is_ascii_digit()) || p == "0" || !p.starts_with('0'))
    })
}

fn number(b: &[u8], i: &mut usize, loose: bool, what: &'static str) -> Result<u64, VersionError> {
    let start = *i;
    while *i < b.len() && b[*i].is_ascii_digit() {
        *i += 1;
    }
    let digits = &b[start..*i];
    if digits.is_empty() {
        return Err(VersionError::Syntax(match what {
            "major" => "expected a major version number",
            "minor" => "expected a minor version number",
            _ => "expected a patch version number",
        }));
    }
    if !loose && digits.len() > 1 && digits[0] == b'0' {
        return Err(VersionError::Syntax("leading zero in a version number (allowed only with --loose)"));
    }
    let trimmed: &[u8] = {
        let z = digits.iter().take_while(|&&c| c == b'0').count();
        if z == digits.len() { &digits[digits.len() - 1..] } else { &digits[z..] }
    };
    if trimmed.len() > 16 {
        return Err(VersionError::TooBig(what));
    }
    let n = std::str::from_utf8(trimmed).ok().and_then(|t| t.parse::<u64>().ok()).ok_or(VersionError::TooBig(what))?;
    if n > MAX_SAFE_INTEGER {
        return Err(VersionError::TooBig(what));
    }
    Ok(n)
}

fn expect_dot(b: &[u8], i: &mut usize) -> Result<(), VersionError> {
    if b.get(*i) == Some(&b'.') {
        *i += 1;
        Ok(())
    } else {
        Err(VersionError::Syntax("expected `major.minor.patch`"))
    }
}

/// JavaScript's whitespace (`\s`, `String.prototype.trim`).
pub fn is_js_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}')
}

fn is_js_space_byte(b: &[u8], i: usize) -> bool {
    js_space_len(b, i) > 0
}

/// Length in bytes of the JS whitespace character at `i`, or 0.
fn js_space_len(b: &[u8], i: usize) -> usize {
    let rest = match std::str::from_utf8(&b[i..]) {
        Ok(r) => r,
        Err(e) => match std::str::from_utf8(&b[i..i + e.valid_up_to()]) {
            Ok(r) => r,
            Err(_) => return 0,
        },
    };
    match rest.chars().next() {
        Some(c) if is_js_space(c) => c.len_utf8(),
        _ => 0,
    }
}

/// `String.prototype.trim`.
pub fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}
