//! Process plugins: discovery on disk, `--tusk-describe`, and running them.

use super::{PluginDescription, PluginKind, PluginRecord, PluginSource, validate_description};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::paths::env;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Executable name prefix.
pub const PREFIX: &str = "tusk-";
/// How long a plugin may take to describe itself.
pub const DESCRIBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Finds `tusk-<name>` executables in `plugin_dir`, then on `path_var` (PATH). The first
/// found for a name wins; the plugin directory comes first.
pub fn discover(plugin_dir: &Path, path_var: Option<&std::ffi::OsStr>) -> Vec<(String, PathBuf, PluginSource)> {
    let mut found: Vec<(String, PathBuf, PluginSource)> = Vec::new();
    let mut dirs = vec![(plugin_dir.to_path_buf(), PluginSource::PluginDir)];
    if let Some(p) = path_var {
        dirs.extend(std::env::split_paths(p).map(|d| (d, PluginSource::Path)));
    }
    for (dir, source) in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut names: Vec<(String, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let file_name = e.file_name().to_string_lossy().into_owned();
                let name = file_name.strip_prefix(PREFIX)?.to_string();
                if !super::valid_name(&name) || !is_executable(&e.path()) {
                    return None;
                }
                Some((name, e.path()))
            })
            .collect();
        names.sort();
        for (name, path) in names {
            if !found.iter().any(|(n, _, _)| *n == name) {
                found.push((name, path, source.clone()));
            }
        }
    }
    found
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Describe results cached by (path, size, mtime), so `tusk operators` does not spawn every
/// plugin on every call.
#[derive(Debug, Default, Serialize, Deserialize)]
struct DescribeCache {
    entries: BTreeMap<String, CachedDescribe>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CachedDescribe {
    size: u64,
    mtime_ns: u128,
    description: PluginDescription,
}

fn stamp(path: &Path) -> Option<(u64, u128)> {
    let m = std::fs::metadata(path).ok()?;
    let mtime = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    Some((m.len(), mtime))
}

/// Loads records for discovered process plugins, using and refreshing the describe cache.
pub fn load_records(found: Vec<(String, PathBuf, PluginSource)>, cache_file: &Path) -> Vec<PluginRecord> {
    let mut cache: DescribeCache =
        std::fs::read(cache_file).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    let mut dirty = false;
    let mut out = Vec::new();
    for (name, path, source) in found {
        let key = path.display().to_string();
        let st = stamp(&path);
        let cached = match (cache.entries.get(&key), st) {
            (Some(c), Some((size, mtime))) if c.size == size && c.mtime_ns == mtime => Some(c.description.clone()),
            _ => None,
        };
        let description = match cached {
            Some(d) => Ok(d),
            None => {
                let d = describe(&path);
                if let (Ok(desc), Some((size, mtime_ns))) = (&d, st) {
                    cache.entries.insert(key, CachedDescribe { size, mtime_ns, description: desc.clone() });
                    dirty = true;
                }
                d
            }
        };
        out.push(PluginRecord { name, kind: PluginKind::Process, path, source, description, grants: None });
    }
    if dirty {
        if let Some(dir) = cache_file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(bytes) = serde_json::to_vec(&cache) {
            let _ = crate::fsutil::write_atomic(cache_file, &bytes);
        }
    }
    out
}

/// Largest `--tusk-describe` answer read (stdout; stderr is read to the same bound): a
/// description is a few kilobytes of JSON, so 1 MiB is far past any real one.
pub const MAX_DESCRIBE_BYTES: u64 = 1 << 20;

/// Reads `pipe` to its end on a thread, keeping at most [`MAX_DESCRIBE_BYTES`] + 1 bytes and
/// discarding the rest, so the plugin never blocks on a full pipe while tusk waits for it
/// (reading only after the exit deadlocked on any answer over the 64 KiB pipe buffer).
fn drain(pipe: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut pipe = pipe;
        let mut buf = Vec::new();
        let r = (&mut pipe).take(MAX_DESCRIBE_BYTES + 1).read_to_end(&mut buf).and_then(|_| std::io::copy(&mut pipe, &mut std::io::sink()));
        let _ = tx.send(r.map(|_| buf));
    });
    rx
}

/// Runs `<path> --tusk-describe` and parses its JSON.
pub fn describe(path: &Path) -> std::result::Result<PluginDescription, String> {
    let mut child = std::process::Command::new(path)
        .arg("--tusk-describe")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {} --tusk-describe: {e}", path.display()))?;
    let start = std::time::Instant::now();
    let late = || format!("`--tusk-describe` did not finish within {}s", DESCRIBE_TIMEOUT.as_secs());
    let (stdout, stderr) = match (child.stdout.take(), child.stderr.take()) {
        (Some(o), Some(e)) => (drain(o), drain(e)),
        _ => return Err(format!("cannot read the output of {} --tusk-describe", path.display())),
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() > DESCRIBE_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(late());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for {}: {e}", path.display())),
        }
    };
    // The pipes close when the plugin exits, unless it left a child holding them: the same
    // deadline bounds that wait (the reader threads then end with the pipe).
    let collect = |rx: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>| -> std::result::Result<Vec<u8>, String> {
        let left = DESCRIBE_TIMEOUT.saturating_sub(start.elapsed()).max(Duration::from_millis(100));
        match rx.recv_timeout(left) {
            Ok(r) => r.map_err(|e| format!("cannot read the output of {} --tusk-describe: {e}", path.display())),
            Err(_) => Err(late()),
        }
    };
    let (stdout, stderr) = (collect(stdout)?, collect(stderr)?);
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr[..stderr.len().min(MAX_DESCRIBE_BYTES as usize)]);
        let last = stderr.lines().last().unwrap_or("").trim();
        let last = super::shown(&last.chars().take(200).collect::<String>());
        return Err(format!(
            "`--tusk-describe` exited with {}{}",
            status.code().map(|c| c.to_string()).unwrap_or_else(|| "a signal".into()),
            if last.is_empty() { String::new() } else { format!(": {last}") }
        ));
    }
    if stdout.len() as u64 > MAX_DESCRIBE_BYTES {
        return Err(format!("`--tusk-describe` printed over {} MiB (a description is a few KiB of JSON)", MAX_DESCRIBE_BYTES >> 20));
    }
    // JSON first (serde_json's nesting limit reports a 100,000-deep value as such), then the
    // description's types, with their line and column.
    let invalid = |e: serde_json::Error| format!("`--tusk-describe` printed invalid JSON ({e})");
    serde_json::from_slice::<serde_json::Value>(&stdout).map_err(invalid)?;
    let d: PluginDescription = serde_json::from_slice(&stdout).map_err(invalid)?;
    validate_description(&d)?;
    Ok(d)
}

/// The global settings passed to a process plugin as environment variables.
#[derive(Debug, Clone)]
pub struct PluginEnv {
    pub output: String,
    pub dry_run: bool,
    pub verbosity: i8,
    pub color: String,
    pub no_progress: bool,
    pub invoked_as: String,
    pub config: Option<PathBuf>,
    pub home: PathBuf,
}

impl PluginEnv {
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![
            (env::TUSK_OUTPUT, self.output.clone()),
            (env::TUSK_DRY_RUN, if self.dry_run { "1" } else { "0" }.to_string()),
            (env::TUSK_VERBOSE, self.verbosity.to_string()),
            (env::TUSK_COLOR, self.color.clone()),
            (env::TUSK_NO_PROGRESS, if self.no_progress { "1" } else { "0" }.to_string()),
            (env::TUSK_INVOKED_AS, self.invoked_as.clone()),
            (env::TUSK_VERSION, env!("CARGO_PKG_VERSION").to_string()),
            (env::TUSK_PLUGIN_ABI, super::PLUGIN_ABI.to_string()),
            (env::TUSK_HOME, self.home.display().to_string()),
        ];
        if let Some(c) = &self.config {
            v.push((env::TUSK_CONFIG, c.display().to_string()));
        }
        v
    }
}

/// Runs a process plugin with inherited stdio. On Unix the plugin replaces the tusk process
/// (like cargo's external subcommands), so signals reach it directly and its exit code is
/// the exit code; this returns only when the exec itself failed. Elsewhere tusk waits for it
/// and forwards the code.
pub fn run(record: &PluginRecord, args: &[String], penv: &PluginEnv) -> Result<ExitStatus> {
    if let Err(why) = &record.description {
        return Err(Error::failed(format!("plugin `{}` cannot be used: {why}", record.name))
            .at(record.path.display().to_string())
            .with_hint(format!("check it with `{} --tusk-describe`, or remove it with `tusk plugin remove {}`", record.path.display(), record.name)));
    }
    let mut cmd = std::process::Command::new(&record.path);
    cmd.args(args);
    for (k, v) in penv.vars() {
        cmd.env(k, v);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        Err(Error::failed(format!("cannot start plugin `{}`: {e}", record.name)).at(record.path.display().to_string()))
    }
    #[cfg(not(unix))]
    {
        let status = cmd
            .status()
            .map_err(|e| Error::failed(format!("cannot start plugin `{}`: {e}", record.name)).at(record.path.display().to_string()))?;
        Ok(exit_of(status))
    }
}

#[cfg_attr(unix, allow(dead_code))]
fn exit_of(status: std::process::ExitStatus) -> ExitStatus {
    if let Some(code) = status.code() {
        return match code {
            0 => ExitStatus::Success,
            c => ExitStatus::Code(u8::try_from(c).unwrap_or(1)),
        };
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            // Shell convention: 128 + signal number (SIGINT -> 130).
            return ExitStatus::Code(u8::try_from(128 + sig).unwrap_or(1));
        }
    }
    ExitStatus::Failure
}
