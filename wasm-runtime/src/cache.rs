//! The compiled-code cache.
//!
//! Layout under the cache directory (`$XDG_CACHE_HOME/tusk/wasm`):
//!
//! ```text
//! v1/<engine-fingerprint>/<sha256 of the wasm binary>.<module|component>.cwasm
//! v1/<engine-fingerprint>/<same>.sum        "<len> <sha256 of the cwasm head+tail>"
//! ```
//!
//! * The key is the content hash of the binary plus the engine fingerprint (wasmtime version
//!   and its compatibility hash of compiler flags and features), so a different wasmtime or
//!   configuration never sees another's entries.
//! * Entries are written to a temporary sibling and renamed into place (readers see a whole
//!   entry or none; concurrent writers of the same key write identical bytes and the last
//!   rename wins).
//! * Entries are stored uncompressed and loaded with `deserialize_file`, which maps the file:
//!   a cached run of a big module starts without reading all of it.
//! * Before an entry is trusted its length and a checksum are compared with the `.sum`
//!   record (the whole file up to 16 MiB; the first and last 4 MiB plus the length above
//!   that, so that a 150 MB entry does not cost a full read). wasmtime checks the header
//!   and engine compatibility again. A mismatch deletes the entry and the code is
//!   recompiled.
//! * Hits refresh the entry's modification time; after a write the cache is trimmed to its
//!   size bound by deleting the least recently used entries.

use crate::Loaded;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use wasmtime::Engine;
use wasmtime::component::Component;

const LAYOUT: &str = "v1";
const FULL_CHECK_MAX: u64 = 16 * 1024 * 1024;
const EDGE: u64 = 4 * 1024 * 1024;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The compiled-code cache of one engine.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
    fingerprint: String,
    max_bytes: u64,
}

/// Numbers for `cache stats`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    pub dir: PathBuf,
    pub entries: u64,
    pub bytes: u64,
    pub max_bytes: u64,
    /// Entries written by other engine configurations or wasmtime versions.
    pub foreign_entries: u64,
    pub engine_fingerprint: String,
}

impl Cache {
    pub fn new(root: PathBuf, fingerprint: String, max_bytes: u64) -> Self {
        Cache { root, fingerprint, max_bytes }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self) -> PathBuf {
        self.root.join(LAYOUT).join(&self.fingerprint)
    }

    fn entry(&self, hash: &str, component: bool) -> (PathBuf, PathBuf) {
        let kind = if component { "component" } else { "module" };
        let base = self.dir().join(format!("{hash}.{kind}"));
        (base.with_extension(format!("{kind}.cwasm")), base.with_extension(format!("{kind}.sum")))
    }

    /// Maps a cached entry, or `None` (miss, or a corrupt entry that was removed).
    pub fn get(&self, engine: &Engine, hash: &str, component: bool) -> Option<Loaded> {
        let (code, sum) = self.entry(hash, component);
        let expected = std::fs::read_to_string(&sum).ok()?;
        match checksum(&code) {
            Ok(actual) if actual == expected.trim() => {}
            Ok(_) | Err(_) => {
                if code.exists() {
                    tracing::warn!("discarding corrupt compiled-code cache entry {}", code.display());
                }
                remove_pair(&code, &sum);
                return None;
            }
        }
        // SAFETY: `deserialize_file` maps the file and trusts it to be wasmtime's output. The
        // entry lives in tusk's own cache directory, was written atomically by this code for
        // this engine fingerprint, and its length and checksum were just compared with the
        // record written next to it; wasmtime checks the header and engine compatibility too.
        #[allow(unsafe_code)]
        let loaded = unsafe {
            if component {
                Component::deserialize_file(engine, &code).map(Loaded::Component)
            } else {
                wasmtime::Module::deserialize_file(engine, &code).map(Loaded::Module)
            }
        };
        match loaded {
            Ok(l) => {
                touch(&code);
                Some(l)
            }
            Err(e) => {
                tracing::warn!("discarding unusable compiled-code cache entry {}: {e}", code.display());
                remove_pair(&code, &sum);
                None
            }
        }
    }

    /// Stores serialized code for `hash`, then trims the cache to its bound.
    pub fn put(&self, hash: &str, component: bool, serialized: &[u8]) -> std::io::Result<()> {
        let (code, sum) = self.entry(hash, component);
        std::fs::create_dir_all(self.dir())?;
        write_atomic(&code, serialized)?;
        let record = checksum(&code)?;
        write_atomic(&sum, record.as_bytes())?;
        self.trim(Some(&code));
        Ok(())
    }

    /// The content hash and kind recorded for `path` when its size, modification time and
    /// inode are unchanged since it was last loaded.
    pub fn lookup_path(&self, path: &Path) -> Option<(String, crate::Kind)> {
        let (record, stamp) = self.path_record(path)?;
        let text = std::fs::read_to_string(record).ok()?;
        let mut parts = text.split_whitespace();
        if parts.next()? != stamp {
            return None;
        }
        let hash = parts.next()?.to_string();
        let kind = match parts.next()? {
            "module" => crate::Kind::Module,
            "component" => crate::Kind::Component,
            "module-text" => crate::Kind::ModuleText,
            "component-text" => crate::Kind::ComponentText,
            _ => return None,
        };
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some((hash, kind))
    }

    /// Records `path`'s content hash for [`Cache::lookup_path`]. Best effort.
    pub fn remember_path(&self, path: &Path, hash: &str, kind: crate::Kind) {
        let name = match kind {
            crate::Kind::Module => "module",
            crate::Kind::Component => "component",
            crate::Kind::ModuleText => "module-text",
            crate::Kind::ComponentText => "component-text",
            crate::Kind::Precompiled(_) => return,
        };
        if let Some((record, stamp)) = self.path_record(path) {
            let _ = std::fs::create_dir_all(self.root.join(LAYOUT).join("paths"));
            let _ = write_atomic(&record, format!("{stamp} {hash} {name}\n").as_bytes());
        }
    }

    /// (record file, stamp) for a path: the record is named by the canonical path's hash; the
    /// stamp is `len-mtime_ns-inode`.
    fn path_record(&self, path: &Path) -> Option<(PathBuf, String)> {
        let canon = path.canonicalize().ok()?;
        let meta = std::fs::metadata(&canon).ok()?;
        let mtime = meta.modified().ok()?.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_nanos();
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let ino = 0u64;
        let key = sha256_hex(canon.to_string_lossy().as_bytes());
        Some((self.root.join(LAYOUT).join("paths").join(&key[..32]), format!("{}-{mtime}-{ino}", meta.len())))
    }

    /// Every entry (all fingerprints): (code path, sum path, size, mtime, ours).
    fn entries(&self) -> Vec<(PathBuf, PathBuf, u64, SystemTime, bool)> {
        let mut out = Vec::new();
        let Ok(fps) = std::fs::read_dir(self.root.join(LAYOUT)) else { return out };
        for fp in fps.flatten() {
            let ours = fp.file_name().to_string_lossy() == self.fingerprint;
            let Ok(files) = std::fs::read_dir(fp.path()) else { continue };
            for f in files.flatten() {
                let p = f.path();
                if p.extension().and_then(|e| e.to_str()) != Some("cwasm") {
                    continue;
                }
                let Ok(meta) = f.metadata() else { continue };
                let sum = p.with_extension("sum");
                out.push((p, sum, meta.len(), meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), ours));
            }
        }
        out
    }

    /// Deletes least recently used entries until the cache fits its bound. `keep` is never
    /// deleted (the entry just written).
    pub fn trim(&self, keep: Option<&Path>) -> u64 {
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.2).sum();
        if total <= self.max_bytes {
            return 0;
        }
        entries.sort_by_key(|e| e.3);
        let mut removed = 0;
        for (code, sum, size, _, _) in entries {
            if total <= self.max_bytes {
                break;
            }
            if Some(code.as_path()) == keep {
                continue;
            }
            remove_pair(&code, &sum);
            total = total.saturating_sub(size);
            removed += 1;
        }
        removed
    }

    pub fn stats(&self) -> Stats {
        let entries = self.entries();
        Stats {
            dir: self.root.clone(),
            entries: entries.iter().filter(|e| e.4).count() as u64,
            bytes: entries.iter().map(|e| e.2).sum(),
            max_bytes: self.max_bytes,
            foreign_entries: entries.iter().filter(|e| !e.4).count() as u64,
            engine_fingerprint: self.fingerprint.clone(),
        }
    }

    /// Removes every entry (all fingerprints). Returns (entries, bytes) removed.
    pub fn clear(&self) -> std::io::Result<(u64, u64)> {
        let entries = self.entries();
        let n = entries.len() as u64;
        let bytes = entries.iter().map(|e| e.2).sum();
        match std::fs::remove_dir_all(self.root.join(LAYOUT)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok((n, bytes))
    }
}

/// `"<len> <sha256>"` of the whole file when small, else of its length, head and tail.
fn checksum(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let mut h = Sha256::new();
    h.update(len.to_le_bytes());
    if len <= FULL_CHECK_MAX {
        let mut buf = Vec::with_capacity(len as usize);
        f.read_to_end(&mut buf)?;
        h.update(&buf);
    } else {
        let mut buf = vec![0u8; EDGE as usize];
        f.read_exact(&mut buf)?;
        h.update(&buf);
        f.seek(SeekFrom::Start(len - EDGE))?;
        f.read_exact(&mut buf)?;
        h.update(&buf);
    }
    Ok(format!("{len} {}", hex::encode(h.finalize())))
}

fn remove_pair(code: &Path, sum: &Path) {
    let _ = std::fs::remove_file(sum);
    let _ = std::fs::remove_file(code);
}

fn touch(path: &Path) {
    if let Ok(f) = std::fs::File::options().append(true).open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()));
    let result = (|| {
        // No fsync: after a crash a torn entry fails its checksum and is recompiled.
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::{EngineOptions, Loaded, Runtime};

    const WAT: &str = r#"(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))"#;

    fn rt(dir: &Path, max: u64) -> Runtime {
        Runtime::new(EngineOptions::default(), Some(dir), max).unwrap()
    }

    #[test]
    fn second_load_hits_and_corruption_recompiles() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("add.wat");
        std::fs::write(&f, WAT).unwrap();
        let cache = d.path().join("cache");
        let r = rt(&cache, u64::MAX);
        assert_eq!(r.load(&f).unwrap().source, crate::CodeSource::Compiled);
        assert_eq!(r.load(&f).unwrap().source, crate::CodeSource::CacheHit);
        assert_eq!(r.cache().unwrap().stats().entries, 1);
        // Flip a byte in the middle of the entry: detected, removed, recompiled.
        let entry = r.cache().unwrap().entries().remove(0).0;
        let mut bytes = std::fs::read(&entry).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        std::fs::write(&entry, &bytes).unwrap();
        assert_eq!(r.load(&f).unwrap().source, crate::CodeSource::Compiled);
        assert_eq!(r.load(&f).unwrap().source, crate::CodeSource::CacheHit);
        // Truncated entry.
        std::fs::write(&entry, &bytes[..10]).unwrap();
        assert_eq!(r.load(&f).unwrap().source, crate::CodeSource::Compiled);
        let loaded = r.load(&f).unwrap();
        assert!(matches!(loaded.code, Loaded::Module(_)));
    }

    #[test]
    fn path_fast_path_notices_changes() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("m.wat");
        std::fs::write(&f, WAT).unwrap();
        let r = rt(&d.path().join("cache"), u64::MAX);
        r.load(&f).unwrap();
        assert!(r.cache().unwrap().lookup_path(&f).is_some());
        assert_eq!(r.load(&f).unwrap().source, crate::CodeSource::CacheHit);
        // New content (and size): the record no longer matches and the new code is compiled.
        std::fs::write(&f, "(module (func (export \"g\")))").unwrap();
        assert!(r.cache().unwrap().lookup_path(&f).is_none());
        let l = r.load(&f).unwrap();
        assert_eq!(l.source, crate::CodeSource::Compiled);
        match l.code {
            Loaded::Module(m) => assert!(m.get_export("g").is_some()),
            Loaded::Component(_) => panic!("expected a module"),
        }
    }

    #[test]
    fn foreign_entry_with_valid_sum_is_not_trusted() {
        // An entry whose checksum matches but whose content is not wasmtime's output for this
        // engine (copied from elsewhere) is refused by wasmtime and recompiled.
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("add.wat");
        std::fs::write(&f, WAT).unwrap();
        let r = rt(&d.path().join("cache"), u64::MAX);
        let hash = sha256_hex(&wat::parse_str(WAT).unwrap());
        r.cache().unwrap().put(&hash, false, b"\x7fELF not really code").unwrap();
        assert_eq!(r.load(&f).unwrap().source, crate::CodeSource::Compiled);
        assert_eq!(r.load(&f).unwrap().source, crate::CodeSource::CacheHit);
    }

    #[test]
    fn lru_bound_evicts_oldest() {
        let d = tempfile::tempdir().unwrap();
        let cache = d.path().join("cache");
        let r = rt(&cache, u64::MAX);
        let mut files = Vec::new();
        for i in 0..3 {
            let f = d.path().join(format!("m{i}.wat"));
            std::fs::write(&f, format!("(module (func (export \"f{i}\") (result i32) i32.const {i}))")).unwrap();
            r.load(&f).unwrap();
            files.push(f);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let one = r.cache().unwrap().entries()[0].2;
        // Bound that fits two entries: loading m0 again (a hit refreshes it) then a 4th evicts m1.
        let r2 = rt(&cache, one * 2 + one / 2);
        assert_eq!(r2.load(&files[0]).unwrap().source, crate::CodeSource::CacheHit);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let f3 = d.path().join("m3.wat");
        std::fs::write(&f3, "(module (func (export \"f3\") (result i32) i32.const 3))").unwrap();
        r2.load(&f3).unwrap();
        assert_eq!(r2.cache().unwrap().stats().entries, 2);
        assert_eq!(r2.load(&files[0]).unwrap().source, crate::CodeSource::CacheHit);
        assert_eq!(r2.load(&f3).unwrap().source, crate::CodeSource::CacheHit);
    }

    #[test]
    fn concurrent_writers_leave_one_good_entry() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("add.wat");
        std::fs::write(&f, WAT).unwrap();
        let cache = d.path().join("cache");
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let f = f.clone();
                let cache = cache.clone();
                std::thread::spawn(move || {
                    let r = rt(&cache, u64::MAX);
                    for _ in 0..5 {
                        r.load(&f).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let r = rt(&cache, u64::MAX);
        assert_eq!(r.load(&f).unwrap().source, crate::CodeSource::CacheHit);
        assert_eq!(r.cache().unwrap().stats().entries, 1);
        let leftovers: Vec<_> = std::fs::read_dir(r.cache().unwrap().dir())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
