//! Azure Functions on Flex Consumption: Azure Resource Manager (REST, api-version
//! 2024-04-01 for Microsoft.Web), the package in Blob Storage (REST + account SAS), and the
//! Kudu/OneDeploy `POST /api/publish` pull deployment, polled on `/api/deployments/latest`.
//!
//! Credentials, in order: a service principal (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
//! `AZURE_CLIENT_SECRET`; token from `$AZURE_AUTHORITY_HOST`, default
//! login.microsoftonline.com), managed identity (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`),
//! then the Azure CLI (`az account get-access-token`). The site's tags carry tusk's hashes.

use crate::cloud::{Change, Cloud, Desired, Outcome, Report, State};
use crate::error::McError;
use crate::http::{self, Answer, error_message, send};
use crate::spec::{CloudId, Spec};
use crate::validate::runtime;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

const CLOUD: &str = "azure";
const WEB_API: &str = "2024-04-01";
const STORAGE_API: &str = "2023-05-01";
const RG_API: &str = "2021-04-01";
const SAS_VERSION: &str = "2021-12-02";

#[derive(Clone)]
enum Auth {
    ClientSecret { tenant: String, client_id: String, secret: String, authority: String },
    ManagedIdentity { endpoint: String, header: String },
    Cli,
}

pub struct Azure {
    client: reqwest::Client,
    auth: Auth,
    token: Mutex<Option<String>>,
    sub: String,
    rg: String,
    location: String,
    app: String,
    sa: String,
    fn_name: String,
    arm: String,
    blob: String,
    scm_override: Option<String>,
}

fn credentials() -> Result<Auth, McError> {
    let env = |k: &str| crate::envvar::var(k).ok().filter(|v| !v.is_empty());
    if let (Some(tenant), Some(client_id), Some(secret)) = (env("AZURE_TENANT_ID"), env("AZURE_CLIENT_ID"), env("AZURE_CLIENT_SECRET")) {
        let authority = env("AZURE_AUTHORITY_HOST").unwrap_or_else(|| "https://login.microsoftonline.com".into());
        return Ok(Auth::ClientSecret { tenant, client_id, secret, authority: authority.trim_end_matches('/').to_string() });
    }
    if let (Some(endpoint), Some(header)) = (env("IDENTITY_ENDPOINT"), env("IDENTITY_HEADER")) {
        return Ok(Auth::ManagedIdentity { endpoint, header });
    }
    let az_on_path = crate::envvar::var_os_path().is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("az").is_file()));
    if az_on_path {
        return Ok(Auth::Cli);
    }
    Err(McError::Credentials {
        cloud: CLOUD,
        looked_for: "AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET (service principal); IDENTITY_ENDPOINT + IDENTITY_HEADER (managed identity); the `az` CLI on PATH (az login)".into(),
    })
}

/// An account SAS (blob service, all resource types) signed with an account key.
pub fn account_sas(account: &str, key_b64: &str, permissions: &str, http_allowed: bool, now: time::OffsetDateTime) -> Result<String, McError> {
    let fmt = |t: time::OffsetDateTime| {
        format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second())
    };
    let st = fmt(now - time::Duration::minutes(5));
    let se = fmt(now + time::Duration::hours(1));
    let spr = if http_allowed { "https,http" } else { "https" };
    let sts = format!("{account}\n{permissions}\nb\nsco\n{st}\n{se}\n\n{spr}\n{SAS_VERSION}\n\n");
    let key = base64::engine::general_purpose::STANDARD
        .decode(key_b64)
        .map_err(|e| McError::op(CLOUD, format!("storage account key is not base64: {e}")))?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).map_err(|_| McError::op(CLOUD, "bad storage key"))?;
    mac.update(sts.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let e = |s: &str| crate::http::uri_encode(s, true);
    Ok(format!("sv={SAS_VERSION}&ss=b&srt=sco&sp={permissions}&st={}&se={}&spr={}&sig={}", e(&st), e(&se), e(spr), e(&sig)))
}

impl Azure {
    pub fn connect(spec: &Spec) -> Result<std::sync::Arc<dyn Cloud>, McError> {
        let a = spec.raw.azure.clone().unwrap_or_default();
        let auth = credentials()?;
        let sa = a.storage_account.clone().unwrap_or_default();
        Ok(std::sync::Arc::new(Azure {
            client: http::client(),
            auth,
            token: Mutex::new(None),
            sub: a.subscription.clone().or_else(|| crate::envvar::var("AZURE_SUBSCRIPTION_ID").ok()).unwrap_or_default(),
            rg: a.resource_group.clone().unwrap_or_default(),
            location: a.location.clone().unwrap_or_default(),
            app: a.app.clone().unwrap_or_else(|| spec.raw.name.clone()),
            fn_name: spec.raw.name.clone(),
            arm: a.arm_endpoint.clone().unwrap_or_else(|| "https://management.azure.com".into()).trim_end_matches('/').to_string(),
            blob: a.blob_endpoint.clone().unwrap_or_else(|| format!("https://{sa}.blob.core.windows.net")).trim_end_matches('/').to_string(),
            sa,
            scm_override: a.scm_endpoint.clone().map(|s| s.trim_end_matches('/').to_string()),
        }))
    }

    async fn token(&self) -> Result<String, McError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref() {
            return Ok(t.clone());
        }
        let token = match &self.auth {
            Auth::ClientSecret { tenant, client_id, secret, authority } => {
                let e = |s: &str| crate::http::uri_encode(s, true);
                let form = format!(
                    "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
                    e(client_id),
                    e(secret),
                    e("https://management.azure.com/.default")
                );
                let url = format!("{authority}/{tenant}/oauth2/v2.0/token");
                let a = send(CLOUD, "token", self.client.post(url).header("content-type", "application/x-www-form-urlencoded").body(form)).await?;
                if !a.ok() {
                    return Err(McError::api(CLOUD, "token (client secret)", Some(a.status), error_message(&a)));
                }
                a.json()["access_token"].as_str().unwrap_or_default().to_string()
            }
            Auth::ManagedIdentity { endpoint, header } => {
                let url = format!("{endpoint}?api-version=2019-08-01&resource={}", crate::http::uri_encode("https://management.azure.com/", true));
                let a = send(CLOUD, "token", self.client.get(url).header("X-IDENTITY-HEADER", header)).await?;
                if !a.ok() {
                    return Err(McError::api(CLOUD, "token (managed identity)", Some(a.status), error_message(&a)));
                }
                a.json()["access_token"].as_str().unwrap_or_default().to_string()
            }
            Auth::Cli => {
                let out = tokio::process::Command::new("az")
                    .args(["account", "get-access-token", "--resource", "https://management.azure.com/", "-o", "json"])
                    .output()
                    .await
                    .map_err(|e| McError::op(CLOUD, format!("running az: {e}")))?;
                if !out.status.success() {
                    return Err(McError::Credentials { cloud: CLOUD, looked_for: format!("az account get-access-token failed: {}", String::from_utf8_lossy(&out.stderr).trim()) });
                }
                let j: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
                j["accessToken"].as_str().unwrap_or_default().to_string()
            }
        };
        if token.is_empty() {
            return Err(McError::op(CLOUD, "the token answer has no access token"));
        }
        *cached = Some(token.clone());
        Ok(token)
    }

    fn rg_path(&self) -> String {
        format!("/subscriptions/{}/resourceGroups/{}", self.sub, self.rg)
    }
    fn site_path(&self) -> String {
        format!("{}/providers/Microsoft.Web/sites/{}", self.rg_path(), self.app)
    }

    async fn arm(&self, method: reqwest::Method, path: &str, api: &str, body: Option<Value>, op: &str) -> Result<Answer, McError> {
        let token = self.token().await?;
        let url = format!("{}{path}?api-version={api}", self.arm);
        let mut req = self.client.request(method, url).bearer_auth(token);
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        } else {
            req = req.header("content-length", "0");
        }
        for attempt in 0..5u32 {
            let Some(r) = req.try_clone() else { break };
            let a = send(CLOUD, op, r).await?;
            if a.status == 429 && attempt < 4 {
                let wait = a.header("retry-after").and_then(|s| s.parse::<u64>().ok()).unwrap_or(1);
                tokio::time::sleep(Duration::from_secs(wait.min(30))).await;
                continue;
            }
            return Ok(a);
        }
        send(CLOUD, op, req).await
    }

    /// Runs an ARM call and follows its long-running operation to the end.
    #[allow(clippy::too_many_arguments)]
    async fn arm_lro(&self, method: reqwest::Method, path: &str, api: &str, body: Option<Value>, op: &str, report: Report<'_>, cancel: &CancellationToken) -> Result<Value, McError> {
        let a = self.arm(method, path, api, body, op).await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, op, Some(a.status), error_message(&a)));
        }
        if a.status == 202 || a.status == 201 {
            if let Some(url) = a.header("azure-asyncoperation") {
                for _ in 0..600 {
                    let token = self.token().await?;
                    let p = send(CLOUD, op, self.client.get(&url).bearer_auth(token)).await?;
                    let status = p.json()["status"].as_str().unwrap_or("InProgress").to_string();
                    match status.as_str() {
                        "Succeeded" => return Ok(a.json()),
                        "Failed" | "Canceled" => return Err(McError::api(CLOUD, op, Some(p.status), error_message(&p))),
                        _ => {}
                    }
                    report(&format!("{op}: {status}"));
                    let wait = p.header("retry-after").and_then(|s| s.parse::<u64>().ok()).map(Duration::from_secs).unwrap_or(Duration::from_millis(300));
                    http::pause(cancel, wait.min(Duration::from_secs(10))).await?;
                }
                return Err(McError::op(CLOUD, format!("{op}: operation did not finish")));
            }
            if a.status == 202
                && let Some(url) = a.header("location")
            {
                for _ in 0..600 {
                    let token = self.token().await?;
                    let p = send(CLOUD, op, self.client.get(&url).bearer_auth(token)).await?;
                    if p.status != 202 {
                        if p.ok() {
                            return Ok(p.json());
                        }
                        return Err(McError::api(CLOUD, op, Some(p.status), error_message(&p)));
                    }
                    report(&format!("{op}: in progress"));
                    http::pause(cancel, Duration::from_millis(300)).await?;
                }
            }
        }
        Ok(a.json())
    }

    async fn get_site(&self) -> Result<Option<Value>, McError> {
        let a = self.arm(reqwest::Method::GET, &self.site_path(), WEB_API, None, "sites.get").await?;
        match a.status {
            200 => Ok(Some(a.json())),
            404 => Ok(None),
            _ => Err(McError::api(CLOUD, "sites.get", Some(a.status), error_message(&a))),
        }
    }

    fn site_body(&self, d: &Desired, tags: Value) -> Value {
        let (rt, ver) = runtime(&d.spec.raw.runtime).and_then(|r| r.azure).unwrap_or(("custom", ""));
        json!({
            "location": self.location,
            "kind": "functionapp,linux",
            "identity": {"type": "SystemAssigned"},
            "tags": tags,
            "properties": {
                "serverFarmId": format!("{}/providers/Microsoft.Web/serverfarms/{}-plan", self.rg_path(), self.app),
                "httpsOnly": true,
                "functionAppConfig": {
                    "deployment": {"storage": {
                        "type": "blobContainer",
                        "value": format!("{}/{}", self.blob, self.container()),
                        "authentication": {"type": "SystemAssignedIdentity"}
                    }},
                    "runtime": {"name": rt, "version": ver},
                    "scaleAndConcurrency": {"maximumInstanceCount": 100, "instanceMemoryMB": d.spec.memory_for(CloudId::Azure)}
                }
            }
        })
    }

    fn container(&self) -> String {
        let c = format!("app-package-{}", self.app.to_ascii_lowercase());
        c.chars().take(63).collect()
    }

    fn settings(&self, d: &Desired) -> Value {
        let mut p = serde_json::Map::new();
        p.insert("AzureWebJobsStorage__accountName".into(), json!(self.sa));
        for (k, v) in &d.env {
            p.insert(k.clone(), json!(v));
        }
        json!({"properties": p})
    }

    async fn scm(&self, site: Option<&Value>) -> Result<String, McError> {
        if let Some(s) = &self.scm_override {
            return Ok(s.clone());
        }
        let fetched;
        let site = match site {
            Some(s) => s,
            None => {
                fetched = self.get_site().await?.ok_or_else(|| McError::op(CLOUD, "site not found"))?;
                &fetched
            }
        };
        let host = site["properties"]["hostNameSslStates"]
            .as_array()
            .and_then(|a| a.iter().find(|h| h["hostType"] == "Repository"))
            .and_then(|h| h["name"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}.scm.azurewebsites.net", self.app));
        Ok(format!("https://{host}"))
    }

    async fn sas(&self, report: Report<'_>) -> Result<String, McError> {
        report("storageAccounts.listKeys");
        let path = format!("{}/providers/Microsoft.Storage/storageAccounts/{}/listKeys", self.rg_path(), self.sa);
        let a = self.arm(reqwest::Method::POST, &path, STORAGE_API, None, "storageAccounts.listKeys").await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "storageAccounts.listKeys", Some(a.status), error_message(&a)));
        }
        let key = a.json()["keys"][0]["value"].as_str().map(str::to_string).ok_or_else(|| McError::op(CLOUD, "listKeys returned no key"))?;
        account_sas(&self.sa, &key, "racwl", self.blob.starts_with("http://"), time::OffsetDateTime::now_utc())
    }

    /// Creates the deployment container (Flex requires it before the site references it).
    async fn ensure_container(&self, sas: &str) -> Result<(), McError> {
        let c = send(
            CLOUD,
            "create container",
            self.client.put(format!("{}/{}?restype=container&{sas}", self.blob, self.container())).header("x-ms-version", SAS_VERSION).header("content-length", "0"),
        )
        .await?;
        if !c.ok() && c.status != 409 {
            return Err(McError::api(CLOUD, "create container", Some(c.status), error_message(&c)));
        }
        Ok(())
    }

    async fn upload(&self, d: &Desired, sas: &str, report: Report<'_>) -> Result<String, McError> {
        report("uploading package to Blob Storage");
        self.ensure_container(sas).await?;
        let blob_url = format!("{}/{}/{}.zip", self.blob, self.container(), d.code_hash());
        let b = send(
            CLOUD,
            "put blob",
            self.client
                .put(format!("{blob_url}?{sas}"))
                .header("x-ms-version", SAS_VERSION)
                .header("x-ms-blob-type", "BlockBlob")
                .header("content-type", "application/zip")
                .body(d.package.bytes.clone()),
        )
        .await?;
        if !b.ok() {
            return Err(McError::api(CLOUD, "put blob", Some(b.status), error_message(&b)));
        }
        Ok(blob_url)
    }

    /// OneDeploy pull deployment of a package URL; returns the deployment id.
    async fn publish(&self, scm: &str, package_url: &str, report: Report<'_>, cancel: &CancellationToken) -> Result<String, McError> {
        report("POST /api/publish");
        let token = self.token().await?;
        let url = format!("{scm}/api/publish?RemoteBuild=false&Deployer=tusk&type=zip");
        let a = send(CLOUD, "publish", self.client.post(url).bearer_auth(&token).header("content-type", "application/json").body(json!({"packageUri": package_url}).to_string())).await?;
        if a.status == 409 {
            return Err(McError::api(CLOUD, "publish", Some(409), "another deployment is in progress"));
        }
        if !a.ok() {
            return Err(McError::api(CLOUD, "publish", Some(a.status), error_message(&a)));
        }
        let poll = a.header("location").unwrap_or_else(|| format!("{scm}/api/deployments/latest"));
        for attempt in 0..450u32 {
            let p = send(CLOUD, "deployment status", self.client.get(&poll).bearer_auth(&token)).await?;
            let j = p.json();
            match j["status"].as_i64() {
                Some(4) | Some(5) => return Ok(j["id"].as_str().unwrap_or_default().to_string()),
                Some(3) => {
                    let msg = j["status_text"].as_str().filter(|s| !s.is_empty()).or(j["message"].as_str()).unwrap_or("deployment failed");
                    return Err(McError::api(CLOUD, "deployment", None, format!("Kudu deployment {} failed: {msg}", j["id"].as_str().unwrap_or("?"))));
                }
                _ => {}
            }
            if !p.ok() && p.status != 202 {
                return Err(McError::api(CLOUD, "deployment status", Some(p.status), error_message(&p)));
            }
            report(&format!("deployment: {}", j["progress"].as_str().filter(|s| !s.is_empty()).unwrap_or("in progress")));
            http::pause(cancel, Duration::from_millis(if attempt < 10 { 300 } else { 2000 })).await?;
        }
        Err(McError::op(CLOUD, "deployment did not finish"))
    }

    async fn set_tags(&self, tags: Value) -> Result<Value, McError> {
        let a = self.arm(reqwest::Method::PATCH, &self.site_path(), WEB_API, Some(json!({"tags": tags})), "sites.update (tags)").await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "sites.update", Some(a.status), error_message(&a)));
        }
        Ok(a.json())
    }

    fn url_of(&self, site: &Value) -> Option<String> {
        let host = site["properties"]["defaultHostName"].as_str()?;
        let scheme = if self.arm.starts_with("http://") { "http" } else { "https" };
        Some(format!("{scheme}://{host}/api/{}", self.fn_name))
    }
}

fn tag(site: &Value, k: &str) -> Option<String> {
    site["tags"][k].as_str().map(str::to_string)
}

#[async_trait::async_trait]
impl Cloud for Azure {
    fn id(&self) -> CloudId {
        CloudId::Azure
    }

    fn target(&self) -> String {
        format!("azure:{}/{}/{}", self.sub, self.rg, self.app)
    }

    async fn state(&self) -> Result<State, McError> {
        let Some(site) = self.get_site().await? else {
            return Ok(State::default());
        };
        let settings = self.arm(reqwest::Method::POST, &format!("{}/config/appsettings/list", self.site_path()), WEB_API, None, "appsettings.list").await?;
        let settings = if settings.ok() { settings.json() } else { Value::Null };
        Ok(State {
            exists: true,
            deploy_hash: tag(&site, "tusk-hash"),
            code_hash: tag(&site, "tusk-code"),
            version: tag(&site, "tusk-deployment"),
            canary: None,
            url: self.url_of(&site),
            restore: json!({"site": site, "settings": settings}),
        })
    }

    fn plan(&self, state: &State, d: &Desired) -> Vec<String> {
        if state.deploy_hash.as_deref() == Some(d.deploy_hash(CloudId::Azure, &self.app).as_str()) {
            return vec![];
        }
        let mut out = Vec::new();
        let arm = &self.arm;
        if !state.exists {
            out.push(format!("PUT {arm}/subscriptions/{}/resourcegroups/{}?api-version={RG_API}", self.sub, self.rg));
            out.push(format!("PUT {arm}{}/providers/Microsoft.Web/serverfarms/{}-plan?api-version={WEB_API} (FC1 FlexConsumption)", self.rg_path(), self.app));
            out.push(format!("POST {arm}{}/providers/Microsoft.Storage/storageAccounts/{}/listKeys?api-version={STORAGE_API}", self.rg_path(), self.sa));
            out.push(format!("PUT {}/{}?restype=container (SAS)", self.blob, self.container()));
        }
        out.push(format!("PUT {arm}{}?api-version={WEB_API} (functionAppConfig, poll Azure-AsyncOperation)", self.site_path()));
        out.push(format!("PUT {arm}{}/config/appsettings?api-version={WEB_API}", self.site_path()));
        if state.code_hash.as_deref() != Some(d.code_hash().as_str()) {
            if state.exists {
                out.push(format!("POST {arm}{}/providers/Microsoft.Storage/storageAccounts/{}/listKeys?api-version={STORAGE_API}", self.rg_path(), self.sa));
            }
            out.push(format!("PUT {}/{}/{}.zip ({} bytes, SAS)", self.blob, self.container(), d.code_hash(), d.package.bytes.len()));
            out.push("POST <scm>/api/publish?RemoteBuild=false (packageUri), poll /api/deployments/latest".into());
        }
        out.push(format!("PATCH {arm}{}?api-version={WEB_API} (tags)", self.site_path()));
        out
    }

    async fn deploy(&self, state: &State, d: &Desired, report: Report<'_>, cancel: &CancellationToken) -> Result<Outcome, McError> {
        let hash = d.deploy_hash(CloudId::Azure, &self.app);
        if state.deploy_hash.as_deref() == Some(hash.as_str()) {
            return Ok(Outcome { change: Change::UpToDate, version: state.version.clone(), url: state.url.clone(), detail: String::new() });
        }
        let old_site = &state.restore["site"];
        let code_changed = state.code_hash.as_deref() != Some(d.code_hash().as_str());
        let config_hash = d.config_hash(CloudId::Azure, &self.app)[..40].to_string();
        let config_changed = tag(old_site, "tusk-config").as_deref() != Some(config_hash.as_str());
        if !state.exists {
            report("resource group");
            let a = self.arm(reqwest::Method::PUT, &format!("/subscriptions/{}/resourcegroups/{}", self.sub, self.rg), RG_API, Some(json!({"location": self.location})), "resourceGroups.createOrUpdate").await?;
            if !a.ok() {
                return Err(McError::api(CLOUD, "resourceGroups.createOrUpdate", Some(a.status), error_message(&a)));
            }
            report("Flex Consumption plan");
            self.arm_lro(
                reqwest::Method::PUT,
                &format!("{}/providers/Microsoft.Web/serverfarms/{}-plan", self.rg_path(), self.app),
                WEB_API,
                Some(json!({"location": self.location, "kind": "functionapp", "sku": {"name": "FC1", "tier": "FlexConsumption"}, "properties": {"reserved": true}})),
                "serverfarms.createOrUpdate",
                report,
                cancel,
            )
            .await?;
        }
        let mut sas = None;
        if !state.exists {
            let token = self.sas(report).await?;
            report("deployment container");
            self.ensure_container(&token).await?;
            sas = Some(token);
        }
        let mut site = old_site.clone();
        if !state.exists || config_changed {
            report("function app");
            let mut tags = old_site["tags"].as_object().cloned().unwrap_or_default();
            tags.insert("managed-by".into(), json!("tusk"));
            self.arm_lro(reqwest::Method::PUT, &self.site_path(), WEB_API, Some(self.site_body(d, Value::Object(tags))), "sites.createOrUpdate", report, cancel).await?;
            report("app settings");
            let a = self.arm(reqwest::Method::PUT, &format!("{}/config/appsettings", self.site_path()), WEB_API, Some(self.settings(d)), "appsettings.update").await?;
            if !a.ok() {
                return Err(McError::api(CLOUD, "appsettings.update", Some(a.status), error_message(&a)));
            }
            site = self.get_site().await?.ok_or_else(|| McError::op(CLOUD, "site missing after create"))?;
        }
        let mut deployment = tag(old_site, "tusk-deployment");
        if code_changed {
            let sas = match sas {
                Some(s) => s,
                None => self.sas(report).await?,
            };
            let blob_url = self.upload(d, &sas, report).await?;
            let scm = self.scm(Some(&site)).await?;
            deployment = Some(self.publish(&scm, &format!("{blob_url}?{sas}"), report, cancel).await?);
        }
        let mut tags = site["tags"].as_object().cloned().unwrap_or_default();
        tags.insert("managed-by".into(), json!("tusk"));
        tags.insert("tusk-hash".into(), json!(hash));
        tags.insert("tusk-code".into(), json!(d.code_hash()));
        tags.insert("tusk-config".into(), json!(config_hash));
        if let Some(dep) = &deployment {
            tags.insert("tusk-deployment".into(), json!(dep));
        }
        if code_changed && let Some(prev) = &state.code_hash {
            tags.insert("tusk-prev-code".into(), json!(prev));
        }
        let site = self.set_tags(Value::Object(tags)).await?;
        let detail = match (code_changed, config_changed || !state.exists) {
            (true, true) => "code+config",
            (true, false) => "code",
            _ => "config",
        };
        Ok(Outcome {
            change: if state.exists { Change::Updated } else { Change::Created },
            version: deployment,
            url: self.url_of(&site),
            detail: detail.into(),
        })
    }

    async fn restore(&self, before: &State, cancel: &CancellationToken) -> Result<(), McError> {
        if !before.exists {
            return self.destroy(cancel).await;
        }
        let site = &before.restore["site"];
        let body = json!({"location": site["location"], "kind": site["kind"], "identity": site["identity"], "tags": site["tags"], "properties": {
            "serverFarmId": site["properties"]["serverFarmId"], "httpsOnly": site["properties"]["httpsOnly"], "functionAppConfig": site["properties"]["functionAppConfig"]}});
        self.arm_lro(reqwest::Method::PUT, &self.site_path(), WEB_API, Some(body), "sites.createOrUpdate (restore)", &|_| {}, cancel).await?;
        let settings = &before.restore["settings"];
        if settings["properties"].is_object() {
            self.arm(reqwest::Method::PUT, &format!("{}/config/appsettings", self.site_path()), WEB_API, Some(json!({"properties": settings["properties"]})), "appsettings.update (restore)").await?;
        }
        let now = self.get_site().await?.unwrap_or(Value::Null);
        let mut tags = site["tags"].clone();
        if let Some(code) = &before.code_hash
            && tag(&now, "tusk-code").as_deref() != Some(code.as_str())
        {
            let sas = self.sas(&|_| {}).await?;
            let scm = self.scm(Some(&now)).await?;
            let dep = self.publish(&scm, &format!("{}/{}/{code}.zip?{sas}", self.blob, self.container()), &|_| {}, cancel).await?;
            tags["tusk-deployment"] = json!(dep);
        }
        self.set_tags(tags).await?;
        Ok(())
    }

    async fn promote(&self, _cancel: &CancellationToken) -> Result<Outcome, McError> {
        let site = self.get_site().await?.ok_or_else(|| McError::op(CLOUD, format!("{} is not deployed", self.app)))?;
        Ok(Outcome { change: Change::UpToDate, version: tag(&site, "tusk-deployment"), url: self.url_of(&site), detail: "no canary (Flex Consumption has no slots)".into() })
    }

    async fn rollback(&self, cancel: &CancellationToken) -> Result<Outcome, McError> {
        let site = self.get_site().await?.ok_or_else(|| McError::op(CLOUD, format!("{} is not deployed", self.app)))?;
        let Some(prev) = tag(&site, "tusk-prev-code") else {
            return Err(McError::op(CLOUD, "no previous package recorded to roll back to"));
        };
        let cur = tag(&site, "tusk-code").unwrap_or_default();
        let sas = self.sas(&|_| {}).await?;
        let scm = self.scm(Some(&site)).await?;
        let dep = self.publish(&scm, &format!("{}/{}/{prev}.zip?{sas}", self.blob, self.container()), &|_| {}, cancel).await?;
        let mut tags = site["tags"].as_object().cloned().unwrap_or_default();
        tags.insert("tusk-code".into(), json!(prev));
        tags.insert("tusk-prev-code".into(), json!(cur));
        tags.insert("tusk-hash".into(), json!("rolled-back"));
        tags.insert("tusk-deployment".into(), json!(dep));
        let site = self.set_tags(Value::Object(tags)).await?;
        Ok(Outcome { change: Change::RolledBack, version: Some(dep), url: self.url_of(&site), detail: format!("package {} → {}", &cur[..8.min(cur.len())], &prev[..8.min(prev.len())]) })
    }

    async fn invoke(&self, payload: &[u8]) -> Result<Vec<u8>, McError> {
        let site = self.get_site().await?.ok_or_else(|| McError::op(CLOUD, format!("{} is not deployed", self.app)))?;
        let url = self.url_of(&site).ok_or_else(|| McError::op(CLOUD, "site has no defaultHostName"))?;
        let keys = self.arm(reqwest::Method::POST, &format!("{}/host/default/listkeys", self.site_path()), WEB_API, None, "host.listKeys").await?;
        if !keys.ok() {
            return Err(McError::api(CLOUD, "host.listKeys", Some(keys.status), error_message(&keys)));
        }
        let key = keys.json()["functionKeys"]["default"].as_str().or(keys.json()["masterKey"].as_str()).unwrap_or_default().to_string();
        let a = send(CLOUD, "invoke", self.client.post(url).header("x-functions-key", key).header("content-type", "application/json").body(payload.to_vec())).await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "invoke", Some(a.status), error_message(&a)));
        }
        Ok(a.body)
    }

    async fn destroy(&self, _cancel: &CancellationToken) -> Result<(), McError> {
        let a = self.arm(reqwest::Method::DELETE, &self.site_path(), WEB_API, None, "sites.delete").await?;
        if a.ok() || a.status == 404 {
            return Ok(());
        }
        Err(McError::api(CLOUD, "sites.delete", Some(a.status), error_message(&a)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    #[test]
    fn sas_matches_the_documented_string_to_sign() {
        // The field order and encoding of an account SAS (service version 2021-12-02); whether
        // the signature is right is what Azurite checks in tests/clouds.rs.
        let now = time::macros::datetime!(2026-11-22 06:00:00 UTC);
        let sas = super::account_sas("devstoreaccount1", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==", "racwl", true, now).unwrap();
        assert!(sas.starts_with("sv=2021-12-02&ss=b&srt=sco&sp=racwl&st=2026-11-22T05%3A55%3A00Z&se=2026-11-22T07%3A00%3A00Z&spr=https%2Chttp&sig="), "{sas}");
    }
}
