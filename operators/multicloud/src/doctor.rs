//! `tusk doctor`'s @multicloud check: for each cloud, which credential source a deploy would
//! use and the account, subscription or project it names, decided from the environment and
//! local files (no network), except AWS's last resort, instance metadata, probed for at most
//! 1 s. Secrets are never read into the output: only which variables or files are present and
//! the identifiers they carry (role ARNs, project ids, service-account e-mails).

use crate::envvar;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;
use tusk_registry::{CheckStatus, DoctorCheck};

fn env(k: &str) -> Option<String> {
    envvar::var(k).ok().filter(|v| !v.is_empty())
}

fn home() -> PathBuf {
    PathBuf::from(env("HOME").unwrap_or_default())
}

fn check(cloud: &str, status: CheckStatus, detail: String) -> DoctorCheck {
    DoctorCheck { name: format!("@multicloud {cloud} credentials"), status, detail }
}

/// The account id inside an ARN (`arn:aws:iam::123456789012:role/x` → `123456789012`).
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// All three checks.
pub async fn checks() -> Vec<DoctorCheck> {
    vec![aws().await, azure(), gcp()]
}

/// The AWS standard chain's order: environment, the profile (static keys, SSO,
/// credential_process, assumed role), web identity from the environment, container
/// credentials, instance metadata.
pub async fn aws() -> DoctorCheck {
    let ok = |d: String| check("aws", CheckStatus::Ok, d);
    let region = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION"));
    let with_region = |d: String, r: Option<String>| match r.or_else(|| region.clone()) {
        Some(r) => format!("{d}; region {r}"),
        None => d,
    };
    if env("AWS_ACCESS_KEY_ID").is_some() && env("AWS_SECRET_ACCESS_KEY").is_some() {
        return ok(with_region("environment (AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY); account: known only to STS".into(), None));
    }
    let profile_name = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let vars: std::collections::HashMap<String, String> = ["HOME", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE"]
        .iter()
        .filter_map(|k| env(k).map(|v| (k.to_string(), v)))
        .collect();
    let set = aws_config::profile::load(&aws_types::os_shim_internal::Fs::real(), &aws_types::os_shim_internal::Env::from(vars), &Default::default(), None).await;
    if let Ok(set) = set
        && let Some(p) = set.get_profile(&profile_name)
    {
        let r = p.get("region").map(String::from);
        let source = if p.get("aws_access_key_id").is_some() {
            Some("static keys; account: known only to STS".to_string())
        } else if let Some(role) = p.get("role_arn") {
            Some(format!("assumed role {role}, account {}", arn_account(role).unwrap_or("?")))
        } else if p.get("sso_session").is_some() || p.get("sso_start_url").is_some() {
            Some(format!("SSO, account {}", p.get("sso_account_id").unwrap_or("?")))
        } else if p.get("credential_process").is_some() {
            Some("credential_process; account: known only to STS".to_string())
        } else {
            None
        };
        if let Some(s) = source {
            return ok(with_region(format!("profile `{profile_name}` ({s})"), r));
        }
    }
    if let (Some(_), Some(role)) = (env("AWS_WEB_IDENTITY_TOKEN_FILE"), env("AWS_ROLE_ARN")) {
        return ok(with_region(format!("web identity (AWS_WEB_IDENTITY_TOKEN_FILE), role {role}, account {}", arn_account(&role).unwrap_or("?")), None));
    }
    if env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some() || env("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some() {
        return ok(with_region("container credentials (AWS_CONTAINER_CREDENTIALS_*_URI)".into(), None));
    }
    if env("AWS_EC2_METADATA_DISABLED").is_none_or(|v| !v.eq_ignore_ascii_case("true")) {
        let endpoint = env("AWS_EC2_METADATA_SERVICE_ENDPOINT").unwrap_or_else(|| "http://169.254.169.254".into());
        let probe = reqwest::Client::builder().timeout(Duration::from_secs(1)).build().ok();
        if let Some(c) = probe {
            let url = format!("{}/latest/api/token", endpoint.trim_end_matches('/'));
            let answered = c.put(url).header("x-aws-ec2-metadata-token-ttl-seconds", "60").send().await.is_ok_and(|r| r.status().is_success());
            if answered {
                return ok(with_region("EC2 instance metadata (IMDS)".into(), None));
            }
        }
    }
    check(
        "aws",
        CheckStatus::Missing,
        format!(
            "no credentials: not in the environment, no usable profile `{profile_name}` in ~/.aws/config or ~/.aws/credentials, no web identity, container or instance metadata; hint: run `aws configure` (or `aws sso login --profile NAME` and set AWS_PROFILE), or set AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY"
        ),
    )
}

/// What `azure::credentials` looks for, in its order; the subscription from
/// AZURE_SUBSCRIPTION_ID or the Azure CLI's default one.
pub fn azure() -> DoctorCheck {
    let cli_profile = env("AZURE_CONFIG_DIR").map(PathBuf::from).unwrap_or_else(|| home().join(".azure")).join("azureProfile.json");
    let cli_default = || -> Option<String> {
        let text = std::fs::read_to_string(&cli_profile).ok()?;
        let v: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
        let s = v["subscriptions"].as_array()?.iter().find(|s| s["isDefault"] == true)?;
        Some(format!("{} ({})", s["id"].as_str()?, s["name"].as_str().unwrap_or("")))
    };
    let subscription = env("AZURE_SUBSCRIPTION_ID").map(|s| format!("{s} (AZURE_SUBSCRIPTION_ID)")).or_else(cli_default);
    let sub = |d: String| match &subscription {
        Some(s) => format!("{d}; subscription {s}"),
        None => format!("{d}; subscription: set [azure] subscription or AZURE_SUBSCRIPTION_ID"),
    };
    if let (Some(tenant), Some(client), Some(_)) = (env("AZURE_TENANT_ID"), env("AZURE_CLIENT_ID"), env("AZURE_CLIENT_SECRET")) {
        return check("azure", CheckStatus::Ok, sub(format!("service principal from the environment (client {client}, tenant {tenant})")));
    }
    if env("IDENTITY_ENDPOINT").is_some() && env("IDENTITY_HEADER").is_some() {
        return check("azure", CheckStatus::Ok, sub("managed identity (IDENTITY_ENDPOINT + IDENTITY_HEADER)".into()));
    }
    if envvar::var_os_path().is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("az").is_file())) {
        return check("azure", CheckStatus::Ok, sub("the Azure CLI (`az` on PATH; its login is checked at deploy)".into()));
    }
    check(
        "azure",
        CheckStatus::Missing,
        "no credentials: no AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET, no IDENTITY_ENDPOINT + IDENTITY_HEADER, no `az` on PATH; hint: run `az login`, or set the service principal's AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET".into(),
    )
}

/// What `gcp::credentials` looks for, in its order; the project from the key file,
/// GOOGLE_CLOUD_PROJECT or gcloud's active configuration.
pub fn gcp() -> DoctorCheck {
    let gcloud_dir = env("CLOUDSDK_CONFIG").map(PathBuf::from).unwrap_or_else(|| home().join(".config/gcloud"));
    let gcloud_project = || -> Option<String> {
        let active = std::fs::read_to_string(gcloud_dir.join("active_config")).map(|s| s.trim().to_string()).unwrap_or_else(|_| "default".into());
        let text = std::fs::read_to_string(gcloud_dir.join(format!("configurations/config_{active}"))).ok()?;
        text.lines().map(str::trim).find_map(|l| l.strip_prefix("project").map(|v| v.trim_start().trim_start_matches('=').trim().to_string())).filter(|p| !p.is_empty())
    };
    let env_project = env("GOOGLE_CLOUD_PROJECT").or_else(|| env("CLOUDSDK_CORE_PROJECT"));
    let project = |from_file: Option<String>| -> String {
        match env_project.clone().or(from_file).or_else(gcloud_project) {
            Some(p) => format!("; project {p}"),
            None => "; project: set [gcp] project".into(),
        }
    };
    if env("GOOGLE_OAUTH_ACCESS_TOKEN").is_some() {
        return check("gcp", CheckStatus::Ok, format!("access token from GOOGLE_OAUTH_ACCESS_TOKEN{}", project(None)));
    }
    let adc = gcloud_dir.join("application_default_credentials.json");
    let (file, via) = match env("GOOGLE_APPLICATION_CREDENTIALS") {
        Some(f) => (PathBuf::from(f), "GOOGLE_APPLICATION_CREDENTIALS"),
        None => (adc.clone(), "gcloud application-default login"),
    };
    if !file.is_file() {
        let detail = if via == "GOOGLE_APPLICATION_CREDENTIALS" {
            format!("GOOGLE_APPLICATION_CREDENTIALS names {}, which does not exist; hint: point it at a service-account key file", file.display())
        } else {
            format!(
                "no credentials: no GOOGLE_OAUTH_ACCESS_TOKEN, no GOOGLE_APPLICATION_CREDENTIALS, no {}; hint: run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file",
                adc.display()
            )
        };
        return check("gcp", if via == "GOOGLE_APPLICATION_CREDENTIALS" { CheckStatus::Fail } else { CheckStatus::Missing }, detail);
    }
    let parsed: Option<Value> = std::fs::read_to_string(&file).ok().and_then(|t| serde_json::from_str(&t).ok());
    let Some(j) = parsed else {
        return check("gcp", CheckStatus::Fail, format!("{} ({via}) is not a readable JSON credential file; hint: download the key again or rerun `gcloud auth application-default login`", file.display()));
    };
    let s = |k: &str| j[k].as_str().filter(|v| !v.is_empty()).map(String::from);
    match j["type"].as_str() {
        Some("service_account") => check(
            "gcp",
            CheckStatus::Ok,
            format!("service-account key {} ({via}), {}{}", file.display(), s("client_email").unwrap_or_else(|| "?".into()), project(s("project_id"))),
        ),
        Some("authorized_user") => check("gcp", CheckStatus::Ok, format!("user credentials {} ({via}){}", file.display(), project(s("quota_project_id")))),
        other => check(
            "gcp",
            CheckStatus::Fail,
            format!("{} ({via}): credential type {:?} is not supported yet; hint: use a service_account key or authorized_user credentials", file.display(), other.unwrap_or("none")),
        ),
    }
}
