//! `@kubernetes deploy`: plan (server-side dry run), show the change table, confirm, apply in
//! dependency order with server-side apply (field manager `tusk`), wait by watching, explain
//! failures, and with `--atomic` put back everything this deploy touched.

use crate::client::{FIELD_MANAGER, Kube, KubeArgs, api_err, connect, is_not_found};
use crate::input::{check_cluster_kinds, input_docs, keep_live_replicas};
use crate::manifest::Doc;
use crate::plan::{self, Item, Op, change_table, normalize, plan_json, summary};
use crate::render::RenderFlags;
use crate::wait::{self, WaitOutcome, Waitable};
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;
use tusk_registry::{Block, Cell, Context, Error, ExitStatus, Output, Style};

/// Apply manifests or a generated app, wait until ready, explain failures
#[derive(Debug, Clone, clap::Args)]
#[command(long_about = "Shows what will change (create/update/noop/delete and what tusk will wait for, computed by \
server-side dry run), asks unless --yes, applies with server-side apply (field manager `tusk`) in dependency order \
(Namespaces and CRDs first, then accounts/RBAC, config, storage, workloads, Services, Ingresses, custom resources), \
and waits by watching until everything is ready (Deployments as `kubectl rollout status` judges them, StatefulSets, \
DaemonSets, Jobs, Pods, PVCs, LoadBalancer Services, CRDs). A workload that fails says why: pod reasons, scheduler \
messages, crash-loop logs and warning events.", after_long_help = HELP)]
pub struct DeployCommand {
    /// Name of the app to generate from flags (with --image)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Manifest file, directory or `-` for stdin (repeatable)
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
    pub files: Vec<String>,
    #[command(flatten)]
    pub render: RenderFlags,
    /// Don't ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Show a per-object diff against the live objects before applying
    #[arg(long)]
    pub diff: bool,
    /// Take ownership of fields other field managers own
    #[arg(long)]
    pub force_conflicts: bool,
    /// On failure, timeout or Ctrl-C, put back everything this deploy touched
    #[arg(long)]
    pub atomic: bool,
    /// App name tracked by the `tusk.dev/app` label (default: NAME when deploying from flags)
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
    /// Delete objects of this --app that an earlier deploy created and that are no longer in the input
    #[arg(long)]
    pub prune: bool,
    /// Time limit for the whole deploy, e.g. 5m, 90s
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = tusk_registry::duration::parse)]
    pub timeout: std::time::Duration,
    /// Time limit per resource
    #[arg(long, value_name = "DURATION", value_parser = tusk_registry::duration::parse)]
    pub resource_timeout: Option<std::time::Duration>,
    /// Apply without waiting for readiness
    #[arg(long)]
    pub no_wait: bool,
    #[command(flatten)]
    pub kube: KubeArgs,
}

const HELP: &str = "Examples:
  # A Deployment + Service + HPA from flags; shows the change table, asks, applies, waits
  tusk @kubernetes deploy web --image ghcr.io/acme/web:1.4 --port 8080 --replicas 3
  tusk @k8s deploy web --image ghcr.io/acme/web:1.4 --port 8080 --expose LoadBalancer --autoscale 2:10:80 --yes

  # Manifests (files, a directory, stdin), in dependency order, with a diff, atomically
  tusk @k8s deploy -f k8s/ --diff --atomic --yes
  kustomize build overlays/prod | tusk @k8s deploy -f - --app shop --prune --yes

  # See the plan only (server-side dry run)
  tusk @k8s deploy -f app.yaml --dry-run

Exit codes: 0 deployed and ready; 1 failed (the reasons are printed; with --atomic everything
was put back); 2 bad flags or manifests (file:line, document and field path are named);
130 interrupted.";

impl DeployCommand {
    /// `deploy NAME --image …` or `deploy -f …`.
    pub async fn execute(self, ctx: Context) -> Result<Output, Error> {
        let app = self.app.clone().or_else(|| if self.files.is_empty() { self.name.clone() } else { None });
        if self.prune && app.is_none() {
            return Err(Error::usage("--prune needs --app NAME: only objects of that app are pruned").at("--prune"));
        }
        let mut docs = input_docs(self.name.as_deref(), &self.files, &self.render, app.as_deref(), None)?;
        if let Some(a) = &app {
            plan::label_app(&mut docs, a);
        }
        let k = connect(&self.kube).await?;
        if ctx.dry_run {
            // Server-side dry run when the cluster answers; otherwise the plan from the input.
            match tokio::time::timeout(Duration::from_secs(5), k.client.apiserver_version()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Ok(plan::offline_plan(&k, &docs, &api_err("cluster", e).message)),
                Err(_) => return Ok(plan::offline_plan(&k, &docs, "the API server did not answer within 5s")),
            }
        }
        check_cluster_kinds(&k, &docs).await?;
        if self.files.is_empty() {
            keep_live_replicas(&k, &mut docs, &self.render).await?;
        }
        let opts = DeployOpts {
            yes: self.yes,
            force: self.force_conflicts,
            atomic: self.atomic,
            show_diff: self.diff,
            app,
            prune: self.prune,
            timeout: self.timeout,
            resource_timeout: self.resource_timeout,
            wait: !self.no_wait,
        };
        apply(&k, docs, opts, &ctx).await
    }
}

/// What a deploy changed, for `--atomic`.
#[derive(Default)]
struct Journal {
    created: Vec<Item>,
    updated: Vec<Item>,
    deleted: Vec<Item>,
}

/// The flags `apply` needs, with `--app` resolved (NAME when deploying from flags).
struct DeployOpts {
    yes: bool,
    force: bool,
    atomic: bool,
    show_diff: bool,
    app: Option<String>,
    prune: bool,
    timeout: Duration,
    resource_timeout: Option<Duration>,
    wait: bool,
}

/// Applies the plan, waits, explains, and with `--atomic` restores on failure.
async fn apply(kube: &Kube, docs: Vec<Doc>, opts: DeployOpts, ctx: &Context) -> Result<Output, Error> {
    let started = std::time::Instant::now();
    ctx.audit.set_target(format!("context {}, namespace {}", kube.context, kube.namespace));
    let items = plan::plan(kube, &docs, opts.force, if opts.prune { opts.app.as_deref() } else { None }).await?;
    let mut shown = vec![change_table(&items), Block::Text(vec![Cell::from(summary(&items))])];
    shown.extend(plan::removals(&items));
    if opts.show_diff {
        for i in items.iter().filter(|i| !i.diff.is_empty()) {
            shown.push(Block::Diff(i.diff.clone()));
        }
    }
    ctx.audit.set_details(json!({"app": opts.app, "changes": plan_json(&items)}));
    let changes = items.iter().filter(|i| i.op != Op::Noop).count();
    if ctx.dry_run {
        let mut out = Output::new(json!({"context": kube.context, "namespace": kube.namespace, "dryRun": true, "changes": plan_json(&items)}));
        out.view = shown;
        out.view.push(Block::Text(vec![Cell::styled("dry run: nothing was changed", Style::Dim)]));
        return Ok(out);
    }
    ctx.ui.show(&shown);
    if changes > 0 && !opts.yes && !ctx.ui.confirm(&format!("Apply {changes} change(s) to {}?", kube.describe()))? {
        return Ok(Output::new(json!({"context": kube.context, "namespace": kube.namespace, "applied": false, "changes": plan_json(&items)}))
            .text("Nothing applied.")
            .with_status(ExitStatus::Failure));
    }
    let deadline = Instant::now() + opts.timeout;
    let mut journal = Journal::default();
    let mut waitables = Vec::new();
    let mut failure: Option<Error> = None;
    let mut terminating: Vec<Value> = Vec::new();
    for item in &items {
        if ctx.cancel.is_cancelled() {
            break;
        }
        let mut item = item.clone();
        if item.needs_crd {
            kube.forget().await;
            // Wait (by polling discovery once per CRD wait) until the kind is served.
            match kube.resource(item.value["apiVersion"].as_str().unwrap_or(""), &item.kind).await {
                Ok(Some(r)) => item.resource = Some(r),
                Ok(None) => {
                    failure = Some(Error::failed(format!("{} {} is not served after its CRD was established", item.value["apiVersion"].as_str().unwrap_or(""), item.kind)));
                    break;
                }
                Err(e) => {
                    failure = Some(api_err("discovery", e));
                    break;
                }
            }
        }
        let Some((ar, caps)) = item.resource.clone() else { continue };
        let api = kube.dynamic(&ar, &caps, &item.ns);
        match item.op {
            Op::Noop => {}
            Op::Create | Op::Update => {
                let mut pp = PatchParams::apply(FIELD_MANAGER);
                if opts.force {
                    pp = pp.force();
                }
                let task = ctx.progress.task(format!("apply {}/{}", item.kind.to_lowercase(), item.name));
                match api.patch(&item.name, &pp, &Patch::Apply(&item.value)).await {
                    Ok(_) => {
                        task.ok(item.op.name());
                        if item.op == Op::Create {
                            journal.created.push(item.clone());
                        } else {
                            journal.updated.push(item.clone());
                        }
                    }
                    Err(e) => {
                        task.fail("apply failed");
                        failure = Some(plan::apply_error(&item, e));
                        break;
                    }
                }
                if item.kind == "CustomResourceDefinition" {
                    let w = Waitable { ar: ar.clone(), caps: caps.clone(), ns: String::new(), kind: item.kind.clone(), name: item.name.clone() };
                    let task = ctx.progress.task(format!("customresourcedefinition/{}", item.name));
                    let o = wait::wait_one(kube, &w, task, deadline, &ctx.cancel).await;
                    if o.result != "ready" {
                        failure = Some(Error::failed(format!("CRD {} is not established: {}", item.name, o.message)));
                        break;
                    }
                    continue;
                }
            }
            Op::Delete => {
                let task = ctx.progress.task(format!("delete {}/{}", item.kind.to_lowercase(), item.name));
                match api.delete(&item.name, &DeleteParams::background()).await {
                    // The API server answers with the object while finalizers hold it: it is
                    // Terminating, not gone, and that is what is reported.
                    Ok(r) => {
                        match r.left() {
                            Some(o) => {
                                let o = serde_json::to_value(o).unwrap_or(Value::Null);
                                let why = plan::finalizers(&o);
                                task.ok(&format!("terminating (finalizers: {why})"));
                                terminating.push(json!({"namespace": item.ns, "kind": item.kind, "name": item.name, "finalizers": o["metadata"]["finalizers"]}));
                            }
                            None => task.ok("deleted"),
                        }
                        journal.deleted.push(item.clone());
                    }
                    Err(e) if is_not_found(&e) => task.ok("already gone"),
                    Err(e) => {
                        task.fail("delete failed");
                        failure = Some(api_err(&format!("deleting {}/{}", item.kind.to_lowercase(), item.name), e));
                        break;
                    }
                }
                continue;
            }
        }
        // Unchanged objects are waited for too: a re-run of a deploy that failed must not
        // report success while the workload is still broken.
        if opts.wait && item.wait_for.is_some() {
            waitables.push(Waitable { ar, caps, ns: item.ns.clone(), kind: item.kind.clone(), name: item.name.clone() });
        }
    }
    let mut outcomes: Vec<WaitOutcome> = Vec::new();
    if failure.is_none() && !ctx.cancel.is_cancelled() {
        outcomes = wait::wait_all(kube, &waitables, &ctx.progress, deadline, opts.resource_timeout, &ctx.cancel).await;
    }
    let interrupted = ctx.cancel.is_cancelled() || outcomes.iter().any(|o| o.result == "interrupted");
    let failed: Vec<&WaitOutcome> = outcomes.iter().filter(|o| o.result != "ready").collect();
    let ok = failure.is_none() && failed.is_empty() && !interrupted;
    let mut rolled_back: Vec<Value> = Vec::new();
    if !ok && opts.atomic {
        rolled_back = restore(kube, &journal, ctx).await;
    }
    let results: Vec<Value> = outcomes
        .iter()
        .map(|o| json!({"namespace": o.namespace, "kind": o.kind, "name": o.name, "result": o.result, "message": o.message, "explanation": o.explanation}))
        .collect();
    let data = json!({
        "context": kube.context, "namespace": kube.namespace, "app": opts.app,
        "changes": plan_json(&items), "results": results, "succeeded": ok, "rolledBack": rolled_back, "terminating": terminating,
    });
    if interrupted {
        let mut e = Error::interrupted();
        if !rolled_back.is_empty() {
            e = e.with_hint(format!(
                "rolled back (--atomic): {}",
                rolled_back
                    .iter()
                    .map(|r| format!("{}/{} {}", r["kind"].as_str().unwrap_or("").to_lowercase(), r["name"].as_str().unwrap_or(""), r["action"].as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        return Err(e);
    }
    if let Some(err) = failure {
        if rolled_back.is_empty() {
            return Err(err);
        }
        return Err(Error::failed(format!("{}; rolled back {} object(s)", err.message, rolled_back.len())).with_hint(err.hint.unwrap_or_default()));
    }
    let mut out = Output::new(data);
    if !outcomes.is_empty() {
        out = out.table(
            &["KIND", "NAME", "RESULT", "DETAIL"],
            outcomes
                .iter()
                .map(|o| {
                    let style = if o.result == "ready" { Style::Good } else { Style::Bad };
                    vec![Cell::from(o.kind.clone()), Cell::from(o.name.clone()), Cell::styled(o.result.clone(), style), Cell::from(o.message.clone())]
                })
                .collect(),
        );
    }
    for t in &terminating {
        out = out.text(Cell::styled(
            format!(
                "{}/{} is terminating: deletion waits for its finalizers ({})",
                t["kind"].as_str().unwrap_or("").to_lowercase(),
                t["name"].as_str().unwrap_or(""),
                plan::finalizers(&json!({"metadata": {"finalizers": t["finalizers"]}}))
            ),
            Style::Warn,
        ));
    }
    if ok {
        let n = items.iter().filter(|i| i.op != Op::Noop).count();
        out = out.text(Cell::styled(
            format!("Deployed to {} ({} change(s)) in {:.1}s", kube.describe(), n, started.elapsed().as_secs_f64()),
            Style::Good,
        ));
        return Ok(out);
    }
    for o in &failed {
        out = out.block(Block::Heading(format!("Why {}/{} is not ready", o.kind.to_lowercase(), o.name)));
        let mut lines: Vec<Cell> = vec![Cell::styled(format!("{}: {}", o.result, o.message), Style::Bad)];
        lines.extend(o.explanation.iter().map(|l| Cell::from(l.clone())));
        out = out.block(Block::Text(lines));
    }
    if opts.atomic {
        out = out.block(Block::Heading("Rolled back (--atomic)".into()));
        out = out.table(
            &["KIND", "NAME", "ACTION"],
            rolled_back
                .iter()
                .map(|r| vec![Cell::from(r["kind"].as_str().unwrap_or("").to_string()), Cell::from(r["name"].as_str().unwrap_or("").to_string()), Cell::from(r["action"].as_str().unwrap_or("").to_string())])
                .collect(),
        );
    } else {
        out = out.text(Cell::styled("hint: --atomic rolls a failed deploy back; `tusk @kubernetes rollback NAME` undoes a Deployment rollout", Style::Dim));
    }
    Ok(out.with_status(ExitStatus::Failure))
}

/// Restores what a deploy changed: deletes what it created, re-applies the recorded
/// previous state of what it updated (taking the fields back with force), recreates what it
/// pruned. Never leaves a lock or pending marker behind: there is none.
async fn restore(kube: &Kube, j: &Journal, ctx: &Context) -> Vec<Value> {
    let mut done = Vec::new();
    let mut record = |kind: &str, name: &str, action: String| done.push(json!({"kind": kind, "name": name, "action": action}));
    for item in j.updated.iter().rev() {
        let Some((ar, caps)) = &item.resource else { continue };
        let Some(prev) = &item.live else { continue };
        let api = kube.dynamic(ar, caps, &item.ns);
        let mut body = normalize(prev);
        if let Some(m) = body.as_object_mut() {
            m.remove("status");
        }
        let task = ctx.progress.task(format!("restore {}/{}", item.kind.to_lowercase(), item.name));
        match api.patch(&item.name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&body)).await {
            Ok(_) => {
                task.ok("restored");
                record(&item.kind, &item.name, "restored previous state".into());
            }
            Err(e) => {
                task.fail("restore failed");
                record(&item.kind, &item.name, format!("restore FAILED: {}", api_err("", e).message));
            }
        }
    }
    for item in j.created.iter().rev() {
        let Some((ar, caps)) = &item.resource else { continue };
        let api = kube.dynamic(ar, caps, &item.ns);
        let task = ctx.progress.task(format!("delete {}/{}", item.kind.to_lowercase(), item.name));
        match api.delete(&item.name, &DeleteParams::background()).await {
            Ok(r) => match r.left() {
                Some(o) => {
                    let why = plan::finalizers(&serde_json::to_value(o).unwrap_or(Value::Null));
                    task.ok(&format!("terminating (finalizers: {why})"));
                    record(&item.kind, &item.name, format!("terminating (created by this deploy; finalizers: {why})"));
                }
                None => {
                    task.ok("deleted");
                    record(&item.kind, &item.name, "deleted (created by this deploy)".into());
                }
            },
            Err(e) if is_not_found(&e) => task.ok("already gone"),
            Err(e) => {
                task.fail("delete failed");
                record(&item.kind, &item.name, format!("delete FAILED: {}", api_err("", e).message));
            }
        }
    }
    for item in &j.deleted {
        let Some((ar, caps)) = &item.resource else { continue };
        let api: kube::Api<DynamicObject> = kube.dynamic(ar, caps, &item.ns);
        // A pruned object that finalizers still hold cannot be re-created: applying to it would
        // only edit an object that is about to disappear. Say so instead of "recreated".
        if let Ok(Some(o)) = api.get_opt(&item.name).await
            && o.metadata.deletion_timestamp.is_some()
        {
            let why = plan::finalizers(&serde_json::to_value(o).unwrap_or(Value::Null));
            record(&item.kind, &item.name, format!("NOT recreated: still terminating (finalizers: {why}); deploy again once it is gone"));
            continue;
        }
        let body = normalize(item.live.as_ref().unwrap_or(&Value::Null));
        match api.patch(&item.name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&body)).await {
            Ok(_) => record(&item.kind, &item.name, "recreated (pruned by this deploy)".into()),
            Err(e) => record(&item.kind, &item.name, format!("recreate FAILED: {}", api_err("", e).message)),
        }
    }
    done
}
