//! The repository is self-contained: a clone on its own builds and passes its tests. This
//! test fails, naming `file:line`, when a tracked file (or a new one not yet ignored) reads or
//! points at data outside the clone:
//!
//! - the project's shared data directory that sits beside the clone on development machines
//!   (`../shared`, `/work/shared`, or `shared/conformance|registries|schemas|docs|hooks`):
//!   data a test needs is copied into `fixtures/` with a PROVENANCE.md instead;
//! - a relative path that climbs above the repository root in `include_str!`/`include_bytes!`,
//!   `#[path]`, `env!("CARGO_MANIFEST_DIR")` + `.join("…")` (Rust) or `path = "…"` (Cargo.toml).
//!
//! Checked: `.rs .sh .toml .py .md .yml .yaml .json .txt .wit` files and everything under
//! `.ci/`, `scripts/` and `bench/`. Skipped: `fixtures/` (data, some of it megabyte one-liners,
//! whose PROVENANCE.md files say where it came from) and this file (its examples are the
//! patterns themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

const THIS_FILE: &str = "tests/tests/self_contained.rs";
const CHECKED_EXTENSIONS: &[&str] = &["rs", "sh", "toml", "py", "md", "yml", "yaml", "json", "txt", "wit"];
const CHECKED_DIRS: &[&str] = &[".ci/", "scripts/", "bench/"];
const SKIPPED_DIRS: &[&str] = &["fixtures/", "target/", ".git/"];
/// What lives in the shared directory beside the clone; `shared/<one of these>` is a reference
/// to it even without the leading `../`.
const SHARED_ENTRIES: &[&str] = &["conformance", "registries", "schemas", "docs", "hooks", "STYLE.md"];

fn repo_root() -> PathBuf {
    // tests/ (package tusk-tests) -> repository root
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Repository-relative paths (with `/`) of the files to check: what git tracks plus new files
/// it does not ignore; without git (an exported tree), every file under the root.
fn candidate_files(root: &Path) -> Vec<String> {
    let git = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .output();
    let mut files: Vec<String> = match git {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        _ => {
            let mut files = Vec::new();
            walk(root, root, &mut files);
            files
        }
    };
    files.retain(|p| is_checked(p));
    files.sort();
    files.dedup();
    files
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(rel) = path.strip_prefix(root) else { continue };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if !SKIPPED_DIRS.iter().any(|s| format!("{rel}/").starts_with(s)) {
                walk(root, &path, out);
            }
        } else if kind.is_file() {
            out.push(rel);
        }
    }
}

fn is_checked(rel: &str) -> bool {
    if rel == THIS_FILE || SKIPPED_DIRS.iter().any(|d| rel.starts_with(d)) {
        return false;
    }
    if CHECKED_DIRS.iter().any(|d| rel.starts_with(d)) {
        return true;
    }
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').is_some_and(|(_, ext)| CHECKED_EXTENSIONS.contains(&ext))
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Resolves `rel` against the repository-relative directory `dir` without touching the disk;
/// `None` when it climbs above the root or is absolute.
fn resolve(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.starts_with('\\') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for part in rel.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// References to the shared directory beside the clone on one line. `file_dir` is the file's
/// directory (repository-relative): a `../shared/…` that resolves to an existing path inside
/// the repository is an ordinary relative path, not a reference.
fn shared_references(line: &str, file_dir: &str, root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in line.match_indices("shared") {
        let before = &line[..i];
        let after = &line[i + "shared".len()..];
        // `shared` must be a whole path component: `Arc<shared>`, `shared_state`, `unshared/`
        // and `overshared-docs` are words, not paths.
        if after.chars().next().is_some_and(is_word_char) {
            continue;
        }
        if before.ends_with("/work/") {
            found.push("the shared directory beside the clone (absolute path)".to_string());
        } else if before.ends_with("../") || before.ends_with("..\\") {
            // The whole relative path: back to the start of the token.
            let start = before
                .rfind(|c: char| c.is_whitespace() || "\"'`()[]<>,;=".contains(c))
                .map_or(0, |p| p + 1);
            let end = i + "shared".len() + after.find(|c: char| c.is_whitespace() || "\"'`()[]<>,;:".contains(c)).unwrap_or(after.len());
            let token = &line[start..end];
            let inside = resolve(file_dir, token).is_some_and(|p| root.join(p).exists());
            if !inside {
                found.push(format!("`{token}` is the shared directory beside the clone"));
            }
        } else if let Some(rest) = after.strip_prefix('/') {
            // `shared/<entry>` at the start of a path (not `src/shared/docs`).
            let prev = before.chars().next_back();
            let starts_path = prev.is_none_or(|c| !(is_word_char(c) || c == '/' || c == '.' || c == '\\'));
            let entry = SHARED_ENTRIES.iter().find(|e| {
                rest.starts_with(**e) && !rest[e.len()..].chars().next().is_some_and(is_word_char)
            });
            if let (true, Some(entry)) = (starts_path, entry) {
                found.push(format!("`shared/{entry}` is the shared directory beside the clone"));
            }
        }
    }
    found
}

/// The string literal right after `prefix` (`include_str!("` …), up to the closing quote.
fn literals_after<'a>(line: &'a str, prefix: &str) -> Vec<&'a str> {
    line.match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = &line[i + prefix.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// The directory of the crate a file belongs to: the nearest ancestor with a Cargo.toml.
fn crate_dir(root: &Path, file: &str) -> String {
    let mut dir = parent_dir(file).to_string();
    loop {
        if root.join(&dir).join("Cargo.toml").is_file() || dir.is_empty() {
            return dir;
        }
        dir = parent_dir(&dir).to_string();
    }
}

/// `file:line: what` for every place in one file that reaches outside the repository.
fn check_file(root: &Path, rel: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let dir = parent_dir(rel);
    let is_rust = rel.ends_with(".rs");
    let is_manifest = rel.ends_with("Cargo.toml");
    let mut manifest_dir_line: Option<usize> = None;
    let mut crate_dir_cache: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let mut report = |what: String| problems.push(format!("{rel}:{}: {what}\n    {}", n + 1, line.trim()));
        for what in shared_references(line, dir, root) {
            report(what);
        }
        if is_rust {
            for prefix in ["include_str!(\"", "include_bytes!(\"", "#[path = \""] {
                for lit in literals_after(line, prefix) {
                    if resolve(dir, lit).is_none() {
                        report(format!("`{lit}` leaves the repository"));
                    }
                }
            }
            if line.contains("CARGO_MANIFEST_DIR") {
                manifest_dir_line = Some(n);
            }
            // rustfmt may put the `.join(..)` chain on the lines after `env!(..)`.
            if manifest_dir_line.is_some_and(|m| n - m <= 3) {
                let base = crate_dir_cache.get_or_insert_with(|| crate_dir(root, rel)).clone();
                let mut at = base;
                for lit in literals_after(line, ".join(\"") {
                    match resolve(&at, lit) {
                        Some(p) => at = p,
                        None => {
                            report(format!("`{lit}` (from CARGO_MANIFEST_DIR) leaves the repository"));
                            break;
                        }
                    }
                }
            }
        }
        if is_manifest {
            let trimmed = line.trim_start();
            let key = trimmed.starts_with("path") && trimmed["path".len()..].trim_start().starts_with('=');
            for lit in literals_after(line, "path = \"").into_iter().chain(literals_after(line, "path=\"")) {
                if (key || line.contains('{')) && resolve(dir, lit).is_none() {
                    report(format!("`{lit}` leaves the repository"));
                }
            }
        }
    }
    problems
}

#[test]
fn no_file_reads_outside_the_repository() {
    let root = repo_root();
    let files = candidate_files(&root);
    assert!(files.len() > 50, "found only {} files to check under {}: is this the repository?", files.len(), root.display());
    let mut problems = Vec::new();
    for rel in &files {
        let bytes = match std::fs::read(root.join(rel)) {
            Ok(b) => b,
            // Deleted in the working tree but still in the index.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("reading {rel}: {e}"),
        };
        problems.extend(check_file(&root, rel, &String::from_utf8_lossy(&bytes)));
    }
    assert!(
        problems.is_empty(),
        "{} place(s) reach outside the repository (checked {} files):\n\n{}\n\nhint: copy the data a test needs into fixtures/ with a PROVENANCE.md (source, licence) and read it from there",
        problems.len(),
        files.len(),
        problems.join("\n")
    );
}

#[cfg(test)]
mod matcher {
    use super::*;

    fn hits(line: &str) -> usize {
        shared_references(line, "docs", &repo_root()).len()
    }

    #[test]
    fn finds_references_to_the_shared_directory() {
        assert_eq!(hits("see ../shared/docs/cloud-deploy-apis.md"), 1);
        assert_eq!(hits(r#".join("../../../../shared/conformance/versions")"#), 1);
        assert_eq!(hits("cat /work/shared/STYLE.md"), 1);
        assert_eq!(hits("data in `shared/conformance/versions`"), 1);
        assert_eq!(hits("ls ../shared"), 1);
        assert_eq!(hits("it lives in ../shared."), 1);
    }

    #[test]
    fn ignores_words_that_are_not_paths() {
        assert_eq!(hits("let state: Arc<shared> = shared.clone();"), 0);
        assert_eq!(hits("shared_state/docs and unshared/docs"), 0);
        assert_eq!(hits("registry/src/shared/docs.rs"), 0);
        assert_eq!(hits("a shared/other thing, ../shared_cache, ../shared-libs"), 0);
        assert_eq!(hits("the shared directory"), 0);
    }

    #[test]
    fn a_relative_path_to_an_existing_directory_inside_is_fine() {
        let root = repo_root();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/shared/docs")).unwrap();
        assert!(shared_references("see ../shared/docs", "a/b", dir.path()).is_empty());
        assert_eq!(shared_references("see ../shared/docs", "a/b", &root).len(), 1);
    }

    #[test]
    fn flags_rust_and_cargo_paths_that_climb_out() {
        let root = repo_root();
        let rs = "let d = PathBuf::from(env!(\"CARGO_MANIFEST_DIR\"))\n    .join(\"../../..\").join(\"data\");\nlet t = include_str!(\"../../../../../x\");\n";
        let p = check_file(&root, "operators/packages/tests/x.rs", rs);
        assert_eq!(p.len(), 2, "{p:#?}");
        let ok = "let d = PathBuf::from(env!(\"CARGO_MANIFEST_DIR\")).join(\"../../fixtures/conformance/versions\");\n";
        assert!(check_file(&root, "operators/packages/tests/x.rs", ok).is_empty());
        let toml = "[dependencies]\nfoo = { path = \"../../outside\" }\nbar = { path = \"../registry\" }\n";
        let p = check_file(&root, "cli/Cargo.toml", toml);
        assert_eq!(p.len(), 1, "{p:#?}");
    }

    #[test]
    fn resolves_lexically() {
        assert_eq!(resolve("a/b", "../c").as_deref(), Some("a/c"));
        assert_eq!(resolve("a", "../../c"), None);
        assert_eq!(resolve("", "/etc/passwd"), None);
    }
}
