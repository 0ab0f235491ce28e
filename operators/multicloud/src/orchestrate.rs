//! What the verbs share to act on several clouds at once: choosing the clouds, resolving
//! every cloud's credentials before anything changes, building the packages, running one
//! operation on every cloud concurrently with a progress line each, and the result table.

use crate::cloud::{Change, Cloud, Outcome};
use crate::error::McError;
use crate::package;
use crate::spec::{CloudId, Spec};
use futures::future::join_all;
use std::sync::Arc;
use std::time::Instant;
use tusk_registry::{Cell, Context, Style};

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

pub fn row(t: &dyn Cloud, o: Outcome, ms: u64, error: Option<String>) -> Row {
    Row { cloud: t.id(), target: t.target(), result: o.change, version: o.version, url: o.url, detail: o.detail, duration_ms: ms, error }
}

/// The row of a cloud whose operation failed.
pub fn failed_row(t: &dyn Cloud, ms: u64, error: &McError) -> Row {
    Row {
        cloud: t.id(),
        target: t.target(),
        result: Change::Failed,
        version: None,
        url: None,
        detail: String::new(),
        duration_ms: ms,
        error: Some(error.to_string()),
    }
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
                rows.push(failed_row(t.as_ref(), ms, &e))
            }
        }
    }
    (rows, failed)
}

/// An error line that names its cloud once.
pub fn error_line(cloud: CloudId, e: &str) -> String {
    if e.starts_with(&format!("{}:", cloud.name())) { e.to_string() } else { format!("{}: {e}", cloud.name()) }
}
