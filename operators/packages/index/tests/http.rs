//! The HTTP cache against the local fixture server: caching, freshness, offline, refresh,
//! 404 caching, retries, tokens.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;
use tusk_tests::FixtureServer;
use tusk_index::{CacheMode, HttpCache, HttpOptions, IndexError, RegistryEndpoint, Secret};

fn opts(cache: &std::path::Path, mode: CacheMode) -> HttpOptions {
    let mut o = HttpOptions::new(cache);
    o.mode = mode;
    o.backoff = Duration::from_millis(5);
    o
}

#[tokio::test]
async fn cache_freshness_offline_refresh_and_retries() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("x")).unwrap();
    std::fs::write(root.path().join("x/doc"), b"hello {{BASE}}").unwrap();
    let server = FixtureServer::start(root.path());
    let cache = tempfile::tempdir().unwrap();
    let url = format!("{}/x/doc", server.base);

    let fresh = HttpCache::new(opts(cache.path(), CacheMode::Fresh { max_age: Duration::from_secs(60) })).unwrap();
    let a = fresh.get("t", &url, "text/plain", None).await.unwrap();
    assert_eq!(String::from_utf8_lossy(&a.body), format!("hello {}", server.base));
    assert!(!a.from_cache);
    let b = fresh.get("t", &url, "text/plain", None).await.unwrap();
    assert!(b.from_cache);
    assert_eq!(server.hits("/x/doc"), 1);

    // A 404 is cached, so offline knows the package does not exist.
    let missing = format!("{}/x/missing", server.base);
    assert!(fresh.get("t", &missing, "*/*", None).await.unwrap().is_not_found());

    let offline = HttpCache::new(opts(cache.path(), CacheMode::Offline)).unwrap();
    assert!(offline.get("t", &url, "text/plain", None).await.unwrap().from_cache);
    assert!(offline.get("t", &missing, "*/*", None).await.unwrap().is_not_found());
    let never = format!("{}/x/never", server.base);
    let err = offline.get("t", &never, "*/*", None).await.unwrap_err();
    assert!(matches!(err, IndexError::Offline { .. }), "{err}");
    assert!(err.to_string().contains("/x/never"));
    assert_eq!(server.hits("/x/doc"), 1);

    // max-age 0 refetches; refresh refetches.
    let stale = HttpCache::new(opts(cache.path(), CacheMode::Fresh { max_age: Duration::ZERO })).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(!stale.get("t", &url, "text/plain", None).await.unwrap().from_cache);
    let refresh = HttpCache::new(opts(cache.path(), CacheMode::Refresh)).unwrap();
    assert!(!refresh.get("t", &url, "text/plain", None).await.unwrap().from_cache);
    assert_eq!(server.hits("/x/doc"), 3);

    // Two 503s, then success: retried with backoff.
    server.fail_first("/x/doc", 2);
    let got = refresh.get("t", &url, "text/plain", Some(&Secret::new("s3cr3t"))).await.unwrap();
    assert_eq!(got.status, 200);
    assert_eq!(refresh.stats().retries, 2);
    // More failures than attempts: an error that says how often it tried.
    server.fail_first("/x/doc", 10);
    let err = refresh.get("t", &url, "text/plain", None).await.unwrap_err();
    assert!(err.to_string().contains("after 4 attempt(s): HTTP 503"), "{err}");
    assert!(!format!("{:?}", Secret::new("s3cr3t")).contains("s3cr3t"));
    // The token went out as a bearer token.
    assert_eq!(server.last_authorization("/x/doc").as_deref(), Some("Bearer s3cr3t"));
    // Accept headers are the protocol's.
    let npm = tusk_index::npm::NpmClient::new(Arc::new(HttpCache::new(opts(cache.path(), CacheMode::Refresh)).unwrap()), RegistryEndpoint::new(format!("{}/npm", server.base)));
    let _ = npm.packument("left-pad", false).await;
    assert!(server.last_accept("/npm/left-pad").unwrap_or_default().starts_with("application/vnd.npm.install-v1+json"));
}

#[tokio::test]
async fn concurrent_processes_share_the_cache_atomically() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("x")).unwrap();
    std::fs::write(root.path().join("x/doc"), vec![b'a'; 200_000]).unwrap();
    let server = FixtureServer::start(root.path());
    let cache = tempfile::tempdir().unwrap();
    let url = format!("{}/x/doc", server.base);
    // Many independent clients (as separate processes would be) refreshing the same entry
    // while others read it offline: readers see a whole entry or none, never a torn one.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (c, url) = (cache.path().to_path_buf(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mode = if i % 2 == 0 { CacheMode::Refresh } else { CacheMode::Offline };
            let h = HttpCache::new(opts(&c, mode)).unwrap();
            match h.get("t", &url, "*/*", None).await {
                Ok(f) => assert_eq!(f.body.len(), 200_000),
                Err(IndexError::Offline { .. }) => {}
                Err(e) => panic!("{e}"),
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let _ = Arc::new(RegistryEndpoint::new("http://x/"));
}
