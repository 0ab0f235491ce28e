//! Which [`VersionScheme`] implements each ecosystem.
//!
//! versions-b: add your arms here (`Ecosystem::Maven => Some(&tusk_maven::MavenScheme)` …).

use tusk_versions::{Ecosystem, VersionScheme};

static CRATES: tusk_crates::CratesScheme = tusk_crates::CratesScheme;
static NPM: tusk_npm::NpmScheme = tusk_npm::NpmScheme;

/// The version semantics of `eco`, or `None` while that ecosystem has none yet.
pub fn scheme_for(eco: Ecosystem) -> Option<&'static dyn VersionScheme> {
    match eco {
        Ecosystem::Crates => Some(&CRATES),
        Ecosystem::Npm => Some(&NPM),
        Ecosystem::Maven => Some(&tusk_maven::SCHEME),
        Ecosystem::Rubygems => Some(&tusk_rubygems::SCHEME),
        Ecosystem::Nuget => Some(&tusk_nuget::SCHEME),
        _ => None,
    }
}
