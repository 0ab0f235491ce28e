//! `VersionRange` and `FloatRange`: interval brackets, a bare version meaning `>= v`, floating
//! lower bounds (`1.*`, `1.0.0-*`, `1.*-rc*`, `*-*`), the formatters, and NuGet's best-match
//! rule (lowest applicable version; the highest within a floating range).

use std::cmp::Ordering;

use crate::NuGetError;
use crate::version::NuGetVersion;

/// `NuGetVersionFloatBehavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatBehavior {
    None,
    Prerelease,
    Revision,
    Patch,
    Minor,
    Major,
    AbsoluteLatest,
    PrereleaseRevision,
    PrereleasePatch,
    PrereleaseMinor,
    PrereleaseMajor,
}

/// The floating part of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloatRange {
    pub behavior: FloatBehavior,
    pub min: Option<NuGetVersion>,
    /// The label prefix a prerelease must start with (case-insensitively).
    pub release_prefix: Option<String>,
}

fn count_parts(s: &str) -> usize {
    1 + s.matches('.').count()
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

impl FloatRange {
    fn new(behavior: FloatBehavior, min: Option<NuGetVersion>, release_prefix: Option<String>) -> Self {
        let release_prefix = match (release_prefix, &min) {
            (None, Some(m)) if m.is_prerelease() => Some(m.release()),
            (p, _) => p,
        };
        FloatRange { behavior, min, release_prefix }
    }

    /// `FloatRange.TryParse`.
    pub fn parse(s: &str) -> Option<FloatRange> {
        if s.trim().is_empty() {
            return None;
        }
        let first_star = s.find('*');
        let last_star = s.rfind('*');
        let has_plus = s.contains('+');
        if s == "*" {
            return Some(FloatRange::new(FloatBehavior::Major, Some(NuGetVersion::from_parts(0, 0, 0, 0, vec![], String::new())), None));
        }
        if s == "*-*" {
            let min = NuGetVersion::parse("0.0.0-0").ok();
            return Some(FloatRange::new(FloatBehavior::AbsoluteLatest, min, Some(String::new())));
        }
        if first_star != last_star && last_star.is_some() && !has_plus {
            let (Some(first), Some(last)) = (first_star, last_star) else { return None };
            let dash = s.find('-')?;
            // two *s only around the dash of a prerelease float: `1.*-rc*`
            if !(last == s.len() - 1 && dash >= 1 && first == dash - 1) {
                return None;
            }
            let stable = format!("{}0", &s[..dash - 1]);
            let behavior = match count_parts(&stable) {
                1 => FloatBehavior::PrereleaseMajor,
                2 => FloatBehavior::PrereleaseMinor,
                3 => FloatBehavior::PrereleasePatch,
                4 => FloatBehavior::PrereleaseRevision,
                _ => FloatBehavior::None,
            };
            let release_version = &s[dash + 1..];
            let prefix = &release_version[..release_version.len() - 1];
            let mut release_part = prefix.to_string();
            if prefix.is_empty() || prefix.ends_with('.') {
                release_part.push('0');
            }
            let version = NuGetVersion::parse(&format!("{stable}-{release_part}")).ok()?;
            return Some(FloatRange::new(behavior, Some(version), Some(prefix.to_string())));
        }
        if last_star == Some(s.len() - 1) && !has_plus {
            let mut actual = s[..s.len() - 1].to_string();
            let mut prefix: Option<String> = None;
            let behavior;
            if !s.contains('-') {
                actual.push('0');
                behavior = match count_parts(&actual) {
                    2 => FloatBehavior::Minor,
                    3 => FloatBehavior::Patch,
                    4 => FloatBehavior::Revision,
                    _ => FloatBehavior::None,
                };
            } else {
                behavior = FloatBehavior::Prerelease;
                if s.find('-') == s.rfind('-') {
                    let dash = s.rfind('-').unwrap_or(0);
                    let p = actual[dash + 1..].to_string();
                    if p.is_empty() || actual.ends_with('.') {
                        actual.push('0');
                    } else if actual.ends_with('-') {
                        actual.push('-');
                    }
                    prefix = Some(p);
                }
            }
            let version = NuGetVersion::parse(&actual).ok()?;
            return Some(FloatRange::new(behavior, Some(version), prefix));
        }
        let version = NuGetVersion::parse(s).ok()?;
        Some(FloatRange::new(FloatBehavior::None, Some(version), None))
    }

    fn prefix_ok(&self, v: &NuGetVersion) -> bool {
        !v.is_prerelease() || starts_with_ignore_case(&v.release(), self.release_prefix.as_deref().unwrap_or(""))
    }

    /// `FloatRange.Satisfies`: whether `v` is inside the floating window.
    pub fn satisfies(&self, v: &NuGetVersion) -> bool {
        use FloatBehavior::*;
        match self.behavior {
            AbsoluteLatest => return true,
            Major if !v.is_prerelease() => return true,
            _ => {}
        }
        let Some(m) = &self.min else { return false };
        match self.behavior {
            PrereleaseRevision => m.major == v.major && m.minor == v.minor && m.patch == v.patch && self.prefix_ok(v),
            PrereleasePatch => m.major == v.major && m.minor == v.minor && self.prefix_ok(v),
            PrereleaseMinor => m.major == v.major && self.prefix_ok(v),
            PrereleaseMajor => self.prefix_ok(v),
            Prerelease => m.same_numbers(v) && self.prefix_ok(v),
            Revision => m.major == v.major && m.minor == v.minor && m.patch == v.patch && !v.is_prerelease(),
            Patch => m.major == v.major && m.minor == v.minor && !v.is_prerelease(),
            Minor => m.major == v.major && !v.is_prerelease(),
            _ => false,
        }
    }

    /// `FloatRange.ToString()`.
    pub fn to_float_string(&self) -> String {
        use FloatBehavior::*;
        let Some(m) = &self.min else {
            return if self.behavior == Major { "*".into() } else { String::new() };
        };
        let p = self.release_prefix.as_deref().unwrap_or("");
        match self.behavior {
            None => m.to_normalized_string(),
            Prerelease => format!("{}-{p}*", m.format("V")),
            Revision => format!("{}.{}.{}.*", m.major, m.minor, m.patch),
            Patch => format!("{}.{}.*", m.major, m.minor),
            Minor => format!("{}.*", m.major),
            Major => "*".into(),
            PrereleaseRevision => format!("{}.{}.{}.*-{p}*", m.major, m.minor, m.patch),
            PrereleasePatch => format!("{}.{}.*-{p}*", m.major, m.minor),
            PrereleaseMinor => format!("{}.*-{p}*", m.major),
            PrereleaseMajor => format!("*-{p}*"),
            AbsoluteLatest => "*-*".into(),
        }
    }
}

/// A `VersionRange`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    pub min: Option<NuGetVersion>,
    pub include_min: bool,
    pub max: Option<NuGetVersion>,
    pub include_max: bool,
    pub float: Option<FloatRange>,
}

impl VersionRange {
    /// `VersionRange.Parse(value)` (floating allowed).
    pub fn parse(value: &str) -> Result<Self, NuGetError> {
        let bad = || NuGetError::InvalidRange(value.to_string());
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(bad());
        }
        if trimmed == "*" {
            return Ok(VersionRange {
                min: Some(NuGetVersion::from_parts(0, 0, 0, 0, vec![], String::new())),
                include_min: true,
                max: None,
                include_max: true,
                float: FloatRange::parse("*"),
            });
        }
        let (min_str, max_str, include_min, include_max): (&str, Option<&str>, bool, bool);
        let first = trimmed.chars().next().unwrap_or(' ');
        if first == '(' || first == '[' {
            include_min = first == '[';
            include_max = match trimmed.chars().last() {
                Some(']') => true,
                Some(')') => false,
                _ => return Err(bad()),
            };
            if trimmed.len() < 2 {
                return Err(bad());
            }
            let inner = &trimmed[1..trimmed.len() - 1];
            let parts: Vec<&str> = inner.split(',').collect();
            if parts.len() > 2 || parts.iter().all(|p| p.is_empty()) {
                return Err(bad());
            }
            if parts.len() == 1 && !(include_min && include_max) {
                return Err(bad());
            }
            min_str = parts[0];
            max_str = Some(if parts.len() == 2 { parts[1] } else { parts[0] });
        } else {
            include_min = true;
            include_max = false;
            min_str = trimmed;
            max_str = None;
        }
        let mut min = None;
        let mut float = None;
        if !min_str.trim().is_empty() {
            if min_str.contains('*') {
                let f = FloatRange::parse(min_str).filter(|f| f.min.is_some()).ok_or_else(bad)?;
                min = f.min.clone();
                float = Some(f);
            } else {
                min = Some(NuGetVersion::parse(min_str).map_err(|_| bad())?);
            }
        }
        let mut max = None;
        if let Some(m) = max_str
            && !m.trim().is_empty()
        {
            max = Some(NuGetVersion::parse(m).map_err(|_| bad())?);
        }
        if let (Some(lo), Some(hi)) = (&min, &max) {
            match lo.cmp(hi) {
                Ordering::Greater => return Err(bad()),
                Ordering::Equal if include_min != include_max => return Err(bad()),
                _ => {}
            }
        }
        Ok(VersionRange { min, include_min, max, include_max, float })
    }

    pub fn is_min_inclusive(&self) -> bool {
        self.min.is_some() && self.include_min
    }

    pub fn is_max_inclusive(&self) -> bool {
        self.max.is_some() && self.include_max
    }

    /// A floating range (a float behaviour other than `None`).
    pub fn is_floating(&self) -> bool {
        self.float.as_ref().is_some_and(|f| f.behavior != FloatBehavior::None)
    }

    fn has_prerelease_bounds(&self) -> bool {
        self.min.as_ref().is_some_and(NuGetVersion::is_prerelease) || self.max.as_ref().is_some_and(NuGetVersion::is_prerelease)
    }

    /// `Satisfies`: a pure bounds check; metadata ignored; no prerelease filtering.
    pub fn satisfies(&self, v: &NuGetVersion) -> bool {
        if let Some(lo) = &self.min {
            let c = lo.cmp(v);
            if c == Ordering::Greater || (c == Ordering::Equal && !self.include_min) {
                return false;
            }
        }
        if let Some(hi) = &self.max {
            let c = hi.cmp(v);
            if c == Ordering::Less || (c == Ordering::Equal && !self.include_max) {
                return false;
            }
        }
        true
    }

    /// Whether a prerelease may be picked at all: the range has a prerelease bound or floats
    /// prereleases (`-*`).
    pub fn allows_prerelease(&self) -> bool {
        use FloatBehavior::*;
        self.has_prerelease_bounds()
            || matches!(
                self.float.as_ref().map(|f| f.behavior),
                Some(Prerelease | AbsoluteLatest | PrereleaseMajor | PrereleaseMinor | PrereleasePatch | PrereleaseRevision)
            )
    }

    /// `IsBetter(current, considering)`.
    pub fn is_better(&self, current: Option<&NuGetVersion>, considering: &NuGetVersion) -> bool {
        if considering.is_prerelease() && !self.allows_prerelease() {
            return false;
        }
        if !self.satisfies(considering) {
            return false;
        }
        let Some(current) = current else { return true };
        if self.is_floating()
            && let Some(f) = &self.float
        {
            let cur_in = f.satisfies(current);
            let con_in = f.satisfies(considering);
            return match (cur_in, con_in) {
                (true, false) => false,
                (false, true) => true,
                (true, true) => current < considering,
                (false, false) => {
                    let fmin = f.min.as_ref();
                    let cur_low = fmin.is_some_and(|m| current < m);
                    let con_low = fmin.is_some_and(|m| considering < m);
                    match (cur_low, con_low) {
                        (true, false) => true,
                        (false, true) => false,
                        (false, false) => current > considering,
                        (true, true) => current < considering,
                    }
                }
            };
        }
        current > considering
    }

    /// `FindBestMatch`: NuGet's choice — the lowest applicable version, or for a floating
    /// range the highest inside the float window.
    pub fn find_best_match<'a>(&self, versions: impl IntoIterator<Item = &'a NuGetVersion>) -> Option<&'a NuGetVersion> {
        let mut best: Option<&NuGetVersion> = None;
        for v in versions {
            if self.is_better(best, v) {
                best = Some(v);
            }
        }
        best
    }

    /// The bounds as PubGrub ranges: exact for [`VersionRange::satisfies`] (floating and the
    /// prerelease gate choose among these versions; they do not change the set).
    pub fn to_pubgrub(&self) -> pubgrub::Ranges<NuGetVersion> {
        use std::ops::Bound as B;
        let lo = match &self.min {
            None => B::Unbounded,
            Some(v) if self.include_min => B::Included(v.clone()),
            Some(v) => B::Excluded(v.clone()),
        };
        let hi = match &self.max {
            None => B::Unbounded,
            Some(v) if self.include_max => B::Included(v.clone()),
            Some(v) => B::Excluded(v.clone()),
        };
        pubgrub::Ranges::from_range_bounds((lo, hi))
    }

    /// `ToNonSnapshotRange()`: drop the float (and a `-*` snapshot suffix of the minimum).
    pub fn to_non_snapshot_range(&self) -> VersionRange {
        if !self.is_floating() {
            return self.clone();
        }
        let mut min = self.min.clone();
        if self.float.as_ref().map(|f| f.behavior) == Some(FloatBehavior::Prerelease)
            && let Some(m) = &min
        {
            min = Some(non_snapshot_version(m));
        }
        VersionRange { min, include_min: self.include_min, max: self.max.clone(), include_max: self.include_max, float: None }
    }

    fn min_n(&self) -> String {
        self.min.as_ref().map(NuGetVersion::to_normalized_string).unwrap_or_default()
    }

    fn max_n(&self) -> String {
        self.max.as_ref().map(NuGetVersion::to_normalized_string).unwrap_or_default()
    }

    fn is_pinned(&self) -> bool {
        matches!((&self.min, &self.max), (Some(a), Some(b)) if self.is_min_inclusive() && self.is_max_inclusive() && a == b)
    }

    fn bracketed(&self, float_lower: bool) -> String {
        let mut s = String::new();
        s.push(if self.is_min_inclusive() { '[' } else { '(' });
        if self.min.is_some() {
            match (&self.float, float_lower && self.is_floating()) {
                (Some(f), true) => s.push_str(&f.to_float_string()),
                _ => s.push_str(&self.min_n()),
            }
        }
        s.push_str(", ");
        s.push_str(&self.max_n());
        s.push(if self.is_max_inclusive() { ']' } else { ')' });
        s
    }

    /// `ToNormalizedString()` (also `ToString()`, format `N`).
    pub fn to_normalized_string(&self) -> String {
        self.bracketed(true)
    }

    /// `ToLegacyString()` (format `D`): brackets, floats shown by their minimum.
    pub fn to_legacy_string(&self) -> String {
        self.bracketed(false)
    }

    /// Format `S`: `1.0.0` for `>= 1.0.0`, `[1.0.0]` when pinned, else normalized.
    pub fn to_short_s(&self) -> String {
        if self.is_min_inclusive() && self.max.is_none() {
            self.min_n()
        } else if self.is_pinned() {
            format!("[{}]", self.min_n())
        } else {
            self.to_normalized_string()
        }
    }

    /// `ToLegacyShortString()` (format `T`).
    pub fn to_legacy_short_string(&self) -> String {
        if self.is_min_inclusive() && self.max.is_none() {
            self.min_n()
        } else if self.is_pinned() {
            format!("[{}]", self.min_n())
        } else {
            self.to_legacy_string()
        }
    }

    /// `ToShortString()` (format `A`): like `S`, but a floating lower bound shows the float.
    pub fn to_short_string(&self) -> String {
        if self.is_min_inclusive() && self.max.is_none() {
            match &self.float {
                Some(f) if self.is_floating() => f.to_float_string(),
                _ => self.min_n(),
            }
        } else if self.is_pinned() {
            format!("[{}]", self.min_n())
        } else {
            self.to_normalized_string()
        }
    }

    /// `PrettyPrint()` (format `P`): `(>= 1.0.0 && < 2.0.0)`.
    pub fn pretty_print(&self) -> String {
        let mut s = String::from("(");
        if self.is_min_inclusive() && self.max.is_none() {
            s.push_str(&format!(">= {}", self.min_n()));
        } else if self.is_pinned() {
            s.push_str(&format!("= {}", self.min_n()));
        } else {
            if self.min.is_some() {
                s.push_str(if self.is_min_inclusive() { ">= " } else { "> " });
                s.push_str(&self.min_n());
            }
            if self.min.is_some() && self.max.is_some() {
                s.push_str(" && ");
            }
            if self.max.is_some() {
                s.push_str(if self.is_max_inclusive() { "<= " } else { "< " });
                s.push_str(&self.max_n());
            }
        }
        s.push(')');
        if s.len() == 2 { String::new() } else { s }
    }

    /// `VersionRangeFormatter` with a format string; characters without a meaning are copied.
    pub fn format(&self, format: &str) -> String {
        let one = |c: char| -> Option<String> {
            Some(match c {
                'P' => self.pretty_print(),
                'L' => self.min_n(),
                'U' => self.max_n(),
                'S' => self.to_short_s(),
                'N' => self.to_normalized_string(),
                'D' => self.to_legacy_string(),
                'T' => self.to_legacy_short_string(),
                'A' => self.to_short_string(),
                _ => return None,
            })
        };
        if format.is_empty() {
            return self.to_normalized_string();
        }
        let mut chars = format.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return one(c).unwrap_or_else(|| self.to_normalized_string());
        }
        format.chars().map(|c| one(c).unwrap_or_else(|| c.to_string())).collect()
    }
}

fn non_snapshot_version(v: &NuGetVersion) -> NuGetVersion {
    let last = v.labels.last().cloned().unwrap_or_default();
    let ends_zero = last == "0";
    let ends_dash = last.ends_with('-');
    if !(ends_zero || ends_dash) {
        return v.clone();
    }
    let mut fixed = String::new();
    if ends_dash {
        fixed = if last.ends_with("--") { last[..last.len() - 2].to_string() } else { last[..last.len() - 1].to_string() };
    }
    let mut labels: Vec<String> = v.labels[..v.labels.len().saturating_sub(1)].to_vec();
    if !fixed.is_empty() {
        labels.push(fixed);
    }
    NuGetVersion::from_parts(v.major, v.minor, v.patch, v.revision, labels, v.metadata.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> NuGetVersion {
        NuGetVersion::parse(s).unwrap()
    }
    fn r(s: &str) -> VersionRange {
        VersionRange::parse(s).unwrap()
    }

    #[test]
    fn bare_version_is_a_minimum() {
        assert!(r("1.0.0").satisfies(&v("2.0.0")));
        assert!(!r("1.0.0").satisfies(&v("0.9")));
        assert_eq!(r("1.0").to_normalized_string(), "[1.0.0, )");
    }

    #[test]
    fn brackets_and_errors() {
        assert!(r("[1.0, 2.0)").satisfies(&v("1.5")));
        assert!(!r("[1.0, 2.0)").satisfies(&v("2.0")));
        assert_eq!(r("(, )").to_normalized_string(), "(, )");
        for bad in ["(,)", "[1.0)", "[1.1.4, 1.1.2)", "[1.0.0, 1.1.*)", "1.0.*-*bla", "", "a"] {
            assert!(VersionRange::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn floating() {
        assert_eq!(r("1.*-*").to_normalized_string(), "[1.*-*, )");
        assert_eq!(r("1.0.0-*").min.as_ref().unwrap().to_normalized_string(), "1.0.0-0");
        let versions: Vec<NuGetVersion> = ["1.1.0", "1.2.0-rc.1", "1.2.0-rc.2", "2.0.0", "3.0.0-beta.1"].iter().map(|s| v(s)).collect();
        assert_eq!(r("1.*").find_best_match(&versions).unwrap().to_normalized_string(), "1.1.0");
        assert_eq!(r("*-*").find_best_match(&versions).unwrap().to_normalized_string(), "3.0.0-beta.1");
        assert_eq!(r("1.0.0").find_best_match(&versions).unwrap().to_normalized_string(), "1.1.0");
    }

    #[test]
    fn prerelease_gate() {
        assert!(!r("1.0.0").is_better(None, &v("1.0.1-beta")));
        assert!(r("1.0.0-*").is_better(None, &v("1.0.0-beta")));
        assert!(r("[1.0.0, 2.0.0-beta]").is_better(None, &v("1.5.0-beta")));
    }

    #[test]
    fn format_characters() {
        let b = r("[1.0, 2.0)");
        assert_eq!(b.format("L"), "1.0.0");
        assert_eq!(b.format("U"), "2.0.0");
        assert_eq!(b.format("L..U"), "1.0.0..2.0.0");
        assert_eq!(r("1.0").format("S"), "1.0.0");
        assert_eq!(r("[1.0]").format("S"), "[1.0.0]");
        assert_eq!(r("1.0.0-*").to_short_string(), "1.0.0-*");
    }

    #[test]
    fn pretty_print_and_legacy() {
        assert_eq!(r("(1.0.0, 2.0.0]").pretty_print(), "(> 1.0.0 && <= 2.0.0)");
        assert_eq!(r("[1.*, 2.0)").to_legacy_string(), "[1.0.0, 2.0.0)");
        assert_eq!(r("1.0.0-rc1-*").to_non_snapshot_range().to_legacy_short_string(), "1.0.0-rc1");
    }
}
