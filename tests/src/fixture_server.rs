//! The local package-registry server for hermetic tests: serves recorded registry responses
//! (`fixtures/packages`, or a tree a test writes) over HTTP/1.1 on 127.0.0.1.
//!
//! - `GET /a/b` serves `<root>/a/b`; a path ending in `/` (or `/` itself) serves
//!   `<root>/<path>index.json`; the query string is ignored; anything else (or `..`) is 404.
//! - `{{BASE}}` in a served file becomes the server's own base URL, so recorded documents that
//!   point at another host (PyPI's file URLs) point back here.
//! - `Range: bytes=a-b`, `bytes=a-` and `bytes=-n` are answered with 206 and the slice (wheel
//!   METADATA reads); a range it cannot satisfy gets the whole file, as from a server that
//!   ignores ranges.
//! - It counts requests per path (with the query), remembers the last `Accept` and
//!   `Authorization` header per path, and can answer the next N requests of a path with 503
//!   (to test retries).
//!
//! Plain threads and std's `TcpListener`, no async runtime: the same server works from sync
//! e2e tests and from any tokio runtime flavour, and costs the test crates nothing to compile.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

#[derive(Default)]
struct State {
    hits: HashMap<String, u64>,
    fail_first: HashMap<String, u64>,
    accept: HashMap<String, String>,
    authorization: HashMap<String, String>,
}

struct Shared {
    root: PathBuf,
    base: String,
    stopped: AtomicBool,
    state: Mutex<State>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking connection thread must not hide the counts from the test.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running fixture server; stops accepting (and answering) when dropped.
pub struct FixtureServer {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub base: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FixtureServer {
    /// Starts serving `root` on an ephemeral port of 127.0.0.1.
    pub fn start(root: impl Into<PathBuf>) -> FixtureServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fixture server to 127.0.0.1");
        let addr = listener.local_addr().expect("fixture server address");
        let base = format!("http://{addr}");
        let shared = Arc::new(Shared { root: root.into(), base: base.clone(), stopped: AtomicBool::new(false), state: Mutex::default() });
        let s = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let s = s.clone();
                std::thread::spawn(move || {
                    let _ = serve_connection(stream, &s);
                });
            }
        });
        FixtureServer { base, addr, shared }
    }

    /// Serves the recorded registry responses in `fixtures/packages` (see
    /// scripts/record-packages-fixtures.sh): crates.io under `/crates`, npm under `/npm`,
    /// PyPI under `/pypi` (files under `/pypi-files`).
    pub fn packages() -> FixtureServer {
        FixtureServer::start(crate::fixtures("packages"))
    }

    /// Serves the static Maven 2 repository in `fixtures/registries/maven` (real POMs with
    /// `.sha1` files and maven-metadata.xml, see fixtures/registries/PROVENANCE.md) at the root.
    pub fn maven() -> FixtureServer {
        FixtureServer::start(crate::fixtures("registries/maven"))
    }

    /// Serves the static RubyGems compact index in `fixtures/registries/rubygems` (`versions`,
    /// `info/<gem>`, `names`) at the root.
    pub fn rubygems() -> FixtureServer {
        FixtureServer::start(crate::fixtures("registries/rubygems"))
    }

    /// Serves the static Composer repository in `fixtures/registries/packagist`
    /// (`packages.json`, minified `p2/<vendor>/<name>.json` and `~dev.json`) at the root, where
    /// its root-relative `metadata-url` expects it.
    pub fn packagist() -> FixtureServer {
        FixtureServer::start(crate::fixtures("registries/packagist"))
    }

    /// Serves the static NuGet v3 feed in `fixtures/registries/nuget` at the root (service
    /// index at `/index.json`); its `{{BASE}}` placeholders become this server's URL.
    pub fn nuget() -> FixtureServer {
        FixtureServer::start(crate::fixtures("registries/nuget"))
    }

    /// The directory served.
    pub fn root(&self) -> &Path {
        &self.shared.root
    }

    /// How many requests reached `path` (with its query string, if any).
    pub fn hits(&self, path: &str) -> u64 {
        self.shared.state().hits.get(path).copied().unwrap_or(0)
    }

    /// Requests of all paths.
    pub fn total_hits(&self) -> u64 {
        self.shared.state().hits.values().sum()
    }

    /// The `Accept` header of the last request to `path`.
    pub fn last_accept(&self, path: &str) -> Option<String> {
        self.shared.state().accept.get(path).cloned()
    }

    /// The `Authorization` header of the last request to `path` that sent one.
    pub fn last_authorization(&self, path: &str) -> Option<String> {
        self.shared.state().authorization.get(path).cloned()
    }

    /// Answers the next `n` requests for `path` with 503.
    pub fn fail_first(&self, path: &str, n: u64) {
        self.shared.state().fail_first.insert(path.to_string(), n);
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag and returns.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    // Head and body go out in two writes: without this, Nagle's algorithm and the client's
    // delayed ACK hold each keep-alive response for ~40 ms.
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 || shared.stopped.load(Ordering::SeqCst) {
            return Ok(());
        }
        let (mut accept, mut authorization, mut range, mut content_length) = (String::new(), None, None, 0usize);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                let v = v.trim().to_string();
                match k.trim().to_ascii_lowercase().as_str() {
                    "accept" => accept = v,
                    "authorization" => authorization = Some(v),
                    "range" => range = Some(v),
                    "content-length" => content_length = v.parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        if content_length > 0 {
            let mut body = vec![0u8; content_length];
            reader.read_exact(&mut body)?;
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let fail = {
            let mut s = shared.state();
            *s.hits.entry(path.clone()).or_default() += 1;
            s.accept.insert(path.clone(), accept);
            if let Some(a) = authorization {
                s.authorization.insert(path.clone(), a);
            }
            match s.fail_first.get_mut(&path) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            }
        };
        let (status, body) = if fail { ("503 Service Unavailable", b"unavailable".to_vec()) } else { respond(shared, &path, range.as_deref()) };
        let head = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\ncontent-type: application/octet-stream\r\n\r\n", body.len());
        writer.write_all(head.as_bytes())?;
        writer.write_all(&body)?;
        writer.flush()?;
    }
}

fn respond(shared: &Shared, path: &str, range: Option<&str>) -> (&'static str, Vec<u8>) {
    const NOT_FOUND: (&str, &[u8]) = ("404 Not Found", b"not found");
    let rel = path.split('?').next().unwrap_or("").trim_start_matches('/');
    if rel.split('/').any(|segment| segment == "..") {
        return (NOT_FOUND.0, NOT_FOUND.1.to_vec());
    }
    let mut file = shared.root.join(rel);
    if rel.is_empty() || rel.ends_with('/') {
        file = file.join("index.json");
    }
    let Ok(bytes) = std::fs::read(&file) else { return (NOT_FOUND.0, NOT_FOUND.1.to_vec()) };
    let text = String::from_utf8_lossy(&bytes);
    let bytes = if text.contains("{{BASE}}") { text.replace("{{BASE}}", &shared.base).into_bytes() } else { bytes };
    match range.and_then(|r| slice(&bytes, r)) {
        Some(part) => ("206 Partial Content", part),
        None => ("200 OK", bytes),
    }
}

/// The bytes an HTTP `Range: bytes=a-b` / `bytes=-n` / `bytes=a-` asks for.
fn slice(bytes: &[u8], range: &str) -> Option<Vec<u8>> {
    let spec = range.strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let len = bytes.len();
    let (start, end) = if a.is_empty() {
        let n: usize = b.parse().ok()?;
        (len.saturating_sub(n), len)
    } else {
        let start: usize = a.parse().ok()?;
        let end = if b.is_empty() { len } else { b.parse::<usize>().ok()?.saturating_add(1).min(len) };
        (start, end)
    };
    (start <= end && start < len).then(|| bytes[start..end].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(base: &str, path: &str, headers: &str) -> String {
        let mut s = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n{headers}\r\n").unwrap();
        let mut head = String::new();
        let mut r = BufReader::new(s);
        r.read_line(&mut head).unwrap();
        let mut len = 0;
        loop {
            let mut l = String::new();
            r.read_line(&mut l).unwrap();
            if l.trim().is_empty() {
                break;
            }
            if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).unwrap();
        format!("{} {}", head.split_whitespace().nth(1).unwrap(), String::from_utf8(body).unwrap())
    }

    #[test]
    fn serves_files_ranges_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/doc"), "at {{BASE}}/x").unwrap();
        std::fs::write(dir.path().join("a/b/index.json"), "0123456789").unwrap();
        let server = FixtureServer::start(dir.path());
        assert_eq!(get(&server.base, "/a/doc?q=1", "authorization: Bearer t\r\n"), format!("200 at {}/x", server.base));
        assert_eq!(get(&server.base, "/a/b/", "range: bytes=2-4\r\naccept: text/x\r\n"), "206 234");
        assert_eq!(get(&server.base, "/a/b/", "range: bytes=-3\r\n"), "206 789");
        assert_eq!(get(&server.base, "/a/b/", "range: bytes=20-\r\n"), "200 0123456789");
        assert_eq!(get(&server.base, "/a/../a/doc", ""), "404 not found");
        assert_eq!(get(&server.base, "/missing", ""), "404 not found");
        server.fail_first("/missing", 1);
        assert_eq!(get(&server.base, "/missing", ""), "503 unavailable");
        assert_eq!((server.hits("/a/b/"), server.hits("/a/doc?q=1"), server.total_hits()), (3, 1, 7));
        assert_eq!(server.last_accept("/a/b/").as_deref(), Some(""));
        assert_eq!(server.last_authorization("/a/doc?q=1").as_deref(), Some("Bearer t"));
        let base = server.base.clone();
        drop(server);
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(TcpStream::connect(base.trim_start_matches("http://")).is_err(), "stopped");
    }
}
