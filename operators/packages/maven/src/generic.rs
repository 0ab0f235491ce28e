//! maven-resolver's `GenericVersionScheme`: the version order, ranges and constraints that
//! Maven's dependency resolver (Aether) uses. It mostly agrees with `ComparableVersion` but
//! tokenizes differently (`.`, `-`, `_` and digit/letter transitions are all plain separators,
//! items are flat, `min`/`max` are special last tokens) and reads a bare version in a
//! constraint as "exactly this version", not as a soft requirement.

use std::cmp::Ordering;
use std::fmt;

use crate::MavenError;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Min,
    /// A qualifier with its shift: alpha -5, beta -4, milestone -3, rc/cr -2, snapshot -1,
    /// ga/final/release/"" 0, sp 1.
    Qualifier(i32),
    /// An unknown string token, lower-cased.
    Str(String),
    /// A number below 10 digits.
    Int(u32),
    /// A number of 10 or more digits (leading zeros stripped), compared by (length, digits).
    BigInt(String),
    Max,
}

impl Item {
    fn kind(&self) -> i32 {
        match self {
            Item::Min => 0,
            Item::Qualifier(_) => 2,
            Item::Str(_) => 3,
            Item::Int(_) => 4,
            Item::BigInt(_) => 5,
            Item::Max => 8,
        }
    }

    fn is_number(&self) -> bool {
        self.kind() & 2 == 0
    }

    /// Compared with the padding item (`0` or `ga`).
    fn cmp_pad(&self) -> Ordering {
        match self {
            Item::Min => Ordering::Less,
            Item::Max | Item::BigInt(_) | Item::Str(_) => Ordering::Greater,
            Item::Int(v) => v.cmp(&0),
            Item::Qualifier(q) => q.cmp(&0),
        }
    }

    fn cmp_item(&self, that: &Item) -> Ordering {
        let rel = self.kind().cmp(&that.kind());
        if rel != Ordering::Equal {
            return rel;
        }
        match (self, that) {
            (Item::BigInt(a), Item::BigInt(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Item::Int(a), Item::Int(b)) => a.cmp(b),
            (Item::Qualifier(a), Item::Qualifier(b)) => a.cmp(b),
            (Item::Str(a), Item::Str(b)) => a.encode_utf16().cmp(b.encode_utf16()),
            _ => Ordering::Equal,
        }
    }
}

fn qualifier(token: &str) -> Option<i32> {
    Some(match token.to_lowercase().as_str() {
        "alpha" => -5,
        "beta" => -4,
        "milestone" => -3,
        "cr" | "rc" => -2,
        "snapshot" => -1,
        "ga" | "final" | "release" | "" => 0,
        "sp" => 1,
        _ => return None,
    })
}

fn tokenize(version: &str) -> Vec<Item> {
    let chars: Vec<char> = if version.is_empty() { vec!['0'] } else { version.chars().collect() };
    let n = chars.len();
    let mut index = 0usize;
    let mut items = Vec::new();
    while index < n {
        // state: -2 start, -1 letters, 0 only zeros so far, 1 number
        let mut state = -2i32;
        let mut start = index;
        let mut end = n;
        let mut terminated_by_number = false;
        while index < n {
            let c = chars[index];
            if c == '.' || c == '-' || c == '_' {
                end = index;
                index += 1;
                break;
            }
            if let Some(digit) = c.to_digit(10) {
                if state == -1 {
                    end = index;
                    terminated_by_number = true;
                    break;
                }
                if state == 0 {
                    start += 1;
                }
                state = if state > 0 || digit > 0 { 1 } else { 0 };
            } else {
                if state >= 0 {
                    end = index;
                    break;
                }
                state = -1;
            }
            index += 1;
        }
        let (token, number): (String, bool) =
            if end > start { (chars[start..end].iter().collect(), state >= 0) } else { ("0".into(), true) };
        let item = if number {
            if token.len() < 10 {
                Item::Int(token.parse().unwrap_or(0))
            } else {
                Item::BigInt(token)
            }
        } else if index >= n && token.eq_ignore_ascii_case("min") {
            Item::Min
        } else if index >= n && token.eq_ignore_ascii_case("max") {
            Item::Max
        } else if terminated_by_number && token.chars().count() == 1 && matches!(token.as_str(), "a" | "A") {
            Item::Qualifier(-5)
        } else if terminated_by_number && token.chars().count() == 1 && matches!(token.as_str(), "b" | "B") {
            Item::Qualifier(-4)
        } else if terminated_by_number && token.chars().count() == 1 && matches!(token.as_str(), "m" | "M") {
            Item::Qualifier(-3)
        } else if let Some(q) = qualifier(&token) {
            Item::Qualifier(q)
        } else {
            Item::Str(token.to_lowercase())
        };
        items.push(item);
    }
    trim_padding(&mut items);
    items
}

fn trim_padding(items: &mut Vec<Item>) {
    let mut number: Option<bool> = None;
    if items.is_empty() {
        return;
    }
    let mut end = items.len() - 1;
    let mut i = end;
    while i > 0 {
        let is_num = items[i].is_number();
        if number != Some(is_num) {
            end = i;
            number = Some(is_num);
        }
        if end == i && (i == items.len() - 1 || items[i - 1].is_number() == is_num) && items[i].cmp_pad() == Ordering::Equal {
            items.remove(i);
            end = end.saturating_sub(1);
        }
        i -= 1;
    }
}

fn compare_padding(items: &[Item], index: usize, number: Option<bool>) -> Ordering {
    let mut rel = Ordering::Equal;
    for item in &items[index..] {
        // newer resolvers skip, rather than stop at, items of the other kind
        if let Some(n) = number
            && n != item.is_number()
        {
            continue;
        }
        rel = item.cmp_pad();
        if rel != Ordering::Equal {
            break;
        }
    }
    rel
}

/// A version under maven-resolver's generic scheme. Any string parses.
#[derive(Debug, Clone)]
pub struct GenericVersion {
    value: String,
    items: Vec<Item>,
}

impl GenericVersion {
    pub fn parse(version: &str) -> Self {
        GenericVersion { value: version.to_string(), items: tokenize(version) }
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// True when the version sorts below its own release (a negative qualifier shift decides).
    pub fn is_prerelease(&self) -> bool {
        self.items.iter().any(|i| matches!(i, Item::Qualifier(q) if *q < 0))
    }
}

impl Ord for GenericVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let these = &self.items;
        let those = &other.items;
        let mut number = true;
        let mut index = 0;
        loop {
            if index >= these.len() && index >= those.len() {
                return Ordering::Equal;
            } else if index >= these.len() {
                return compare_padding(those, index, None).reverse();
            } else if index >= those.len() {
                return compare_padding(these, index, None);
            }
            let a = &these[index];
            let b = &those[index];
            if a.is_number() != b.is_number() {
                if index == 0 {
                    return a.cmp_item(b);
                }
                return if number == a.is_number() {
                    compare_padding(these, index, Some(number))
                } else {
                    compare_padding(those, index, Some(number)).reverse()
                };
            }
            let rel = a.cmp_item(b);
            if rel != Ordering::Equal {
                return rel;
            }
            number = a.is_number();
            index += 1;
        }
    }
}
impl PartialOrd for GenericVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for GenericVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for GenericVersion {}
impl fmt::Display for GenericVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub version: GenericVersion,
    pub inclusive: bool,
}

/// One bracketed interval: `[1,2)`, `(,1]`, `[1.2]`, `[1.2.*]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericVersionRange {
    pub lower: Option<Bound>,
    pub upper: Option<Bound>,
}

impl GenericVersionRange {
    /// `GenericVersionScheme.parseVersionRange`.
    pub fn parse(range: &str) -> Result<Self, MavenError> {
        let err = |reason: &str| MavenError::InvalidRange { input: range.to_string(), reason: reason.to_string() };
        let lower_inclusive = if range.starts_with('[') {
            true
        } else if range.starts_with('(') {
            false
        } else {
            return Err(err("a range must start with either [ or ("));
        };
        let upper_inclusive = if range.ends_with(']') {
            true
        } else if range.ends_with(')') {
            false
        } else {
            return Err(err("a range must end with either ] or )"));
        };
        if range.len() < 2 {
            return Err(err("a range needs both an opening and a closing bracket"));
        }
        let process = &range[1..range.len() - 1];
        let (lower, upper) = match process.find(',') {
            None => {
                if !lower_inclusive || !upper_inclusive {
                    return Err(err("single version must be surrounded by []"));
                }
                let version = process.trim();
                if let Some(prefix) = version.strip_suffix(".*") {
                    (Some(GenericVersion::parse(&format!("{prefix}.min"))), Some(GenericVersion::parse(&format!("{prefix}.max"))))
                } else {
                    let v = GenericVersion::parse(version);
                    (Some(v.clone()), Some(v))
                }
            }
            Some(index) => {
                let lo = process[..index].trim();
                let hi = process[index + 1..].trim();
                if hi.contains(',') {
                    return Err(err("bounds may not contain additional ','"));
                }
                let lo = (!lo.is_empty()).then(|| GenericVersion::parse(lo));
                let hi = (!hi.is_empty()).then(|| GenericVersion::parse(hi));
                if let (Some(l), Some(h)) = (&lo, &hi)
                    && h < l
                {
                    return Err(err("lower bound must not be greater than upper bound"));
                }
                (lo, hi)
            }
        };
        Ok(GenericVersionRange {
            lower: lower.map(|version| Bound { version, inclusive: lower_inclusive }),
            upper: upper.map(|version| Bound { version, inclusive: upper_inclusive }),
        })
    }

    pub fn contains(&self, version: &GenericVersion) -> bool {
        if let Some(l) = &self.lower {
            match l.version.cmp(version) {
                Ordering::Greater => return false,
                Ordering::Equal if !l.inclusive => return false,
                _ => {}
            }
        }
        if let Some(u) = &self.upper {
            match u.version.cmp(version) {
                Ordering::Less => return false,
                Ordering::Equal if !u.inclusive => return false,
                _ => {}
            }
        }
        true
    }

    /// The same interval as PubGrub ranges (exact: the interval is defined by the order).
    pub fn to_pubgrub(&self) -> pubgrub::Ranges<GenericVersion> {
        use std::ops::Bound as B;
        let lo = match &self.lower {
            None => B::Unbounded,
            Some(b) if b.inclusive => B::Included(b.version.clone()),
            Some(b) => B::Excluded(b.version.clone()),
        };
        let hi = match &self.upper {
            None => B::Unbounded,
            Some(b) if b.inclusive => B::Included(b.version.clone()),
            Some(b) => B::Excluded(b.version.clone()),
        };
        pubgrub::Ranges::from_range_bounds((lo, hi))
    }
}

impl fmt::Display for GenericVersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.lower {
            Some(b) => write!(f, "{}{}", if b.inclusive { '[' } else { '(' }, b.version)?,
            None => f.write_str("(")?,
        }
        f.write_str(",")?;
        match &self.upper {
            Some(b) => write!(f, "{}{}", b.version, if b.inclusive { ']' } else { ')' }),
            None => f.write_str(")"),
        }
    }
}

/// `parseVersionConstraint`: either one exact version or a union of ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenericVersionConstraint {
    Version(GenericVersion),
    Ranges(Vec<GenericVersionRange>),
}

impl GenericVersionConstraint {
    pub fn parse(constraint: &str) -> Result<Self, MavenError> {
        let mut process = constraint;
        let mut ranges: Vec<GenericVersionRange> = Vec::new();
        while process.starts_with('[') || process.starts_with('(') {
            let i1 = process.find(')');
            let i2 = process.find(']');
            let index = match (i1, i2) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => {
                    return Err(MavenError::InvalidRange {
                        input: constraint.to_string(),
                        reason: "unbounded version range (missing ] or ))".into(),
                    });
                }
            };
            let range = GenericVersionRange::parse(&process[..=index])?;
            if !ranges.contains(&range) {
                ranges.push(range);
            }
            process = process[index + 1..].trim();
            if let Some(rest) = process.strip_prefix(',') {
                process = rest.trim();
            }
        }
        if !process.is_empty() && !ranges.is_empty() {
            return Err(MavenError::InvalidRange {
                input: constraint.to_string(),
                reason: format!("expected [ or ( but got {process}"),
            });
        }
        Ok(if ranges.is_empty() {
            GenericVersionConstraint::Version(GenericVersion::parse(constraint))
        } else {
            GenericVersionConstraint::Ranges(ranges)
        })
    }

    pub fn contains(&self, version: &GenericVersion) -> bool {
        match self {
            GenericVersionConstraint::Version(v) => v == version,
            GenericVersionConstraint::Ranges(rs) => rs.iter().any(|r| r.contains(version)),
        }
    }

    /// Exact: a bare version is the singleton, a union is the union of its intervals.
    pub fn to_pubgrub(&self) -> pubgrub::Ranges<GenericVersion> {
        match self {
            GenericVersionConstraint::Version(v) => pubgrub::Ranges::singleton(v.clone()),
            GenericVersionConstraint::Ranges(rs) => {
                rs.iter().fold(pubgrub::Ranges::empty(), |acc, r| acc.union(&r.to_pubgrub()))
            }
        }
    }
}

impl fmt::Display for GenericVersionConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenericVersionConstraint::Version(v) => write!(f, "{v}"),
            GenericVersionConstraint::Ranges(rs) => {
                for (i, r) in rs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{r}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GenericVersion {
        GenericVersion::parse(s)
    }

    #[test]
    fn separators_and_padding() {
        assert_eq!(v("1.0"), v("1"));
        assert_eq!(v("1-0"), v("1_0"));
        assert_eq!(v("1.0-ga"), v("1"));
        assert!(v("1-alpha") < v("1"));
        assert!(v("1-sp") > v("1"));
        assert!(v("1.min") < v("1-alpha-1"));
        assert!(v("1.max") > v("1.99999999999"));
    }

    #[test]
    fn wildcard_range() {
        let r = GenericVersionRange::parse("[1.2.*]").unwrap();
        assert!(r.contains(&v("1.2-alpha-1")));
        assert!(r.contains(&v("1.2.9999999")));
        assert!(!r.contains(&v("1.3-rc-1")));
    }

    #[test]
    fn range_display_and_errors() {
        assert_eq!(GenericVersionConstraint::parse("[1.0]").unwrap().to_string(), "[1.0,1.0]");
        assert_eq!(GenericVersionConstraint::parse("[1,3),(3,)").unwrap().to_string(), "[1,3), (3,)");
        for bad in ["[1,", "[1,2],(3,", "[2,1]", "(1)"] {
            assert!(GenericVersionConstraint::parse(bad).is_err(), "{bad}");
        }
        assert!(GenericVersionRange::parse("1.0").is_err());
    }

    #[test]
    fn constraint_bare_version_is_exact() {
        let c = GenericVersionConstraint::parse("1.0").unwrap();
        assert!(c.contains(&v("1")));
        assert!(!c.contains(&v("1.1")));
        assert!(GenericVersionConstraint::parse("[1,2],3").is_err());
    }
}
