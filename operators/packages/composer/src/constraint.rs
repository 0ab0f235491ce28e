//! Composer's constraint objects (`Constraint`, `MultiConstraint`, `MatchAllConstraint`), how
//! a normalized version matches them, and the exact PubGrub version set.

use std::cmp::Ordering;
use std::fmt;

use crate::php::{Elem, php_key, version_compare_op};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    /// `Constraint::$transOpStr`.
    pub fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "=" | "==" => Op::Eq,
            "!=" | "<>" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            _ => return None,
        })
    }

    /// `Constraint::$transOpInt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

fn is_branch(v: &str) -> bool {
    v.starts_with("dev-")
}

/// `Constraint::versionCompare`.
pub fn version_compare_branches(a: &str, b: &str, op: Op, compare_branches: bool) -> bool {
    let (ab, bb) = (is_branch(a), is_branch(b));
    if op == Op::Ne && (ab || bb) {
        return a != b;
    }
    if ab && bb {
        return op == Op::Eq && a == b;
    }
    if !compare_branches && (ab || bb) {
        return false;
    }
    version_compare_op(a, b, op.as_str()).unwrap_or(false)
}

/// One `<op> <normalized version>` constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub op: Op,
    pub version: String,
    /// `version_compare` key of `version` (computed once; `None` for a branch or "").
    key: Option<Vec<Elem>>,
}

fn key_of(v: &str) -> Option<Vec<Elem>> {
    (!is_branch(v) && !v.is_empty()).then(|| php_key(v))
}

impl Constraint {
    pub fn new(op: Op, version: &str) -> Self {
        Constraint { op, version: version.to_string(), key: key_of(version) }
    }

    /// `matchSpecific` against the provider `== version` (what `Semver::satisfies` builds).
    pub fn matches_version(&self, version: &str) -> bool {
        self.matches_keyed(version, key_of(version).as_deref())
    }

    /// As [`Constraint::matches_version`] with the version's key computed by the caller:
    /// two numeric versions compare by key (`version_compare`), anything else by the branch
    /// rules.
    fn matches_keyed(&self, version: &str, key: Option<&[Elem]>) -> bool {
        if let (Some(a), Some(b)) = (key, self.key.as_deref()) {
            let c = a.cmp(b);
            return match self.op {
                Op::Eq => c == Ordering::Equal,
                Op::Ne => c != Ordering::Equal,
                Op::Lt => c == Ordering::Less,
                Op::Le => c != Ordering::Greater,
                Op::Gt => c == Ordering::Greater,
                Op::Ge => c != Ordering::Less,
            };
        }
        match self.op {
            Op::Ne => version_compare_branches(version, &self.version, Op::Ne, false),
            Op::Eq => version_compare_branches(&self.version, version, Op::Eq, false),
            op => version_compare_branches(version, &self.version, op, false),
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op.as_str(), self.version)
    }
}

/// A parsed constraint string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstraintSet {
    /// `MatchAllConstraint` (`*`).
    All,
    One(Constraint),
    /// A conjunctive `MultiConstraint`.
    And(Vec<ConstraintSet>),
    /// A disjunctive `MultiConstraint`.
    Or(Vec<ConstraintSet>),
}

impl ConstraintSet {
    /// `MultiConstraint::create($groups, false)` with its contiguous-range optimization
    /// (`[>= 1 < 2] || [>= 2 < 3]` becomes `[>= 1 < 3]`).
    pub fn create_or(mut groups: Vec<ConstraintSet>) -> ConstraintSet {
        match groups.len() {
            0 => return ConstraintSet::All,
            1 => return groups.pop().unwrap_or(ConstraintSet::All),
            _ => {}
        }
        let pair = |c: &ConstraintSet| -> Option<(Constraint, Constraint)> {
            if let ConstraintSet::And(v) = c
                && let [ConstraintSet::One(a), ConstraintSet::One(b)] = v.as_slice()
            {
                return Some((a.clone(), b.clone()));
            }
            None
        };
        let mut merged: Vec<ConstraintSet> = Vec::new();
        let mut optimized = false;
        let mut iter = groups.clone().into_iter();
        let mut left = iter.next().unwrap_or(ConstraintSet::All);
        for right in iter {
            let joined = match (pair(&left), pair(&right)) {
                (Some((l0, l1)), Some((r0, r1)))
                    if l0.op == Op::Ge
                        && matches!(l1.op, Op::Lt | Op::Le)
                        && r0.op == Op::Ge
                        && matches!(r1.op, Op::Lt | Op::Le)
                        && l1.to_string().get(2..) == r0.to_string().get(3..) =>
                {
                    Some(ConstraintSet::And(vec![ConstraintSet::One(l0), ConstraintSet::One(r1)]))
                }
                _ => None,
            };
            match joined {
                Some(j) => {
                    optimized = true;
                    left = j;
                }
                None => {
                    merged.push(left);
                    left = right;
                }
            }
        }
        if optimized {
            merged.push(left);
            if merged.len() == 1 {
                return merged.pop().unwrap_or(ConstraintSet::All);
            }
            return ConstraintSet::Or(merged);
        }
        ConstraintSet::Or(groups)
    }

    /// Whether the normalized `version` matches (`$constraint->matches(new Constraint('==', $v))`).
    pub fn matches_version(&self, version: &str) -> bool {
        self.matches_keyed(version, key_of(version).as_deref())
    }

    fn matches_keyed(&self, version: &str, key: Option<&[Elem]>) -> bool {
        match self {
            ConstraintSet::All => true,
            ConstraintSet::One(c) => c.matches_keyed(version, key),
            ConstraintSet::And(v) => v.iter().all(|c| c.matches_keyed(version, key)),
            ConstraintSet::Or(v) => v.iter().any(|c| c.matches_keyed(version, key)),
        }
    }

    /// Every `@flag`-free version literal in the set, for stability inference.
    pub fn versions(&self) -> Vec<&str> {
        match self {
            ConstraintSet::All => vec![],
            ConstraintSet::One(c) => vec![c.version.as_str()],
            ConstraintSet::And(v) | ConstraintSet::Or(v) => v.iter().flat_map(ConstraintSet::versions).collect(),
        }
    }

    /// The exact set of versions this matches, as PubGrub ranges over [`ComposerVersion`].
    pub fn to_pubgrub(&self) -> pubgrub::Ranges<ComposerVersion> {
        use pubgrub::Ranges;
        match self {
            ConstraintSet::All => Ranges::full(),
            ConstraintSet::One(c) => {
                let v = ComposerVersion::from_normalized(&c.version);
                let branch = v.is_branch();
                match c.op {
                    Op::Eq => Ranges::singleton(v),
                    Op::Ne => Ranges::singleton(v).complement(),
                    // an ordering against a branch never matches
                    _ if branch => Ranges::empty(),
                    op => {
                        let numeric = Ranges::strictly_lower_than(ComposerVersion::first_branch());
                        let side = match op {
                            Op::Lt => Ranges::strictly_lower_than(v),
                            Op::Le => Ranges::lower_than(v),
                            Op::Gt => Ranges::strictly_higher_than(v),
                            _ => Ranges::higher_than(v),
                        };
                        side.intersection(&numeric)
                    }
                }
            }
            ConstraintSet::And(v) => v.iter().fold(Ranges::full(), |acc, c| acc.intersection(&c.to_pubgrub())),
            ConstraintSet::Or(v) => v.iter().fold(Ranges::empty(), |acc, c| acc.union(&c.to_pubgrub())),
        }
    }
}

impl fmt::Display for ConstraintSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConstraintSet::All => f.write_str("*"),
            ConstraintSet::One(c) => write!(f, "{c}"),
            ConstraintSet::And(v) | ConstraintSet::Or(v) => {
                let sep = if matches!(self, ConstraintSet::And(_)) { " " } else { " || " };
                f.write_str("[")?;
                for (i, c) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// A normalized Composer version as a PubGrub version: numeric versions ordered by
/// `version_compare`, then `dev-*` branches (which only `==`/`!=` can match) by name.
#[derive(Debug, Clone)]
pub struct ComposerVersion {
    normalized: String,
    key: Key,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Numeric(Vec<Elem>),
    Branch(String),
}

impl ComposerVersion {
    /// From an already normalized string (see [`crate::normalize`]).
    pub fn from_normalized(v: &str) -> Self {
        let key = if is_branch(v) { Key::Branch(v.to_string()) } else { Key::Numeric(php_key(v)) };
        ComposerVersion { normalized: v.to_string(), key }
    }

    /// Below every branch, above every numeric version (not a real version).
    fn first_branch() -> Self {
        ComposerVersion { normalized: "dev-".into(), key: Key::Branch(String::new()) }
    }

    pub fn is_branch(&self) -> bool {
        matches!(self.key, Key::Branch(_))
    }

    pub fn as_str(&self) -> &str {
        &self.normalized
    }
}

impl Ord for ComposerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}
impl PartialOrd for ComposerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for ComposerVersion {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for ComposerVersion {}
impl fmt::Display for ComposerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_constraints;

    fn m(c: &str, v: &str) -> bool {
        parse_constraints(c).unwrap().matches_version(v)
    }

    #[test]
    fn branches_only_match_equality() {
        assert!(m("dev-master", "dev-master"));
        assert!(!m("dev-master", "dev-main"));
        assert!(!m(">=1.0", "dev-master"));
        assert!(!m(">=dev-master", "dev-master"));
        assert!(m("!=1.0", "dev-master"));
        assert!(m("!=dev-foo", "1.0.0.0"));
        assert!(!m("!=dev-foo", "dev-foo"));
    }

    #[test]
    fn or_groups_merge_when_contiguous() {
        assert_eq!(parse_constraints("~1.0 || ~2.0").unwrap().to_string(), "[>= 1.0.0.0-dev < 3.0.0.0-dev]");
        assert_eq!(parse_constraints("^1.0 || ^3.0").unwrap().to_string(), "[[>= 1.0.0.0-dev < 2.0.0.0-dev] || [>= 3.0.0.0-dev < 4.0.0.0-dev]]");
    }

    #[test]
    fn pubgrub_set_matches_for_branches_and_numbers() {
        let c = parse_constraints(">=1.0 || dev-main").unwrap();
        let set = c.to_pubgrub();
        for v in ["1.0.0.0", "0.9.0.0", "dev-main", "dev-master", "2.0.0.0-dev"] {
            assert_eq!(set.contains(&ComposerVersion::from_normalized(v)), c.matches_version(v), "{v}");
        }
    }
}
