//! Records real registry responses into a fixture tree: resolves the given specs against the
//! live registries with an empty cache, then exports every document fetched.
//!
//! cargo run -p tusk-resolver --example record -- fixtures/packages crates:serde[derive]@1 …

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use tusk_index::{CacheMode, HttpCache, HttpOptions, RegistryEndpoint};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: record <out-dir> <spec>...")?;
    let cache = tempfile::tempdir()?;
    let mut opts = HttpOptions::new(cache.path());
    opts.mode = CacheMode::Refresh;
    let http = Arc::new(HttpCache::new(opts)?);
    let mut target = tusk_resolver::crates::Target::host();
    let mut args = args.peekable();
    let mut pypi_opts = tusk_resolver::pypi::PypiOptions::default();
    while let Some(spec) = args.next() {
        if spec == "--python" {
            pypi_opts.python = args.next().ok_or("--python needs a version")?;
            continue;
        }
        if spec == "--target" {
            target = tusk_resolver::crates::Target::new(&args.next().ok_or("--target needs a triple")?);
            continue;
        }
        let mut reqs = Vec::new();
        let mut eco = tusk_resolver::Ecosystem::Crates;
        for part in spec.split(" && ") {
            let (e, r) = tusk_resolver::inputs::parse_spec(part)?;
            eco = e;
            reqs.push(r);
        }
        let result = match eco {
            tusk_resolver::Ecosystem::Crates => {
                let client = tusk_index::crates::CratesClient::new(http.clone(), RegistryEndpoint::new(tusk_index::defaults::CRATES_INDEX));
                tusk_resolver::crates::resolve(client, reqs.clone(), tusk_resolver::crates::CratesOptions { target: target.clone() }, Default::default()).await.map(|r| r.packages.len())
            }
            tusk_resolver::Ecosystem::Npm => {
                let client = tusk_index::npm::NpmClient::new(http.clone(), RegistryEndpoint::new(tusk_index::defaults::NPM));
                tusk_resolver::npm::resolve(client, reqs.clone(), Default::default(), Default::default()).await.map(|r| r.packages.len())
            }
            tusk_resolver::Ecosystem::Pypi => {
                let client = tusk_index::pypi::PypiClient::new(http.clone(), RegistryEndpoint::new(tusk_index::defaults::PYPI));
                tusk_resolver::pypi::resolve(client, reqs.clone(), pypi_opts.clone(), Default::default()).await.map(|r| r.packages.len())
            }
            other => Err(tusk_resolver::ResolveError::Internal(format!("no recorder for {other}"))),
        };
        match result {
            Ok(n) => eprintln!("{spec}: {n} packages"),
            Err(e) => eprintln!("{spec}: {e}"),
        }
    }
    let (n, ranged) = tusk_index::http::export_fixtures(cache.path(), std::path::Path::new(&out))?;
    eprintln!("wrote {n} files to {out}");
    // Files read in slices (wheels whose METADATA was read with range requests): record whole.
    for url in ranged {
        let Some(rel) = tusk_index::http::fixture_path(&url) else { continue };
        let f = http.get("pypi-wheels", &url, "*/*", None).await?;
        std::fs::create_dir_all(std::path::Path::new(&out).join(&rel).parent().ok_or("no parent")?)?;
        std::fs::write(std::path::Path::new(&out).join(&rel), &*f.body)?;
        eprintln!("recorded {url} whole ({} bytes)", f.body.len());
    }
    Ok(())
}
