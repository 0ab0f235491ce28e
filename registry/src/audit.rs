//! The audit log: one JSON line per verb that changes something outside this machine, in
//! `$XDG_STATE_HOME/tusk/audit.jsonl`. Each line carries the SHA-256 of the previous line, so
//! editing or deleting a line breaks the chain and `tusk audit verify` finds where.
//!
//! Appends take an exclusive lock on the file, read the last line's hash and write under the
//! lock, so concurrent tusk processes never interleave or fork the chain.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The hash that stands before the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record. Field order is the serialization order and part of the format.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditRecord {
    /// RFC 3339 UTC.
    pub time: String,
    pub user: String,
    pub operator: String,
    pub verb: String,
    /// Arguments as typed, with secret values replaced by `<redacted>`.
    pub args: Vec<String>,
    /// What was changed: cluster/context, account/region, … as the operator reports it.
    pub target: Option<String>,
    pub dry_run: bool,
    /// `success`, `failure`, `partial`, `interrupted`…
    pub outcome: String,
    pub exit_code: u8,
    pub duration_ms: u64,
    /// Operator-specific details (objects changed, versions published).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
    /// SHA-256 (hex) of the previous line's bytes, or [`GENESIS`].
    pub prev: String,
}

/// What an operator may add to the record of the current verb.
#[derive(Debug, Clone, Default)]
pub struct AuditScope {
    inner: Arc<Mutex<ScopeData>>,
}

#[derive(Debug, Clone, Default)]
struct ScopeData {
    target: Option<String>,
    details: serde_json::Value,
}

impl AuditScope {
    /// Names the target the verb acts on (`context kind-dev, namespace shop`).
    pub fn set_target(&self, target: impl Into<String>) {
        if let Ok(mut d) = self.inner.lock() {
            d.target = Some(target.into());
        }
    }
    /// Attaches structured details (must not contain secrets).
    pub fn set_details(&self, details: serde_json::Value) {
        if let Ok(mut d) = self.inner.lock() {
            d.details = details;
        }
    }
    pub fn target(&self) -> Option<String> {
        self.inner.lock().ok().and_then(|d| d.target.clone())
    }
    pub fn details(&self) -> serde_json::Value {
        self.inner.lock().map(|d| d.details.clone()).unwrap_or_default()
    }
}

/// The audit log stores arguments through the one redactor that every message passes through.
pub use crate::redact::redact_args;

/// The audit log file.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

/// Result of `verify`.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub lines: usize,
    /// 1-based line number where the chain first breaks, with the reason.
    pub broken_at: Option<(usize, String)>,
}

impl AuditLog {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        AuditLog { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a record, filling in `prev`. Safe under concurrent processes.
    pub fn append(&self, mut record: AuditRecord) -> Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::failed(format!("cannot create audit log directory {}: {e}", dir.display())))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)
            .map_err(|e| Error::failed(format!("cannot open audit log {}: {e}", self.path.display())))?;
        file.lock().map_err(|e| Error::failed(format!("cannot lock audit log: {e}")))?;
        let result = (|| -> std::io::Result<()> {
            let prev = last_line_hash(&mut file)?;
            record.prev = prev;
            let mut line = serde_json::to_string(&record).map_err(std::io::Error::other)?;
            line.push('\n');
            file.seek(SeekFrom::End(0))?;
            file.write_all(line.as_bytes())?;
            file.sync_data()
        })();
        let _ = file.unlock();
        result.map_err(|e| Error::failed(format!("cannot write audit log {}: {e}", self.path.display())))
    }

    /// Reads every record. Unparseable lines are errors naming the line.
    pub fn read(&self) -> Result<Vec<AuditRecord>> {
        let mut out = Vec::new();
        self.for_each(|r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` with each record in order, reading one line at a time (for `tusk audit`: a
    /// log that grew for years is hundreds of megabytes). Unparseable lines are errors naming
    /// the line; an error from `f` stops the walk.
    pub fn for_each(&self, mut f: impl FnMut(AuditRecord) -> Result<()>) -> Result<()> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::failed(format!("cannot read audit log {}: {e}", self.path.display()))),
        };
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let mut line = Vec::new();
        let mut i = 0usize;
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| Error::failed(format!("cannot read audit log {}: {e}", self.path.display())))?;
            if n == 0 {
                return Ok(());
            }
            i += 1;
            // Not `lines()`: its UTF-8 error names neither the file nor the line.
            let text = std::str::from_utf8(&line).map_err(|_| {
                Error::failed(format!("audit log line {i} is not UTF-8 text"))
                    .at(format!("{}:{i}", self.path.display()))
                    .with_hint("run `tusk audit verify` to check the whole log")
            })?;
            if text.trim().is_empty() {
                continue;
            }
            let rec: AuditRecord = serde_json::from_str(text).map_err(|e| {
                Error::failed(format!("audit log line {i} is not a valid record: {e}"))
                    .at(format!("{}:{i}", self.path.display()))
                    .with_hint("run `tusk audit verify` to check the whole log")
            })?;
            f(rec)?;
        }
    }

    /// Checks the hash chain from the first line to the last.
    pub fn verify(&self) -> Result<Verification> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Verification { lines: 0, broken_at: None }),
            Err(e) => return Err(Error::failed(format!("cannot read audit log {}: {e}", self.path.display()))),
        };
        let mut expected_prev = GENESIS.to_string();
        let mut count = 0;
        for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            if raw.is_empty() {
                continue;
            }
            count += 1;
            let n = i + 1;
            let rec: AuditRecord = match serde_json::from_slice(raw) {
                Ok(r) => r,
                Err(e) => return Ok(Verification { lines: count, broken_at: Some((n, format!("not a valid record: {e}"))) }),
            };
            if rec.prev != expected_prev {
                return Ok(Verification {
                    lines: count,
                    broken_at: Some((n, "the previous-line hash does not match: a line before it was changed, removed or inserted".into())),
                });
            }
            expected_prev = hex::encode(Sha256::digest(raw));
        }
        Ok(Verification { lines: count, broken_at: None })
    }
}

fn last_line_hash(file: &mut std::fs::File) -> std::io::Result<String> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(GENESIS.to_string());
    }
    // Read backwards in chunks until the start of the last non-empty line.
    let mut buf = Vec::new();
    let mut pos = len;
    let chunk = 4096u64;
    loop {
        let start = pos.saturating_sub(chunk);
        let mut part = vec![0u8; (pos - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut part)?;
        part.extend_from_slice(&buf);
        buf = part;
        pos = start;
        let trimmed = trim_trailing_newlines(&buf);
        if let Some(i) = trimmed.iter().rposition(|b| *b == b'\n') {
            return Ok(hex::encode(Sha256::digest(&trimmed[i + 1..])));
        }
        if pos == 0 {
            return Ok(hex::encode(Sha256::digest(trimmed)));
        }
    }
}

fn trim_trailing_newlines(b: &[u8]) -> &[u8] {
    let mut end = b.len();
    while end > 0 && b[end - 1] == b'\n' {
        end -= 1;
    }
    &b[..end]
}

/// The current user's name for audit records.
pub fn current_user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".to_string())
}

/// Now, as RFC 3339 UTC with seconds.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| now.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(verb: &str) -> AuditRecord {
        AuditRecord {
            time: "2026-01-01T00:00:00Z".into(),
            user: "u".into(),
            operator: "kubernetes".into(),
            verb: verb.into(),
            args: vec![],
            target: None,
            dry_run: false,
            outcome: "success".into(),
            exit_code: 0,
            duration_ms: 1,
            details: serde_json::Value::Null,
            prev: String::new(),
        }
    }

    #[test]
    fn chain_verifies_and_detects_tampering() {
        let d = tempfile::tempdir().unwrap();
        let log = AuditLog::new(d.path().join("a.jsonl"));
        for v in ["deploy", "scale", "delete"] {
            log.append(rec(v)).unwrap();
        }
        assert_eq!(log.verify().unwrap().broken_at, None);
        assert_eq!(log.read().unwrap().len(), 3);
        let text = std::fs::read_to_string(log.path()).unwrap().replace("\"scale\"", "\"scalE\"");
        std::fs::write(log.path(), text).unwrap();
        let v = log.verify().unwrap();
        assert_eq!(v.broken_at.map(|b| b.0), Some(3));
    }

    #[test]
    fn concurrent_appends_keep_one_chain() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("a.jsonl");
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let log = AuditLog::new(path.clone());
                std::thread::spawn(move || {
                    for j in 0..10 {
                        log.append(rec(&format!("v{i}-{j}"))).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let log = AuditLog::new(path);
        let v = log.verify().unwrap();
        assert_eq!(v.lines, 80);
        assert_eq!(v.broken_at, None);
    }

    #[test]
    fn redaction() {
        let args: Vec<String> =
            ["--token", "abc", "--password=hunter2", "API_KEY=xyz", "NAME=ok", "https://u:p@host/x", "--replicas", "3"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        assert_eq!(
            redact_args(&args),
            vec!["--token", "<redacted>", "--password=<redacted>", "API_KEY=<redacted>", "NAME=ok", "https://<redacted>@host/x", "--replicas", "3"]
        );
    }
}
