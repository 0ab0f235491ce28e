//! RubyGems resolution against the static compact index in fixtures/registries/rubygems
//! (real published metadata, see fixtures/registries/PROVENANCE.md), compared with the lock
//! Bundler 2.3.15 wrote for the same Gemfile on x86_64-linux (`Gemfile.lock.resolved-by-bundler`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tusk_index::rubygems::RubyGemsClient;
use tusk_index::{CacheMode, HttpCache, HttpOptions, RegistryEndpoint};
use tusk_resolver::rubygems::{RubygemsOptions, read_gemfile, resolve};
use tusk_resolver::{Resolution, ResolveError};
use tusk_tests::FixtureServer;

fn root_dir(name: &str) -> PathBuf {
    tusk_tests::fixtures("registries/roots/rubygems").join(name)
}

async fn resolve_root(name: &str, gemfile: &str, opts: RubygemsOptions) -> Result<Resolution, ResolveError> {
    let server = FixtureServer::rubygems();
    let cache = tempfile::tempdir().unwrap();
    let mut o = HttpOptions::new(cache.path());
    o.mode = CacheMode::Refresh;
    o.attempts = 1;
    let http = Arc::new(HttpCache::new(o).unwrap());
    let client = RubyGemsClient::new(http, RegistryEndpoint::new(&server.base));
    let path = root_dir(name).join(gemfile);
    let g = read_gemfile(&std::fs::read_to_string(&path).unwrap(), gemfile).unwrap();
    resolve(client, g.requirements, opts, CancellationToken::new()).await
}

/// name → `version[-platform]` of a lock's `GEM` `specs:` lines (4-space indent).
fn lock_specs(lock: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut in_specs = false;
    for line in lock.lines() {
        if line == "  specs:" {
            in_specs = true;
            continue;
        }
        if in_specs && !line.starts_with("  ") {
            in_specs = false;
        }
        if in_specs && line.starts_with("    ") && !line.starts_with("     ") {
            let (name, v) = line.trim().split_once(" (").unwrap();
            out.insert(name.to_string(), v.trim_end_matches(')').to_string());
        }
    }
    out
}

/// An independent check of a resolution against the raw `info/<gem>` files (own line parsing,
/// requirements read by `tusk-rubygems`' `satisfied_by`, not PubGrub sets): every gem is one
/// info line (`VERSION[-PLATFORM]`) with that line's checksum; every dependency of that line
/// (but `bundler`) is an edge to the one locked version of the gem, which satisfies every
/// `&`-joined requirement; every root requirement holds.
fn verify_bundle(res: &Resolution) -> Vec<String> {
    let info_dir = tusk_tests::fixtures("registries/rubygems/info");
    let locked: BTreeMap<&str, &str> = res.packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
    let satisfies = |reqs: &str, full: &str| -> bool {
        let plain = full.split_once('-').map_or(full, |(v, _)| v);
        let v = tusk_rubygems::GemVersion::parse(plain).unwrap();
        reqs.split(['&', ',']).all(|r| tusk_rubygems::Requirement::parse(r).unwrap().satisfied_by(&v))
    };
    let mut problems = Vec::new();
    if locked.len() != res.packages.len() {
        problems.push("a gem is locked at two versions".to_string());
    }
    for p in &res.packages {
        let text = std::fs::read_to_string(info_dir.join(&p.name)).unwrap_or_default();
        let Some(line) = text.lines().find(|l| l.split(' ').next() == Some(p.version.as_str())) else {
            problems.push(format!("{} {}: no such info line", p.name, p.version));
            continue;
        };
        let (deps, meta) = line.split_once(' ').map_or(("", ""), |(_, rest)| rest.split_once('|').unwrap_or((rest, "")));
        let checksum = meta.split(',').find_map(|f| f.strip_prefix("checksum:")).map(|c| format!("sha256:{c}"));
        if checksum != p.integrity {
            problems.push(format!("{} {}: integrity {:?}, index {:?}", p.name, p.version, p.integrity, checksum));
        }
        for dep in deps.split(',').filter(|d| !d.is_empty()) {
            let (name, reqs) = dep.split_once(':').unwrap();
            if name == "bundler" {
                continue;
            }
            match (locked.get(name), p.dependencies.iter().find(|e| e.name == name)) {
                (Some(v), Some(e)) if e.version == *v && satisfies(reqs, v) => {}
                (v, e) => problems.push(format!("{} {} -> {name} {reqs}: locked {v:?}, edge {:?}", p.name, p.version, e.map(|e| &e.version))),
            }
        }
    }
    for r in &res.roots {
        if let Some(v) = locked.get(r.name.as_str()).filter(|v| !satisfies(&r.req, v)) {
            problems.push(format!("root {} {}: locked {v}", r.name, r.req));
        }
    }
    problems
}

fn x86_64_linux() -> RubygemsOptions {
    RubygemsOptions { platform: Some("x86_64-linux".into()), ruby: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rails_app_matches_bundler() {
    let res = resolve_root("rails-app", "Gemfile", x86_64_linux()).await.unwrap();
    let ours: BTreeMap<String, String> = res.packages.iter().map(|p| (p.name.clone(), p.version.clone())).collect();
    let bundler = lock_specs(&std::fs::read_to_string(root_dir("rails-app").join("Gemfile.lock.resolved-by-bundler")).unwrap());
    assert!(bundler.len() > 90, "{}", bundler.len());
    assert_eq!(verify_bundle(&res), Vec::<String>::new());
    // `bundler` (rails depends on it) is provided by Bundler itself and not in its lock's
    // specs; the resolver leaves it out the same way.
    assert_eq!(ours, bundler);
    // Every edge holds, and every checksum the index serves is carried.
    for p in &res.packages {
        for d in &p.dependencies {
            let req = tusk_rubygems::Requirement::parse(&d.req).unwrap();
            let v = d.version.split_once('-').map_or(d.version.as_str(), |(v, _)| v);
            assert!(req.satisfied_by(&tusk_rubygems::GemVersion::parse(v).unwrap()), "{} -> {} {} ({})", p.name, d.name, d.req, d.version);
        }
    }
    // The index's `checksum:` where it serves one (the fixture's info lines often have none).
    let with = res.packages.iter().filter(|p| p.integrity.is_some()).count();
    assert!(with > 0 && res.packages.iter().filter_map(|p| p.integrity.as_deref()).all(|i| i.len() == 7 + 64 && i.starts_with("sha256:")), "{with}");
}

/// casa (rubyforgood/casa) with the adaptations Bundler was run on (`ruby` line removed, local
/// source), for x86_64-linux: `tzinfo-data` (mingw/mswin/jruby only) is left out as Bundler did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn casa_matches_bundler() {
    let res = resolve_root("casa", "Gemfile.as-resolved-by-bundler", x86_64_linux()).await.unwrap();
    let ours: BTreeMap<String, String> = res.packages.iter().map(|p| (p.name.clone(), p.version.clone())).collect();
    let bundler = lock_specs(&std::fs::read_to_string(root_dir("casa").join("Gemfile.lock.resolved-by-bundler")).unwrap());
    assert!(bundler.len() > 200, "{}", bundler.len());
    assert_eq!(verify_bundle(&res), Vec::<String>::new());
    assert_eq!(ours, bundler);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_platform_native_gems_are_the_ruby_variants() {
    let res = resolve_root("rails-app", "Gemfile", RubygemsOptions::default()).await.unwrap();
    let v = |n: &str| res.packages.iter().find(|p| p.name == n).map(|p| p.version.clone()).unwrap();
    assert!(!v("nokogiri").contains('-') && !v("pg").contains('-'), "{} {}", v("nokogiri"), v("pg"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflict_is_explained() {
    let e = resolve_root("conflict", "Gemfile", x86_64_linux()).await.unwrap_err();
    assert!(matches!(e, ResolveError::NoSolution { .. }), "{e}");
    insta::assert_snapshot!(e.to_string());
}

async fn resolve_specs(specs: &[&str], opts: RubygemsOptions) -> Result<Resolution, ResolveError> {
    let server = FixtureServer::rubygems();
    let cache = tempfile::tempdir().unwrap();
    let mut o = HttpOptions::new(cache.path());
    o.mode = CacheMode::Refresh;
    o.attempts = 1;
    let client = RubyGemsClient::new(Arc::new(HttpCache::new(o).unwrap()), RegistryEndpoint::new(&server.base));
    let roots = specs.iter().map(|s| tusk_resolver::inputs::parse_spec(s).unwrap().1).collect();
    resolve(client, roots, opts, CancellationToken::new()).await
}

/// `ruby:` requirements count only with a target Ruby: rack 2.2.2 and 2.2.3 need Ruby >= 2.3.0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ruby_requirements_against_a_target_ruby() {
    let version = |r: Resolution| r.packages[0].version.clone();
    let spec = ["gem:rack@>= 2.1.1, <= 2.2.3"];
    assert_eq!(version(resolve_specs(&spec, RubygemsOptions::default()).await.unwrap()), "2.2.3");
    let old = RubygemsOptions::new(None, Some("2.2.9")).unwrap();
    assert_eq!(version(resolve_specs(&spec, old.clone()).await.unwrap()), "2.1.1");
    let e = resolve_specs(&["gem:rack@>= 2.2.2, <= 2.2.3"], old).await.unwrap_err();
    insta::assert_snapshot!(e.to_string());
}
