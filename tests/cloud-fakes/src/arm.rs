//! Azure Resource Manager + Kudu (OneDeploy) + Entra ID token fake.

use crate::{Shared, json_response, query_param, serve, zip_has};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "fake-arm-access-token";
/// Azurite's well-known development account key, returned by listKeys.
pub const DEV_KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

#[derive(Default)]
pub struct Data {
    pub base: String,
    pub resources: BTreeMap<String, Value>,
    pub settings: BTreeMap<String, Value>,
    /// Async operations: id -> polls left before Succeeded.
    ops: BTreeMap<String, u32>,
    /// Kudu deployments: id -> (app, packageUri, polls, status, text).
    deployments: BTreeMap<String, Deployment>,
    pub latest: BTreeMap<String, String>,
    pub log: Vec<String>,
    pub fail_next_deploy: Option<String>,
    /// Answer the Nth ARM request with 429 (once).
    pub throttle_at: Option<usize>,
    arm_count: usize,
    next: u64,
    /// Packages deployed per app (the zip bytes Kudu downloaded), newest last.
    pub deployed: BTreeMap<String, Vec<Vec<u8>>>,
}

#[derive(Clone)]
struct Deployment {
    app: String,
    package: String,
    polls: u32,
    status: i64,
    text: String,
    fail: Option<String>,
}

pub struct Arm {
    pub server: crate::Server,
    pub data: Shared<Data>,
}

impl Arm {
    pub async fn start() -> std::io::Result<Arm> {
        let data: Shared<Data> = Arc::new(Mutex::new(Data { throttle_at: Some(3), ..Data::default() }));
        let router = axum::Router::new().fallback(handle).with_state(data.clone());
        let server = serve(router).await?;
        if let Ok(mut d) = data.lock() {
            d.base = server.base.clone();
        }
        Ok(Arm { server, data })
    }
    pub fn log(&self) -> Vec<String> {
        self.data.lock().map(|d| d.log.clone()).unwrap_or_default()
    }
    pub fn clear_log(&self) {
        if let Ok(mut d) = self.data.lock() {
            d.log.clear();
        }
    }
    pub fn fail_next_deploy(&self, message: &str) {
        if let Ok(mut d) = self.data.lock() {
            d.fail_next_deploy = Some(message.to_string());
        }
    }
    /// The site resource, by app name.
    pub fn site(&self, app: &str) -> Option<Value> {
        let d = self.data.lock().ok()?;
        d.resources.iter().find(|(k, _)| k.to_ascii_lowercase().ends_with(&format!("/microsoft.web/sites/{}", app.to_ascii_lowercase()))).map(|(_, v)| v.clone())
    }
    pub fn deployed(&self, app: &str) -> Vec<Vec<u8>> {
        self.data.lock().map(|d| d.deployed.get(app).cloned().unwrap_or_default()).unwrap_or_default()
    }
}

fn aerr(status: u16, code: &str, message: &str) -> Response {
    json_response(status, json!({"error": {"code": code, "message": message}}))
}

async fn handle(State(data): State<Shared<Data>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_string();
    let lower = path.to_ascii_lowercase();
    if let Ok(mut d) = data.lock() {
        d.log.push(format!("{method} {path}"));
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();

    // Test control: make the next Kudu deployment fail with the body as its message.
    if path == "/fake/fail-next-deploy" && method == Method::POST {
        if let Ok(mut d) = data.lock() {
            d.fail_next_deploy = Some(String::from_utf8_lossy(&body).into_owned());
        }
        return json_response(200, json!({}));
    }

    // Entra ID client-credentials token.
    if lower.ends_with("/oauth2/v2.0/token") && method == Method::POST {
        let form = String::from_utf8_lossy(&body).to_string();
        let get = |k: &str| form.split('&').find_map(|kv| kv.strip_prefix(&format!("{k}="))).map(crate::percent_decode).unwrap_or_default();
        if get("grant_type") != "client_credentials" || get("client_secret").is_empty() || get("scope") != "https://management.azure.com/.default" {
            return json_response(400, json!({"error": "invalid_request", "error_description": "AADSTS900144: bad client-credentials request"}));
        }
        return json_response(200, json!({"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}));
    }

    // Kudu (SCM) under /scm/{app}/api/…
    if let Some(rest) = path.strip_prefix("/scm/") {
        if auth != format!("Bearer {TOKEN}") {
            return json_response(401, json!({"Message": "Unauthorized"}));
        }
        let (app, api) = rest.split_once('/').unwrap_or((rest, ""));
        let app = app.to_string();
        if api == "api/publish" && method == Method::POST {
            let Ok(req) = serde_json::from_slice::<Value>(&body) else { return json_response(415, json!({"Message": "expected application/json with packageUri"})) };
            let Some(pkg) = req["packageUri"].as_str() else { return json_response(400, json!({"Message": "packageUri missing"})) };
            let Ok(mut d) = data.lock() else { return aerr(500, "Internal", "lock") };
            if d.latest.get(&app).and_then(|id| d.deployments.get(id)).is_some_and(|dep| dep.status < 3) {
                return json_response(409, json!({"Message": "There is a deployment currently in progress."}));
            }
            d.next += 1;
            let id = format!("dep-{:04}", d.next);
            let fail = d.fail_next_deploy.take();
            d.deployments.insert(id.clone(), Deployment { app: app.clone(), package: pkg.to_string(), polls: 1, status: 0, text: String::new(), fail });
            d.latest.insert(app.clone(), id.clone());
            let base = d.base.clone();
            let mut r = json_response(202, json!(id));
            if let Ok(v) = axum::http::HeaderValue::from_str(&format!("{base}/scm/{app}/api/deployments/{id}")) {
                r.headers_mut().insert("location", v);
            }
            return r;
        }
        if let Some(id) = api.strip_prefix("api/deployments/") {
            let id = if id == "latest" { data.lock().ok().and_then(|d| d.latest.get(&app).cloned()).unwrap_or_default() } else { id.to_string() };
            let dep = data.lock().ok().and_then(|d| d.deployments.get(&id).cloned());
            let Some(mut dep) = dep else { return json_response(404, json!({"Message": "deployment not found"})) };
            if dep.status < 3 {
                if dep.polls > 0 {
                    dep.polls -= 1;
                    dep.status = 1;
                } else if let Some(f) = dep.fail.clone() {
                    dep.status = 3;
                    dep.text = f;
                } else {
                    // Pull the package like Kudu does and check it is a function app zip.
                    match reqwest::get(&dep.package).await {
                        Ok(r) if r.status().is_success() => {
                            let bytes = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                            if zip_has(&bytes, "host.json") {
                                dep.status = 4;
                                if let Ok(mut d) = data.lock() {
                                    d.deployed.entry(dep.app.clone()).or_default().push(bytes);
                                }
                            } else {
                                dep.status = 3;
                                dep.text = "package is not a zip with host.json at its root".into();
                            }
                        }
                        Ok(r) => {
                            dep.status = 3;
                            dep.text = format!("downloading the package failed: HTTP {}", r.status());
                        }
                        Err(e) => {
                            dep.status = 3;
                            dep.text = format!("downloading the package failed: {e}");
                        }
                    }
                }
                if let Ok(mut d) = data.lock() {
                    d.deployments.insert(id.clone(), dep.clone());
                }
            }
            let code = if dep.status < 3 { 202 } else { 200 };
            return json_response(code, json!({"id": id, "status": dep.status, "status_text": dep.text, "complete": dep.status >= 3, "active": dep.status == 4, "message": "tusk", "progress": if dep.status < 3 { "Building" } else { "" }}));
        }
        return json_response(404, json!({"Message": "not found"}));
    }

    // Function invocation on the app's default host name: /api/{function}.
    if path.starts_with("/api/") && method == Method::POST {
        if headers.get("x-functions-key").and_then(|v| v.to_str().ok()) != Some("fake-function-key") {
            return json_response(401, json!({"error": "missing function key"}));
        }
        return Response::new(axum::body::Body::from(body));
    }

    // Async operation status.
    if let Some(id) = path.strip_prefix("/fake-ops/") {
        let Ok(mut d) = data.lock() else { return aerr(500, "Internal", "lock") };
        let Some(left) = d.ops.get_mut(id) else { return aerr(404, "NotFound", "operation") };
        if *left > 0 {
            *left -= 1;
            return json_response(200, json!({"status": "InProgress"}));
        }
        return json_response(200, json!({"status": "Succeeded"}));
    }

    // ARM proper.
    if !lower.starts_with("/subscriptions/") {
        return aerr(404, "NotFound", "unknown path");
    }
    if auth != format!("Bearer {TOKEN}") {
        return aerr(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or invalid.");
    }
    if query_param(&uri, "api-version").is_none() {
        return aerr(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
    }
    {
        let Ok(mut d) = data.lock() else { return aerr(500, "Internal", "lock") };
        d.arm_count += 1;
        if d.throttle_at == Some(d.arm_count) {
            let mut r = aerr(429, "TooManyRequests", "Too many requests, retry later.");
            r.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("0"));
            return r;
        }
    }
    let key = lower.clone();
    let Ok(mut d) = data.lock() else { return aerr(500, "Internal", "lock") };
    let base = d.base.clone();

    if key.ends_with("/listkeys") && key.contains("/microsoft.storage/storageaccounts/") && method == Method::POST {
        return json_response(200, json!({"keys": [{"keyName": "key1", "value": DEV_KEY, "permissions": "FULL"}]}));
    }
    if key.ends_with("/host/default/listkeys") && method == Method::POST {
        return json_response(200, json!({"masterKey": "fake-master-key", "functionKeys": {"default": "fake-function-key"}}));
    }
    if let Some(site) = key.strip_suffix("/config/appsettings/list") {
        return match d.settings.get(site) {
            Some(s) => json_response(200, json!({"properties": s})),
            None if d.resources.contains_key(site) => json_response(200, json!({"properties": {}})),
            None => aerr(404, "ResourceNotFound", "site not found"),
        };
    }
    if let Some(site) = key.strip_suffix("/config/appsettings") {
        if method != Method::PUT {
            return aerr(405, "MethodNotAllowed", "PUT only");
        }
        if !d.resources.contains_key(site) {
            return aerr(404, "ResourceNotFound", "site not found");
        }
        let Ok(v) = serde_json::from_slice::<Value>(&body) else { return aerr(400, "InvalidRequestContent", "bad JSON") };
        for reserved in ["FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE"] {
            if v["properties"].get(reserved).is_some() {
                return aerr(400, "BadRequest", &format!("{reserved} is not allowed on Flex Consumption"));
            }
        }
        d.settings.insert(site.to_string(), v["properties"].clone());
        return json_response(200, v);
    }

    match method {
        Method::GET => match d.resources.get(&key) {
            Some(v) => json_response(200, v.clone()),
            None => aerr(404, "ResourceNotFound", &format!("The Resource '{path}' was not found.")),
        },
        Method::DELETE => {
            if d.resources.remove(&key).is_some() {
                d.settings.remove(&key);
                json_response(200, json!({}))
            } else {
                json_response(204, json!({}))
            }
        }
        Method::PATCH => {
            let Some(cur) = d.resources.get_mut(&key) else { return aerr(404, "ResourceNotFound", "not found") };
            let Ok(v) = serde_json::from_slice::<Value>(&body) else { return aerr(400, "InvalidRequestContent", "bad JSON") };
            if let Some(tags) = v.get("tags") {
                cur["tags"] = tags.clone();
            }
            json_response(200, cur.clone())
        }
        Method::PUT => {
            let Ok(mut v) = serde_json::from_slice::<Value>(&body) else { return aerr(400, "InvalidRequestContent", "bad JSON") };
            if v["location"].as_str().unwrap_or_default().is_empty() {
                return aerr(400, "LocationRequired", "The location property is required for this definition.");
            }
            let existed = d.resources.contains_key(&key);
            v["id"] = json!(path);
            if key.contains("/microsoft.web/sites/") {
                if !v["kind"].as_str().unwrap_or_default().contains("functionapp") {
                    return aerr(400, "BadRequest", "kind must be functionapp");
                }
                let mem = v["properties"]["functionAppConfig"]["scaleAndConcurrency"]["instanceMemoryMB"].as_i64().unwrap_or(0);
                if ![512, 2048, 4096].contains(&mem) {
                    return aerr(400, "BadRequest", "instanceMemoryMB must be 512, 2048 or 4096");
                }
                let app = path.rsplit('/').next().unwrap_or_default().to_string();
                let host = base.trim_start_matches("http://").to_string();
                v["name"] = json!(app);
                v["properties"]["defaultHostName"] = json!(host);
                v["properties"]["state"] = json!("Running");
                v["properties"]["hostNameSslStates"] = json!([{"name": host, "hostType": "Standard"}, {"name": format!("{host}/scm/{app}"), "hostType": "Repository"}]);
                if let Some(old) = d.resources.get(&key)
                    && v.get("tags").is_none()
                {
                    v["tags"] = old["tags"].clone();
                }
                v["properties"]["provisioningState"] = json!("Succeeded");
                d.resources.insert(key.clone(), v.clone());
                if !existed {
                    d.next += 1;
                    let id = format!("op-{}", d.next);
                    d.ops.insert(id.clone(), 1);
                    let mut r = json_response(202, v);
                    if let Ok(h) = axum::http::HeaderValue::from_str(&format!("{base}/fake-ops/{id}")) {
                        r.headers_mut().insert("azure-asyncoperation", h);
                    }
                    return r;
                }
                return json_response(200, v);
            }
            if key.contains("/microsoft.web/serverfarms/") && v["sku"]["name"] != "FC1" && v["sku"]["tier"] == "FlexConsumption" {
                return aerr(400, "BadRequest", "FlexConsumption needs sku FC1");
            }
            v["properties"]["provisioningState"] = json!("Succeeded");
            d.resources.insert(key, v.clone());
            json_response(if existed { 200 } else { 201 }, v)
        }
        _ => aerr(405, "MethodNotAllowed", "method not allowed"),
    }
}
