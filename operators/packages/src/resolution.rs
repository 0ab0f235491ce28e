//! Resolving gathered inputs: the registry session from flags and `[packages]` config, every
//! ecosystem at once against its registry through `tusk-resolver`, or the lockfile when it
//! can answer instead.

use crate::inputs::{Gathered, Inputs, display_path, gather};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tusk_index::{CacheMode, HttpCache, HttpOptions, IndexError, RegistryEndpoint, Secret};
use tusk_registry::{Context, Error, ErrorKind, Result};
use tusk_resolver::lock::Lockfile;
use tusk_resolver::session::{Registries, Session};
use tusk_resolver::{Ecosystem, Resolution, ResolveError};

/// `[packages]` settings used by the resolution verbs.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PackagesConfig {
    /// `[packages.registries.<eco>]`: `url`, `token`, `token_env`.
    pub registries: BTreeMap<String, RegistryConfig>,
    /// Seconds a cached registry document is used without asking again (default 600).
    pub max_age: Option<u64>,
    /// Requests in flight at once (default 32).
    pub concurrency: Option<usize>,
    /// Default crates target triple (default: the host).
    pub target: Option<String>,
    /// Requirements of a cross-ecosystem tusk.toml (`[packages.npm] express = "^4"`); read
    /// from the file by `inputs`, declared here so they are not reported as unknown keys.
    pub npm: BTreeMap<String, toml::Value>,
    pub pypi: BTreeMap<String, toml::Value>,
    pub crates: BTreeMap<String, toml::Value>,
    pub maven: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegistryConfig {
    pub url: Option<String>,
    pub token: Option<String>,
    /// The name of an environment variable holding the token.
    pub token_env: Option<String>,
}

fn endpoint(cfg: &PackagesConfig, eco: &str, default: &str) -> Result<RegistryEndpoint> {
    let Some(r) = cfg.registries.get(eco) else { return Ok(RegistryEndpoint::new(default)) };
    let token = match (&r.token, &r.token_env) {
        (Some(t), _) => Some(Secret::new(t.clone())),
        (None, Some(var)) => match std::env::var(var) {
            Ok(t) if !t.is_empty() => Some(Secret::new(t)),
            _ => {
                return Err(Error::usage(format!("[packages.registries.{eco}] token_env names `{var}`, which is not set"))
                    .at(format!("packages.registries.{eco}.token_env")));
            }
        },
        _ => None,
    };
    Ok(RegistryEndpoint::new(r.url.clone().unwrap_or_else(|| default.to_string())).with_token(token))
}

fn session(args: &Inputs, ctx: &Context, needs_python: bool) -> Result<Session> {
    let cfg: PackagesConfig = ctx.config.section("packages")?;
    let mut opts = HttpOptions::new(ctx.paths.cache("registry"));
    opts.mode = if args.offline {
        CacheMode::Offline
    } else if args.refresh {
        CacheMode::Refresh
    } else {
        CacheMode::Fresh { max_age: Duration::from_secs(args.max_age.or(cfg.max_age).unwrap_or(600)) }
    };
    if let Some(c) = cfg.concurrency {
        opts.concurrency = c.max(1);
    }
    let http = Arc::new(HttpCache::new(opts).map_err(|e| Error::failed(e.to_string()))?);
    let registries = Registries {
        crates: endpoint(&cfg, "crates", tusk_index::defaults::CRATES_INDEX)?,
        pypi: endpoint(&cfg, "pypi", tusk_index::defaults::PYPI)?,
        npm: endpoint(&cfg, "npm", tusk_index::defaults::NPM)?,
        maven: endpoint(&cfg, "maven", tusk_index::defaults::MAVEN)?,
        rubygems: endpoint(&cfg, "rubygems", tusk_index::defaults::RUBYGEMS)?,
    };
    let target = match args.target.as_ref().or(cfg.target.as_ref()) {
        Some(t) => {
            let t = tusk_resolver::crates::Target::new(t);
            if !t.is_known() {
                return Err(Error::usage(format!("unknown target triple `{}`", t.triple)).at("--target").with_hint("use a rustc target triple such as x86_64-unknown-linux-gnu"));
            }
            t
        }
        None => tusk_resolver::crates::Target::host(),
    };
    let python = match &args.python {
        Some(p) => p.clone(),
        // Asking python3 costs a process start: only when PyPI is being resolved.
        None if needs_python => host_python().unwrap_or_else(|| "3.12".into()),
        None => "3.12".into(),
    };
    let mut pypi = tusk_resolver::pypi::PypiOptions { python, platform: args.platform.clone().unwrap_or_else(host_platform), ..Default::default() };
    if args.prerelease.as_deref() == Some("allow") {
        pypi.prerelease = tusk_resolver::pypi::PrereleaseMode::Allow;
    }
    if let Some(ts) = &args.exclude_newer {
        let parsed = time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
            .map_err(|e| Error::usage(format!("`{ts}` is not an RFC 3339 timestamp: {e}")).at("--exclude-newer").with_hint("for example 2024-06-01T00:00:00Z"))?;
        let utc = parsed.to_offset(time::UtcOffset::UTC);
        pypi.exclude_newer = Some(utc.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| ts.clone()));
    }
    let mut npm = tusk_resolver::npm::NpmOptions { legacy_peer_deps: args.legacy_peer_deps, ..Default::default() };
    if let Some(d) = &args.before {
        npm.before = Some(rfc3339_utc(d).map_err(|e| Error::usage(format!("`{d}` is not a date: {e}")).at("--before").with_hint("for example 2024-06-01 or 2024-06-01T12:00:00Z"))?);
    }
    let rubygems = tusk_resolver::rubygems::RubygemsOptions::new(args.gem_platform.as_deref(), args.ruby.as_deref())
        .map_err(|e| Error::usage(e).at("--ruby").with_hint("for example --ruby 3.3.0"))?;
    Ok(Session { http, registries, crates: tusk_resolver::crates::CratesOptions { target }, pypi, npm, rubygems, cancel: ctx.cancel.clone() })
}

/// A date (`2024-06-01`, midnight UTC) or RFC 3339 time, as RFC 3339 in UTC with millis, the
/// form npm's `time` map uses, so the two compare as strings.
fn rfc3339_utc(s: &str) -> std::result::Result<String, String> {
    use time::format_description::well_known::Rfc3339;
    let t = match time::OffsetDateTime::parse(s, &Rfc3339) {
        Ok(t) => t,
        Err(_) => {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            let d = time::Date::parse(s, &fmt).map_err(|e| e.to_string())?;
            d.midnight().assume_utc()
        }
    };
    let t = t.to_offset(time::UtcOffset::UTC);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.format(&fmt).map_err(|e| e.to_string())
}

/// `major.minor` of this machine's `python3`, if there is one.
fn host_python() -> Option<String> {
    let out = std::process::Command::new("python3").args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).output().ok()?;
    let v = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !v.is_empty()).then_some(v)
}

/// This machine's platform tag, as a wheel tag.
fn host_platform() -> String {
    let arch = std::env::consts::ARCH;
    match std::env::consts::OS {
        "macos" => format!("macosx_14_0_{}", if arch == "aarch64" { "arm64" } else { arch }),
        "windows" => if arch == "aarch64" { "win_arm64".into() } else { "win_amd64".into() },
        _ => format!("manylinux_2_28_{arch}"),
    }
}

/// Maps a resolver error to the operator's error, with the right exit code and hint.
fn resolve_error(eco: Ecosystem, e: ResolveError) -> Error {
    let hint = e.hint();
    let err = match &e {
        ResolveError::Input { location, message } => Error::usage(message.clone()).at(location.clone()),
        ResolveError::Index(ie) if matches!(**ie, IndexError::NotFound { .. }) => Error::usage(e.to_string()),
        ResolveError::Cancelled => Error::interrupted(),
        ResolveError::NoSolution { report, .. } => Error::failed(format!("no solution for the {eco} requirements:\n{report}")),
        _ => Error::failed(format!("{eco}: {e}")),
    };
    match hint {
        Some(h) if err.kind != ErrorKind::Interrupted => err.with_hint(h),
        _ => err,
    }
}

/// Resolves every ecosystem of `gathered` concurrently; all failures are reported together.
pub async fn resolve_all(args: &Inputs, gathered: &Gathered, ctx: &Context) -> Result<Vec<Resolution>> {
    if gathered.inputs.is_empty() {
        return Err(Error::usage("nothing to resolve: the inputs have no registry requirements").with_hint("pass specs such as crates:serde@1"));
    }
    let s = session(args, ctx, gathered.inputs.contains_key(&Ecosystem::Pypi))?;
    let mut tasks = Vec::new();
    for (eco, roots) in gathered.inputs.clone() {
        let task = ctx.progress.task(format!("resolving {eco} ({} requirements)", roots.len()));
        let s = s.clone();
        tasks.push((eco, task, tokio::spawn(async move { s.resolve(eco, roots).await })));
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (eco, task, handle) in tasks {
        let r = tokio::select! {
            r = handle => r.unwrap_or_else(|e| Err(ResolveError::Internal(format!("resolver task: {e}")))),
            _ = ctx.cancel.cancelled() => Err(ResolveError::Cancelled),
        };
        match r {
            Ok(res) => {
                task.ok(format!("{eco}: {} packages in {}ms", res.packages.len(), res.stats.millis));
                out.push(res);
            }
            Err(e) => {
                task.fail(format!("{eco}: failed"));
                errors.push(resolve_error(eco, e));
            }
        }
    }
    if ctx.cancel.is_cancelled() {
        return Err(Error::interrupted());
    }
    match errors.len() {
        0 => Ok(out),
        1 => Err(errors.remove(0)),
        _ => {
            let kind = if errors.iter().any(|e| e.kind == ErrorKind::Usage) { ErrorKind::Usage } else { ErrorKind::Failed };
            let msg = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("\n\n");
            Err(Error::new(kind, msg))
        }
    }
}

/// The lockfile at `path`, or `None` when there is none.
pub fn read_lock(path: &Path) -> Result<Option<Lockfile>> {
    use tusk_registry::fsutil::CappedTextError;
    let shown = display_path(path);
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::failed(format!("cannot read {}: {e}", path.display()))),
    };
    let text = tusk_registry::fsutil::read_text_capped(file, MAX_LOCK_BYTES).map_err(|e| match e {
        CappedTextError::Io(e) => Error::failed(format!("cannot read {}: {e}", path.display())),
        CappedTextError::TooLarge => Error::usage(format!(
            "larger than {} MiB, the most tusk reads as a lockfile (is this the right file? `tusk @packages lock` writes a new one)",
            MAX_LOCK_BYTES >> 20
        ))
        .at(shown.clone()),
        CappedTextError::NotUtf8 { line, offset } => {
            Error::usage(format!("not UTF-8 text (invalid byte at offset {offset}); a lockfile is TOML written by `tusk @packages lock`")).at(format!("{shown}:{line}"))
        }
    })?;
    Lockfile::parse(&text, &shown).map(Some).map_err(|e| Error::usage(e.to_string()).at(shown))
}

/// Largest tusk.lock read: a lock holds one short table per package (a few hundred bytes), so
/// 32 MiB is over 50,000 packages, past the largest monorepos' npm locks; parsing costs several
/// times the size in memory, so a runaway file is refused before it is read whole.
pub const MAX_LOCK_BYTES: u64 = 32 << 20;

/// The lockfile's resolutions when the inputs include manifests and a lockfile exists, else a
/// fresh resolution (`tree` and `why`).
pub async fn locked_or_resolved(args: &Inputs, ctx: &Context) -> Result<Vec<Resolution>> {
    let gathered = gather(args)?;
    if !args.only_specs() && let Some(lock) = read_lock(&gathered.lock_path)? {
        return Ok(lock.resolutions());
    }
    resolve_all(args, &gathered, ctx).await
}
