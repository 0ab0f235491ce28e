//! The object store: typed-less JSON objects, resource versions, field managers and the
//! watch event log. Everything the HTTP layer and the simulated controllers share.

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use tokio::sync::broadcast;

/// One kind of resource the server knows (served in discovery).
#[derive(Debug, Clone)]
pub struct ResourceDef {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub status: bool,
    pub scale: bool,
    pub short: Vec<String>,
}

impl ResourceDef {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }
}

fn def(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool, status: bool, short: &[&str]) -> ResourceDef {
    ResourceDef {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        plural: plural.into(),
        singular: kind.to_lowercase(),
        namespaced,
        status,
        scale: matches!(kind, "Deployment" | "ReplicaSet" | "StatefulSet"),
        short: short.iter().map(|s| s.to_string()).collect(),
    }
}

pub fn builtin_resources() -> Vec<ResourceDef> {
    vec![
        def("", "v1", "Namespace", "namespaces", false, true, &["ns"]),
        def("", "v1", "Node", "nodes", false, true, &["no"]),
        def("", "v1", "Pod", "pods", true, true, &["po"]),
        def("", "v1", "Service", "services", true, true, &["svc"]),
        def("", "v1", "ConfigMap", "configmaps", true, false, &["cm"]),
        def("", "v1", "Secret", "secrets", true, false, &[]),
        def("", "v1", "ServiceAccount", "serviceaccounts", true, false, &["sa"]),
        def("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, true, &["pvc"]),
        def("", "v1", "PersistentVolume", "persistentvolumes", false, true, &["pv"]),
        def("", "v1", "Event", "events", true, false, &["ev"]),
        def("", "v1", "LimitRange", "limitranges", true, false, &["limits"]),
        def("", "v1", "ResourceQuota", "resourcequotas", true, true, &["quota"]),
        def("apps", "v1", "Deployment", "deployments", true, true, &["deploy"]),
        def("apps", "v1", "ReplicaSet", "replicasets", true, true, &["rs"]),
        def("apps", "v1", "StatefulSet", "statefulsets", true, true, &["sts"]),
        def("apps", "v1", "DaemonSet", "daemonsets", true, true, &["ds"]),
        def("batch", "v1", "Job", "jobs", true, true, &[]),
        def("batch", "v1", "CronJob", "cronjobs", true, true, &["cj"]),
        def("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, true, &["hpa"]),
        def("networking.k8s.io", "v1", "Ingress", "ingresses", true, true, &["ing"]),
        def("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, false, &["netpol"]),
        def("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, false, &[]),
        def("rbac.authorization.k8s.io", "v1", "Role", "roles", true, false, &[]),
        def("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, false, &[]),
        def("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, false, &[]),
        def("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, false, &[]),
        def("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, true, &["crd", "crds"]),
        def("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, true, &["pdb"]),
        def("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, false, &["sc"]),
    ]
}

/// Where an object lives: resource (group + plural), namespace ("" when cluster-scoped), name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub group: String,
    pub plural: String,
    pub ns: String,
    pub name: String,
}

pub use crate::ssa::FieldPath;
use crate::ssa;

#[derive(Debug, Clone)]
pub struct Manager {
    pub operation: &'static str,
    pub api_version: String,
    pub time: String,
    pub fields: BTreeSet<FieldPath>,
}

#[derive(Debug, Clone)]
pub struct Stored {
    pub obj: Value,
    pub managers: BTreeMap<String, Manager>,
}

/// One change, as sent to watchers.
#[derive(Debug, Clone)]
pub struct WatchEvent {
    pub rv: u64,
    pub kind: &'static str,
    pub group: String,
    pub plural: String,
    pub ns: String,
    pub obj: Value,
}

pub struct Inner {
    pub rv: u64,
    pub counter: u64,
    pub objects: BTreeMap<Key, Stored>,
    pub log: VecDeque<WatchEvent>,
    pub resources: Vec<ResourceDef>,
    pub pod_logs: HashMap<(String, String, String), Vec<String>>,
    pub sim: HashMap<String, crate::controller::PodSim>,
    pub progress: HashMap<String, (String, u64)>,
    /// Pods in graceful deletion: the controller tick at which the simulated kubelet has
    /// stopped their containers and the pod object goes.
    pub pod_kill_at: HashMap<Key, u64>,
    pub tick: u64,
    pub tx: broadcast::Sender<std::sync::Arc<WatchEvent>>,
}

const LOG_CAP: usize = 20_000;

pub fn now() -> String {
    rfc3339(time::OffsetDateTime::now_utc())
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The API error body (`kind: Status`).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Value,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError { code, reason, message: message.into(), details: Value::Null }
    }
    pub fn not_found(def: &ResourceDef, name: &str) -> Self {
        let gr = if def.group.is_empty() { def.plural.clone() } else { format!("{}.{}", def.plural, def.group) };
        ApiError {
            code: 404,
            reason: "NotFound",
            message: format!("{gr} \"{name}\" not found"),
            details: json!({"name": name, "group": def.group, "kind": def.plural}),
        }
    }
    pub fn body(&self) -> Value {
        let mut v = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
        });
        // An error that is not a status error has no reason (metav1.StatusReasonUnknown, omitted).
        if self.reason.is_empty()
            && let Some(m) = v.as_object_mut()
        {
            m.remove("reason");
        }
        if !self.details.is_null() {
            v["details"] = self.details.clone();
        }
        v
    }
}

pub fn get_path<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}

/// The fields a write makes its manager own (structured-merge-diff field set, see
/// [`ssa`]). Identity fields and status are nobody's.
pub fn owned_paths(v: &Value, sch: Option<&Value>) -> BTreeSet<FieldPath> {
    let mut out = ssa::field_set(v, sch);
    out.retain(|p| !server_owned(p));
    out
}

fn server_owned(p: &FieldPath) -> bool {
    let s: Vec<&str> = p.iter().map(String::as_str).collect();
    matches!(s.as_slice(), ["apiVersion"] | ["kind"] | ["metadata", "name"] | ["metadata", "namespace"] | ["status", ..])
        || (s.first() == Some(&"metadata")
            && matches!(s.get(1), Some(&"resourceVersion" | &"uid" | &"managedFields" | &"creationTimestamp" | &"generation")))
}

/// RFC 7386 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    if let Value::Object(p) = patch {
        if !target.is_object() {
            *target = Value::Object(Map::new());
        }
        if let Value::Object(t) = target {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
    } else {
        *target = patch.clone();
    }
}

fn changed_leaves(old: &Value, new: &Value, sch: Option<&Value>) -> BTreeSet<FieldPath> {
    let mut out = ssa::changed(old, new, sch);
    out.retain(|p| !server_owned(p));
    out
}

fn spec_part(v: &Value) -> Value {
    let mut c = v.clone();
    if let Some(m) = c.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
    }
    c
}

/// How a write reached the server.
pub enum Write {
    Create,
    Update,
    Apply { force: bool },
    Status,
}

impl Inner {
    pub fn new(tx: broadcast::Sender<std::sync::Arc<WatchEvent>>) -> Self {
        Inner {
            rv: 1,
            counter: 0,
            objects: BTreeMap::new(),
            log: VecDeque::new(),
            resources: builtin_resources(),
            pod_logs: HashMap::new(),
            sim: HashMap::new(),
            progress: HashMap::new(),
            pod_kill_at: HashMap::new(),
            tick: 0,
            tx,
        }
    }

    pub fn next_id(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    pub fn uid(&mut self) -> String {
        let n = self.next_id();
        let h = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(n.to_le_bytes()));
        format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
    }

    pub fn find_def(&self, group: &str, version: &str, plural: &str) -> Option<ResourceDef> {
        self.resources.iter().find(|d| d.group == group && d.version == version && d.plural == plural).cloned()
    }

    /// The schema objects of this kind are checked against: the built-in definition, or the
    /// `openAPIV3Schema` of the served version in the kind's CRD.
    pub fn kind_schema(&self, def: &ResourceDef) -> Option<crate::schema::Root> {
        if let Some(d) = crate::openapi::definition(&def.group, &def.version, &def.kind) {
            return Some(crate::schema::Root::Builtin(d));
        }
        let s = self.crd_version(def)?["schema"]["openAPIV3Schema"].clone();
        (!s.is_null()).then_some(crate::schema::Root::Crd(s))
    }

    /// The CRD's entry for the served version of a custom resource.
    pub fn crd_version(&self, def: &ResourceDef) -> Option<&Value> {
        let crd = self.objects.iter().find(|(k, s)| {
            k.group == "apiextensions.k8s.io"
                && k.plural == "customresourcedefinitions"
                && s.obj["spec"]["group"] == def.group.as_str()
                && s.obj["spec"]["names"]["plural"] == def.plural.as_str()
        })?;
        crd.1.obj["spec"]["versions"].as_array()?.iter().find(|v| v["name"] == def.version.as_str())
    }

    pub fn def_for_kind(&self, kind: &str) -> Option<ResourceDef> {
        self.resources.iter().find(|d| d.kind == kind).cloned()
    }

    fn emit(&mut self, kind: &'static str, key: &Key, obj: Value) {
        let ev = WatchEvent { rv: self.rv, kind, group: key.group.clone(), plural: key.plural.clone(), ns: key.ns.clone(), obj };
        self.log.push_back(ev.clone());
        if self.log.len() > LOG_CAP {
            self.log.pop_front();
        }
        let _ = self.tx.send(std::sync::Arc::new(ev));
    }

    /// The object as served: with managedFields rendered from the manager sets.
    pub fn render(&self, key: &Key) -> Option<Value> {
        let s = self.objects.get(key)?;
        let mut obj = s.obj.clone();
        let mf: Vec<Value> = s
            .managers
            .iter()
            .filter(|(_, m)| !m.fields.is_empty())
            .map(|(name, m)| {
                json!({"manager": name, "operation": m.operation, "apiVersion": m.api_version, "time": m.time,
                       "fieldsType": "FieldsV1", "fieldsV1": ssa::fields_v1(&m.fields)})
            })
            .collect();
        if !mf.is_empty() {
            obj["metadata"]["managedFields"] = Value::Array(mf);
        }
        Some(obj)
    }

    pub fn get(&self, key: &Key) -> Option<&Value> {
        self.objects.get(key).map(|s| &s.obj)
    }

    /// Create, update, apply or status write. `dry_run` computes the result without storing.
    pub fn write(
        &mut self,
        def: &ResourceDef,
        key: &Key,
        mut input: Value,
        how: Write,
        manager: &str,
        dry_run: bool,
    ) -> Result<(Value, bool), ApiError> {
        // Identity checks.
        let kind = input.get("kind").and_then(Value::as_str).unwrap_or("");
        if !kind.is_empty() && kind != def.kind {
            return Err(ApiError::new(400, "BadRequest", format!("the kind in the body ({kind}) does not match the URL ({})", def.kind)));
        }
        let body_name = input.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string();
        if !body_name.is_empty() && body_name != key.name {
            return Err(ApiError::new(400, "BadRequest", "the name of the object does not match the name on the URL"));
        }
        if let Some(ns) = input.pointer("/metadata/namespace").and_then(Value::as_str)
            && def.namespaced && !ns.is_empty() && ns != key.ns {
                return Err(ApiError::new(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"));
            }
        if def.namespaced && !self.objects.contains_key(&Key { group: String::new(), plural: "namespaces".into(), ns: String::new(), name: key.ns.clone() }) {
            return Err(ApiError {
                code: 404,
                reason: "NotFound",
                message: format!("namespaces \"{}\" not found", key.ns),
                details: json!({"name": key.ns, "kind": "namespaces"}),
            });
        }
        validate_name(def, &key.name)?;
        // No new content in a namespace being deleted (the NamespaceLifecycle admission plugin,
        // https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#namespacelifecycle).
        if def.namespaced
            && !self.objects.contains_key(key)
            && self.objects.get(&Key { group: String::new(), plural: "namespaces".into(), ns: String::new(), name: key.ns.clone() }).is_some_and(|n| n.obj["metadata"]["deletionTimestamp"].is_string())
        {
            let detail = format!("unable to create new content in namespace {} because it is being terminated", key.ns);
            return Err(ApiError {
                code: 403,
                reason: "Forbidden",
                message: format!("{} \"{}\" is forbidden: {detail}", def.plural, key.name),
                details: json!({"name": key.name, "group": def.group, "kind": def.plural,
                                "causes": [{"reason": "NamespaceTerminating", "message": detail, "field": "metadata.namespace"}]}),
            });
        }
        input["apiVersion"] = json!(def.api_version());
        input["kind"] = json!(def.kind);
        let now = now();
        let root = self.kind_schema(def);
        let sch = root.as_ref().map(|r| r.schema());
        let existing = self.objects.get(key).cloned();
        let (mut new_obj, mut managers, created) = match (&how, existing) {
            (Write::Create, Some(_)) => {
                let gr = if def.group.is_empty() { def.plural.clone() } else { format!("{}.{}", def.plural, def.group) };
                return Err(ApiError {
                    code: 409,
                    reason: "AlreadyExists",
                    message: format!("{gr} \"{}\" already exists", key.name),
                    details: json!({"name": key.name, "group": def.group, "kind": def.plural}),
                });
            }
            (Write::Update | Write::Status, None) => return Err(ApiError::not_found(def, &key.name)),
            (Write::Create | Write::Apply { .. }, None) => {
                let mut obj = input.clone();
                if def.status
                    && let Some(m) = obj.as_object_mut() {
                        m.remove("status");
                    }
                let mut managers = BTreeMap::new();
                let op = if matches!(how, Write::Apply { .. }) { "Apply" } else { "Update" };
                managers.insert(
                    manager.to_string(),
                    Manager { operation: op, api_version: def.api_version(), time: now.clone(), fields: owned_paths(&input, sch) },
                );
                (obj, managers, true)
            }
            (Write::Update, Some(old)) => {
                let mut obj = input.clone();
                if let Some(rv) = input.pointer("/metadata/resourceVersion").and_then(Value::as_str) {
                    let cur = old.obj.pointer("/metadata/resourceVersion").and_then(Value::as_str).unwrap_or("");
                    if !rv.is_empty() && rv != cur {
                        return Err(ApiError::new(
                            409,
                            "Conflict",
                            format!("Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again", def.plural, key.name),
                        ));
                    }
                }
                if def.status {
                    obj["status"] = old.obj.get("status").cloned().unwrap_or(Value::Null);
                    if obj["status"].is_null()
                        && let Some(m) = obj.as_object_mut() {
                            m.remove("status");
                        }
                }
                let mut managers = old.managers.clone();
                take_ownership(&mut managers, manager, changed_leaves(&old.obj, &obj, sch), "Update", &def.api_version(), &now);
                (obj, managers, false)
            }
            (Write::Status, Some(old)) => {
                let mut obj = old.obj.clone();
                obj["status"] = input.get("status").cloned().unwrap_or(Value::Null);
                (obj, old.managers.clone(), false)
            }
            (Write::Apply { force }, Some(old)) => {
                let force = *force;
                let applied = owned_paths(&input, sch);
                // Conflicts only on a field another manager owns and this one sets to a
                // different value (a list element itself has no value of its own).
                let mut conflicts = Vec::new();
                for p in applied.iter().filter(|p| !ssa::is_element(p)) {
                    for (m, mgr) in &old.managers {
                        if m != manager && mgr.fields.contains(p) && ssa::get(&old.obj, p) != ssa::get(&input, p) {
                            conflicts.push((m.clone(), p.clone()));
                        }
                    }
                }
                let mut managers = old.managers.clone();
                if !conflicts.is_empty() {
                    if !force {
                        let causes: Vec<Value> = conflicts
                            .iter()
                            .map(|(m, p)| {
                                json!({"type": "FieldManagerConflict",
                                       "message": format!("conflict with \"{m}\" using {}", def.api_version()),
                                       "field": ssa::display(p)})
                            })
                            .collect();
                        let mut msg = format!(
                            "Apply failed with {} conflict{}: ",
                            conflicts.len(),
                            if conflicts.len() == 1 { "" } else { "s" }
                        );
                        msg.push_str(
                            &conflicts
                                .iter()
                                .map(|(m, p)| format!("conflict with \"{m}\" using {}: {}", def.api_version(), ssa::display(p)))
                                .collect::<Vec<_>>()
                                .join("\n"),
                        );
                        return Err(ApiError {
                            code: 409,
                            reason: "Conflict",
                            message: msg,
                            details: json!({"name": key.name, "group": def.group, "kind": def.plural, "causes": causes}),
                        });
                    }
                    for (m, p) in &conflicts {
                        if let Some(mgr) = managers.get_mut(m) {
                            mgr.fields.remove(p);
                        }
                    }
                }
                let mut obj = old.obj.clone();
                // Fields this manager applied before and no longer applies go, unless another
                // manager owns them or (for an element or map) something inside them
                // (https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management:
                // "If you remove a field from a manifest and apply that manifest, Server-Side Apply
                // checks if there are any other field managers that also own the field"). A struct
                // filled by the manager goes whole, defaulted children included (structured-merge-diff
                // `Updater.prune` with `EnsureNamedFieldsAreMembers`).
                let before = managers.get(manager).map(|m| m.fields.clone()).unwrap_or_default();
                let last = ssa::with_named_fields(&before, sch);
                let mut kept: BTreeSet<FieldPath> = ssa::with_named_fields(&applied, sch);
                for (m, mgr) in &managers {
                    if m != manager {
                        kept.extend(ssa::with_named_fields(&mgr.fields, sch));
                    }
                }
                for p in last.difference(&kept) {
                    let owned_inside = kept.iter().any(|q| q.len() > p.len() && q[..p.len()] == p[..]);
                    if !owned_inside {
                        ssa::remove(&mut obj, p);
                    }
                }
                let mut body = input.clone();
                if def.status
                    && let Some(m) = body.as_object_mut() {
                        m.remove("status");
                    }
                ssa::merge(&mut obj, &body, sch);
                managers.insert(
                    manager.to_string(),
                    Manager { operation: "Apply", api_version: def.api_version(), time: now.clone(), fields: applied },
                );
                (obj, managers, false)
            }
        };
        managers.retain(|_, m| !m.fields.is_empty());
        // Server-owned metadata.
        let old = self.objects.get(key).map(|s| s.obj.clone());
        if !new_obj.get("metadata").is_some_and(Value::is_object) {
            new_obj["metadata"] = json!({});
        }
        new_obj["metadata"]["name"] = json!(key.name);
        if def.namespaced {
            new_obj["metadata"]["namespace"] = json!(key.ns);
        } else if let Some(m) = new_obj["metadata"].as_object_mut() {
            m.remove("namespace");
        }
        if let Some(m) = new_obj["metadata"].as_object_mut() {
            m.remove("managedFields");
        }
        // Defaulting, then validation (the API server's order: decode + default, admission, validate).
        crate::defaults::apply(&def.group, &def.kind, &mut new_obj);
        if let Some(root @ crate::schema::Root::Crd(_)) = &root {
            // Pruning of what the merge brought in, nulls and the CRD's `default`s.
            crate::schema::prune(&mut new_obj, root);
            let errs = crate::schema::validate_cr(&new_obj, root.schema());
            if !errs.is_empty() {
                return Err(crate::schema::invalid_error(&def.group, &def.kind, &key.name, &errs));
            }
        }
        if let Some(o) = &old {
            align_order(&mut new_obj, o);
        }
        match &old {
            Some(o) => {
                for f in ["uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds"] {
                    if let Some(v) = o["metadata"].get(f) {
                        new_obj["metadata"][f] = v.clone();
                    }
                }
                if o["metadata"]["deletionTimestamp"].is_string() {
                    let had = o["metadata"]["finalizers"].as_array().cloned().unwrap_or_default();
                    let added: Vec<String> = new_obj["metadata"]["finalizers"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|f| !had.contains(f))
                        .map(|f| format!("{f}"))
                        .collect();
                    if !added.is_empty() {
                        // apimachinery ValidateObjectMetaUpdate.
                        return Err(invalid(
                            def,
                            &key.name,
                            "metadata.finalizers",
                            format!("Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}", added.join(", ")),
                        ));
                    }
                }
                if spec_part(o) != spec_part(&new_obj) {
                    let g = o["metadata"]["generation"].as_i64().unwrap_or(1);
                    new_obj["metadata"]["generation"] = json!(g + 1);
                }
                validate_update(def, o, &new_obj)?;
            }
            None => {
                new_obj["metadata"]["uid"] = json!(self.uid());
                new_obj["metadata"]["creationTimestamp"] = json!(now);
                new_obj["metadata"]["generation"] = json!(1);
            }
        }
        validate_object(def, &new_obj)?;
        if let Some(o) = &old {
            let mut a = o.clone();
            let mut b = new_obj.clone();
            a["metadata"]["resourceVersion"] = Value::Null;
            b["metadata"]["resourceVersion"] = Value::Null;
            if a == b {
                // No-op write: nothing changes, not even the resource version.
                let rendered = if dry_run { o.clone() } else {
                    if let Some(s) = self.objects.get_mut(key) {
                        s.managers = managers;
                    }
                    self.render(key).unwrap_or_else(|| o.clone())
                };
                return Ok((rendered, false));
            }
        }
        if dry_run {
            new_obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
            let tmp = Stored { obj: new_obj, managers };
            let k2 = Key { name: format!("\u{0}dry\u{0}{}", key.name), ..key.clone() };
            self.objects.insert(k2.clone(), tmp);
            let mut out = self.render(&k2).unwrap_or(Value::Null);
            self.objects.remove(&k2);
            out["metadata"]["name"] = json!(key.name);
            return Ok((out, created));
        }
        self.rv += 1;
        new_obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.objects.insert(key.clone(), Stored { obj: new_obj, managers });
        let rendered = self.render(key).unwrap_or(Value::Null);
        self.emit(if created { "ADDED" } else { "MODIFIED" }, key, rendered.clone());
        self.finish_deletion(key);
        Ok((rendered, created))
    }

    /// Removes an object being deleted once nothing holds it: no finalizers left, not a pod
    /// whose containers are still stopping, not a namespace with content.
    pub fn finish_deletion(&mut self, key: &Key) {
        let Some(s) = self.objects.get(key) else { return };
        let m = &s.obj["metadata"];
        if !m["deletionTimestamp"].is_string()
            || m["finalizers"].as_array().is_some_and(|f| !f.is_empty())
            || self.pod_kill_at.contains_key(key)
            || (key.group.is_empty() && key.plural == "namespaces" && s.obj["spec"]["finalizers"].as_array().is_some_and(|f| !f.is_empty()))
        {
            return;
        }
        self.delete(key, "Background");
    }

    pub fn dependents(&self, uid: &str) -> Vec<Key> {
        self.objects
            .iter()
            .filter(|(_, s)| s.obj["metadata"]["ownerReferences"].as_array().is_some_and(|refs| refs.iter().any(|r| r["uid"].as_str() == Some(uid))))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// A DELETE request (https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/,
    /// .../workloads/pods/pod-lifecycle/#pod-termination, .../architecture/garbage-collection/):
    /// an object with finalizers, a scheduled pod with a grace period, a namespace, or a
    /// foreground deletion with dependents is marked (`deletionTimestamp`) and stays until
    /// its finalizers are gone, the kubelet stopped it, its content is gone, or its
    /// dependents are; anything else goes at once. `Ok(true)` when the object is gone.
    pub fn request_delete(&mut self, key: &Key, propagation: &str, grace: Option<i64>) -> Option<(Value, bool)> {
        let obj = self.objects.get(key)?.obj.clone();
        let is_pod = key.group.is_empty() && key.plural == "pods";
        let is_ns = key.group.is_empty() && key.plural == "namespaces";
        if obj["metadata"]["deletionTimestamp"].is_string() {
            // Already terminating; a pod's grace period can only be shortened (to 0: now).
            if is_pod && grace == Some(0) {
                self.pod_kill_at.remove(key);
                self.finish_deletion(key);
            }
            return Some(self.render(key).map_or((obj, true), |v| (v, false)));
        }
        let uid = obj["metadata"]["uid"].as_str().unwrap_or("").to_string();
        let mut finalizers: Vec<Value> = obj["metadata"]["finalizers"].as_array().cloned().unwrap_or_default();
        let dependents = self.dependents(&uid);
        if propagation == "Foreground" && !dependents.is_empty() && !finalizers.contains(&json!("foregroundDeletion")) {
            finalizers.push(json!("foregroundDeletion"));
        }
        let grace_s = if is_pod { grace.unwrap_or_else(|| obj["spec"]["terminationGracePeriodSeconds"].as_i64().unwrap_or(30)) } else { 0 };
        // An unscheduled pod has no kubelet to wait for: it goes at once.
        let graceful_pod = is_pod && grace_s > 0 && obj["spec"]["nodeName"].as_str().is_some_and(|n| !n.is_empty());
        if finalizers.is_empty() && !graceful_pod && !is_ns {
            let gone = self.delete(key, propagation)?;
            return Some((gone, true));
        }
        let mut o = obj;
        let at = if graceful_pod { time::OffsetDateTime::now_utc() + time::Duration::seconds(grace_s) } else { time::OffsetDateTime::now_utc() };
        o["metadata"]["deletionTimestamp"] = json!(rfc3339(at));
        o["metadata"]["deletionGracePeriodSeconds"] = json!(if graceful_pod { grace_s } else { 0 });
        o["metadata"]["finalizers"] = Value::Array(finalizers);
        if o["metadata"]["finalizers"].as_array().is_some_and(Vec::is_empty)
            && let Some(m) = o["metadata"].as_object_mut()
        {
            m.remove("finalizers");
        }
        if is_ns {
            o["status"]["phase"] = json!("Terminating");
        }
        if graceful_pod {
            // The simulated kubelet stops the containers within a few ticks (they all exit on SIGTERM).
            self.pod_kill_at.insert(key.clone(), self.tick + grace_s.clamp(0, 3) as u64);
        }
        self.put_internal(key, o);
        if propagation == "Foreground" {
            for d in dependents {
                self.request_delete(&d, "Foreground", None);
            }
        }
        Some((self.render(key).unwrap_or(Value::Null), false))
    }

    /// Controller-side write: replaces the object (status included), bumping the version
    /// only when something changed.
    pub fn put_internal(&mut self, key: &Key, mut obj: Value) {
        let created = !self.objects.contains_key(key);
        if let Some(old) = self.objects.get(key) {
            let mut a = old.obj.clone();
            a["metadata"]["resourceVersion"] = Value::Null;
            let mut b = obj.clone();
            b["metadata"]["resourceVersion"] = Value::Null;
            if a == b {
                return;
            }
        } else {
            if obj["metadata"].get("uid").is_none() {
                obj["metadata"]["uid"] = json!(self.uid());
            }
            obj["metadata"]["creationTimestamp"] = json!(now());
            if obj["metadata"].get("generation").is_none() {
                obj["metadata"]["generation"] = json!(1);
            }
        }
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let managers = self.objects.get(key).map(|s| s.managers.clone()).unwrap_or_default();
        self.objects.insert(key.clone(), Stored { obj, managers });
        let rendered = self.render(key).unwrap_or(Value::Null);
        self.emit(if created { "ADDED" } else { "MODIFIED" }, key, rendered);
    }

    /// Deletes an object and, unless orphaning, its dependents (by ownerReferences).
    pub fn delete(&mut self, key: &Key, propagation: &str) -> Option<Value> {
        let stored = self.objects.remove(key)?;
        let uid = stored.obj["metadata"]["uid"].as_str().unwrap_or("").to_string();
        self.rv += 1;
        let mut obj = stored.obj.clone();
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.emit("DELETED", key, obj.clone());
        if let Some(sim) = self.sim.remove(&uid) {
            drop(sim);
        }
        let dependents: Vec<Key> = self
            .objects
            .iter()
            .filter(|(_, s)| {
                s.obj["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|refs| refs.iter().any(|r| r["uid"].as_str() == Some(uid.as_str())))
            })
            .map(|(k, _)| k.clone())
            .collect();
        self.pod_kill_at.remove(key);
        for d in dependents {
            if propagation == "Orphan" {
                if let Some(s) = self.objects.get(&d) {
                    let mut o = s.obj.clone();
                    if let Some(refs) = o["metadata"]["ownerReferences"].as_array_mut() {
                        refs.retain(|r| r["uid"].as_str() != Some(uid.as_str()));
                    }
                    self.put_internal(&d, o);
                }
            } else {
                // The garbage collector deletes dependents like a client would (pods gracefully).
                self.request_delete(&d, "Background", None);
            }
        }
        Some(obj)
    }

    pub fn list(&self, group: &str, plural: &str, ns: Option<&str>) -> Vec<(Key, Value)> {
        self.objects
            .iter()
            .filter(|(k, _)| k.group == group && k.plural == plural && ns.is_none_or(|n| k.ns == n))
            .filter_map(|(k, _)| self.render(k).map(|v| (k.clone(), v)))
            .collect()
    }
}

fn take_ownership(
    managers: &mut BTreeMap<String, Manager>,
    manager: &str,
    changed: BTreeSet<FieldPath>,
    op: &'static str,
    api_version: &str,
    now: &str,
) {
    if changed.is_empty() {
        return;
    }
    for (m, mgr) in managers.iter_mut() {
        if m != manager {
            for p in &changed {
                mgr.fields.remove(p);
            }
        }
    }
    let e = managers.entry(manager.to_string()).or_insert_with(|| Manager {
        operation: op,
        api_version: api_version.to_string(),
        time: now.to_string(),
        fields: BTreeSet::new(),
    });
    e.fields.extend(changed);
    e.time = now.to_string();
}

/// Keeps the keys the object had in the order it had them (new keys after). A real server
/// serializes in its Go structs' field order, so a field removed and defaulted again never
/// moves; here the order is the order of arrival, which this keeps stable across writes.
fn align_order(new: &mut Value, old: &Value) {
    match (new, old) {
        (Value::Object(n), Value::Object(o)) => {
            let mut taken = std::mem::take(n);
            for k in o.keys() {
                if let Some(mut v) = taken.shift_remove(k) {
                    align_order(&mut v, &o[k]);
                    n.insert(k.clone(), v);
                }
            }
            for (k, v) in taken {
                n.insert(k, v);
            }
        }
        (Value::Array(n), Value::Array(o)) => {
            for (i, v) in n.iter_mut().enumerate() {
                // The element of the same name (containers, env, ports…), else the same index.
                let same = o.iter().find(|x| x.get("name").is_some() && x.get("name") == v.get("name")).or_else(|| o.get(i));
                if let Some(ov) = same {
                    align_order(v, ov);
                }
            }
        }
        _ => {}
    }
}

fn validate_name(def: &ResourceDef, name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        return Ok(());
    }
    Err(invalid(
        def,
        name,
        "metadata.name",
        format!("Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"),
    ))
}

fn invalid(def: &ResourceDef, name: &str, field: &str, detail: String) -> ApiError {
    let gk = if def.group.is_empty() { def.kind.clone() } else { format!("{}.{}", def.kind, def.group) };
    ApiError {
        code: 422,
        reason: "Invalid",
        message: format!("{gk} \"{name}\" is invalid: {field}: {detail}"),
        details: json!({"name": name, "group": def.group, "kind": def.kind,
                        "causes": [{"reason": "FieldValueInvalid", "message": detail, "field": field}]}),
    }
}

fn validate_object(def: &ResourceDef, obj: &Value) -> Result<(), ApiError> {
    let name = obj["metadata"]["name"].as_str().unwrap_or("");
    if matches!(def.kind.as_str(), "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") {
        let sel = &obj["spec"]["selector"]["matchLabels"];
        let labels = &obj["spec"]["template"]["metadata"]["labels"];
        let Some(sel) = sel.as_object() else {
            return Err(invalid(def, name, "spec.selector", "Required value".into()));
        };
        for (k, v) in sel {
            if labels.get(k) != Some(v) {
                return Err(invalid(def, name, "spec.template.metadata.labels", "Invalid value: `selector` does not match template `labels`".into()));
            }
        }
        if obj["spec"]["template"]["spec"]["containers"].as_array().is_none_or(|c| c.is_empty()) {
            return Err(invalid(def, name, "spec.template.spec.containers", "Required value".into()));
        }
    }
    // Job pods run to completion (pkg/apis/batch/validation: restartPolicy OnFailure or Never).
    let job_template = match (def.group.as_str(), def.kind.as_str()) {
        ("batch", "Job") => Some(("spec.template.spec.restartPolicy", &obj["spec"]["template"]["spec"]["restartPolicy"])),
        ("batch", "CronJob") => Some(("spec.jobTemplate.spec.template.spec.restartPolicy", &obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"])),
        _ => None,
    };
    if let Some((field, rp)) = job_template {
        match rp.as_str() {
            Some("OnFailure" | "Never") => {}
            Some(other) => {
                return Err(invalid(def, name, field, format!("Unsupported value: \"{other}\": supported values: \"OnFailure\", \"Never\"")));
            }
            None => return Err(invalid(def, name, field, "Required value: valid values: \"OnFailure\", \"Never\"".into())),
        }
    }
    Ok(())
}

fn validate_update(def: &ResourceDef, old: &Value, new: &Value) -> Result<(), ApiError> {
    let name = new["metadata"]["name"].as_str().unwrap_or("");
    let immutable: &[&str] = match def.kind.as_str() {
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => &["/spec/selector"],
        "Job" => &["/spec/template", "/spec/selector"],
        "Service" => &["/spec/clusterIP"],
        "PersistentVolumeClaim" => &["/spec/storageClassName", "/spec/accessModes"],
        _ => &[],
    };
    for ptr in immutable {
        let (o, n) = (old.pointer(ptr), new.pointer(ptr));
        // clusterIP may be left out by the writer (it is then kept).
        if *ptr == "/spec/clusterIP" && n.is_none() {
            continue;
        }
        if o.is_some() && o != n {
            let field = ptr.trim_start_matches('/').replace('/', ".");
            return Err(invalid(def, name, &field, "field is immutable".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_removed_and_defaulted_again_keeps_its_place() {
        let old = json!({"spec": {"containers": [{"name": "web", "image": "a", "imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log"}]}});
        let mut new = json!({"spec": {"containers": [{"name": "web", "image": "b", "terminationMessagePath": "/dev/termination-log", "imagePullPolicy": "IfNotPresent", "resources": {}}]}});
        align_order(&mut new, &old);
        let keys: Vec<&String> = new["spec"]["containers"][0].as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(keys, ["name", "image", "imagePullPolicy", "terminationMessagePath", "resources"]);
        assert_eq!(new["spec"]["containers"][0]["image"], "b");
    }
}
