//! Resolving several ecosystems at once: one HTTP cache, one client per registry, every
//! ecosystem solved concurrently.

use crate::{Ecosystem, Resolution, ResolveError, RootReq};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tusk_index::{HttpCache, RegistryEndpoint};

/// Where each registry is.
#[derive(Debug, Clone)]
pub struct Registries {
    pub crates: RegistryEndpoint,
    pub pypi: RegistryEndpoint,
    pub npm: RegistryEndpoint,
}

impl Default for Registries {
    fn default() -> Self {
        Registries {
            crates: RegistryEndpoint::new(tusk_index::defaults::CRATES_INDEX),
            pypi: RegistryEndpoint::new(tusk_index::defaults::PYPI),
            npm: RegistryEndpoint::new(tusk_index::defaults::NPM),
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
            other => Err(ResolveError::Input {
                location: format!("{other} requirements"),
                message: format!("resolving {other} against its registry is not implemented yet"),
            }),
        }
    }

    /// Resolves every ecosystem concurrently; results in ecosystem order.
    pub async fn resolve_all(&self, inputs: BTreeMap<Ecosystem, Vec<RootReq>>) -> Vec<(Ecosystem, Result<Resolution, ResolveError>)> {
        let mut tasks = Vec::new();
        for (eco, roots) in inputs {
            let s = self.clone();
            tasks.push((eco, tokio::spawn(async move { s.resolve(eco, roots).await })));
        }
        let mut out = Vec::new();
        for (eco, t) in tasks {
            let r = match t.await {
                Ok(r) => r,
                Err(e) => Err(ResolveError::Internal(format!("resolver task: {e}"))),
            };
            out.push((eco, r));
        }
        out
    }
}
