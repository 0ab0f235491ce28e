//! The resolution verbs: `resolve`, `lock`, `tree`, `why` (issue 5). They gather requirements
//! from specs, manifests and directories, resolve every ecosystem concurrently against its
//! registry through `tusk-resolver`, and print, lock or explain the result.

use clap::Subcommand;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tusk_index::{CacheMode, HttpCache, HttpOptions, IndexError, RegistryEndpoint, Secret};
use tusk_registry::{Cell, Context, Error, ErrorKind, Output, Result, Style};
use tusk_resolver::lock::Lockfile;
use tusk_resolver::session::{Registries, Session};
use tusk_resolver::{Ecosystem, Resolution, ResolveError, RootReq};

/// `[packages]` settings used by these verbs.
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
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegistryConfig {
    pub url: Option<String>,
    pub token: Option<String>,
    /// The name of an environment variable holding the token.
    pub token_env: Option<String>,
}

/// What to resolve and how to reach the registries.
#[derive(clap::Args, Debug, Clone)]
pub struct Inputs {
    /// Requirement specs (`crates:serde@1`, `npm:express@^4`, `pypi:"requests>=2.31"`),
    /// manifest files (Cargo.toml, package.json, pyproject.toml, requirements.txt, tusk.toml)
    /// or directories (every manifest below them). Default: the current directory.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Use cached registry documents only; fail naming what is missing.
    #[arg(long)]
    pub offline: bool,
    /// Fetch every registry document again, ignoring the cache.
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,
    /// Use cached documents younger than this many seconds without asking the registry
    /// (default 600, or [packages] max_age).
    #[arg(long, value_name = "SECONDS")]
    pub max_age: Option<u64>,
    /// crates: the target triple for `[target.'cfg(..)'.dependencies]` (default: this machine).
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// PyPI: the target Python version for markers and requires-python (default: this
    /// machine's python3, else 3.12).
    #[arg(long, value_name = "VERSION")]
    pub python: Option<String>,
    /// PyPI: the target platform tag (default: this machine, e.g. manylinux_2_28_x86_64).
    #[arg(long, value_name = "TAG")]
    pub platform: Option<String>,
    /// PyPI: `allow` takes prereleases everywhere; the default takes them only when a
    /// requirement names one or nothing else satisfies it.
    #[arg(long, value_name = "POLICY", value_parser = ["if-necessary-or-explicit", "allow"])]
    pub prerelease: Option<String>,
    /// PyPI: ignore files uploaded after this RFC 3339 timestamp (2024-06-01T00:00:00Z).
    #[arg(long, value_name = "TIMESTAMP")]
    pub exclude_newer: Option<String>,
    /// npm: only versions published at or before this date (RFC 3339 or YYYY-MM-DD), like
    /// `npm install --before`.
    #[arg(long, value_name = "DATE")]
    pub before: Option<String>,
    /// The lockfile (default: tusk.lock beside the first directory or manifest given, or in
    /// the current directory).
    #[arg(long, value_name = "PATH")]
    pub lock_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum ResolveVerb {
    /// Resolve dependencies against the live registries and print the chosen versions.
    #[command(
        long_about = "Resolves the requirements of every ecosystem given (specs, manifests or a directory of manifests) against its registry with PubGrub, all ecosystems at once, and prints the chosen versions.\nWith --locked, checks without the network that tusk.lock still satisfies the inputs and fails if it does not.\nWhen no solution exists, explains why in the ecosystem's terms.",
        after_long_help = "Examples:\n  tusk @packages resolve crates:serde@1 crates:tokio[full]@1\n  tusk @packages resolve .                       # every manifest in the repository\n  tusk @packages resolve Cargo.toml --tree\n  tusk @packages resolve --locked                # does tusk.lock still match? (no network)\n  tusk @packages resolve --offline -o json crates:rand@0.8"
    )]
    Resolve {
        #[command(flatten)]
        inputs: Inputs,
        /// Check tusk.lock against the inputs instead of resolving (no network).
        #[arg(long)]
        locked: bool,
        /// Print a dependency tree instead of a table.
        #[arg(long)]
        tree: bool,
    },
    /// Resolve and write tusk.lock (deterministic TOML with integrity hashes and edges).
    #[command(after_long_help = "Examples:\n  tusk @packages lock\n  tusk @packages lock backend/ frontend/ --lock-file tusk.lock\n  tusk @packages lock crates:serde[derive]@1")]
    Lock {
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Print the dependency tree (from tusk.lock when it exists, else by resolving).
    #[command(after_long_help = "Examples:\n  tusk @packages tree\n  tusk @packages tree --depth 1 crates:serde[derive]@1")]
    Tree {
        #[command(flatten)]
        inputs: Inputs,
        /// Show at most this many levels below the roots.
        #[arg(long, value_name = "N")]
        depth: Option<usize>,
    },
    /// Show why a package is in the resolution: the paths from your requirements to it.
    #[command(after_long_help = "Examples:\n  tusk @packages why syn\n  tusk @packages why crates:libc crates:rand@0.8")]
    Why {
        /// The package (`name`, or `<eco>:name` to pick an ecosystem).
        package: String,
        #[command(flatten)]
        inputs: Inputs,
    },
}

/// Runs one of the resolution verbs.
pub async fn run(verb: ResolveVerb, preset: Option<&str>, ctx: &Context) -> Result<Output> {
    let verb = with_preset(verb, preset);
    match verb {
        ResolveVerb::Resolve { inputs, locked, tree } => {
            let gathered = gather(&inputs)?;
            if locked {
                return check_locked(&gathered);
            }
            let resolutions = resolve_all(&inputs, &gathered, ctx).await?;
            Ok(render(&resolutions, tree, None))
        }
        ResolveVerb::Lock { inputs } => {
            let gathered = gather(&inputs)?;
            let resolutions = resolve_all(&inputs, &gathered, ctx).await?;
            let lock = Lockfile::from_resolutions(&resolutions);
            let text = lock.to_toml();
            let path = &gathered.lock_path;
            let changed = std::fs::read_to_string(path).map(|old| old != text).unwrap_or(true);
            tusk_registry::fsutil::write_atomic(path, text.as_bytes())
                .map_err(|e| Error::failed(format!("cannot write {}: {e}", path.display())).at(path.display().to_string()))?;
            let counts: Vec<String> = resolutions.iter().map(|r| format!("{} {}", r.ecosystem, r.packages.len())).collect();
            let total: usize = resolutions.iter().map(|r| r.packages.len()).sum();
            let shown = display_path(path);
            Ok(Output::new(serde_json::json!({
                "lockfile": shown,
                "changed": changed,
                "packages": total,
                "ecosystems": resolutions.iter().map(|r| serde_json::json!({"ecosystem": r.ecosystem, "packages": r.packages.len()})).collect::<Vec<_>>(),
            }))
            .text(Cell::styled(
                format!("{} {shown}: {total} packages ({})", if changed { "wrote" } else { "unchanged" }, counts.join(", ")),
                Style::Good,
            )))
        }
        ResolveVerb::Tree { inputs, depth } => {
            let resolutions = locked_or_resolved(&inputs, ctx).await?;
            Ok(render(&resolutions, true, depth))
        }
        ResolveVerb::Why { package, inputs } => {
            let resolutions = locked_or_resolved(&inputs, ctx).await?;
            why(&resolutions, &package)
        }
    }
}

/// Under an alias (`@cargo resolve serde@1`), inputs that are neither specs nor paths get the
/// alias's ecosystem.
fn with_preset(mut verb: ResolveVerb, preset: Option<&str>) -> ResolveVerb {
    let Some(eco) = preset else { return verb };
    let fix = |inputs: &mut Inputs| {
        for i in &mut inputs.inputs {
            if !is_spec(i) && !Path::new(i.as_str()).exists() {
                *i = format!("{eco}:{i}");
            }
        }
    };
    match &mut verb {
        ResolveVerb::Resolve { inputs, .. } | ResolveVerb::Lock { inputs } | ResolveVerb::Tree { inputs, .. } | ResolveVerb::Why { inputs, .. } => fix(inputs),
    }
    verb
}

/// Requirements per ecosystem and where the lock goes.
struct Gathered {
    inputs: BTreeMap<Ecosystem, Vec<RootReq>>,
    lock_path: PathBuf,
}

fn is_spec(s: &str) -> bool {
    match s.split_once(':') {
        Some((eco, _)) => eco.parse::<Ecosystem>().is_ok() && !Path::new(s).exists(),
        None => false,
    }
}

fn usage_from(e: ResolveError) -> Error {
    match e {
        ResolveError::Input { location, message } => Error::usage(message).at(location),
        other => Error::usage(other.to_string()),
    }
}

fn gather(args: &Inputs) -> Result<Gathered> {
    let cwd = std::env::current_dir().map_err(|e| Error::failed(format!("cannot read the current directory: {e}")))?;
    let given: Vec<String> = if args.inputs.is_empty() { vec![".".to_string()] } else { args.inputs.clone() };
    let mut inputs: BTreeMap<Ecosystem, Vec<RootReq>> = BTreeMap::new();
    let mut lock_dir: Option<PathBuf> = None;
    for input in &given {
        if is_spec(input) {
            let (eco, req) = tusk_resolver::inputs::parse_spec(input).map_err(|e| usage_from(e).with_hint("specs look like crates:serde@1, npm:express@^4, pypi:\"requests>=2.31\""))?;
            inputs.entry(eco).or_default().push(req);
            continue;
        }
        let path = PathBuf::from(input);
        if path.is_dir() {
            lock_dir.get_or_insert(path.clone());
            let manifests = tusk_resolver::inputs::find_manifests(&path).map_err(usage_from)?;
            let tusk_toml = path.join("tusk.toml");
            let mut any = !manifests.is_empty();
            for m in manifests {
                inputs.entry(m.ecosystem).or_default().extend(m.requirements);
            }
            if tusk_toml.is_file() {
                any |= add_tusk_toml(&tusk_toml, &mut inputs)?;
            }
            if !any {
                return Err(Error::usage(format!("no manifest found in {}", display_path(&path)))
                    .at(input.clone())
                    .with_hint("pass specs (crates:serde@1) or a directory with Cargo.toml, package.json, pyproject.toml or requirements.txt"));
            }
        } else if path.is_file() {
            lock_dir.get_or_insert(path.parent().map(Path::to_path_buf).filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| PathBuf::from(".")));
            if path.file_name().is_some_and(|n| n == "tusk.toml") {
                add_tusk_toml(&path, &mut inputs)?;
            } else {
                let m = tusk_resolver::inputs::read_manifest(&path).map_err(usage_from)?;
                inputs.entry(m.ecosystem).or_default().extend(m.requirements);
            }
        } else {
            return Err(Error::usage(format!("`{input}` is neither a requirement spec nor an existing file or directory"))
                .at(input.clone())
                .with_hint("specs start with an ecosystem: crates:serde@1, npm:express@^4, pypi:requests>=2.31"));
        }
    }
    for reqs in inputs.values_mut() {
        let mut seen = std::collections::BTreeSet::new();
        reqs.retain(|r| seen.insert((r.name.clone(), r.req.clone(), r.features.clone(), r.kind.clone(), r.condition.clone())));
    }
    inputs.retain(|_, v| !v.is_empty());
    let lock_path = match &args.lock_file {
        Some(p) => p.clone(),
        None => lock_dir.unwrap_or(cwd).join(tusk_resolver::lock::FILE_NAME),
    };
    Ok(Gathered { inputs, lock_path })
}

fn add_tusk_toml(path: &Path, inputs: &mut BTreeMap<Ecosystem, Vec<RootReq>>) -> Result<bool> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display())).at(path.display().to_string()))?;
    let found = tusk_resolver::inputs::tusk_toml(&text, &display_path(path)).map_err(usage_from)?;
    let any = !found.is_empty();
    for (eco, reqs) in found {
        inputs.entry(eco).or_default().extend(reqs);
    }
    Ok(any)
}

fn display_path(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
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
    let mut npm = tusk_resolver::npm::NpmOptions::default();
    if let Some(d) = &args.before {
        npm.before = Some(rfc3339_utc(d).map_err(|e| Error::usage(format!("`{d}` is not a date: {e}")).at("--before").with_hint("for example 2024-06-01 or 2024-06-01T12:00:00Z"))?);
    }
    Ok(Session { http, registries, crates: tusk_resolver::crates::CratesOptions { target }, pypi, npm, cancel: ctx.cancel.clone() })
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

async fn resolve_all(args: &Inputs, gathered: &Gathered, ctx: &Context) -> Result<Vec<Resolution>> {
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

fn read_lock(path: &Path) -> Result<Option<Lockfile>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Lockfile::parse(&text, &display_path(path)).map(Some).map_err(|e| Error::usage(e.to_string()).at(display_path(path))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::failed(format!("cannot read {}: {e}", path.display()))),
    }
}

async fn locked_or_resolved(args: &Inputs, ctx: &Context) -> Result<Vec<Resolution>> {
    let gathered = gather(args)?;
    let only_specs = !args.inputs.is_empty() && args.inputs.iter().all(|i| is_spec(i));
    if !only_specs && let Some(lock) = read_lock(&gathered.lock_path)? {
        return Ok(lock.resolutions());
    }
    resolve_all(args, &gathered, ctx).await
}

fn check_locked(g: &Gathered) -> Result<Output> {
    let shown = display_path(&g.lock_path);
    let Some(lock) = read_lock(&g.lock_path)? else {
        return Err(Error::usage(format!("{shown} does not exist")).at(shown).with_hint("run `tusk @packages lock` to create it"));
    };
    let flat: Vec<(Ecosystem, RootReq)> = g.inputs.iter().flat_map(|(e, rs)| rs.iter().map(move |r| (*e, r.clone()))).collect();
    let problems = tusk_resolver::lock::check(&lock, &flat);
    if !problems.is_empty() {
        return Err(Error::failed(format!("{shown} does not satisfy the inputs:\n  {}", problems.join("\n  ")))
            .at(shown)
            .with_hint("run `tusk @packages lock` to update it"));
    }
    Ok(Output::new(serde_json::json!({"lockfile": shown, "satisfied": true, "requirements": flat.len(), "packages": lock.package.len()}))
        .text(Cell::styled(format!("{shown} satisfies {} requirements ({} packages)", flat.len(), lock.package.len()), Style::Good)))
}

fn render(resolutions: &[Resolution], tree: bool, depth: Option<usize>) -> Output {
    let data = serde_json::json!({ "ecosystems": resolutions });
    let mut out = Output::new(data);
    if tree {
        for r in resolutions {
            out = out.block(tusk_registry::Block::Heading(tusk_resolver::view::heading(r.ecosystem, r)));
            out = out.lines(tusk_resolver::view::tree(r, depth));
        }
    } else {
        let mut rows = Vec::new();
        for r in resolutions {
            for p in &r.packages {
                let direct = r.root_edges.iter().any(|e| e.name == p.name && e.version == p.version);
                rows.push(vec![
                    Cell::from(r.ecosystem.name()),
                    Cell::styled(p.name.clone(), if direct { Style::Bold } else { Style::Plain }),
                    Cell::from(p.version.clone()),
                    Cell::styled(p.features.join(","), Style::Dim),
                    Cell::from(p.note.clone().unwrap_or_default()),
                ]);
            }
        }
        let total: usize = resolutions.iter().map(|r| r.packages.len()).sum();
        out = out.table(&["ECOSYSTEM", "PACKAGE", "VERSION", "FEATURES", "NOTE"], rows);
        let counts: Vec<String> = resolutions.iter().map(|r| format!("{} {}", r.ecosystem, r.packages.len())).collect();
        out = out.text(Cell::styled(format!("{total} packages ({})", counts.join(", ")), Style::Dim));
    }
    out
}

fn why(resolutions: &[Resolution], package: &str) -> Result<Output> {
    let (eco, name) = match package.split_once(':') {
        Some((e, n)) if e.parse::<Ecosystem>().is_ok() => (e.parse::<Ecosystem>().ok(), n),
        _ => (None, package),
    };
    let mut lines = Vec::new();
    let mut data = Vec::new();
    for r in resolutions.iter().filter(|r| eco.is_none_or(|e| e == r.ecosystem)) {
        for path in tusk_resolver::view::why(r, name, 20) {
            let mut rev = path.clone();
            rev.reverse();
            lines.push(Cell::from(format!("{}: {} ← your requirements", r.ecosystem, rev.join(" ← "))));
            data.push(serde_json::json!({"ecosystem": r.ecosystem, "path": path}));
        }
    }
    if lines.is_empty() {
        return Err(Error::usage(format!("`{package}` is not in the resolution")).at(package.to_string()).with_hint("check the name; `tusk @packages tree` shows every package"));
    }
    Ok(Output::new(serde_json::json!({"package": package, "paths": data})).lines(lines))
}
