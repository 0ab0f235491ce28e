//! The plan shared by `deploy` and `diff`: resolve every document against the cluster, read
//! the live object, ask the API server what applying it would give (server-side dry run with
//! field manager `tusk`), and turn that into create/update/noop/delete items, in install order
//! (`rank`), with a unified diff per object; `--prune` adds deletions.

use crate::client::{FIELD_MANAGER, Kube, api_err, is_not_found};
use crate::manifest::Doc;
use crate::wait;
use kube::api::{ApiResource, ListParams, Patch, PatchParams};
use kube::discovery::ApiCapabilities;
use serde_json::{Value, json};
use tusk_registry::{Block, Cell, Error, Output, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Create,
    Update,
    Noop,
    Delete,
}

impl Op {
    pub fn name(self) -> &'static str {
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
    /// Fields the live object has and the applied one would not (server-side apply removes
    /// what tusk owned and no longer sends), from the dry run: `spec.…containers[web].ports`.
    pub removed: Vec<String>,
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
pub(crate) fn apply_error(item: &Item, e: kube::Error) -> Error {
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
            removed: Vec::new(),
            needs_crd,
        };
        if let Some((ar, caps)) = &resource {
            let api = kube.dynamic(ar, caps, &ns);
            let live = match api.get_opt(&item.name).await {
                Ok(l) => l.map(|o| serde_json::to_value(o).unwrap_or(Value::Null)),
                Err(e) => return Err(api_err(&format!("reading {}/{}", item.kind.to_lowercase(), item.name), e)),
            };
            // Applying to an object that is being deleted would only edit something about to
            // disappear (and "deployed" would be a lie): say what holds it instead.
            if let Some(l) = live.as_ref().filter(|l| l["metadata"]["deletionTimestamp"].is_string()) {
                errors.push(
                    Error::failed(format!("{}/{} is terminating (finalizers: {}): it cannot be deployed until it is gone", item.kind.to_lowercase(), item.name, finalizers(l)))
                        .at(d.location())
                        .with_hint(format!(
                            "wait for its finalizers to finish (`tusk @kubernetes get {} {} -o yaml` shows them), then deploy again",
                            item.kind.to_lowercase(),
                            item.name
                        )),
                );
                continue;
            }
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
                        if item.op == Op::Update {
                            removed_paths("", &before, &after, &mut item.removed);
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
                    // Already being deleted (finalizers still pending): deleting it again
                    // changes nothing, so it is not planned; `deploy` reports it as terminating.
                    if o.metadata.deletion_timestamp.is_some() {
                        continue;
                    }
                    let live = serde_json::to_value(&o).unwrap_or(Value::Null);
                    items.push(Item {
                        diff: unified(kind, &name, &normalize(&live), &Value::Null),
                        removed: Vec::new(),
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

/// Paths in `before` that `after` lacks. Lists whose elements have a `name` (containers, env,
/// ports, volumes) are matched by it, as their list-map keys are; other lists are compared whole
/// and only reported when they disappear. A removed object is reported once, not per leaf.
fn removed_paths(path: &str, before: &Value, after: &Value, out: &mut Vec<String>) {
    let join = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            for (k, bv) in b {
                match a.get(k) {
                    None | Some(Value::Null) => out.push(join(k)),
                    Some(av) => removed_paths(&join(k), bv, av, out),
                }
            }
        }
        (Value::Array(b), Value::Array(a)) if b.iter().all(|e| e["name"].is_string()) => {
            for be in b {
                let n = &be["name"];
                match a.iter().find(|ae| &ae["name"] == n) {
                    None => out.push(format!("{path}[{}]", n.as_str().unwrap_or(""))),
                    Some(ae) => removed_paths(&format!("{path}[{}]", n.as_str().unwrap_or("")), be, ae, out),
                }
            }
        }
        _ => {}
    }
}

/// One line per object whose update removes fields, under the change table.
pub fn removals(items: &[Item]) -> Option<Block> {
    let lines: Vec<Cell> = items
        .iter()
        .filter(|i| !i.removed.is_empty())
        .map(|i| Cell::styled(format!("{}/{} removes: {}", i.kind.to_lowercase(), i.name, i.removed.join(", ")), Style::Warn))
        .collect();
    if lines.is_empty() { None } else { Some(Block::Text(lines)) }
}

/// The finalizers that keep a deleted object Terminating, for messages: `a, b`.
pub fn finalizers(obj: &Value) -> String {
    let f: Vec<&str> = obj["metadata"]["finalizers"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    if f.is_empty() { "pending deletion".to_string() } else { f.join(", ") }
}

pub fn summary(items: &[Item]) -> String {
    let n = |op: Op| items.iter().filter(|i| i.op == op).count();
    format!("Plan: {} to create, {} to update, {} to delete, {} unchanged", n(Op::Create), n(Op::Update), n(Op::Delete), n(Op::Noop))
}

pub fn plan_json(items: &[Item]) -> Vec<Value> {
    items
        .iter()
        .map(|i| json!({"namespace": i.ns, "kind": i.kind, "name": i.name, "op": i.op, "waitFor": i.wait_for, "removed": i.removed}))
        .collect()
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


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_paths_match_named_list_elements() {
        let before = json!({"spec": {"replicas": 2, "containers": [
            {"name": "web", "image": "a", "ports": [{"name": "p80", "containerPort": 80}], "resources": {"requests": {"cpu": "1"}}},
            {"name": "side", "image": "b"}]}});
        let after = json!({"spec": {"replicas": 2, "containers": [{"name": "web", "image": "c", "resources": {}}]}});
        let mut out = Vec::new();
        removed_paths("", &before, &after, &mut out);
        assert_eq!(out, ["spec.containers[web].ports", "spec.containers[web].resources.requests", "spec.containers[side]"]);
        out.clear();
        removed_paths("", &after, &after, &mut out);
        assert!(out.is_empty());
    }
}
