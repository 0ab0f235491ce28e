//! Maven version semantics, pure (no I/O).
//!
//! * [`ComparableVersion`] — maven-artifact's version order (what `mvn` uses for POM versions).
//! * [`VersionRange`] — `VersionRange.createFromVersionSpec`: ranges, unions and soft
//!   requirements (a bare `1.0` recommends 1.0 but allows everything).
//! * [`generic`] — maven-resolver's `GenericVersionScheme` (version, range, constraint), the
//!   scheme the dependency resolver uses; selected with the `generic` mode.
//!
//! Both orders are total, so every range converts exactly to [`pubgrub::Ranges`].

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod comparable;
pub mod generic;
pub mod range;
mod scheme;

pub use comparable::ComparableVersion;
pub use generic::{GenericVersion, GenericVersionConstraint, GenericVersionRange};
pub use range::{Restriction, VersionRange};
pub use scheme::{MavenScheme, Mode, SCHEME};

/// Errors of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MavenError {
    /// The version string is not accepted (only over-long strings are rejected upstream).
    #[error("invalid Maven version `{input}`: {reason}")]
    InvalidVersion { input: String, reason: String },
    /// The range / version specification is malformed.
    #[error("invalid Maven range `{input}`: {reason}")]
    InvalidRange { input: String, reason: String },
}
