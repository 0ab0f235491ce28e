//! The Composer v2 client against the static Packagist tree in fixtures/registries/packagist.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::sync::Arc;
use tusk_index::composer::ComposerClient;
use tusk_index::{CacheMode, HttpCache, HttpOptions, IndexError, RegistryEndpoint};
use tusk_tests::FixtureServer;

fn client(base: &str, cache: &std::path::Path, mode: CacheMode) -> ComposerClient {
    let mut o = HttpOptions::new(cache);
    o.mode = mode;
    ComposerClient::new(Arc::new(HttpCache::new(o).unwrap()), RegistryEndpoint::new(base))
}

/// The lock entries of a root, as the fixture's p2 files should expand to them: without
/// `notification-url` (not part of p2 objects).
fn lock_entries(root: &str) -> Vec<serde_json::Map<String, Value>> {
    let text = std::fs::read_to_string(tusk_tests::fixtures(format!("registries/roots/packagist/{root}/composer.lock.real"))).unwrap();
    let lock: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for section in ["packages", "packages-dev"] {
        for p in lock[section].as_array().unwrap() {
            let mut p = p.as_object().unwrap().clone();
            p.remove("notification-url");
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn expanding_every_p2_file_reproduces_the_lockfile_entries() {
    let server = FixtureServer::packagist();
    let cache = tempfile::tempdir().unwrap();
    let c = client(&server.base, cache.path(), CacheMode::default());
    assert_eq!(c.metadata_url("psr/log", true).await.unwrap(), format!("{}/p2/psr/log~dev.json", server.base));
    let names = c.index().await.unwrap().available_packages.clone().unwrap();
    assert_eq!(names.len(), 417);
    let mut all = Vec::new();
    let mut stable = 0;
    for name in &names {
        let tagged = c.versions(name, false).await.unwrap();
        stable += tagged.len();
        let with_dev = c.versions(name, true).await.unwrap();
        assert_eq!(&with_dev[..tagged.len()], &tagged[..]);
        all.extend(with_dev);
    }
    // The README's counts: 6,277 versions, 6,179 of them tagged.
    assert_eq!((all.len(), stable), (6277, 6179));
    for root in ["laravelio", "bookstack"] {
        let entries = lock_entries(root);
        let mut missing = Vec::new();
        for e in &entries {
            let (name, version) = (e["name"].as_str().unwrap(), e["version"].as_str().unwrap());
            let Some(v) = all.iter().find(|v| v.name == name && v.version == version) else {
                missing.push(format!("{name} {version}"));
                continue;
            };
            let mut expanded = v.raw.clone();
            expanded.remove("version_normalized");
            assert_eq!(Value::Object(expanded), Value::Object(e.clone()), "{root}: {name} {version}");
            assert_eq!(v.version_normalized, tusk_composer::normalize(version).unwrap(), "{name} {version}");
        }
        assert!(missing.is_empty(), "{root}: {missing:?}");
        assert!(entries.len() > 100, "{root}");
    }

    // Typed fields: require with platform names, replace, provide, conflict.
    let framework = c.versions("laravel/framework", false).await.unwrap();
    let v = framework.iter().find(|v| v.require.contains_key("php") && !v.replace.is_empty() && !v.provide.is_empty() && !v.conflict.is_empty()).unwrap();
    assert!(v.replace.values().any(|c| c == "self.version"), "{:?}", v.replace);
    assert!(v.provide.contains_key("psr/container-implementation"), "{:?}", v.provide);

    // `~dev.json` is fetched only when asked.
    let fresh = tempfile::tempdir().unwrap();
    let c = client(&server.base, fresh.path(), CacheMode::default());
    let tagged = c.versions("laravel/framework", false).await.unwrap();
    assert_eq!(server.hits("/p2/laravel/framework~dev.json"), 1, "only the earlier include_dev pass");
    let with_dev = c.versions("laravel/framework", true).await.unwrap();
    assert_eq!(server.hits("/p2/laravel/framework~dev.json"), 2);
    assert!(with_dev.len() > tagged.len() && with_dev[tagged.len()..].iter().all(|v| v.version_normalized.ends_with("-dev") || v.version.starts_with("dev-")));

    // A name outside available-packages is not fetched; offline uses the cache.
    let err = c.versions("no/such-package", false).await.unwrap_err();
    assert!(matches!(err, IndexError::NotFound { .. }), "{err}");
    assert_eq!(server.hits("/p2/no/such-package.json"), 0);
    let before = server.total_hits();
    let offline = client(&server.base, fresh.path(), CacheMode::Offline);
    assert_eq!(offline.versions("Laravel/Framework", false).await.unwrap().len(), tagged.len());
    let err = offline.versions("psr/log", false).await.unwrap_err();
    assert!(err.to_string().contains("/p2/psr/log.json is not in the cache"), "{err}");
    assert_eq!(server.total_hits(), before);
}

#[tokio::test]
async fn a_repository_without_metadata_url_is_an_error_naming_it() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("packages.json"), r#"{"packages": {}}"#).unwrap();
    let server = FixtureServer::start(root.path());
    let cache = tempfile::tempdir().unwrap();
    let err = client(&server.base, cache.path(), CacheMode::default()).versions("a/b", false).await.unwrap_err().to_string();
    assert!(err.contains(&format!("{}/packages.json", server.base)) && err.contains("metadata-url"), "{err}");

    // A repository URL with a path: packages.json is under it, and a root-relative
    // metadata-url drops the path, as Composer does; no available-packages means any name is
    // looked up.
    std::fs::create_dir_all(root.path().join("some/prefix")).unwrap();
    std::fs::create_dir_all(root.path().join("p2/a")).unwrap();
    std::fs::write(root.path().join("some/prefix/packages.json"), r#"{"packages": [], "metadata-url": "/p2/%package%.json"}"#).unwrap();
    std::fs::write(root.path().join("p2/a/b.json"), r#"{"packages": {"a/b": [{"name": "a/b", "version": "v1.2"}]}}"#).unwrap();
    let c = client(&format!("{}/some/prefix", server.base), cache.path(), CacheMode::default());
    let v = c.versions("a/b", true).await.unwrap();
    assert_eq!((v.len(), v[0].version_normalized.as_str()), (1, "1.2.0.0"));
    assert_eq!(server.hits("/p2/a/b~dev.json"), 1, "a missing ~dev file is no error");
    assert!(matches!(c.versions("a/none", false).await.unwrap_err(), IndexError::NotFound { .. }));
}
