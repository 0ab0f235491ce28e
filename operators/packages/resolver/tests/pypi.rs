//! PyPI resolution against recorded Simple JSON pages and core-metadata files (see
//! scripts/record-packages-fixtures.sh).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Env, pypi_client, render, verify_pypi};
use tusk_index::CacheMode;
use tusk_resolver::inputs::parse_spec;
use tusk_resolver::pypi::{PypiOptions, resolve};
use tusk_resolver::{ResolveError, Resolution, RootReq};

fn specs(list: &[&str]) -> Vec<RootReq> {
    list.iter().map(|s| parse_spec(&format!("pypi:{s}")).unwrap().1).collect()
}

fn py(v: &str) -> PypiOptions {
    PypiOptions { python: v.into(), ..Default::default() }
}

async fn solve(env: &Env, list: &[&str], opts: &PypiOptions) -> Result<Resolution, ResolveError> {
    resolve(pypi_client(env, CacheMode::default()), specs(list), opts.clone(), Default::default()).await
}

fn version_of<'a>(res: &'a Resolution, name: &str) -> Option<&'a str> {
    res.packages.iter().find(|p| p.name == name).map(|p| p.version.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extras_pull_in_their_requirements() {
    let env = Env::start().await;
    let opts = py("3.12");
    let res = solve(&env, &["flask[async,dotenv]>=3.0"], &opts).await.unwrap();
    verify_pypi(&env, &res, &opts).await;
    assert!(version_of(&res, "asgiref").is_some() && version_of(&res, "python-dotenv").is_some(), "{}", render(&res));
    insta::assert_snapshot!(render(&res));
    let plain = solve(&env, &["flask>=3.0"], &opts).await.unwrap();
    verify_pypi(&env, &plain, &opts).await;
    assert!(version_of(&plain, "asgiref").is_none(), "{}", render(&plain));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markers_follow_the_target_python() {
    let env = Env::start().await;
    // flask requires importlib-metadata only for python_version < "3.10".
    let old = py("3.9");
    let res = solve(&env, &["flask>=3"], &old).await.unwrap();
    verify_pypi(&env, &res, &old).await;
    assert!(version_of(&res, "importlib-metadata").is_some(), "{}", render(&res));
    let new = py("3.12");
    let res = solve(&env, &["flask>=3"], &new).await.unwrap();
    assert!(version_of(&res, "importlib-metadata").is_none(), "{}", render(&res));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requires_python_filters_versions() {
    let env = Env::start().await;
    // flask 3.1 requires Python >= 3.9; on 3.8 the newest usable flask is older.
    let opts = py("3.8");
    let res = solve(&env, &["flask>=2"], &opts).await.unwrap();
    verify_pypi(&env, &res, &opts).await;
    let v = version_of(&res, "flask").unwrap();
    assert!(v.starts_with("3.0.") || v.starts_with("2."), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflict_reads_like_uv() {
    let env = Env::start().await;
    let err = solve(&env, &["flask>=3.0", "werkzeug<3"], &py("3.12")).await.unwrap_err();
    assert!(matches!(err, ResolveError::NoSolution { .. }), "{err}");
    insta::assert_snapshot!(err.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yanked_files_are_skipped() {
    let env = Env::start().await;
    let opts = py("3.12");
    // click 8.2.2 is yanked.
    let res = solve(&env, &["click>=8.2.1,<8.2.3"], &opts).await.unwrap();
    verify_pypi(&env, &res, &opts).await;
    assert_eq!(version_of(&res, "click"), Some("8.2.1"));
    // asgiref 3.7.0 is yanked and alone in the range.
    let err = solve(&env, &["asgiref>=3.7.0,<3.7.1"], &opts).await.unwrap_err();
    insta::assert_snapshot!(err.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prereleases_only_when_asked() {
    let env = Env::start().await;
    let opts = py("3.12");
    let res = solve(&env, &["werkzeug==2.2.0a1"], &opts).await.unwrap();
    verify_pypi(&env, &res, &opts).await;
    assert_eq!(version_of(&res, "werkzeug"), Some("2.2.0a1"));
    // `<2.2.0` excludes 2.2.0's prereleases (PEP 440), so 2.1.2 wins over 2.2.0a1.
    let res = solve(&env, &["werkzeug>=2.1,<2.2.0"], &opts).await.unwrap();
    assert_eq!(version_of(&res, "werkzeug"), Some("2.1.2"));
}
