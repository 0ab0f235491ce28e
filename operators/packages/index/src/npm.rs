//! npm packuments. The abbreviated form (`Accept: application/vnd.npm.install-v1+json`) has
//! everything resolution needs except publish times; the full packument (with `time`) is
//! fetched only for `--before`.

use crate::{HttpCache, IndexError, RegistryEndpoint};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const ACCEPT_ABBREVIATED: &str = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
pub const ACCEPT_FULL: &str = "application/json";

#[derive(Debug, Clone, Deserialize)]
pub struct Packument {
    pub name: String,
    #[serde(rename = "dist-tags", default)]
    pub dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    pub versions: BTreeMap<String, NpmVersion>,
    /// Publish times (full packument only): version -> RFC 3339.
    #[serde(default)]
    pub time: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub modified: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NpmVersion {
    #[serde(default)]
    pub version: String,
    #[serde(default, deserialize_with = "lenient_map")]
    pub dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_map")]
    pub peer_dependencies: BTreeMap<String, String>,
    #[serde(default)]
    pub peer_dependencies_meta: BTreeMap<String, PeerMeta>,
    #[serde(default, deserialize_with = "lenient_map")]
    pub optional_dependencies: BTreeMap<String, String>,
    /// A deprecation message (a string; some old packages publish `false`).
    #[serde(default)]
    pub deprecated: Option<serde_json::Value>,
    #[serde(default)]
    pub dist: Dist,
    #[serde(default)]
    pub os: Option<serde_json::Value>,
    #[serde(default)]
    pub cpu: Option<serde_json::Value>,
}

impl NpmVersion {
    pub fn deprecation(&self) -> Option<&str> {
        self.deprecated.as_ref().and_then(|d| d.as_str()).filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct PeerMeta {
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct Dist {
    #[serde(default)]
    pub integrity: Option<String>,
    #[serde(default)]
    pub shasum: Option<String>,
    #[serde(default)]
    pub tarball: Option<String>,
}

/// Old packuments carry arrays or other junk where a map is expected; treat those as empty,
/// as npm does.
fn lenient_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    let mut out = BTreeMap::new();
    if let serde_json::Value::Object(m) = v {
        for (k, v) in m {
            if let Some(s) = v.as_str() {
                out.insert(k, s.to_string());
            }
        }
    }
    Ok(out)
}

/// The URL path of a package: scoped names keep the `@` and encode the `/`.
pub fn package_path(name: &str) -> String {
    name.replace('/', "%2f")
}

#[derive(Debug, Clone)]
pub struct NpmClient {
    http: Arc<HttpCache>,
    endpoint: RegistryEndpoint,
}

impl NpmClient {
    pub fn new(http: Arc<HttpCache>, endpoint: RegistryEndpoint) -> Self {
        NpmClient { http, endpoint }
    }

    pub fn registry_url(&self) -> &str {
        &self.endpoint.url
    }

    /// The packument of `name`: abbreviated, or full (with `time`) when `full`.
    pub async fn packument(&self, name: &str, full: bool) -> Result<Packument, IndexError> {
        let url = format!("{}/{}", self.endpoint.url, package_path(name));
        let accept = if full { ACCEPT_FULL } else { ACCEPT_ABBREVIATED };
        let eco = if full { "npm-full" } else { "npm" };
        let f = self.http.get(eco, &url, accept, self.endpoint.token.as_ref()).await?;
        if f.is_not_found() {
            return Err(IndexError::NotFound { ecosystem: "npm", name: name.to_string(), registry: self.endpoint.url.clone() });
        }
        serde_json::from_slice(&f.body).map_err(|e| IndexError::Parse { url, message: e.to_string() })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn scoped_paths_and_lenient_fields() {
        assert_eq!(package_path("@types/node"), "@types%2fnode");
        let p: Packument = serde_json::from_str(
            r#"{"name":"a","dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":{"version":"1.0.0","dependencies":["junk"],"peerDependencies":{"react":"^18"},"peerDependenciesMeta":{"react":{"optional":true}},"deprecated":false,"dist":{"integrity":"sha512-x"}}}}"#,
        )
        .unwrap();
        let v = &p.versions["1.0.0"];
        assert!(v.dependencies.is_empty());
        assert!(v.peer_dependencies_meta["react"].optional);
        assert_eq!(v.deprecation(), None);
    }
}
