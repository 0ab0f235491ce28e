//! The simulated control plane: a one-node cluster whose controllers advance Deployments,
//! ReplicaSets, StatefulSets, DaemonSets, Jobs, Pods, Services, PVCs and CRDs one tick at a
//! time (100 ms), writing status, events and container logs the way the real ones do.
//!
//! What a pod does is decided by its spec, so tests and users steer it with ordinary
//! manifests:
//! - an image whose name contains `does-not-exist` or whose tag is `missing` fails to pull
//!   (`ErrImagePull`, then `ImagePullBackOff` after 2 s);
//! - an image whose name contains `crash` starts, logs, exits 1 and loops
//!   (`CrashLoopBackOff`); a container env var `FAKE_LOG` (lines separated by `|`) sets what
//!   it logs;
//! - requests above the node's 4 CPUs / 8Gi, or a nodeSelector the node lacks, leave the pod
//!   `Unschedulable` with the scheduler's message;
//! - a readiness probe whose HTTP path contains `fail` never passes (`Unhealthy` events);
//! - anything else is running after 2 ticks and ready after 3 (Job pods complete instead).

use crate::store::{Inner, Key};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    Ok,
    ImagePull { image: String, container: String },
    Crash { container: String },
    Unschedulable(String),
    ProbeFail { container: String },
}

#[derive(Debug, Clone)]
pub struct PodSim {
    pub born: u64,
    pub fate: Fate,
    pub restarts: i64,
    pub job: bool,
}

pub const NODE: &str = "fake-node";

fn key(group: &str, plural: &str, ns: &str, name: &str) -> Key {
    Key { group: group.into(), plural: plural.into(), ns: ns.into(), name: name.into() }
}

const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn safe_hash(input: &str, len: usize) -> String {
    let h = <sha2::Sha256 as sha2::Digest>::digest(input.as_bytes());
    h.iter().take(len).map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char).collect()
}

pub fn parse_quantity(q: &Value) -> f64 {
    let s = match q {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return 0.0,
    };
    let suffixes: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024f64.powi(4)),
        ("m", 0.001),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    for (suf, mul) in suffixes {
        if let Some(num) = s.strip_suffix(suf) {
            return num.parse::<f64>().unwrap_or(0.0) * mul;
        }
    }
    s.parse::<f64>().unwrap_or(0.0)
}

pub fn seed(inner: &mut Inner) {
    for ns in ["default", "kube-system", "kube-public"] {
        let k = key("", "namespaces", "", ns);
        inner.put_internal(&k, json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}));
    }
    let k = key("", "nodes", "", NODE);
    inner.put_internal(
        &k,
        json!({"apiVersion": "v1", "kind": "Node",
               "metadata": {"name": NODE, "labels": {"kubernetes.io/hostname": NODE, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}},
               "spec": {},
               "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                          "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                          "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                          "addresses": [{"type": "InternalIP", "address": "10.0.0.10"}],
                          "nodeInfo": {"kubeletVersion": "v1.34.0-tusk-fake", "containerRuntimeVersion": "fake://1"}}}),
    );
}

fn owned_by<'a>(inner: &'a Inner, group: &str, plural: &str, ns: &str, uid: &str) -> Vec<(Key, &'a Value)> {
    inner
        .objects
        .iter()
        .filter(|(k, s)| {
            k.group == group
                && k.plural == plural
                && k.ns == ns
                // Terminating objects are not active replicas any more.
                && !s.obj["metadata"]["deletionTimestamp"].is_string()
                && s.obj["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|o| o["uid"].as_str() == Some(uid)))
        })
        .map(|(k, s)| (k.clone(), &s.obj))
        .collect()
}

fn owner_ref(obj: &Value, api_version: &str, kind: &str) -> Value {
    json!([{"apiVersion": api_version, "kind": kind, "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"],
            "controller": true, "blockOwnerDeletion": true}])
}

/// Records an event (deduplicated by object, reason and message: repeats bump `count`).
pub fn event(inner: &mut Inner, involved: &Value, type_: &str, reason: &str, message: &str, component: &str) {
    let ns = involved["metadata"]["namespace"].as_str().unwrap_or("default").to_string();
    let uid = involved["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let existing = inner
        .objects
        .iter()
        .find(|(k, s)| {
            k.plural == "events"
                && k.ns == ns
                && s.obj["involvedObject"]["uid"].as_str() == Some(uid.as_str())
                && s.obj["reason"].as_str() == Some(reason)
                && s.obj["message"].as_str() == Some(message)
        })
        .map(|(k, s)| (k.clone(), s.obj.clone()));
    let now = crate::store::now();
    if let Some((k, mut ev)) = existing {
        let c = ev["count"].as_i64().unwrap_or(1);
        ev["count"] = json!(c + 1);
        ev["lastTimestamp"] = json!(now);
        inner.put_internal(&k, ev);
        return;
    }
    let n = inner.next_id();
    let name = format!("{}.{:016x}", involved["metadata"]["name"].as_str().unwrap_or("x"), 0x1800_0000_0000_0000u64 + n);
    let k = key("", "events", &ns, &name);
    inner.put_internal(
        &k,
        json!({"apiVersion": "v1", "kind": "Event",
               "metadata": {"name": name, "namespace": ns},
               "involvedObject": {"apiVersion": involved["apiVersion"], "kind": involved["kind"], "name": involved["metadata"]["name"],
                                   "namespace": ns, "uid": uid},
               "reason": reason, "message": message, "type": type_,
               "source": {"component": component}, "reportingComponent": component,
               "firstTimestamp": now, "lastTimestamp": now, "count": 1}),
    );
}

fn template_hash(template: &Value) -> String {
    safe_hash(&serde_json::to_string(template).unwrap_or_default(), 10)
}

fn strip_hash_label(template: &Value) -> Value {
    let mut t = template.clone();
    for l in ["pod-template-hash", "controller-revision-hash"] {
        if let Some(m) = t["metadata"]["labels"].as_object_mut() {
            m.remove(l);
        }
    }
    t
}

/// Runs every controller once.
pub fn tick(inner: &mut Inner) {
    inner.tick += 1;
    namespaces(inner);
    services(inner);
    pvcs(inner);
    crds(inner);
    deployments(inner);
    replicasets(inner);
    statefulsets(inner);
    daemonsets(inner);
    jobs(inner);
    hpas(inner);
    pods(inner);
    deletions(inner);
}

/// What finishes deletions: the kubelet ending pods whose containers have stopped, the garbage
/// collector releasing foreground deletions once the dependents are gone, and the namespace
/// controller deleting a terminating namespace's content, then the namespace
/// (https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion,
/// https://kubernetes.io/docs/tasks/administer-cluster/namespaces/#deleting-a-namespace).
fn deletions(inner: &mut Inner) {
    let due: Vec<Key> = inner.pod_kill_at.iter().filter(|(_, t)| **t <= inner.tick).map(|(k, _)| k.clone()).collect();
    for k in due {
        inner.pod_kill_at.remove(&k);
        inner.finish_deletion(&k);
    }
    let foreground: Vec<(Key, Value)> = inner
        .objects
        .iter()
        .filter(|(_, s)| s.obj["metadata"]["finalizers"].as_array().is_some_and(|f| f.iter().any(|x| x == "foregroundDeletion")))
        .map(|(k, s)| (k.clone(), s.obj.clone()))
        .collect();
    for (k, mut o) in foreground {
        if inner.dependents(o["metadata"]["uid"].as_str().unwrap_or("")).is_empty() {
            if let Some(f) = o["metadata"]["finalizers"].as_array_mut() {
                f.retain(|x| x != "foregroundDeletion");
            }
            inner.put_internal(&k, o);
            inner.finish_deletion(&k);
        }
    }
    for (k, mut o) in each(inner, "", "namespaces") {
        if !o["metadata"]["deletionTimestamp"].is_string() {
            continue;
        }
        let content: Vec<(Key, bool)> = inner
            .objects
            .iter()
            .filter(|(ck, _)| ck.ns == k.name)
            .map(|(ck, s)| (ck.clone(), s.obj["metadata"]["deletionTimestamp"].is_string()))
            .collect();
        for (ck, terminating) in &content {
            if !terminating {
                inner.request_delete(ck, "Background", None);
            }
        }
        if content.is_empty() && o["spec"]["finalizers"].as_array().is_some_and(|f| !f.is_empty()) {
            o["spec"]["finalizers"] = json!([]);
            inner.put_internal(&k, o);
        }
        if content.is_empty() {
            inner.finish_deletion(&k);
        }
    }
}

fn each(inner: &Inner, group: &str, plural: &str) -> Vec<(Key, Value)> {
    inner.objects.iter().filter(|(k, _)| k.group == group && k.plural == plural).map(|(k, s)| (k.clone(), s.obj.clone())).collect()
}

fn namespaces(inner: &mut Inner) {
    for (k, mut o) in each(inner, "", "namespaces") {
        if o["status"]["phase"].is_null() {
            o["status"] = json!({"phase": "Active"});
            inner.put_internal(&k, o);
        }
    }
}

fn services(inner: &mut Inner) {
    for (k, mut o) in each(inner, "", "services") {
        let before = o.clone();
        if o["spec"]["clusterIP"].is_null() && o["spec"]["type"].as_str() != Some("ExternalName") {
            let n = inner.next_id();
            o["spec"]["clusterIP"] = json!(format!("10.96.{}.{}", (n / 250) % 250, n % 250 + 2));
            o["spec"]["clusterIPs"] = json!([o["spec"]["clusterIP"]]);
        }
        if o["spec"]["type"].is_null() {
            o["spec"]["type"] = json!("ClusterIP");
        }
        let ty = o["spec"]["type"].as_str().unwrap_or("").to_string();
        if (ty == "LoadBalancer" || ty == "NodePort")
            && let Some(ports) = o["spec"]["ports"].as_array_mut() {
                for (i, p) in ports.iter_mut().enumerate() {
                    if p["nodePort"].is_null() {
                        p["nodePort"] = json!(30000 + i as i64 + (k.name.len() as i64 * 37) % 2000);
                    }
                }
            }
        if ty == "LoadBalancer" {
            o["status"] = json!({"loadBalancer": {"ingress": [{"ip": "127.0.0.1", "ipMode": "VIP"}]}});
        } else if o["status"].is_null() {
            o["status"] = json!({"loadBalancer": {}});
        }
        if o != before {
            inner.put_internal(&k, o);
        }
    }
}

fn pvcs(inner: &mut Inner) {
    for (k, mut o) in each(inner, "", "persistentvolumeclaims") {
        if o["spec"]["storageClassName"].as_str() == Some("never-binds") {
            if o["status"]["phase"].as_str() != Some("Pending") {
                o["status"] = json!({"phase": "Pending"});
                inner.put_internal(&k, o.clone());
                event(inner, &o, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding", "persistentvolume-controller");
            }
            continue;
        }
        if o["status"]["phase"].as_str() != Some("Bound") {
            let cap = o["spec"]["resources"]["requests"]["storage"].clone();
            o["spec"]["volumeName"] = json!(format!("pvc-{}", o["metadata"]["uid"].as_str().unwrap_or("")));
            o["status"] = json!({"phase": "Bound", "accessModes": o["spec"]["accessModes"], "capacity": {"storage": cap}});
            inner.put_internal(&k, o);
        }
    }
}

fn crds(inner: &mut Inner) {
    for (k, mut o) in each(inner, "apiextensions.k8s.io", "customresourcedefinitions") {
        let group = o["spec"]["group"].as_str().unwrap_or("").to_string();
        let plural = o["spec"]["names"]["plural"].as_str().unwrap_or("").to_string();
        let kind = o["spec"]["names"]["kind"].as_str().unwrap_or("").to_string();
        let namespaced = o["spec"]["scope"].as_str() != Some("Cluster");
        let versions: Vec<(String, bool)> = o["spec"]["versions"]
            .as_array()
            .map(|vs| {
                vs.iter()
                    .filter(|v| v["served"].as_bool().unwrap_or(true))
                    .map(|v| (v["name"].as_str().unwrap_or("v1").to_string(), v["subresources"]["status"].is_object()))
                    .collect()
            })
            .unwrap_or_default();
        for (v, status) in &versions {
            if inner.find_def(&group, v, &plural).is_none() {
                inner.resources.push(crate::store::ResourceDef {
                    group: group.clone(),
                    version: v.clone(),
                    kind: kind.clone(),
                    plural: plural.clone(),
                    singular: o["spec"]["names"]["singular"].as_str().unwrap_or(&kind.to_lowercase()).to_string(),
                    namespaced,
                    status: *status,
                    scale: false,
                    short: o["spec"]["names"]["shortNames"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
                        .unwrap_or_default(),
                });
            }
        }
        if o["status"]["conditions"].is_null() {
            o["status"] = json!({
                "acceptedNames": o["spec"]["names"],
                "storedVersions": versions.iter().map(|v| v.0.clone()).collect::<Vec<_>>(),
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": crate::store::now()},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": crate::store::now()}
                ]});
            inner.put_internal(&k, o);
        }
    }
    // Custom resources of CRDs that are gone are not served any more.
    let crds = each(inner, "apiextensions.k8s.io", "customresourcedefinitions");
    let builtin = crate::store::builtin_resources();
    inner.resources.retain(|d| {
        builtin.iter().any(|b| b.group == d.group && b.plural == d.plural)
            || crds.iter().any(|(_, c)| c["spec"]["group"].as_str() == Some(d.group.as_str()) && c["spec"]["names"]["plural"].as_str() == Some(d.plural.as_str()))
    });
}

fn is_pod_ready(p: &Value) -> bool {
    p["status"]["conditions"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

fn deployments(inner: &mut Inner) {
    for (k, mut d) in each(inner, "apps", "deployments") {
        let uid = d["metadata"]["uid"].as_str().unwrap_or("").to_string();
        let desired = d["spec"]["replicas"].as_i64().unwrap_or(1);
        let template = d["spec"]["template"].clone();
        let rss: Vec<(Key, Value)> = owned_by(inner, "apps", "replicasets", &k.ns, &uid).into_iter().map(|(k, v)| (k, v.clone())).collect();
        let max_rev = rss
            .iter()
            .filter_map(|(_, r)| r["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str()?.parse::<i64>().ok())
            .max()
            .unwrap_or(0);
        let new_rs = rss.iter().find(|(_, r)| strip_hash_label(&r["spec"]["template"]) == template).cloned();
        let recreate = d["spec"]["strategy"]["type"].as_str() == Some("Recreate");
        let (new_key, new_obj) = match new_rs {
            Some((rk, mut r)) => {
                let rev: i64 = r["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
                let mut changed = false;
                if rev < max_rev {
                    r["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!((max_rev + 1).to_string());
                    changed = true;
                }
                let old_active: i64 = rss.iter().filter(|(k2, _)| *k2 != rk).map(|(_, o)| o["status"]["replicas"].as_i64().unwrap_or(0)).sum();
                let target = if recreate && old_active > 0 { 0 } else { desired };
                if r["spec"]["replicas"].as_i64() != Some(target) {
                    r["spec"]["replicas"] = json!(target);
                    changed = true;
                }
                if changed {
                    inner.put_internal(&rk, r.clone());
                    if rev < max_rev {
                        event(inner, &d, "Normal", "DeploymentRollback", &format!("Rolled back deployment \"{}\" to revision {rev}", k.name), "deployment-controller");
                    }
                }
                let r = inner.get(&rk).cloned().unwrap_or(r);
                (rk, r)
            }
            None => {
                let hash = template_hash(&template);
                let name = format!("{}-{}", k.name, hash);
                let mut t = template.clone();
                t["metadata"]["labels"]["pod-template-hash"] = json!(hash);
                let mut sel = d["spec"]["selector"].clone();
                sel["matchLabels"]["pod-template-hash"] = json!(hash);
                let mut labels = t["metadata"]["labels"].clone();
                if labels.is_null() {
                    labels = json!({});
                }
                let old_active: i64 = rss.iter().map(|(_, o)| o["status"]["replicas"].as_i64().unwrap_or(0)).sum();
                let replicas = if recreate && old_active > 0 { 0 } else { desired };
                let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": name, "namespace": k.ns, "labels": labels,
                                 "annotations": {"deployment.kubernetes.io/revision": (max_rev + 1).to_string(),
                                                 "deployment.kubernetes.io/desired-replicas": desired.to_string()},
                                 "ownerReferences": owner_ref(&d, "apps/v1", "Deployment")},
                    "spec": {"replicas": replicas, "selector": sel, "template": t}});
                let rk = key("apps", "replicasets", &k.ns, &name);
                inner.put_internal(&rk, rs);
                event(inner, &d, "Normal", "ScalingReplicaSet", &format!("Scaled up replica set {name} from 0 to {replicas}"), "deployment-controller");
                let r = inner.get(&rk).cloned().unwrap_or(Value::Null);
                (rk, r)
            }
        };
        let new_available = new_obj["status"]["availableReplicas"].as_i64().unwrap_or(0);
        let new_ready_all = new_available >= desired && new_obj["status"]["observedGeneration"] == new_obj["metadata"]["generation"];
        // Old replica sets go to zero once the new one is available (or at once for Recreate).
        for (rk, r) in &rss {
            if *rk == new_key {
                continue;
            }
            if (new_ready_all || recreate) && r["spec"]["replicas"].as_i64().unwrap_or(0) != 0 {
                let mut r2 = r.clone();
                let from = r["spec"]["replicas"].as_i64().unwrap_or(0);
                r2["spec"]["replicas"] = json!(0);
                inner.put_internal(rk, r2);
                event(inner, &d, "Normal", "ScalingReplicaSet", &format!("Scaled down replica set {} from {from} to 0", rk.name), "deployment-controller");
            }
        }
        // Status.
        let all: Vec<Value> = owned_by(inner, "apps", "replicasets", &k.ns, &uid).into_iter().map(|(_, v)| v.clone()).collect();
        let sum = |f: &str| -> i64 { all.iter().map(|r| r["status"][f].as_i64().unwrap_or(0)).sum() };
        let replicas = sum("replicas");
        let ready = sum("readyReplicas");
        let available = sum("availableReplicas");
        let updated = new_obj["status"]["replicas"].as_i64().unwrap_or(0);
        let old_replicas = replicas - updated;
        let complete = updated == desired && available == desired && old_replicas == 0 && replicas == desired;
        let deadline = d["spec"]["progressDeadlineSeconds"].as_i64().unwrap_or(600) as u64;
        let snapshot = format!("{}/{updated}/{ready}/{available}/{replicas}", new_key.name);
        let now_tick = inner.tick;
        let last = inner.progress.entry(uid.clone()).or_insert((snapshot.clone(), now_tick));
        if last.0 != snapshot {
            *last = (snapshot, now_tick);
        }
        let stalled_ticks = now_tick - last.1;
        let now = crate::store::now();
        let prev_progressing = d["status"]["conditions"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["type"] == "Progressing").cloned())
            .unwrap_or(Value::Null);
        let progressing = if complete {
            json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                   "message": format!("ReplicaSet \"{}\" has successfully progressed.", new_key.name)})
        } else if stalled_ticks * 100 >= deadline * 1000 || (prev_progressing["reason"] == "ProgressDeadlineExceeded" && stalled_ticks > 0) {
            json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                   "message": format!("ReplicaSet \"{}\" has timed out progressing.", new_key.name)})
        } else {
            json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                   "message": format!("ReplicaSet \"{}\" is progressing.", new_key.name)})
        };
        let max_unavailable = 0.max(desired / 4);
        let avail_cond = if available >= desired - max_unavailable {
            json!({"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."})
        } else {
            json!({"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability."})
        };
        let keep_time = |c: &Value| -> Value {
            let mut c = c.clone();
            let prev = d["status"]["conditions"].as_array().and_then(|cs| cs.iter().find(|p| p["type"] == c["type"]).cloned());
            match prev {
                Some(p) if p["status"] == c["status"] && p["reason"] == c["reason"] && p["message"] == c["message"] => {
                    c["lastTransitionTime"] = p["lastTransitionTime"].clone();
                    c["lastUpdateTime"] = p["lastUpdateTime"].clone();
                }
                _ => {
                    c["lastTransitionTime"] = json!(now);
                    c["lastUpdateTime"] = json!(now);
                }
            }
            c
        };
        let mut status = json!({
            "observedGeneration": d["metadata"]["generation"],
            "replicas": replicas, "updatedReplicas": updated, "readyReplicas": ready, "availableReplicas": available,
            "conditions": [keep_time(&avail_cond), keep_time(&progressing)],
        });
        if replicas - available > 0 {
            status["unavailableReplicas"] = json!(replicas - available);
        }
        let rev = new_obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"].clone();
        let mut changed = false;
        if d["status"] != status {
            d["status"] = status;
            changed = true;
        }
        if d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] != rev {
            if !d["metadata"]["annotations"].is_object() {
                d["metadata"]["annotations"] = json!({});
            }
            d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = rev;
            changed = true;
        }
        if changed {
            inner.put_internal(&k, d);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn new_pod(inner: &mut Inner, owner: &Value, owner_api: &str, owner_kind: &str, template: &Value, name: String, ns: &str, extra_labels: Value) {
    let mut labels = template["metadata"]["labels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    if let (Some(l), Some(e)) = (labels.as_object_mut(), extra_labels.as_object()) {
        for (k, v) in e {
            l.insert(k.clone(), v.clone());
        }
    }
    let mut spec = template["spec"].clone();
    if spec["restartPolicy"].is_null() {
        spec["restartPolicy"] = json!(if owner_kind == "Job" { "Never" } else { "Always" });
    }
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels,
                     "annotations": template["metadata"]["annotations"].clone(),
                     "ownerReferences": owner_ref(owner, owner_api, owner_kind)},
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": "BestEffort"}});
    let mut pod = pod;
    if pod["metadata"]["annotations"].is_null()
        && let Some(m) = pod["metadata"].as_object_mut() {
            m.remove("annotations");
        }
    let pk = key("", "pods", ns, &name);
    if inner.objects.contains_key(&pk) {
        // A pod of that name is still terminating (a StatefulSet's): wait for it.
        return;
    }
    inner.put_internal(&pk, pod);
    event(inner, owner, "Normal", "SuccessfulCreate", &format!("Created pod: {name}"), &format!("{}-controller", owner_kind.to_lowercase()));
}

fn pod_suffix(inner: &mut Inner) -> String {
    let n = inner.next_id();
    safe_hash(&format!("pod-{n}"), 5)
}

fn replicasets(inner: &mut Inner) {
    for (k, mut r) in each(inner, "apps", "replicasets") {
        let uid = r["metadata"]["uid"].as_str().unwrap_or("").to_string();
        let desired = r["spec"]["replicas"].as_i64().unwrap_or(1);
        let pods: Vec<(Key, Value)> = owned_by(inner, "", "pods", &k.ns, &uid).into_iter().map(|(k, v)| (k, v.clone())).collect();
        let have = pods.len() as i64;
        if have < desired {
            for _ in have..desired {
                let name = format!("{}-{}", k.name, pod_suffix(inner));
                new_pod(inner, &r, "apps/v1", "ReplicaSet", &r["spec"]["template"].clone(), name, &k.ns, json!({}));
            }
        } else if have > desired {
            let mut ps = pods.clone();
            ps.sort_by_key(|(_, p)| (is_pod_ready(p), p["metadata"]["resourceVersion"].as_str().and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)));
            for (pk, _) in ps.iter().take((have - desired) as usize) {
                inner.delete(pk, "Background");
                event(inner, &r, "Normal", "SuccessfulDelete", &format!("Deleted pod: {}", pk.name), "replicaset-controller");
            }
        }
        let pods: Vec<Value> = owned_by(inner, "", "pods", &k.ns, &uid).into_iter().map(|(_, v)| v.clone()).collect();
        let ready = pods.iter().filter(|p| is_pod_ready(p)).count() as i64;
        let status = json!({"replicas": pods.len(), "fullyLabeledReplicas": pods.len(), "readyReplicas": ready,
                            "availableReplicas": ready, "observedGeneration": r["metadata"]["generation"]});
        if r["status"] != status {
            r["status"] = status;
            inner.put_internal(&k, r);
        }
    }
}

fn statefulsets(inner: &mut Inner) {
    for (k, mut s) in each(inner, "apps", "statefulsets") {
        let uid = s["metadata"]["uid"].as_str().unwrap_or("").to_string();
        let desired = s["spec"]["replicas"].as_i64().unwrap_or(1);
        let partition = s["spec"]["updateStrategy"]["rollingUpdate"]["partition"].as_i64().unwrap_or(0);
        let template = s["spec"]["template"].clone();
        let update_rev = format!("{}-{}", k.name, template_hash(&template));
        let pods: Vec<(Key, Value)> = owned_by(inner, "", "pods", &k.ns, &uid).into_iter().map(|(k, v)| (k, v.clone())).collect();
        let all_ready = pods.iter().all(|(_, p)| is_pod_ready(p));
        // Create the lowest missing ordinal once every existing pod is ready (OrderedReady).
        if all_ready {
            if let Some(i) = (0..desired).find(|i| !pods.iter().any(|(pk, _)| pk.name == format!("{}-{i}", k.name))) {
                let name = format!("{}-{i}", k.name);
                let rev = if i < partition {
                    s["status"]["currentRevision"].as_str().unwrap_or(&update_rev).to_string()
                } else {
                    update_rev.clone()
                };
                new_pod(inner, &s, "apps/v1", "StatefulSet", &template, name.clone(), &k.ns,
                        json!({"controller-revision-hash": rev, "statefulset.kubernetes.io/pod-name": name,
                               "apps.kubernetes.io/pod-index": i.to_string()}));
            } else {
                // Roll: delete the highest out-of-date pod at or above the partition.
                let mut stale: Vec<&(Key, Value)> = pods
                    .iter()
                    .filter(|(pk, p)| {
                        let ord: i64 = pk.name.rsplit('-').next().and_then(|x| x.parse().ok()).unwrap_or(0);
                        ord >= partition && p["metadata"]["labels"]["controller-revision-hash"].as_str() != Some(update_rev.as_str())
                    })
                    .collect();
                stale.sort_by_key(|(pk, _)| std::cmp::Reverse(pk.name.clone()));
                if let Some((pk, _)) = stale.first() {
                    inner.delete(pk, "Background");
                }
            }
        }
        for (pk, _) in pods.iter().filter(|(pk, _)| pk.name.rsplit('-').next().and_then(|x| x.parse::<i64>().ok()).unwrap_or(0) >= desired) {
            inner.delete(pk, "Background");
        }
        let pods: Vec<Value> = owned_by(inner, "", "pods", &k.ns, &uid).into_iter().map(|(_, v)| v.clone()).collect();
        let ready = pods.iter().filter(|p| is_pod_ready(p)).count() as i64;
        let updated = pods.iter().filter(|p| p["metadata"]["labels"]["controller-revision-hash"].as_str() == Some(update_rev.as_str())).count() as i64;
        let current_rev = if updated == desired { update_rev.clone() } else { s["status"]["currentRevision"].as_str().unwrap_or(&update_rev).to_string() };
        let status = json!({"observedGeneration": s["metadata"]["generation"], "replicas": pods.len(), "readyReplicas": ready,
            "availableReplicas": ready, "currentReplicas": pods.len() as i64 - updated + if current_rev == update_rev { updated } else { 0 },
            "updatedReplicas": updated, "currentRevision": current_rev, "updateRevision": update_rev});
        if s["status"] != status {
            s["status"] = status;
            inner.put_internal(&k, s);
        }
    }
}

fn daemonsets(inner: &mut Inner) {
    for (k, mut s) in each(inner, "apps", "daemonsets") {
        let uid = s["metadata"]["uid"].as_str().unwrap_or("").to_string();
        let hash = template_hash(&s["spec"]["template"]);
        let pods: Vec<(Key, Value)> = owned_by(inner, "", "pods", &k.ns, &uid).into_iter().map(|(k, v)| (k, v.clone())).collect();
        for (pk, p) in &pods {
            if p["metadata"]["labels"]["controller-revision-hash"].as_str() != Some(hash.as_str()) {
                inner.delete(pk, "Background");
            }
        }
        if owned_by(inner, "", "pods", &k.ns, &uid).is_empty() {
            let name = format!("{}-{}", k.name, pod_suffix(inner));
            new_pod(inner, &s, "apps/v1", "DaemonSet", &s["spec"]["template"].clone(), name, &k.ns, json!({"controller-revision-hash": hash}));
        }
        let pods: Vec<Value> = owned_by(inner, "", "pods", &k.ns, &uid).into_iter().map(|(_, v)| v.clone()).collect();
        let ready = pods.iter().filter(|p| is_pod_ready(p)).count() as i64;
        let updated = pods.iter().filter(|p| p["metadata"]["labels"]["controller-revision-hash"].as_str() == Some(hash.as_str())).count() as i64;
        let status = json!({"observedGeneration": s["metadata"]["generation"], "desiredNumberScheduled": 1, "currentNumberScheduled": pods.len(),
            "numberMisscheduled": 0, "numberReady": ready, "numberAvailable": ready, "updatedNumberScheduled": updated});
        if s["status"] != status {
            s["status"] = status;
            inner.put_internal(&k, s);
        }
    }
}

fn jobs(inner: &mut Inner) {
    for (k, mut j) in each(inner, "batch", "jobs") {
        let uid = j["metadata"]["uid"].as_str().unwrap_or("").to_string();
        let completions = j["spec"]["completions"].as_i64().unwrap_or(1);
        let backoff = j["spec"]["backoffLimit"].as_i64().unwrap_or(6);
        let pods: Vec<Value> = owned_by(inner, "", "pods", &k.ns, &uid).into_iter().map(|(_, v)| v.clone()).collect();
        let succeeded = pods.iter().filter(|p| p["status"]["phase"] == "Succeeded").count() as i64;
        let failed = pods.iter().filter(|p| p["status"]["phase"] == "Failed").count() as i64;
        let active = pods.len() as i64 - succeeded - failed;
        let done = j["status"]["conditions"].as_array().is_some_and(|c| c.iter().any(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True"));
        if done {
            continue;
        }
        let now = crate::store::now();
        let mut status = json!({"active": active, "succeeded": succeeded, "failed": failed, "startTime": j["status"]["startTime"].as_str().map(String::from).unwrap_or(now.clone())});
        if succeeded >= completions {
            status["completionTime"] = json!(now);
            status["active"] = json!(0);
            status["conditions"] = json!([
                {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now},
                {"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now}]);
            event(inner, &j, "Normal", "Completed", "Job completed", "job-controller");
        } else if failed > backoff {
            status["conditions"] = json!([
                {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now},
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now}]);
            event(inner, &j, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit", "job-controller");
        } else if active == 0 {
            let name = format!("{}-{}", k.name, pod_suffix(inner));
            new_pod(inner, &j, "batch/v1", "Job", &j["spec"]["template"].clone(), name, &k.ns,
                    json!({"batch.kubernetes.io/job-name": k.name, "job-name": k.name, "batch.kubernetes.io/controller-uid": uid}));
            status["active"] = json!(1);
        }
        if j["status"] != status {
            j["status"] = status;
            inner.put_internal(&k, j);
        }
    }
}

fn hpas(inner: &mut Inner) {
    for (k, mut h) in each(inner, "autoscaling", "horizontalpodautoscalers") {
        let target = h["spec"]["scaleTargetRef"]["name"].as_str().unwrap_or("").to_string();
        let cur = inner.get(&key("apps", "deployments", &k.ns, &target)).and_then(|d| d["status"]["replicas"].as_i64()).unwrap_or(0);
        let status = json!({"currentReplicas": cur, "desiredReplicas": cur.max(h["spec"]["minReplicas"].as_i64().unwrap_or(1))});
        if h["status"] != status {
            h["status"] = status;
            inner.put_internal(&k, h);
        }
    }
}

fn image_fails(image: &str) -> bool {
    image.contains("does-not-exist") || image.rsplit_once(':').is_some_and(|(_, t)| t == "missing")
}

fn decide_fate(inner: &Inner, pod: &Value) -> Fate {
    let containers = pod["spec"]["containers"].as_array().cloned().unwrap_or_default();
    let (mut cpu, mut mem) = (0.0, 0.0);
    for c in &containers {
        cpu += parse_quantity(&c["resources"]["requests"]["cpu"]);
        mem += parse_quantity(&c["resources"]["requests"]["memory"]);
    }
    let node = inner.get(&key("", "nodes", "", NODE)).cloned().unwrap_or(Value::Null);
    if let Some(sel) = pod["spec"]["nodeSelector"].as_object()
        && sel.iter().any(|(k, v)| node["metadata"]["labels"][k] != *v) {
            return Fate::Unschedulable(
                "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.".into(),
            );
        }
    let mut short = Vec::new();
    if cpu > 4.0 {
        short.push("1 Insufficient cpu");
    }
    if mem > 8.0 * 1024.0 * 1024.0 * 1024.0 {
        short.push("1 Insufficient memory");
    }
    if !short.is_empty() {
        return Fate::Unschedulable(format!(
            "0/1 nodes are available: {}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
            short.join(", ")
        ));
    }
    for c in &containers {
        let image = c["image"].as_str().unwrap_or("");
        let name = c["name"].as_str().unwrap_or("").to_string();
        if image_fails(image) {
            return Fate::ImagePull { image: image.to_string(), container: name };
        }
    }
    for c in &containers {
        if c["image"].as_str().unwrap_or("").contains("crash") {
            return Fate::Crash { container: c["name"].as_str().unwrap_or("").to_string() };
        }
    }
    for c in &containers {
        if c["readinessProbe"]["httpGet"]["path"].as_str().is_some_and(|p| p.contains("fail")) {
            return Fate::ProbeFail { container: c["name"].as_str().unwrap_or("").to_string() };
        }
    }
    Fate::Ok
}

fn default_logs(c: &Value, crash: bool) -> Vec<String> {
    if let Some(env) = c["env"].as_array()
        && let Some(v) = env.iter().find(|e| e["name"] == "FAKE_LOG").and_then(|e| e["value"].as_str()) {
            return v.split('|').map(String::from).collect();
        }
    let image = c["image"].as_str().unwrap_or("");
    let mut lines = vec![format!("starting {image}")];
    if let Some(ports) = c["ports"].as_array() {
        for p in ports {
            lines.push(format!("listening on :{}", p["containerPort"]));
        }
    }
    if crash {
        lines.push("loading configuration from /etc/app/config.yaml".into());
        lines.push("fatal: open /etc/app/config.yaml: no such file or directory".into());
    } else {
        lines.push("ready".into());
    }
    lines
}

fn cond(t: &str, s: bool, now: &str) -> Value {
    json!({"type": t, "status": if s { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": now})
}

fn pods(inner: &mut Inner) {
    let tick = inner.tick;
    for (k, mut p) in each(inner, "", "pods") {
        let uid = p["metadata"]["uid"].as_str().unwrap_or("").to_string();
        if !inner.sim.contains_key(&uid) {
            let fate = decide_fate(inner, &p);
            let job = p["metadata"]["ownerReferences"][0]["kind"] == "Job" || p["spec"]["restartPolicy"] == "Never";
            inner.sim.insert(uid.clone(), PodSim { born: tick, fate, restarts: 0, job });
        }
        let Some(sim) = inner.sim.get(&uid).cloned() else { continue };
        let age = tick.saturating_sub(sim.born);
        let phase = p["status"]["phase"].as_str().unwrap_or("");
        if phase == "Succeeded" || phase == "Failed" {
            continue;
        }
        let now = crate::store::now();
        let before = p.clone();
        let containers = p["spec"]["containers"].as_array().cloned().unwrap_or_default();
        if let Fate::Unschedulable(msg) = &sim.fate {
            if age >= 1 && p["status"]["conditions"].is_null() {
                p["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": msg, "lastProbeTime": null, "lastTransitionTime": now}]);
                inner.put_internal(&k, p.clone());
                event(inner, &p, "Warning", "FailedScheduling", msg, "default-scheduler");
            }
            continue;
        }
        if age < 1 {
            continue;
        }
        let ns = k.ns.clone();
        if p["spec"]["nodeName"].is_null() {
            p["spec"]["nodeName"] = json!(NODE);
            p["status"]["hostIP"] = json!("10.0.0.10");
            p["status"]["startTime"] = json!(now);
            let n = inner.next_id();
            p["status"]["podIP"] = json!(format!("10.244.0.{}", n % 250 + 2));
            p["status"]["conditions"] = json!([cond("PodScheduled", true, &now), cond("Initialized", true, &now), cond("ContainersReady", false, &now), cond("Ready", false, &now)]);
            p["status"]["containerStatuses"] = Value::Array(
                containers
                    .iter()
                    .map(|c| json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": false, "started": false, "restartCount": 0,
                                    "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {}}))
                    .collect(),
            );
            inner.put_internal(&k, p.clone());
            event(inner, &p, "Normal", "Scheduled", &format!("Successfully assigned {ns}/{} to {NODE}", k.name), "default-scheduler");
            continue;
        }
        let set_ready = |p: &mut Value, ready: bool, now: &str| {
            if let Some(cs) = p["status"]["conditions"].as_array_mut() {
                for c in cs.iter_mut() {
                    if c["type"] == "Ready" || c["type"] == "ContainersReady" {
                        let want = if ready { "True" } else { "False" };
                        if c["status"] != want {
                            c["status"] = json!(want);
                            c["lastTransitionTime"] = json!(now);
                        }
                    }
                }
            }
        };
        match &sim.fate {
            Fate::ImagePull { image, container } => {
                let idx = containers.iter().position(|c| c["name"].as_str() == Some(container.as_str())).unwrap_or(0);
                // Back-off after 2 s, like the kubelet (and slow enough for a client to see ErrImagePull).
                let reason = if age >= 20 { "ImagePullBackOff" } else { "ErrImagePull" };
                let msg = if age >= 20 {
                    format!("Back-off pulling image \"{image}\": ErrImagePull: failed to pull and unpack image \"{image}\": not found")
                } else {
                    format!("failed to pull and unpack image \"{image}\": not found")
                };
                p["status"]["containerStatuses"][idx]["state"] = json!({"waiting": {"reason": reason, "message": msg}});
                if p != before {
                    inner.put_internal(&k, p.clone());
                    if age < 20 {
                        event(inner, &p, "Normal", "Pulling", &format!("Pulling image \"{image}\""), "kubelet");
                        event(inner, &p, "Warning", "Failed", &format!("Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found"), "kubelet");
                        event(inner, &p, "Warning", "Failed", "Error: ErrImagePull", "kubelet");
                    } else {
                        event(inner, &p, "Normal", "BackOff", &format!("Back-off pulling image \"{image}\""), "kubelet");
                        event(inner, &p, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet");
                    }
                }
            }
            Fate::Crash { container } => {
                let idx = containers.iter().position(|c| c["name"].as_str() == Some(container.as_str())).unwrap_or(0);
                let cycle = (age - 1) % 30; // 1: start, 2: crash, then a 3 s back-off
                let c = containers.get(idx).cloned().unwrap_or(Value::Null);
                if cycle == 1 && p["status"]["containerStatuses"][idx]["state"]["running"].is_null() {
                    p["status"]["phase"] = json!("Running");
                    p["status"]["containerStatuses"][idx]["state"] = json!({"running": {"startedAt": now}});
                    p["status"]["containerStatuses"][idx]["started"] = json!(true);
                    inner.put_internal(&k, p.clone());
                    let lines = default_logs(&c, true);
                    inner.pod_logs.entry((ns.clone(), k.name.clone(), container.clone())).or_default().extend(lines);
                    event(inner, &p, "Normal", "Pulled", &format!("Container image \"{}\" already present on machine", c["image"].as_str().unwrap_or("")), "kubelet");
                    event(inner, &p, "Normal", "Created", &format!("Created container: {container}"), "kubelet");
                    event(inner, &p, "Normal", "Started", &format!("Started container {container}"), "kubelet");
                } else if cycle == 2 {
                    let restarts = sim.restarts + 1;
                    if let Some(s) = inner.sim.get_mut(&uid) {
                        s.restarts = restarts;
                    }
                    p["status"]["containerStatuses"][idx]["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": now, "finishedAt": now}});
                    p["status"]["containerStatuses"][idx]["started"] = json!(false);
                    if sim.job {
                        p["status"]["phase"] = json!("Failed");
                        p["status"]["containerStatuses"][idx]["state"] = json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": now, "finishedAt": now}});
                        inner.put_internal(&k, p.clone());
                    } else {
                        p["status"]["containerStatuses"][idx]["restartCount"] = json!(restarts);
                        p["status"]["containerStatuses"][idx]["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
                            "message": format!("back-off 3s restarting failed container={container} pod={}_{ns}({uid})", k.name)}});
                        inner.put_internal(&k, p.clone());
                        event(inner, &p, "Warning", "BackOff", &format!("Back-off restarting failed container {container} in pod {}_{ns}({uid})", k.name), "kubelet");
                    }
                }
            }
            Fate::Ok | Fate::ProbeFail { .. } => {
                if age >= 2 && p["status"]["phase"] != "Running" {
                    p["status"]["phase"] = json!("Running");
                    for (i, c) in containers.iter().enumerate() {
                        p["status"]["containerStatuses"][i]["state"] = json!({"running": {"startedAt": now}});
                        p["status"]["containerStatuses"][i]["started"] = json!(true);
                        let name = c["name"].as_str().unwrap_or("").to_string();
                        inner.pod_logs.entry((ns.clone(), k.name.clone(), name)).or_default().extend(default_logs(c, false));
                    }
                    inner.put_internal(&k, p.clone());
                    for c in &containers {
                        let name = c["name"].as_str().unwrap_or("");
                        event(inner, &p, "Normal", "Pulled", &format!("Container image \"{}\" already present on machine", c["image"].as_str().unwrap_or("")), "kubelet");
                        event(inner, &p, "Normal", "Created", &format!("Created container: {name}"), "kubelet");
                        event(inner, &p, "Normal", "Started", &format!("Started container {name}"), "kubelet");
                    }
                } else if age >= 3 {
                    if let Fate::ProbeFail { container } = &sim.fate {
                        if (age - 3) % 10 == 0 {
                            let path = containers.iter().find(|c| c["name"].as_str() == Some(container.as_str()))
                                .and_then(|c| c["readinessProbe"]["httpGet"]["path"].as_str()).unwrap_or("/").to_string();
                            event(inner, &p, "Warning", "Unhealthy", &format!("Readiness probe failed: HTTP probe failed with statuscode: 503 (GET {path})"), "kubelet");
                        }
                        continue;
                    }
                    if sim.job {
                        p["status"]["phase"] = json!("Succeeded");
                        for (i, _) in containers.iter().enumerate() {
                            p["status"]["containerStatuses"][i]["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}});
                        }
                        set_ready(&mut p, false, &now);
                    } else {
                        for (i, _) in containers.iter().enumerate() {
                            p["status"]["containerStatuses"][i]["ready"] = json!(true);
                        }
                        set_ready(&mut p, true, &now);
                    }
                    if p != before {
                        inner.put_internal(&k, p);
                    }
                }
            }
            Fate::Unschedulable(_) => {}
        }
    }
}
