//! The crates.io sparse index (<https://doc.rust-lang.org/cargo/reference/registry-index.html>):
//! one file per crate at `1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd…`, one JSON line per version.

use crate::{HttpCache, IndexError, RegistryEndpoint};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One line of an index file: one published version.
#[derive(Debug, Clone, Deserialize)]
pub struct IndexVersion {
    pub name: String,
    pub vers: String,
    #[serde(default)]
    pub deps: Vec<IndexDep>,
    /// sha256 of the `.crate` file.
    #[serde(default)]
    pub cksum: String,
    #[serde(default)]
    pub features: BTreeMap<String, Vec<String>>,
    /// Features using `dep:`/`?/` syntax (index format v2), merged into `features` by
    /// [`IndexVersion::all_features`].
    #[serde(default)]
    pub features2: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    pub yanked: bool,
    #[serde(default)]
    pub links: Option<String>,
    #[serde(default)]
    pub rust_version: Option<String>,
    #[serde(default)]
    pub v: Option<u32>,
}

impl IndexVersion {
    /// `features` and `features2` together.
    pub fn all_features(&self) -> BTreeMap<String, Vec<String>> {
        let mut all = self.features.clone();
        if let Some(f2) = &self.features2 {
            for (k, v) in f2 {
                all.entry(k.clone()).or_default().extend(v.iter().cloned());
            }
        }
        all
    }
}

/// A dependency of one version.
#[derive(Debug, Clone, Deserialize)]
pub struct IndexDep {
    /// The name the dependent uses (a rename when `package` is set).
    pub name: String,
    pub req: String,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub optional: bool,
    #[serde(default = "yes")]
    pub default_features: bool,
    /// A target triple or `cfg(...)` expression.
    #[serde(default)]
    pub target: Option<String>,
    /// `normal` (also when absent), `dev` or `build`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The real crate name when the dependency is renamed.
    #[serde(default)]
    pub package: Option<String>,
    #[serde(default)]
    pub registry: Option<String>,
}

fn yes() -> bool {
    true
}

impl IndexDep {
    /// The crate this dependency points to (after renames).
    pub fn crate_name(&self) -> &str {
        self.package.as_deref().unwrap_or(&self.name)
    }
    pub fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or("normal")
    }
}

/// All versions of one crate, in index order.
#[derive(Debug, Clone)]
pub struct CrateIndex {
    pub name: String,
    pub versions: Vec<IndexVersion>,
}

/// The index path of a crate name (lower-cased).
pub fn index_path(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    match n.len() {
        0 => String::new(),
        1 => format!("1/{n}"),
        2 => format!("2/{n}"),
        3 => format!("3/{}/{n}", &n[..1]),
        _ => format!("{}/{}/{n}", &n[..2], &n[2..4]),
    }
}

/// Parses an index file (one JSON object per line). Lines that are not valid are an error
/// naming the line.
pub fn parse_index_file(url: &str, body: &[u8]) -> Result<Vec<IndexVersion>, IndexError> {
    let text = std::str::from_utf8(body).map_err(|e| IndexError::Parse { url: url.to_string(), message: e.to_string() })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: IndexVersion = serde_json::from_str(line)
            .map_err(|e| IndexError::Parse { url: url.to_string(), message: format!("line {}: {e}", i + 1) })?;
        out.push(v);
    }
    Ok(out)
}

/// A client for a sparse index (crates.io or a mirror/private registry).
#[derive(Debug, Clone)]
pub struct CratesClient {
    http: Arc<HttpCache>,
    endpoint: RegistryEndpoint,
}

impl CratesClient {
    pub fn new(http: Arc<HttpCache>, endpoint: RegistryEndpoint) -> Self {
        CratesClient { http, endpoint }
    }

    pub fn registry_url(&self) -> &str {
        &self.endpoint.url
    }

    /// `config.json` of the index (its `dl` and `api` URLs).
    pub async fn config(&self) -> Result<serde_json::Value, IndexError> {
        let url = format!("{}/config.json", self.endpoint.url);
        let f = self.http.get("crates", &url, "application/json", self.endpoint.token.as_ref()).await?;
        if f.is_not_found() {
            return Err(IndexError::Parse { url, message: "no config.json: not a sparse index".into() });
        }
        serde_json::from_slice(&f.body).map_err(|e| IndexError::Parse { url, message: e.to_string() })
    }

    /// Every version of `name`.
    pub async fn crate_versions(&self, name: &str) -> Result<CrateIndex, IndexError> {
        let url = format!("{}/{}", self.endpoint.url, index_path(name));
        let f = self.http.get("crates", &url, "text/plain, */*", self.endpoint.token.as_ref()).await?;
        if f.is_not_found() {
            return Err(IndexError::NotFound { ecosystem: "crates", name: name.to_string(), registry: self.endpoint.url.clone() });
        }
        let versions = parse_index_file(&url, &f.body)?;
        Ok(CrateIndex { name: versions.first().map(|v| v.name.clone()).unwrap_or_else(|| name.to_string()), versions })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn index_paths() {
        assert_eq!(index_path("a"), "1/a");
        assert_eq!(index_path("ab"), "2/ab");
        assert_eq!(index_path("abc"), "3/a/abc");
        assert_eq!(index_path("Serde"), "se/rd/serde");
    }

    #[test]
    fn parses_a_line_with_renames_targets_and_features2() {
        let line = br#"{"name":"x","vers":"1.0.0","deps":[{"name":"rnd","req":"^0.8","features":[],"optional":true,"default_features":false,"target":"cfg(unix)","kind":"normal","package":"rand"}],"cksum":"ab","features":{"a":["rnd/std"]},"features2":{"b":["dep:rnd"]},"yanked":false,"v":2}"#;
        let v = parse_index_file("u", line).unwrap();
        assert_eq!(v[0].deps[0].crate_name(), "rand");
        assert!(!v[0].deps[0].default_features);
        assert_eq!(v[0].all_features().len(), 2);
        let bad = parse_index_file("u", b"{\"name\":1}\n");
        assert!(matches!(bad, Err(IndexError::Parse { .. })));
    }
}
