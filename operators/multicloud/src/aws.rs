//! AWS Lambda, S3, IAM and CloudWatch Logs through the official AWS SDK for Rust.
//!
//! Credentials, region and profiles come from `aws-config`'s standard chain (environment,
//! shared config/credentials files with profiles, SSO and `credential_process`, web identity,
//! ECS container credentials, EC2 instance metadata); the SDK signs every request.
//!
//! Traffic goes through an alias (default `live`). Each deploy publishes a version whose
//! description carries tusk's deploy hash; the alias's description remembers the version
//! it served before, for `rollback`. A canary is the alias's weighted routing.
//!
//! The SDK's answers are turned into the JSON shapes of the Lambda API (`State`,
//! `LastUpdateStatus`, `RoutingConfig.AdditionalVersionWeights`, …) so that what `state`
//! records for `--atomic` keeps one form.

use crate::cloud::{Change, Cloud, Desired, LogLine, Outcome, Report, State};
use crate::error::McError;
use crate::http;
use crate::spec::{CloudId, Spec};
use crate::validate::runtime;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_lambda::config::ProvideCredentials;
use aws_sdk_lambda::config::http::HttpResponse;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{AliasRoutingConfiguration, Environment, FunctionCode, Runtime};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const CLOUD: &str = "aws";
/// Lambda's limit for a zip sent inline in the request.
pub const INLINE_LIMIT: usize = 50 * 1024 * 1024;

pub struct Aws {
    lambda: aws_sdk_lambda::Client,
    s3: aws_sdk_s3::Client,
    iam: aws_sdk_iam::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    region: String,
    /// The endpoint override (emulators), shown in dry runs.
    endpoint: Option<String>,
    name: String,
    alias: String,
    bucket: Option<String>,
    always_s3: bool,
    role: Option<String>,
    create_role: bool,
}

/// What the standard chain looks at, for the "no credentials" message.
fn looked_for(profile: &str) -> String {
    let env = |k: &str| crate::envvar::var(k).ok().filter(|v| !v.is_empty());
    let home = std::path::PathBuf::from(env("HOME").unwrap_or_default());
    let config = env("AWS_CONFIG_FILE").map(std::path::PathBuf::from).unwrap_or_else(|| home.join(".aws/config"));
    let credentials = env("AWS_SHARED_CREDENTIALS_FILE").map(std::path::PathBuf::from).unwrap_or_else(|| home.join(".aws/credentials"));
    format!(
        "AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY in the environment; profile `{profile}` in {} and {} \
         (static keys, SSO, credential_process, role_arn; set AWS_PROFILE / AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE); \
         web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN); ECS container credentials; EC2 instance metadata (IMDS)",
        config.display(),
        credentials.display()
    )
}

/// Whether the standard chain came back empty-handed. It reports "not loaded" when no
/// source had anything; instance metadata, its last resort, answers an error instead when it
/// is not there (off EC2, a proxy or another cloud's metadata service answers): that too
/// means no source had credentials.
fn no_credentials(e: &aws_credential_types::provider::error::CredentialsError) -> bool {
    use aws_credential_types::provider::error::CredentialsError;
    if matches!(e, CredentialsError::CredentialsNotLoaded(_)) {
        return true;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.downcast_ref::<aws_config::imds::client::error::ImdsError>().is_some() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// An error and its causes, `Display` only (no response dumps).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = e.source();
    while let Some(c) = cause {
        let t = c.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cause = c.source();
    }
    parts.join(": ")
}

/// An SDK error as the operator's error: service errors keep their code and message,
/// transport errors their cause (never a credential: the SDK does not put them in errors).
fn sdk_err<E>(operation: &str, e: SdkError<E, HttpResponse>) -> McError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &e {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let err = se.err();
            let message = match (err.code(), err.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (None, Some(m)) => m.to_string(),
                (Some(c), None) => format!("{c} (HTTP {status})"),
                (None, None) => format!("HTTP {status}"),
            };
            McError::api(CLOUD, operation, Some(status), message)
        }
        _ => McError::op(CLOUD, format!("{operation}: {}", error_chain(&e))),
    }
}

impl Aws {
    /// Loads the configuration and resolves credentials through the standard chain, so that
    /// missing credentials stop the run before anything changes.
    pub async fn connect(spec: &Spec) -> Result<Aws, McError> {
        let a = spec.raw.aws.clone().unwrap_or_default();
        let env = |k: &str| crate::envvar::var(k).ok().filter(|v| !v.is_empty());
        let endpoint = a.endpoint.clone().or_else(|| env("AWS_ENDPOINT_URL")).map(|e| e.trim_end_matches('/').to_string());
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .app_name(aws_config::AppName::new("tusk-multicloud").unwrap_or_else(|_| aws_config::AppName::new("tusk").unwrap_or_else(|_| unreachable_app_name())))
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(Duration::from_secs(300))
                    .build(),
            );
        // A test can give one deploy its own environment (envvar::scoped): the chain reads
        // that instead of the process environment. Overriding the chain's environment needs
        // aws-config's test-util, so it exists only with the `testing` feature.
        #[cfg(feature = "testing")]
        if let Some(vars) = crate::envvar::overridden() {
            loader = loader.env(aws_types_env(vars));
        }
        let region = a.region.clone().or_else(|| env("AWS_REGION")).or_else(|| env("AWS_DEFAULT_REGION"));
        if let Some(r) = &region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(ep) = &endpoint {
            loader = loader.endpoint_url(ep.clone());
        }
        let config: SdkConfig = loader.load().await;
        let region = config.region().map(|r| r.to_string()).or(region).unwrap_or_else(|| "us-east-1".into());
        let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
        let Some(provider) = config.credentials_provider() else {
            return Err(McError::Credentials { cloud: CLOUD, looked_for: looked_for(&profile) });
        };
        // The chain logs each source that failed as a warning (with a response dump); tusk
        // reports the outcome itself, so its own logs stay quiet here (detail at debug level).
        let resolved = {
            use tracing::instrument::WithSubscriber;
            provider.provide_credentials().with_subscriber(tracing::subscriber::NoSubscriber::default()).await
        };
        if let Err(e) = resolved {
            tracing::debug!(error = %error_chain(&e), "AWS credential chain found no credentials");
            return Err(if no_credentials(&e) {
                McError::Credentials { cloud: CLOUD, looked_for: looked_for(&profile) }
            } else {
                McError::op(CLOUD, format!("loading credentials failed: {}", error_chain(&e)))
            });
        }
        let region_v = Region::new(region.clone());
        let lambda = aws_sdk_lambda::Client::from_conf(aws_sdk_lambda::config::Builder::from(&config).region(region_v.clone()).build());
        // Emulators serve every bucket under one host: path-style addressing.
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config).region(region_v.clone()).force_path_style(endpoint.is_some()).build(),
        );
        // IAM is global; the region only picks the partition (and the signing region on emulators).
        let iam = aws_sdk_iam::Client::from_conf(aws_sdk_iam::config::Builder::from(&config).region(region_v.clone()).build());
        let logs = aws_sdk_cloudwatchlogs::Client::from_conf(aws_sdk_cloudwatchlogs::config::Builder::from(&config).region(region_v).build());
        Ok(Aws {
            lambda,
            s3,
            iam,
            logs,
            region,
            endpoint,
            name: spec.raw.name.clone(),
            alias: a.alias.clone().unwrap_or_else(|| "live".into()),
            bucket: a.bucket.clone(),
            always_s3: a.upload.as_deref() == Some("s3"),
            role: a.role.clone(),
            create_role: a.create_role,
        })
    }

    async fn get_alias(&self) -> Result<Option<Value>, McError> {
        match self.lambda.get_alias().function_name(&self.name).name(&self.alias).send().await {
            Ok(a) => Ok(Some(alias_json(a.alias_arn(), a.function_version(), a.description(), a.routing_config()))),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(None),
            Err(e) => Err(sdk_err("lambda:GetAlias", e)),
        }
    }

    async fn get_config(&self, qualifier: Option<&str>) -> Result<Option<Value>, McError> {
        let r = self.lambda.get_function_configuration().function_name(&self.name).set_qualifier(qualifier.map(str::to_string)).send().await;
        let c = match r {
            Ok(c) => c,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => return Ok(None),
            Err(e) => return Err(sdk_err("lambda:GetFunctionConfiguration", e)),
        };
        let vars: serde_json::Map<String, Value> =
            c.environment().and_then(|e| e.variables()).map(|v| v.iter().map(|(k, v)| (k.clone(), json!(v))).collect()).unwrap_or_default();
        Ok(Some(json!({
            "State": c.state().map(|s| s.as_str()),
            "StateReason": c.state_reason(),
            "LastUpdateStatus": c.last_update_status().map(|s| s.as_str()),
            "LastUpdateStatusReason": c.last_update_status_reason(),
            "Description": c.description(),
            "CodeSha256": c.code_sha256(),
            "Runtime": c.runtime().map(|r| r.as_str()),
            "Handler": c.handler(),
            "MemorySize": c.memory_size(),
            "Timeout": c.timeout(),
            "Environment": {"Variables": vars},
        })))
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
        if let Ok(r) = self.iam.get_role().role_name(&name).send().await {
            return r.role().map(|r| r.arn().to_string()).ok_or_else(|| McError::op(CLOUD, "GetRole answer has no Arn"));
        }
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let created = self
            .iam
            .create_role()
            .role_name(&name)
            .assume_role_policy_document(trust)
            .send()
            .await
            .map_err(|e| sdk_err("iam:CreateRole", e))?;
        let arn = created.role().map(|r| r.arn().to_string()).ok_or_else(|| McError::op(CLOUD, "CreateRole answer has no Arn"))?;
        self.iam
            .attach_role_policy()
            .role_name(name)
            .policy_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
            .send()
            .await
            .map_err(|e| sdk_err("iam:AttachRolePolicy", e))?;
        Ok(arn)
    }

    fn use_s3(&self, d: &Desired) -> bool {
        self.bucket.is_some() && (self.always_s3 || d.package.bytes.len() > INLINE_LIMIT)
    }

    fn s3_key(&self, d: &Desired) -> String {
        format!("tusk/{}/{}.zip", self.name, d.package.sha256)
    }

    /// Where the code comes from: an S3 object (uploaded first) or the zip inline.
    async fn code(&self, d: &Desired) -> Result<Code, McError> {
        if !self.use_s3(d) {
            return Ok(Code::Zip(d.package.bytes.clone()));
        }
        let bucket = self.bucket.clone().unwrap_or_default();
        let key = self.s3_key(d);
        self.s3
            .put_object()
            .bucket(&bucket)
            .key(&key)
            .content_type("application/zip")
            .body(aws_sdk_s3::primitives::ByteStream::from(d.package.bytes.clone()))
            .send()
            .await
            .map_err(|e| sdk_err("s3:PutObject", e))?;
        Ok(Code::S3 { bucket, key })
    }

    fn arn(&self) -> String {
        format!("arn:aws:lambda:{}:{{account}}:function:{}:{}", self.region, self.name, self.alias)
    }

    async fn set_alias(&self, version: &str, weights: Option<(&str, u8)>, previous: Option<&str>, create: bool) -> Result<Value, McError> {
        let mut w = HashMap::new();
        if let Some((v, p)) = weights {
            w.insert(v.to_string(), (p as f64) / 100.0);
        }
        let routing = AliasRoutingConfiguration::builder().set_additional_version_weights(Some(w)).build();
        let description = previous.map(|p| format!("tusk previous={p}")).unwrap_or_else(|| "tusk".into());
        if create {
            let a = self
                .lambda
                .create_alias()
                .function_name(&self.name)
                .name(&self.alias)
                .function_version(version)
                .routing_config(routing)
                .description(description)
                .send()
                .await
                .map_err(|e| sdk_err("lambda:CreateAlias", e))?;
            Ok(alias_json(a.alias_arn(), a.function_version(), a.description(), a.routing_config()))
        } else {
            let a = self
                .lambda
                .update_alias()
                .function_name(&self.name)
                .name(&self.alias)
                .function_version(version)
                .routing_config(routing)
                .description(description)
                .send()
                .await
                .map_err(|e| sdk_err("lambda:UpdateAlias", e))?;
            Ok(alias_json(a.alias_arn(), a.function_version(), a.description(), a.routing_config()))
        }
    }

    fn deploy_hash(d: &Desired) -> String {
        d.deploy_hash(CloudId::Aws, "")
    }

    fn environment(d: &Desired) -> Environment {
        Environment::builder().set_variables(Some(d.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect())).build()
    }

    fn runtime(d: &Desired) -> Runtime {
        Runtime::from(runtime(&d.spec.raw.runtime).and_then(|r| r.aws).unwrap_or_default())
    }
}

enum Code {
    Zip(Vec<u8>),
    S3 { bucket: String, key: String },
}

#[allow(clippy::panic)]
fn unreachable_app_name() -> aws_config::AppName {
    // "tusk" is a valid app name; this cannot happen.
    panic!("app name rejected")
}

#[cfg(feature = "testing")]
fn aws_types_env(vars: std::collections::BTreeMap<String, String>) -> aws_types::os_shim_internal::Env {
    aws_types::os_shim_internal::Env::from(vars.into_iter().collect::<HashMap<String, String>>())
}

/// An alias in the Lambda API's JSON shape.
fn alias_json(arn: Option<&str>, version: Option<&str>, description: Option<&str>, routing: Option<&AliasRoutingConfiguration>) -> Value {
    let weights: serde_json::Map<String, Value> =
        routing.and_then(|r| r.additional_version_weights()).map(|w| w.iter().map(|(k, v)| (k.clone(), json!(v))).collect()).unwrap_or_default();
    json!({
        "AliasArn": arn,
        "FunctionVersion": version,
        "Description": description,
        "RoutingConfig": {"AdditionalVersionWeights": weights},
    })
}

pub(crate) fn rfc3339_ms(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
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
        let f = &self.name;
        // With an endpoint override (emulators) every call goes there.
        let at = self.endpoint.as_deref().map(|e| format!(" @ {e}")).unwrap_or_default();
        let mut out = Vec::new();
        if !state.exists && self.role.is_none() && self.create_role {
            out.push(format!("iam:GetRole role={} (iam:CreateRole + iam:AttachRolePolicy if missing){at}", self.role_name()));
        }
        if self.use_s3(d) {
            out.push(format!("s3:PutObject bucket={} key={} ({} bytes){at}", self.bucket.clone().unwrap_or_default(), self.s3_key(d), d.package.bytes.len()));
        }
        if state.exists {
            let latest = state.restore["latest_code"].as_str().unwrap_or_default();
            if latest != d.package.sha256_b64() {
                out.push(format!("lambda:UpdateFunctionCode function={f} (sha256 {}){at}", &d.package.sha256[..12]));
            }
            out.push(format!("lambda:UpdateFunctionConfiguration function={f}{at}"));
        } else {
            out.push(format!("lambda:CreateFunction function={f} ({} bytes){at}", d.package.bytes.len()));
        }
        out.push(format!("lambda:PublishVersion function={f}{at}"));
        let routing = match d.traffic {
            Some(p) => format!("{p}% to the new version"),
            None => "100% to the new version".to_string(),
        };
        if state.restore["alias"].is_null() {
            out.push(format!("lambda:CreateAlias function={f} alias={} ({routing}){at}", self.alias));
        } else {
            out.push(format!("lambda:UpdateAlias function={f} alias={} ({routing}){at}", self.alias));
        }
        out
    }

    async fn deploy(&self, state: &State, d: &Desired, report: Report<'_>, cancel: &CancellationToken) -> Result<Outcome, McError> {
        let hash = Self::deploy_hash(d);
        // Same code and configuration as what serves: nothing to deploy (nor to canary).
        if state.exists && state.deploy_hash.as_deref() == Some(hash.as_str()) && state.canary.is_none() {
            return Ok(Outcome { change: Change::UpToDate, version: state.version.clone(), url: state.url.clone(), detail: String::new() });
        }
        if self.use_s3(d) {
            report("uploading to S3");
        }
        let code = self.code(d).await?;
        let mut detail = Vec::new();
        if !state.exists {
            let role = self.ensure_role().await?;
            report("CreateFunction");
            let function_code = match &code {
                Code::Zip(z) => FunctionCode::builder().zip_file(Blob::new(z.clone())).build(),
                Code::S3 { bucket, key } => FunctionCode::builder().s3_bucket(bucket).s3_key(key).build(),
            };
            // A role created seconds ago may not be assumable by Lambda yet (IAM is
            // eventually consistent): retry that one error for a while.
            let mut attempt = 0;
            loop {
                let r = self
                    .lambda
                    .create_function()
                    .function_name(&self.name)
                    .role(&role)
                    .code(function_code.clone())
                    .runtime(Self::runtime(d))
                    .handler(&d.spec.raw.handler)
                    .memory_size(d.spec.memory_for(CloudId::Aws) as i32)
                    .timeout(d.spec.timeout_for(CloudId::Aws) as i32)
                    .environment(Self::environment(d))
                    .description(format!("tusk:{hash}"))
                    .publish(false)
                    .send()
                    .await
                    .map_err(|e| sdk_err("lambda:CreateFunction", e));
                match r {
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
                let req = self.lambda.update_function_code().function_name(&self.name).publish(false);
                let req = match code {
                    Code::Zip(z) => req.zip_file(Blob::new(z)),
                    Code::S3 { bucket, key } => req.s3_bucket(bucket).s3_key(key),
                };
                req.send().await.map_err(|e| sdk_err("lambda:UpdateFunctionCode", e))?;
                self.wait_ready(report, cancel).await?;
                detail.push("code");
            }
            let before = self.get_config(None).await?.unwrap_or(Value::Null);
            let memory = d.spec.memory_for(CloudId::Aws);
            let timeout = d.spec.timeout_for(CloudId::Aws);
            let want_env: serde_json::Map<String, Value> = d.env.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            let config_same = before["Runtime"].as_str() == Some(Self::runtime(d).as_str())
                && before["Handler"].as_str() == Some(d.spec.raw.handler.as_str())
                && before["MemorySize"].as_u64() == Some(u64::from(memory))
                && before["Timeout"].as_u64() == Some(u64::from(timeout))
                && before["Environment"]["Variables"].as_object().cloned().unwrap_or_default() == want_env;
            report("UpdateFunctionConfiguration");
            self.lambda
                .update_function_configuration()
                .function_name(&self.name)
                .runtime(Self::runtime(d))
                .handler(&d.spec.raw.handler)
                .memory_size(memory as i32)
                .timeout(timeout as i32)
                .environment(Self::environment(d))
                .description(format!("tusk:{hash}"))
                .send()
                .await
                .map_err(|e| sdk_err("lambda:UpdateFunctionConfiguration", e))?;
            if !config_same {
                detail.push("config");
            }
        }
        self.wait_ready(report, cancel).await?;
        report("PublishVersion");
        let v = self
            .lambda
            .publish_version()
            .function_name(&self.name)
            .description(format!("tusk:{hash}"))
            .send()
            .await
            .map_err(|e| sdk_err("lambda:PublishVersion", e))?;
        let version = v.version().unwrap_or_default().to_string();
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
        let a = self
            .lambda
            .invoke()
            .function_name(&self.name)
            .qualifier(&self.alias)
            .payload(Blob::new(payload.to_vec()))
            .send()
            .await
            .map_err(|e| sdk_err("lambda:Invoke", e))?;
        let body = a.payload().map(|b| b.as_ref().to_vec()).unwrap_or_default();
        if let Some(err) = a.function_error() {
            let status = u16::try_from(a.status_code()).ok();
            return Err(McError::api(CLOUD, "lambda:Invoke", status, format!("function error ({err}): {}", String::from_utf8_lossy(&body))));
        }
        Ok(body)
    }

    async fn logs(&self, since_unix_ms: i64, limit: u32) -> Result<Vec<LogLine>, McError> {
        let r = self
            .logs
            .filter_log_events()
            .log_group_name(format!("/aws/lambda/{}", self.name))
            .start_time(since_unix_ms)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await;
        let a = match r {
            Ok(a) => a,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => return Ok(Vec::new()),
            Err(e) => return Err(sdk_err("logs:FilterLogEvents", e)),
        };
        let mut out: Vec<(i64, LogLine)> = a
            .events()
            .iter()
            .map(|e| {
                let ts = e.timestamp().unwrap_or(0);
                (ts, LogLine { timestamp: rfc3339_ms(ts), message: e.message().unwrap_or_default().trim_end().to_string() })
            })
            .collect();
        out.sort_by_key(|(ts, _)| *ts);
        Ok(out.into_iter().map(|(_, l)| l).collect())
    }

    async fn destroy(&self, _cancel: &CancellationToken) -> Result<(), McError> {
        match self.lambda.delete_function().function_name(&self.name).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(()),
            Err(e) => Err(sdk_err("lambda:DeleteFunction", e)),
        }
    }
}
