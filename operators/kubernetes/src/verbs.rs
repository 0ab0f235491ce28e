//! The verbs: dispatch, and everything besides deploy's core.

use crate::client::{Kube, api_err, connect, is_not_found};
use crate::deploy::{self, DeployOpts, FIELD_MANAGER, Op};
use crate::manifest::{self, Doc, LoadError};
use crate::render::{self, RenderError, RenderFlags};
use crate::wait::{self, Waitable};
use crate::Verb;
use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, DeleteParams, ListParams, LogParams, Patch, PatchParams};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;
use tusk_registry::{Block, Cell, Context, Error, ExitStatus, Output, Style};

pub async fn run(verb: Verb, ctx: Context) -> Result<Output, Error> {
    match verb {
        Verb::Render { name, files, render, app, namespace } => {
            let docs = input_docs(name.as_deref(), &files, &render, app.as_deref(), namespace.as_deref())?;
            let values: Vec<Value> = docs.iter().map(|d| d.value.clone()).collect();
            Ok(Output::new(&values).with_raw_text(render::to_yaml(&values)))
        }
        Verb::Deploy { args, kube } => {
            let app = args.app.clone().or_else(|| if args.files.is_empty() { args.name.clone() } else { None });
            if args.prune && app.is_none() {
                return Err(Error::usage("--prune needs --app NAME: only objects of that app are pruned").at("--prune"));
            }
            let mut docs = input_docs(args.name.as_deref(), &args.files, &args.render, app.as_deref(), None)?;
            if let Some(a) = &app {
                deploy::label_app(&mut docs, a);
            }
            let k = connect(&kube).await?;
            if ctx.dry_run {
                // Server-side dry run when the cluster answers; otherwise the plan from the input.
                match tokio::time::timeout(Duration::from_secs(5), k.client.apiserver_version()).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return Ok(deploy::offline_plan(&k, &docs, &api_err("cluster", e).message)),
                    Err(_) => return Ok(deploy::offline_plan(&k, &docs, "the API server did not answer within 5s")),
                }
            }
            check_cluster_kinds(&k, &docs).await?;
            let opts = DeployOpts {
                yes: args.yes,
                force: args.force_conflicts,
                atomic: args.atomic,
                show_diff: args.diff,
                app,
                prune: args.prune,
                timeout: args.timeout,
                resource_timeout: args.resource_timeout,
                wait: !args.no_wait,
            };
            deploy::deploy(&k, docs, opts, &ctx).await
        }
        Verb::Diff { name, files, render, force_conflicts, kube } => {
            let app = if files.is_empty() { name.clone() } else { None };
            let mut docs = input_docs(name.as_deref(), &files, &render, app.as_deref(), None)?;
            if let Some(a) = &app {
                deploy::label_app(&mut docs, a);
            }
            let k = connect(&kube).await?;
            check_cluster_kinds(&k, &docs).await?;
            let items = deploy::plan(&k, &docs, force_conflicts, None).await?;
            let changed = items.iter().any(|i| i.op != Op::Noop);
            let mut out = Output::new(json!({"context": k.context, "namespace": k.namespace, "changed": changed, "changes": deploy::plan_json(&items),
                                             "diffs": items.iter().filter(|i| !i.diff.is_empty()).map(|i| json!({"kind": i.kind, "name": i.name, "diff": i.diff})).collect::<Vec<_>>()}));
            out = out.block(deploy::change_table(&items)).text(deploy::summary(&items));
            for i in items.iter().filter(|i| !i.diff.is_empty()) {
                out = out.block(Block::Diff(i.diff.clone()));
            }
            Ok(out.with_status(if changed { ExitStatus::Failure } else { ExitStatus::Success }))
        }
        Verb::Status { name, kube } => status(&connect(&kube).await?, &name).await,
        Verb::Get { kind, name, selector, kube } => get(&connect(&kube).await?, &kind, name.as_deref(), selector.as_deref()).await,
        Verb::Scale { name, replicas, no_wait, timeout, kube } => {
            let k = connect(&kube).await?;
            if replicas < 0 {
                return Err(Error::usage("replicas cannot be negative").at("REPLICAS"));
            }
            ctx.audit.set_target(format!("{}, deployment/{name}", k.describe()));
            let api: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
            let cur = get_deployment(&api, &name, &k).await?;
            let from = cur.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            if ctx.dry_run {
                return Ok(Output::new(json!({"name": name, "from": from, "to": replicas, "dryRun": true}))
                    .text(format!("would scale deployment/{name} from {from} to {replicas} (dry run)")));
            }
            api.patch_scale(&name, &PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..Default::default() }, &Patch::Merge(json!({"spec": {"replicas": replicas}})))
                .await
                .map_err(|e| api_err(&format!("scaling deployment/{name}"), e))?;
            let mut out = Output::new(json!({"name": name, "from": from, "to": replicas}));
            if !no_wait {
                wait_deployment(&k, &name, timeout, &ctx).await?;
            }
            out = out.text(Cell::styled(format!("deployment/{name} scaled from {from} to {replicas}"), Style::Good));
            Ok(out)
        }
        Verb::Restart { name, no_wait, timeout, kube } => {
            let k = connect(&kube).await?;
            ctx.audit.set_target(format!("{}, deployment/{name}", k.describe()));
            let api: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
            get_deployment(&api, &name, &k).await?;
            if ctx.dry_run {
                return Ok(Output::new(json!({"name": name, "dryRun": true})).text(format!("would restart deployment/{name} (dry run)")));
            }
            let now = tusk_registry::audit::now_rfc3339();
            let patch = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": now}}}}});
            api.patch(&name, &PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..Default::default() }, &Patch::Merge(&patch))
                .await
                .map_err(|e| api_err(&format!("restarting deployment/{name}"), e))?;
            if !no_wait {
                wait_deployment(&k, &name, timeout, &ctx).await?;
            }
            Ok(Output::new(json!({"name": name, "restartedAt": now})).text(Cell::styled(format!("deployment/{name} restarted"), Style::Good)))
        }
        Verb::Rollback { name, to_revision, no_wait, timeout, kube } => {
            let k = connect(&kube).await?;
            ctx.audit.set_target(format!("{}, deployment/{name}", k.describe()));
            rollback(&k, &name, to_revision, no_wait, timeout, &ctx).await
        }
        Verb::History { name, kube } => {
            let k = connect(&kube).await?;
            let (dep, revs) = revisions(&k, &name).await?;
            let current = dep.metadata.annotations.as_ref().and_then(|a| a.get("deployment.kubernetes.io/revision")).and_then(|r| r.parse::<i64>().ok()).unwrap_or(0);
            let rows = revs
                .iter()
                .map(|r| {
                    vec![
                        Cell::from(r.revision.to_string()),
                        Cell::from(r.replicaset.clone()),
                        Cell::from(r.images.join(",")),
                        if r.revision == current { Cell::styled("current", Style::Good) } else { Cell::from("") },
                        Cell::from(r.change_cause.clone().unwrap_or_default()),
                    ]
                })
                .collect();
            Ok(Output::new(json!({"name": name, "current": current, "revisions": revs})).table(&["REVISION", "REPLICASET", "IMAGES", "", "CHANGE-CAUSE"], rows))
        }
        Verb::Delete { name, files, yes, kube } => {
            let k = connect(&kube).await?;
            delete(&k, name.as_deref(), &files, yes, &ctx).await
        }
        Verb::Logs { name, follow, since, container, tail, kube } => {
            let k = connect(&kube).await?;
            logs(&k, &name, follow, since, container.as_deref(), tail, &ctx).await
        }
    }
}

fn load_error(e: LoadError) -> Error {
    match e {
        LoadError::Invalid { problems } => {
            let loc = problems.first().map(|p| format!("{}:{}", p.file, p.line));
            let n = problems.len();
            let mut err = Error::usage(format!(
                "{} problem{} in the manifests:\n{}",
                n,
                if n == 1 { "" } else { "s" },
                problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
            ))
            .with_hint("fix the fields named above; nothing was sent to the cluster");
            if let Some(l) = loc {
                err = err.at(l);
            }
            err
        }
        LoadError::Read { path, source } => Error::usage(format!("cannot read {path}: {source}")).at("-f"),
        LoadError::EmptyDir(d) => Error::usage(format!("no .yaml, .yml or .json files in {d}")).at("-f"),
    }
}

/// The documents to work on: generated from flags (NAME + --image …) or loaded from -f.
pub fn input_docs(name: Option<&str>, files: &[String], flags: &RenderFlags, app: Option<&str>, namespace: Option<&str>) -> Result<Vec<Doc>, Error> {
    if !files.is_empty() {
        if name.is_some() || flags.image.is_some() {
            return Err(Error::usage("give either NAME --image … or -f FILE, not both").at("-f"));
        }
        let mut stdin = std::io::stdin();
        let mut docs = manifest::load(files, &mut stdin).map_err(load_error)?;
        if docs.is_empty() {
            return Err(Error::usage("the manifests contain no documents").at("-f"));
        }
        let problems = manifest::validate(&docs, &[]);
        // Unknown kinds may still be served by the cluster: those are checked after connecting.
        let hard: Vec<_> = problems.into_iter().filter(|p| !(p.path == "kind" && p.message.starts_with("unknown kind") && !p.message.contains("did you mean"))).collect();
        if !hard.is_empty() {
            return Err(load_error(LoadError::Invalid { problems: hard }));
        }
        if let Some(ns) = namespace {
            for d in docs.iter_mut() {
                d.value["metadata"]["namespace"] = json!(ns);
            }
        }
        return Ok(docs);
    }
    let Some(name) = name else {
        return Err(Error::usage("nothing to deploy").with_hint("pass NAME --image IMAGE, or -f FILE|DIR|-"));
    };
    let values = render::render(name, namespace, app, flags).map_err(|e| match e {
        RenderError::Bad { flag, message, hint } => Error::usage(format!("{flag}: {message}")).at(flag).with_hint(hint),
    })?;
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(i, v)| Doc { source: "flags".into(), index: i + 1, line: 1, text: serde_yaml::to_string(&v).unwrap_or_default(), value: v })
        .collect())
}

/// Kinds that are neither built in nor defined by a CRD in the input must be served by the
/// cluster (a CRD installed earlier).
async fn check_cluster_kinds(k: &Kube, docs: &[Doc]) -> Result<(), Error> {
    let in_input: Vec<(String, String)> = docs
        .iter()
        .filter(|d| d.kind() == "CustomResourceDefinition")
        .flat_map(|d| {
            let g = d.value["spec"]["group"].as_str().unwrap_or("").to_string();
            let kind = d.value["spec"]["names"]["kind"].as_str().unwrap_or("").to_string();
            d.value["spec"]["versions"].as_array().cloned().unwrap_or_default().into_iter().map(move |v| (format!("{g}/{}", v["name"].as_str().unwrap_or("")), kind.clone()))
        })
        .collect();
    let mut problems = Vec::new();
    for d in docs {
        if manifest::is_builtin(d.api_version(), d.kind()) || in_input.iter().any(|(a, kd)| a == d.api_version() && kd == d.kind()) {
            continue;
        }
        match k.resource(d.api_version(), d.kind()).await {
            Ok(Some(_)) => {
                // Check it against the schema of the CRD installed on the cluster.
                if let Some(schema) = cluster_crd_schema(k, d.api_version(), d.kind()).await {
                    let mut body = d.value.clone();
                    if let Some(m) = body.as_object_mut() {
                        m.remove("apiVersion");
                        m.remove("kind");
                        m.remove("metadata");
                    }
                    let mut errs = Vec::new();
                    manifest::check_schema(&schema, &body, "", &mut errs, true);
                    for (path, message) in errs {
                        let line = manifest::line_of(&d.text, &path).map(|l| l + d.line - 1).unwrap_or(d.line);
                        problems.push(manifest::Problem { file: d.source.clone(), document: d.index, line, path, message });
                    }
                }
            }
            Ok(None) => problems.push(manifest::Problem {
                file: d.source.clone(),
                document: d.index,
                line: d.line,
                path: "kind".into(),
                message: format!("unknown kind {} (apiVersion {}): not a built-in kind, and no CRD for it in the input or on the cluster", d.kind(), d.api_version()),
            }),
            Err(e) => return Err(api_err("discovery", e)),
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(load_error(LoadError::Invalid { problems })) }
}

/// The `openAPIV3Schema` of the cluster's CRD for a kind, if the CRD can be read.
async fn cluster_crd_schema(k: &Kube, api_version: &str, kind: &str) -> Option<Value> {
    let (group, version) = api_version.split_once('/')?;
    let api: Api<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition> = Api::all(k.client.clone());
    let list = api.list(&ListParams::default()).await.ok()?;
    let crd = list.items.into_iter().find(|c| c.spec.group == group && c.spec.names.kind == kind)?;
    let v = crd.spec.versions.into_iter().find(|v| v.name == version)?;
    let schema = v.schema?.open_api_v3_schema?;
    serde_json::to_value(schema).ok()
}

async fn get_deployment(api: &Api<Deployment>, name: &str, k: &Kube) -> Result<Deployment, Error> {
    match api.get_opt(name).await {
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err(Error::failed(format!("deployment/{name} not found in namespace {}", k.namespace))
            .with_hint(format!("`tusk @k8s get deploy -n {}` lists them; -n picks the namespace", k.namespace))),
        Err(e) => Err(api_err(&format!("reading deployment/{name}"), e)),
    }
}

async fn wait_deployment(k: &Kube, name: &str, timeout: Duration, ctx: &Context) -> Result<(), Error> {
    let Some((ar, caps)) = k.resource("apps/v1", "Deployment").await.map_err(|e| api_err("discovery", e))? else {
        return Err(Error::unsupported("this cluster does not serve apps/v1 Deployments"));
    };
    let w = Waitable { ar, caps, ns: k.namespace.clone(), kind: "Deployment".into(), name: name.to_string() };
    let task = ctx.progress.task(format!("deployment/{name}"));
    let o = wait::wait_one(k, &w, task, Instant::now() + timeout, &ctx.cancel).await;
    match o.result.as_str() {
        "ready" => Ok(()),
        "interrupted" => Err(Error::interrupted()),
        _ => Err(wait::outcome_error(&o)),
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Revision {
    pub revision: i64,
    pub replicaset: String,
    pub images: Vec<String>,
    #[serde(rename = "changeCause")]
    pub change_cause: Option<String>,
    #[serde(skip)]
    pub template: Value,
}

async fn revisions(k: &Kube, name: &str) -> Result<(Deployment, Vec<Revision>), Error> {
    let api: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
    let dep = get_deployment(&api, name, k).await?;
    let uid = dep.metadata.uid.clone().unwrap_or_default();
    let rs_api: Api<ReplicaSet> = Api::namespaced(k.client.clone(), &k.namespace);
    let list = rs_api.list(&ListParams::default()).await.map_err(|e| api_err("listing replicasets", e))?;
    let mut revs: Vec<Revision> = list
        .items
        .into_iter()
        .filter(|r| r.metadata.owner_references.iter().flatten().any(|o| o.uid == uid))
        .filter_map(|r| {
            let ann = r.metadata.annotations.clone().unwrap_or_default();
            let revision = ann.get("deployment.kubernetes.io/revision")?.parse().ok()?;
            let template = serde_json::to_value(r.spec.as_ref().and_then(|s| s.template.clone())).unwrap_or(Value::Null);
            let images = template["spec"]["containers"].as_array().map(|cs| cs.iter().filter_map(|c| c["image"].as_str().map(String::from)).collect()).unwrap_or_default();
            Some(Revision { revision, replicaset: r.metadata.name.clone().unwrap_or_default(), images, change_cause: ann.get("kubernetes.io/change-cause").cloned(), template })
        })
        .collect();
    revs.sort_by_key(|r| r.revision);
    Ok((dep, revs))
}

async fn rollback(k: &Kube, name: &str, to: Option<i64>, no_wait: bool, timeout: Duration, ctx: &Context) -> Result<Output, Error> {
    let (dep, revs) = revisions(k, name).await?;
    let current = dep.metadata.annotations.as_ref().and_then(|a| a.get("deployment.kubernetes.io/revision")).and_then(|r| r.parse::<i64>().ok()).unwrap_or(0);
    let target = match to {
        Some(n) => revs.iter().find(|r| r.revision == n).cloned().ok_or_else(|| {
            Error::usage(format!("deployment/{name} has no revision {n}"))
                .at("--to-revision")
                .with_hint(format!("revisions: {}", revs.iter().map(|r| r.revision.to_string()).collect::<Vec<_>>().join(", ")))
        })?,
        None => revs.iter().rev().find(|r| r.revision < current).cloned().ok_or_else(|| {
            Error::failed(format!("deployment/{name} has no revision before {current} to roll back to")).with_hint("`tusk @k8s history NAME` lists revisions")
        })?,
    };
    if target.revision == current {
        return Ok(Output::new(json!({"name": name, "revision": current, "changed": false})).text(format!("deployment/{name} is already at revision {current}")));
    }
    if ctx.dry_run {
        return Ok(Output::new(json!({"name": name, "from": current, "to": target.revision, "dryRun": true}))
            .text(format!("would roll deployment/{name} back from revision {current} to {} (dry run)", target.revision)));
    }
    let mut template = target.template.clone();
    if let Some(l) = template["metadata"]["labels"].as_object_mut() {
        l.remove("pod-template-hash");
    }
    // Apply the whole live object with the old template, as tusk, taking the fields over: a
    // later `tusk deploy` then owns them again without conflicts.
    let mut body = deploy::normalize(&serde_json::to_value(&dep).unwrap_or(Value::Null));
    body["spec"]["template"] = template;
    let api: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
    api.patch(name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&body))
        .await
        .map_err(|e| api_err(&format!("rolling back deployment/{name}"), e))?;
    if !no_wait {
        wait_deployment(k, name, timeout, ctx).await?;
    }
    Ok(Output::new(json!({"name": name, "from": current, "to": target.revision, "images": target.images}))
        .text(Cell::styled(format!("deployment/{name} rolled back to revision {} ({})", target.revision, target.images.join(",")), Style::Good)))
}

fn age(ts: Option<&str>) -> String {
    let Some(ts) = ts else { return "-".into() };
    let Ok(t) = time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339) else { return "-".into() };
    let secs = (time::OffsetDateTime::now_utc() - t).whole_seconds().max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

fn pod_row(p: &Value) -> Vec<Cell> {
    let cs = p["status"]["containerStatuses"].as_array().cloned().unwrap_or_default();
    let total = p["spec"]["containers"].as_array().map(|c| c.len()).unwrap_or(0);
    let ready = cs.iter().filter(|c| c["ready"] == true).count();
    let restarts: i64 = cs.iter().map(|c| c["restartCount"].as_i64().unwrap_or(0)).sum();
    let mut status = p["status"]["phase"].as_str().unwrap_or("Pending").to_string();
    for c in &cs {
        if let Some(r) = c["state"]["waiting"]["reason"].as_str() {
            status = r.to_string();
        }
    }
    let style = match status.as_str() {
        "Running" | "Succeeded" if ready == total || status == "Succeeded" => Style::Good,
        "Running" | "Pending" | "ContainerCreating" => Style::Warn,
        _ => Style::Bad,
    };
    vec![
        Cell::from(p["metadata"]["name"].as_str().unwrap_or("").to_string()),
        Cell::from(format!("{ready}/{total}")),
        Cell::styled(status, style),
        Cell::from(restarts.to_string()),
        Cell::from(age(p["metadata"]["creationTimestamp"].as_str())),
    ]
}

async fn status(k: &Kube, name: &str) -> Result<Output, Error> {
    let api: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
    let dep = get_deployment(&api, name, k).await?;
    let obj = serde_json::to_value(&dep).unwrap_or(Value::Null);
    let pods = wait::current_pods(k, "Deployment", &k.namespace, &obj).await.map_err(|e| api_err("listing pods", e))?;
    let verdict = wait::evaluate("Deployment", &obj, &pods);
    let (state, msg, style) = match &verdict {
        wait::Verdict::Ready(m) => ("ready", m.clone(), Style::Good),
        wait::Verdict::Progress(m) => ("progressing", m.clone(), Style::Warn),
        wait::Verdict::Failed(m) => ("failed", m.clone(), Style::Bad),
    };
    let all_pods: Api<Pod> = Api::namespaced(k.client.clone(), &k.namespace);
    let sel = obj["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|m| m.iter().map(|(a, b)| format!("{a}={}", b.as_str().unwrap_or(""))).collect::<Vec<_>>().join(","))
        .unwrap_or_default();
    let pod_list = all_pods.list(&ListParams::default().labels(&sel)).await.map_err(|e| api_err("listing pods", e))?;
    let pod_values: Vec<Value> = pod_list.items.iter().map(|p| serde_json::to_value(p).unwrap_or(Value::Null)).collect();
    let events: Api<Event> = Api::namespaced(k.client.clone(), &k.namespace);
    let evs = events.list(&ListParams::default().fields("type=Warning")).await.map_err(|e| api_err("listing events", e))?;
    let mut names: Vec<String> = pod_list.items.iter().filter_map(|p| p.metadata.name.clone()).collect();
    names.push(name.to_string());
    let mut warnings: Vec<(String, String, String, i32)> = evs
        .items
        .iter()
        .filter(|e| e.involved_object.name.as_ref().is_some_and(|n| names.contains(n)))
        .map(|e| (e.involved_object.name.clone().unwrap_or_default(), e.reason.clone().unwrap_or_default(), e.message.clone().unwrap_or_default(), e.count.unwrap_or(1)))
        .collect();
    warnings.sort();
    warnings.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
    warnings.truncate(10);
    let images: Vec<String> = obj["spec"]["template"]["spec"]["containers"].as_array().map(|c| c.iter().filter_map(|c| c["image"].as_str().map(String::from)).collect()).unwrap_or_default();
    let revision = obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str().unwrap_or("").to_string();
    let desired = obj["spec"]["replicas"].as_i64().unwrap_or(1);
    let data = json!({
        "name": name, "namespace": k.namespace, "state": state, "message": msg, "revision": revision, "images": images,
        "replicas": {"desired": desired, "updated": obj["status"]["updatedReplicas"].as_i64().unwrap_or(0),
                     "ready": obj["status"]["readyReplicas"].as_i64().unwrap_or(0), "available": obj["status"]["availableReplicas"].as_i64().unwrap_or(0)},
        "pods": pod_values.iter().map(|p| json!({"name": p["metadata"]["name"], "phase": p["status"]["phase"]})).collect::<Vec<_>>(),
        "warnings": warnings.iter().map(|w| json!({"object": w.0, "reason": w.1, "message": w.2, "count": w.3})).collect::<Vec<_>>(),
    });
    let mut out = Output::new(data).kv([
        ("deployment", Cell::from(format!("{}/{name}", k.namespace))),
        ("state", Cell::styled(format!("{state}: {msg}"), style)),
        ("revision", Cell::from(revision)),
        ("images", Cell::from(images.join(", "))),
        (
            "replicas",
            Cell::from(format!(
                "{desired} desired, {} updated, {} ready, {} available",
                obj["status"]["updatedReplicas"].as_i64().unwrap_or(0),
                obj["status"]["readyReplicas"].as_i64().unwrap_or(0),
                obj["status"]["availableReplicas"].as_i64().unwrap_or(0)
            )),
        ),
    ]);
    out = out.table(&["POD", "READY", "STATUS", "RESTARTS", "AGE"], pod_values.iter().map(pod_row).collect());
    if !warnings.is_empty() {
        out = out.block(Block::Heading("Recent warning events".into()));
        out = out.table(&["OBJECT", "REASON", "MESSAGE", "COUNT"], warnings.iter().map(|w| vec![Cell::from(w.0.clone()), Cell::styled(w.1.clone(), Style::Warn), Cell::from(w.2.clone()), Cell::from(w.3.to_string())]).collect());
    }
    Ok(out)
}

async fn get(k: &Kube, kind: &str, name: Option<&str>, selector: Option<&str>) -> Result<Output, Error> {
    let discovery = kube::Discovery::new(k.client.clone()).run().await.map_err(|e| api_err("discovery", e))?;
    let want = kind.to_lowercase();
    let mut found = None;
    let mut all_names = Vec::new();
    for group in discovery.groups() {
        for (ar, caps) in group.recommended_resources() {
            all_names.push(ar.plural.clone());
            let short = ["po:pods", "deploy:deployments", "svc:services", "rs:replicasets", "sts:statefulsets", "ds:daemonsets", "cm:configmaps", "ns:namespaces", "pvc:persistentvolumeclaims", "hpa:horizontalpodautoscalers", "ing:ingresses", "sa:serviceaccounts", "no:nodes", "ev:events", "crd:customresourcedefinitions", "cj:cronjobs"];
            let is_short = short.iter().any(|s| s.split_once(':').is_some_and(|(a, b)| a == want && b == ar.plural));
            if (ar.plural == want || ar.kind.to_lowercase() == want || is_short || format!("{}.{}", ar.plural, ar.group) == want)
                && (found.is_none() || ar.group.is_empty()) {
                    found = Some((ar, caps));
                }
        }
    }
    let Some((ar, caps)) = found else {
        let s = tusk_registry::suggest(&want, all_names);
        return Err(Error::usage(format!("the server has no resource type `{kind}`"))
            .at("KIND")
            .with_hint(s.first().map(|x| format!("did you mean {x}?")).unwrap_or_else(|| "e.g. pods, deployments, services".into())));
    };
    let api = k.dynamic(&ar, &caps, &k.namespace);
    let items: Vec<Value> = match name {
        Some(n) => match api.get_opt(n).await {
            Ok(Some(o)) => vec![serde_json::to_value(o).unwrap_or(Value::Null)],
            Ok(None) => return Err(Error::failed(format!("{}/{n} not found in namespace {}", ar.plural, k.namespace))),
            Err(e) => return Err(api_err(&format!("reading {}/{n}", ar.plural), e)),
        },
        None => {
            let mut lp = ListParams::default();
            if let Some(s) = selector {
                lp = lp.labels(s);
            }
            api.list(&lp).await.map_err(|e| api_err(&format!("listing {}", ar.plural), e))?.items.into_iter().map(|o| serde_json::to_value(o).unwrap_or(Value::Null)).collect()
        }
    };
    let (cols, rows): (Vec<&str>, Vec<Vec<Cell>>) = match ar.kind.as_str() {
        "Pod" => (vec!["NAME", "READY", "STATUS", "RESTARTS", "AGE"], items.iter().map(pod_row).collect()),
        "Deployment" => (
            vec!["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
            items
                .iter()
                .map(|d| {
                    vec![
                        Cell::from(d["metadata"]["name"].as_str().unwrap_or("").to_string()),
                        Cell::from(format!("{}/{}", d["status"]["readyReplicas"].as_i64().unwrap_or(0), d["spec"]["replicas"].as_i64().unwrap_or(1))),
                        Cell::from(d["status"]["updatedReplicas"].as_i64().unwrap_or(0).to_string()),
                        Cell::from(d["status"]["availableReplicas"].as_i64().unwrap_or(0).to_string()),
                        Cell::from(age(d["metadata"]["creationTimestamp"].as_str())),
                    ]
                })
                .collect(),
        ),
        "Service" => (
            vec!["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
            items
                .iter()
                .map(|s| {
                    let ports = s["spec"]["ports"]
                        .as_array()
                        .map(|ps| {
                            ps.iter()
                                .map(|p| match p["nodePort"].as_i64() {
                                    Some(np) => format!("{}:{np}/{}", p["port"], p["protocol"].as_str().unwrap_or("TCP")),
                                    None => format!("{}/{}", p["port"], p["protocol"].as_str().unwrap_or("TCP")),
                                })
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .unwrap_or_default();
                    let ext = s["status"]["loadBalancer"]["ingress"][0]["ip"].as_str().map(String::from).unwrap_or_else(|| {
                        if s["spec"]["type"] == "LoadBalancer" { "<pending>".into() } else { "<none>".into() }
                    });
                    vec![
                        Cell::from(s["metadata"]["name"].as_str().unwrap_or("").to_string()),
                        Cell::from(s["spec"]["type"].as_str().unwrap_or("ClusterIP").to_string()),
                        Cell::from(s["spec"]["clusterIP"].as_str().unwrap_or("").to_string()),
                        Cell::from(ext),
                        Cell::from(ports),
                        Cell::from(age(s["metadata"]["creationTimestamp"].as_str())),
                    ]
                })
                .collect(),
        ),
        "ReplicaSet" => (
            vec!["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
            items
                .iter()
                .map(|r| {
                    vec![
                        Cell::from(r["metadata"]["name"].as_str().unwrap_or("").to_string()),
                        Cell::from(r["spec"]["replicas"].as_i64().unwrap_or(1).to_string()),
                        Cell::from(r["status"]["replicas"].as_i64().unwrap_or(0).to_string()),
                        Cell::from(r["status"]["readyReplicas"].as_i64().unwrap_or(0).to_string()),
                        Cell::from(age(r["metadata"]["creationTimestamp"].as_str())),
                    ]
                })
                .collect(),
        ),
        _ => (
            vec!["NAME", "AGE"],
            items.iter().map(|o| vec![Cell::from(o["metadata"]["name"].as_str().unwrap_or("").to_string()), Cell::from(age(o["metadata"]["creationTimestamp"].as_str()))]).collect(),
        ),
    };
    let mut out = Output::new(json!({"kind": ar.kind, "namespace": k.namespace, "items": items}));
    if rows.is_empty() {
        out = out.text(format!("No {} in namespace {}.", ar.plural, k.namespace));
    } else {
        out = out.table(&cols, rows);
    }
    Ok(out)
}

async fn delete(k: &Kube, name: Option<&str>, files: &[String], yes: bool, ctx: &Context) -> Result<Output, Error> {
    ctx.audit.set_target(k.describe());
    // (kind, name, namespace, api) to delete, in reverse install order.
    let mut targets: Vec<(String, String, String, kube::Api<kube::api::DynamicObject>)> = Vec::new();
    if !files.is_empty() {
        if name.is_some() {
            return Err(Error::usage("give either NAME or -f FILE, not both").at("-f"));
        }
        let docs = input_docs(None, files, &RenderFlags::default(), None, None)?;
        for d in &docs {
            let Some((ar, caps)) = k.resource(d.api_version(), d.kind()).await.map_err(|e| api_err("discovery", e))? else { continue };
            let ns = if caps.scope == kube::discovery::Scope::Namespaced { d.value["metadata"]["namespace"].as_str().unwrap_or(&k.namespace).to_string() } else { String::new() };
            let api = k.dynamic(&ar, &caps, &ns);
            if api.get_opt(d.name()).await.map_err(|e| api_err("reading", e))?.is_some() {
                targets.push((d.kind().to_string(), d.name().to_string(), ns, api));
            }
        }
    } else {
        let Some(name) = name else { return Err(Error::usage("nothing to delete").with_hint("pass NAME (an app deployed by tusk) or -f FILE")) };
        for (av, kind) in [
            ("apps/v1", "Deployment"),
            ("apps/v1", "StatefulSet"),
            ("apps/v1", "DaemonSet"),
            ("batch/v1", "Job"),
            ("v1", "Service"),
            ("v1", "ConfigMap"),
            ("v1", "Secret"),
            ("autoscaling/v2", "HorizontalPodAutoscaler"),
            ("networking.k8s.io/v1", "Ingress"),
        ] {
            let Some((ar, caps)) = k.resource(av, kind).await.map_err(|e| api_err("discovery", e))? else { continue };
            let api = k.dynamic(&ar, &caps, &k.namespace);
            let mut names: Vec<String> = Vec::new();
            for sel in [format!("{}={name}", render::APP_LABEL), format!("app.kubernetes.io/instance={name}")] {
                let list = api.list(&ListParams::default().labels(&sel)).await.map_err(|e| api_err(&format!("listing {kind}"), e))?;
                names.extend(list.items.into_iter().filter_map(|o| o.metadata.name));
            }
            if kind == "Deployment" && api.get_opt(name).await.map_err(|e| api_err("reading", e))?.is_some() {
                names.push(name.to_string());
            }
            names.sort();
            names.dedup();
            for n in names {
                targets.push((kind.to_string(), n, k.namespace.clone(), api.clone()));
            }
        }
        if targets.is_empty() {
            return Err(Error::failed(format!("nothing named or labelled `{name}` in namespace {}", k.namespace))
                .with_hint("delete looks for Deployments named NAME and objects labelled tusk.dev/app=NAME or app.kubernetes.io/instance=NAME"));
        }
    }
    targets.sort_by_key(|t| std::cmp::Reverse(deploy::rank(&t.0)));
    let rows: Vec<Vec<Cell>> = targets
        .iter()
        .map(|(kind, n, ns, _)| vec![Cell::from(if ns.is_empty() { "(cluster)".to_string() } else { ns.clone() }), Cell::from(kind.clone()), Cell::from(n.clone()), Cell::styled("delete", Style::Bad)])
        .collect();
    let table = Block::Table { columns: ["NAMESPACE", "KIND", "NAME", "OP"].iter().map(|s| s.to_string()).collect(), rows };
    let data = |deleted: bool| json!({"deleted": deleted, "objects": targets.iter().map(|(kind, n, ns, _)| json!({"kind": kind, "name": n, "namespace": ns})).collect::<Vec<_>>()});
    if ctx.dry_run {
        let mut out = Output::new(data(false));
        out.view = vec![table, Block::Text(vec![Cell::styled("dry run: nothing was deleted", Style::Dim)])];
        return Ok(out);
    }
    if targets.is_empty() {
        return Ok(Output::new(data(false)).text("Nothing to delete: none of these objects exist."));
    }
    ctx.ui.show(std::slice::from_ref(&table));
    if !yes && !ctx.ui.confirm(&format!("Delete {} object(s) from {}?", targets.len(), k.describe()))? {
        return Ok(Output::new(data(false)).text("Nothing deleted.").with_status(ExitStatus::Failure));
    }
    for (kind, n, _, api) in &targets {
        let task = ctx.progress.task(format!("delete {}/{n}", kind.to_lowercase()));
        match api.delete(n, &DeleteParams::background()).await {
            Ok(_) => task.ok("deleted"),
            Err(e) if is_not_found(&e) => task.ok("already gone"),
            Err(e) => {
                task.fail("failed");
                return Err(api_err(&format!("deleting {}/{n}", kind.to_lowercase()), e));
            }
        }
    }
    Ok(Output::new(data(true)).text(Cell::styled(format!("Deleted {} object(s).", targets.len()), Style::Good)))
}

async fn logs(k: &Kube, name: &str, follow: bool, since: Option<Duration>, container: Option<&str>, tail: Option<i64>, ctx: &Context) -> Result<Output, Error> {
    let pods_api: Api<Pod> = Api::namespaced(k.client.clone(), &k.namespace);
    let deployments: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
    let pods: Vec<Pod> = match deployments.get_opt(name).await.map_err(|e| api_err("reading deployment", e))? {
        Some(d) => {
            let sel = d
                .spec
                .and_then(|s| s.selector.match_labels)
                .map(|m| m.iter().map(|(a, b)| format!("{a}={b}")).collect::<Vec<_>>().join(","))
                .unwrap_or_default();
            pods_api.list(&ListParams::default().labels(&sel)).await.map_err(|e| api_err("listing pods", e))?.items
        }
        None => match pods_api.get_opt(name).await.map_err(|e| api_err("reading pod", e))? {
            Some(p) => vec![p],
            None => return Err(Error::failed(format!("no deployment or pod named `{name}` in namespace {}", k.namespace))),
        },
    };
    let mut streams = Vec::new();
    for p in &pods {
        let pname = p.metadata.name.clone().unwrap_or_default();
        let containers: Vec<String> = p.spec.as_ref().map(|s| s.containers.iter().map(|c| c.name.clone()).collect()).unwrap_or_default();
        let chosen: Vec<String> = match container {
            Some(c) if containers.iter().any(|x| x == c) => vec![c.to_string()],
            Some(c) => {
                return Err(Error::usage(format!("pod {pname} has no container `{c}`")).at("--container").with_hint(format!("containers: {}", containers.join(", "))));
            }
            None => containers,
        };
        for c in chosen {
            streams.push((pname.clone(), c));
        }
    }
    let multi = streams.iter().map(|(_, c)| c).collect::<std::collections::HashSet<_>>().len() > 1;
    let params = |c: &str| LogParams {
        container: Some(c.to_string()),
        follow,
        since_seconds: since.map(|d| d.as_secs() as i64),
        tail_lines: tail,
        ..Default::default()
    };
    if follow {
        // Streaming: lines go to stdout as they come (like a guest's own stdout), until Ctrl-C
        // or every pod is gone.
        let mut tasks = Vec::new();
        for (p, c) in &streams {
            let api = pods_api.clone();
            let prefix = if multi { format!("{p} {c}| ") } else { format!("{p}| ") };
            let lp = params(c);
            let p = p.clone();
            tasks.push(async move {
                if let Ok(s) = api.log_stream(&p, &lp).await {
                    let mut lines = s.lines();
                    while let Some(Ok(l)) = lines.next().await {
                        use std::io::Write;
                        let mut out = std::io::stdout().lock();
                        let _ = writeln!(out, "{prefix}{l}");
                    }
                }
            });
        }
        tokio::select! {
            _ = futures::future::join_all(tasks) => {}
            _ = ctx.cancel.cancelled() => return Err(Error::interrupted()),
        }
        return Ok(Output::empty());
    }
    let mut text = String::new();
    let mut data = Vec::new();
    for (p, c) in &streams {
        match pods_api.logs(p, &params(c)).await {
            Ok(body) => {
                for l in body.lines() {
                    if multi {
                        text.push_str(&format!("{p} {c}| {l}\n"));
                    } else {
                        text.push_str(&format!("{p}| {l}\n"));
                    }
                    data.push(json!({"pod": p, "container": c, "line": l}));
                }
            }
            Err(kube::Error::Api(s)) if s.code == 400 => {
                text.push_str(&format!("{p}| (no logs: {})\n", s.message));
                data.push(json!({"pod": p, "container": c, "error": s.message}));
            }
            Err(e) => return Err(api_err(&format!("logs of pod {p}"), e)),
        }
    }
    if streams.is_empty() {
        return Ok(Output::new(json!({"lines": data})).text(format!("deployment/{name} has no pods")));
    }
    Ok(Output::new(json!({"lines": data})).with_raw_text(text))
}
