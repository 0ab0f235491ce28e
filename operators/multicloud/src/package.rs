//! Deterministic packaging: the same files give the same zip bytes (sorted entries, fixed
//! timestamps, unix modes with exec bits kept), so the zip's SHA-256 is a content hash that
//! decides whether anything needs uploading.

use crate::error::McError;
use crate::spec::{CloudId, Spec};
use crate::validate::language;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// One file to put in the zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `/`-separated path inside the zip.
    pub name: String,
    pub data: Vec<u8>,
    pub executable: bool,
}

/// A built package.
#[derive(Debug, Clone)]
pub struct Package {
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of `bytes`.
    pub sha256: String,
    pub files: usize,
}

impl Package {
    /// Base64 SHA-256 (what Lambda reports as CodeSha256).
    pub fn sha256_b64(&self) -> String {
        use base64::Engine;
        let raw = hex::decode(&self.sha256).unwrap_or_default();
        base64::engine::general_purpose::STANDARD.encode(raw)
    }
}

/// Collects the source files selected by include/exclude, sorted by path.
pub fn collect(spec: &Spec) -> Result<Vec<Entry>, McError> {
    let root = spec.source_dir();
    let include: Vec<String> = if spec.raw.include.is_empty() { vec!["**".into()] } else { spec.raw.include.clone() };
    let mut out = Vec::new();
    let canonical_root = std::fs::canonicalize(&root).map_err(|e| McError::Package(format!("{}: {e}", root.display())))?;
    let excluded = |rel: &str| spec.raw.exclude.iter().any(|p| glob_match(p, rel) || glob_match(p, &format!("{rel}/-")));
    let tree = Tree { root: &root, canonical_root: &canonical_root, excluded: &excluded };
    walk(&tree, &root, &mut |rel, path| {
        if !include.iter().any(|p| glob_match(p, rel)) || spec.raw.exclude.iter().any(|p| glob_match(p, rel)) {
            return Ok(());
        }
        let data = std::fs::read(path).map_err(|e| McError::Package(format!("{}: {e}", path.display())))?;
        let executable = is_executable(path);
        out.push(Entry { name: rel.to_string(), data, executable });
        Ok(())
    })?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    if out.is_empty() {
        return Err(McError::Spec {
            location: spec.location("", "include"),
            message: format!("no files selected from {}", root.display()),
            hint: Some("check source, include and exclude".into()),
        });
    }
    Ok(out)
}

/// The source tree being walked. Symlinks are followed only while they stay inside it: a link
/// to a file or directory outside the source (`/etc/passwd`, `..`) or back to one of its own
/// parents (a cycle) is refused, unless `exclude` drops it, so the zip holds only what the
/// source directory holds.
struct Tree<'a> {
    root: &'a Path,
    canonical_root: &'a Path,
    excluded: &'a dyn Fn(&str) -> bool,
}

fn walk(tree: &Tree, dir: &Path, f: &mut dyn FnMut(&str, &Path) -> Result<(), McError>) -> Result<(), McError> {
    let rd = std::fs::read_dir(dir).map_err(|e| McError::Package(format!("{}: {e}", dir.display())))?;
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let rel_path = p.strip_prefix(tree.root).unwrap_or(&p);
        let Some(rel) = rel_path.to_str() else {
            return Err(refused(&p, "its name is not UTF-8, which a zip entry name must be", "rename it, or exclude it"));
        };
        let rel = rel.replace(std::path::MAIN_SEPARATOR, "/");
        let link = std::fs::symlink_metadata(&p).map_err(|e| McError::Package(format!("{}: {e}", p.display())))?.file_type().is_symlink();
        if link {
            if (tree.excluded)(&rel) {
                continue;
            }
            let target = std::fs::canonicalize(&p).map_err(|e| refused(&p, &format!("a symlink that cannot be followed ({e})"), "fix or remove the link, or exclude it"))?;
            if !target.starts_with(tree.canonical_root) {
                return Err(refused(
                    &p,
                    &format!("a symlink to {}, outside the source directory {}", target.display(), tree.root.display()),
                    "copy what it points to into the source directory, or exclude the link",
                ));
            }
            let canonical_parent = std::fs::canonicalize(dir).unwrap_or_default();
            if target.is_dir() && canonical_parent.starts_with(&target) {
                return Err(refused(&p, &format!("a symlink to {}, one of its own parents (a loop)", target.display()), "remove the link, or exclude it"));
            }
        }
        let meta = std::fs::metadata(&p).map_err(|e| McError::Package(format!("{}: {e}", p.display())))?;
        if meta.is_dir() {
            walk(tree, &p, f)?;
        } else if meta.is_file() {
            f(&rel, &p)?;
        }
    }
    Ok(())
}

fn refused(path: &Path, why: &str, hint: &str) -> McError {
    McError::Spec { location: path.display().to_string(), message: format!("cannot package {}: {why}", path.display()), hint: Some(hint.into()) }
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).map(|m| m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}
#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    false
}

/// Glob over `/`-separated paths: `*` and `?` stay within a segment, `**` spans segments.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let segs: Vec<&str> = path.split('/').collect();
    match_segs(&pat, &segs)
}

fn match_segs(pat: &[&str], segs: &[&str]) -> bool {
    match pat.first() {
        None => segs.is_empty(),
        Some(&"**") => (0..=segs.len()).any(|i| match_segs(&pat[1..], &segs[i..])),
        Some(p) => !segs.is_empty() && match_one(p.as_bytes(), segs[0].as_bytes()) && match_segs(&pat[1..], &segs[1..]),
    }
}

fn match_one(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => match_one(&p[1..], s) || (!s.is_empty() && match_one(p, &s[1..])),
        (Some(b'?'), Some(_)) => match_one(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => match_one(&p[1..], &s[1..]),
        _ => false,
    }
}

/// The extra files a cloud needs. Azure has no handler or timeout API field: tusk writes
/// `host.json` (with `functionTimeout`) and `<name>/function.json` (HTTP trigger bound to the
/// handler) into the zip.
pub fn extras(spec: &Spec, cloud: CloudId) -> Vec<Entry> {
    if cloud != CloudId::Azure {
        return Vec::new();
    }
    let t = spec.timeout_for(cloud);
    let host = serde_json::json!({
        "version": "2.0",
        "functionTimeout": format!("{:02}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60),
        "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"}
    });
    let (module, entry) = spec.raw.handler.split_once('.').unwrap_or((spec.raw.handler.as_str(), "handler"));
    let script = match language(&spec.raw.runtime) {
        "python" => format!("../{}.py", module.replace('.', "/")),
        "node" => format!("../{module}.js"),
        _ => format!("../{module}"),
    };
    let function = serde_json::json!({
        "scriptFile": script,
        "entryPoint": entry,
        "bindings": [
            {"authLevel": "function", "type": "httpTrigger", "direction": "in", "name": "req", "methods": ["get", "post"]},
            {"type": "http", "direction": "out", "name": "$return"}
        ]
    });
    let pretty = |v: &serde_json::Value| serde_json::to_vec_pretty(v).unwrap_or_default();
    vec![
        Entry { name: "host.json".into(), data: pretty(&host), executable: false },
        Entry { name: format!("{}/function.json", spec.raw.name), data: pretty(&function), executable: false },
    ]
}

/// Builds the package for one cloud: the collected files plus that cloud's extras (which
/// replace user files of the same name).
pub fn build(files: &[Entry], extra: Vec<Entry>) -> Result<Package, McError> {
    let mut all: Vec<Entry> = files.iter().filter(|f| !extra.iter().any(|e| e.name == f.name)).cloned().collect();
    all.extend(extra);
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let bytes = zip(&all)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Package { bytes, sha256, files: all.len() })
}

/// DOS date for 1980-01-01, time 00:00:00: the fixed timestamp of every entry.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;

/// Writes a zip (deflate, or stored when deflate does not help) with deterministic headers.
pub fn zip(entries: &[Entry]) -> Result<Vec<u8>, McError> {
    let io = |e: std::io::Error| McError::Package(e.to_string());
    let mut out: Vec<u8> = Vec::new();
    let mut central: Vec<u8> = Vec::new();
    for e in entries {
        if e.name.len() > u16::MAX as usize || e.data.len() > u32::MAX as usize {
            return Err(McError::Package(format!("{}: too large for a zip without zip64", e.name)));
        }
        let crc = crc32fast::hash(&e.data);
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        enc.write_all(&e.data).map_err(io)?;
        let deflated = enc.finish().map_err(io)?;
        let (method, body): (u16, &[u8]) = if deflated.len() < e.data.len() { (8, &deflated) } else { (0, &e.data) };
        let offset = out.len() as u32;
        let name = e.name.as_bytes();
        // local file header
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: UTF-8 names
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&DOS_TIME.to_le_bytes());
        out.extend_from_slice(&DOS_DATE.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(body);
        // central directory record
        let mode: u32 = if e.executable { 0o100755 } else { 0o100644 };
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&((3u16 << 8) | 20).to_le_bytes()); // made by: unix, 2.0
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&0x0800u16.to_le_bytes());
        central.extend_from_slice(&method.to_le_bytes());
        central.extend_from_slice(&DOS_TIME.to_le_bytes());
        central.extend_from_slice(&DOS_DATE.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&(body.len() as u32).to_le_bytes());
        central.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes()); // extra
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
        central.extend_from_slice(&(mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
        if out.len() > u32::MAX as usize {
            return Err(McError::Package("package over 4 GiB".into()));
        }
    }
    let cd_offset = out.len() as u32;
    let n = entries.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

/// Entry names of a zip (from the central directory), for checks and `package --list`.
pub fn list(zip: &[u8]) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    let Some(eocd) = (0..zip.len().saturating_sub(21)).rev().find(|&i| zip[i..].starts_with(&[0x50, 0x4b, 5, 6])) else {
        return out;
    };
    let rd16 = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
    let rd32 = |i: usize| u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]);
    let n = rd16(eocd + 10);
    let mut p = rd32(eocd + 16) as usize;
    for _ in 0..n {
        if p + 46 > zip.len() || !zip[p..].starts_with(&[0x50, 0x4b, 1, 2]) {
            break;
        }
        let name_len = rd16(p + 28);
        let extra = rd16(p + 30);
        let comment = rd16(p + 32);
        let mode = rd32(p + 38) >> 16;
        let name = String::from_utf8_lossy(&zip[p + 46..p + 46 + name_len]).into_owned();
        out.push((name, mode));
        p += 46 + name_len + extra + comment;
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("**", "a/b/c.py"));
        assert!(glob_match("**/*.pyc", "x.pyc"));
        assert!(glob_match("**/*.pyc", "a/b/x.pyc"));
        assert!(glob_match("**/__pycache__/**", "a/__pycache__/x"));
        assert!(!glob_match("*.py", "a/b.py"));
        assert!(glob_match("a/?.py", "a/b.py"));
        assert!(!glob_match("tests/**", "src/tests.py"));
    }

    #[test]
    fn zip_is_deterministic_and_readable() {
        let entries = vec![
            Entry { name: "main.py".into(), data: b"def handler(e, c):\n    return e\n".repeat(20), executable: false },
            Entry { name: "bin/run".into(), data: b"#!/bin/sh\necho hi\n".to_vec(), executable: true },
        ];
        let a = build(&entries, vec![]).unwrap();
        let mut rev = entries.clone();
        rev.reverse();
        let b = build(&rev, vec![]).unwrap();
        assert_eq!(a.bytes, b.bytes);
        assert_eq!(a.sha256, b.sha256);
        assert_eq!(list(&a.bytes), vec![("bin/run".to_string(), 0o100755), ("main.py".to_string(), 0o100644)]);
        // An independent reader (Python's zipfile) agrees on contents and CRCs.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.zip");
        std::fs::write(&p, &a.bytes).unwrap();
        let out = std::process::Command::new("python3")
            .args(["-c", "import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);assert z.testzip() is None;print(len(z.read('main.py')), z.getinfo('bin/run').external_attr>>16, z.getinfo('main.py').date_time)", p.to_str().unwrap()])
            .output()
            .expect("python3 is needed for this test");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "640 33261 (1980, 1, 1, 0, 0, 0)");
        // A changed byte changes the hash.
        let mut changed = entries.clone();
        changed[0].data.push(b'\n');
        assert_ne!(build(&changed, vec![]).unwrap().sha256, a.sha256);
    }
}
