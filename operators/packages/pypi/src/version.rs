//! PEP 440 versions as `packaging.version.Version` parses, normalises and orders them.

use regex::Regex;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// Not a PEP 440 version.
    #[error("not a valid PEP 440 version")]
    Syntax,
    /// A number that does not fit in 64 bits (packaging accepts any size; tusk does not).
    #[error("a number in the version is larger than 18446744073709551615")]
    TooBig,
}

/// The pre-release phase, in PEP 440 order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PreKind {
    Alpha,
    Beta,
    Rc,
}

impl PreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PreKind::Alpha => "a",
            PreKind::Beta => "b",
            PreKind::Rc => "rc",
        }
    }
}

/// One segment of a local version label: strings sort before numbers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LocalSeg {
    Str(String),
    Num(u64),
}

impl fmt::Display for LocalSeg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalSeg::Str(s) => f.write_str(s),
            LocalSeg::Num(n) => write!(f, "{n}"),
        }
    }
}

/// Bounds that are not versions: used only to express version sets exactly as intervals
/// (uv's `uv-pep440` does the same). Parsing never yields them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sentinel {
    #[default]
    None,
    /// Above every local version of this public version (`1.0+anything < 1.0+MAX`).
    LocalMax,
    /// Above every version with this epoch, release and pre-release
    /// (`1.7a1.post9+x < 1.7a1.MAX < 1.7a2.dev0`).
    PreMax,
}

/// A PEP 440 version.
#[derive(Debug, Clone)]
pub struct Version {
    pub epoch: u64,
    pub release: Vec<u64>,
    pub pre: Option<(PreKind, u64)>,
    pub post: Option<u64>,
    pub dev: Option<u64>,
    pub local: Option<Vec<LocalSeg>>,
    pub sentinel: Sentinel,
}

static VERSION_RE: LazyLock<Regex> = LazyLock::new(|| {
    // packaging's VERSION_PATTERN, matched on the ASCII-lowercased input.
    let src = r"^v?(?:(?P<epoch>[0-9]+)!)?(?P<release>[0-9]+(?:\.[0-9]+)*)(?P<pre>[-_\.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_\.]?(?P<pre_n>[0-9]+)?)?(?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?))?(?P<dev>[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?(?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?$";
    crate::compile(src)
});

/// Python's `str.isspace` / `\s` for `str` patterns.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn num(s: &str) -> Result<u64, VersionError> {
    let t = s.trim_start_matches('0');
    if t.is_empty() {
        return Ok(0);
    }
    t.parse().map_err(|_| VersionError::TooBig)
}


/// End of the run of ASCII digits starting at `i`.
fn digits(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// Skips one optional `-`, `_` or `.`.
fn skip_sep(b: &[u8], i: usize) -> usize {
    if matches!(b.get(i), Some(b'-' | b'_' | b'.')) { i + 1 } else { i }
}

/// The first of `words` (ASCII case-insensitive) at `i`, as regex alternation tries them.
fn keyword(b: &[u8], i: usize, words: &[(&str, usize)]) -> Option<(usize, usize)> {
    words.iter().find_map(|(w, k)| {
        let end = i + w.len();
        (end <= b.len() && b[i..end].eq_ignore_ascii_case(w.as_bytes())).then_some((*k, w.len()))
    })
}

/// `[-_.]? N?` after a keyword, `at` being past the optional separator. Without digits the
/// separator stays consumed: every later group's own separator is optional and post's `-N`
/// form still sees a following `-`, so the regex ends up in the same place.
fn opt_number(s: &str, at: usize) -> Result<(Option<u64>, usize), VersionError> {
    let d = digits(s.as_bytes(), at);
    if d > at { Ok((Some(num(&s[at..d])?), d)) } else { Ok((None, at)) }
}

impl Version {
    /// `packaging.version.Version(input)`: a hand-written matcher for packaging's
    /// `VERSION_PATTERN` (ASCII case-insensitive, surrounding whitespace allowed). The regex
    /// itself is kept as [`Version::parse_reference`]; the fuzz properties check that both agree.
    pub fn parse(input: &str) -> Result<Version, VersionError> {
        let s = input.trim_matches(is_py_space);
        let b = s.as_bytes();
        let mut i = 0;
        if matches!(b.first(), Some(b'v' | b'V')) {
            i = 1;
        }
        // Epoch: digits followed by `!`.
        let mut epoch = 0;
        let d = digits(b, i);
        if d > i && b.get(d) == Some(&b'!') {
            epoch = num(&s[i..d])?;
            i = d + 1;
        }
        // Release.
        let mut release = Vec::with_capacity(4);
        let d = digits(b, i);
        if d == i {
            return Err(VersionError::Syntax);
        }
        release.push(num(&s[i..d])?);
        i = d;
        while b.get(i) == Some(&b'.') {
            let d = digits(b, i + 1);
            if d == i + 1 {
                break;
            }
            release.push(num(&s[i + 1..d])?);
            i = d;
        }
        // Pre-release: [-_.]? (alpha|a|beta|b|preview|pre|c|rc) [-_.]? N?
        let mut pre = None;
        {
            let j = skip_sep(b, i);
            if let Some((k, len)) = keyword(b, j, &[("alpha", 0), ("a", 0), ("beta", 1), ("b", 1), ("preview", 2), ("pre", 2), ("c", 2), ("rc", 2)]) {
                let kind = [PreKind::Alpha, PreKind::Beta, PreKind::Rc][k];
                let (n, end) = opt_number(s, skip_sep(b, j + len))?;
                pre = Some((kind, n.unwrap_or(0)));
                i = end;
            }
        }
        // Post-release: -N | [-_.]? (post|rev|r) [-_.]? N?
        let mut post = None;
        if b.get(i) == Some(&b'-') && digits(b, i + 1) > i + 1 {
            let d = digits(b, i + 1);
            post = Some(num(&s[i + 1..d])?);
            i = d;
        } else {
            let j = skip_sep(b, i);
            if let Some((_, len)) = keyword(b, j, &[("post", 0), ("rev", 0), ("r", 0)]) {
                let (n, end) = opt_number(s, skip_sep(b, j + len))?;
                post = Some(n.unwrap_or(0));
                i = end;
            }
        }
        // Dev release: [-_.]? dev [-_.]? N?
        let mut dev = None;
        {
            let j = skip_sep(b, i);
            if let Some((_, len)) = keyword(b, j, &[("dev", 0)]) {
                let (n, end) = opt_number(s, skip_sep(b, j + len))?;
                dev = Some(n.unwrap_or(0));
                i = end;
            }
        }
        // Local: + [a-z0-9]+ ([-_.][a-z0-9]+)*
        let mut local = None;
        if b.get(i) == Some(&b'+') {
            let text = &s[i + 1..];
            let mut segs = Vec::new();
            for part in text.split(['-', '_', '.']) {
                if part.is_empty() || !part.bytes().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(VersionError::Syntax);
                }
                segs.push(if part.bytes().all(|c| c.is_ascii_digit()) { LocalSeg::Num(num(part)?) } else { LocalSeg::Str(part.to_ascii_lowercase()) });
            }
            local = Some(segs);
            i = b.len();
        }
        if i != b.len() {
            return Err(VersionError::Syntax);
        }
        Ok(Version { epoch, release, pre, post, dev, local, sentinel: Sentinel::None })
    }

    /// The same parse through packaging's `VERSION_PATTERN` regex (slower; the reference the
    /// hand-written matcher is tested against).
    pub fn parse_reference(input: &str) -> Result<Version, VersionError> {
        let s = input.trim_matches(is_py_space).to_ascii_lowercase();
        let c = VERSION_RE.captures(&s).ok_or(VersionError::Syntax)?;
        let get = |n: &str| c.name(n).map(|m| m.as_str());
        let epoch = get("epoch").map(num).transpose()?.unwrap_or(0);
        let release = get("release").unwrap_or("0").split('.').map(num).collect::<Result<Vec<_>, _>>()?;
        let pre = match get("pre_l") {
            None => None,
            Some(l) => {
                let kind = match l {
                    "a" | "alpha" => PreKind::Alpha,
                    "b" | "beta" => PreKind::Beta,
                    _ => PreKind::Rc,
                };
                Some((kind, get("pre_n").map(num).transpose()?.unwrap_or(0)))
            }
        };
        let post = if get("post").is_some() { Some(get("post_n1").or(get("post_n2")).map(num).transpose()?.unwrap_or(0)) } else { None };
        let dev = if get("dev").is_some() { Some(get("dev_n").map(num).transpose()?.unwrap_or(0)) } else { None };
        let local = match get("local") {
            None => None,
            Some(l) => Some(
                l.split(['-', '_', '.'])
                    .map(|p| if p.bytes().all(|b| b.is_ascii_digit()) { num(p).map(LocalSeg::Num) } else { Ok(LocalSeg::Str(p.to_string())) })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(Version { epoch, release, pre, post, dev, local, sentinel: Sentinel::None })
    }

    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }
    pub fn is_postrelease(&self) -> bool {
        self.post.is_some()
    }
    pub fn is_devrelease(&self) -> bool {
        self.dev.is_some()
    }

    /// `Version.public`: without the local label.
    pub fn public(&self) -> Version {
        Version { local: None, sentinel: Sentinel::None, ..self.clone() }
    }

    /// `Version(v.base_version)`: epoch and release only.
    pub fn base(&self) -> Version {
        Version { epoch: self.epoch, release: self.release.clone(), pre: None, post: None, dev: None, local: None, sentinel: Sentinel::None }
    }

    /// The smallest version with this epoch and release: `R.dev0`.
    pub fn release_min(&self) -> Version {
        Version { dev: Some(0), ..self.base() }
    }

    /// A bound above every version with this epoch, release and pre-release.
    pub fn pre_max(&self) -> Version {
        Version { post: None, dev: None, local: None, sentinel: Sentinel::PreMax, ..self.clone() }
    }

    /// `V.dev0` for a version without a dev part: the smallest of V's own pre-releases.
    pub fn with_dev0(&self) -> Version {
        Version { dev: Some(0), local: None, sentinel: Sentinel::None, ..self.clone() }
    }

    /// A bound above every local version of this public version.
    pub fn local_max(&self) -> Version {
        Version { local: None, sentinel: Sentinel::LocalMax, ..self.clone() }
    }

    /// `canonicalize_version`: the normal form, with trailing `.0`s of the release dropped
    /// when `strip_trailing_zero`.
    pub fn canonical(&self, strip_trailing_zero: bool) -> String {
        if !strip_trailing_zero {
            return self.to_string();
        }
        let mut v = self.clone();
        while v.release.len() > 1 && v.release.last() == Some(&0) {
            v.release.pop();
        }
        v.to_string()
    }

    fn stripped_release(&self) -> &[u64] {
        let mut r = &self.release[..];
        while let [rest @ .., 0] = r {
            r = rest;
        }
        r
    }
}

/// The pre-release key of packaging's `_cmpkey`: a dev-only release sorts before every
/// pre-release, a final after.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum PreKey {
    DevOnly,
    Pre(PreKind, u64),
    None,
}

impl Version {
    fn pre_key(&self) -> PreKey {
        match (self.pre, self.post, self.dev) {
            (None, None, Some(_)) => PreKey::DevOnly,
            (None, _, _) => PreKey::None,
            (Some((k, n)), _, _) => PreKey::Pre(k, n),
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.stripped_release().cmp(other.stripped_release()))
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            .then_with(|| {
                let pm = |v: &Version| v.sentinel == Sentinel::PreMax;
                pm(self).cmp(&pm(other))
            })
            .then_with(|| {
                if self.sentinel == Sentinel::PreMax {
                    return Ordering::Equal;
                }
                self.post
                    .cmp(&other.post)
                    // post: none sorts first above
                    .then_with(|| self.post.cmp(&other.post))
                    // dev: none sorts last
                    .then_with(|| self.dev.map(|d| (0, d)).unwrap_or((1, 0)).cmp(&other.dev.map(|d| (0, d)).unwrap_or((1, 0))))
                    .then_with(|| {
                        let lm = |v: &Version| v.sentinel == Sentinel::LocalMax;
                        lm(self).cmp(&lm(other))
                    })
                    .then_with(|| if self.sentinel == Sentinel::LocalMax { Ordering::Equal } else { self.local.cmp(&other.local) })
            })
    }
}
impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Version {}
impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.epoch.hash(state);
        self.stripped_release().hash(state);
        self.pre.hash(state);
        self.post.hash(state);
        self.dev.hash(state);
        self.local.hash(state);
    }
}

/// `str(Version)`: the normalised form.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}!", self.epoch)?;
        }
        for (i, r) in self.release.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{r}")?;
        }
        if let Some((k, n)) = self.pre {
            write!(f, "{}{n}", k.as_str())?;
        }
        if self.sentinel == Sentinel::PreMax {
            return f.write_str(".MAX");
        }
        if let Some(p) = self.post {
            write!(f, ".post{p}")?;
        }
        if let Some(d) = self.dev {
            write!(f, ".dev{d}")?;
        }
        if self.sentinel == Sentinel::LocalMax {
            return f.write_str("+MAX");
        }
        if let Some(l) = &self.local {
            f.write_str("+")?;
            for (i, s) in l.iter().enumerate() {
                if i > 0 {
                    f.write_str(".")?;
                }
                write!(f, "{s}")?;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Version {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}
