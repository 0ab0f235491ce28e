//! `NuGetVersion`: up to four numeric parts, SemVer 2 release labels, ignored metadata.

use std::cmp::Ordering;
use std::fmt;

use crate::NuGetError;

/// A NuGet version. Equality and order follow `VersionComparer.Default`: the four numbers,
/// then release labels (numeric < alphanumeric, alphanumeric case-insensitively), metadata
/// ignored.
#[derive(Debug, Clone)]
pub struct NuGetVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub revision: u32,
    /// Release labels, split on `.`; empty for a stable version.
    pub labels: Vec<String>,
    /// Build metadata after `+` (without the `+`); empty when absent.
    pub metadata: String,
    /// The string as given, spaces removed (`ToString` shows it for non-SemVer2 versions).
    pub original: Option<String>,
}

/// Splits `version[-labels][+metadata]` like `SemanticVersion.ParseSections`.
type Sections = (Option<String>, Option<Vec<String>>, Option<String>);

fn parse_sections(value: &str) -> Sections {
    let chars: Vec<char> = value.chars().collect();
    let mut version: Option<String> = None;
    let mut labels: Option<Vec<String>> = None;
    let mut metadata: Option<String> = None;
    let mut dash: Option<usize> = None;
    let mut plus: Option<usize> = None;
    let n = chars.len();
    for i in 0..n {
        let end = i == n - 1;
        let c = chars[i];
        match (dash, plus) {
            (None, _) => {
                if end || c == '-' || c == '+' {
                    let end_pos = i + usize::from(end);
                    version = Some(chars[..end_pos].iter().collect());
                    dash = Some(i);
                    if c == '+' {
                        plus = Some(i);
                    }
                }
            }
            (Some(d), None) => {
                if end || c == '+' {
                    let end_pos = i + usize::from(end);
                    let label: String = chars[d + 1..end_pos].iter().collect();
                    labels = Some(label.split('.').map(str::to_string).collect());
                    plus = Some(i);
                }
            }
            (Some(_), Some(p)) => {
                if end {
                    metadata = Some(chars[p + 1..=i].iter().collect());
                }
            }
        }
    }
    (version, labels, metadata)
}

fn is_letter_digit_dash(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// `IsValidPart`: non-empty, `[0-9A-Za-z-]`, no leading zero on an all-digit part unless allowed.
fn is_valid_part(s: &str, allow_leading_zeros: bool) -> bool {
    if s.is_empty() {
        return false;
    }
    if !allow_leading_zeros && s.len() > 1 && s.starts_with('0') && s[1..].bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    s.chars().all(is_letter_digit_dash)
}

fn is_valid(s: &str, allow_leading_zeros: bool) -> bool {
    s.split('.').all(|p| is_valid_part(p, allow_leading_zeros))
}

fn is_dotnet_white(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// `int.TryParse(component, NumberStyles.Integer)` restricted to a non-negative `int`.
fn parse_component(s: &str) -> Option<u32> {
    let t = s.trim_matches(is_dotnet_white);
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: u64 = t.bytes().try_fold(0u64, |acc, b| {
        let next = acc * 10 + u64::from(b - b'0');
        (next <= i32::MAX as u64).then_some(next)
    })?;
    u32::try_from(v).ok()
}

/// `System.Version.TryParse`: 2 to 4 components. Missing build/revision become 0.
fn parse_system_version(s: &str) -> Option<[u32; 4]> {
    let parts: Vec<&str> = s.split('.').collect();
    if !(2..=4).contains(&parts.len()) {
        return None;
    }
    let mut out = [0u32; 4];
    for (i, p) in parts.iter().enumerate() {
        out[i] = parse_component(p)?;
    }
    Some(out)
}

impl NuGetVersion {
    /// `NuGetVersion.Parse`/`TryParse`: lenient (1–4 parts, leading zeros, surrounding
    /// whitespace).
    pub fn parse(value: &str) -> Result<Self, NuGetError> {
        let bad = || NuGetError::InvalidVersion(value.to_string());
        let (version, labels, metadata) = parse_sections(value.trim());
        let mut version_part = version.filter(|v| !v.is_empty()).ok_or_else(bad)?;
        if !version_part.contains('.') {
            version_part.push_str(".0");
        }
        let [major, minor, patch, revision] = parse_system_version(&version_part).ok_or_else(bad)?;
        if let Some(ls) = &labels
            && !ls.iter().all(|l| is_valid_part(l, false))
        {
            return Err(bad());
        }
        if let Some(m) = &metadata
            && !is_valid(m, true)
        {
            return Err(bad());
        }
        Ok(NuGetVersion {
            major,
            minor,
            patch,
            revision,
            labels: labels.unwrap_or_default(),
            metadata: metadata.unwrap_or_default(),
            original: Some(value.replace(' ', "")),
        })
    }

    /// `SemanticVersion.TryParse` / `NuGetVersion.TryParseStrict`: strict SemVer 2.0.0 —
    /// exactly three parts, no leading zeros, no surrounding whitespace.
    pub fn parse_strict(value: &str) -> Result<Self, NuGetError> {
        let bad = || NuGetError::InvalidVersion(value.to_string());
        let (version, labels, metadata) = parse_sections(value);
        let version_part = version.ok_or_else(bad)?;
        let [major, minor, patch, _] = parse_system_version(&version_part).ok_or_else(bad)?;
        let parts: Vec<&str> = version_part.split('.').collect();
        if parts.len() != 3 || !parts.iter().all(|p| is_valid_part(p, false)) {
            return Err(bad());
        }
        if let Some(ls) = &labels
            && !ls.iter().all(|l| is_valid_part(l, false))
        {
            return Err(bad());
        }
        if let Some(m) = &metadata
            && !is_valid(m, true)
        {
            return Err(bad());
        }
        Ok(NuGetVersion {
            major,
            minor,
            patch,
            revision: 0,
            labels: labels.unwrap_or_default(),
            metadata: metadata.unwrap_or_default(),
            original: None,
        })
    }

    pub(crate) fn from_parts(major: u32, minor: u32, patch: u32, revision: u32, labels: Vec<String>, metadata: String) -> Self {
        NuGetVersion { major, minor, patch, revision, labels, metadata, original: None }
    }

    pub fn is_prerelease(&self) -> bool {
        self.labels.first().is_some_and(|l| !l.is_empty())
    }

    /// A fourth part above zero.
    pub fn is_legacy(&self) -> bool {
        self.revision > 0
    }

    pub fn has_metadata(&self) -> bool {
        !self.metadata.is_empty()
    }

    /// More than one release label, or metadata.
    pub fn is_semver2(&self) -> bool {
        self.labels.len() > 1 || self.has_metadata()
    }

    /// The release label (`Release`): labels joined with `.`.
    pub fn release(&self) -> String {
        self.labels.join(".")
    }

    /// `VersionFormatter` with a format string (`N`, `F`, `V`, `R`, `M`, `x`, `y`, `z`, `r`;
    /// other characters are copied).
    pub fn format(&self, format: &str) -> String {
        let format = if format.is_empty() { "N" } else { format };
        let mut s = String::new();
        for c in format.chars() {
            match c {
                'N' => self.append_normalized(&mut s),
                'V' => self.append_version(&mut s),
                'F' => {
                    self.append_normalized(&mut s);
                    if self.has_metadata() {
                        s.push('+');
                        s.push_str(&self.metadata);
                    }
                }
                'R' => s.push_str(&self.release()),
                'M' => s.push_str(&self.metadata),
                'x' => s.push_str(&self.major.to_string()),
                'y' => s.push_str(&self.minor.to_string()),
                'z' => s.push_str(&self.patch.to_string()),
                'r' => s.push_str(&(if self.is_legacy() { self.revision } else { 0 }).to_string()),
                other => s.push(other),
            }
        }
        s
    }

    fn append_version(&self, s: &mut String) {
        s.push_str(&format!("{}.{}.{}", self.major, self.minor, self.patch));
        if self.is_legacy() {
            s.push_str(&format!(".{}", self.revision));
        }
    }

    fn append_normalized(&self, s: &mut String) {
        self.append_version(s);
        if self.is_prerelease() {
            s.push('-');
            s.push_str(&self.release());
        }
    }

    /// `ToNormalizedString()`: at least three parts, release label, no metadata.
    pub fn to_normalized_string(&self) -> String {
        self.format("N")
    }

    /// `ToFullString()`: the normalized string plus `+metadata`.
    pub fn to_full_string(&self) -> String {
        self.format("F")
    }

    /// `ToString()`: the original string unless the version is SemVer 2 (then normalized).
    pub fn to_display_string(&self) -> String {
        match &self.original {
            Some(o) if !o.is_empty() && !self.is_semver2() => o.clone(),
            _ => self.to_normalized_string(),
        }
    }

    /// Same numbers and labels (`VersionComparer.Version` equality ignores labels; this is
    /// the numeric part only).
    pub fn same_numbers(&self, other: &NuGetVersion) -> bool {
        (self.major, self.minor, self.patch, self.revision) == (other.major, other.minor, other.patch, other.revision)
    }
}

/// `Int32.TryParse` on a label: an optional sign and digits that fit an `int`.
fn numeric_label(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for b in digits.bytes() {
        v = v * 10 + i64::from(b - b'0');
        if v > i64::from(i32::MAX) + 1 {
            return None;
        }
    }
    let v = if neg { -v } else { v };
    (i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&v).then_some(v)
}

fn compare_label(a: &str, b: &str) -> Ordering {
    match (numeric_label(a), numeric_label(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => {
            // StringComparer.OrdinalIgnoreCase: compare upper-cased UTF-16 units
            let ua = a.to_uppercase();
            let ub = b.to_uppercase();
            ua.encode_utf16().cmp(ub.encode_utf16())
        }
    }
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let nums = (self.major, self.minor, self.patch, self.revision).cmp(&(other.major, other.minor, other.patch, other.revision));
        if nums != Ordering::Equal {
            return nums;
        }
        match (self.is_prerelease(), other.is_prerelease()) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => Ordering::Equal,
            (true, true) => {
                let n = self.labels.len().max(other.labels.len());
                for i in 0..n {
                    match (self.labels.get(i), other.labels.get(i)) {
                        (None, Some(_)) => return Ordering::Less,
                        (Some(_), None) => return Ordering::Greater,
                        (Some(a), Some(b)) => {
                            let c = compare_label(a, b);
                            if c != Ordering::Equal {
                                return c;
                            }
                        }
                        (None, None) => break,
                    }
                }
                Ordering::Equal
            }
        }
    }
}
impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for NuGetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for NuGetVersion {}

impl fmt::Display for NuGetVersion {
    /// The normalized string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_normalized_string())
    }
}

impl std::str::FromStr for NuGetVersion {
    type Err = NuGetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> NuGetVersion {
        NuGetVersion::parse(s).unwrap()
    }

    #[test]
    fn lenient_parsing() {
        assert_eq!(v("2").to_normalized_string(), "2.0.0");
        assert_eq!(v("1.0.0009.01-1.1+A").to_full_string(), "1.0.9.1-1.1+A");
        assert_eq!(v("   19   .   19   ").to_normalized_string(), "19.19.0");
        for bad in ["", "1.2.3.4.5", "1beta", "1.2147483648", "1.4.7-", "1..2", "1     1.1.1.1"] {
            assert!(NuGetVersion::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn strict_parsing() {
        assert!(NuGetVersion::parse_strict("1.2.3-X.y.3+Meta-2").is_ok());
        for bad in ["1.0", "01.2.3", "1.2.3-02", "1.2.3.4", " 1.2.3", "1.2.3-A..B"] {
            assert!(NuGetVersion::parse_strict(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ordering() {
        assert!(v("1.0.0-beta") < v("1.0.0"));
        assert_eq!(v("1.0.0-BETA"), v("1.0.0-beta"));
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
        assert!(v("1.0.0-2") < v("1.0.0-10"));
        assert!(v("1.0.0-10") < v("1.0.0-a"));
        assert!(v("1.0.0-a") < v("1.0.0-a.1"));
        assert!(v("1.0.0") < v("1.0.0.1"));
    }

    #[test]
    fn to_string_keeps_original_unless_semver2() {
        assert_eq!(v("1.0").to_display_string(), "1.0");
        assert_eq!(v("1.0+A").to_display_string(), "1.0.0");
        assert_eq!(v("1.0-1.1").to_display_string(), "1.0.0-1.1");
    }
}
