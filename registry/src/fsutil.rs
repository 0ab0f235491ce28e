//! Small filesystem helpers shared by operators: atomic writes that are safe when several
//! tusk processes write the same file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary path next to `path`, unique to this process and call.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}-{n}-{nanos}", std::process::id()))
}

/// Writes `bytes` to `path` atomically: a reader sees the old file or the new one, never a
/// partial one. Creates the parent directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_data()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Why [`read_text_capped`] refused its input; each caller words it for its own kind of file.
#[derive(Debug)]
pub enum CappedTextError {
    Io(std::io::Error),
    /// More than the limit (in bytes) was there.
    TooLarge,
    /// Not UTF-8: the first invalid byte's 1-based line and byte offset.
    NotUtf8 { line: usize, offset: usize },
}

impl CappedTextError {
    /// As an `io::Error` (`InvalidData` for the two refusals), `too_large` wording the size
    /// refusal for the caller's kind of file.
    pub fn into_io(self, too_large: impl FnOnce() -> String) -> std::io::Error {
        let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
        match self {
            CappedTextError::Io(e) => e,
            CappedTextError::TooLarge => invalid(too_large()),
            CappedTextError::NotUtf8 { line, offset } => invalid(format!("not UTF-8 text: invalid byte at line {line} (byte offset {offset})")),
        }
    }
}

/// Reads `r` as UTF-8 text of at most `limit` bytes. Reading one byte more tells that there
/// was more, whatever the metadata says (a FIFO, stdin or a /proc file has no size), and
/// bounds the memory a hostile input can take before it is refused.
pub fn read_text_capped(r: impl std::io::Read, limit: u64) -> Result<String, CappedTextError> {
    use std::io::Read;
    let mut buf = Vec::new();
    r.take(limit + 1).read_to_end(&mut buf).map_err(CappedTextError::Io)?;
    if buf.len() as u64 > limit {
        return Err(CappedTextError::TooLarge);
    }
    String::from_utf8(buf).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        CappedTextError::NotUtf8 { line, offset }
    })
}

#[cfg(test)]
mod capped_tests {
    use super::*;

    #[test]
    fn limit_is_inclusive_and_bad_utf8_is_located() {
        assert_eq!(read_text_capped(&b"abcd"[..], 4).unwrap(), "abcd");
        assert!(matches!(read_text_capped(&b"abcde"[..], 4), Err(CappedTextError::TooLarge)));
        assert!(matches!(read_text_capped(&b"a\nb\n\xff"[..], 16), Err(CappedTextError::NotUtf8 { line: 3, offset: 4 })));
    }
}
