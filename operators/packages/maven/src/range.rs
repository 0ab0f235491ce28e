//! maven-artifact's `VersionRange.createFromVersionSpec`: what a `<version>` in a POM means.
//!
//! `[1.0,2.0)`, `(,1.0]`, `[1.2]` and comma-separated unions of them are hard requirements.
//! A bare `1.0` is a *soft* requirement: the recommended version is 1.0, but every version is
//! allowed (the restriction list is "everything"); Maven's mediation prefers the nearest
//! declaration and only falls back to the recommendation.

use std::cmp::Ordering;
use std::fmt;

use crate::MavenError;
use crate::comparable::ComparableVersion;

/// One interval. `None` bounds are open ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    pub lower: Option<ComparableVersion>,
    pub lower_inclusive: bool,
    pub upper: Option<ComparableVersion>,
    pub upper_inclusive: bool,
}

impl Restriction {
    pub const EVERYTHING: Restriction = Restriction { lower: None, lower_inclusive: false, upper: None, upper_inclusive: false };

    pub fn contains(&self, version: &ComparableVersion) -> bool {
        if let Some(l) = &self.lower {
            match l.cmp(version) {
                Ordering::Greater => return false,
                Ordering::Equal if !self.lower_inclusive => return false,
                _ => {}
            }
        }
        if let Some(u) = &self.upper {
            match u.cmp(version) {
                Ordering::Less => return false,
                Ordering::Equal if !self.upper_inclusive => return false,
                _ => {}
            }
        }
        true
    }

    fn to_pubgrub(&self) -> pubgrub::Ranges<ComparableVersion> {
        use std::ops::Bound as B;
        let lo = match &self.lower {
            None => B::Unbounded,
            Some(v) if self.lower_inclusive => B::Included(v.clone()),
            Some(v) => B::Excluded(v.clone()),
        };
        let hi = match &self.upper {
            None => B::Unbounded,
            Some(v) if self.upper_inclusive => B::Included(v.clone()),
            Some(v) => B::Excluded(v.clone()),
        };
        pubgrub::Ranges::from_range_bounds((lo, hi))
    }
}

impl fmt::Display for Restriction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.lower_inclusive { "[" } else { "(" })?;
        if let Some(l) = &self.lower {
            write!(f, "{l}")?;
        }
        if self.lower.is_some() && self.upper.is_some() && self.lower == self.upper && self.lower_inclusive && self.upper_inclusive {
            // upstream prints a pinned version as [1.0]
            return f.write_str("]");
        }
        f.write_str(",")?;
        if let Some(u) = &self.upper {
            write!(f, "{u}")?;
        }
        f.write_str(if self.upper_inclusive { "]" } else { ")" })
    }
}

/// A parsed version specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    /// The soft requirement's version, when the spec was a bare version.
    pub recommended: Option<ComparableVersion>,
    pub restrictions: Vec<Restriction>,
}

fn parse_version(s: &str, spec: &str) -> Result<ComparableVersion, MavenError> {
    ComparableVersion::parse(s).map_err(|e| MavenError::InvalidRange { input: spec.to_string(), reason: e.to_string() })
}

fn parse_restriction(part: &str, spec: &str) -> Result<Restriction, MavenError> {
    let err = |reason: &str| MavenError::InvalidRange { input: spec.to_string(), reason: reason.to_string() };
    let lower_inclusive = part.starts_with('[');
    let upper_inclusive = part.ends_with(']');
    if part.len() < 2 {
        return Err(err("unbounded range"));
    }
    let process = part[1..part.len() - 1].trim();
    match process.find(',') {
        None => {
            if !lower_inclusive || !upper_inclusive {
                return Err(err("a single version must be surrounded by []"));
            }
            let v = parse_version(process, spec)?;
            Ok(Restriction { lower: Some(v.clone()), lower_inclusive: true, upper: Some(v), upper_inclusive: true })
        }
        Some(index) => {
            let lo = process[..index].trim();
            let hi = process[index + 1..].trim();
            let lower = if lo.is_empty() { None } else { Some(parse_version(lo, spec)?) };
            let upper = if hi.is_empty() { None } else { Some(parse_version(hi, spec)?) };
            if let (Some(l), Some(u)) = (&lower, &upper) {
                let c = u.cmp(l);
                if c == Ordering::Less || (c == Ordering::Equal && (!lower_inclusive || !upper_inclusive)) {
                    return Err(err("range defies version ordering (the lower bound is above the upper bound)"));
                }
            }
            Ok(Restriction { lower, lower_inclusive, upper, upper_inclusive })
        }
    }
}

impl VersionRange {
    /// `VersionRange.createFromVersionSpec`.
    pub fn parse(spec: &str) -> Result<Self, MavenError> {
        let err = |reason: &str| MavenError::InvalidRange { input: spec.to_string(), reason: reason.to_string() };
        let mut restrictions: Vec<Restriction> = Vec::new();
        let mut process = spec;
        let mut upper_bound: Option<Option<ComparableVersion>> = None;
        while process.starts_with('[') || process.starts_with('(') {
            let i1 = process.find(')');
            let i2 = process.find(']');
            let index = match (i1, i2) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => return Err(err("unbounded range (missing ] or ))")),
            };
            let r = parse_restriction(&process[..=index], spec)?;
            // upstream: only a restriction after an upper-bounded one is checked
            if let Some(Some(pu)) = &upper_bound {
                match &r.lower {
                    None => return Err(err("ranges overlap")),
                    Some(l) if l < pu => return Err(err("ranges overlap")),
                    _ => {}
                }
            }
            upper_bound = Some(r.upper.clone());
            restrictions.push(r);
            process = process[index + 1..].trim();
            if let Some(rest) = process.strip_prefix(',') {
                process = rest.trim();
            }
        }
        let mut recommended = None;
        if !process.is_empty() {
            if !restrictions.is_empty() {
                return Err(err("only fully-qualified sets are allowed in a multiple-set range"));
            }
            recommended = Some(parse_version(process, spec)?);
            restrictions.push(Restriction::EVERYTHING);
        }
        Ok(VersionRange { recommended, restrictions })
    }

    /// `containsVersion`: a soft requirement contains every version.
    pub fn contains(&self, version: &ComparableVersion) -> bool {
        self.restrictions.iter().any(|r| r.contains(version))
    }

    /// Whether this is a soft requirement (a bare version).
    pub fn is_soft(&self) -> bool {
        self.recommended.is_some()
    }

    /// `matchVersion`: the highest of `versions` this range contains (a soft requirement
    /// contains all of them).
    pub fn match_version<'a>(&self, versions: impl IntoIterator<Item = &'a ComparableVersion>) -> Option<&'a ComparableVersion> {
        versions.into_iter().filter(|v| self.contains(v)).max()
    }

    /// The version Maven uses for this specification on its own: the recommended version of a
    /// soft requirement (whether or not a repository lists it — Maven just asks for it),
    /// otherwise the highest contained version of `available` (`matchVersion`). Mediation
    /// between several declarations ("nearest wins") happens before this, in the resolver.
    pub fn select<'a>(&'a self, available: &'a [ComparableVersion]) -> Option<&'a ComparableVersion> {
        match &self.recommended {
            Some(r) => Some(r),
            None => self.match_version(available),
        }
    }

    /// Exact as a set: the union of the restrictions (a soft requirement is the full range;
    /// its preference for the recommended version is a resolver policy, not set membership).
    pub fn to_pubgrub(&self) -> pubgrub::Ranges<ComparableVersion> {
        self.restrictions.iter().fold(pubgrub::Ranges::empty(), |acc, r| acc.union(&r.to_pubgrub()))
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v) = &self.recommended {
            return write!(f, "{v}");
        }
        for (i, r) in self.restrictions.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ComparableVersion {
        ComparableVersion::parse(s).unwrap()
    }

    #[test]
    fn soft_requirement_contains_everything() {
        let r = VersionRange::parse("2.0.4").unwrap();
        assert!(r.is_soft());
        assert!(r.contains(&v("1.0")));
        assert!(r.contains(&v("9")));
    }

    #[test]
    fn union_and_errors() {
        let r = VersionRange::parse("(,1.0],[1.2,)").unwrap();
        assert!(r.contains(&v("1.0")));
        assert!(!r.contains(&v("1.1")));
        assert!(r.contains(&v("1.2")));
        assert_eq!(r.to_string(), "(,1.0],[1.2,)");
        for bad in ["(1.0)", "[1.0)", "[1.1,1.0]", "[1.0,1.2),1.3", "[1.0,1.2),(1.1,1.3]", "[1.0"] {
            assert!(VersionRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn soft_requirement_prefers_its_version() {
        let avail: Vec<ComparableVersion> = ["1.0", "1.5", "2.0"].iter().map(|s| v(s)).collect();
        assert_eq!(VersionRange::parse("1.5").unwrap().select(&avail).map(|x| x.to_string()), Some("1.5".into()));
        assert_eq!(VersionRange::parse("1.7").unwrap().select(&avail).map(|x| x.to_string()), Some("1.7".into()));
        assert_eq!(VersionRange::parse("[1.0,2.0)").unwrap().select(&avail).map(|x| x.to_string()), Some("1.5".into()));
        assert_eq!(VersionRange::parse("[3.0,)").unwrap().select(&avail), None);
    }

    #[test]
    fn snapshot_below_release_bound() {
        let r = VersionRange::parse("[1.0,)").unwrap();
        assert!(!r.contains(&v("1.0-SNAPSHOT")));
        let pg = r.to_pubgrub();
        assert!(!pg.contains(&v("1.0-SNAPSHOT")));
        assert!(pg.contains(&v("1.0")));
    }
}
