//! A small local HTTP/1.1 server that serves recorded registry responses from a directory,
//! for hermetic tests (and `tusk` e2e suites). A request for `/a/b` serves `<root>/a/b`;
//! a path ending in `/` serves `<root>/<path>index.json`. `{{BASE}}` in a served file is
//! replaced with the server's own base URL, so recorded documents that point at another host
//! (PyPI's file URLs) point back here. Missing files are 404.
//!
//! It counts requests per path and can fail the first N requests of a path with 503 (to test
//! retries).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Default)]
struct State {
    hits: HashMap<String, u64>,
    fail_first: HashMap<String, u64>,
    accept: HashMap<String, String>,
    authorization: HashMap<String, String>,
}

/// A running fixture server; stops when dropped.
pub struct FixtureServer {
    pub base: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FixtureServer {
    /// Starts serving `root` on an ephemeral port of 127.0.0.1 (needs a tokio runtime).
    pub async fn start(root: impl Into<PathBuf>) -> std::io::Result<FixtureServer> {
        let root: PathBuf = root.into();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State::default()));
        let (st, b) = (state.clone(), base.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else { continue };
                let (root, st, b) = (root.clone(), st.clone(), b.clone());
                tokio::spawn(async move {
                    let _ = serve_conn(sock, root, st, b).await;
                });
            }
        });
        Ok(FixtureServer { base, state, task })
    }

    /// How many requests reached `path`.
    pub fn hits(&self, path: &str) -> u64 {
        self.state.lock().map(|s| s.hits.get(path).copied().unwrap_or(0)).unwrap_or(0)
    }

    /// Requests of all paths.
    pub fn total_hits(&self) -> u64 {
        self.state.lock().map(|s| s.hits.values().sum()).unwrap_or(0)
    }

    /// The `Accept` header of the last request to `path`.
    pub fn last_accept(&self, path: &str) -> Option<String> {
        self.state.lock().ok().and_then(|s| s.accept.get(path).cloned())
    }

    /// The `Authorization` header of the last request to `path` that sent one.
    pub fn last_authorization(&self, path: &str) -> Option<String> {
        self.state.lock().ok().and_then(|s| s.authorization.get(path).cloned())
    }

    /// Answers the next `n` requests for `path` with 503.
    pub fn fail_first(&self, path: &str, n: u64) {
        if let Ok(mut s) = self.state.lock() {
            s.fail_first.insert(path.to_string(), n);
        }
    }
}

async fn serve_conn(sock: tokio::net::TcpStream, root: PathBuf, state: Arc<Mutex<State>>, base: String) -> std::io::Result<()> {
    let (r, mut w) = sock.into_split();
    let mut reader = BufReader::new(r);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut accept = String::new();
        let mut content_length = 0usize;
        let mut auth: Option<String> = None;
        let mut range: Option<String> = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "accept" => accept = v.trim().to_string(),
                    "content-length" => content_length = v.trim().parse().unwrap_or(0),
                    "authorization" => auth = Some(v.trim().to_string()),
                    "range" => range = Some(v.trim().to_string()),
                    _ => {}
                }
            }
        }
        if content_length > 0 {
            let mut sink = vec![0u8; content_length];
            reader.read_exact(&mut sink).await?;
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let fail = {
            let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
            *s.hits.entry(path.clone()).or_default() += 1;
            s.accept.insert(path.clone(), accept);
            if let Some(a) = auth.take() {
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
        let (status, body) = if fail {
            ("503 Service Unavailable", b"unavailable".to_vec())
        } else {
            let rel = path.split('?').next().unwrap_or("").trim_start_matches('/');
            let mut file = root.join(rel);
            if rel.is_empty() || rel.ends_with('/') {
                file = file.join("index.json");
            }
            if rel.split('/').any(|seg| seg == "..") {
                ("404 Not Found", b"not found".to_vec())
            } else {
                match tokio::fs::read(&file).await {
                    Ok(bytes) => {
                        let text = String::from_utf8_lossy(&bytes);
                        let bytes = if text.contains("{{BASE}}") { text.replace("{{BASE}}", &base).into_bytes() } else { bytes };
                        match range.as_deref().and_then(|r| slice(&bytes, r)) {
                            Some(part) => ("206 Partial Content", part),
                            None => ("200 OK", bytes),
                        }
                    }
                    Err(_) => ("404 Not Found", b"not found".to_vec()),
                }
            }
        };
        let head = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\ncontent-type: application/octet-stream\r\n\r\n", body.len());
        w.write_all(head.as_bytes()).await?;
        w.write_all(&body).await?;
        w.flush().await?;
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
