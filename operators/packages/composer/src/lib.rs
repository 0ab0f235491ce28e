//! Composer version semantics (composer/semver), pure (no I/O).
//!
//! * [`normalize`] — `VersionParser::normalize`: four-part versions (`1.0` → `1.0.0.0`),
//!   `v` prefixes, stability suffixes (`-beta2`, `-RC1`, `-dev`), date versions, `dev-*`
//!   branches, `1.x-dev` branch aliases; `as` aliases and `@flags` are stripped.
//! * [`parse_constraints`] — `^ ~ * x -` ranges, space/comma AND, `|`/`||` OR, `@stability`
//!   flags; displayed exactly like `(string) $parser->parseConstraints()`.
//! * Matching is `Semver::satisfies`: `version_compare` on normalized strings ([`php`]), and a
//!   `dev-*` branch only matches `==`/`!=` of itself.
//! * [`allowed_stability`] — Composer's `minimum-stability` rule with the per-requirement
//!   flags it infers (`@dev`, or an explicitly unstable version such as `1.0-beta2`).
//!
//! Numeric versions are totally ordered by `version_compare`, branches only match themselves,
//! so [`ConstraintSet::to_pubgrub`] is exact over [`ComposerVersion`].

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod constraint;
pub mod parser;
pub mod php;
mod scheme;

pub use constraint::{ComposerVersion, Constraint, ConstraintSet, Op};
pub use parser::{Stability, normalize, normalize_branch, normalize_stability, parse_constraints, parse_stability};
pub use scheme::{ComposerScheme, SCHEME, allowed_stability};

/// Errors of this crate (`UnexpectedValueException` upstream).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposerError {
    #[error("invalid version string \"{0}\"")]
    InvalidVersion(String),
    #[error("could not parse version constraint {input}: {reason}")]
    InvalidConstraint { input: String, reason: String },
}
