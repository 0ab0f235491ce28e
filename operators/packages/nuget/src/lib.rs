//! NuGet version semantics (NuGet.Versioning), pure (no I/O).
//!
//! * [`NuGetVersion`] — 1 to 4 numeric parts (lenient `Parse`) or strict SemVer 2.0.0
//!   ([`NuGetVersion::parse_strict`]); release labels compare case-insensitively (numeric
//!   labels numerically and before alphanumeric ones); metadata is ignored by the order.
//! * [`VersionRange`] — `[a, b)`-style brackets, a bare `1.0` meaning `>= 1.0`, floating lower
//!   bounds ([`FloatRange`]); `Satisfies` is a pure bounds check, `FindBestMatch` picks the
//!   lowest applicable version (the highest inside a floating window) and only takes a
//!   prerelease when the range mentions or floats prereleases.
//!
//! The order is total and `Satisfies` is an interval, so [`VersionRange::to_pubgrub`] is exact.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod range;
mod scheme;
pub mod version;

pub use range::{FloatBehavior, FloatRange, VersionRange};
pub use scheme::{NuGetScheme, SCHEME};
pub use version::NuGetVersion;

/// Errors of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NuGetError {
    /// `NuGetVersion.Parse` (or the strict parser) rejects the string.
    #[error("'{0}' is not a valid version string")]
    InvalidVersion(String),
    /// `VersionRange.Parse` rejects the string.
    #[error("'{0}' is not a valid version range")]
    InvalidRange(String),
}
