//! `deploy` and `diff`: plan with server-side dry run, show the change table, apply in
//! dependency order with server-side apply (field manager `tusk`), wait, explain, and with
//! `--atomic` put everything back.

use crate::client::{Kube, api_err, is_not_found};
use crate::manifest::Doc;
use crate::wait::{self, WaitOutcome, Waitable};
use kube::api::{ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::discovery::ApiCapabilities;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;
use tusk_registry::{Block, Cell, Context, Error, ExitStatus, Output, Style};

pub const FIELD_MANAGER: &str = "tusk";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Create,
    Update,
    Noop,
    Delete,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Noop => "noop",
            Op::Delete => "delete",
        }
    }
    fn style(self) -> Style {
        match self {
            Op::Create => Style::Good,
            Op::Update => Style::Warn,
            Op::Noop => Style::Dim,
            Op::Delete => Style::Bad,
        }
    }
}

/// One planned change.
#[derive(Clone)]
pub struct Item {
    pub value: Value,
    pub kind: String,
    pub name: String,
    pub ns: String,
    pub op: Op,
    pub resource: Option<(ApiResource, ApiCapabilities)>,
    pub live: Option<Value>,
    pub diff: String,
    pub wait_for: Option<&'static str>,
    /// A custom resource whose CRD is created by this deploy: resolved after the CRD exists.
    pub needs_crd: bool,
}

/// Install order: namespaces and CRDs, then accounts and RBAC, config, storage, workloads,
/// services, ingresses, then custom resources.
pub fn rank(kind: &str) -> u8 {
    match kind {
        "Namespace" => 0,
        "CustomResourceDefinition" => 1,
        "PriorityClass" | "StorageClass" | "IngressClass" => 2,
        "ServiceAccount" => 3,
        "ClusterRole" | "Role" => 4,
        "ClusterRoleBinding" | "RoleBinding" => 5,
        "LimitRange" | "ResourceQuota" | "NetworkPolicy" => 6,
        "ConfigMap" | "Secret" => 7,
        "PersistentVolume" => 8,
        "PersistentVolumeClaim" => 9,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Pod" | "Job" | "CronJob" => 10,
        "HorizontalPodAutoscaler" | "PodDisruptionBudget" => 11,
        "Service" => 12,
        "Ingress" => 13,
        _ => 14,
    }
}

/// Kinds `--prune` looks at (namespaced, labelled by tusk).
const PRUNE_KINDS: &[(&str, &str)] = &[
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
    ("v1", "PersistentVolumeClaim"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("policy/v1", "PodDisruptionBudget"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
];

/// What the cluster would hold, without server-managed noise: for comparing and diffing.
pub fn normalize(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("status");
    }
    if let Some(meta) = v["metadata"].as_object_mut() {
        for f in ["managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"] {
            meta.remove(f);
        }
        if meta.get("annotations").and_then(Value::as_object).is_some_and(|a| a.is_empty()) {
            meta.remove("annotations");
        }
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("deployment.kubernetes.io/revision");
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
        if meta.get("annotations").and_then(Value::as_object).is_some_and(|a| a.is_empty()) {
            meta.remove("annotations");
        }
    }
    v
}

fn unified(kind: &str, name: &str, before: &Value, after: &Value) -> String {
    let a = if before.is_null() { String::new() } else { serde_yaml::to_string(before).unwrap_or_default() };
    let b = serde_yaml::to_string(after).unwrap_or_default();
    let diff = similar::TextDiff::from_lines(&a, &b);
    diff.unified_diff()
        .context_radius(3)
        .header(&format!("live {}/{}", kind.to_lowercase(), name), &format!("after apply {}/{}", kind.to_lowercase(), name))
        .to_string()
}

/// Error text for a failed apply/dry run, with hints for conflicts and immutable fields.
fn apply_error(item: &Item, e: kube::Error) -> Error {
    let what = format!("{}/{}", item.kind.to_lowercase(), item.name);
    if let kube::Error::Api(s) = &e {
        if s.code == 409 && s.reason == "Conflict" {
            return Error::failed(format!("{what}: {}", s.message))
                .with_hint("another field manager owns these fields; pass --force-conflicts to take them over");
        }
        if s.code == 422 && s.message.contains("immutable") {
            return Error::failed(format!("{what}: an immutable field changed: {}", s.message))
                .with_hint("this change cannot be made in place: delete the object first (`tusk @kubernetes delete -f …`) or use a new name".to_string());
        }
    }
    api_err(&what, e)
}

/// Resolves, reads and dry-runs every document; adds prune deletions.
pub async fn plan(kube: &Kube, docs: &[Doc], force: bool, prune_app: Option<&str>) -> Result<Vec<Item>, Error> {
    let mut items: Vec<Item> = Vec::new();
    let crd_kinds: Vec<(String, String)> = docs
        .iter()
        .filter(|d| d.kind() == "CustomResourceDefinition")
        .flat_map(|d| {
            let g = d.value["spec"]["group"].as_str().unwrap_or("").to_string();
            let k = d.value["spec"]["names"]["kind"].as_str().unwrap_or("").to_string();
            d.value["spec"]["versions"].as_array().cloned().unwrap_or_default().into_iter().map(move |v| (format!("{g}/{}", v["name"].as_str().unwrap_or("")), k.clone()))
        })
        .collect();
    let new_namespaces: Vec<String> = docs.iter().filter(|d| d.kind() == "Namespace").map(|d| d.name().to_string()).collect();
    let mut errors = Vec::new();
    for d in docs {
        let resource = kube.resource(d.api_version(), d.kind()).await.map_err(|e| api_err("discovery", e))?;
        let needs_crd = resource.is_none() && crd_kinds.iter().any(|(a, k)| a == d.api_version() && k == d.kind());
        if resource.is_none() && !needs_crd {
            errors.push(
                Error::usage(format!("the cluster does not serve {} {}", d.api_version(), d.kind()))
                    .at(d.location())
                    .with_hint("is the CRD installed? Put it in the input to create it first"),
            );
            continue;
        }
        let namespaced = match &resource {
            Some((_, caps)) => caps.scope == kube::discovery::Scope::Namespaced,
            None => docs
                .iter()
                .find(|c| c.kind() == "CustomResourceDefinition" && c.value["spec"]["names"]["kind"] == d.value["kind"])
                .is_none_or(|c| c.value["spec"]["scope"] != "Cluster"),
        };
        let ns = if namespaced { d.value["metadata"]["namespace"].as_str().map(String::from).unwrap_or_else(|| kube.namespace.clone()) } else { String::new() };
        let mut value = d.value.clone();
        if namespaced {
            value["metadata"]["namespace"] = json!(ns);
        }
        let mut item = Item {
            wait_for: wait::wait_for(d.kind(), &value),
            value,
            kind: d.kind().to_string(),
            name: d.name().to_string(),
            ns: ns.clone(),
            op: Op::Create,
            resource: resource.clone(),
            live: None,
            diff: String::new(),
            needs_crd,
        };
        if let Some((ar, caps)) = &resource {
            let api = kube.dynamic(ar, caps, &ns);
            let live = match api.get_opt(&item.name).await {
                Ok(l) => l.map(|o| serde_json::to_value(o).unwrap_or(Value::Null)),
                Err(e) => return Err(api_err(&format!("reading {}/{}", item.kind.to_lowercase(), item.name), e)),
            };
            let ns_pending = namespaced && new_namespaces.contains(&ns) && live.is_none();
            if !ns_pending {
                let mut pp = PatchParams::apply(FIELD_MANAGER).dry_run();
                if force {
                    pp = pp.force();
                }
                match api.patch(&item.name, &pp, &Patch::Apply(&item.value)).await {
                    Ok(pred) => {
                        let pred = serde_json::to_value(pred).unwrap_or(Value::Null);
                        let before = live.as_ref().map(normalize).unwrap_or(Value::Null);
                        let after = normalize(&pred);
                        item.op = match &live {
                            None => Op::Create,
                            Some(_) if before == after => Op::Noop,
                            Some(_) => Op::Update,
                        };
                        if item.op != Op::Noop {
                            item.diff = unified(&item.kind, &item.name, &before, &after);
                        }
                    }
                    Err(e) if is_not_found(&e) && live.is_none() => {}
                    Err(e) => {
                        errors.push(apply_error(&item, e).at(d.location()));
                        continue;
                    }
                }
            } else {
                item.diff = unified(&item.kind, &item.name, &Value::Null, &normalize(&item.value));
            }
            item.live = live;
        } else {
            item.diff = unified(&item.kind, &item.name, &Value::Null, &normalize(&item.value));
        }
        items.push(item);
    }
    if let Some(first) = errors.into_iter().next() {
        return Err(first);
    }
    if let Some(app) = prune_app {
        let mut namespaces: Vec<String> = items.iter().filter(|i| !i.ns.is_empty()).map(|i| i.ns.clone()).collect();
        namespaces.push(kube.namespace.clone());
        namespaces.sort();
        namespaces.dedup();
        for (av, kind) in PRUNE_KINDS {
            let Some((ar, caps)) = kube.resource(av, kind).await.map_err(|e| api_err("discovery", e))? else { continue };
            for ns in &namespaces {
                let api = kube.dynamic(&ar, &caps, ns);
                let list = api
                    .list(&ListParams::default().labels(&format!("{}={app}", crate::render::APP_LABEL)))
                    .await
                    .map_err(|e| api_err(&format!("listing {kind} for --prune"), e))?;
                for o in list.items {
                    let name = o.metadata.name.clone().unwrap_or_default();
                    if items.iter().any(|i| i.kind == *kind && i.name == name && i.ns == *ns) {
                        continue;
                    }
                    let live = serde_json::to_value(&o).unwrap_or(Value::Null);
                    items.push(Item {
                        diff: unified(kind, &name, &normalize(&live), &Value::Null),
                        value: live.clone(),
                        kind: kind.to_string(),
                        name,
                        ns: ns.clone(),
                        op: Op::Delete,
                        resource: Some((ar.clone(), caps.clone())),
                        live: Some(live),
                        wait_for: None,
                        needs_crd: false,
                    });
                }
            }
        }
    }
    items.sort_by_key(|i| (i.op == Op::Delete, rank(&i.kind)));
    Ok(items)
}

pub fn change_table(items: &[Item]) -> Block {
    Block::Table {
        columns: ["NAMESPACE", "KIND", "NAME", "OP", "WAIT FOR"].iter().map(|s| s.to_string()).collect(),
        rows: items
            .iter()
            .map(|i| {
                vec![
                    Cell::from(if i.ns.is_empty() { "(cluster)".to_string() } else { i.ns.clone() }),
                    Cell::from(i.kind.clone()),
                    Cell::from(i.name.clone()),
                    Cell::styled(i.op.name(), i.op.style()),
                    Cell::from(if i.op == Op::Delete { "-".to_string() } else { i.wait_for.unwrap_or("-").to_string() }),
                ]
            })
            .collect(),
    }
}

pub fn summary(items: &[Item]) -> String {
    let n = |op: Op| items.iter().filter(|i| i.op == op).count();
    format!("Plan: {} to create, {} to update, {} to delete, {} unchanged", n(Op::Create), n(Op::Update), n(Op::Delete), n(Op::Noop))
}

pub fn plan_json(items: &[Item]) -> Vec<Value> {
    items
        .iter()
        .map(|i| json!({"namespace": i.ns, "kind": i.kind, "name": i.name, "op": i.op, "waitFor": i.wait_for}))
        .collect()
}

/// What a deploy changed, for `--atomic`.
#[derive(Default)]
struct Journal {
    created: Vec<Item>,
    updated: Vec<Item>,
    deleted: Vec<Item>,
}

pub struct DeployOpts {
    pub yes: bool,
    pub force: bool,
    pub atomic: bool,
    pub show_diff: bool,
    pub app: Option<String>,
    pub prune: bool,
    pub timeout: Duration,
    pub resource_timeout: Option<Duration>,
    pub wait: bool,
}

/// Adds the app label to every document (for `--prune`).
pub fn label_app(docs: &mut [Doc], app: &str) {
    for d in docs.iter_mut() {
        if !d.value["metadata"]["labels"].is_object() {
            d.value["metadata"]["labels"] = json!({});
        }
        d.value["metadata"]["labels"][crate::render::APP_LABEL] = json!(app);
    }
}

/// `--dry-run` without a reachable cluster: the plan from the input alone.
pub fn offline_plan(kube: &Kube, docs: &[Doc], why: &str) -> Output {
    let mut docs: Vec<&Doc> = docs.iter().collect();
    docs.sort_by_key(|d| rank(d.kind()));
    let rows: Vec<Vec<Cell>> = docs
        .iter()
        .map(|d| {
            let ns = d.value["metadata"]["namespace"].as_str().map(String::from).unwrap_or_else(|| kube.namespace.clone());
            vec![
                Cell::from(ns),
                Cell::from(d.kind().to_string()),
                Cell::from(d.name().to_string()),
                Cell::styled("unknown", Style::Dim),
                Cell::from(wait::wait_for(d.kind(), &d.value).unwrap_or("-").to_string()),
            ]
        })
        .collect();
    let data = json!({"context": kube.context, "namespace": kube.namespace, "dryRun": true, "offline": true,
        "changes": docs.iter().map(|d| json!({"kind": d.kind(), "name": d.name(), "op": null, "waitFor": wait::wait_for(d.kind(), &d.value)})).collect::<Vec<_>>()});
    Output::new(data)
        .block(Block::Table { columns: ["NAMESPACE", "KIND", "NAME", "OP", "WAIT FOR"].iter().map(|s| s.to_string()).collect(), rows })
        .text(Cell::styled(format!("dry run without a cluster ({why}): the manifests are valid; create/update/noop needs a reachable cluster"), Style::Warn))
}

pub async fn deploy(kube: &Kube, docs: Vec<Doc>, opts: DeployOpts, ctx: &Context) -> Result<Output, Error> {
    let started = std::time::Instant::now();
    ctx.audit.set_target(format!("context {}, namespace {}", kube.context, kube.namespace));
    let items = plan(kube, &docs, opts.force, if opts.prune { opts.app.as_deref() } else { None }).await?;
    let mut shown = vec![change_table(&items), Block::Text(vec![Cell::from(summary(&items))])];
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
                        failure = Some(apply_error(&item, e));
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
                    Ok(_) => {
                        task.ok("deleted");
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
        rolled_back = rollback(kube, &journal, ctx).await;
    }
    let results: Vec<Value> = outcomes
        .iter()
        .map(|o| json!({"namespace": o.namespace, "kind": o.kind, "name": o.name, "result": o.result, "message": o.message, "explanation": o.explanation}))
        .collect();
    let data = json!({
        "context": kube.context, "namespace": kube.namespace, "app": opts.app,
        "changes": plan_json(&items), "results": results, "succeeded": ok, "rolledBack": rolled_back,
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
async fn rollback(kube: &Kube, j: &Journal, ctx: &Context) -> Vec<Value> {
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
            Ok(_) => {
                task.ok("deleted");
                record(&item.kind, &item.name, "deleted (created by this deploy)".into());
            }
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
        let body = normalize(item.live.as_ref().unwrap_or(&Value::Null));
        match api.patch(&item.name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&body)).await {
            Ok(_) => record(&item.kind, &item.name, "recreated (pruned by this deploy)".into()),
            Err(e) => record(&item.kind, &item.name, format!("recreate FAILED: {}", api_err("", e).message)),
        }
    }
    done
}
