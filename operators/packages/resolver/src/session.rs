//! What resolving needs besides the requirements: one HTTP cache, one client per registry.
//! [`Session::resolve`] solves one ecosystem; the operator (`tusk-packages`, `resolution.rs`)
//! is the one place that fans the ecosystems out concurrently, with progress and Ctrl-C.

use crate::{Ecosystem, Resolution, ResolveError, RootReq};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tusk_index::{HttpCache, RegistryEndpoint};

/// Where each registry is.
#[derive(Debug, Clone)]
pub struct Registries {
    pub crates: RegistryEndpoint,
    pub pypi: RegistryEndpoint,
    pub npm: RegistryEndpoint,
    pub maven: RegistryEndpoint,
    pub rubygems: RegistryEndpoint,
}

impl Default for Registries {
    fn default() -> Self {
        Registries {
            crates: RegistryEndpoint::new(tusk_index::defaults::CRATES_INDEX),
            pypi: RegistryEndpoint::new(tusk_index::defaults::PYPI),
            npm: RegistryEndpoint::new(tusk_index::defaults::NPM),
            maven: RegistryEndpoint::new(tusk_index::defaults::MAVEN),
            rubygems: RegistryEndpoint::new(tusk_index::defaults::RUBYGEMS),
        }
    }
}

/// Everything a resolution needs besides the requirements.
#[derive(Clone)]
pub struct Session {
    pub http: Arc<HttpCache>,
    pub registries: Registries,
    pub crates: crate::crates::CratesOptions,
    pub pypi: crate::pypi::PypiOptions,
    pub npm: crate::npm::NpmOptions,
    pub rubygems: crate::rubygems::RubygemsOptions,
    pub cancel: CancellationToken,
}

impl Session {
    /// Resolves one ecosystem.
    pub async fn resolve(&self, eco: Ecosystem, roots: Vec<RootReq>) -> Result<Resolution, ResolveError> {
        match eco {
            Ecosystem::Crates => {
                let client = tusk_index::crates::CratesClient::new(self.http.clone(), self.registries.crates.clone());
                crate::crates::resolve(client, roots, self.crates.clone(), self.cancel.clone()).await
            }
            Ecosystem::Npm => {
                let client = tusk_index::npm::NpmClient::new(self.http.clone(), self.registries.npm.clone());
                crate::npm::resolve(client, roots, self.npm.clone(), self.cancel.clone()).await
            }
            Ecosystem::Pypi => {
                let client = tusk_index::pypi::PypiClient::new(self.http.clone(), self.registries.pypi.clone());
                crate::pypi::resolve(client, roots, self.pypi.clone(), self.cancel.clone()).await
            }
            Ecosystem::Maven => {
                let client = tusk_index::maven::MavenClient::new(self.http.clone(), self.registries.maven.clone());
                crate::maven::resolve(client, roots, self.cancel.clone()).await
            }
            Ecosystem::Rubygems => {
                let client = tusk_index::rubygems::RubyGemsClient::new(self.http.clone(), self.registries.rubygems.clone());
                crate::rubygems::resolve(client, roots, self.rubygems.clone(), self.cancel.clone()).await
            }
            other => Err(ResolveError::Input {
                location: format!("{other} requirements"),
                message: format!("resolving {other} against its registry is not implemented yet"),
            }),
        }
    }
}
