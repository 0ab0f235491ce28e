//! npm resolution against recorded packuments (see scripts/record-packages-fixtures.sh).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Env, npm_client, render, verify_npm};
use tusk_index::CacheMode;
use tusk_resolver::inputs::parse_spec;
use tusk_resolver::npm::resolve;
use tusk_resolver::{ResolveError, Resolution, RootReq};

fn specs(list: &[&str]) -> Vec<RootReq> {
    list.iter().map(|s| parse_spec(&format!("npm:{s}")).unwrap().1).collect()
}

async fn solve(env: &Env, list: &[&str]) -> Result<Resolution, ResolveError> {
    resolve(npm_client(env, CacheMode::default()), specs(list), Default::default(), Default::default()).await
}

fn versions_of<'a>(res: &'a Resolution, name: &str) -> Vec<&'a str> {
    res.packages.iter().filter(|p| p.name == name).map(|p| p.version.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicting_ranges_nest_a_second_copy() {
    let env = Env::start().await;
    // send 0.18 depends on debug 2.6.9 while you require debug ^4: npm nests debug 2 under send.
    let res = solve(&env, &["debug@^4", "send@0.18"]).await.unwrap();
    verify_npm(&res);
    assert_eq!(versions_of(&res, "debug"), vec!["2.6.9", "4.4.3"], "{}", render(&res));
    insta::assert_snapshot!(render(&res));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_are_installed_and_shared() {
    let env = Env::start().await;
    let res = solve(&env, &["ajv-keywords@5"]).await.unwrap();
    verify_npm(&res);
    let kw = res.packages.iter().find(|p| p.name == "ajv-keywords").unwrap();
    let peer = kw.dependencies.iter().find(|e| e.name == "ajv").unwrap();
    assert_eq!(peer.kind, "peer");
    assert!(peer.version.starts_with("8."), "{}", render(&res));
    insta::assert_snapshot!(render(&res));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_conflict_is_explained() {
    let env = Env::start().await;
    let err = solve(&env, &["ajv-keywords@5", "ajv@6"]).await.unwrap_err();
    assert!(matches!(err, ResolveError::NoSolution { .. }), "{err}");
    insta::assert_snapshot!(err.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optional_dependencies_are_resolved() {
    let env = Env::start().await;
    let res = solve(&env, &["chokidar@3"]).await.unwrap();
    verify_npm(&res);
    let c = res.packages.iter().find(|p| p.name == "chokidar").unwrap();
    let fsevents = c.dependencies.iter().find(|e| e.name == "fsevents").unwrap();
    assert_eq!(fsevents.kind, "optional");
    insta::assert_snapshot!(render(&res));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latest_tag_and_prereleases() {
    let env = Env::start().await;
    // ms has 4.0.0 nightlies above its `latest` (2.1.3): not chosen unless asked for.
    let res = solve(&env, &["ms@>=2"]).await.unwrap();
    verify_npm(&res);
    assert_eq!(versions_of(&res, "ms"), vec!["2.1.3"]);
    let res = solve(&env, &["ms@>=4.0.0-nightly.0"]).await.unwrap();
    verify_npm(&res);
    let v = versions_of(&res, "ms");
    assert!(v[0].starts_with("4.0.0-nightly."), "{v:?}");
    // A dist-tag as the requirement.
    let res = solve(&env, &["debug@latest"]).await.unwrap();
    assert_eq!(versions_of(&res, "debug"), vec!["4.4.3"]);
}
