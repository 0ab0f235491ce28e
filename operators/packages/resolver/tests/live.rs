//! Opt-in tests against the real registries: `TUSK_LIVE=1 cargo test -p tusk-resolver --test live`.
//! Each resolves a small real set and runs the independent verifier on it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use tusk_index::{CacheMode, HttpCache, HttpOptions, RegistryEndpoint, defaults};
use tusk_resolver::inputs::parse_spec;

fn live() -> bool {
    std::env::var("TUSK_LIVE").is_ok_and(|v| v == "1")
}

fn http(dir: &std::path::Path) -> Arc<HttpCache> {
    let mut o = HttpOptions::new(dir);
    o.mode = CacheMode::Refresh;
    Arc::new(HttpCache::new(o).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_crates() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let h = http(dir.path());
    let client = tusk_index::crates::CratesClient::new(h.clone(), RegistryEndpoint::new(defaults::CRATES_INDEX));
    let roots = vec![parse_spec("crates:tokio[full]@1").unwrap().1, parse_spec("crates:serde[derive]@1").unwrap().1];
    let target = tusk_resolver::crates::Target::new("x86_64-unknown-linux-gnu");
    let res = tusk_resolver::crates::resolve(client.clone(), roots, tusk_resolver::crates::CratesOptions { target: target.clone() }, Default::default()).await.unwrap();
    let mut docs = std::collections::BTreeMap::new();
    for p in &res.packages {
        docs.insert(p.name.clone(), client.crate_versions(&p.name).await.unwrap().versions);
    }
    let index = |n: &str| docs.get(n).cloned();
    let applies = |t: Option<&str>| target.matches(t);
    let problems = common::verify::verify_crates(&res, &index, &applies);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_npm() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let client = tusk_index::npm::NpmClient::new(http(dir.path()), RegistryEndpoint::new(defaults::NPM));
    let roots = vec![parse_spec("npm:express@^4").unwrap().1];
    let res = tusk_resolver::npm::resolve(client.clone(), roots, Default::default(), Default::default()).await.unwrap();
    let mut docs = std::collections::BTreeMap::new();
    for p in &res.packages {
        docs.insert(p.name.clone(), client.packument(&p.name, false).await.unwrap());
    }
    let problems = common::verify::verify_npm(&res, &|n: &str| docs.get(n).cloned());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_pypi() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let client = tusk_index::pypi::PypiClient::new(http(dir.path()), RegistryEndpoint::new(defaults::PYPI));
    let opts = tusk_resolver::pypi::PypiOptions::default();
    let roots = vec![parse_spec("pypi:flask[async]>=3").unwrap().1, parse_spec("pypi:requests[socks]>=2.31").unwrap().1];
    let res = tusk_resolver::pypi::resolve(client.clone(), roots, opts.clone(), Default::default()).await.unwrap();
    let mut md = std::collections::BTreeMap::new();
    for p in &res.packages {
        let project = client.project(&p.name).await.unwrap();
        let file = project.files.iter().find(|f| Some(f.filename.as_str()) == p.note.as_deref()).unwrap();
        md.insert((p.name.clone(), p.version.clone()), client.metadata(&p.name, &p.version, file).await.unwrap());
    }
    let lookup = |n: &str, v: &str| md.get(&(n.to_string(), v.to_string())).cloned();
    let problems = common::verify::verify_pypi(&res, &lookup, &opts.python, &opts.platform);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Issue 11: peers deep in these trees (babel 7 helpers under a tool that keeps
/// `@babel/core` 7, beside babel 8 at the top) must not push the direct dependency below
/// the `latest` npm installs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_npm_nested_peers_keep_the_latest() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let client = tusk_index::npm::NpmClient::new(http(dir.path()), RegistryEndpoint::new(defaults::NPM));
    for (name, range) in [("@angular-devkit/build-angular", "^22.0.0"), ("webpack-dev-server", "^6")] {
        let roots = vec![parse_spec(&format!("npm:{name}@{range}")).unwrap().1];
        let res = tusk_resolver::npm::resolve(client.clone(), roots, Default::default(), Default::default()).await.unwrap();
        let mut docs = std::collections::BTreeMap::new();
        for p in &res.packages {
            docs.insert(p.name.clone(), client.packument(&p.name, false).await.unwrap());
        }
        let problems = common::verify::verify_npm(&res, &|n: &str| docs.get(n).cloned());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let latest = docs[name].dist_tags["latest"].clone();
        let satisfies = tusk_npm::Range::parse(range, Default::default()).unwrap().test(&tusk_npm::Version::parse(&latest, false).unwrap());
        if satisfies {
            assert_eq!(res.root_edges[0].version, latest, "{name}@{range}");
        }
    }
}
