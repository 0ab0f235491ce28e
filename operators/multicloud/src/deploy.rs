//! Concurrent orchestration: one progress task per cloud, a final table, partial failure
//! (exit 4) and `--atomic` (every cloud put back where it started if any fails).

use crate::cloud::{Change, Cloud, Desired, Outcome, State};
use crate::error::McError;
use crate::package;
use crate::spec::{CloudId, Spec};
use crate::validate;
use futures::future::join_all;
use std::sync::Arc;
use std::time::Instant;
use tusk_registry::{Cell, Context, ExitStatus, Output, Style, TaskOutcome};

/// One row of the result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub cloud: CloudId,
    pub target: String,
    pub result: Change,
    pub version: Option<String>,
    pub url: Option<String>,
    pub detail: String,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Builds the deployers for `clouds`, resolving every cloud's credentials first so that a
/// missing credential stops the run before anything changes.
pub async fn connect(spec: &Spec, clouds: &[CloudId]) -> Result<Vec<Arc<dyn Cloud>>, McError> {
    let mut out: Vec<Arc<dyn Cloud>> = Vec::new();
    let mut missing: Vec<(&'static str, String)> = Vec::new();
    for c in clouds {
        let r: Result<Arc<dyn Cloud>, McError> = match c {
            CloudId::Aws => crate::aws::Aws::connect(spec).await.map(|a| Arc::new(a) as Arc<dyn Cloud>),
            CloudId::Azure => crate::azure::Azure::connect(spec),
            CloudId::Gcp => crate::gcp::Gcp::connect(spec),
        };
        match r {
            Ok(t) => out.push(t),
            Err(McError::Credentials { cloud, looked_for }) => missing.push((cloud, looked_for)),
            Err(e) => return Err(e),
        }
    }
    match missing.len() {
        0 => Ok(out),
        1 => {
            let (cloud, looked_for) = missing.remove(0);
            Err(McError::Credentials { cloud, looked_for })
        }
        _ => Err(McError::Credentials {
            cloud: "",
            looked_for: missing.iter().map(|(c, l)| format!("\n  {c}: {l}")).collect::<String>(),
        }),
    }
}

/// Which clouds a verb acts on: `--cloud`, else the spec's `clouds`, else every configured one.
pub fn select(spec: &Spec, flag: &[String]) -> Result<Vec<CloudId>, McError> {
    let names: Vec<String> = if !flag.is_empty() {
        flag.iter().flat_map(|s| s.split(',')).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
    } else if let Some(c) = &spec.raw.clouds {
        c.clone()
    } else {
        spec.configured_clouds().iter().map(|c| c.name().to_string()).collect()
    };
    let mut out = Vec::new();
    for n in names {
        let c = CloudId::parse(&n).ok_or_else(|| McError::Usage {
            flag: "--cloud".into(),
            message: format!("unknown cloud `{n}`"),
            hint: Some("use aws, azure, gcp (comma-separated)".into()),
        })?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(McError::Spec {
            location: spec.location("", "name"),
            message: "no cloud to deploy to".into(),
            hint: Some("add an [aws], [azure] or [gcp] section, or pass --cloud".into()),
        });
    }
    Ok(out)
}

/// Builds each cloud's package (shared files + that cloud's extras).
pub fn packages(spec: &Spec, clouds: &[CloudId]) -> Result<Vec<(CloudId, package::Package)>, McError> {
    let files = package::collect(spec)?;
    clouds.iter().map(|c| Ok((*c, package::build(&files, package::extras(spec, *c))?))).collect()
}

pub struct DeployArgs {
    pub clouds: Vec<String>,
    pub traffic: Option<u8>,
    pub atomic: bool,
}

pub async fn deploy(spec: Spec, args: DeployArgs, ctx: &Context) -> tusk_registry::Result<Output> {
    let clouds = select(&spec, &args.clouds)?;
    validate::validate(&spec, &clouds, args.traffic)?;
    let env = spec.resolve_env()?;
    let pkgs = packages(&spec, &clouds)?;
    let targets = connect(&spec, &clouds).await?;
    ctx.audit.set_target(targets.iter().map(|t| t.target()).collect::<Vec<_>>().join(", "));
    let spec = Arc::new(spec);
    let desired: Vec<Desired> = pkgs
        .into_iter()
        .map(|(_, package)| Desired { spec: spec.clone(), env: env.clone(), package, traffic: args.traffic })
        .collect();

    // Read every cloud's current state first (also what --atomic restores).
    let states = join_all(targets.iter().map(|t| t.state())).await;
    let mut before: Vec<State> = Vec::new();
    for (t, s) in targets.iter().zip(states) {
        match s {
            Ok(s) => before.push(s),
            Err(e) => return Err(tusk_registry::Error::from(e).with_hint(format!("reading the current state on {} failed; nothing was changed", t.id().name()))),
        }
    }

    if ctx.dry_run {
        let mut lines: Vec<Cell> = Vec::new();
        let mut data = Vec::new();
        for ((t, st), d) in targets.iter().zip(&before).zip(&desired) {
            let calls = t.plan(st, d);
            lines.push(Cell::styled(format!("{} ({}):", t.id().name(), t.target()), Style::Bold));
            if calls.is_empty() {
                lines.push(Cell::styled("  up to date: no calls", Style::Dim));
            }
            for c in &calls {
                lines.push(Cell::from(format!("  {c}")));
            }
            data.push(serde_json::json!({"cloud": t.id(), "target": t.target(), "calls": calls, "package_sha256": d.package.sha256}));
        }
        return Ok(Output::new(serde_json::json!({"function": spec.raw.name, "dry_run": true, "clouds": data}))
            .block(tusk_registry::Block::Heading("dry run: these calls would be made".into()))
            .lines(lines));
    }

    // Deploy concurrently, one progress line per cloud.
    let runs = targets.iter().zip(&before).zip(&desired).map(|((t, st), d)| {
        let task = Arc::new(ctx.progress.task(format!("{:<5} {}", t.id().name(), t.target())));
        let cancel = ctx.cancel.clone();
        async move {
            let started = Instant::now();
            let report_task = task.clone();
            let report = move |m: &str| report_task.set_message(m);
            let res = tokio::select! {
                r = t.deploy(st, d, &report, &cancel) => r,
                _ = cancel.cancelled() => Err(McError::Interrupted),
            };
            let ms = started.elapsed().as_millis() as u64;
            if let Ok(task) = Arc::try_unwrap(task) {
                match &res {
                    Ok(o) => task.finish(if o.change == Change::UpToDate { TaskOutcome::Skipped } else { TaskOutcome::Ok }, o.change.label()),
                    Err(e) => task.fail(e.to_string()),
                }
            }
            (res, ms)
        }
    });
    let results = join_all(runs).await;

    let mut rows: Vec<Row> = Vec::new();
    let mut failed = 0;
    let mut interrupted = false;
    for (t, (res, ms)) in targets.iter().zip(results) {
        match res {
            Ok(o) => rows.push(row(t.as_ref(), o, ms, None)),
            Err(e) => {
                failed += 1;
                interrupted |= matches!(e, McError::Interrupted);
                rows.push(Row {
                    cloud: t.id(),
                    target: t.target(),
                    result: Change::Failed,
                    version: None,
                    url: None,
                    detail: String::new(),
                    duration_ms: ms,
                    error: Some(e.to_string()),
                });
            }
        }
    }

    // --atomic (and Ctrl-C): put every changed cloud back.
    let mut restored = 0;
    if failed > 0 && (args.atomic || interrupted) {
        let restores = targets.iter().zip(&before).zip(&rows).map(|((t, st), r)| {
            let cancel = tokio_util::sync::CancellationToken::new();
            let need = !matches!(r.result, Change::UpToDate);
            async move {
                if !need {
                    return None;
                }
                let task = ctx.progress.task(format!("{:<5} restoring", t.id().name()));
                let res = t.restore(st, &cancel).await;
                match &res {
                    Ok(()) => task.ok("restored"),
                    Err(e) => task.fail(e.to_string()),
                }
                Some(res)
            }
        });
        let outcomes = join_all(restores).await;
        for (r, o) in rows.iter_mut().zip(outcomes) {
            match o {
                Some(Ok(())) if r.result != Change::Failed => {
                    r.result = Change::Restored;
                    r.detail = String::new();
                    r.version = None;
                    r.url = None;
                    restored += 1;
                }
                Some(Ok(())) => {
                    r.detail = "restored".into();
                }
                Some(Err(e)) => {
                    let prev = r.error.take().map(|p| format!("{p}; ")).unwrap_or_default();
                    r.error = Some(format!("{prev}restore failed: {e}"));
                }
                None => {}
            }
        }
    }

    let ok = failed == 0;
    ctx.audit.set_details(serde_json::json!({
        "function": spec.raw.name,
        "clouds": rows.iter().map(|r| serde_json::json!({"cloud": r.cloud, "result": r.result, "version": r.version})).collect::<Vec<_>>(),
    }));
    let data = serde_json::json!({
        "function": spec.raw.name,
        "ok": ok,
        "atomic": args.atomic,
        "traffic": args.traffic,
        "clouds": rows,
    });
    let mut out = Output::new(data).block(table(&rows));
    for r in &rows {
        if let Some(e) = &r.error {
            out = out.text(Cell::styled(error_line(r.cloud, e), Style::Bad));
        }
    }
    if interrupted {
        return Err(tusk_registry::Error::interrupted().with_hint("clouds that had changed were put back to their previous version"));
    }
    if !ok {
        let status = if failed == rows.len() || (args.atomic && restored + failed >= rows.len()) {
            ExitStatus::Failure
        } else {
            ExitStatus::Partial
        };
        out = out.with_status(status);
        if args.atomic {
            out = out.text(Cell::styled("--atomic: every cloud was put back to its previous version", Style::Warn));
        }
    }
    Ok(out)
}

fn row(t: &dyn Cloud, o: Outcome, ms: u64, error: Option<String>) -> Row {
    Row { cloud: t.id(), target: t.target(), result: o.change, version: o.version, url: o.url, detail: o.detail, duration_ms: ms, error }
}

pub fn table(rows: &[Row]) -> tusk_registry::Block {
    let mut out = Vec::new();
    for r in rows {
        let style = match r.result {
            Change::Failed => Style::Bad,
            Change::UpToDate => Style::Dim,
            Change::Restored | Change::RolledBack | Change::Canary => Style::Warn,
            _ => Style::Good,
        };
        let result = if r.detail.is_empty() { r.result.label().to_string() } else { format!("{} ({})", r.result.label(), r.detail) };
        out.push(vec![
            Cell::from(r.cloud.name()),
            Cell::from(r.version.clone().unwrap_or_else(|| "-".into())),
            Cell::from(r.url.clone().unwrap_or_else(|| "-".into())),
            Cell::from(format!("{:.1}s", r.duration_ms as f64 / 1000.0)),
            Cell::styled(result, style),
        ]);
    }
    tusk_registry::Block::Table {
        columns: ["CLOUD", "VERSION", "URL/ARN", "DURATION", "RESULT"].iter().map(|s| s.to_string()).collect(),
        rows: out,
    }
}

/// Runs `f` on every selected cloud concurrently (promote, rollback, destroy) and builds the
/// table.
pub async fn each<F, Fut>(targets: &[Arc<dyn Cloud>], ctx: &Context, verb: &str, f: F) -> (Vec<Row>, usize)
where
    F: Fn(Arc<dyn Cloud>) -> Fut,
    Fut: std::future::Future<Output = Result<Outcome, McError>>,
{
    let runs = targets.iter().map(|t| {
        let task = ctx.progress.task(format!("{:<5} {verb}", t.id().name()));
        let fut = f(t.clone());
        async move {
            let started = Instant::now();
            let res = fut.await;
            match &res {
                Ok(o) => task.ok(o.change.label()),
                Err(e) => task.fail(e.to_string()),
            }
            (res, started.elapsed().as_millis() as u64)
        }
    });
    let results = join_all(runs).await;
    let mut rows = Vec::new();
    let mut failed = 0;
    for (t, (res, ms)) in targets.iter().zip(results) {
        match res {
            Ok(o) => rows.push(row(t.as_ref(), o, ms, None)),
            Err(e) => {
                failed += 1;
                rows.push(Row {
                    cloud: t.id(),
                    target: t.target(),
                    result: Change::Failed,
                    version: None,
                    url: None,
                    detail: String::new(),
                    duration_ms: ms,
                    error: Some(e.to_string()),
                })
            }
        }
    }
    (rows, failed)
}

/// An error line that names its cloud once.
pub fn error_line(cloud: CloudId, e: &str) -> String {
    if e.starts_with(&format!("{}:", cloud.name())) { e.to_string() } else { format!("{}: {e}", cloud.name()) }
}
