//! The verbs.

use crate::cloud::{Change, Outcome, State};
use crate::deploy::{self, DeployArgs};
use crate::spec::{self, Spec};
use crate::validate;
use clap::{FromArgMatches, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use tusk_registry::{Alias, Cell, Context, Error, ExitStatus, Invocation, Operator, OperatorInfo, Output, Result, Style};

pub struct Multicloud;

#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// The function spec.
    #[arg(long, short = 'f', default_value = spec::SPEC_FILE, value_name = "PATH")]
    pub file: PathBuf,
    /// Clouds to act on (comma-separated): aws, azure, gcp. Default: the spec's `clouds`, or
    /// every cloud with a section.
    #[arg(long, value_delimiter = ',', value_name = "CLOUDS")]
    pub cloud: Vec<String>,
}

#[derive(Subcommand, Debug)]
enum Verb {
    /// Write a commented example tusk-function.toml.
    #[command(after_long_help = "Examples:\n  tusk @multicloud init\n  tusk @multicloud init --name orders-api --file fn/tusk-function.toml")]
    Init {
        /// Function name (default: the current directory's name).
        #[arg(long)]
        name: Option<String>,
        #[arg(long, short = 'f', default_value = spec::SPEC_FILE, value_name = "PATH")]
        file: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check the spec against every selected cloud's documented limits (no calls).
    #[command(after_long_help = "Examples:\n  tusk @multicloud validate\n  tusk @multicloud validate --cloud aws,gcp")]
    Validate {
        #[command(flatten)]
        common: Common,
    },
    /// Build each cloud's deterministic zip and print its content hash (no calls).
    #[command(after_long_help = "Examples:\n  tusk @multicloud package\n  tusk @multicloud package --out dist/")]
    Package {
        #[command(flatten)]
        common: Common,
        /// Write the zips (<name>-<cloud>.zip) into this directory.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Deploy to every selected cloud concurrently; unchanged clouds are left alone.
    #[command(
        long_about = "Deploys the function to every selected cloud at once, with one progress line per cloud and a final table.\nA cloud whose code and configuration are unchanged is reported \"up to date\" and nothing is uploaded.\nIf some clouds fail, the exit code is 4 (partial); with --atomic every cloud is put back to the version it had before.",
        after_long_help = "Examples:\n  tusk @multicloud deploy\n  tusk @multicloud deploy --cloud aws,gcp\n  tusk @multicloud deploy --atomic\n  tusk @multicloud deploy --cloud aws --traffic 10     # canary: 10% to the new version\n  tusk --dry-run @multicloud deploy                    # print the API calls, change nothing"
    )]
    Deploy {
        #[command(flatten)]
        common: Common,
        /// Deploy as a canary taking N% of traffic (1-99); `promote` moves it to 100%.
        #[arg(long, value_name = "N")]
        traffic: Option<u8>,
        /// If any cloud fails, put every cloud back to its previous version.
        #[arg(long)]
        atomic: bool,
    },
    /// Move a canary to 100% of traffic.
    #[command(after_long_help = "Examples:\n  tusk @multicloud promote --cloud aws")]
    Promote {
        #[command(flatten)]
        common: Common,
    },
    /// Return to the previous version (or drop a canary).
    #[command(after_long_help = "Examples:\n  tusk @multicloud rollback\n  tusk @multicloud rollback --cloud aws")]
    Rollback {
        #[command(flatten)]
        common: Common,
    },
    /// Show what is deployed on each cloud.
    #[command(after_long_help = "Examples:\n  tusk @multicloud status\n  tusk @multicloud status -o json")]
    Status {
        #[command(flatten)]
        common: Common,
    },
    /// Call the deployed function with a payload and print its answer.
    #[command(after_long_help = "Examples:\n  tusk @multicloud invoke --cloud aws --data '{\"name\":\"Ada\"}'\n  tusk @multicloud invoke --data-file event.json")]
    Invoke {
        #[command(flatten)]
        common: Common,
        /// JSON payload.
        #[arg(long, conflicts_with = "data_file")]
        data: Option<String>,
        /// Read the payload from a file.
        #[arg(long, value_name = "PATH")]
        data_file: Option<PathBuf>,
    },
    /// Print recent log lines from each cloud (AWS CloudWatch Logs, GCP Cloud Logging).
    #[command(after_long_help = "Examples:\n  tusk @multicloud logs\n  tusk @multicloud logs --cloud aws --since 1h --limit 20")]
    Logs {
        #[command(flatten)]
        common: Common,
        /// How far back: 30s, 10m, 2h, 1d.
        #[arg(long, default_value = "1h")]
        since: String,
        /// Most lines per cloud.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Delete the function from every selected cloud (asks unless --yes).
    #[command(after_long_help = "Examples:\n  tusk @multicloud destroy --cloud gcp\n  tusk @multicloud destroy --yes")]
    Destroy {
        #[command(flatten)]
        common: Common,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[async_trait::async_trait]
impl Operator for Multicloud {
    fn info(&self) -> OperatorInfo {
        const ALIASES: &[Alias] = &[];
        OperatorInfo {
            name: "multicloud",
            aliases: ALIASES,
            summary: "Deploy one function to AWS Lambda, Azure Functions and Google Cloud Functions in parallel",
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    fn command(&self) -> clap::Command {
        Verb::augment_subcommands(clap::Command::new("multicloud").about("One function, three clouds, deployed in parallel"))
    }

    fn is_mutating(&self, invocation: &Invocation) -> bool {
        let verb = invocation.verb.as_str();
        matches!(verb, "deploy" | "promote" | "rollback" | "destroy" | "invoke")
    }

    async fn run(&self, invocation: Invocation, ctx: Context) -> Result<Output> {
        let verb = Verb::from_arg_matches(&invocation.matches).map_err(|e| Error::usage(e.to_string()))?;
        match verb {
            Verb::Init { name, file, force } => init(name, file, force),
            Verb::Validate { common } => {
                let spec = load(&common.file, &ctx)?;
                let clouds = deploy::select(&spec, &common.cloud)?;
                validate::validate(&spec, &clouds, None)?;
                let names: Vec<&str> = clouds.iter().map(|c| c.name()).collect();
                Ok(Output::new(serde_json::json!({"valid": true, "function": spec.raw.name, "clouds": names}))
                    .text(Cell::styled(format!("{}: valid for {}", common.file.display(), names.join(", ")), Style::Good)))
            }
            Verb::Package { common, out } => package(common, out, &ctx),
            Verb::Deploy { common, traffic, atomic } => {
                let spec = load(&common.file, &ctx)?;
                deploy::deploy(spec, DeployArgs { clouds: common.cloud, traffic, atomic }, &ctx).await
            }
            Verb::Promote { common } => simple(common, &ctx, "promote").await,
            Verb::Rollback { common } => simple(common, &ctx, "rollback").await,
            Verb::Destroy { common, yes } => {
                let spec = load(&common.file, &ctx)?;
                let clouds = deploy::select(&spec, &common.cloud)?;
                let targets = deploy::connect(&spec, &clouds).await?;
                let names: Vec<String> = targets.iter().map(|t| t.target()).collect();
                ctx.audit.set_target(names.join(", "));
                if ctx.dry_run {
                    return Ok(Output::new(serde_json::json!({"dry_run": true, "destroy": names}))
                        .lines(names.iter().map(|n| format!("would delete {n}"))));
                }
                if !yes && !ctx.ui.confirm(&format!("Delete {} from {}?", spec.raw.name, names.join(", ")))? {
                    return Ok(Output::new(serde_json::json!({"destroyed": false})).text("nothing deleted").with_status(ExitStatus::Failure));
                }
                simple_with(targets, &ctx, "destroy").await
            }
            Verb::Status { common } => status(common, &ctx).await,
            Verb::Logs { common, since, limit } => logs(common, &ctx, &since, limit).await,
            Verb::Invoke { common, data, data_file } => {
                let payload = match (data, data_file) {
                    (Some(d), _) => d.into_bytes(),
                    (None, Some(f)) => std::fs::read(&f).map_err(|e| Error::usage(format!("cannot read {}: {e}", f.display())).at("--data-file"))?,
                    (None, None) => b"{}".to_vec(),
                };
                let spec = load(&common.file, &ctx)?;
                let clouds = deploy::select(&spec, &common.cloud)?;
                let targets = deploy::connect(&spec, &clouds).await?;
                ctx.audit.set_target(targets.iter().map(|t| t.target()).collect::<Vec<_>>().join(", "));
                let results = futures::future::join_all(targets.iter().map(|t| t.invoke(&payload))).await;
                let mut data = Vec::new();
                let mut lines = Vec::new();
                let mut failed = 0;
                for (t, r) in targets.iter().zip(results) {
                    match r {
                        Ok(body) => {
                            let text = String::from_utf8_lossy(&body).into_owned();
                            lines.push(Cell::from(format!("{}: {text}", t.id().name())));
                            let parsed = serde_json::from_slice::<serde_json::Value>(&body).unwrap_or(serde_json::Value::String(text));
                            data.push(serde_json::json!({"cloud": t.id(), "ok": true, "response": parsed}));
                        }
                        Err(e) => {
                            failed += 1;
                            lines.push(Cell::styled(deploy::error_line(t.id(), &e.to_string()), Style::Bad));
                            data.push(serde_json::json!({"cloud": t.id(), "ok": false, "error": e.to_string()}));
                        }
                    }
                }
                let out = Output::new(serde_json::json!({"function": spec.raw.name, "results": data})).lines(lines);
                Ok(exit_for(out, failed, targets.len()))
            }
        }
    }
}

/// Loads the spec and fills endpoints from the `[multicloud]` config section.
fn load(path: &std::path::Path, ctx: &Context) -> Result<Spec> {
    let mut spec = Spec::load(path)?;
    let cfg: spec::McConfig = ctx.config.section("multicloud")?;
    cfg.apply(&mut spec);
    Ok(spec)
}

fn exit_for(out: Output, failed: usize, total: usize) -> Output {
    match failed {
        0 => out,
        f if f == total => out.with_status(ExitStatus::Failure),
        _ => out.with_status(ExitStatus::Partial),
    }
}

fn init(name: Option<String>, file: PathBuf, force: bool) -> Result<Output> {
    if file.exists() && !force {
        return Err(Error::usage(format!("{} already exists", file.display())).at(file.display().to_string()).with_hint("pass --force to overwrite"));
    }
    let name = name.unwrap_or_else(|| {
        std::env::current_dir()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()))
            .map(|n| n.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect())
            .unwrap_or_else(|| "my-function".into())
    });
    if let Err(m) = validate::check_name_aws(&name).and_then(|_| validate::check_name_gcp(&name)).and_then(|_| validate::check_name_azure(&name)) {
        return Err(Error::usage(m).at("--name").with_hint("a name valid on every cloud: 4-60 of a-z 0-9 -, starting with a letter"));
    }
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    tusk_registry::fsutil::write_atomic(&file, spec::example(&name).as_bytes())?;
    let mut written = vec![file.display().to_string()];
    // A starter handler, unless there is code already.
    let src = file.parent().filter(|d| !d.as_os_str().is_empty()).map(|d| d.join("src")).unwrap_or_else(|| PathBuf::from("src"));
    if !src.exists() {
        std::fs::create_dir_all(&src)?;
        let main = src.join("main.py");
        tusk_registry::fsutil::write_atomic(&main, b"import json\nimport os\n\n\ndef handler(event, context=None):\n    \"\"\"Entry point on every cloud (tusk maps it to each cloud's handler setting).\"\"\"\n    return {\"greeting\": os.environ.get(\"GREETING\", \"hello\"), \"event\": event}\n")?;
        written.push(main.display().to_string());
    }
    Ok(Output::new(serde_json::json!({"written": written, "name": name}))
        .lines(written.iter().map(|w| Cell::styled(format!("wrote {w}"), Style::Good)).collect::<Vec<_>>())
        .text("next: edit the cloud sections, then `tusk @multicloud validate` and `tusk @multicloud deploy`"))
}

fn package(common: Common, out: Option<PathBuf>, ctx: &Context) -> Result<Output> {
    let spec = load(&common.file, ctx)?;
    let clouds = deploy::select(&spec, &common.cloud)?;
    validate::validate(&spec, &clouds, None)?;
    let pkgs = deploy::packages(&spec, &clouds)?;
    let mut rows = Vec::new();
    let mut data = Vec::new();
    for (c, p) in &pkgs {
        let mut written = None;
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir)?;
            let path = dir.join(format!("{}-{}.zip", spec.raw.name, c.name()));
            tusk_registry::fsutil::write_atomic(&path, &p.bytes)?;
            written = Some(path.display().to_string());
        }
        rows.push(vec![Cell::from(c.name()), Cell::from(p.files.to_string()), Cell::from(p.bytes.len().to_string()), Cell::from(p.sha256.clone())]);
        data.push(serde_json::json!({"cloud": c, "files": p.files, "bytes": p.bytes.len(), "sha256": p.sha256, "path": written,
            "entries": crate::package::list(&p.bytes).into_iter().map(|(n, _)| n).collect::<Vec<_>>()}));
    }
    Ok(Output::new(serde_json::json!({"function": spec.raw.name, "packages": data})).table(&["CLOUD", "FILES", "BYTES", "SHA256"], rows))
}

async fn simple(common: Common, ctx: &Context, verb: &str) -> Result<Output> {
    let spec = load(&common.file, ctx)?;
    let clouds = deploy::select(&spec, &common.cloud)?;
    let targets = deploy::connect(&spec, &clouds).await?;
    ctx.audit.set_target(targets.iter().map(|t| t.target()).collect::<Vec<_>>().join(", "));
    if ctx.dry_run {
        return Ok(Output::new(serde_json::json!({"dry_run": true, "verb": verb}))
            .lines(targets.iter().map(|t| format!("would {verb} {}", t.target()))));
    }
    simple_with(targets, ctx, verb).await
}

async fn simple_with(targets: Vec<Arc<dyn crate::cloud::Cloud>>, ctx: &Context, verb: &str) -> Result<Output> {
    let verb_s = verb.to_string();
    let (rows, failed) = deploy::each(&targets, ctx, verb, |t| {
        let cancel = ctx.cancel.clone();
        let verb = verb_s.clone();
        async move {
            match verb.as_str() {
                "promote" => t.promote(&cancel).await,
                "rollback" => t.rollback(&cancel).await,
                _ => t.destroy(&cancel).await.map(|()| Outcome { change: Change::Destroyed, version: None, url: None, detail: String::new() }),
            }
        }
    })
    .await;
    let mut out = Output::new(serde_json::json!({"verb": verb, "clouds": rows})).block(deploy::table(&rows));
    for r in &rows {
        if let Some(e) = &r.error {
            out = out.text(Cell::styled(deploy::error_line(r.cloud, e), Style::Bad));
        }
    }
    Ok(exit_for(out, failed, rows.len()))
}

async fn status(common: Common, ctx: &Context) -> Result<Output> {
    let spec = load(&common.file, ctx)?;
    let clouds = deploy::select(&spec, &common.cloud)?;
    let targets = deploy::connect(&spec, &clouds).await?;
    let states = futures::future::join_all(targets.iter().map(|t| t.state())).await;
    let mut rows = Vec::new();
    let mut data = Vec::new();
    let mut failed = 0;
    for (t, s) in targets.iter().zip(states) {
        match s {
            Ok(State { exists, deploy_hash, version, canary, url, .. }) => {
                let state = if !exists { "not deployed".to_string() } else if let Some((v, p)) = &canary { format!("canary {p}% → {v}") } else { "serving".to_string() };
                rows.push(vec![
                    Cell::from(t.id().name()),
                    Cell::from(version.clone().unwrap_or_else(|| "-".into())),
                    Cell::from(url.clone().unwrap_or_else(|| "-".into())),
                    Cell::from(deploy_hash.as_deref().map(|h| h[..12.min(h.len())].to_string()).unwrap_or_else(|| "-".into())),
                    Cell::styled(state.clone(), if exists { Style::Good } else { Style::Dim }),
                ]);
                data.push(serde_json::json!({"cloud": t.id(), "target": t.target(), "deployed": exists, "version": version, "url": url,
                    "deploy_hash": deploy_hash, "canary": canary.map(|(v, p)| serde_json::json!({"version": v, "percent": p}))}));
            }
            Err(e) => {
                failed += 1;
                rows.push(vec![Cell::from(t.id().name()), Cell::from("-"), Cell::from("-"), Cell::from("-"), Cell::styled(e.to_string(), Style::Bad)]);
                data.push(serde_json::json!({"cloud": t.id(), "target": t.target(), "error": e.to_string()}));
            }
        }
    }
    let out = Output::new(serde_json::json!({"function": spec.raw.name, "clouds": data})).table(&["CLOUD", "VERSION", "URL/ARN", "HASH", "STATE"], rows);
    Ok(exit_for(out, failed, targets.len()))
}

fn parse_since(s: &str) -> Option<i64> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return None,
    };
    Some(secs * 1000)
}

async fn logs(common: Common, ctx: &Context, since: &str, limit: u32) -> Result<Output> {
    let Some(back_ms) = parse_since(since) else {
        return Err(Error::usage(format!("--since {since}: expected a number and s, m, h or d (e.g. 10m)")).at("--since"));
    };
    if limit == 0 || limit > 10_000 {
        return Err(Error::usage("--limit must be 1-10000").at("--limit"));
    }
    let spec = load(&common.file, ctx)?;
    let clouds = deploy::select(&spec, &common.cloud)?;
    let targets = deploy::connect(&spec, &clouds).await?;
    let since_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000 - back_ms;
    let results = futures::future::join_all(targets.iter().map(|t| t.logs(since_ms, limit))).await;
    let mut lines = Vec::new();
    let mut data = Vec::new();
    let mut failed = 0;
    for (t, r) in targets.iter().zip(results) {
        match r {
            Ok(entries) => {
                for e in &entries {
                    lines.push(Cell::from(format!("{:<5} {} {}", t.id().name(), e.timestamp, e.message)));
                }
                data.push(serde_json::json!({"cloud": t.id(), "entries": entries}));
            }
            Err(e) => {
                failed += 1;
                lines.push(Cell::styled(deploy::error_line(t.id(), &e.to_string()), Style::Warn));
                data.push(serde_json::json!({"cloud": t.id(), "error": e.to_string()}));
            }
        }
    }
    let out = Output::new(serde_json::json!({"function": spec.raw.name, "clouds": data})).lines(lines);
    Ok(exit_for(out, failed, targets.len()))
}
