//! AWS Lambda (REST-JSON API 2015-03-31), S3 PutObject and IAM, signed with SigV4.
//!
//! Traffic goes through an alias (default `live`). Each deploy publishes a version whose
//! description carries tusk's deploy hash; the alias's description remembers the version
//! it served before, for `rollback`. A canary is the alias's weighted routing.

use crate::cloud::{Change, Cloud, Desired, LogLine, Outcome, Report, State};
use crate::error::McError;
use crate::http::{self, Answer, error_message, send};
use crate::sigv4::{self, Credentials};
use crate::spec::{CloudId, Spec};
use crate::validate::runtime;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const CLOUD: &str = "aws";
/// Lambda's limit for a zip sent inline in the request.
pub const INLINE_LIMIT: usize = 50 * 1024 * 1024;

pub struct Aws {
    client: reqwest::Client,
    creds: Credentials,
    region: String,
    /// Lambda base URL.
    endpoint: String,
    /// Set when a custom endpoint is used (emulators): S3 and IAM go there too, path-style.
    custom: bool,
    name: String,
    alias: String,
    bucket: Option<String>,
    always_s3: bool,
    role: Option<String>,
    create_role: bool,
}

/// The standard credential chain, minus the parts that need AWS itself (SSO, IMDS,
/// container credentials): environment variables, then the shared credentials file.
pub fn credentials() -> Result<Credentials, McError> {
    let env = |k: &str| crate::envvar::var(k).ok().filter(|v| !v.is_empty());
    if let (Some(id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        return Ok(Credentials {
            access_key_id: id,
            secret_access_key: secret,
            session_token: env("AWS_SESSION_TOKEN"),
            source: "environment (AWS_ACCESS_KEY_ID)".into(),
        });
    }
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let file = env("AWS_SHARED_CREDENTIALS_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env("HOME").unwrap_or_default()).join(".aws/credentials"));
    if let Ok(text) = std::fs::read_to_string(&file) {
        let mut in_profile = false;
        let (mut id, mut secret, mut token) = (None, None, None);
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with('[') {
                in_profile = t.trim_matches(['[', ']']).trim() == profile;
                continue;
            }
            if !in_profile {
                continue;
            }
            if let Some((k, v)) = t.split_once('=') {
                let v = v.trim().to_string();
                match k.trim() {
                    "aws_access_key_id" => id = Some(v),
                    "aws_secret_access_key" => secret = Some(v),
                    "aws_session_token" => token = Some(v),
                    _ => {}
                }
            }
        }
        if let (Some(id), Some(secret)) = (id, secret) {
            return Ok(Credentials {
                access_key_id: id,
                secret_access_key: secret,
                session_token: token,
                source: format!("profile {profile} in {}", file.display()),
            });
        }
    }
    Err(McError::Credentials {
        cloud: CLOUD,
        looked_for: format!(
            "AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY in the environment; profile `{profile}` in {} (set AWS_PROFILE / AWS_SHARED_CREDENTIALS_FILE)",
            file.display()
        ),
    })
}

fn amz_date() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

impl Aws {
    pub fn new(spec: &Spec) -> Result<Aws, McError> {
        let a = spec.raw.aws.clone().unwrap_or_default();
        let creds = credentials()?;
        let region = a
            .region
            .clone()
            .or_else(|| crate::envvar::var("AWS_REGION").ok())
            .or_else(|| crate::envvar::var("AWS_DEFAULT_REGION").ok())
            .unwrap_or_else(|| "us-east-1".into());
        let custom_ep = a.endpoint.clone().or_else(|| crate::envvar::var("AWS_ENDPOINT_URL").ok().filter(|v| !v.is_empty()));
        let endpoint = custom_ep.clone().unwrap_or_else(|| format!("https://lambda.{region}.amazonaws.com"));
        Ok(Aws {
            client: http::client(),
            creds,
            region,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            custom: custom_ep.is_some(),
            name: spec.raw.name.clone(),
            alias: a.alias.clone().unwrap_or_else(|| "live".into()),
            bucket: a.bucket.clone(),
            always_s3: a.upload.as_deref() == Some("s3"),
            role: a.role.clone(),
            create_role: a.create_role,
        })
    }

    fn service_url(&self, service: &str) -> String {
        if self.custom {
            return self.endpoint.clone();
        }
        match service {
            "iam" => "https://iam.amazonaws.com".into(),
            "s3" => format!("https://s3.{}.amazonaws.com", self.region),
            _ => self.endpoint.clone(),
        }
    }

    /// Sends a signed request. `path` must be URI-encoded.
    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        service: &str,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Vec<u8>,
        content_type: Option<&str>,
        operation: &str,
    ) -> Result<Answer, McError> {
        let base = self.service_url(service);
        let url = reqwest::Url::parse(&format!("{base}{path}"))
            .map_err(|e| McError::op(CLOUD, format!("bad endpoint {base}: {e}")))?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => return Err(McError::op(CLOUD, format!("bad endpoint {base}"))),
        };
        let payload_hash = sigv4::sha256_hex(&body);
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(ct) = content_type {
            headers.push(("content-type".into(), ct.into()));
        }
        if service == "s3" {
            headers.push(("x-amz-content-sha256".into(), payload_hash.clone()));
        }
        let region = if service == "iam" { "us-east-1" } else { self.region.as_str() };
        let signed = sigv4::sign(
            &sigv4::Request { method, host: &host, path, query, headers: &headers, payload_sha256: &payload_hash },
            &self.creds,
            region,
            service,
            &amz_date(),
        );
        let mut full = url.clone();
        if !query.is_empty() {
            let q = query.iter().map(|(k, v)| format!("{}={}", sigv4::uri_encode(k, true), sigv4::uri_encode(v, true))).collect::<Vec<_>>().join("&");
            full.set_query(Some(&q));
        }
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut req = self.client.request(m, full).body(body);
        for (k, v) in headers.iter().chain(signed.iter()) {
            req = req.header(k.as_str(), v.as_str());
        }
        send(CLOUD, operation, req).await
    }

    /// An AWS JSON 1.1 call (`X-Amz-Target`), e.g. CloudWatch Logs.
    async fn call_target(&self, service: &str, target: &str, body: Vec<u8>) -> Result<Answer, McError> {
        let base = if self.custom { self.endpoint.clone() } else { format!("https://{service}.{}.amazonaws.com", self.region) };
        let url = reqwest::Url::parse(&format!("{base}/")).map_err(|e| McError::op(CLOUD, format!("bad endpoint {base}: {e}")))?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => return Err(McError::op(CLOUD, format!("bad endpoint {base}"))),
        };
        let headers = vec![("content-type".to_string(), "application/x-amz-json-1.1".to_string()), ("x-amz-target".to_string(), target.to_string())];
        let hash = sigv4::sha256_hex(&body);
        let signed = sigv4::sign(
            &sigv4::Request { method: "POST", host: &host, path: "/", query: &[], headers: &headers, payload_sha256: &hash },
            &self.creds,
            &self.region,
            service,
            &amz_date(),
        );
        let mut req = self.client.post(url).body(body);
        for (k, v) in headers.iter().chain(signed.iter()) {
            req = req.header(k.as_str(), v.as_str());
        }
        send(CLOUD, target, req).await
    }

    async fn lambda(&self, method: &str, path: &str, query: &[(String, String)], body: Option<Value>, op: &str) -> Result<Answer, McError> {
        let (bytes, ct) = match body {
            Some(b) => (serde_json::to_vec(&b).unwrap_or_default(), Some("application/json")),
            None => (Vec::new(), None),
        };
        self.call("lambda", method, path, query, bytes, ct, op).await
    }

    async fn lambda_ok(&self, method: &str, path: &str, body: Option<Value>, op: &str) -> Result<Value, McError> {
        let a = self.lambda(method, path, &[], body, op).await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, op, Some(a.status), error_message(&a)));
        }
        Ok(a.json())
    }

    fn fn_path(&self) -> String {
        format!("/2015-03-31/functions/{}", sigv4::uri_encode(&self.name, true))
    }

    async fn get_alias(&self) -> Result<Option<Value>, McError> {
        let a = self.lambda("GET", &format!("{}/aliases/{}", self.fn_path(), sigv4::uri_encode(&self.alias, true)), &[], None, "GetAlias").await?;
        // Any 2xx: moto answers GetAlias with 201.
        match a.status {
            s if (200..300).contains(&s) => Ok(Some(a.json())),
            404 => Ok(None),
            _ => Err(McError::api(CLOUD, "GetAlias", Some(a.status), error_message(&a))),
        }
    }

    async fn get_config(&self, qualifier: Option<&str>) -> Result<Option<Value>, McError> {
        let q: Vec<(String, String)> = qualifier.map(|v| vec![("Qualifier".to_string(), v.to_string())]).unwrap_or_default();
        let a = self.lambda("GET", &format!("{}/configuration", self.fn_path()), &q, None, "GetFunctionConfiguration").await?;
        match a.status {
            s if (200..300).contains(&s) => Ok(Some(a.json())),
            404 => Ok(None),
            _ => Err(McError::api(CLOUD, "GetFunctionConfiguration", Some(a.status), error_message(&a))),
        }
    }

    /// Waits until `LastUpdateStatus` is no longer InProgress (and `State` no longer Pending).
    async fn wait_ready(&self, report: Report<'_>, cancel: &CancellationToken) -> Result<Value, McError> {
        for attempt in 0..300u32 {
            let Some(c) = self.get_config(None).await? else {
                return Err(McError::op(CLOUD, "function disappeared while waiting"));
            };
            let state = c["State"].as_str().unwrap_or("Active");
            let last = c["LastUpdateStatus"].as_str().unwrap_or("Successful");
            if last == "Failed" || state == "Failed" {
                let reason = c["LastUpdateStatusReason"].as_str().or(c["StateReason"].as_str()).unwrap_or("no reason given");
                return Err(McError::op(CLOUD, format!("update failed: {reason}")));
            }
            if last != "InProgress" && state != "Pending" {
                return Ok(c);
            }
            report(&format!("waiting for LastUpdateStatus ({last})"));
            http::pause(cancel, Duration::from_millis(if attempt < 10 { 500 } else { 2000 })).await?;
        }
        Err(McError::op(CLOUD, "timed out waiting for LastUpdateStatus"))
    }

    fn role_name(&self) -> String {
        format!("tusk-{}-role", self.name)
    }

    async fn ensure_role(&self) -> Result<String, McError> {
        if let Some(r) = &self.role {
            return Ok(r.clone());
        }
        let name = self.role_name();
        let get = |action: &str| vec![("Action".to_string(), action.to_string()), ("Version".to_string(), "2010-05-08".to_string())];
        let mut q = get("GetRole");
        q.push(("RoleName".into(), name.clone()));
        let a = self.call("iam", "GET", "/", &q, Vec::new(), None, "iam:GetRole").await?;
        if a.ok() {
            return xml_field(&a.text(), "Arn").ok_or_else(|| McError::op(CLOUD, "GetRole answer has no Arn"));
        }
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let mut q = get("CreateRole");
        q.push(("RoleName".into(), name.clone()));
        q.push(("AssumeRolePolicyDocument".into(), trust.into()));
        let a = self.call("iam", "POST", "/", &q, Vec::new(), None, "iam:CreateRole").await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "iam:CreateRole", Some(a.status), error_message(&a)));
        }
        let arn = xml_field(&a.text(), "Arn").ok_or_else(|| McError::op(CLOUD, "CreateRole answer has no Arn"))?;
        let mut q = get("AttachRolePolicy");
        q.push(("RoleName".into(), name));
        q.push(("PolicyArn".into(), "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole".into()));
        let a = self.call("iam", "POST", "/", &q, Vec::new(), None, "iam:AttachRolePolicy").await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "iam:AttachRolePolicy", Some(a.status), error_message(&a)));
        }
        Ok(arn)
    }

    fn use_s3(&self, d: &Desired) -> bool {
        self.bucket.is_some() && (self.always_s3 || d.package.bytes.len() > INLINE_LIMIT)
    }

    fn s3_key(&self, d: &Desired) -> String {
        format!("tusk/{}/{}.zip", self.name, d.package.sha256)
    }

    async fn upload_s3(&self, d: &Desired) -> Result<Value, McError> {
        let bucket = self.bucket.clone().unwrap_or_default();
        let key = self.s3_key(d);
        // Path-style addressing: works on S3 and on emulators alike.
        let path = format!("/{}/{}", sigv4::uri_encode(&bucket, true), sigv4::uri_encode(&key, false));
        let a = self.call("s3", "PUT", &path, &[], d.package.bytes.clone(), Some("application/zip"), "s3:PutObject").await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "s3:PutObject", Some(a.status), error_message(&a)));
        }
        Ok(json!({"S3Bucket": bucket, "S3Key": key}))
    }

    fn code_field(&self, d: &Desired) -> Value {
        use base64::Engine;
        json!({"ZipFile": base64::engine::general_purpose::STANDARD.encode(&d.package.bytes)})
    }

    fn config_body(&self, d: &Desired, deploy_hash: &str) -> Value {
        let s = &d.spec.raw;
        json!({
            "Runtime": runtime(&s.runtime).and_then(|r| r.aws).unwrap_or_default(),
            "Handler": s.handler,
            "MemorySize": d.spec.memory_for(CloudId::Aws),
            "Timeout": d.spec.timeout_for(CloudId::Aws),
            "Environment": {"Variables": d.env},
            "Description": format!("tusk:{deploy_hash}"),
        })
    }

    fn arn(&self) -> String {
        format!("{}:{}", self.fn_arn_base(), self.alias)
    }

    fn fn_arn_base(&self) -> String {
        format!("arn:aws:lambda:{}:{{account}}:function:{}", self.region, self.name)
    }

    async fn set_alias(&self, version: &str, weights: Option<(&str, u8)>, previous: Option<&str>, create: bool) -> Result<Value, McError> {
        let routing = match weights {
            Some((v, p)) => json!({"AdditionalVersionWeights": {v: (p as f64) / 100.0}}),
            None => json!({"AdditionalVersionWeights": {}}),
        };
        let description = previous.map(|p| format!("tusk previous={p}")).unwrap_or_else(|| "tusk".into());
        if create {
            self.lambda_ok(
                "POST",
                &format!("{}/aliases", self.fn_path()),
                Some(json!({"Name": self.alias, "FunctionVersion": version, "RoutingConfig": routing, "Description": description})),
                "CreateAlias",
            )
            .await
        } else {
            self.lambda_ok(
                "PUT",
                &format!("{}/aliases/{}", self.fn_path(), sigv4::uri_encode(&self.alias, true)),
                Some(json!({"FunctionVersion": version, "RoutingConfig": routing, "Description": description})),
                "UpdateAlias",
            )
            .await
        }
    }

    fn deploy_hash(d: &Desired) -> String {
        d.deploy_hash(CloudId::Aws, "")
    }
}

pub(crate) fn rfc3339_ms(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

fn xml_field(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let s = xml.find(&open)? + open.len();
    let e = xml[s..].find(&format!("</{tag}>"))? + s;
    Some(xml[s..e].to_string())
}

fn canary_of(alias: &Value) -> Option<(String, u8)> {
    let w = alias["RoutingConfig"]["AdditionalVersionWeights"].as_object()?;
    let (v, weight) = w.iter().next()?;
    Some((v.clone(), (weight.as_f64().unwrap_or(0.0) * 100.0).round() as u8))
}

fn previous_of(alias: &Value) -> Option<String> {
    alias["Description"].as_str()?.strip_prefix("tusk previous=").map(str::to_string)
}

#[async_trait::async_trait]
impl Cloud for Aws {
    fn id(&self) -> CloudId {
        CloudId::Aws
    }

    fn target(&self) -> String {
        format!("aws:{}/{}:{}", self.region, self.name, self.alias)
    }

    async fn state(&self) -> Result<State, McError> {
        let Some(latest) = self.get_config(None).await? else {
            return Ok(State::default());
        };
        let alias = self.get_alias().await?;
        let mut st = State { exists: true, ..State::default() };
        let served = alias.as_ref().and_then(|a| a["FunctionVersion"].as_str().map(str::to_string));
        if let Some(v) = &served {
            if let Some(c) = self.get_config(Some(v)).await? {
                st.deploy_hash = c["Description"].as_str().and_then(|d| d.strip_prefix("tusk:")).map(str::to_string);
                st.code_hash = c["CodeSha256"].as_str().map(str::to_string);
            }
            st.url = alias.as_ref().and_then(|a| a["AliasArn"].as_str().map(str::to_string));
        }
        st.version = served.clone();
        st.canary = alias.as_ref().and_then(canary_of);
        st.restore = json!({
            "alias": alias,
            "latest_code": latest["CodeSha256"],
        });
        Ok(st)
    }

    fn plan(&self, state: &State, d: &Desired) -> Vec<String> {
        let hash = Self::deploy_hash(d);
        // Same code and configuration as what serves: nothing to deploy (nor to canary).
        if state.exists && state.deploy_hash.as_deref() == Some(hash.as_str()) && state.canary.is_none() {
            return vec![];
        }
        let base = format!("{}/2015-03-31/functions", self.endpoint);
        let mut out = Vec::new();
        if !state.exists && self.role.is_none() && self.create_role {
            out.push(format!("IAM GetRole/CreateRole {} (if missing)", self.role_name()));
        }
        if self.use_s3(d) {
            out.push(format!("PUT {}/{}/{} (S3 PutObject, {} bytes)", self.service_url("s3"), self.bucket.clone().unwrap_or_default(), self.s3_key(d), d.package.bytes.len()));
        }
        if state.exists {
            let latest = state.restore["latest_code"].as_str().unwrap_or_default();
            if latest != d.package.sha256_b64() {
                out.push(format!("PUT {base}/{}/code (UpdateFunctionCode, sha256 {})", self.name, &d.package.sha256[..12]));
            }
            out.push(format!("PUT {base}/{}/configuration (UpdateFunctionConfiguration)", self.name));
        } else {
            out.push(format!("POST {base} (CreateFunction {}, {} bytes)", self.name, d.package.bytes.len()));
        }
        out.push(format!("POST {base}/{}/versions (PublishVersion)", self.name));
        let routing = match d.traffic {
            Some(p) => format!(": {p}% to the new version"),
            None => ": 100% to the new version".to_string(),
        };
        if state.restore["alias"].is_null() {
            out.push(format!("POST {base}/{}/aliases (CreateAlias {}{routing})", self.name, self.alias));
        } else {
            out.push(format!("PUT {base}/{}/aliases/{} (UpdateAlias{routing})", self.name, self.alias));
        }
        out
    }

    async fn deploy(&self, state: &State, d: &Desired, report: Report<'_>, cancel: &CancellationToken) -> Result<Outcome, McError> {
        let hash = Self::deploy_hash(d);
        // Same code and configuration as what serves: nothing to deploy (nor to canary).
        if state.exists && state.deploy_hash.as_deref() == Some(hash.as_str()) && state.canary.is_none() {
            return Ok(Outcome { change: Change::UpToDate, version: state.version.clone(), url: state.url.clone(), detail: String::new() });
        }
        let code = if self.use_s3(d) {
            report("uploading to S3");
            self.upload_s3(d).await?
        } else {
            self.code_field(d)
        };
        let mut detail = Vec::new();
        if !state.exists {
            let role = self.ensure_role().await?;
            report("CreateFunction");
            let mut body = self.config_body(d, &hash);
            body["FunctionName"] = json!(self.name);
            body["Role"] = json!(role);
            body["Code"] = code;
            body["Publish"] = json!(false);
            // A role created seconds ago may not be assumable by Lambda yet (IAM is
            // eventually consistent): retry that one error for a while.
            let mut attempt = 0;
            loop {
                match self.lambda_ok("POST", "/2015-03-31/functions", Some(body.clone()), "CreateFunction").await {
                    Err(McError::Api { message, .. }) if message.contains("cannot be assumed") && self.role.is_none() && attempt < 10 => {
                        attempt += 1;
                        report("waiting for the new IAM role to propagate");
                        http::pause(cancel, Duration::from_secs(3)).await?;
                    }
                    other => {
                        other?;
                        break;
                    }
                }
            }
            detail.push("code+config");
        } else {
            let latest = state.restore["latest_code"].as_str().unwrap_or_default();
            if latest != d.package.sha256_b64() {
                report("UpdateFunctionCode");
                let mut body = code;
                body["Publish"] = json!(false);
                self.lambda_ok("PUT", &format!("{}/code", self.fn_path()), Some(body), "UpdateFunctionCode").await?;
                self.wait_ready(report, cancel).await?;
                detail.push("code");
            }
            let before = self.get_config(None).await?.unwrap_or(Value::Null);
            let want = self.config_body(d, &hash);
            let config_same = before["Runtime"] == want["Runtime"]
                && before["Handler"] == want["Handler"]
                && before["MemorySize"] == want["MemorySize"]
                && before["Timeout"] == want["Timeout"]
                && before["Environment"]["Variables"].as_object().cloned().unwrap_or_default()
                    == want["Environment"]["Variables"].as_object().cloned().unwrap_or_default();
            report("UpdateFunctionConfiguration");
            self.lambda_ok("PUT", &format!("{}/configuration", self.fn_path()), Some(want), "UpdateFunctionConfiguration").await?;
            if !config_same {
                detail.push("config");
            }
        }
        self.wait_ready(report, cancel).await?;
        report("PublishVersion");
        let v = self
            .lambda_ok("POST", &format!("{}/versions", self.fn_path()), Some(json!({"Description": format!("tusk:{hash}")})), "PublishVersion")
            .await?;
        let version = v["Version"].as_str().unwrap_or_default().to_string();
        if version.is_empty() {
            return Err(McError::op(CLOUD, "PublishVersion returned no version"));
        }
        report("alias");
        let alias_exists = !state.restore["alias"].is_null();
        let old = state.version.clone();
        let alias = match (d.traffic, &old) {
            (Some(p), Some(old_v)) if alias_exists && *old_v != version => {
                self.set_alias(old_v, Some((&version, p)), previous_of(&state.restore["alias"]).as_deref(), false).await?
            }
            _ => self.set_alias(&version, None, old.as_deref(), !alias_exists).await?,
        };
        let url = alias["AliasArn"].as_str().map(str::to_string).or_else(|| Some(self.arn()));
        let (change, detail) = match d.traffic {
            Some(p) if alias_exists => (Change::Canary, format!("{p}% → v{version}")),
            _ if !state.exists => (Change::Created, detail.join("+")),
            _ => (Change::Updated, if detail.is_empty() { "republished".into() } else { detail.join("+") }),
        };
        Ok(Outcome { change, version: Some(version), url, detail })
    }

    async fn restore(&self, before: &State, cancel: &CancellationToken) -> Result<(), McError> {
        if !before.exists {
            return self.destroy(cancel).await;
        }
        let alias = &before.restore["alias"];
        let Some(v) = alias["FunctionVersion"].as_str() else {
            return Ok(());
        };
        let routing = canary_of(alias);
        self.set_alias(v, routing.as_ref().map(|(cv, p)| (cv.as_str(), *p)), previous_of(alias).as_deref(), false).await?;
        Ok(())
    }

    async fn promote(&self, _cancel: &CancellationToken) -> Result<Outcome, McError> {
        let alias = self.get_alias().await?.ok_or_else(|| McError::op(CLOUD, format!("no alias {} on {}: deploy first", self.alias, self.name)))?;
        let Some((canary, p)) = canary_of(&alias) else {
            let v = alias["FunctionVersion"].as_str().map(str::to_string);
            return Ok(Outcome { change: Change::UpToDate, version: v, url: alias["AliasArn"].as_str().map(str::to_string), detail: "no canary".into() });
        };
        let old = alias["FunctionVersion"].as_str().unwrap_or_default().to_string();
        let a = self.set_alias(&canary, None, Some(&old), false).await?;
        Ok(Outcome { change: Change::Promoted, version: Some(canary.clone()), url: a["AliasArn"].as_str().map(str::to_string), detail: format!("{p}% → 100% v{canary}") })
    }

    async fn rollback(&self, _cancel: &CancellationToken) -> Result<Outcome, McError> {
        let alias = self.get_alias().await?.ok_or_else(|| McError::op(CLOUD, format!("no alias {} on {}: nothing to roll back", self.alias, self.name)))?;
        let current = alias["FunctionVersion"].as_str().unwrap_or_default().to_string();
        if let Some((canary, _)) = canary_of(&alias) {
            let a = self.set_alias(&current, None, previous_of(&alias).as_deref(), false).await?;
            return Ok(Outcome { change: Change::RolledBack, version: Some(current.clone()), url: a["AliasArn"].as_str().map(str::to_string), detail: format!("canary v{canary} dropped") });
        }
        let Some(prev) = previous_of(&alias) else {
            return Err(McError::op(CLOUD, format!("alias {} has no previous version to return to", self.alias)));
        };
        let a = self.set_alias(&prev, None, None, false).await?;
        Ok(Outcome { change: Change::RolledBack, version: Some(prev.clone()), url: a["AliasArn"].as_str().map(str::to_string), detail: format!("v{current} → v{prev}") })
    }

    async fn invoke(&self, payload: &[u8]) -> Result<Vec<u8>, McError> {
        let q = vec![("Qualifier".to_string(), self.alias.clone())];
        let a = self.call("lambda", "POST", &format!("{}/invocations", self.fn_path()), &q, payload.to_vec(), Some("application/json"), "Invoke").await?;
        if !a.ok() {
            return Err(McError::api(CLOUD, "Invoke", Some(a.status), error_message(&a)));
        }
        if let Some(err) = a.header("x-amz-function-error") {
            return Err(McError::api(CLOUD, "Invoke", Some(a.status), format!("function error ({err}): {}", a.text())));
        }
        Ok(a.body)
    }

    async fn logs(&self, since_unix_ms: i64, limit: u32) -> Result<Vec<LogLine>, McError> {
        let body = json!({"logGroupName": format!("/aws/lambda/{}", self.name), "startTime": since_unix_ms, "limit": limit});
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let a = self.call_target("logs", "Logs_20140328.FilterLogEvents", bytes).await?;
        if a.status == 400 && error_message(&a).contains("ResourceNotFoundException") {
            return Ok(Vec::new());
        }
        if !a.ok() {
            return Err(McError::api(CLOUD, "logs:FilterLogEvents", Some(a.status), error_message(&a)));
        }
        let mut out: Vec<(i64, LogLine)> = a.json()["events"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| {
                let ts = e["timestamp"].as_i64().unwrap_or(0);
                (ts, LogLine { timestamp: rfc3339_ms(ts), message: e["message"].as_str().unwrap_or_default().trim_end().to_string() })
            })
            .collect();
        out.sort_by_key(|(ts, _)| *ts);
        Ok(out.into_iter().map(|(_, l)| l).collect())
    }

    async fn destroy(&self, _cancel: &CancellationToken) -> Result<(), McError> {
        let a = self.lambda("DELETE", &self.fn_path(), &[], None, "DeleteFunction").await?;
        if a.ok() || a.status == 404 {
            return Ok(());
        }
        Err(McError::api(CLOUD, "DeleteFunction", Some(a.status), error_message(&a)))
    }
}
