//! The NuGet v3 client against the static feed in fixtures/registries/nuget and the
//! hand-written paged registration in fixtures/registries/nuget-paged.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use tusk_index::nuget::NuGetClient;
use tusk_index::{CacheMode, HttpCache, HttpOptions, IndexError, RegistryEndpoint, Secret};
use tusk_tests::FixtureServer;

fn client(server: &FixtureServer, cache: &std::path::Path, mode: CacheMode) -> NuGetClient {
    let mut o = HttpOptions::new(cache);
    o.mode = mode;
    let endpoint = RegistryEndpoint::new(format!("{}/index.json", server.base)).with_token(Some(Secret::new("feed-token")));
    NuGetClient::new(Arc::new(HttpCache::new(o).unwrap()), endpoint)
}

#[tokio::test]
async fn every_registration_of_the_fixture_parses_and_matches_the_flat_container() {
    let server = FixtureServer::nuget();
    let cache = tempfile::tempdir().unwrap();
    let c = client(&server, cache.path(), CacheMode::default());
    let index = c.service_index().await.unwrap();
    assert_eq!(index.registrations_base_url, format!("{}/registration/", server.base));
    assert_eq!(index.package_base_address, Some(format!("{}/flatcontainer/", server.base)));
    let ids: Vec<String> = std::fs::read_dir(server.root().join("registration")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(ids.len(), 88);
    let mut versions = 0;
    for id in &ids {
        let entries = c.registration(id).await.unwrap();
        versions += entries.len();
        assert!(entries.iter().all(|e| e.id.eq_ignore_ascii_case(id)), "{id}");
        // The flat container lists the same versions, normalized and lower-cased.
        let flat = c.flat_versions(id).await.unwrap();
        let normalized: Vec<String> = entries.iter().map(|e| tusk_nuget::NuGetVersion::parse(&e.version).unwrap().to_normalized_string().to_ascii_lowercase()).collect();
        assert_eq!(normalized, flat, "{id}");
    }
    assert_eq!(versions, 359);
    assert_eq!(server.last_authorization("/index.json").as_deref(), Some("Bearer feed-token"));

    // Dependency groups per framework: an empty group is kept (no dependencies there).
    let entries = c.registration("Microsoft.Extensions.Logging.Abstractions").await.unwrap();
    let e = entries.iter().find(|e| e.version == "6.0.0").unwrap();
    assert!(e.listed);
    let net6 = e.dependency_groups.iter().find(|g| g.target_framework.as_deref() == Some("net6.0")).unwrap();
    assert!(net6.dependencies.is_empty());
    let ns20 = e.dependency_groups.iter().find(|g| g.target_framework.as_deref() == Some(".NETStandard2.0")).unwrap();
    let buffers = ns20.dependencies.iter().find(|d| d.id == "System.Buffers").unwrap();
    assert_eq!(buffers.range.as_deref(), Some("[4.5.1, )"));
    let range = tusk_nuget::VersionRange::parse(buffers.range.as_deref().unwrap()).unwrap();
    assert!(range.satisfies(&tusk_nuget::NuGetVersion::parse("4.5.1").unwrap()));
    assert!(!range.satisfies(&tusk_nuget::NuGetVersion::parse("4.5.0").unwrap()));
    assert_eq!(e.package_content.as_deref(), Some(format!("{}/flatcontainer/microsoft.extensions.logging.abstractions/6.0.0/microsoft.extensions.logging.abstractions.6.0.0.nupkg", server.base).as_str()));
    // NUnit's four-part versions as published.
    assert!(c.registration("NUnit").await.unwrap().iter().any(|e| e.version == "2.5.7.10213"));

    let err = c.registration("No.Such.Package").await.unwrap_err();
    assert!(matches!(err, IndexError::NotFound { .. }), "{err}");

    // Offline from the cache; an id never fetched is an error naming its URL.
    let before = server.total_hits();
    let offline = client(&server, cache.path(), CacheMode::Offline);
    assert_eq!(offline.registration("newtonsoft.json").await.unwrap().len(), 9);
    assert_eq!(server.total_hits(), before);
    let empty = tempfile::tempdir().unwrap();
    let err = client(&server, empty.path(), CacheMode::Offline).registration("nunit").await.unwrap_err();
    assert!(err.to_string().contains("/index.json is not in the cache"), "{err}");
}

#[tokio::test]
async fn pages_without_items_are_fetched_from_their_id() {
    let server = FixtureServer::start(tusk_tests::fixtures("registries/nuget-paged"));
    let cache = tempfile::tempdir().unwrap();
    let c = client(&server, cache.path(), CacheMode::default());
    let entries = c.registration("Paged.Pkg").await.unwrap();
    assert_eq!(server.hits("/registration/paged.pkg/page/1.0.0/1.1.0.json"), 1);
    let versions: Vec<(&str, bool)> = entries.iter().map(|e| (e.version.as_str(), e.listed)).collect();
    assert_eq!(versions, [("1.0.0", false), ("1.1.0", true), ("2.0.0-beta.1", true)]);
    let any = &entries[1].dependency_groups[0];
    assert_eq!(any.target_framework, None);
    assert_eq!((any.dependencies[1].id.as_str(), any.dependencies[1].range.as_ref()), ("Dep.B", None));
    assert_eq!(entries[2].package_hash, Some(("q1w2e3==".to_string(), "SHA512".to_string())));

    // A page the index names but the feed does not serve: an error naming the page URL.
    let root = tempfile::tempdir().unwrap();
    let copy = root.path();
    std::fs::create_dir_all(copy.join("registration/paged.pkg")).unwrap();
    std::fs::copy(server.root().join("index.json"), copy.join("index.json")).unwrap();
    std::fs::copy(server.root().join("registration/paged.pkg/index.json"), copy.join("registration/paged.pkg/index.json")).unwrap();
    let broken = FixtureServer::start(copy);
    let cache = tempfile::tempdir().unwrap();
    let err = client(&broken, cache.path(), CacheMode::default()).registration("paged.pkg").await.unwrap_err().to_string();
    assert!(err.contains(&format!("{}/registration/paged.pkg/page/1.0.0/1.1.0.json", broken.base)), "{err}");
}
