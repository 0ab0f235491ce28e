//! crates.io resolution against recorded index files (see scripts/record-packages-fixtures.sh).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Env, render, verify_crates};
use tusk_index::CacheMode;
use tusk_resolver::crates::{CratesOptions, Target, resolve};
use tusk_resolver::inputs::parse_spec;
use tusk_resolver::{ResolveError, RootReq};

fn specs(list: &[&str]) -> Vec<RootReq> {
    list.iter().map(|s| parse_spec(&format!("crates:{s}")).unwrap().1).collect()
}

fn linux() -> Target {
    Target::new("x86_64-unknown-linux-gnu")
}

async fn solve(env: &Env, list: &[&str], target: Target, mode: CacheMode) -> Result<tusk_resolver::Resolution, ResolveError> {
    resolve(env.crates(mode), specs(list), CratesOptions { target }, Default::default()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn features_enable_optional_dependencies() {
    let env = Env::start().await;
    let res = solve(&env, &["serde[derive]@1"], linux(), CacheMode::default()).await.unwrap();
    verify_crates(&res, &linux());
    insta::assert_snapshot!(render(&res));
    // Without the feature, serde_derive (optional) is not pulled in.
    let plain = solve(&env, &["serde@1"], linux(), CacheMode::default()).await.unwrap();
    verify_crates(&plain, &linux());
    assert!(!plain.packages.iter().any(|p| p.name == "serde_derive"), "{}", render(&plain));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_copy_per_compatibility_bucket_and_host_target() {
    let env = Env::start().await;
    let res = solve(&env, &["rand@0.7", "rand@0.8"], linux(), CacheMode::default()).await.unwrap();
    verify_crates(&res, &linux());
    let rands: Vec<&str> = res.packages.iter().filter(|p| p.name == "rand").map(|p| p.version.as_str()).collect();
    assert_eq!(rands.len(), 2, "{}", render(&res));
    assert!(res.packages.iter().any(|p| p.name == "libc"), "cfg(unix) dependency missing");
    assert!(!res.packages.iter().any(|p| p.name == "rand_hc"), "cfg(windows) dependency on linux");
    insta::assert_snapshot!(render(&res));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_specific_dependencies_follow_the_target() {
    let env = Env::start().await;
    let windows = Target::new("x86_64-pc-windows-msvc");
    let res = solve(&env, &["rand@0.7"], windows.clone(), CacheMode::default()).await.unwrap();
    verify_crates(&res, &windows);
    // libc is a cfg(unix) dependency of rand 0.7 and getrandom 0.1: absent on Windows, present
    // on Linux; rand_chacha is cfg(not(target_os = "emscripten")): present on both.
    assert!(!res.packages.iter().any(|p| p.name == "libc"), "{}", render(&res));
    assert!(res.packages.iter().any(|p| p.name == "rand_chacha"), "{}", render(&res));
    let linux_res = solve(&env, &["rand@0.7"], linux(), CacheMode::default()).await.unwrap();
    assert!(linux_res.packages.iter().any(|p| p.name == "libc"), "{}", render(&linux_res));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yanked_versions_are_skipped() {
    let env = Env::start().await;
    // rand 0.7.1 is yanked in the recorded index; 0.7.0 is the highest usable in the range.
    let res = solve(&env, &["rand@>=0.7.0, <0.7.2"], linux(), CacheMode::default()).await.unwrap();
    verify_crates(&res, &linux());
    let rand = res.packages.iter().find(|p| p.name == "rand").unwrap();
    assert_eq!(rand.version, "0.7.0");
    let err = solve(&env, &["rand@=0.7.1"], linux(), CacheMode::default()).await.unwrap_err();
    insta::assert_snapshot!(err.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflict_is_explained() {
    let env = Env::start().await;
    // serde_json 1.0.117 depends on serde ^1.0.194.
    let err = solve(&env, &["serde@=1.0.190", "serde_json@=1.0.117"], linux(), CacheMode::default()).await.unwrap_err();
    assert!(matches!(err, ResolveError::NoSolution { .. }));
    insta::assert_snapshot!(err.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_uses_the_cache_and_names_what_is_missing() {
    let env = Env::start().await;
    let online = solve(&env, &["serde[derive]@1"], linux(), CacheMode::default()).await.unwrap();
    let hits = env.server.total_hits();
    let offline = solve(&env, &["serde[derive]@1"], linux(), CacheMode::Offline).await.unwrap();
    assert_eq!(online.packages, offline.packages);
    assert_eq!(env.server.total_hits(), hits, "offline made requests");
    let err = solve(&env, &["rand@0.8"], linux(), CacheMode::Offline).await.unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("offline: ") && text.contains("/crates/ra/nd/rand"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_crate_and_bad_requirement() {
    let env = Env::start().await;
    let err = solve(&env, &["no-such-crate-tusk@1"], linux(), CacheMode::default()).await.unwrap_err();
    assert!(err.to_string().contains("crates package `no-such-crate-tusk` does not exist"), "{err}");
    let err = solve(&env, &["serde@>>1"], linux(), CacheMode::default()).await.unwrap_err();
    insta::assert_snapshot!(err.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requirement_across_buckets_picks_the_highest() {
    let env = Env::start().await;
    // `>=0.7, <0.9` spans the 0.7 and 0.8 buckets: one copy, the highest (0.8.x), as cargo.
    let res = solve(&env, &["rand@>=0.7, <0.9"], linux(), CacheMode::default()).await.unwrap();
    verify_crates(&res, &linux());
    let rands: Vec<&str> = res.packages.iter().filter(|p| p.name == "rand").map(|p| p.version.as_str()).collect();
    assert_eq!(rands.len(), 1, "{}", render(&res));
    assert!(rands[0].starts_with("0.8."), "{}", render(&res));
    // Together with an exact 0.7 requirement, both buckets are used.
    let res = solve(&env, &["rand@>=0.7, <0.9", "rand@=0.7.3"], linux(), CacheMode::default()).await.unwrap();
    verify_crates(&res, &linux());
    let mut rands: Vec<&str> = res.packages.iter().filter(|p| p.name == "rand").map(|p| p.version.as_str()).collect();
    rands.sort();
    assert_eq!(rands.len(), 2, "{}", render(&res));
}
