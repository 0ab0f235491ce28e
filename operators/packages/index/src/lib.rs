//! Registry clients for `@packages`: the crates.io sparse index, PyPI's Simple API (PEP 691
//! JSON) with PEP 658/714 core-metadata files, npm's abbreviated packuments and Maven 2
//! repositories (POMs, maven-metadata.xml, `.sha1`; [`maven`]), the RubyGems compact index
//! ([`rubygems`]), Composer v2 repositories ([`composer`]) and NuGet v3 feeds ([`nuget`]),
//! all through one [`HttpCache`] (connection reuse, bounded concurrency, retries, on-disk
//! cache, `--offline`/`--refresh`/`--max-age`).
//!
//! These are protocol clients only: they return the registry's documents as typed data with
//! raw version and requirement strings. Version semantics live in the ecosystem crates and the
//! resolver.

pub mod composer;
pub mod crates;
pub mod error;
pub mod http;
pub mod maven;
pub mod npm;
pub mod nuget;
pub mod pypi;
pub mod rubygems;

pub use error::IndexError;
pub use http::{CacheMode, Fetched, HttpCache, HttpOptions, Secret, Stats};

/// Default registry base URLs.
pub mod defaults {
    pub const CRATES_INDEX: &str = "https://index.crates.io";
    pub const PYPI: &str = "https://pypi.org";
    pub const NPM: &str = "https://registry.npmjs.org";
    pub const MAVEN: &str = "https://repo.maven.apache.org/maven2";
    pub const RUBYGEMS: &str = "https://rubygems.org";
    pub const PACKAGIST: &str = "https://repo.packagist.org";
    pub const NUGET: &str = "https://api.nuget.org/v3/index.json";
}

/// Where a registry is and how to authenticate to it.
#[derive(Debug, Clone)]
pub struct RegistryEndpoint {
    /// Base URL without a trailing slash.
    pub url: String,
    pub token: Option<Secret>,
}

impl RegistryEndpoint {
    pub fn new(url: impl Into<String>) -> Self {
        let url: String = url.into();
        RegistryEndpoint { url: url.trim_end_matches('/').to_string(), token: None }
    }
    pub fn with_token(mut self, token: Option<Secret>) -> Self {
        self.token = token;
        self
    }
}
