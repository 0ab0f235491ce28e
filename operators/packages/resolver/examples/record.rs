//! Records real registry responses into a fixture tree: resolves the given specs against the
//! live registries with an empty cache, then exports every document fetched.
//!
//! cargo run -p tusk-resolver --example record -- fixtures/packages crates:serde[derive]@1 …

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
    while let Some(spec) = args.next() {
        if spec == "--target" {
            target = tusk_resolver::crates::Target::new(&args.next().ok_or("--target needs a triple")?);
            continue;
        }
        let (eco, req) = tusk_resolver::inputs::parse_spec(&spec)?;
        let result = match eco {
            tusk_resolver::Ecosystem::Crates => {
                let client = tusk_index::crates::CratesClient::new(http.clone(), RegistryEndpoint::new(tusk_index::defaults::CRATES_INDEX));
                tusk_resolver::crates::resolve(client, vec![req], tusk_resolver::crates::CratesOptions { target: target.clone() }, Default::default()).await.map(|r| r.packages.len())
            }
            tusk_resolver::Ecosystem::Npm => {
                let client = tusk_index::npm::NpmClient::new(http.clone(), RegistryEndpoint::new(tusk_index::defaults::NPM));
                tusk_resolver::npm::resolve(client, vec![req], Default::default(), Default::default()).await.map(|r| r.packages.len())
            }
            other => Err(tusk_resolver::ResolveError::Internal(format!("no recorder for {other}"))),
        };
        match result {
            Ok(n) => eprintln!("{spec}: {n} packages"),
            Err(e) => eprintln!("{spec}: {e}"),
        }
    }
    let n = tusk_index::http::export_fixtures(cache.path(), std::path::Path::new(&out))?;
    eprintln!("wrote {n} files to {out}");
    Ok(())
}
