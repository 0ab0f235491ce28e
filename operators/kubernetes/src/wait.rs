//! Waiting for readiness by watching (the object and its pods), with the rules of
//! `kubectl rollout status` for Deployments, StatefulSets and DaemonSets, plus Jobs, Pods,
//! PVCs, LoadBalancer Services and CRDs; and explaining failures from pod status, events and
//! the last log lines of crash-looping containers.

use crate::client::{Kube, api_err};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ApiResource, ListParams, LogParams, WatchEvent, WatchParams};
use kube::discovery::ApiCapabilities;
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;
use tusk_registry::{Error, Task};

/// What tusk waits for, per kind (shown in the change table). `None`: nothing to wait for.
pub fn wait_for(kind: &str, obj: &Value) -> Option<&'static str> {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" => Some("rollout"),
        "Job" => Some("completion"),
        "Pod" => Some("ready"),
        "PersistentVolumeClaim" => Some("bound"),
        "CustomResourceDefinition" => Some("established"),
        "Service" if obj["spec"]["type"].as_str() == Some("LoadBalancer") => Some("ingress"),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Ready(String),
    Progress(String),
    Failed(String),
}

fn cond<'a>(obj: &'a Value, t: &str) -> Option<&'a Value> {
    obj["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == t)
}

fn i(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// The readiness of one object (pods are the workload's current pods, for fast failure).
pub fn evaluate(kind: &str, obj: &Value, pods: &[Pod]) -> Verdict {
    let gen_ok = i(&obj["status"]["observedGeneration"]) >= i(&obj["metadata"]["generation"]);
    let v = match kind {
        "Deployment" => {
            if !gen_ok {
                return Verdict::Progress("waiting for the deployment spec update to be observed".into());
            }
            if cond(obj, "Progressing").is_some_and(|c| c["reason"] == "ProgressDeadlineExceeded") {
                return Verdict::Failed(format!("exceeded its progress deadline ({}s)", obj["spec"]["progressDeadlineSeconds"].as_i64().unwrap_or(600)));
            }
            let desired = obj["spec"]["replicas"].as_i64().unwrap_or(1);
            let updated = i(&obj["status"]["updatedReplicas"]);
            let replicas = i(&obj["status"]["replicas"]);
            let available = i(&obj["status"]["availableReplicas"]);
            if updated < desired {
                Verdict::Progress(format!("{updated} of {desired} updated replicas are available"))
            } else if replicas > updated {
                Verdict::Progress(format!("{} old replicas are pending termination", replicas - updated))
            } else if available < updated {
                Verdict::Progress(format!("{available} of {updated} updated replicas are available"))
            } else {
                Verdict::Ready(format!("{available}/{desired} available"))
            }
        }
        "StatefulSet" => {
            if obj["spec"]["updateStrategy"]["type"].as_str().is_some_and(|t| t != "RollingUpdate") {
                return Verdict::Ready("OnDelete strategy: not waited for".into());
            }
            if !gen_ok {
                return Verdict::Progress("waiting for the statefulset spec update to be observed".into());
            }
            let desired = obj["spec"]["replicas"].as_i64().unwrap_or(1);
            let ready = i(&obj["status"]["readyReplicas"]);
            let updated = i(&obj["status"]["updatedReplicas"]);
            let partition = obj["spec"]["updateStrategy"]["rollingUpdate"]["partition"].as_i64().unwrap_or(0);
            if ready < desired {
                Verdict::Progress(format!("{ready} of {desired} pods ready"))
            } else if partition > 0 && updated < desired - partition {
                Verdict::Progress(format!("partitioned roll out: {updated} of {} new pods updated", desired - partition))
            } else if partition == 0 && obj["status"]["updateRevision"] != obj["status"]["currentRevision"] {
                Verdict::Progress(format!("{updated} of {desired} pods updated"))
            } else {
                Verdict::Ready(format!("{ready}/{desired} ready"))
            }
        }
        "DaemonSet" => {
            if !gen_ok {
                return Verdict::Progress("waiting for the daemonset spec update to be observed".into());
            }
            let desired = i(&obj["status"]["desiredNumberScheduled"]);
            let updated = i(&obj["status"]["updatedNumberScheduled"]);
            let available = i(&obj["status"]["numberAvailable"]);
            if updated < desired {
                Verdict::Progress(format!("{updated} of {desired} updated pods scheduled"))
            } else if available < desired {
                Verdict::Progress(format!("{available} of {desired} updated pods available"))
            } else {
                Verdict::Ready(format!("{available}/{desired} available"))
            }
        }
        "Job" => {
            if let Some(c) = cond(obj, "Failed").filter(|c| c["status"] == "True") {
                return Verdict::Failed(format!("{}: {}", c["reason"].as_str().unwrap_or("Failed"), c["message"].as_str().unwrap_or("")));
            }
            if cond(obj, "Complete").is_some_and(|c| c["status"] == "True") {
                Verdict::Ready(format!("complete ({} succeeded)", i(&obj["status"]["succeeded"])))
            } else {
                Verdict::Progress(format!("{} active, {} succeeded, {} failed", i(&obj["status"]["active"]), i(&obj["status"]["succeeded"]), i(&obj["status"]["failed"])))
            }
        }
        "Pod" => match obj["status"]["phase"].as_str() {
            Some("Succeeded") => Verdict::Ready("succeeded".into()),
            Some("Failed") => Verdict::Failed("pod failed".into()),
            _ if cond(obj, "Ready").is_some_and(|c| c["status"] == "True") => Verdict::Ready("ready".into()),
            p => Verdict::Progress(p.unwrap_or("Pending").to_string()),
        },
        "PersistentVolumeClaim" => match obj["status"]["phase"].as_str() {
            Some("Bound") => Verdict::Ready("bound".into()),
            Some("Lost") => Verdict::Failed("claim lost its volume".into()),
            p => Verdict::Progress(p.unwrap_or("Pending").to_string()),
        },
        "CustomResourceDefinition" => {
            if cond(obj, "Established").is_some_and(|c| c["status"] == "True") {
                Verdict::Ready("established".into())
            } else if let Some(c) = cond(obj, "NamesAccepted").filter(|c| c["status"] == "False") {
                Verdict::Failed(format!("names not accepted: {}", c["message"].as_str().unwrap_or("")))
            } else {
                Verdict::Progress("waiting to be established".into())
            }
        }
        "Service" => {
            if obj["status"]["loadBalancer"]["ingress"].as_array().is_some_and(|a| !a.is_empty()) {
                let ing = &obj["status"]["loadBalancer"]["ingress"][0];
                Verdict::Ready(format!("ingress {}", ing["ip"].as_str().or(ing["hostname"].as_str()).unwrap_or("?")))
            } else {
                Verdict::Progress("waiting for a load balancer".into())
            }
        }
        _ => Verdict::Ready("applied".into()),
    };
    if let Verdict::Progress(msg) = &v
        && let Some(reason) = pods.iter().find_map(pod_failure) {
            return Verdict::Failed(format!("{reason} ({msg})"));
        }
    v
}

/// A reason a pod will not get ready by itself, if it has one.
pub fn pod_failure(p: &Pod) -> Option<String> {
    let name = p.metadata.name.clone().unwrap_or_default();
    let status = p.status.as_ref()?;
    for c in status.conditions.iter().flatten() {
        if c.type_ == "PodScheduled" && c.status == "False" && c.reason.as_deref() == Some("Unschedulable") {
            return Some(format!("pod {name} is unschedulable"));
        }
    }
    for cs in status.container_statuses.iter().flatten() {
        if let Some(w) = cs.state.as_ref().and_then(|s| s.waiting.as_ref()) {
            let r = w.reason.as_deref().unwrap_or("");
            if matches!(r, "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" | "CreateContainerConfigError" | "CreateContainerError")
                || (r == "CrashLoopBackOff" && cs.restart_count >= 1)
            {
                return Some(format!("pod {name}: {r}"));
            }
        }
    }
    None
}

fn selector_of(obj: &Value) -> Option<String> {
    let m = obj["spec"]["selector"]["matchLabels"].as_object()?;
    Some(m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect::<Vec<_>>().join(","))
}

/// The pods of a workload's current revision (Deployments: the newest ReplicaSet's).
pub async fn current_pods(kube: &Kube, kind: &str, ns: &str, obj: &Value) -> Result<Vec<Pod>, kube::Error> {
    let pods: Api<Pod> = Api::namespaced(kube.client.clone(), ns);
    match kind {
        "Pod" => Ok(pods.get_opt(obj["metadata"]["name"].as_str().unwrap_or("")).await?.into_iter().collect()),
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => {
            let Some(mut sel) = selector_of(obj) else { return Ok(vec![]) };
            if kind == "Deployment" {
                let rev = obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str().unwrap_or("").to_string();
                let rss: Api<k8s_openapi::api::apps::v1::ReplicaSet> = Api::namespaced(kube.client.clone(), ns);
                let uid = obj["metadata"]["uid"].as_str().unwrap_or("");
                let list = rss.list(&ListParams::default().labels(&sel)).await?;
                let newest = list
                    .items
                    .into_iter()
                    .filter(|r| r.metadata.owner_references.iter().flatten().any(|o| o.uid == uid))
                    .find(|r| r.metadata.annotations.as_ref().and_then(|a| a.get("deployment.kubernetes.io/revision")).map(String::as_str) == Some(rev.as_str()));
                match newest.and_then(|r| r.metadata.labels.and_then(|l| l.get("pod-template-hash").cloned())) {
                    Some(h) => sel.push_str(&format!(",pod-template-hash={h}")),
                    None => return Ok(vec![]),
                }
            }
            Ok(pods.list(&ListParams::default().labels(&sel)).await?.items)
        }
        _ => Ok(vec![]),
    }
}

/// One object to wait for.
#[derive(Clone)]
pub struct Waitable {
    pub ar: ApiResource,
    pub caps: ApiCapabilities,
    pub ns: String,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct WaitOutcome {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// ready | failed | timeout | interrupted
    pub result: String,
    pub message: String,
    /// Why it failed, line by line (pod reasons, events, last log lines).
    pub explanation: Vec<String>,
}

/// Waits for one object by watching it and its pods; updates `task` as it goes.
pub async fn wait_one(kube: &Kube, w: &Waitable, task: Task, deadline: Instant, cancel: &tokio_util::sync::CancellationToken) -> WaitOutcome {
    let api = kube.dynamic(&w.ar, &w.caps, &w.ns);
    let pods_api: Api<Pod> = Api::namespaced(kube.client.clone(), if w.ns.is_empty() { "default" } else { &w.ns });
    let mut out = WaitOutcome { kind: w.kind.clone(), name: w.name.clone(), namespace: w.ns.clone(), result: String::new(), message: String::new(), explanation: vec![] };
    let mut last_msg = String::new();
    loop {
        let obj = match api.get_opt(&w.name).await {
            Ok(Some(o)) => serde_json::to_value(&o).unwrap_or(Value::Null),
            Ok(None) => Value::Null,
            Err(e) => {
                out.result = "failed".into();
                out.message = api_err("reading status", e).message;
                task.fail(&out.message);
                return out;
            }
        };
        let pods = if obj.is_null() { vec![] } else { current_pods(kube, &w.kind, &w.ns, &obj).await.unwrap_or_default() };
        let verdict = if obj.is_null() { Verdict::Progress("waiting for the object to appear".into()) } else { evaluate(&w.kind, &obj, &pods) };
        match verdict {
            Verdict::Ready(m) => {
                out.result = "ready".into();
                out.message = m.clone();
                task.ok(m);
                return out;
            }
            Verdict::Failed(m) => {
                out.result = "failed".into();
                out.message = m.clone();
                out.explanation = explain(kube, &w.ns, &w.kind, &obj, &pods).await;
                task.fail(m);
                return out;
            }
            Verdict::Progress(m) => {
                if m != last_msg {
                    task.set_message(&m);
                    last_msg = m;
                }
            }
        }
        // Wait for the next change to the object or its pods.
        let rv = obj["metadata"]["resourceVersion"].as_str().unwrap_or("0").to_string();
        let left = deadline.saturating_duration_since(Instant::now());
        let secs = left.as_secs().clamp(1, 290) as u32;
        let wp = WatchParams::default().fields(&format!("metadata.name={}", w.name)).timeout(secs);
        let obj_stream = api.watch(&wp, &rv).await;
        let pod_stream = match (selector_of(&obj), w.kind.as_str()) {
            (Some(sel), "Deployment" | "StatefulSet" | "DaemonSet" | "Job") => {
                pods_api.watch(&WatchParams::default().labels(&sel).timeout(secs), "0").await.ok()
            }
            _ => None,
        };
        let mut obj_stream = match obj_stream {
            Ok(s) => s.boxed(),
            Err(e) => {
                out.result = "failed".into();
                out.message = api_err("watching", e).message;
                task.fail(&out.message);
                return out;
            }
        };
        let mut pod_stream = pod_stream.map(|s| s.boxed());
        // The pod watch replays current pods first; skip those.
        let mut seen_pods: std::collections::HashMap<String, String> =
            pods.iter().map(|p| (p.metadata.name.clone().unwrap_or_default(), p.metadata.resource_version.clone().unwrap_or_default())).collect();
        let changed = loop {
            tokio::select! {
                _ = cancel.cancelled() => {
                    out.result = "interrupted".into();
                    out.message = "interrupted".into();
                    task.fail("interrupted");
                    return out;
                }
                _ = tokio::time::sleep_until(deadline) => {
                    out.result = "timeout".into();
                    out.message = format!("not ready in time: {last_msg}");
                    out.explanation = explain(kube, &w.ns, &w.kind, &obj, &pods).await;
                    task.fail(&out.message);
                    return out;
                }
                ev = obj_stream.next() => match ev {
                    Some(Ok(WatchEvent::Bookmark(_))) => continue,
                    Some(Ok(_)) => break true,
                    Some(Err(_)) | None => break false,
                },
                ev = async { match pod_stream.as_mut() { Some(s) => s.next().await, None => std::future::pending().await } } => match ev {
                    Some(Ok(WatchEvent::Added(p) | WatchEvent::Modified(p))) => {
                        let n = p.metadata.name.clone().unwrap_or_default();
                        let r = p.metadata.resource_version.clone().unwrap_or_default();
                        if seen_pods.get(&n) == Some(&r) { continue; }
                        seen_pods.insert(n, r);
                        break true;
                    }
                    Some(Ok(WatchEvent::Deleted(_))) => break true,
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => { pod_stream = None; continue; }
                },
            }
        };
        let _ = changed;
    }
}

/// Why a workload is not ready: failing pods' reasons, the scheduler's message, last log
/// lines of crash-looping containers, and recent warning events.
pub async fn explain(kube: &Kube, ns: &str, kind: &str, obj: &Value, pods: &[Pod]) -> Vec<String> {
    let mut lines = Vec::new();
    if kind == "Deployment"
        && let Some(c) = cond(obj, "Progressing").filter(|c| c["status"] == "False") {
            lines.push(format!("{}: {}", c["reason"].as_str().unwrap_or(""), c["message"].as_str().unwrap_or("")));
        }
    let pods_api: Api<Pod> = Api::namespaced(kube.client.clone(), ns);
    let mut explained = 0;
    let mut seen_reasons = std::collections::HashSet::new();
    for p in pods {
        if explained >= 3 {
            break;
        }
        let name = p.metadata.name.clone().unwrap_or_default();
        let Some(status) = &p.status else { continue };
        let mut any = false;
        for c in status.conditions.iter().flatten() {
            if c.type_ == "PodScheduled" && c.status == "False" {
                lines.push(format!("pod {name} cannot be scheduled: {}", c.message.clone().unwrap_or_default()));
                any = true;
            }
        }
        for cs in status.container_statuses.iter().flatten() {
            let Some(state) = &cs.state else { continue };
            if let Some(w) = &state.waiting {
                let reason = w.reason.clone().unwrap_or_default();
                if reason == "ContainerCreating" || reason == "PodInitializing" {
                    continue;
                }
                any = true;
                match reason.as_str() {
                    "CrashLoopBackOff" => {
                        let code = cs.last_state.as_ref().and_then(|l| l.terminated.as_ref()).map(|t| t.exit_code);
                        lines.push(format!(
                            "pod {name}: container {} is crash-looping (restarts: {}{})",
                            cs.name,
                            cs.restart_count,
                            code.map(|c| format!(", last exit code {c}")).unwrap_or_default()
                        ));
                        let lp = LogParams { container: Some(cs.name.clone()), tail_lines: Some(10), previous: false, ..Default::default() };
                        match pods_api.logs(&name, &lp).await {
                            Ok(text) if !text.trim().is_empty() => {
                                lines.push(format!("  last log lines of {name}/{}:", cs.name));
                                lines.extend(text.lines().map(|l| format!("    {l}")));
                            }
                            _ => {}
                        }
                    }
                    _ => {
                        let msg = w.message.clone().unwrap_or_default();
                        if seen_reasons.insert(format!("{}:{reason}:{msg}", cs.name)) {
                            lines.push(format!("pod {name}: container {}: {reason}: {msg}", cs.name));
                        }
                    }
                }
            } else if state.running.is_some() && !cs.ready {
                any = true;
                lines.push(format!("pod {name}: container {} is running but not ready", cs.name));
            }
        }
        if any {
            explained += 1;
        }
    }
    let mut seen_lines = std::collections::HashSet::new();
    lines.retain(|l| l.starts_with("    ") || seen_lines.insert(l.clone()));
    // Warning events of the object and of its pods.
    let events: Api<Event> = Api::namespaced(kube.client.clone(), ns);
    let mut names: Vec<String> = pods.iter().filter_map(|p| p.metadata.name.clone()).collect();
    if let Some(n) = obj["metadata"]["name"].as_str() {
        names.push(n.to_string());
    }
    if let Ok(list) = events.list(&ListParams::default().fields("type=Warning")).await {
        let mut evs: Vec<&Event> = list.items.iter().filter(|e| e.involved_object.name.as_ref().is_some_and(|n| names.contains(n))).collect();
        evs.sort_by_key(|e| (e.involved_object.name.clone(), e.metadata.name.clone()));
        let mut seen = std::collections::HashSet::new();
        let mut ev_lines = Vec::new();
        for e in evs {
            let msg = e.message.clone().unwrap_or_default();
            let reason = e.reason.clone().unwrap_or_default();
            if !seen.insert((reason.clone(), msg.clone())) {
                continue;
            }
            ev_lines.push(format!(
                "  {} {}/{}: {} (x{})",
                reason,
                e.involved_object.kind.clone().unwrap_or_default().to_lowercase(),
                e.involved_object.name.clone().unwrap_or_default(),
                msg,
                e.count.unwrap_or(1)
            ));
        }
        if !ev_lines.is_empty() {
            lines.push("warning events:".into());
            ev_lines.truncate(8);
            lines.extend(ev_lines);
        }
    }
    lines
}

/// Waits for several objects concurrently, each with its own progress line.
pub async fn wait_all(
    kube: &Kube,
    items: &[Waitable],
    progress: &tusk_registry::Progress,
    overall: Instant,
    per_resource: Option<Duration>,
    cancel: &tokio_util::sync::CancellationToken,
) -> Vec<WaitOutcome> {
    let futs = items.iter().map(|w| {
        let task = progress.task(format!("{}/{}", w.kind.to_lowercase(), w.name));
        let deadline = match per_resource {
            Some(d) => overall.min(Instant::now() + d),
            None => overall,
        };
        async move { wait_one(kube, w, task, deadline, cancel).await }
    });
    futures::future::join_all(futs).await
}

/// Converts a failed wait to an error (used by scale/restart/rollback).
pub fn outcome_error(o: &WaitOutcome) -> Error {
    let mut e = Error::failed(format!("{}/{} {}: {}", o.kind.to_lowercase(), o.name, o.result, o.message));
    if !o.explanation.is_empty() {
        e = e.with_hint(o.explanation.join("\n"));
    }
    e
}
