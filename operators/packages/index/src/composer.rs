//! A Composer repository with v2 metadata (Packagist and its mirrors, private Packagist,
//! Satis with `metadata-url`): `packages.json` names the per-package URL template
//! (`metadata-url`, `/p2/%package%.json`) and, optionally, every package it has
//! (`available-packages`); `p2/<vendor>/<name>.json` holds the tagged versions and
//! `p2/<vendor>/<name>~dev.json` the branch versions, fetched only when the caller allows dev
//! versions (`minimum-stability: dev` or an `@dev` flag).
//!
//! Both files come minified as packagist.org serves them (`"minified": "composer/2.0"`):
//! every element after the first lists only the keys that changed, `"__unset"` deleting one
//! ([`expand_minified`]). Constraints in `require`/`conflict`/`replace`/`provide` are
//! validated with `tusk-composer` and kept as written.

use crate::{HttpCache, IndexError, RegistryEndpoint};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::OnceCell;

const ECO: &str = "composer";

/// What `packages.json` says about the v2 metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoIndex {
    /// The `metadata-url` template as served (`/p2/%package%.json`).
    pub metadata_url: String,
    /// `available-packages`, when the repository lists them: a name not in it is not fetched.
    pub available_packages: Option<BTreeSet<String>>,
}

/// One version of a package, expanded.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageVersion {
    pub name: String,
    /// As published (`v5.3.2`, `dev-main`, `2.x-dev`).
    pub version: String,
    /// Composer-normalized (`5.3.2.0`, `dev-main`, `2.9999999.9999999.9999999-dev`); computed
    /// with `tusk_composer::normalize` when the repository omits it.
    pub version_normalized: String,
    /// name → constraint, for packages and platform names (`php`, `ext-json`) alike.
    pub require: BTreeMap<String, String>,
    pub conflict: BTreeMap<String, String>,
    pub replace: BTreeMap<String, String>,
    pub provide: BTreeMap<String, String>,
    /// `dist.shasum`, when the repository serves a non-empty one.
    pub dist_shasum: Option<String>,
    /// The whole expanded object, for fields a lock writer copies verbatim.
    pub raw: Map<String, Value>,
}

/// Expands a minified version list: a running object takes each element's keys in turn, and
/// a key whose value is `"__unset"` is removed.
pub fn expand_minified(list: &[Value]) -> Result<Vec<Map<String, Value>>, String> {
    let mut out = Vec::with_capacity(list.len());
    let mut running = Map::new();
    for (i, el) in list.iter().enumerate() {
        let Value::Object(el) = el else { return Err(format!("element {i} is not an object")) };
        for (k, v) in el {
            if v.as_str() == Some("__unset") {
                running.remove(k);
            } else {
                running.insert(k.clone(), v.clone());
            }
        }
        out.push(running.clone());
    }
    Ok(out)
}

/// A link map (`require` …). PHP encodes an empty map as `[]`; anything else is an error.
fn links(obj: &Map<String, Value>, key: &str) -> Result<BTreeMap<String, String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Array(a)) if a.is_empty() => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())).ok_or_else(|| format!("`{key}.{k}` is not a string")))
            .collect(),
        Some(_) => Err(format!("`{key}` is not an object")),
    }
}

/// Builds the typed version from an expanded object, validating its constraints.
pub fn package_version(obj: Map<String, Value>) -> Result<PackageVersion, String> {
    let s = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    let name = s("name").ok_or("no `name`")?;
    let version = s("version").ok_or_else(|| format!("{name}: no `version`"))?;
    let version_normalized = match s("version_normalized") {
        Some(v) => v,
        None => tusk_composer::normalize(&version).map_err(|e| format!("{name} {version}: {e}"))?,
    };
    let mut sections = Vec::new();
    for key in ["require", "conflict", "replace", "provide"] {
        let map = links(&obj, key).map_err(|e| format!("{name} {version}: {e}"))?;
        for (target, constraint) in &map {
            // `self.version` stands for the package's own version.
            let c = if constraint.trim() == "self.version" { version.as_str() } else { constraint.as_str() };
            tusk_composer::parse_constraints(c).map_err(|e| format!("{name} {version}: `{key}.{target}`: {e}"))?;
        }
        sections.push(map);
    }
    let mut it = sections.into_iter();
    let mut next = || it.next().unwrap_or_default();
    let (require, conflict, replace, provide) = (next(), next(), next(), next());
    let dist_shasum = obj.get("dist").and_then(|d| d.get("shasum")).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    Ok(PackageVersion { name, version, version_normalized, require, conflict, replace, provide, dist_shasum, raw: obj })
}

/// Parses one p2 document: `{"packages": {"vendor/name": [...]}, "minified": "composer/2.0"}`.
pub fn parse_p2(url: &str, name: &str, body: &[u8]) -> Result<Vec<PackageVersion>, IndexError> {
    let err = |message: String| IndexError::Parse { url: url.to_string(), message };
    let doc: Value = serde_json::from_slice(body).map_err(|e| err(e.to_string()))?;
    let list = match doc.get("packages").and_then(|p| p.get(name)) {
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(err(format!("`packages.{name}` is not a list"))),
        None => &[],
    };
    let expanded = match doc.get("minified").and_then(Value::as_str) {
        Some("composer/2.0") => expand_minified(list).map_err(err)?,
        Some(other) => return Err(err(format!("unknown minification `{other}`"))),
        None => list.iter().map(|v| v.as_object().cloned().ok_or_else(|| err("a version is not an object".into()))).collect::<Result<_, _>>()?,
    };
    expanded.into_iter().map(|o| package_version(o).map_err(err)).collect()
}

/// A Composer v2 repository client.
#[derive(Debug, Clone)]
pub struct ComposerClient {
    http: Arc<HttpCache>,
    endpoint: RegistryEndpoint,
    index: Arc<OnceCell<Arc<RepoIndex>>>,
}

impl ComposerClient {
    pub fn new(http: Arc<HttpCache>, endpoint: RegistryEndpoint) -> Self {
        ComposerClient { http, endpoint, index: Arc::default() }
    }

    pub fn registry_url(&self) -> &str {
        &self.endpoint.url
    }

    async fn get_json(&self, url: &str) -> Result<Option<Arc<Vec<u8>>>, IndexError> {
        let f = self.http.get(ECO, url, "application/json", self.endpoint.token.as_ref()).await?;
        Ok((!f.is_not_found()).then_some(f.body))
    }

    /// `packages.json`, fetched once per client. A repository without `metadata-url` (v1
    /// only) is an error naming it.
    pub async fn index(&self) -> Result<Arc<RepoIndex>, IndexError> {
        self.index
            .get_or_try_init(|| async {
                let url = format!("{}/packages.json", self.endpoint.url);
                let Some(body) = self.get_json(&url).await? else {
                    return Err(IndexError::Parse { url, message: "no packages.json: not a Composer repository".into() });
                };
                let doc: Value = serde_json::from_slice(&body).map_err(|e| IndexError::Parse { url: url.clone(), message: e.to_string() })?;
                let Some(metadata_url) = doc.get("metadata-url").and_then(Value::as_str) else {
                    return Err(IndexError::Parse { url, message: "no `metadata-url`: only Composer v2 repositories are supported".into() });
                };
                let available_packages = doc
                    .get("available-packages")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_ascii_lowercase).collect());
                Ok(Arc::new(RepoIndex { metadata_url: metadata_url.to_string(), available_packages }))
            })
            .await
            .cloned()
    }

    /// The metadata URL of `name` (`~dev` appended for branches): a root-relative template is
    /// resolved against the repository's scheme and host (dropping its path, as Composer
    /// does), a relative one against the repository URL.
    pub async fn metadata_url(&self, name: &str, dev: bool) -> Result<String, IndexError> {
        let index = self.index().await?;
        let package = if dev { format!("{name}~dev") } else { name.to_string() };
        let path = index.metadata_url.replace("%package%", &package);
        Ok(if path.contains("://") {
            path
        } else if let Some(rest) = path.strip_prefix('/') {
            let base = &self.endpoint.url;
            let host_end = base.find("://").map(|i| i + 3).and_then(|s| base[s..].find('/').map(|j| s + j)).unwrap_or(base.len());
            format!("{}/{rest}", &base[..host_end])
        } else {
            format!("{}/{path}", self.endpoint.url)
        })
    }

    /// Every version of `name` (lower-cased): the tagged ones, and the branch versions from
    /// `~dev.json` too when `include_dev`. Tagged versions come first, in the repository's
    /// (descending) order.
    pub async fn versions(&self, name: &str, include_dev: bool) -> Result<Vec<PackageVersion>, IndexError> {
        let name = name.to_ascii_lowercase();
        let not_found = || IndexError::NotFound { ecosystem: "composer", name: name.clone(), registry: self.endpoint.url.clone() };
        if self.index().await?.available_packages.as_ref().is_some_and(|a| !a.contains(&name)) {
            return Err(not_found());
        }
        let url = self.metadata_url(&name, false).await?;
        let Some(body) = self.get_json(&url).await? else { return Err(not_found()) };
        let mut out = parse_p2(&url, &name, &body)?;
        if include_dev {
            let url = self.metadata_url(&name, true).await?;
            // A package with no branches may have no ~dev file at all.
            if let Some(body) = self.get_json(&url).await? {
                out.extend(parse_p2(&url, &name, &body)?);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expands_minified_lists_with_unset() {
        let body = json!({"packages": {"a/b": [
            {"name": "a/b", "version": "2.0.0", "require": {"php": ">=8.1", "c/d": "^1.0"}, "extra": {"x": 1}},
            {"version": "1.0.0", "version_normalized": "1.0.0.0", "extra": "__unset", "require": []},
            {"version": "0.9.0", "conflict": {"c/d": "<0.5"}, "replace": {"a/old": "self.version"}}
        ]}, "minified": "composer/2.0"});
        let v = parse_p2("u", "a/b", body.to_string().as_bytes()).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].version_normalized, "2.0.0.0");
        assert_eq!(v[0].require["c/d"], "^1.0");
        assert!(v[1].require.is_empty() && !v[1].raw.contains_key("extra"));
        assert_eq!((v[2].name.as_str(), v[2].version_normalized.as_str()), ("a/b", "1.0.0.0"), "kept from the previous element");
        assert_eq!(v[2].replace["a/old"], "self.version");
        let bad = json!({"packages": {"a/b": [{"name": "a/b", "version": "1.0.0", "require": {"c/d": "^^1"}}]}});
        let e = parse_p2("u", "a/b", bad.to_string().as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with("u: ") && e.contains("require.c/d"), "{e}");
    }
}
