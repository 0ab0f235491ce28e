//! HTTP with an on-disk cache.
//!
//! One [`HttpCache`] per tusk process: one `reqwest` client (rustls, HTTP/2 via ALPN, pooled
//! connections), a DNS resolver that looks each host up once and shares the answer between
//! concurrent requests (a burst of parallel lookups stalls here), a semaphore bounding the
//! requests in flight, retries with exponential backoff on 5xx/429, timeouts and connection
//! errors, and a cache of response bodies under `<cache>/<eco>/`.
//!
//! Cache entries are single files written atomically (temp file + rename), so concurrent tusk
//! processes never see a partial entry; the last writer wins, and every writer writes a whole,
//! valid entry. An entry is one JSON header line (url, status, fetched-at, validators) followed
//! by the body. A 404 is cached too (status 404, empty body), so `--offline` can tell "known
//! not to exist" from "never fetched".

use crate::error::IndexError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{OnceCell, Semaphore};

/// How the cache is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheMode {
    /// Use a cached entry younger than `max_age`; otherwise fetch (revalidating with
    /// `ETag`/`Last-Modified` when the entry has them).
    Fresh { max_age: Duration },
    /// Never touch the network; a missing entry is an error naming it.
    Offline,
    /// Ignore cached entries; fetch everything again (and update the cache).
    Refresh,
}

impl Default for CacheMode {
    fn default() -> Self {
        CacheMode::Fresh { max_age: Duration::from_secs(600) }
    }
}

/// A secret value (a registry token). Its `Debug` never shows the value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Settings for [`HttpCache`].
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Root of the cache (`$XDG_CACHE_HOME/tusk/registry`); entries go to `<root>/<eco>/`.
    pub cache_root: PathBuf,
    pub mode: CacheMode,
    /// Requests in flight at once (across all hosts).
    pub concurrency: usize,
    /// Attempts per request (1 = no retry).
    pub attempts: u32,
    /// First backoff; doubled per retry.
    pub backoff: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl HttpOptions {
    pub fn new(cache_root: impl Into<PathBuf>) -> Self {
        HttpOptions {
            cache_root: cache_root.into(),
            mode: CacheMode::default(),
            concurrency: 32,
            attempts: 4,
            backoff: Duration::from_millis(200),
            timeout: Duration::from_secs(30),
        }
    }
}

/// What a GET returned (from the network or the cache).
#[derive(Debug, Clone)]
pub struct Fetched {
    pub status: u16,
    pub body: Arc<Vec<u8>>,
    /// True when served from the cache without a request.
    pub from_cache: bool,
}

impl Fetched {
    pub fn is_not_found(&self) -> bool {
        self.status == 404 || self.status == 410
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct EntryHeader {
    url: String,
    status: u16,
    /// Seconds since the epoch.
    fetched: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
}

/// Request counters, for progress and `-v`.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Stats {
    pub requests: u64,
    pub cache_hits: u64,
    pub revalidated: u64,
    pub retries: u64,
    pub bytes: u64,
}

/// The shared HTTP client + cache.
pub struct HttpCache {
    client: reqwest::Client,
    opts: HttpOptions,
    permits: Semaphore,
    stats: Mutex<Stats>,
}

impl std::fmt::Debug for HttpCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpCache").field("opts", &self.opts).finish()
    }
}

/// Looks each host up once; concurrent lookups of the same host wait for the first.
#[derive(Default)]
struct OnceDns {
    hosts: Mutex<HashMap<String, Arc<OnceCell<Vec<SocketAddr>>>>>,
}

impl reqwest::dns::Resolve for OnceDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let cell = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts.entry(host.clone()).or_default().clone()
        };
        Box::pin(async move {
            let addrs = cell
                .get_or_try_init(|| async {
                    let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
                    Ok::<_, std::io::Error>(found)
                })
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            let iter: reqwest::dns::Addrs = Box::new(addrs.clone().into_iter());
            Ok(iter)
        })
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The cache file for a URL: `<root>/<eco>/<host>/<sha256-prefix>-<last segment>`.
pub fn cache_path(root: &Path, eco: &str, url: &str) -> PathBuf {
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(url.as_bytes()));
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host: String = host.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let last: String = last
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') { c } else { '_' })
        .take(60)
        .collect();
    root.join(eco).join(host).join(format!("{}-{last}", &digest[..16]))
}

impl HttpCache {
    pub fn new(opts: HttpOptions) -> Result<Self, IndexError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("tusk/", env!("CARGO_PKG_VERSION"), " (+package resolver)"))
            .dns_resolver(Arc::new(OnceDns::default()))
            .pool_max_idle_per_host(64)
            .connect_timeout(Duration::from_secs(10))
            .timeout(opts.timeout)
            .gzip(true)
            .build()
            .map_err(|e| IndexError::Client(e.to_string()))?;
        let permits = Semaphore::new(opts.concurrency.max(1));
        Ok(HttpCache { client, opts, permits, stats: Mutex::new(Stats::default()) })
    }

    pub fn mode(&self) -> CacheMode {
        self.opts.mode
    }

    pub fn stats(&self) -> Stats {
        *self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bump(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut self.stats.lock().unwrap_or_else(|p| p.into_inner()));
    }

    fn read_entry(path: &Path) -> Option<(EntryHeader, Vec<u8>)> {
        let bytes = std::fs::read(path).ok()?;
        let nl = bytes.iter().position(|b| *b == b'\n')?;
        let header: EntryHeader = serde_json::from_slice(&bytes[..nl]).ok()?;
        Some((header, bytes[nl + 1..].to_vec()))
    }

    fn write_entry(path: &Path, header: &EntryHeader, body: &[u8]) -> Result<(), IndexError> {
        let mut out = serde_json::to_vec(header).map_err(|e| IndexError::Cache { path: path.to_path_buf(), message: e.to_string() })?;
        out.push(b'\n');
        out.extend_from_slice(body);
        tusk_registry::fsutil::write_atomic(path, &out)
            .map_err(|e| IndexError::Cache { path: path.to_path_buf(), message: e.to_string() })
    }

    /// GET `url` through the cache. `eco` names the cache directory; `accept` is sent as the
    /// `Accept` header; `token` as `Authorization: Bearer` (never logged).
    ///
    /// Returns 404/410 as a `Fetched` with that status; other non-success statuses are errors.
    pub async fn get(&self, eco: &str, url: &str, accept: &str, token: Option<&Secret>) -> Result<Fetched, IndexError> {
        self.get_range(eco, url, accept, token, None).await
    }

    /// Like [`HttpCache::get`], with an HTTP `Range` (`bytes=-65536`, `bytes=100-200`). A
    /// server that ignores ranges answers 200 with the whole body; 206 bodies are the slice.
    /// Cached under the URL and the range.
    pub async fn get_range(&self, eco: &str, url: &str, accept: &str, token: Option<&Secret>, range: Option<&str>) -> Result<Fetched, IndexError> {
        let key = match range {
            Some(r) => format!("{url}#range={r}"),
            None => url.to_string(),
        };
        let path = cache_path(&self.opts.cache_root, eco, &key);
        let cached = match self.opts.mode {
            CacheMode::Refresh => None,
            _ => Self::read_entry(&path),
        };
        let mode = self.opts.mode;
        let usable = |h: &EntryHeader| match mode {
            CacheMode::Offline => true,
            CacheMode::Fresh { max_age } => now_secs().saturating_sub(h.fetched) <= max_age.as_secs(),
            CacheMode::Refresh => false,
        };
        let cached = match cached {
            Some((h, body)) if usable(&h) => {
                self.bump(|s| s.cache_hits += 1);
                return Ok(Fetched { status: h.status, body: Arc::new(body), from_cache: true });
            }
            other => other,
        };
        if mode == CacheMode::Offline {
            return Err(IndexError::Offline { url: url.to_string(), path });
        }
        let validators = cached.as_ref().map(|(h, _)| (h.etag.clone(), h.last_modified.clone()));
        let _permit = self.permits.acquire().await.map_err(|e| IndexError::Client(e.to_string()))?;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut req = self.client.get(url).header(reqwest::header::ACCEPT, accept);
            if let Some(r) = range {
                req = req.header(reqwest::header::RANGE, r);
            }
            if let Some(t) = token {
                let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", t.expose()))
                    .map_err(|_| IndexError::Client("the registry token contains characters not allowed in a header".into()))?;
                value.set_sensitive(true);
                req = req.header(reqwest::header::AUTHORIZATION, value);
            }
            if let Some((etag, lm)) = &validators {
                if let Some(e) = etag {
                    req = req.header(reqwest::header::IF_NONE_MATCH, e);
                }
                if let Some(l) = lm {
                    req = req.header(reqwest::header::IF_MODIFIED_SINCE, l);
                }
            }
            self.bump(|s| s.requests += 1);
            tracing::debug!(url, attempt, "GET");
            let result = req.send().await;
            let retryable = match result {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if status == 304 {
                        if let Some((mut h, body)) = cached {
                            h.fetched = now_secs();
                            Self::write_entry(&path, &h, &body)?;
                            self.bump(|s| s.revalidated += 1);
                            return Ok(Fetched { status: h.status, body: Arc::new(body), from_cache: true });
                        }
                        return Err(IndexError::Status { url: url.to_string(), status });
                    }
                    let status = if status == 206 { 200 } else { status };
                    if resp.status().is_success() || status == 404 || status == 410 {
                        let header_str = |name: reqwest::header::HeaderName| {
                            resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
                        };
                        let etag = header_str(reqwest::header::ETAG);
                        let last_modified = header_str(reqwest::header::LAST_MODIFIED);
                        match resp.bytes().await {
                            Ok(body) => {
                                let body = if status == 200 { body.to_vec() } else { Vec::new() };
                                self.bump(|s| s.bytes += body.len() as u64);
                                let h = EntryHeader { url: key.clone(), status, fetched: now_secs(), etag, last_modified };
                                Self::write_entry(&path, &h, &body)?;
                                return Ok(Fetched { status, body: Arc::new(body), from_cache: false });
                            }
                            Err(e) => format!("reading the body: {e}"),
                        }
                    } else if status >= 500 || status == 429 || status == 408 {
                        format!("HTTP {status}")
                    } else if status == 401 || status == 403 {
                        return Err(IndexError::Auth { url: url.to_string(), status });
                    } else {
                        return Err(IndexError::Status { url: url.to_string(), status });
                    }
                }
                Err(e) => {
                    let mut msg = e.to_string();
                    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
                    while let Some(s) = src {
                        msg.push_str(": ");
                        msg.push_str(&s.to_string());
                        src = s.source();
                    }
                    msg
                }
            };
            if attempt >= self.opts.attempts {
                return Err(IndexError::Network { url: url.to_string(), message: retryable, attempts: attempt });
            }
            self.bump(|s| s.retries += 1);
            let delay = self.opts.backoff * 2u32.saturating_pow(attempt - 1);
            tracing::debug!(url, attempt, ?delay, reason = %retryable, "retrying");
            tokio::time::sleep(delay).await;
        }
    }
}

/// Where a cached registry URL goes in a fixture tree (served to tests by `tusk_tests::FixtureServer`):
/// `https://index.crates.io/se/rd/serde` → `crates/se/rd/serde`,
/// `https://pypi.org/simple/x/` → `pypi/simple/x/index.json`,
/// `https://files.pythonhosted.org/packages/…` → `pypi-files/packages/…`,
/// `https://registry.npmjs.org/@types%2fnode` → `npm/@types%2fnode`.
pub fn fixture_path(url: &str) -> Option<PathBuf> {
    let rest = url.split_once("://")?.1;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = match host {
        "index.crates.io" => "crates",
        "pypi.org" => "pypi",
        "files.pythonhosted.org" => "pypi-files",
        "registry.npmjs.org" => "npm",
        _ => return None,
    };
    let mut p = PathBuf::from(prefix).join(path);
    if path.ends_with('/') || path.is_empty() {
        p = p.join("index.json");
    }
    Some(p)
}

/// Copies every successful entry of a cache into a fixture tree (see [`fixture_path`]),
/// rewriting absolute registry URLs inside documents to `{{BASE}}/<prefix>` so the fixture
/// server points them back at itself. Returns the number of files written and the URLs that
/// were only fetched in slices (HTTP ranges), which the caller records whole.
pub fn export_fixtures(cache_root: &Path, out: &Path) -> std::io::Result<(usize, Vec<String>)> {
    let mut n = 0;
    let mut ranged = Vec::new();
    let mut stack = vec![cache_root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Some((h, body)) = HttpCache::read_entry(&path) else { continue };
            if h.status != 200 {
                continue;
            }
            if let Some((url, _)) = h.url.split_once("#range=") {
                // Slices of a file (a wheel's METADATA): the recorder fetches the whole file.
                ranged.push(url.to_string());
                continue;
            }
            let Some(rel) = fixture_path(&h.url) else { continue };
            let body = if rel.starts_with("pypi/pypi") { trim_json_api(body) } else { body };
            let body = match String::from_utf8(body) {
                Ok(text) => text
                    .replace("https://files.pythonhosted.org/", "{{BASE}}/pypi-files/")
                    .replace("https://registry.npmjs.org/", "{{BASE}}/npm/")
                    .into_bytes(),
                Err(e) => e.into_bytes(),
            };
            tusk_registry::fsutil::write_atomic(&out.join(rel), &body)?;
            n += 1;
        }
    }
    ranged.sort();
    ranged.dedup();
    Ok((n, ranged))
}

/// PyPI JSON API documents carry every release's file list (megabytes for some projects);
/// tusk reads only `info`, so the recorder keeps only the fields of `info` it reads.
fn trim_json_api(body: Vec<u8>) -> Vec<u8> {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else { return body };
    let info = &v["info"];
    let keep = serde_json::json!({"info": {
        "name": info["name"], "version": info["version"], "requires_dist": info["requires_dist"],
        "requires_python": info["requires_python"], "provides_extra": info["provides_extra"],
    }});
    serde_json::to_vec(&keep).unwrap_or(body)
}
