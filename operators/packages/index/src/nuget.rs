//! A NuGet v3 feed (nuget.org, Azure Artifacts, a local BaGet …): the service index names the
//! resources; the registration index of a package id (`RegistrationsBaseUrl`) holds its
//! versions in pages, inlined or (for ids with many versions) fetched from the page's `@id`;
//! each leaf's `catalogEntry` has the original version string, `listed` and the dependency
//! groups per target framework. The flat container (`PackageBaseAddress`) lists versions.
//!
//! Ranges and versions are validated with `tusk-nuget` and kept as the feed wrote them.
//! Choosing the nearest compatible framework group for a project's target framework is not
//! done here: [`CatalogEntry::dependency_groups`] returns every group as published.

use crate::{HttpCache, IndexError, RegistryEndpoint};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::OnceCell;

const ECO: &str = "nuget";

/// The resources of a feed that tusk uses, from its service index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceIndex {
    /// `RegistrationsBaseUrl` (the SemVer 2.0.0 flavour when the feed has one), ending in `/`.
    pub registrations_base_url: String,
    /// `PackageBaseAddress/3.0.0` (the flat container), ending in `/`.
    pub package_base_address: Option<String>,
}

/// One published version, from its registration leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    pub id: String,
    /// As published (`2.5.7.10213`, `1.0.0-beta.1`).
    pub version: String,
    /// Unlisted versions are still resolvable when pinned, but not chosen for a range.
    pub listed: bool,
    pub dependency_groups: Vec<DependencyGroup>,
    /// The `.nupkg` URL.
    pub package_content: Option<String>,
    /// `packageHash` (base64) and its algorithm (`SHA512`), when the feed serves them.
    pub package_hash: Option<(String, String)>,
}

/// The dependencies for one target framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyGroup {
    /// As published (`.NETStandard2.0`, `net6.0`, `.NETFramework4.6.1`); `None` applies to
    /// every framework. A group without dependencies means "none for that framework", which
    /// differs from having no group for it.
    pub target_framework: Option<String>,
    pub dependencies: Vec<Dependency>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub id: String,
    /// NuGet range syntax (`[4.5.1, )`); `None` when the feed gives none (any version).
    pub range: Option<String>,
}

#[derive(Deserialize)]
struct RawIndex {
    #[serde(default)]
    items: Vec<RawPage>,
}

#[derive(Deserialize)]
struct RawPage {
    #[serde(rename = "@id", default)]
    id: Option<String>,
    /// Absent when the page must be fetched from `@id`.
    #[serde(default)]
    items: Option<Vec<RawLeaf>>,
}

#[derive(Deserialize)]
struct RawLeaf {
    #[serde(rename = "catalogEntry")]
    catalog_entry: Value,
    #[serde(rename = "packageContent", default)]
    package_content: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    id: String,
    version: String,
    #[serde(default)]
    listed: Option<bool>,
    #[serde(default)]
    dependency_groups: Vec<RawGroup>,
    #[serde(default)]
    package_content: Option<String>,
    #[serde(default)]
    package_hash: Option<String>,
    #[serde(default)]
    package_hash_algorithm: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawGroup {
    #[serde(default)]
    target_framework: Option<String>,
    #[serde(default)]
    dependencies: Option<Vec<RawDependency>>,
}

#[derive(Deserialize)]
struct RawDependency {
    id: String,
    #[serde(default)]
    range: Option<String>,
}

/// Picks a resource of the service index by type, in order of preference.
fn resource(doc: &Value, types: &[&str]) -> Option<String> {
    let resources = doc.get("resources")?.as_array()?;
    types.iter().find_map(|t| {
        resources
            .iter()
            .find(|r| r.get("@type").and_then(Value::as_str) == Some(t))
            .and_then(|r| r.get("@id").and_then(Value::as_str))
            .map(|u| if u.ends_with('/') { u.to_string() } else { format!("{u}/") })
    })
}

/// Parses a service index.
pub fn parse_service_index(url: &str, body: &[u8]) -> Result<ServiceIndex, IndexError> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| IndexError::Parse { url: url.to_string(), message: e.to_string() })?;
    let registrations_base_url = resource(
        &doc,
        &["RegistrationsBaseUrl/3.6.0", "RegistrationsBaseUrl/Versioned", "RegistrationsBaseUrl/3.4.0", "RegistrationsBaseUrl/3.0.0-rc", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl"],
    )
    .ok_or_else(|| IndexError::Parse { url: url.to_string(), message: "the service index has no RegistrationsBaseUrl resource: not a NuGet v3 feed".into() })?;
    let package_base_address = resource(&doc, &["PackageBaseAddress/3.0.0"]);
    Ok(ServiceIndex { registrations_base_url, package_base_address })
}

fn entry(url: &str, leaf: RawLeaf) -> Result<CatalogEntry, IndexError> {
    let err = |message: String| IndexError::Parse { url: url.to_string(), message };
    let raw: RawEntry = serde_json::from_value(leaf.catalog_entry).map_err(|e| err(format!("catalogEntry: {e}")))?;
    tusk_nuget::NuGetVersion::parse(&raw.version).map_err(|e| err(format!("{} {}: {e}", raw.id, raw.version)))?;
    let mut groups = Vec::with_capacity(raw.dependency_groups.len());
    for g in raw.dependency_groups {
        let mut dependencies = Vec::new();
        for d in g.dependencies.unwrap_or_default() {
            if let Some(r) = d.range.as_deref().filter(|r| !r.trim().is_empty()) {
                tusk_nuget::VersionRange::parse(r).map_err(|e| err(format!("{} {}: dependency {}: {e}", raw.id, raw.version, d.id)))?;
            }
            dependencies.push(Dependency { id: d.id, range: d.range.filter(|r| !r.trim().is_empty()) });
        }
        groups.push(DependencyGroup { target_framework: g.target_framework.filter(|t| !t.is_empty()), dependencies });
    }
    Ok(CatalogEntry {
        id: raw.id,
        version: raw.version,
        // The catalog omits `listed` for listed packages.
        listed: raw.listed.unwrap_or(true),
        dependency_groups: groups,
        package_content: raw.package_content.or(leaf.package_content),
        package_hash: raw.package_hash.map(|h| (h, raw.package_hash_algorithm.unwrap_or_else(|| "SHA512".into()))),
    })
}

/// A NuGet v3 client; the endpoint URL is the service index (`…/v3/index.json`).
#[derive(Debug, Clone)]
pub struct NuGetClient {
    http: Arc<HttpCache>,
    endpoint: RegistryEndpoint,
    index: Arc<OnceCell<Arc<ServiceIndex>>>,
}

impl NuGetClient {
    pub fn new(http: Arc<HttpCache>, endpoint: RegistryEndpoint) -> Self {
        NuGetClient { http, endpoint, index: Arc::default() }
    }

    pub fn registry_url(&self) -> &str {
        &self.endpoint.url
    }

    async fn get(&self, url: &str) -> Result<Option<Arc<Vec<u8>>>, IndexError> {
        let f = self.http.get(ECO, url, "application/json", self.endpoint.token.as_ref()).await?;
        Ok((!f.is_not_found()).then_some(f.body))
    }

    /// The service index, fetched once per client.
    pub async fn service_index(&self) -> Result<Arc<ServiceIndex>, IndexError> {
        self.index
            .get_or_try_init(|| async {
                let url = self.endpoint.url.clone();
                let Some(body) = self.get(&url).await? else {
                    return Err(IndexError::Parse { url, message: "no service index here (HTTP 404): the NuGet source URL should end in /index.json".into() });
                };
                Ok(Arc::new(parse_service_index(&url, &body)?))
            })
            .await
            .cloned()
    }

    fn not_found(&self, id: &str) -> IndexError {
        IndexError::NotFound { ecosystem: "nuget", name: id.to_string(), registry: self.endpoint.url.clone() }
    }

    /// Every version of `id` from its registration index, in the feed's (ascending) order;
    /// pages without `items` are fetched from their `@id`.
    pub async fn registration(&self, id: &str) -> Result<Vec<CatalogEntry>, IndexError> {
        let base = self.service_index().await?.registrations_base_url.clone();
        let url = format!("{base}{}/index.json", id.to_ascii_lowercase());
        let Some(body) = self.get(&url).await? else { return Err(self.not_found(id)) };
        let index: RawIndex = serde_json::from_slice(&body).map_err(|e| IndexError::Parse { url: url.clone(), message: e.to_string() })?;
        let mut out = Vec::new();
        for page in index.items {
            let (page_url, leaves) = match page.items {
                Some(items) => (url.clone(), items),
                None => {
                    let Some(page_url) = page.id else {
                        return Err(IndexError::Parse { url, message: "a page has neither `items` nor `@id`".into() });
                    };
                    let Some(body) = self.get(&page_url).await? else {
                        return Err(IndexError::Parse { url: page_url, message: "the registration page the index names is missing (HTTP 404)".into() });
                    };
                    let page: RawPage = serde_json::from_slice(&body).map_err(|e| IndexError::Parse { url: page_url.clone(), message: e.to_string() })?;
                    let Some(items) = page.items else {
                        return Err(IndexError::Parse { url: page_url, message: "the registration page has no `items`".into() });
                    };
                    (page_url, items)
                }
            };
            for leaf in leaves {
                out.push(entry(&page_url, leaf)?);
            }
        }
        Ok(out)
    }

    /// The flat container's version list of `id` (normalized, lower-case, ascending).
    pub async fn flat_versions(&self, id: &str) -> Result<Vec<String>, IndexError> {
        let Some(base) = self.service_index().await?.package_base_address.clone() else {
            return Err(IndexError::Parse { url: self.endpoint.url.clone(), message: "the service index has no PackageBaseAddress/3.0.0 resource".into() });
        };
        let url = format!("{base}{}/index.json", id.to_ascii_lowercase());
        let Some(body) = self.get(&url).await? else { return Err(self.not_found(id)) };
        #[derive(Deserialize)]
        struct Versions {
            versions: Vec<String>,
        }
        let v: Versions = serde_json::from_slice(&body).map_err(|e| IndexError::Parse { url, message: e.to_string() })?;
        Ok(v.versions)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn service_index_prefers_semver2_registrations() {
        let body = br#"{"resources":[{"@id":"https://x/reg3","@type":"RegistrationsBaseUrl"},{"@id":"https://x/reg5/","@type":"RegistrationsBaseUrl/3.6.0"},{"@id":"https://x/flat/","@type":"PackageBaseAddress/3.0.0"}]}"#;
        let s = parse_service_index("u", body).unwrap();
        assert_eq!(s.registrations_base_url, "https://x/reg5/");
        assert_eq!(s.package_base_address.as_deref(), Some("https://x/flat/"));
        let e = parse_service_index("u", br#"{"resources":[]}"#).unwrap_err().to_string();
        assert!(e.contains("u: ") && e.contains("RegistrationsBaseUrl"), "{e}");
    }

    #[test]
    fn leaves_validate_ranges() {
        let leaf = |range: &str| RawLeaf {
            catalog_entry: serde_json::json!({"id": "A", "version": "1.0.0", "dependencyGroups": [
                {"targetFramework": "net6.0"},
                {"targetFramework": ".NETStandard2.0", "dependencies": [{"id": "B", "range": range}]},
                {"dependencies": [{"id": "C"}]}]}),
            package_content: None,
        };
        let e = entry("u", leaf("[1.0, )")).unwrap();
        assert!(e.listed && e.dependency_groups[0].dependencies.is_empty());
        assert_eq!(e.dependency_groups[1].dependencies[0].range.as_deref(), Some("[1.0, )"));
        assert_eq!((e.dependency_groups[2].target_framework.as_ref(), e.dependency_groups[2].dependencies[0].range.as_ref()), (None, None));
        let bad = entry("u", leaf("[2.0, 1.0")).unwrap_err().to_string();
        assert!(bad.contains("dependency B"), "{bad}");
    }
}
