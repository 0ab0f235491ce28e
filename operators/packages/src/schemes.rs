//! Which [`VersionScheme`] implements each ecosystem. A new ecosystem crate exports its
//! scheme (as `tusk_maven::SCHEME` does) and gets an arm here.

use tusk_versions::{Ecosystem, VersionScheme};

static CRATES: tusk_crates::CratesScheme = tusk_crates::CratesScheme;
static NPM: tusk_npm::NpmScheme = tusk_npm::NpmScheme;
static PYPI: tusk_pypi::PypiScheme = tusk_pypi::PypiScheme;

/// The version semantics of `eco`, or `None` while that ecosystem has none yet.
pub fn scheme_for(eco: Ecosystem) -> Option<&'static dyn VersionScheme> {
    match eco {
        Ecosystem::Crates => Some(&CRATES),
        Ecosystem::Npm => Some(&NPM),
        Ecosystem::Pypi => Some(&PYPI),
        Ecosystem::Maven => Some(&tusk_maven::SCHEME),
        Ecosystem::Rubygems => Some(&tusk_rubygems::SCHEME),
        Ecosystem::Nuget => Some(&tusk_nuget::SCHEME),
        Ecosystem::Composer => Some(&tusk_composer::SCHEME),
    }
}
