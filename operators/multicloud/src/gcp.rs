//! Google Cloud Functions (2nd gen, REST API v2) and Cloud Storage (JSON API).
//!
//! Credentials (Application Default Credentials, in order): `GOOGLE_OAUTH_ACCESS_TOKEN`;
//! `GOOGLE_APPLICATION_CREDENTIALS` (a service-account key → OAuth token through the JWT
//! bearer grant signed with RS256, or an `authorized_user` file → refresh-token grant);
//! gcloud's `~/.config/gcloud/application_default_credentials.json`.
//! The function's labels carry tusk's hashes (`tusk-hash`, `tusk-code`); its description
//! remembers the previous source for `rollback`.

use crate::cloud::{Change, Cloud, Desired, LogLine, Outcome, Report, State};
use crate::error::McError;
use crate::http::{self, Answer, error_message, send};
use crate::spec::{CloudId, Spec};
use crate::validate::runtime;
use base64::Engine;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

const CLOUD: &str = "gcp";
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
const UPDATE_MASK: &str = "buildConfig.source,buildConfig.runtime,buildConfig.entryPoint,serviceConfig.availableMemory,serviceConfig.timeoutSeconds,serviceConfig.environmentVariables,serviceConfig.maxInstanceCount,labels,description";

#[derive(Clone)]
enum Auth {
    Token(String),
    ServiceAccount { email: String, key_der: Vec<u8>, key_id: String, token_uri: String },
    AuthorizedUser { client_id: String, client_secret: String, refresh_token: String, token_uri: String },
}

pub struct Gcp {
    client: reqwest::Client,
    auth: Auth,
    token: Mutex<Option<String>>,
    project: String,
    region: String,
    name: String,
    bucket: Option<String>,
    max_instances: Option<u32>,
    endpoint: String,
    storage: String,
    run: String,
    logging: String,
}

fn b64url(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect::<Vec<_>>().join("");
    base64::engine::general_purpose::STANDARD.decode(body.trim()).ok()
}

fn credentials() -> Result<Auth, McError> {
    let env = |k: &str| crate::envvar::var(k).ok().filter(|v| !v.is_empty());
    if let Some(t) = env("GOOGLE_OAUTH_ACCESS_TOKEN") {
        return Ok(Auth::Token(t));
    }
    let gcloud = std::path::PathBuf::from(env("CLOUDSDK_CONFIG").unwrap_or_else(|| format!("{}/.config/gcloud", env("HOME").unwrap_or_default())))
        .join("application_default_credentials.json");
    let file = env("GOOGLE_APPLICATION_CREDENTIALS").map(std::path::PathBuf::from).or_else(|| gcloud.exists().then(|| gcloud.clone()));
    let looked_for = format!(
        "GOOGLE_OAUTH_ACCESS_TOKEN; GOOGLE_APPLICATION_CREDENTIALS (a service-account key file); {} (gcloud auth application-default login)",
        gcloud.display()
    );
    let Some(file) = file else {
        return Err(McError::Credentials { cloud: CLOUD, looked_for });
    };
    let text = std::fs::read_to_string(&file).map_err(|e| McError::Credentials { cloud: CLOUD, looked_for: format!("{} (unreadable: {e})", file.display()) })?;
    let j: Value = serde_json::from_str(&text).map_err(|e| McError::Credentials { cloud: CLOUD, looked_for: format!("{} (not JSON: {e})", file.display()) })?;
    let s = |k: &str| j[k].as_str().unwrap_or_default().to_string();
    match j["type"].as_str() {
        Some("service_account") => {
            let key_der = pem_to_der(&s("private_key"))
                .ok_or_else(|| McError::Credentials { cloud: CLOUD, looked_for: format!("{}: private_key is not a PEM key", file.display()) })?;
            let token_uri = if s("token_uri").is_empty() { "https://oauth2.googleapis.com/token".into() } else { s("token_uri") };
            Ok(Auth::ServiceAccount { email: s("client_email"), key_der, key_id: s("private_key_id"), token_uri })
        }
        Some("authorized_user") => Ok(Auth::AuthorizedUser {
            client_id: s("client_id"),
            client_secret: s("client_secret"),
            refresh_token: s("refresh_token"),
            token_uri: if s("token_uri").is_empty() { "https://oauth2.googleapis.com/token".into() } else { s("token_uri") },
        }),
        other => Err(McError::Credentials {
            cloud: CLOUD,
            looked_for: format!("{}: credential type {:?} is not supported (service_account, authorized_user)", file.display(), other.unwrap_or("none")),
        }),
    }
}

/// A signed JWT for the OAuth 2.0 JWT bearer grant (RS256).
pub fn signed_jwt(email: &str, key_id: &str, key_der: &[u8], token_uri: &str, now: i64) -> Result<String, McError> {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": key_id});
    let claims = json!({"iss": email, "scope": SCOPE, "aud": token_uri, "iat": now, "exp": now + 3600});
    let msg = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
    let key = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(key_der)
        .map_err(|e| McError::Credentials { cloud: CLOUD, looked_for: format!("service-account private_key rejected: {e}") })?;
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), msg.as_bytes(), &mut sig)
        .map_err(|_| McError::op(CLOUD, "signing the JWT failed"))?;
    Ok(format!("{msg}.{}", b64url(&sig)))
}

impl Gcp {
    pub fn connect(spec: &Spec) -> Result<std::sync::Arc<dyn Cloud>, McError> {
        let g = spec.raw.gcp.clone().unwrap_or_default();
        let auth = credentials()?;
        Ok(std::sync::Arc::new(Gcp {
            client: http::client(),
            auth,
            token: Mutex::new(None),
            project: g.project.unwrap_or_default(),
            region: g.region.unwrap_or_default(),
            name: spec.raw.name.clone(),
            bucket: g.bucket,
            max_instances: g.max_instances,
            endpoint: g.endpoint.unwrap_or_else(|| "https://cloudfunctions.googleapis.com".into()).trim_end_matches('/').to_string(),
            storage: g.storage_endpoint.unwrap_or_else(|| "https://storage.googleapis.com".into()).trim_end_matches('/').to_string(),
            run: g.run_endpoint.unwrap_or_else(|| "https://run.googleapis.com".into()).trim_end_matches('/').to_string(),
            logging: g.logging_endpoint.unwrap_or_else(|| "https://logging.googleapis.com".into()).trim_end_matches('/').to_string(),
        }))
    }

    async fn token(&self) -> Result<String, McError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref() {
            return Ok(t.clone());
        }
        let token = match &self.auth {
            Auth::Token(t) => t.clone(),
            Auth::ServiceAccount { email, key_der, key_id, token_uri } => {
                let jwt = signed_jwt(email, key_id, key_der, token_uri, time::OffsetDateTime::now_utc().unix_timestamp())?;
                let form = format!("grant_type={}&assertion={jwt}", crate::http::uri_encode("urn:ietf:params:oauth:grant-type:jwt-bearer", true));
                self.exchange(token_uri, form).await?
            }
            Auth::AuthorizedUser { client_id, client_secret, refresh_token, token_uri } => {
                let e = |s: &str| crate::http::uri_encode(s, true);
                let form = format!("grant_type=refresh_token&client_id={}&client_secret={}&refresh_token={}", e(client_id), e(client_secret), e(refresh_token));
                self.exchange(token_uri, form).await?
            }
        };
        *cached = Some(token.clone());
        Ok(token)
    }

    async fn exchange(&self, uri: &str, form: String) -> Result<String, McError> {
        let a = send(CLOUD, "OAuth token", self.client.post(uri).header("content-type", "application/x-www-form-urlencoded").body(form)).await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "OAuth token", Some(a.status), error_message(&a)));
        }
        a.json()["access_token"].as_str().map(str::to_string).ok_or_else(|| McError::op(CLOUD, "token answer has no access_token"))
    }

    fn parent(&self) -> String {
        format!("projects/{}/locations/{}", self.project, self.region)
    }

    fn fn_name(&self) -> String {
        format!("{}/functions/{}", self.parent(), self.name)
    }

    async fn api(&self, method: reqwest::Method, url: String, body: Option<Value>, op: &str) -> Result<Answer, McError> {
        let token = self.token().await?;
        let mut req = self.client.request(method, url).bearer_auth(token);
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        send(CLOUD, op, req).await
    }

    async fn get_function(&self) -> Result<Option<Value>, McError> {
        let a = self.api(reqwest::Method::GET, format!("{}/v2/{}", self.endpoint, self.fn_name()), None, "functions.get").await?;
        match a.status {
            200 => Ok(Some(a.json())),
            404 => Ok(None),
            _ => Err(McError::api(CLOUD, "functions.get", Some(a.status), error_message(&a))),
        }
    }

    /// Polls a long-running operation until `done`.
    async fn wait(&self, mut op: Value, what: &str, report: Report<'_>, cancel: &CancellationToken) -> Result<Value, McError> {
        let name = op["name"].as_str().unwrap_or_default().to_string();
        for attempt in 0..600u32 {
            if op["done"].as_bool() == Some(true) {
                if let Some(err) = op.get("error") {
                    return Err(McError::api(CLOUD, what, None, format!("operation {name} failed: {}", err["message"].as_str().unwrap_or("unknown error"))));
                }
                return Ok(op["response"].clone());
            }
            if name.is_empty() {
                return Err(McError::op(CLOUD, format!("{what}: answer is not an operation")));
            }
            let stage = op["metadata"]["stages"]
                .as_array()
                .and_then(|s| s.iter().find(|st| st["state"] == "IN_PROGRESS"))
                .and_then(|st| st["name"].as_str())
                .unwrap_or("running");
            report(&format!("{what}: {}", stage.to_ascii_lowercase()));
            http::pause(cancel, Duration::from_millis(if attempt < 10 { 300 } else { 2000 })).await?;
            let a = self.api(reqwest::Method::GET, format!("{}/v2/{name}", self.endpoint), None, "operations.get").await?;
            if !a.ok() {
                return Err(McError::api(CLOUD, "operations.get", Some(a.status), error_message(&a)));
            }
            op = a.json();
        }
        Err(McError::op(CLOUD, format!("{what}: operation {name} did not finish")))
    }

    fn object(&self, d: &Desired) -> String {
        format!("tusk/{}/{}.zip", self.name, d.package.sha256)
    }

    async fn upload(&self, d: &Desired, report: Report<'_>) -> Result<Value, McError> {
        if let Some(bucket) = &self.bucket {
            report("uploading to Cloud Storage");
            let obj = self.object(d);
            let url = format!(
                "{}/upload/storage/v1/b/{}/o?uploadType=media&name={}",
                self.storage,
                crate::http::uri_encode(bucket, true),
                crate::http::uri_encode(&obj, true)
            );
            let token = self.token().await?;
            let a = send(CLOUD, "storage objects.insert", self.client.post(url).bearer_auth(token).header("content-type", "application/zip").body(d.package.bytes.clone())).await?;
            if !a.ok() {
                return Err(McError::api(CLOUD, "storage objects.insert", Some(a.status), error_message(&a)));
            }
            return Ok(json!({"bucket": bucket, "object": obj}));
        }
        report("generateUploadUrl");
        let a = self
            .api(reqwest::Method::POST, format!("{}/v2/{}/functions:generateUploadUrl", self.endpoint, self.parent()), Some(json!({"environment": "GEN_2"})), "generateUploadUrl")
            .await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "generateUploadUrl", Some(a.status), error_message(&a)));
        }
        let j = a.json();
        let url = j["uploadUrl"].as_str().ok_or_else(|| McError::op(CLOUD, "generateUploadUrl: no uploadUrl"))?.to_string();
        report("uploading");
        // The signed URL carries the identity: no Authorization header (documented).
        let up = send(CLOUD, "upload", self.client.put(url).header("content-type", "application/zip").body(d.package.bytes.clone())).await?;
        if !up.ok() {
            return Err(McError::api(CLOUD, "upload to signed URL", Some(up.status), error_message(&up)));
        }
        Ok(j["storageSource"].clone())
    }

    fn body(&self, d: &Desired, source: &Value, description: &str) -> Value {
        let s = &d.spec.raw;
        let entry = s.handler.rsplit('.').next().unwrap_or(&s.handler).to_string();
        let mut service = json!({
            "availableMemory": format!("{}M", d.spec.memory_for(CloudId::Gcp)),
            "timeoutSeconds": d.spec.timeout_for(CloudId::Gcp),
            "environmentVariables": d.env,
        });
        if let Some(m) = self.max_instances {
            service["maxInstanceCount"] = json!(m);
        }
        json!({
            "name": self.fn_name(),
            "environment": "GEN_2",
            "description": description,
            "buildConfig": {
                "runtime": runtime(&s.runtime).and_then(|r| r.gcp).unwrap_or_default(),
                "entryPoint": entry,
                "source": {"storageSource": source},
            },
            "serviceConfig": service,
            "labels": {"managed-by": "tusk", "tusk-hash": d.deploy_hash(CloudId::Gcp, ""), "tusk-code": d.code_hash()},
        })
    }

    /// The Cloud Run service behind a 2nd-gen function.
    fn service_of(f: &Value) -> Option<String> {
        f["serviceConfig"]["service"].as_str().filter(|s| !s.is_empty()).map(str::to_string)
    }

    async fn get_service(&self, service: &str) -> Result<Value, McError> {
        let a = self.api(reqwest::Method::GET, format!("{}/v2/{service}", self.run), None, "run services.get").await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "run services.get", Some(a.status), error_message(&a)));
        }
        Ok(a.json())
    }

    /// Sets the service's traffic (Cloud Run Admin API v2) and waits for the operation.
    async fn set_traffic(&self, service: &str, traffic: Value, report: Report<'_>, cancel: &CancellationToken) -> Result<(), McError> {
        report("run services.patch (traffic)");
        let url = format!("{}/v2/{service}?updateMask=traffic", self.run);
        let a = self.api(reqwest::Method::PATCH, url, Some(json!({"traffic": traffic})), "run services.patch").await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "run services.patch", Some(a.status), error_message(&a)));
        }
        let mut op = a.json();
        let name = op["name"].as_str().unwrap_or_default().to_string();
        for _ in 0..300 {
            if op["done"].as_bool() == Some(true) {
                if let Some(e) = op.get("error") {
                    return Err(McError::api(CLOUD, "run services.patch", None, e["message"].as_str().unwrap_or("failed").to_string()));
                }
                return Ok(());
            }
            http::pause(cancel, Duration::from_millis(300)).await?;
            let p = self.api(reqwest::Method::GET, format!("{}/v2/{name}", self.run), None, "run operations.get").await?;
            if !p.ok() {
                return Err(McError::api(CLOUD, "run operations.get", Some(p.status), error_message(&p)));
            }
            op = p.json();
        }
        Err(McError::op(CLOUD, "run services.patch did not finish"))
    }

    fn pinned(revision: &str, percent: u8) -> Value {
        json!({"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": revision, "percent": percent})
    }

    fn latest() -> Value {
        json!([{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}])
    }

    /// A canary in the service's traffic: (new revision, its percent) when split two ways.
    fn canary_of(service: &Value) -> Option<(String, u8)> {
        let t = service["traffic"].as_array()?;
        if t.len() != 2 {
            return None;
        }
        let newer = t.iter().max_by_key(|e| e["revision"].as_str().unwrap_or_default().to_string())?;
        Some((newer["revision"].as_str()?.to_string(), newer["percent"].as_u64()? as u8))
    }

    fn outcome(f: &Value, change: Change, detail: String) -> Outcome {
        Outcome {
            change,
            version: f["serviceConfig"]["revision"].as_str().map(str::to_string),
            url: f["serviceConfig"]["uri"].as_str().map(str::to_string),
            detail,
        }
    }

    /// PATCHes the function with a body; returns the deployed function.
    async fn patch(&self, body: Value, report: Report<'_>, cancel: &CancellationToken) -> Result<Value, McError> {
        let url = format!("{}/v2/{}?updateMask={}", self.endpoint, self.fn_name(), UPDATE_MASK);
        let a = self.api(reqwest::Method::PATCH, url, Some(body), "functions.patch").await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "functions.patch", Some(a.status), error_message(&a)));
        }
        self.wait(a.json(), "functions.patch", report, cancel).await?;
        self.get_function().await?.ok_or_else(|| McError::op(CLOUD, "function vanished after patch"))
    }
}

#[async_trait::async_trait]
impl Cloud for Gcp {
    fn id(&self) -> CloudId {
        CloudId::Gcp
    }

    fn target(&self) -> String {
        format!("gcp:{}/{}/{}", self.project, self.region, self.name)
    }

    async fn state(&self) -> Result<State, McError> {
        let Some(f) = self.get_function().await? else {
            return Ok(State::default());
        };
        let service = match Self::service_of(&f) {
            Some(svc) => Some(self.get_service(&svc).await?),
            None => None,
        };
        let canary = service.as_ref().and_then(Self::canary_of);
        // During a canary the version that serves most traffic is the older one.
        let serving = service.as_ref().filter(|_| canary.is_some()).and_then(|s| {
            s["traffic"].as_array()?.iter().max_by_key(|t| t["percent"].as_u64().unwrap_or(0))?["revision"].as_str().map(str::to_string)
        });
        Ok(State {
            exists: true,
            deploy_hash: f["labels"]["tusk-hash"].as_str().map(str::to_string),
            code_hash: f["labels"]["tusk-code"].as_str().map(str::to_string),
            version: serving.or_else(|| f["serviceConfig"]["revision"].as_str().map(str::to_string)),
            canary,
            url: f["serviceConfig"]["uri"].as_str().map(str::to_string),
            restore: f,
        })
    }

    fn plan(&self, state: &State, d: &Desired) -> Vec<String> {
        if state.deploy_hash.as_deref() == Some(d.deploy_hash(CloudId::Gcp, "").as_str()) && state.canary.is_none() {
            return vec![];
        }
        let mut out = Vec::new();
        if state.code_hash.as_deref() != Some(d.code_hash().as_str()) {
            match &self.bucket {
                Some(b) => out.push(format!("POST {}/upload/storage/v1/b/{b}/o?uploadType=media&name={} ({} bytes)", self.storage, self.object(d), d.package.bytes.len())),
                None => {
                    out.push(format!("POST {}/v2/{}/functions:generateUploadUrl", self.endpoint, self.parent()));
                    out.push(format!("PUT <signed uploadUrl> ({} bytes)", d.package.bytes.len()));
                }
            }
        }
        if state.exists {
            out.push(format!("PATCH {}/v2/{}?updateMask={UPDATE_MASK}", self.endpoint, self.fn_name()));
        } else {
            out.push(format!("POST {}/v2/{}/functions?functionId={}", self.endpoint, self.parent(), self.name));
        }
        out.push("GET … /operations/… (poll until done)".into());
        if let (Some(p), true) = (d.traffic, state.exists) {
            let svc = Self::service_of(&state.restore).unwrap_or_else(|| "<service>".into());
            out.insert(0, format!("PATCH {}/v2/{svc}?updateMask=traffic (pin 100% to {})", self.run, state.version.clone().unwrap_or_default()));
            out.push(format!("PATCH {}/v2/{svc}?updateMask=traffic ({}% to the new revision)", self.run, p));
        }
        out
    }

    async fn deploy(&self, state: &State, d: &Desired, report: Report<'_>, cancel: &CancellationToken) -> Result<Outcome, McError> {
        if state.deploy_hash.as_deref() == Some(d.deploy_hash(CloudId::Gcp, "").as_str()) && state.canary.is_none() {
            return Ok(Outcome { change: Change::UpToDate, version: state.version.clone(), url: state.url.clone(), detail: String::new() });
        }
        let code_changed = state.code_hash.as_deref() != Some(d.code_hash().as_str());
        let source = if code_changed {
            self.upload(d, report).await?
        } else {
            state.restore["buildConfig"]["source"]["storageSource"].clone()
        };
        // The description remembers what served before, for `rollback`.
        let prev = &state.restore;
        let description = if state.exists {
            json!({"tusk_previous": {
                "source": prev["buildConfig"]["source"]["storageSource"],
                "runtime": prev["buildConfig"]["runtime"],
                "entryPoint": prev["buildConfig"]["entryPoint"],
                "availableMemory": prev["serviceConfig"]["availableMemory"],
                "timeoutSeconds": prev["serviceConfig"]["timeoutSeconds"],
                "labels": prev["labels"],
            }})
            .to_string()
        } else {
            String::new()
        };
        let body = self.body(d, &source, &description);
        if !state.exists {
            report("functions.create");
            let url = format!("{}/v2/{}/functions?functionId={}", self.endpoint, self.parent(), self.name);
            let a = self.api(reqwest::Method::POST, url, Some(body), "functions.create").await?;
            if !a.ok() {
                return Err(McError::api(CLOUD, "functions.create", Some(a.status), error_message(&a)));
            }
            self.wait(a.json(), "functions.create", report, cancel).await?;
            let f = self.get_function().await?.ok_or_else(|| McError::op(CLOUD, "function missing after create"))?;
            return Ok(Self::outcome(&f, Change::Created, "code+config".into()));
        }
        // A canary: pin all traffic to the serving revision first, so the new revision
        // starts with 0%, then split.
        let canary = match (d.traffic, Self::service_of(&state.restore), state.version.clone()) {
            (Some(p), Some(svc), Some(old)) => Some((p, svc, old)),
            _ => None,
        };
        if let Some((_, svc, old)) = &canary {
            self.set_traffic(svc, json!([Self::pinned(old, 100)]), report, cancel).await?;
        }
        report("functions.patch");
        let f = self.patch(body, report, cancel).await?;
        if let Some((p, svc, old)) = &canary {
            let new = f["serviceConfig"]["revision"].as_str().unwrap_or_default().to_string();
            self.set_traffic(svc, json!([Self::pinned(old, 100 - p), Self::pinned(&new, *p)]), report, cancel).await?;
            return Ok(Self::outcome(&f, Change::Canary, format!("{p}% → {new}")));
        }
        if d.traffic.is_none() && state.canary.is_some()
            && let Some(svc) = Self::service_of(&f)
        {
            self.set_traffic(&svc, Self::latest(), report, cancel).await?;
        }
        let cfg_changed = {
            let p = &state.restore;
            let want = self.body(d, &source, "");
            p["serviceConfig"]["availableMemory"] != want["serviceConfig"]["availableMemory"]
                || p["serviceConfig"]["timeoutSeconds"] != want["serviceConfig"]["timeoutSeconds"]
                || p["serviceConfig"]["environmentVariables"] != want["serviceConfig"]["environmentVariables"]
                || p["buildConfig"]["runtime"] != want["buildConfig"]["runtime"]
                || p["buildConfig"]["entryPoint"] != want["buildConfig"]["entryPoint"]
        };
        let detail = match (code_changed, cfg_changed) {
            (true, true) => "code+config",
            (true, false) => "code",
            _ => "config",
        };
        Ok(Self::outcome(&f, Change::Updated, detail.into()))
    }

    async fn restore(&self, before: &State, cancel: &CancellationToken) -> Result<(), McError> {
        if !before.exists {
            return self.destroy(cancel).await;
        }
        let p = &before.restore;
        let body = json!({
            "buildConfig": p["buildConfig"],
            "serviceConfig": p["serviceConfig"],
            "labels": p["labels"],
            "description": p["description"],
        });
        let f = self.patch(body, &|_| {}, cancel).await?;
        if let Some(svc) = Self::service_of(&f) {
            let current = self.get_service(&svc).await?;
            if current["traffic"] != json!(Self::latest()) {
                self.set_traffic(&svc, Self::latest(), &|_| {}, cancel).await?;
            }
        }
        Ok(())
    }

    async fn promote(&self, cancel: &CancellationToken) -> Result<Outcome, McError> {
        let f = self.get_function().await?.ok_or_else(|| McError::op(CLOUD, format!("{} is not deployed", self.name)))?;
        let Some(svc) = Self::service_of(&f) else {
            return Ok(Self::outcome(&f, Change::UpToDate, "no canary".into()));
        };
        let Some((rev, p)) = Self::canary_of(&self.get_service(&svc).await?) else {
            return Ok(Self::outcome(&f, Change::UpToDate, "no canary".into()));
        };
        self.set_traffic(&svc, Self::latest(), &|_| {}, cancel).await?;
        Ok(Self::outcome(&f, Change::Promoted, format!("{p}% → 100% {rev}")))
    }

    async fn rollback(&self, cancel: &CancellationToken) -> Result<Outcome, McError> {
        let f = self.get_function().await?.ok_or_else(|| McError::op(CLOUD, format!("{} is not deployed", self.name)))?;
        let prev: Value = f["description"].as_str().and_then(|d| serde_json::from_str(d).ok()).unwrap_or(Value::Null);
        let prev = &prev["tusk_previous"];
        if prev.is_null() || prev["source"].is_null() {
            return Err(McError::op(CLOUD, "no previous version recorded to roll back to"));
        }
        let mut service = f["serviceConfig"].clone();
        service["availableMemory"] = prev["availableMemory"].clone();
        service["timeoutSeconds"] = prev["timeoutSeconds"].clone();
        let body = json!({
            "buildConfig": {"runtime": prev["runtime"], "entryPoint": prev["entryPoint"], "source": {"storageSource": prev["source"]}},
            "serviceConfig": service,
            "labels": prev["labels"],
            "description": "",
        });
        let old = f["serviceConfig"]["revision"].as_str().unwrap_or("-").to_string();
        let f2 = self.patch(body, &|_| {}, cancel).await?;
        if let Some(svc) = Self::service_of(&f2) {
            let current = self.get_service(&svc).await?;
            if current["traffic"] != json!(Self::latest()) {
                self.set_traffic(&svc, Self::latest(), &|_| {}, cancel).await?;
            }
        }
        let new = f2["serviceConfig"]["revision"].as_str().unwrap_or("-").to_string();
        Ok(Self::outcome(&f2, Change::RolledBack, format!("{old} → {new} (previous source)")))
    }

    async fn invoke(&self, payload: &[u8]) -> Result<Vec<u8>, McError> {
        let f = self.get_function().await?.ok_or_else(|| McError::op(CLOUD, format!("{} is not deployed", self.name)))?;
        let uri = f["serviceConfig"]["uri"].as_str().ok_or_else(|| McError::op(CLOUD, "function has no serviceConfig.uri"))?;
        let token = self.token().await?;
        let a = send(CLOUD, "invoke", self.client.post(uri).bearer_auth(token).header("content-type", "application/json").body(payload.to_vec())).await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "invoke", Some(a.status), error_message(&a)));
        }
        Ok(a.body)
    }

    async fn logs(&self, since_unix_ms: i64, limit: u32) -> Result<Vec<LogLine>, McError> {
        let since = crate::aws::rfc3339_ms(since_unix_ms);
        let filter = format!(
            "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"{}\" AND timestamp>=\"{since}\"",
            self.name
        );
        let body = json!({"resourceNames": [format!("projects/{}", self.project)], "filter": filter, "orderBy": "timestamp desc", "pageSize": limit});
        let a = self.api(reqwest::Method::POST, format!("{}/v2/entries:list", self.logging), Some(body), "logging entries.list").await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "logging entries.list", Some(a.status), error_message(&a)));
        }
        let mut out: Vec<LogLine> = a.json()["entries"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| LogLine {
                timestamp: e["timestamp"].as_str().unwrap_or_default().to_string(),
                message: e["textPayload"].as_str().map(str::to_string).unwrap_or_else(|| e["jsonPayload"].to_string()),
            })
            .collect();
        out.reverse();
        Ok(out)
    }

    async fn destroy(&self, cancel: &CancellationToken) -> Result<(), McError> {
        let a = self.api(reqwest::Method::DELETE, format!("{}/v2/{}", self.endpoint, self.fn_name()), None, "functions.delete").await?;
        if a.status == 404 {
            return Ok(());
        }
        if !a.ok() {
            return Err(McError::api(CLOUD, "functions.delete", Some(a.status), error_message(&a)));
        }
        self.wait(a.json(), "functions.delete", &|_| {}, cancel).await.map(|_| ())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use base64::Engine;

    #[test]
    fn jwt_is_a_valid_rs256_signature_with_the_documented_claims() {
        let pem = std::process::Command::new("openssl")
            .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
            .output()
            .expect("openssl is needed for this test");
        let der = super::pem_to_der(&String::from_utf8(pem.stdout).unwrap()).unwrap();
        let jwt = super::signed_jwt("sa@p.iam.gserviceaccount.com", "kid-1", &der, "https://oauth2.googleapis.com/token", 1_700_000_000).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let dec = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap();
        let header: serde_json::Value = serde_json::from_slice(&dec(parts[0])).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(&dec(parts[1])).unwrap();
        assert_eq!(header, serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "kid-1"}));
        assert_eq!(
            claims,
            serde_json::json!({"iss": "sa@p.iam.gserviceaccount.com", "scope": "https://www.googleapis.com/auth/cloud-platform",
                "aud": "https://oauth2.googleapis.com/token", "iat": 1_700_000_000, "exp": 1_700_003_600})
        );
        let key = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
        use aws_lc_rs::signature::KeyPair;
        let public = aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256, key.public_key().as_ref().to_vec());
        public.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &dec(parts[2])).expect("signature verifies");
    }
}
