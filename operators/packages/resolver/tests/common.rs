//! Shared by the hermetic resolver tests: the recorded fixtures served locally, a fresh cache,
//! and the independent verifier run on every resolution.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use tusk_tests::FixtureServer;
use tusk_index::{CacheMode, HttpCache, HttpOptions, RegistryEndpoint};
use tusk_resolver::Resolution;

/// The independent verifier: test support, not part of the resolver's API.
#[path = "support/verify.rs"]
pub mod verify;

pub fn fixtures() -> PathBuf {
    tusk_tests::fixtures("packages")
}

pub struct Env {
    pub server: FixtureServer,
    pub cache: tempfile::TempDir,
}

impl Env {
    pub async fn start() -> Env {
        let server = FixtureServer::packages();
        Env { server, cache: tempfile::tempdir().expect("tempdir") }
    }
    pub fn http(&self, mode: CacheMode) -> Arc<HttpCache> {
        let mut o = HttpOptions::new(self.cache.path());
        o.mode = mode;
        Arc::new(HttpCache::new(o).expect("client"))
    }
    pub fn crates(&self, mode: CacheMode) -> tusk_index::crates::CratesClient {
        tusk_index::crates::CratesClient::new(self.http(mode), RegistryEndpoint::new(format!("{}/crates", self.server.base)))
    }
}

pub fn npm_client(env: &Env, mode: CacheMode) -> tusk_index::npm::NpmClient {
    tusk_index::npm::NpmClient::new(env.http(mode), RegistryEndpoint::new(format!("{}/npm", env.server.base)))
}

/// Runs the independent npm verifier against the recorded packuments.
pub fn verify_npm(res: &Resolution) {
    let packument = |name: &str| {
        let body = std::fs::read(fixtures().join("npm").join(tusk_index::npm::package_path(name))).ok()?;
        serde_json::from_slice(&body).ok()
    };
    let problems = verify::verify_npm(res, &packument);
    assert!(problems.is_empty(), "verifier found problems:\n{}", problems.join("\n"));
}

pub fn pypi_client(env: &Env, mode: CacheMode) -> tusk_index::pypi::PypiClient {
    tusk_index::pypi::PypiClient::new(env.http(mode), RegistryEndpoint::new(format!("{}/pypi", env.server.base)))
}

/// Runs the independent PyPI verifier; metadata is read back through an offline client from
/// the cache the resolution filled.
pub async fn verify_pypi(env: &Env, res: &Resolution, opts: &tusk_resolver::pypi::PypiOptions) {
    let client = pypi_client(env, CacheMode::Offline);
    let mut md = std::collections::BTreeMap::new();
    for p in &res.packages {
        let project = client.project(&p.name).await.expect("project page in cache");
        let file = p.note.as_deref().and_then(|f| project.files.iter().find(|x| x.filename == f)).expect("chosen file");
        let m = client.metadata(&p.name, &p.version, file).await.expect("metadata in cache");
        md.insert((p.name.clone(), p.version.clone()), m);
    }
    let lookup = |n: &str, v: &str| md.get(&(n.to_string(), v.to_string())).cloned();
    let problems = verify::verify_pypi(res, &lookup, &opts.python, &opts.platform);
    assert!(problems.is_empty(), "verifier found problems:\n{}", problems.join("\n"));
}

/// One line per package: `name version [features] -> dep version, …`.
pub fn render(res: &Resolution) -> String {
    let mut out = String::new();
    for e in &res.root_edges {
        out.push_str(&format!("root -> {} {} ({})\n", e.name, e.version, e.req));
    }
    for p in &res.packages {
        let feats = if p.features.is_empty() { String::new() } else { format!(" [{}]", p.features.join(",")) };
        let deps: Vec<String> = p.dependencies.iter().map(|d| format!("{} {}", d.name, d.version)).collect();
        let note = p.note.as_ref().map(|n| format!("  # {n}")).unwrap_or_default();
        let path = p.path.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
        out.push_str(&format!("{} {}{}{} -> {}{}\n", p.name, p.version, path, feats, deps.join(", "), note));
    }
    out
}

/// Runs the independent verifier against the recorded index files.
pub fn verify_crates(res: &Resolution, target: &tusk_resolver::crates::Target) {
    let index = |name: &str| {
        let path = fixtures().join("crates").join(tusk_index::crates::index_path(name));
        let body = std::fs::read(&path).ok()?;
        tusk_index::crates::parse_index_file("fixture", &body).ok()
    };
    let applies = |t: Option<&str>| target.matches(t);
    let problems = verify::verify_crates(res, &index, &applies);
    assert!(problems.is_empty(), "verifier found problems:\n{}", problems.join("\n"));
}
