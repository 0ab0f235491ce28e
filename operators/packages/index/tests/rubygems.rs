//! The RubyGems compact-index client against the static index in fixtures/registries/rubygems.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;
use tusk_index::rubygems::RubyGemsClient;
use tusk_index::{CacheMode, HttpCache, HttpOptions, IndexError, RegistryEndpoint, Secret};
use tusk_tests::FixtureServer;

fn client(server: &FixtureServer, cache: &std::path::Path, mode: CacheMode) -> RubyGemsClient {
    let mut o = HttpOptions::new(cache);
    o.mode = mode;
    o.backoff = Duration::from_millis(5);
    let endpoint = RegistryEndpoint::new(format!("{}/", server.base)).with_token(Some(Secret::new("gem-token")));
    RubyGemsClient::new(Arc::new(HttpCache::new(o).unwrap()), endpoint)
}

#[tokio::test]
async fn every_gem_of_the_fixture_parses_and_matches_its_md5() {
    let server = FixtureServer::rubygems();
    let cache = tempfile::tempdir().unwrap();
    let c = client(&server, cache.path(), CacheMode::default());
    let versions = c.versions().await.unwrap();
    assert_eq!(versions.created_at.as_deref(), Some("2026-08-20T15:40:27Z"));
    assert_eq!(versions.gems.len(), 572);
    let mut lines = 0;
    let (mut with_ruby, mut with_checksum_only, mut bare) = (0, 0, 0);
    for (name, listed) in &versions.gems {
        let info = c.info(name).await.unwrap();
        // `versions` and the info file list the same versions.
        let mut from_info: Vec<String> = info.versions.iter().map(|r| r.full_version()).collect();
        let mut from_versions = listed.versions.clone();
        from_info.sort();
        from_versions.sort();
        assert_eq!(from_info, from_versions, "{name}");
        for r in &info.versions {
            lines += 1;
            match (&r.checksum, &r.ruby) {
                (Some(_), Some(_)) => with_ruby += 1,
                (Some(_), None) => with_checksum_only += 1,
                (None, _) => bare += 1,
            }
        }
    }
    // The README's counts: 6,617 lines; 3,232 without a `|` part.
    assert_eq!(lines, 6617);
    assert_eq!(bare, 3232);
    assert!(with_ruby > 0 && with_checksum_only > 2900, "{with_ruby} {with_checksum_only}");
    // The token goes out as a bearer token.
    assert_eq!(server.last_authorization("/versions").as_deref(), Some("Bearer gem-token"));

    // Platform variants, `&`-joined requirements, ruby requirements.
    let nokogiri = c.info("nokogiri").await.unwrap();
    let linux = nokogiri.versions.iter().find(|r| r.full_version() == "1.12.5-x86_64-linux").unwrap();
    assert_eq!((linux.version.as_str(), linux.platform.as_str()), ("1.12.5", "x86_64-linux"));
    assert_eq!(linux.dependencies[0].name, "racc");
    assert_eq!(linux.dependencies[0].requirement(), "~> 1.4");
    let first = &nokogiri.versions[0];
    assert_eq!((first.version.as_str(), first.platform.as_str(), first.ruby.as_deref()), ("1.10.5", "ruby", Some(">= 2.3.0")));
    let mailer = c.info("actionmailer").await.unwrap();
    let v6 = mailer.versions.iter().find(|r| r.version == "6.0.0").unwrap();
    let mail = v6.dependencies.iter().find(|d| d.name == "mail").unwrap();
    assert_eq!(mail.requirements, ["~> 2.5", ">= 2.5.4"]);
    let req = tusk_rubygems::Requirement::parse(&mail.requirement()).unwrap();
    assert!(req.satisfied_by(&tusk_rubygems::GemVersion::parse("2.8.1").unwrap()));
    assert!(!req.satisfied_by(&tusk_rubygems::GemVersion::parse("2.5.3").unwrap()));

    // A gem `versions` does not list: not found, without a request for its info file.
    let err = c.info("no-such-gem").await.unwrap_err();
    assert!(matches!(err, IndexError::NotFound { .. }), "{err}");
    assert_eq!(server.hits("/info/no-such-gem"), 0);

    // Offline from the filled cache; a URL never fetched is an error naming it.
    let requests = server.total_hits();
    let offline = client(&server, cache.path(), CacheMode::Offline);
    assert_eq!(offline.info("rails").await.unwrap().name, "rails");
    assert_eq!(server.total_hits(), requests);
    let empty = tempfile::tempdir().unwrap();
    let err = client(&server, empty.path(), CacheMode::Offline).versions().await.unwrap_err();
    assert!(err.to_string().contains("/versions is not in the cache"), "{err}");
}

#[tokio::test]
async fn an_info_body_that_does_not_match_its_md5_is_an_error_naming_the_url() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("info")).unwrap();
    let info = "---\n1.0.0 |checksum:ab\n";
    let md5 = tusk_index::rubygems::md5_hex(info.as_bytes());
    std::fs::write(root.path().join("versions"), format!("created_at: x\n---\ngood 1.0.0 {md5}\nbad 1.0.0 {md5}\n")).unwrap();
    std::fs::write(root.path().join("info/good"), info).unwrap();
    std::fs::write(root.path().join("info/bad"), "---\n1.0.0 |checksum:cd\n").unwrap();
    let server = FixtureServer::start(root.path());
    let cache = tempfile::tempdir().unwrap();
    let c = client(&server, cache.path(), CacheMode::Refresh);
    assert_eq!(c.info("good").await.unwrap().versions[0].checksum.as_deref(), Some("ab"));
    let err = c.info("bad").await.unwrap_err().to_string();
    assert!(err.contains(&format!("{}/info/bad", server.base)) && err.contains(&md5) && err.contains("--refresh"), "{err}");
}
