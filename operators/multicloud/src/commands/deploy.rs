//! `tusk @multicloud deploy`: the function deployed to every selected cloud concurrently, one
//! progress line per cloud and a final table. Unchanged clouds get no write call; a partial
//! failure exits 4; `--atomic` (and Ctrl-C) put every changed cloud back where it started.

use super::{Common, audit_target};
use crate::cloud::{Change, Desired, State};
use crate::error::McError;
use crate::orchestrate::{self, Row};
use crate::validate;
use futures::future::join_all;
use std::sync::Arc;
use std::time::Instant;
use tusk_registry::{Block, Cell, Context, ExitStatus, Output, Result, Style, TaskOutcome};

#[derive(clap::Args, Debug)]
pub struct DeployCommand {
    #[command(flatten)]
    pub common: Common,
    /// Deploy as a canary taking N% of traffic (1-99); `promote` moves it to 100%.
    #[arg(long, value_name = "N")]
    pub traffic: Option<u8>,
    /// If any cloud fails, put every cloud back to its previous version.
    #[arg(long)]
    pub atomic: bool,
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

impl DeployCommand {
    pub async fn run(self, ctx: &Context) -> Result<Output> {
        let (spec, clouds) = self.common.selected(ctx)?;
        validate::validate(&spec, &clouds, self.traffic)?;
        let env = spec.resolve_env()?;
        let pkgs = orchestrate::packages(&spec, &clouds)?;
        let targets = orchestrate::connect(&spec, &clouds).await?;
        audit_target(ctx, &targets);
        let spec = Arc::new(spec);
        let desired: Vec<Desired> = pkgs
            .into_iter()
            .map(|(_, package)| Desired { spec: spec.clone(), env: env.clone(), package, traffic: self.traffic })
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

        // The plan: the calls each cloud would get. `--dry-run` prints it and stops; a real
        // deploy shows it and asks before changing anything (as `@kubernetes deploy` does).
        let mut lines: Vec<Cell> = Vec::new();
        let mut data = Vec::new();
        let mut changes = 0;
        for ((t, st), d) in targets.iter().zip(&before).zip(&desired) {
            let calls = t.plan(st, d);
            changes += calls.len();
            lines.push(Cell::styled(format!("{} ({}):", t.id().name(), t.target()), Style::Bold));
            if calls.is_empty() {
                lines.push(Cell::styled("  up to date: no calls", Style::Dim));
            }
            for c in &calls {
                lines.push(Cell::from(format!("  {c}")));
            }
            data.push(serde_json::json!({"cloud": t.id(), "target": t.target(), "calls": calls, "package_sha256": d.package.sha256}));
        }
        if ctx.dry_run {
            return Ok(Output::new(serde_json::json!({"function": spec.raw.name, "dry_run": true, "clouds": data}))
                .block(Block::Heading("dry run: these calls would be made".into()))
                .lines(lines));
        }
        ctx.ui.show(&[Block::Heading("these calls will be made".into()), Block::Text(lines)]);
        // Nothing to change (every cloud up to date): nothing to ask.
        if changes > 0 && !self.yes && !ctx.ui.confirm(&format!("Deploy {} to {}?", spec.raw.name, super::target_list(&targets)))? {
            return Ok(Output::new(serde_json::json!({"function": spec.raw.name, "deployed": false, "clouds": data}))
                .text("Nothing deployed.")
                .with_status(ExitStatus::Failure));
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
                Ok(o) => rows.push(orchestrate::row(t.as_ref(), o, ms, None)),
                Err(e) => {
                    failed += 1;
                    interrupted |= matches!(e, McError::Interrupted);
                    rows.push(orchestrate::failed_row(t.as_ref(), ms, &e));
                }
            }
        }

        // --atomic (and Ctrl-C): put every changed cloud back.
        let mut restored = 0;
        if failed > 0 && (self.atomic || interrupted) {
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
            "atomic": self.atomic,
            "traffic": self.traffic,
            "clouds": rows,
        });
        let mut out = Output::new(data).block(orchestrate::table(&rows));
        for r in &rows {
            if let Some(e) = &r.error {
                out = out.text(Cell::styled(orchestrate::error_line(r.cloud, e), Style::Bad));
            }
        }
        if interrupted {
            return Err(tusk_registry::Error::interrupted().with_hint("clouds that had changed were put back to their previous version"));
        }
        if !ok {
            let status = if failed == rows.len() || (self.atomic && restored + failed >= rows.len()) {
                ExitStatus::Failure
            } else {
                ExitStatus::Partial
            };
            out = out.with_status(status);
            if self.atomic {
                out = out.text(Cell::styled("--atomic: every cloud was put back to its previous version", Style::Warn));
            }
        }
        Ok(out)
    }
}
