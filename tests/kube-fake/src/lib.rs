//! A fake Kubernetes API server for tests. It speaks the real wire protocol for what tusk
//! uses — discovery (`/version`, `/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>`), `/openapi/v2` and
//! `/openapi/v3` (see [`openapi`]), GET/LIST/WATCH with resourceVersion and bookmarks,
//! create/replace, JSON merge patch, JSON patch and strategic merge patch (see [`patch`]), server-side apply
//! (`application/apply-patch+yaml`, `fieldManager`, `force`, conflicts answered 409 with a
//! Status body), `dryRun=All`, DELETE with `propagationPolicy`, the `status` and `scale`
//! subresources and pod logs — over plain HTTP on 127.0.0.1, plus a simulated controller (see
//! [`controller`]) that moves workloads along and can be made to fail.
//!
//! Objects are checked and completed like a real server does: `fieldValidation` and pruning
//! against the schema, custom resources validated and defaulted from their CRD (see
//! [`schema`]), built-in defaults (see [`defaults`]), and server-side apply ownership per
//! field, map-list element and set value (see [`ssa`]); finalizers, graceful pod deletion and
//! namespace termination; Table output for `kubectl get` (see [`table`]).
//!
//! Simplifications (documented in docs/kubernetes.md): there is one node, no admission
//! webhooks, no authentication, no CEL validation rules.

pub mod controller;
pub mod defaults;
pub mod openapi;
pub mod patch;
pub mod schema;
pub mod ssa;
pub mod store;
pub mod table;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use store::{ApiError, Inner, Key, ResourceDef, Write};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// A running fake cluster. Dropping it stops the server and the controller.
pub struct FakeCluster {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: CancellationToken,
}

pub struct Shared {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Arc<store::WatchEvent>>,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

impl FakeCluster {
    /// Starts a server on 127.0.0.1 (port 0 picks a free one) and its controller.
    pub async fn start() -> std::io::Result<FakeCluster> {
        Self::start_on("127.0.0.1:0").await
    }

    pub async fn start_on(bind: &str) -> std::io::Result<FakeCluster> {
        let (tx, _) = broadcast::channel(4096);
        let mut inner = Inner::new(tx.clone());
        controller::seed(&mut inner);
        let shared = Arc::new(Shared { inner: Mutex::new(inner), tx });
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let stop = CancellationToken::new();
        let s2 = shared.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let s = s2.clone();
            async move { handle(s, method, uri, headers, body).await }
        });
        let st = stop.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).with_graceful_shutdown(async move { st.cancelled().await }).await;
        });
        let s3 = shared.clone();
        let st = stop.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = st.cancelled() => break,
                    _ = tokio::time::sleep(std::time::Duration::from_millis(100)) => {}
                }
                let mut g = s3.lock();
                controller::tick(&mut g);
            }
        });
        Ok(FakeCluster { shared, addr, stop })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A kubeconfig with one context, `fake`, pointing at this server.
    pub fn kubeconfig(&self, namespace: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: {namespace}\ncurrent-context: fake\nusers:\n- name: fake\n  user:\n    token: fake-token\n",
            self.url()
        )
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The stored object, if any (for assertions).
    pub fn get(&self, group: &str, plural: &str, ns: &str, name: &str) -> Option<Value> {
        let g = self.shared.lock();
        g.render(&Key { group: group.into(), plural: plural.into(), ns: ns.into(), name: name.into() })
    }

    /// Names of stored objects of one resource in a namespace.
    pub fn names(&self, group: &str, plural: &str, ns: &str) -> Vec<String> {
        let g = self.shared.lock();
        g.list(group, plural, Some(ns)).into_iter().map(|(k, _)| k.name).collect()
    }

    pub fn stop(&self) {
        self.stop.cancel();
    }
}

impl Drop for FakeCluster {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn json_response(code: u16, v: &Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(v).unwrap_or_default()))
        .unwrap_or_default()
}

fn error_response(e: ApiError) -> Response {
    json_response(e.code, &e.body())
}

fn query(uri: &Uri) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if let Some(q) = uri.query() {
        for pair in q.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.insert(decode(k), decode(v));
        }
    }
    out
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3).unwrap_or(b"")).unwrap_or("");
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a URL addresses.
struct Target {
    def: ResourceDef,
    ns: Option<String>,
    name: Option<String>,
    sub: Option<String>,
}

fn version_info() -> Value {
    json!({"major": "1", "minor": "34", "gitVersion": "v1.34.0-tusk-fake", "gitCommit": "0000000000000000000000000000000000000000",
           "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24", "compiler": "gc", "platform": "linux/amd64"})
}

fn discovery(inner: &Inner, segs: &[&str]) -> Option<Value> {
    match segs {
        ["version"] => Some(version_info()),
        ["api"] => Some(json!({"kind": "APIVersions", "versions": ["v1"],
                               "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]})),
        ["apis"] => {
            let mut groups: Vec<(String, Vec<String>)> = Vec::new();
            for d in inner.resources.iter().filter(|d| !d.group.is_empty()) {
                match groups.iter_mut().find(|(g, _)| *g == d.group) {
                    Some((_, vs)) => {
                        if !vs.contains(&d.version) {
                            vs.push(d.version.clone());
                        }
                    }
                    None => groups.push((d.group.clone(), vec![d.version.clone()])),
                }
            }
            let groups: Vec<Value> = groups
                .into_iter()
                .map(|(g, vs)| {
                    let versions: Vec<Value> = vs.iter().map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v})).collect();
                    json!({"name": g, "versions": versions, "preferredVersion": versions[0].clone()})
                })
                .collect();
            Some(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
        }
        ["api", "v1"] => Some(resource_list(inner, "", "v1")),
        ["apis", g, v] => {
            if inner.resources.iter().any(|d| d.group == *g && d.version == *v) {
                Some(resource_list(inner, g, v))
            } else {
                None
            }
        }
        ["apis", g] => {
            let vs: Vec<Value> = inner
                .resources
                .iter()
                .filter(|d| d.group == *g)
                .map(|d| json!({"groupVersion": format!("{g}/{}", d.version), "version": d.version}))
                .collect();
            if vs.is_empty() {
                return None;
            }
            Some(json!({"kind": "APIGroup", "apiVersion": "v1", "name": g, "versions": vs, "preferredVersion": vs[0].clone()}))
        }
        _ => None,
    }
}

fn resource_list(inner: &Inner, group: &str, version: &str) -> Value {
    let mut resources = Vec::new();
    for d in inner.resources.iter().filter(|d| d.group == group && d.version == version) {
        let verbs = if d.kind == "Event" {
            json!(["create", "delete", "get", "list", "patch", "update", "watch"])
        } else {
            json!(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"])
        };
        let mut r = json!({"name": d.plural, "singularName": d.singular, "namespaced": d.namespaced, "kind": d.kind,
                           "verbs": verbs, "shortNames": d.short});
        // The kinds whose REST storage declares `Categories() = ["all"]` (`kubectl get all`).
        if matches!(d.group.as_str(), "" | "apps" | "batch" | "autoscaling")
            && matches!(
            d.kind.as_str(),
            "Pod" | "Service" | "ReplicationController" | "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "HorizontalPodAutoscaler"
        ) {
            r["categories"] = json!(["all"]);
        }
        resources.push(r);
        if d.status {
            resources.push(json!({"name": format!("{}/status", d.plural), "singularName": "", "namespaced": d.namespaced,
                                  "kind": d.kind, "verbs": ["get", "patch", "update"]}));
        }
        if d.scale {
            resources.push(json!({"name": format!("{}/scale", d.plural), "singularName": "", "namespaced": d.namespaced,
                                  "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]}));
        }
        if d.kind == "Pod" {
            resources.push(json!({"name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]}));
        }
    }
    let gv = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources})
}

fn parse_target(inner: &Inner, segs: &[&str]) -> Result<Target, ApiError> {
    let (group, version, rest) = match segs {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Err(ApiError::new(404, "NotFound", "the server could not find the requested resource")),
    };
    let nf = || ApiError::new(404, "NotFound", "the server could not find the requested resource");
    let lookup = |plural: &str| inner.find_def(group, version, plural).ok_or_else(nf);
    let s = |x: &&str| x.to_string();
    match rest {
        ["namespaces", ns, plural, more @ ..] if !matches!(*plural, "status" | "finalize") => {
            let def = lookup(plural)?;
            Ok(Target { def, ns: Some(ns.to_string()), name: more.first().map(s), sub: more.get(1).map(s) })
        }
        [plural, more @ ..] => {
            let def = lookup(plural)?;
            Ok(Target { def, ns: None, name: more.first().map(s), sub: more.get(1).map(s) })
        }
        [] => Err(nf()),
    }
}

async fn handle(shared: Arc<Shared>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().trim_matches('/').to_string();
    let segs: Vec<&str> = if path.is_empty() { vec![] } else { path.split('/').collect() };
    let q = query(&uri);
    if method == Method::GET && segs.first() == Some(&"openapi") {
        return serve_openapi(&segs, &headers);
    }
    if method == Method::GET {
        let g = shared.lock();
        if let Some(v) = discovery(&g, &segs) {
            return json_response(200, &v);
        }
    }
    let target = {
        let g = shared.lock();
        parse_target(&g, &segs)
    };
    let target = match target {
        Ok(t) => t,
        Err(e) => return error_response(e),
    };
    let def = target.def.clone();
    let ns = if def.namespaced { target.ns.clone() } else { None };
    if def.namespaced && target.name.is_some() && ns.is_none() {
        return error_response(ApiError::new(404, "NotFound", "the server could not find the requested resource"));
    }
    let key_for = |name: &str| Key { group: def.group.clone(), plural: def.plural.clone(), ns: ns.clone().unwrap_or_default(), name: name.to_string() };
    let dry_run = q.get("dryRun").is_some_and(|v| v == "All");
    let manager = q.get("fieldManager").cloned().unwrap_or_default();
    // Without `fieldManager`, a real server names the manager after the User-Agent's product
    // (the part before the first `/`, at most 128 characters).
    let fallback = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .filter(|p| !p.is_empty())
        .map(|p| p.chars().take(128).collect::<String>())
        .unwrap_or_else(|| "unknown".to_string());
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();

    match (&method, &target.name, target.sub.as_deref()) {
        (&Method::GET, None, _) => {
            if let Err(e) = check_field_selector(&def, &q) {
                return error_response(e);
            }
            if q.get("watch").is_some_and(|w| w == "true" || w == "1") {
                return watch(shared, def, ns, q);
            }
            let g = shared.lock();
            let mut items: Vec<(Key, Value)> =
                g.list(&def.group, &def.plural, ns.as_deref()).into_iter().filter(|(_, v)| matches_selectors(v, &q)).collect();
            // Paging: `continue` names the last key served (and the list's resourceVersion,
            // which the next pages report like a real server's consistent snapshot would).
            let mut rv = g.rv.to_string();
            if let Some(token) = q.get("continue").filter(|c| !c.is_empty()) {
                let Some((crv, after)) = decode_continue(token) else {
                    return error_response(ApiError::new(400, "BadRequest", "continue key is not valid: invalid token"));
                };
                rv = crv;
                items.retain(|(k, _)| (k.ns.as_str(), k.name.as_str()) > (after.0.as_str(), after.1.as_str()));
            }
            let mut metadata = json!({"resourceVersion": rv});
            if let Some(limit) = q.get("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| *l > 0)
                && items.len() > limit
            {
                let remaining = items.len() - limit;
                items.truncate(limit);
                if let Some((last, _)) = items.last() {
                    metadata["continue"] = json!(encode_continue(&rv, &last.ns, &last.name));
                    metadata["remainingItemCount"] = json!(remaining);
                }
            }
            let items: Vec<Value> = items.into_iter().map(|(_, v)| v).collect();
            if table::wanted(&accept) {
                let custom = g.crd_version(&def).map(table::Custom::of);
                return json_response(200, &table::table(&def.group, &def.kind, custom.as_ref(), &items, metadata, q.get("includeObject").map(String::as_str)));
            }
            json_response(
                200,
                &json!({"kind": format!("{}List", def.kind), "apiVersion": def.api_version(), "metadata": metadata, "items": items}),
            )
        }
        (&Method::GET, Some(name), None) => {
            let g = shared.lock();
            match g.render(&key_for(name)) {
                Some(v) if table::wanted(&accept) => {
                    let md = json!({"resourceVersion": v["metadata"]["resourceVersion"]});
                    let custom = g.crd_version(&def).map(table::Custom::of);
                    json_response(200, &table::table(&def.group, &def.kind, custom.as_ref(), &[v], md, q.get("includeObject").map(String::as_str)))
                }
                Some(v) => json_response(200, &v),
                None => error_response(ApiError::not_found(&def, name)),
            }
        }
        (&Method::GET, Some(name), Some("status")) => {
            let g = shared.lock();
            match g.render(&key_for(name)) {
                Some(v) => json_response(200, &v),
                None => error_response(ApiError::not_found(&def, name)),
            }
        }
        (&Method::GET, Some(name), Some("scale")) if def.scale => {
            let g = shared.lock();
            match g.get(&key_for(name)) {
                Some(v) => json_response(200, &scale_of(v)),
                None => error_response(ApiError::not_found(&def, name)),
            }
        }
        (&Method::GET, Some(name), Some("log")) if def.kind == "Pod" => pod_log(shared, key_for(name), &def, q),
        (&Method::POST, None, None) => {
            let input: Value = match parse_body(&body, &content_type) {
                Ok(v) => v,
                Err(e) => return error_response(e),
            };
            let mut input = input;
            let name = input.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string();
            let mgr = if manager.is_empty() { fallback } else { manager };
            let mut g = shared.lock();
            let warnings = match field_validation(&g, &def, &mut input, &q, Some(&body)) {
                Ok(w) => w,
                Err(e) => return error_response(e),
            };
            match g.write(&def, &key_for(&name), input, Write::Create, &mgr, dry_run) {
                Ok((v, _)) => with_warnings(json_response(201, &v), &warnings),
                Err(e) => error_response(e),
            }
        }
        (&Method::PUT, Some(name), sub) => {
            let input: Value = match parse_body(&body, &content_type) {
                Ok(v) => v,
                Err(e) => return error_response(e),
            };
            let mgr = if manager.is_empty() { fallback } else { manager };
            let mut g = shared.lock();
            let how = match sub {
                None => Write::Update,
                Some("status") if def.status => Write::Status,
                Some("scale") if def.scale => {
                    let Some(mut cur) = g.get(&key_for(name)).cloned() else { return error_response(ApiError::not_found(&def, name)) };
                    cur["spec"]["replicas"] = input["spec"]["replicas"].clone();
                    return match g.write(&def, &key_for(name), cur, Write::Update, &mgr, dry_run) {
                        Ok((v, _)) => json_response(200, &scale_of(&v)),
                        Err(e) => error_response(e),
                    };
                }
                _ => return error_response(ApiError::new(404, "NotFound", "the server could not find the requested resource")),
            };
            let mut input = input;
            let warnings = match field_validation(&g, &def, &mut input, &q, Some(&body)) {
                Ok(w) => w,
                Err(e) => return error_response(e),
            };
            match g.write(&def, &key_for(name), input, how, &mgr, dry_run) {
                Ok((v, _)) => with_warnings(json_response(200, &v), &warnings),
                Err(e) => error_response(e),
            }
        }
        (&Method::PATCH, Some(name), sub) => patch(shared, &def, key_for(name), sub, &content_type, &body, &q, dry_run, manager, fallback),
        // deletecollection: every object the selectors match, answered with their list.
        (&Method::DELETE, None, None) => {
            if let Err(e) = check_field_selector(&def, &q) {
                return error_response(e);
            }
            let propagation = q.get("propagationPolicy").cloned().unwrap_or_else(|| "Background".into());
            let mut g = shared.lock();
            let keys: Vec<(Key, Value)> =
                g.list(&def.group, &def.plural, ns.as_deref()).into_iter().filter(|(_, v)| matches_selectors(v, &q)).collect();
            let mut items = Vec::new();
            let grace = q.get("gracePeriodSeconds").and_then(|g| g.parse::<i64>().ok());
            for (k, v) in keys {
                if dry_run {
                    items.push(v);
                } else if let Some((v, _)) = g.request_delete(&k, &propagation, grace) {
                    items.push(v);
                }
            }
            json_response(
                200,
                &json!({"kind": format!("{}List", def.kind), "apiVersion": def.api_version(),
                        "metadata": {"resourceVersion": g.rv.to_string()}, "items": items}),
            )
        }
        (&Method::DELETE, Some(name), None) => {
            let mut propagation = q.get("propagationPolicy").cloned().unwrap_or_default();
            let mut grace = q.get("gracePeriodSeconds").and_then(|g| g.parse::<i64>().ok());
            let mut opts_dry = dry_run;
            if !body.is_empty()
                && let Ok(opts) = serde_json::from_slice::<Value>(&body) {
                    if let Some(p) = opts["propagationPolicy"].as_str() {
                        propagation = p.to_string();
                    }
                    if let Some(g) = opts["gracePeriodSeconds"].as_i64() {
                        grace = Some(g);
                    }
                    if opts["dryRun"].as_array().is_some_and(|a| a.iter().any(|x| x == "All")) {
                        opts_dry = true;
                    }
                }
            if propagation.is_empty() {
                propagation = "Background".into();
            }
            // The NamespaceLifecycle admission plugin protects the system namespaces.
            if def.group.is_empty() && def.plural == "namespaces" && matches!(name.as_str(), "default" | "kube-system" | "kube-public") {
                return error_response(ApiError {
                    code: 403,
                    reason: "Forbidden",
                    message: format!("namespaces \"{name}\" is forbidden: this namespace may not be deleted"),
                    details: json!({"name": name, "kind": "namespaces"}),
                });
            }
            let mut g = shared.lock();
            let k = key_for(name);
            if opts_dry {
                return match g.render(&k) {
                    Some(v) => json_response(200, &v),
                    None => error_response(ApiError::not_found(&def, name)),
                };
            }
            match g.request_delete(&k, &propagation, grace) {
                // Not gone yet (finalizers, graceful pod deletion, namespace content): the
                // object as it now is, with its deletionTimestamp.
                Some((v, false)) => json_response(200, &v),
                Some((_, true)) => json_response(
                    200,
                    &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                            "details": {"name": name, "group": def.group, "kind": def.plural}}),
                ),
                None => error_response(ApiError::not_found(&def, name)),
            }
        }
        _ => error_response(ApiError::new(405, "MethodNotAllowed", format!("{method} is not supported on this path"))),
    }
}

/// `fieldValidation` (https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation):
/// unknown fields are pruned in every mode (a typed object cannot hold them); `Strict` fails
/// with a BadRequest naming them all (and duplicate fields of a create or replace body),
/// `Warn` (the default since v1.23) answers one `Warning` header per field, `Ignore` drops
/// them silently. Returns the warnings.
fn field_validation(g: &Inner, def: &ResourceDef, obj: &mut Value, q: &HashMap<String, String>, body: Option<&Bytes>) -> Result<Vec<String>, ApiError> {
    let Some(root) = g.kind_schema(def) else { return Ok(vec![]) };
    let mut unknown: Vec<String> = schema::prune(obj, &root).iter().map(|p| format!("unknown field \"{}\"", schema::dotted(p))).collect();
    // Duplicate fields of a JSON body (a YAML body with them does not parse here).
    if let Some(text) = body.and_then(|b| std::str::from_utf8(b).ok()).filter(|t| t.trim_start().starts_with('{')) {
        unknown.extend(schema::duplicate_fields(text).into_iter().map(|p| format!("duplicate field \"{p}\"")));
    }
    if unknown.is_empty() {
        return Ok(vec![]);
    }
    match q.get("fieldValidation").map(String::as_str).unwrap_or("Warn") {
        "Strict" => Err(ApiError::new(
            400,
            "BadRequest",
            format!("{} in version \"{}\" cannot be handled as a {}: strict decoding error: {}", def.kind, def.version, def.kind, unknown.join(", ")),
        )),
        "Ignore" => Ok(vec![]),
        _ => Ok(unknown),
    }
}

/// Server-side apply converts the applied configuration to a typed value first, and a field
/// the schema does not declare fails that conversion whatever `fieldValidation` says
/// (structured-merge-diff `typed` validation; kubernetes `managedfields/internal/structuredmerge.go`
/// "failed to create typed patch object"). The error is not a status error: 500, no reason.
fn apply_unknown_fields(g: &Inner, def: &ResourceDef, key: &Key, obj: &Value) -> Result<(), ApiError> {
    let Some(root) = g.kind_schema(def) else { return Ok(()) };
    let mut copy = obj.clone();
    let unknown: Vec<String> = schema::prune(&mut copy, &root).iter().map(|p| format!("{}: field not declared in schema", schema::smd(p))).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ApiError::new(
        500,
        "",
        format!("failed to create typed patch object ({}/{}; {}/{}, Kind={}): {}", key.ns, key.name, def.group, def.version, def.kind, unknown.join("\n")),
    ))
}

/// A response with one `Warning: 299 - "…"` header per warning (RFC 7234 §5.5, as the API
/// server sends them; kubectl prints each as `Warning: …`).
fn with_warnings(mut r: Response, warnings: &[String]) -> Response {
    for w in warnings {
        let text = format!("299 - \"{}\"", w.replace('\\', "\\\\").replace('"', "\\\""));
        if let Ok(v) = axum::http::HeaderValue::from_str(&text) {
            r.headers_mut().append(header::WARNING, v);
        }
    }
    r
}

/// `/openapi/v2` and `/openapi/v3[/<group-version>]`. The v2 document is served as JSON only:
/// client-go asks for it with `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`
/// alone and gets 406 Not Acceptable, which it treats like a server without the document
/// (kubectl ≥ 1.27 reads OpenAPI v3 for validation, `apply` and `explain` first).
fn serve_openapi(segs: &[&str], headers: &HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let json_ok = accept.is_empty() || accept.split(',').any(|a| {
        let t = a.split(';').next().unwrap_or("").trim();
        t == "application/json" || t == "*/*" || t == "application/*"
    });
    let bytes = |b: Vec<u8>| {
        Response::builder().status(200).header(header::CONTENT_TYPE, "application/json").body(Body::from(b)).unwrap_or_default()
    };
    match segs {
        ["openapi", "v2"] if json_ok => bytes(openapi::v2_text().as_bytes().to_vec()),
        ["openapi", "v2"] => error_response(ApiError::new(406, "NotAcceptable", format!("only the following media types are accepted: application/json (asked for {accept})"))),
        ["openapi", "v3"] => json_response(200, &openapi::v3_index()),
        ["openapi", "v3", gv @ ..] => match openapi::v3_docs().get(&gv.join("/")) {
            Some(d) => bytes(d.body.clone()),
            None => error_response(ApiError::new(404, "NotFound", "the server could not find the requested resource")),
        },
        _ => error_response(ApiError::new(404, "NotFound", "the server could not find the requested resource")),
    }
}

fn parse_body(body: &Bytes, content_type: &str) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::new(400, "BadRequest", "body is not UTF-8"))?;
    if content_type.contains("yaml") {
        serde_yaml::from_str(text).map_err(|e| ApiError::new(400, "BadRequest", format!("error decoding YAML: {e}")))
    } else {
        serde_json::from_str(text).map_err(|e| ApiError::new(400, "BadRequest", format!("error decoding JSON: {e}")))
    }
}

fn scale_of(v: &Value) -> Value {
    let sel = v["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect::<Vec<_>>().join(","))
        .unwrap_or_default();
    json!({"kind": "Scale", "apiVersion": "autoscaling/v1",
           "metadata": {"name": v["metadata"]["name"], "namespace": v["metadata"]["namespace"], "uid": v["metadata"]["uid"],
                        "resourceVersion": v["metadata"]["resourceVersion"], "creationTimestamp": v["metadata"]["creationTimestamp"]},
           "spec": {"replicas": v["spec"]["replicas"].as_i64().unwrap_or(1)},
           "status": {"replicas": v["status"]["replicas"].as_i64().unwrap_or(0), "selector": sel}})
}

#[allow(clippy::too_many_arguments)]
fn patch(
    shared: Arc<Shared>,
    def: &ResourceDef,
    key: Key,
    sub: Option<&str>,
    content_type: &str,
    body: &Bytes,
    q: &HashMap<String, String>,
    dry_run: bool,
    manager: String,
    fallback: String,
) -> Response {
    let input = match parse_body(body, content_type) {
        Ok(v) => v,
        Err(e) => return error_response(e),
    };
    let mut g = shared.lock();
    if content_type.starts_with("application/apply-patch") {
        if manager.is_empty() {
            return error_response(ApiError::new(400, "BadRequest", "PATCH, application/apply-patch+yaml requires fieldManager to be set"));
        }
        if input.get("apiVersion").is_none() || input.get("kind").is_none() {
            return error_response(ApiError::new(400, "BadRequest", "apiVersion and kind must be set in an applied configuration"));
        }
        let force = q.get("force").is_some_and(|f| f == "true");
        let how = match sub {
            None => Write::Apply { force },
            Some("status") if def.status => {
                return match g.write(def, &key, input, Write::Status, &manager, dry_run) {
                    Ok((v, _)) => json_response(200, &v),
                    Err(e) => error_response(e),
                };
            }
            _ => return error_response(ApiError::new(404, "NotFound", "the server could not find the requested resource")),
        };
        if let Err(e) = apply_unknown_fields(&g, def, &key, &input) {
            return error_response(e);
        }
        return match g.write(def, &key, input, how, &manager, dry_run) {
            Ok((v, created)) => json_response(if created { 201 } else { 200 }, &v),
            Err(e) => error_response(e),
        };
    }
    // Built-in kinds have an OpenAPI definition (patch strategies and merge keys); custom
    // resources do not, and the apiextensions server refuses strategic merge patch for them.
    let schema = openapi::definition(&def.group, &def.version, &def.kind);
    let strategic = content_type.starts_with("application/strategic-merge-patch+json");
    let json_patch = content_type.starts_with("application/json-patch+json");
    let accepted = if schema.is_some() {
        "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml, application/apply-patch+cbor"
    } else {
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/apply-patch+cbor"
    };
    if !(content_type.starts_with("application/merge-patch+json") || json_patch || (strategic && schema.is_some())) {
        return error_response(ApiError::new(415, "UnsupportedMediaType", format!("the body of the request was in an unknown format - accepted media types include: {accepted}")));
    }
    let apply_patch = |target: &Value| -> Result<Value, ApiError> {
        let mut next = target.clone();
        if json_patch {
            patch::json_patch(&mut next, &input).map_err(|(code, msg)| patch_error(code, msg))?;
        } else if strategic {
            next = patch::strategic_merge(&next, &input, schema).map_err(|(code, msg)| patch_error(code, msg))?;
        } else {
            store::merge_patch(&mut next, &input);
        }
        Ok(next)
    };
    let mgr = if manager.is_empty() { fallback } else { manager };
    let Some(cur) = g.get(&key).cloned() else { return error_response(ApiError::not_found(def, &key.name)) };
    match sub {
        Some("scale") if def.scale => {
            let mut next = cur.clone();
            if let Some(r) = input.pointer("/spec/replicas") {
                next["spec"]["replicas"] = r.clone();
            }
            match g.write(def, &key, next, Write::Update, &mgr, dry_run) {
                Ok((v, _)) => json_response(200, &scale_of(&v)),
                Err(e) => error_response(e),
            }
        }
        Some("status") if def.status => {
            let next = match apply_patch(&cur) {
                Ok(n) => n,
                Err(e) => return error_response(e),
            };
            match g.write(def, &key, next, Write::Status, &mgr, dry_run) {
                Ok((v, _)) => json_response(200, &v),
                Err(e) => error_response(e),
            }
        }
        None => {
            let mut next = match apply_patch(&cur) {
                Ok(n) => n,
                Err(e) => return error_response(e),
            };
            if let Some(m) = next["metadata"].as_object_mut() {
                m.remove("resourceVersion");
            }
            if input.pointer("/metadata/resourceVersion").is_some() {
                next["metadata"]["resourceVersion"] = input["metadata"]["resourceVersion"].clone();
            }
            let warnings = match field_validation(&g, def, &mut next, q, None) {
                Ok(w) => w,
                Err(e) => return error_response(e),
            };
            match g.write(def, &key, next, Write::Update, &mgr, dry_run) {
                Ok((v, _)) => with_warnings(json_response(200, &v), &warnings),
                Err(e) => error_response(e),
            }
        }
        _ => error_response(ApiError::new(404, "NotFound", "the server could not find the requested resource")),
    }
}

/// The fields a kind can be selected by: `metadata.name`, `metadata.namespace` and what each
/// kind's registry strategy adds (`*ToSelectableFields` in kubernetes/pkg/registry); anything
/// else is a 400 "field label not supported" on a real server.
fn check_field_selector(def: &ResourceDef, q: &HashMap<String, String>) -> Result<(), ApiError> {
    let Some(sel) = q.get("fieldSelector").filter(|s| !s.is_empty()) else { return Ok(()) };
    let extra: &[&str] = match (def.group.as_str(), def.kind.as_str()) {
        ("", "Pod") => &[
            "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
            "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName",
        ],
        ("", "Event") => &[
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
            "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
        ],
        ("", "Secret") => &["type"],
        ("", "Namespace") => &["status.phase"],
        ("", "Node") => &["spec.unschedulable"],
        ("", "Service") => &["spec.clusterIP", "spec.type"],
        ("", "ReplicationController") | ("apps", "ReplicaSet") => &["status.replicas"],
        ("batch", "Job") => &["status.successful"],
        _ => &[],
    };
    for req in sel.split(',') {
        let label = req.split(['=', '!']).next().unwrap_or("").trim();
        if !(label == "metadata.name" || label == "metadata.namespace" || extra.contains(&label)) {
            return Err(ApiError::new(400, "BadRequest", format!("field label not supported: {label}")));
        }
    }
    Ok(())
}

fn encode_continue(rv: &str, ns: &str, name: &str) -> String {
    hex::encode(serde_json::to_vec(&json!({"v": "meta.k8s.io/v1", "rv": rv, "start": [ns, name]})).unwrap_or_default())
}

fn decode_continue(token: &str) -> Option<(String, (String, String))> {
    let v: Value = serde_json::from_slice(&hex::decode(token).ok()?).ok()?;
    let s = |x: &Value| x.as_str().map(String::from);
    Some((s(&v["rv"])?, (s(&v["start"][0])?, s(&v["start"][1])?)))
}

fn patch_error(code: u16, msg: String) -> ApiError {
    if code == 422 { ApiError::new(422, "Invalid", msg) } else { ApiError::new(code, "BadRequest", msg) }
}

/// `labelSelector` (=, ==, !=, in, notin, exists, !exists) and `fieldSelector` (=, ==, !=
/// on dotted paths).
pub fn matches_selectors(obj: &Value, q: &HashMap<String, String>) -> bool {
    if let Some(sel) = q.get("labelSelector").filter(|s| !s.is_empty()) {
        let labels = &obj["metadata"]["labels"];
        for req in split_selector(sel) {
            let req = req.trim();
            let ok = if let Some((k, rest)) = req.split_once(" notin ") {
                let set = parse_set(rest);
                labels[k.trim()].as_str().is_none_or(|v| !set.iter().any(|s| s == v))
            } else if let Some((k, rest)) = req.split_once(" in ") {
                let set = parse_set(rest);
                labels[k.trim()].as_str().is_some_and(|v| set.iter().any(|s| s == v))
            } else if let Some((k, v)) = req.split_once("!=") {
                labels[k.trim()].as_str() != Some(v.trim())
            } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
                labels[k.trim()].as_str() == Some(v.trim())
            } else if let Some(k) = req.strip_prefix('!') {
                labels.get(k.trim()).is_none()
            } else {
                labels.get(req).is_some()
            };
            if !ok {
                return false;
            }
        }
    }
    if let Some(sel) = q.get("fieldSelector").filter(|s| !s.is_empty()) {
        for req in sel.split(',') {
            let (path, want, neg) = if let Some((k, v)) = req.split_once("!=") {
                (k, v, true)
            } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
                (k, v, false)
            } else {
                continue;
            };
            let segs: Vec<String> = path.trim().split('.').map(String::from).collect();
            let have = store::get_path(obj, &segs).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            let eq = have.as_deref().unwrap_or("") == want.trim();
            if eq == neg {
                return false;
            }
        }
    }
    true
}

fn split_selector(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn parse_set(s: &str) -> Vec<String> {
    s.trim().trim_start_matches('(').trim_end_matches(')').split(',').map(|x| x.trim().to_string()).collect()
}

fn watch(shared: Arc<Shared>, def: ResourceDef, ns: Option<String>, q: HashMap<String, String>) -> Response {
    let bookmarks = q.get("allowWatchBookmarks").is_some_and(|b| b == "true");
    let timeout = q.get("timeoutSeconds").and_then(|t| t.parse::<u64>().ok()).unwrap_or(1800).min(1800);
    let mut rx = shared.tx.subscribe();
    let matches = {
        let def = def.clone();
        let ns = ns.clone();
        let q = q.clone();
        move |ev: &store::WatchEvent| -> bool {
            ev.group == def.group && ev.plural == def.plural && ns.as_ref().is_none_or(|n| *n == ev.ns) && matches_selectors(&ev.obj, &q)
        }
    };
    let (initial, mut last_rv, gone) = {
        let g = shared.lock();
        let rv_param = q.get("resourceVersion").cloned().unwrap_or_default();
        let mut initial = Vec::new();
        let mut gone = false;
        if rv_param.is_empty() || rv_param == "0" {
            for (_, v) in g.list(&def.group, &def.plural, ns.as_deref()) {
                if matches_selectors(&v, &q) {
                    initial.push(json!({"type": "ADDED", "object": v}));
                }
            }
        } else {
            let from: u64 = rv_param.parse().unwrap_or(0);
            let oldest = g.log.front().map(|e| e.rv).unwrap_or(g.rv);
            if from + 1 < oldest && from < g.rv {
                gone = true;
            } else {
                for ev in g.log.iter().filter(|e| e.rv > from) {
                    if matches(ev) {
                        initial.push(json!({"type": ev.kind, "object": ev.obj}));
                    }
                }
            }
        }
        (initial, g.rv, gone)
    };
    let kind = def.kind.clone();
    let api_version = def.api_version();
    let stream = async_stream(move |tx: tokio::sync::mpsc::Sender<Bytes>| async move {
        let line = |v: &Value| {
            let mut b = serde_json::to_vec(v).unwrap_or_default();
            b.push(b'\n');
            Bytes::from(b)
        };
        if gone {
            let e = ApiError::new(410, "Expired", "too old resource version");
            let _ = tx.send(line(&json!({"type": "ERROR", "object": e.body()}))).await;
            return;
        }
        for ev in &initial {
            if tx.send(line(ev)).await.is_err() {
                return;
            }
        }
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(timeout);
        let mut bookmark = tokio::time::interval(std::time::Duration::from_millis(1000));
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return,
                _ = bookmark.tick(), if bookmarks => {
                    let b = json!({"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": api_version, "metadata": {"resourceVersion": last_rv.to_string()}}});
                    if tx.send(line(&b)).await.is_err() { return; }
                }
                ev = rx.recv() => {
                    match ev {
                        Ok(ev) => {
                            if ev.rv <= last_rv { continue; }
                            last_rv = ev.rv;
                            if matches(&ev) && tx.send(line(&json!({"type": ev.kind, "object": ev.obj}))).await.is_err() {
                                return;
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            let e = ApiError::new(410, "Expired", "too old resource version");
                            let _ = tx.send(line(&json!({"type": "ERROR", "object": e.body()}))).await;
                            return;
                        }
                        Err(_) => return,
                    }
                }
            }
        }
    });
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::TRANSFER_ENCODING, "chunked")
        .body(stream)
        .unwrap_or_default()
}

/// A streaming body fed by a task through a channel.
fn async_stream<F, Fut>(f: F) -> Body
where
    F: FnOnce(tokio::sync::mpsc::Sender<Bytes>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
    tokio::spawn(f(tx));
    let s = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx)) });
    Body::from_stream(s)
}

fn pod_log(shared: Arc<Shared>, key: Key, def: &ResourceDef, q: HashMap<String, String>) -> Response {
    let (container, lines) = {
        let g = shared.lock();
        let Some(pod) = g.get(&key).cloned() else { return error_response(ApiError::not_found(def, &key.name)) };
        let containers: Vec<String> =
            pod["spec"]["containers"].as_array().map(|c| c.iter().filter_map(|c| c["name"].as_str().map(String::from)).collect()).unwrap_or_default();
        let container = match q.get("container") {
            Some(c) if containers.contains(c) => c.clone(),
            Some(c) => {
                return error_response(ApiError::new(400, "BadRequest", format!("container {c} is not valid for pod {}", key.name)));
            }
            None if containers.len() == 1 => containers[0].clone(),
            None => {
                return error_response(ApiError::new(
                    400,
                    "BadRequest",
                    format!("a container name must be specified for pod {}, choose one of: [{}]", key.name, containers.join(" ")),
                ));
            }
        };
        let waiting = pod["status"]["containerStatuses"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"].as_str() == Some(container.as_str())).cloned())
            .and_then(|c| c["state"]["waiting"]["reason"].as_str().map(String::from));
        let lines = g.pod_logs.get(&(key.ns.clone(), key.name.clone(), container.clone())).cloned().unwrap_or_default();
        if lines.is_empty()
            && let Some(reason) = waiting {
                return error_response(ApiError::new(
                    400,
                    "BadRequest",
                    format!("container \"{container}\" in pod \"{}\" is waiting to start: {reason}", key.name),
                ));
            }
        (container, lines)
    };
    let tail = q.get("tailLines").and_then(|t| t.parse::<usize>().ok());
    let follow = q.get("follow").is_some_and(|f| f == "true");
    let start = tail.map(|t| lines.len().saturating_sub(t)).unwrap_or(0);
    let first: String = lines[start..].iter().map(|l| format!("{l}\n")).collect();
    if !follow {
        return Response::builder().status(200).header(header::CONTENT_TYPE, "text/plain").body(Body::from(first)).unwrap_or_default();
    }
    let mut sent = lines.len();
    let body = async_stream(move |tx| async move {
        if tx.send(Bytes::from(first)).await.is_err() {
            return;
        }
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let (more, alive) = {
                let g = shared.lock();
                let all = g.pod_logs.get(&(key.ns.clone(), key.name.clone(), container.clone())).cloned().unwrap_or_default();
                (all.get(sent..).map(|s| s.to_vec()).unwrap_or_default(), g.get(&key).is_some())
            };
            sent += more.len();
            if !more.is_empty() {
                let chunk: String = more.iter().map(|l| format!("{l}\n")).collect();
                if tx.send(Bytes::from(chunk)).await.is_err() {
                    return;
                }
            }
            if !alive {
                return;
            }
        }
    });
    Response::builder().status(200).header(header::CONTENT_TYPE, "text/plain").body(body).unwrap_or_default()
}
