//! Cloud Functions v2 fake (cloudfunctions.googleapis.com/v2), with the OAuth token endpoint,
//! the Cloud Run Admin v2 services behind the functions and Cloud Logging v2 `entries:list`.

use crate::{Shared, json_response, query_param, serve, zip_has};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "fake-gcp-access-token";

#[derive(Default)]
pub struct Data {
    pub base: String,
    /// GCS emulator base URL, for sources in the user's own bucket.
    pub gcs: Option<String>,
    pub functions: BTreeMap<String, Value>,
    /// Uploaded through signed URLs: object -> bytes.
    pub uploads: BTreeMap<String, Vec<u8>>,
    /// Operation name -> (polls left, pending effect).
    ops: BTreeMap<String, (u32, Pending)>,
    pub log: Vec<String>,
    pub fail_next: Option<String>,
    next_op: u64,
    revisions: BTreeMap<String, u32>,
    /// Cloud Run services behind the functions: name -> service (with `traffic`).
    pub services: BTreeMap<String, Value>,
    /// Cloud Logging entries written by invocations.
    pub entries: Vec<Value>,
    /// Revisions that exist per service.
    service_revisions: BTreeMap<String, Vec<String>>,
}

#[derive(Clone)]
enum Pending {
    Create(String, Value),
    Patch(String, Value),
    Delete(String),
    Fail(String),
    Done(Value),
}

pub struct Gcf {
    pub server: crate::Server,
    pub data: Shared<Data>,
}

impl Gcf {
    pub async fn start(gcs: Option<String>) -> std::io::Result<Gcf> {
        let data: Shared<Data> = Arc::new(Mutex::new(Data { gcs, ..Data::default() }));
        let router = axum::Router::new().fallback(handle).with_state(data.clone());
        let server = serve(router).await?;
        if let Ok(mut d) = data.lock() {
            d.base = server.base.clone();
        }
        Ok(Gcf { server, data })
    }
    pub fn log(&self) -> Vec<String> {
        self.data.lock().map(|d| d.log.clone()).unwrap_or_default()
    }
    pub fn function(&self, name: &str) -> Option<Value> {
        self.data.lock().ok()?.functions.values().find(|f| f["name"].as_str().is_some_and(|n| n.ends_with(&format!("/{name}")))).cloned()
    }
    pub fn fail_next(&self, message: &str) {
        if let Ok(mut d) = self.data.lock() {
            d.fail_next = Some(message.to_string());
        }
    }
    /// The Cloud Run service's traffic for a function.
    pub fn traffic(&self, name: &str) -> Option<Value> {
        let d = self.data.lock().ok()?;
        d.services.iter().find(|(k, _)| k.ends_with(&format!("/services/{name}"))).map(|(_, v)| v["traffic"].clone())
    }
    pub fn clear_log(&self) {
        if let Ok(mut d) = self.data.lock() {
            d.log.clear();
        }
    }
}

fn gerr(code: u16, status: &str, message: &str) -> Response {
    json_response(code, json!({"error": {"code": code, "message": message, "status": status}}))
}

async fn source_exists(gcs: Option<String>, uploads: bool, src: &Value) -> Result<(), String> {
    if uploads {
        return Ok(());
    }
    let bucket = src["bucket"].as_str().unwrap_or_default();
    let object = src["object"].as_str().unwrap_or_default();
    let Some(gcs) = gcs else { return Err(format!("source gs://{bucket}/{object} not found")) };
    let url = format!("{gcs}/storage/v1/b/{bucket}/o/{}?alt=media", object.replace('/', "%2F"));
    match reqwest::get(&url).await {
        Ok(r) if r.status().is_success() => {
            let bytes = r.bytes().await.map_err(|e| e.to_string())?;
            if !bytes.starts_with(b"PK\x03\x04") {
                return Err(format!("gs://{bucket}/{object} is not a zip"));
            }
            Ok(())
        }
        Ok(r) => Err(format!("Cannot access source gs://{bucket}/{object}: HTTP {}", r.status())),
        Err(e) => Err(e.to_string()),
    }
}

async fn handle(State(data): State<Shared<Data>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_string();
    if let Ok(mut d) = data.lock() {
        d.log.push(format!("{method} {path}"));
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();

    // Test control: make the next create/patch operation fail with the body as its message.
    if path == "/fake/fail-next" && method == Method::POST {
        if let Ok(mut d) = data.lock() {
            d.fail_next = Some(String::from_utf8_lossy(&body).into_owned());
        }
        return json_response(200, json!({}));
    }

    // OAuth token endpoint (JWT bearer grant).
    if path == "/token" && method == Method::POST {
        let form = String::from_utf8_lossy(&body).to_string();
        let grant = form.split('&').find_map(|kv| kv.strip_prefix("grant_type=")).map(crate::percent_decode).unwrap_or_default();
        let assertion = form.split('&').find_map(|kv| kv.strip_prefix("assertion=")).unwrap_or_default().to_string();
        if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer" || assertion.split('.').count() != 3 {
            return json_response(400, json!({"error": "invalid_grant", "error_description": "bad grant"}));
        }
        use base64::Engine;
        let claims = assertion.split('.').nth(1).and_then(|c| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).ok()).and_then(|b| serde_json::from_slice::<Value>(&b).ok()).unwrap_or(Value::Null);
        if claims["scope"] != "https://www.googleapis.com/auth/cloud-platform" || claims["iss"].as_str().is_none() || !claims["aud"].as_str().is_some_and(|a| a.ends_with("/token")) {
            return json_response(400, json!({"error": "invalid_grant", "error_description": "claims"}));
        }
        return json_response(200, json!({"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer"}));
    }

    // Signed-URL upload target: must not carry Authorization.
    if let Some(obj) = path.strip_prefix("/signed-upload/") {
        if method != Method::PUT {
            return gerr(405, "METHOD_NOT_ALLOWED", "PUT only");
        }
        if !auth.is_empty() {
            return json_response(400, json!({"error": "do not send an Authorization header to a signed URL"}));
        }
        if let Ok(mut d) = data.lock() {
            d.uploads.insert(obj.to_string(), body.to_vec());
        }
        return json_response(200, json!({}));
    }

    // Invocation URL of a deployed function (echo).
    if let Some(name) = path.strip_prefix("/invoke/") {
        let exists = data.lock().map(|d| d.functions.values().any(|f| f["name"].as_str().is_some_and(|n| n.ends_with(&format!("/{name}"))))).unwrap_or(false);
        if !exists {
            return gerr(404, "NOT_FOUND", "no such function");
        }
        if let Ok(mut d) = data.lock() {
            let ts = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
            d.entries.push(json!({"timestamp": ts, "severity": "INFO", "textPayload": format!("invoked with {} bytes", body.len()),
                "resource": {"type": "cloud_run_revision", "labels": {"service_name": name}}}));
        }
        let mut r = Response::new(axum::body::Body::from(body));
        r.headers_mut().insert("content-type", axum::http::HeaderValue::from_static("application/json"));
        return r;
    }

    if !path.starts_with("/v2/") {
        return gerr(404, "NOT_FOUND", "unknown path");
    }
    if auth != format!("Bearer {TOKEN}") {
        return gerr(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
    }
    let rest = &path[4..];

    // Operations.
    if rest.contains("/operations/") && method == Method::GET {
        let gcs = data.lock().ok().and_then(|d| d.gcs.clone());
        let pending = {
            let Ok(mut d) = data.lock() else { return gerr(500, "INTERNAL", "lock") };
            let Some((polls, p)) = d.ops.get_mut(rest) else { return gerr(404, "NOT_FOUND", "operation not found") };
            if *polls > 0 {
                *polls -= 1;
                return json_response(200, json!({"name": rest, "done": false, "metadata": {"@type": "type.googleapis.com/google.cloud.functions.v2.OperationMetadata", "stages": [{"name": "BUILD", "state": "IN_PROGRESS"}]}}));
            }
            p.clone()
        };
        let done = |resp: Value| json!({"name": rest, "done": true, "response": resp});
        let failed = |code: i64, msg: &str| json!({"name": rest, "done": true, "error": {"code": code, "message": msg}});
        let answer = match pending {
            Pending::Fail(m) => failed(13, &m),
            Pending::Done(v) => done(v),
            Pending::Delete(n) => {
                if let Ok(mut d) = data.lock() {
                    d.functions.remove(&n);
                    let short = n.rsplit('/').next().unwrap_or_default().to_string();
                    d.services.retain(|k, _| !k.ends_with(&format!("/services/{short}")));
                }
                done(json!({}))
            }
            Pending::Create(n, f) | Pending::Patch(n, f) => {
                let src = f["buildConfig"]["source"]["storageSource"].clone();
                let uploaded = data.lock().map(|d| d.uploads.contains_key(src["object"].as_str().unwrap_or_default()) && src["bucket"] == "gcf-v2-uploads-fake").unwrap_or(false);
                match source_exists(gcs, uploaded, &src).await {
                    Err(m) => failed(3, &m),
                    Ok(()) => {
                        let Ok(mut d) = data.lock() else { return gerr(500, "INTERNAL", "lock") };
                        let base = d.base.clone();
                        let short = n.rsplit('/').next().unwrap_or_default().to_string();
                        let rev = {
                            let r = d.revisions.entry(n.clone()).or_insert(0);
                            *r += 1;
                            *r
                        };
                        let mut f = f;
                        let revision = format!("{short}-{rev:05}-tsk");
                        let parent = n.split("/functions/").next().unwrap_or_default().to_string();
                        let service = format!("{parent}/services/{short}");
                        d.service_revisions.entry(service.clone()).or_default().push(revision.clone());
                        d.services.entry(service.clone()).or_insert_with(|| json!({"name": service, "traffic": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]}));
                        if let Some(svc) = d.services.get_mut(&service) {
                            svc["latestReadyRevision"] = json!(format!("{service}/revisions/{revision}"));
                        }
                        f["serviceConfig"]["service"] = json!(service);
                        f["serviceConfig"]["revision"] = json!(revision);
                        f["serviceConfig"]["uri"] = json!(format!("{base}/invoke/{short}"));
                        f["state"] = json!("ACTIVE");
                        f["environment"] = json!("GEN_2");
                        d.functions.insert(n, f.clone());
                        done(f)
                    }
                }
            }
        };
        if let Ok(mut d) = data.lock() {
            d.ops.remove(rest);
        }
        return json_response(200, answer);
    }

    let new_op = |d: &mut Data, p: Pending| -> Value {
        d.next_op += 1;
        let parts: Vec<&str> = rest.split('/').collect();
        let name = format!("projects/{}/locations/{}/operations/operation-{}", parts.get(1).unwrap_or(&"p"), parts.get(3).unwrap_or(&"l"), d.next_op);
        let p = match if matches!(p, Pending::Delete(_) | Pending::Done(_)) { None } else { d.fail_next.take() } {
            Some(m) if !matches!(p, Pending::Delete(_) | Pending::Done(_)) => Pending::Fail(m),
            _ => p,
        };
        d.ops.insert(name.clone(), (1, p));
        json!({"name": name, "done": false, "metadata": {"@type": "type.googleapis.com/google.cloud.functions.v2.OperationMetadata"}})
    };

    // Cloud Logging v2 entries:list (filter on resource.labels.service_name, newest first).
    if rest == "entries:list" && method == Method::POST {
        let Ok(req) = serde_json::from_slice::<Value>(&body) else { return gerr(400, "INVALID_ARGUMENT", "bad JSON") };
        let filter = req["filter"].as_str().unwrap_or_default().to_string();
        let service = filter.split("resource.labels.service_name=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or_default().to_string();
        let size = req["pageSize"].as_u64().unwrap_or(50) as usize;
        let d = data.lock().ok();
        let mut entries: Vec<Value> = d.map(|d| d.entries.iter().filter(|e| e["resource"]["labels"]["service_name"] == service.as_str()).cloned().collect()).unwrap_or_default();
        entries.reverse();
        entries.truncate(size);
        return json_response(200, json!({"entries": entries}));
    }

    // Cloud Run Admin API v2: the services behind 2nd-gen functions (traffic splits).
    if rest.contains("/services/") {
        let name = rest.to_string();
        let Ok(mut d) = data.lock() else { return gerr(500, "INTERNAL", "lock") };
        let Some(svc) = d.services.get(&name).cloned() else { return gerr(404, "NOT_FOUND", &format!("Resource '{name}' does not exist.")) };
        match method {
            Method::GET => return json_response(200, svc),
            Method::PATCH => {
                if query_param(&uri, "updateMask").as_deref() != Some("traffic") {
                    return gerr(400, "INVALID_ARGUMENT", "only updateMask=traffic is supported by this fake");
                }
                let Ok(patch) = serde_json::from_slice::<Value>(&body) else { return gerr(400, "INVALID_ARGUMENT", "bad JSON") };
                let traffic = patch["traffic"].as_array().cloned().unwrap_or_default();
                let total: u64 = traffic.iter().map(|t| t["percent"].as_u64().unwrap_or(0)).sum();
                if total != 100 {
                    return gerr(400, "INVALID_ARGUMENT", &format!("Traffic percentages must add up to 100, got {total}"));
                }
                let known = d.service_revisions.get(&name).cloned().unwrap_or_default();
                for t in &traffic {
                    match t["type"].as_str() {
                        Some("TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST") => {}
                        Some("TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION") => {
                            let r = t["revision"].as_str().unwrap_or_default();
                            if !known.iter().any(|k| k == r) {
                                return gerr(400, "INVALID_ARGUMENT", &format!("Revision {r} does not exist"));
                            }
                        }
                        _ => return gerr(400, "INVALID_ARGUMENT", "traffic type is required"),
                    }
                }
                let mut svc = svc;
                svc["traffic"] = json!(traffic);
                d.services.insert(name, svc.clone());
                let op = new_op(&mut d, Pending::Done(svc));
                return json_response(200, op);
            }
            _ => return gerr(405, "METHOD_NOT_ALLOWED", "GET or PATCH"),
        }
    }

    if rest.ends_with("/functions:generateUploadUrl") && method == Method::POST {
        let Ok(mut d) = data.lock() else { return gerr(500, "INTERNAL", "lock") };
        d.next_op += 1;
        let obj = format!("upload-{}.zip", d.next_op);
        let base = d.base.clone();
        return json_response(200, json!({"uploadUrl": format!("{base}/signed-upload/{obj}?GoogleAccessId=fake&Expires=9999999999&Signature=fake"), "storageSource": {"bucket": "gcf-v2-uploads-fake", "object": obj}}));
    }

    if rest.ends_with("/functions") && method == Method::POST {
        let Some(id) = query_param(&uri, "functionId") else { return gerr(400, "INVALID_ARGUMENT", "functionId is required") };
        let ok = (4..=63).contains(&id.len()) && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return gerr(400, "INVALID_ARGUMENT", "Invalid function id");
        }
        let Ok(mut f) = serde_json::from_slice::<Value>(&body) else { return gerr(400, "INVALID_ARGUMENT", "bad JSON") };
        let name = format!("{rest}/{id}");
        let Ok(mut d) = data.lock() else { return gerr(500, "INTERNAL", "lock") };
        if d.functions.contains_key(&name) {
            return gerr(409, "ALREADY_EXISTS", &format!("Function {name} already exists"));
        }
        f["name"] = json!(name);
        let op = new_op(&mut d, Pending::Create(name, f));
        return json_response(200, op);
    }

    if rest.contains("/functions/") {
        let name = rest.to_string();
        match method {
            Method::GET => {
                let d = data.lock().ok();
                return match d.and_then(|d| d.functions.get(&name).cloned()) {
                    Some(f) => json_response(200, f),
                    None => gerr(404, "NOT_FOUND", &format!("Resource '{name}' was not found")),
                };
            }
            Method::PATCH => {
                let Ok(patch) = serde_json::from_slice::<Value>(&body) else { return gerr(400, "INVALID_ARGUMENT", "bad JSON") };
                let mask = query_param(&uri, "updateMask").unwrap_or_default();
                let Ok(mut d) = data.lock() else { return gerr(500, "INTERNAL", "lock") };
                let Some(mut f) = d.functions.get(&name).cloned() else { return gerr(404, "NOT_FOUND", "not found") };
                for field in mask.split(',').filter(|s| !s.is_empty()) {
                    let parts: Vec<&str> = field.split('.').collect();
                    let mut src = &patch;
                    for p in &parts {
                        src = &src[*p];
                    }
                    let value = src.clone();
                    let mut dst = &mut f;
                    for p in &parts[..parts.len() - 1] {
                        dst = &mut dst[*p];
                    }
                    if let Some(last) = parts.last() {
                        dst[*last] = value;
                    }
                }
                let op = new_op(&mut d, Pending::Patch(name, f));
                return json_response(200, op);
            }
            Method::DELETE => {
                let Ok(mut d) = data.lock() else { return gerr(500, "INTERNAL", "lock") };
                if !d.functions.contains_key(&name) {
                    return gerr(404, "NOT_FOUND", "not found");
                }
                let op = new_op(&mut d, Pending::Delete(name));
                return json_response(200, op);
            }
            _ => {}
        }
    }
    let _ = zip_has;
    gerr(404, "NOT_FOUND", "unknown method")
}
