//! npm resolution against recorded packuments (see scripts/record-packages-fixtures.sh).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Env, npm_client, render, verify_npm};
use tusk_index::CacheMode;
use tusk_resolver::inputs::parse_spec;
use tusk_resolver::npm::{NpmOptions, resolve};
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

// The `@peerfix/*` packuments are hand-written (fixtures/packages/PROVENANCE.md); the expected
// trees are what `npm install --package-lock-only` (npm 11.19) makes of them.

async fn solve_with(env: &Env, list: &[&str], opts: NpmOptions) -> Result<Resolution, ResolveError> {
    resolve(npm_client(env, CacheMode::default()), specs(list), opts, Default::default()).await
}

fn legacy() -> NpmOptions {
    NpmOptions { legacy_peer_deps: true, ..Default::default() }
}

fn peer_edge<'a>(res: &'a Resolution, from: &str, to: &str) -> &'a tusk_resolver::Edge {
    let p = res.packages.iter().find(|p| p.name == from).unwrap_or_else(|| panic!("{from} not resolved:\n{}", render(res)));
    p.dependencies.iter().find(|e| e.name == to && e.kind == "peer").unwrap_or_else(|| panic!("no peer edge {from} -> {to}:\n{}", render(res)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_peer_is_satisfied_by_the_copy_its_dependent_sees() {
    let env = Env::start().await;
    // app 1.1.0 brings core 2 (and a plugin whose peer is core ^2) and keeps legacy-tool, which
    // has its own core ^1 and a helper whose peer is core ^1. npm nests core 1.1.0 and helper
    // under legacy-tool, so helper's peer is met there, and installs app 1.1.0 (the `latest`).
    let res = solve(&env, &["@peerfix/app@^1.0.0"]).await.unwrap();
    verify_npm(&res);
    assert_eq!(versions_of(&res, "@peerfix/app"), vec!["1.1.0"], "{}", render(&res));
    assert_eq!(versions_of(&res, "@peerfix/core"), vec!["1.1.0", "2.0.0"], "{}", render(&res));
    assert_eq!(peer_edge(&res, "@peerfix/helper", "@peerfix/core").version, "1.1.0");
    assert_eq!(peer_edge(&res, "@peerfix/plugin", "@peerfix/core").version, "2.0.0");
    // Like npm, helper sits nested with the core its peer needs.
    let helper = res.packages.iter().find(|p| p.name == "@peerfix/helper").unwrap();
    assert_eq!(helper.path.as_deref(), Some("nested"), "{}", render(&res));
    // The optional peer of plugin is not installed.
    assert!(versions_of(&res, "@peerfix/absent").is_empty());
    insta::assert_snapshot!(render(&res));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_level_peer_conflict_is_eresolve() {
    let env = Env::start().await;
    // left's peer is shared ^1, right's is shared ^2: both sit at the top, so both see the one
    // top-level shared. npm: ERESOLVE.
    let err = solve(&env, &["@peerfix/left@^1.0.0", "@peerfix/right@^1.0.0"]).await.unwrap_err();
    assert!(matches!(err, ResolveError::NoSolution { .. }), "{err}");
    assert!(err.to_string().contains("ERESOLVE"), "{err}");
    insta::assert_snapshot!(err.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_peer_deps_resolve_with_unmet_peer_notes() {
    let env = Env::start().await;
    // npm --legacy-peer-deps installs left and right only; the peers are left to the user.
    let res = solve_with(&env, &["@peerfix/left@^1.0.0", "@peerfix/right@^1.0.0"], legacy()).await.unwrap();
    verify_npm(&res);
    assert!(versions_of(&res, "@peerfix/shared").is_empty(), "{}", render(&res));
    insta::assert_snapshot!(render(&res));
    // A peer that is installed anyway gets its edge, and a note when it does not fit.
    let res = solve_with(&env, &["@peerfix/left@^1.0.0", "@peerfix/shared@^2.0.0"], legacy()).await.unwrap();
    verify_npm(&res);
    let left = res.packages.iter().find(|p| p.name == "@peerfix/left").unwrap();
    assert_eq!(left.note.as_deref(), Some("unmet peer @peerfix/shared@^1.0.0: found 2.0.0"), "{}", render(&res));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optional_peer_constrains_only_a_present_copy() {
    let env = Env::start().await;
    // Alone, opt-user's optional peer installs nothing.
    let res = solve(&env, &["@peerfix/opt-user@^1.0.0"]).await.unwrap();
    verify_npm(&res);
    assert!(versions_of(&res, "@peerfix/shared").is_empty(), "{}", render(&res));
    // With shared ^2 required at the top, the optional peer ^1 conflicts: npm says ERESOLVE.
    let err = solve(&env, &["@peerfix/opt-user@^1.0.0", "@peerfix/shared@^2.0.0"]).await.unwrap_err();
    assert!(err.to_string().contains("ERESOLVE"), "{err}");
    insta::assert_snapshot!(err.to_string());
}
