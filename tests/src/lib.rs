#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
//! Test support for tusk's end-to-end suites.
//!
//! [`TestContext`] runs the real `tusk` binary in a temporary home: `HOME` and every XDG
//! directory point inside a fresh temp dir, the environment is cleared except for `PATH`, and
//! the working directory is an empty `work/` folder. [`tusk_snapshot!`] runs a command and
//! snapshots exit code, stdout and stderr together, with temp paths replaced by `[HOME]`,
//! `[WORK]` and `[ROOT]`, so the same snapshot holds on every machine.
//!
//! ```ignore
//! let ctx = tusk_tests::test_context!();
//! tusk_tests::tusk_snapshot!(ctx, ctx.tusk(["operators"]), @"...");
//! ```
//!
//! [`FixtureServer`] is the one local package-registry server, for these suites and for the
//! `@packages` crates' own tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub mod fixture_server;
pub use fixture_server::FixtureServer;

/// `fixtures/<rel>` of this repository (data only; see each folder's PROVENANCE.md).
pub fn fixtures(rel: impl AsRef<Path>) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(rel)
}

/// A temporary home for one test.
pub struct TestContext {
    root: tempfile::TempDir,
    bin: PathBuf,
    extra_env: Vec<(String, String)>,
    extra_filters: Vec<(String, String)>,
}

/// Creates a [`TestContext`] for the `tusk` binary of the calling package.
#[macro_export]
macro_rules! test_context {
    () => {
        $crate::TestContext::new(env!("CARGO_BIN_EXE_tusk"))
    };
}

impl TestContext {
    pub fn new(bin: impl Into<PathBuf>) -> Self {
        let root = tempfile::Builder::new().prefix("tusk-tests-").tempdir().expect("create temp dir");
        for d in ["home", "work", "home/.config", "home/.local/share", "home/.cache", "home/.local/state"] {
            std::fs::create_dir_all(root.path().join(d)).expect("create test dirs");
        }
        TestContext { root, bin: bin.into(), extra_env: Vec::new(), extra_filters: Vec::new() }
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }
    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }
    /// The working directory commands run in.
    pub fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }
    pub fn bin(&self) -> &Path {
        &self.bin
    }
    pub fn config_dir(&self) -> PathBuf {
        self.home().join(".config/tusk")
    }
    pub fn data_dir(&self) -> PathBuf {
        self.home().join(".local/share/tusk")
    }
    pub fn cache_dir(&self) -> PathBuf {
        self.home().join(".cache/tusk")
    }
    pub fn state_dir(&self) -> PathBuf {
        self.home().join(".local/state/tusk")
    }

    /// Sets an environment variable for every command of this context.
    pub fn env(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.extra_env.push((key.into(), value.into()));
        self
    }

    /// Adds a snapshot filter (regex, replacement), e.g. for a server's random port.
    pub fn filter(&mut self, regex: impl Into<String>, replacement: impl Into<String>) -> &mut Self {
        self.extra_filters.push((regex.into(), replacement.into()));
        self
    }

    /// Writes a file relative to the work dir (creating folders) and returns its path.
    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.work().join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("create parent dir");
        }
        std::fs::write(&p, contents).expect("write test file");
        p
    }

    /// A `tusk` command in this context's home and work dir, with a clean environment.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        let home = self.home();
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("USER", "tester")
            .env("LANG", "C.UTF-8")
            .env("TERM", "dumb")
            .env("COLUMNS", "100")
            .current_dir(self.work())
            .stdin(Stdio::null());
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    /// `tusk <args…>`.
    pub fn tusk<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut c = self.command();
        c.args(args);
        c
    }

    /// Filters that make output machine-independent.
    pub fn filters(&self) -> Vec<(String, String)> {
        let mut f = Vec::new();
        // Longest first: the work and home dirs are inside the root.
        let canon = |p: PathBuf| std::fs::canonicalize(&p).unwrap_or(p);
        for (p, name) in [(self.work(), "[WORK]"), (self.home(), "[HOME]"), (self.root().to_path_buf(), "[ROOT]")] {
            let canonical = canon(p.clone());
            if canonical != p {
                f.push((escape(&canonical.display().to_string()), name.to_string()));
            }
            f.push((escape(&p.display().to_string()), name.to_string()));
        }
        f.push((escape(&self.bin.display().to_string()), "[TUSK]".to_string()));
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default();
        f.push((escape(&repo.display().to_string()), "[REPO]".to_string()));
        f.push((r"\[REPO\]/cli/\.\.".to_string(), "[REPO]".to_string()));
        // Durations and timestamps vary run to run.
        f.push((r"\b\d+(\.\d+)?(ms|s)\b".to_string(), "[TIME]".to_string()));
        f.push((r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z".to_string(), "[TIMESTAMP]".to_string()));
        f.push((r"tusk \d+\.\d+\.\d+".to_string(), "tusk [VERSION]".to_string()));
        f.extend(self.extra_filters.iter().cloned());
        f
    }
}

/// Escapes regex metacharacters in a literal.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The result of running a command: exit code and both streams.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The snapshot text: exit code, stdout and stderr together.
    pub fn snapshot_text(&self) -> String {
        format!(
            "success: {}\nexit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
            self.code == Some(0),
            self.code.map(|c| c.to_string()).unwrap_or_else(|| "signal".into()),
            self.stdout,
            self.stderr
        )
    }
    /// stdout parsed as JSON (panics with the output when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

/// Runs a command to completion, optionally feeding stdin.
pub fn run(cmd: &mut Command, stdin: Option<&[u8]>) -> Run {
    use std::io::Write;
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for tusk");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a `tusk` command and snapshots exit code, stdout and stderr with the context's
/// filters. Returns the [`Run`] for further assertions.
#[macro_export]
macro_rules! tusk_snapshot {
    ($ctx:expr, $cmd:expr, stdin = $stdin:expr, @$snap:literal) => {{
        let run = $crate::run(&mut $cmd, Some($stdin));
        let filters = $ctx.filters();
        let filters: Vec<(&str, &str)> = filters.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        $crate::insta::with_settings!({ filters => filters, prepend_module_to_snapshot => false }, {
            $crate::insta::assert_snapshot!(run.snapshot_text(), @$snap);
        });
        run
    }};
    ($ctx:expr, $cmd:expr, @$snap:literal) => {{
        let run = $crate::run(&mut $cmd, None);
        let filters = $ctx.filters();
        let filters: Vec<(&str, &str)> = filters.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        $crate::insta::with_settings!({ filters => filters, prepend_module_to_snapshot => false }, {
            $crate::insta::assert_snapshot!(run.snapshot_text(), @$snap);
        });
        run
    }};
    ($ctx:expr, $cmd:expr) => {{
        let run = $crate::run(&mut $cmd, None);
        let filters = $ctx.filters();
        let filters: Vec<(&str, &str)> = filters.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        $crate::insta::with_settings!({ filters => filters }, {
            $crate::insta::assert_snapshot!(run.snapshot_text());
        });
        run
    }};
}

#[doc(hidden)]
pub use insta;
