//! Validation before any call: the emulators accept values that the real clouds reject, so
//! tusk checks runtimes, memory, timeouts, names and traffic weights itself against each
//! cloud's documented limits.

use crate::error::McError;
use crate::spec::{CloudId, Spec};

/// Runtimes tusk knows, and their names on each cloud (None: that cloud has none).
/// AWS: Lambda runtime identifiers; GCP: Cloud Functions v2 runtime ids; Azure: Flex
/// Consumption `functionAppConfig.runtime` name + version.
pub struct RuntimeNames {
    pub aws: Option<&'static str>,
    pub gcp: Option<&'static str>,
    pub azure: Option<(&'static str, &'static str)>,
}

const RUNTIMES: &[(&str, RuntimeNames)] = &[
    ("python3.10", RuntimeNames { aws: Some("python3.10"), gcp: Some("python310"), azure: Some(("python", "3.10")) }),
    ("python3.11", RuntimeNames { aws: Some("python3.11"), gcp: Some("python311"), azure: Some(("python", "3.11")) }),
    ("python3.12", RuntimeNames { aws: Some("python3.12"), gcp: Some("python312"), azure: Some(("python", "3.12")) }),
    ("python3.13", RuntimeNames { aws: Some("python3.13"), gcp: Some("python313"), azure: None }),
    ("nodejs20", RuntimeNames { aws: Some("nodejs20.x"), gcp: Some("nodejs20"), azure: Some(("node", "20")) }),
    ("nodejs22", RuntimeNames { aws: Some("nodejs22.x"), gcp: Some("nodejs22"), azure: Some(("node", "22")) }),
    ("java17", RuntimeNames { aws: Some("java17"), gcp: Some("java17"), azure: Some(("java", "17")) }),
    ("java21", RuntimeNames { aws: Some("java21"), gcp: Some("java21"), azure: Some(("java", "21")) }),
    ("dotnet8", RuntimeNames { aws: Some("dotnet8"), gcp: Some("dotnet8"), azure: Some(("dotnet-isolated", "8.0")) }),
];

pub fn runtime(name: &str) -> Option<&'static RuntimeNames> {
    RUNTIMES.iter().find(|(n, _)| *n == name).map(|(_, r)| r)
}

pub fn runtime_names() -> Vec<&'static str> {
    RUNTIMES.iter().map(|(n, _)| *n).collect()
}

/// The language family (for Azure's function.json and entry-point conventions).
pub fn language(runtime: &str) -> &'static str {
    if runtime.starts_with("python") {
        "python"
    } else if runtime.starts_with("nodejs") {
        "node"
    } else if runtime.starts_with("java") {
        "java"
    } else {
        "dotnet"
    }
}

/// Everything a deploy to `clouds` needs, checked. Every problem is reported at once (a user
/// fixing a spec should not have to run validate once per field): one as itself, several as
/// [`McError::Invalid`].
pub fn validate(spec: &Spec, clouds: &[CloudId], traffic: Option<u8>) -> Result<(), McError> {
    let mut all = problems(spec, clouds, traffic);
    match all.len() {
        0 => Ok(()),
        1 => Err(all.remove(0).error),
        _ => Err(McError::Invalid { file: spec.path.display().to_string(), problems: all }),
    }
}

/// One problem of the spec: the field (`memory`, `aws.role`, `env.FOO`, `--traffic`) and the
/// error that names its file:line and the allowed values or limit.
#[derive(Debug)]
pub struct Problem {
    pub field: String,
    pub error: McError,
}

/// Every problem of the spec for `clouds`, in file order of the checks (shared fields first,
/// then each cloud's, then `--traffic`).
pub fn problems(spec: &Spec, clouds: &[CloudId], traffic: Option<u8>) -> Vec<Problem> {
    let r = &spec.raw;
    let mut out: Vec<Problem> = Vec::new();
    let err = |section: &str, key: &str, message: String, hint: Option<String>| Problem {
        field: if section.is_empty() { key.to_string() } else { format!("{section}.{key}") },
        error: McError::Spec { location: spec.location(section, key), message, hint },
    };
    // Memory and timeout may be shared or per cloud: the field is where the value was written.
    let where_field = |cloud: CloudId, key: &str, location: &str| {
        if location == spec.location(cloud.name(), key) && spec.location(cloud.name(), key) != spec.location("", key) {
            format!("{}.{key}", cloud.name())
        } else {
            key.to_string()
        }
    };

    let rt = runtime(&r.runtime);
    if rt.is_none() {
        out.push(err(
            "",
            "runtime",
            format!("runtime `{}` is not one tusk can map to the clouds", r.runtime),
            Some(format!("use one of: {}", runtime_names().join(", "))),
        ));
    }
    // A handler that is not <module>.<function> is reported once, not again by GCP's main.py rule.
    let mut handler_ok = true;
    if r.handler.trim().is_empty() {
        handler_ok = false;
        out.push(err("", "handler", "handler is empty".into(), Some("e.g. handler = \"main.handler\"".into())));
    } else if language(&r.runtime) == "python" || language(&r.runtime) == "node" {
        let ok = r.handler.split_once('.').is_some_and(|(m, f)| !m.is_empty() && !f.is_empty() && !f.contains('.'));
        if !ok {
            handler_ok = false;
            out.push(err(
                "",
                "handler",
                format!("handler `{}` must be <module>.<function>", r.handler),
                Some("e.g. handler = \"main.handler\" for def handler(...) in main.py".into()),
            ));
        }
    }
    if !spec.source_dir().is_dir() {
        out.push(err(
            "",
            "source",
            format!("source directory {} does not exist", spec.source_dir().display()),
            None,
        ));
    }
    if let Some(list) = &r.clouds {
        for c in list {
            if CloudId::parse(c).is_none() {
                out.push(err("", "clouds", format!("unknown cloud `{c}`"), Some("use aws, azure or gcp".into())));
            }
        }
    }
    for key in r.env.keys() {
        let valid = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            out.push(err(
                "env",
                key,
                format!("environment variable name `{key}` is invalid"),
                Some("names start with a letter and use only letters, digits and _ (Lambda's rule)".into()),
            ));
        }
    }

    for &cloud in clouds {
        let section_missing = match cloud {
            CloudId::Aws => r.aws.is_none(),
            CloudId::Azure => r.azure.is_none(),
            CloudId::Gcp => r.gcp.is_none(),
        };
        if section_missing {
            out.push(Problem {
                field: format!("[{}]", cloud.name()),
                error: McError::Spec {
                    location: spec.location("", "name"),
                    message: format!("no [{}] section for cloud {}", cloud.name(), cloud.name()),
                    hint: Some("add the section (see `tusk @multicloud init`) or leave the cloud out of --cloud".into()),
                },
            });
            continue;
        }
        let mem = spec.memory_for(cloud);
        let tmo = spec.timeout_for(cloud);
        match cloud {
            CloudId::Aws => {
                if let Some(rt) = rt
                    && rt.aws.is_none()
                {
                    out.push(err("", "runtime", format!("AWS Lambda has no runtime for {}", r.runtime), None));
                }
                if let Err(m) = check_name_aws(&r.name) {
                    out.push(err("", "name", m, None));
                }
                if !(128..=10240).contains(&mem) {
                    out.push(Problem {
                        field: where_field(cloud, "memory", &spec.memory_location(cloud)),
                        error: McError::Spec {
                        location: spec.memory_location(cloud),
                        message: format!("aws: memory {mem} MB is outside Lambda's range 128-10240 MB"),
                        hint: Some("set [aws] memory = … to override the shared value".into()),
                        },
                    });
                }
                if !(1..=900).contains(&tmo) {
                    out.push(Problem {
                        field: where_field(cloud, "timeout", &spec.timeout_location(cloud)),
                        error: McError::Spec {
                        location: spec.timeout_location(cloud),
                        message: format!("aws: timeout {tmo} s is outside Lambda's range 1-900 s"),
                        hint: Some("set [aws] timeout = … to override the shared value".into()),
                        },
                    });
                }
                let a = r.aws.clone().unwrap_or_default();
                if let Some(why) = a.region.as_deref().and_then(unsafe_segment) {
                    out.push(err("aws", "region", format!("aws: region {why}"), None));
                }
                if a.region.as_deref().unwrap_or("").is_empty() && crate::envvar::var("AWS_REGION").is_err() && crate::envvar::var("AWS_DEFAULT_REGION").is_err() {
                    out.push(err("aws", "region", "aws: no region".into(), Some("set [aws] region or AWS_REGION".into())));
                }
                if let Some(alias) = &a.alias {
                    let ok = !alias.is_empty()
                        && alias.len() <= 128
                        && alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                        && !alias.chars().all(|c| c.is_ascii_digit());
                    if !ok {
                        out.push(err("aws", "alias", format!("aws: alias `{alias}` is invalid (1-128 of A-Za-z0-9-_, not all digits)"), None));
                    }
                }
                match (&a.role, a.create_role) {
                    (None, false) => {
                        out.push(err("aws", "role", "aws: no execution role".into(), Some("set [aws] role = \"arn:aws:iam::…:role/…\" or create_role = true".into())));
                    }
                    (Some(role), _) if !is_role_arn(role) => {
                        out.push(err("aws", "role", format!("aws: `{role}` is not an IAM role ARN"), Some("arn:aws:iam::<12-digit account>:role/<name>".into())));
                    }
                    _ => {}
                }
                if let Some(u) = &a.upload
                    && u != "auto"
                    && u != "s3"
                {
                    out.push(err("aws", "upload", format!("aws: upload = \"{u}\" is not auto or s3"), None));
                }
                if a.upload.as_deref() == Some("s3") && a.bucket.is_none() {
                    out.push(err("aws", "upload", "aws: upload = \"s3\" needs a bucket".into(), None));
                }
                for key in r.env.keys() {
                    if AWS_RESERVED_ENV.contains(&key.as_str()) {
                        out.push(err("env", key, format!("aws: `{key}` is reserved by Lambda"), None));
                    }
                }
            }
            CloudId::Gcp => {
                if let Some(rt) = rt
                    && rt.gcp.is_none()
                {
                    out.push(err("", "runtime", format!("Cloud Functions has no runtime for {}", r.runtime), None));
                }
                if let Err(m) = check_name_gcp(&r.name) {
                    out.push(err("", "name", m, None));
                }
                if handler_ok && language(&r.runtime) == "python" && r.handler.split_once('.').map(|(m, _)| m) != Some("main") {
                    out.push(err(
                        "",
                        "handler",
                        format!("gcp: Cloud Functions loads Python functions from main.py, but handler is `{}`", r.handler),
                        Some("name the module main.py and use handler = \"main.<function>\"".into()),
                    ));
                }
                if !(128..=32768).contains(&mem) {
                    out.push(Problem {
                        field: where_field(cloud, "memory", &spec.memory_location(cloud)),
                        error: McError::Spec {
                        location: spec.memory_location(cloud),
                        message: format!("gcp: memory {mem} MB is outside Cloud Functions' range 128-32768 MB"),
                        hint: None,
                        },
                    });
                }
                if !(1..=3600).contains(&tmo) {
                    out.push(Problem {
                        field: where_field(cloud, "timeout", &spec.timeout_location(cloud)),
                        error: McError::Spec {
                        location: spec.timeout_location(cloud),
                        message: format!("gcp: timeout {tmo} s is outside 1-3600 s (the HTTP function maximum)"),
                        hint: None,
                        },
                    });
                }
                let g = r.gcp.clone().unwrap_or_default();
                for (key, value) in [("project", &g.project), ("region", &g.region)] {
                    if let Some(why) = value.as_deref().and_then(unsafe_segment) {
                        out.push(err("gcp", key, format!("gcp: {key} {why}"), None));
                    }
                }
                if g.project.as_deref().unwrap_or("").is_empty() {
                    out.push(err("gcp", "project", "gcp: no project".into(), Some("set [gcp] project".into())));
                }
                if g.region.as_deref().unwrap_or("").is_empty() {
                    out.push(err("gcp", "region", "gcp: no region".into(), Some("set [gcp] region, e.g. us-central1".into())));
                }
                for key in r.env.keys() {
                    if key.starts_with("X_GOOGLE_") || GCP_RESERVED_ENV.contains(&key.as_str()) {
                        out.push(err("env", key, format!("gcp: `{key}` is reserved by Cloud Functions"), None));
                    }
                }
            }
            CloudId::Azure => {
                if let Some(rt) = rt
                    && rt.azure.is_none()
                {
                    out.push(err(
                        "",
                        "runtime",
                        format!("Azure Functions (Flex Consumption) has no runtime for {}", r.runtime),
                        Some("pick a runtime every target cloud supports, or leave azure out of --cloud".into()),
                    ));
                }
                let a = r.azure.clone().unwrap_or_default();
                let app = a.app.clone().unwrap_or_else(|| r.name.clone());
                if let Err(m) = check_name_azure(&app) {
                    out.push(err("azure", "app", m, None));
                }
                if ![512, 2048, 4096].contains(&mem) {
                    out.push(Problem {
                        field: where_field(cloud, "memory", &spec.memory_location(cloud)),
                        error: McError::Spec {
                        location: spec.memory_location(cloud),
                        message: format!("azure: Flex Consumption instance memory must be 512, 2048 or 4096 MB, not {mem}"),
                        hint: Some("set [azure] memory = 2048 (the shared `memory` is not used for Azure)".into()),
                        },
                    });
                }
                if tmo == 0 || tmo > 14_400 {
                    out.push(Problem {
                        field: where_field(cloud, "timeout", &spec.timeout_location(cloud)),
                        error: McError::Spec {
                        location: spec.timeout_location(cloud),
                        message: format!("azure: timeout {tmo} s is outside 1-14400 s"),
                        hint: None,
                        },
                    });
                }
                if let Some(p) = &a.plan
                    && p != "flex"
                {
                    out.push(err("azure", "plan", format!("azure: plan `{p}` is not supported yet; only flex (Flex Consumption)"), None));
                }
                for (key, value) in [("subscription", &a.subscription), ("resource_group", &a.resource_group), ("location", &a.location)] {
                    if let Some(why) = value.as_deref().and_then(unsafe_segment) {
                        out.push(err("azure", key, format!("azure: {key} {why}"), None));
                    }
                }
                for (key, what) in [("subscription", &a.subscription), ("resource_group", &a.resource_group), ("location", &a.location), ("storage_account", &a.storage_account)] {
                    if what.as_deref().unwrap_or("").is_empty() && !(key == "subscription" && crate::envvar::var("AZURE_SUBSCRIPTION_ID").is_ok()) {
                        out.push(err("azure", key, format!("azure: no {key}"), Some(format!("set [azure] {key}"))));
                    }
                }
                let sa = a.storage_account.unwrap_or_default();
                if !sa.is_empty() && (!(3..=24).contains(&sa.len()) || !sa.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())) {
                    out.push(err("azure", "storage_account", format!("azure: storage account `{sa}` must be 3-24 lowercase letters and digits"), None));
                }
                for key in r.env.keys() {
                    if AZURE_RESERVED_ENV.contains(&key.as_str()) {
                        out.push(err("env", key, format!("azure: `{key}` is managed by Azure Functions"), None));
                    }
                }
            }
        }
    }

    if let Some(t) = traffic {
        if !(1..=99).contains(&t) {
            out.push(Problem {
                field: "--traffic".into(),
                error: McError::Usage {
                flag: "--traffic".into(),
                message: format!("--traffic {t}: a canary takes 1-99 % of traffic"),
                hint: Some("omit --traffic to send all traffic to the new version".into()),
                },
            });
        }
        if let Some(c) = clouds.iter().find(|c| **c == CloudId::Azure) {
            out.push(Problem {
                field: "--traffic".into(),
                error: McError::Usage {
                flag: "--traffic".into(),
                message: format!("--traffic: {} Flex Consumption has no deployment slots, so tusk cannot run a canary there", c.name()),
                hint: Some("deploy the canary with --cloud aws,gcp and azure without --traffic".into()),
                },
            });
        }
    }
    out
}

const AWS_RESERVED_ENV: &[&str] = &[
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
];
const GCP_RESERVED_ENV: &[&str] = &["ENTRY_POINT", "FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE", "K_SERVICE", "K_REVISION", "K_CONFIGURATION", "PORT"];
const AZURE_RESERVED_ENV: &[&str] = &[
    "AzureWebJobsStorage", "FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME", "WEBSITE_RUN_FROM_PACKAGE",
    "DEPLOYMENT_STORAGE_CONNECTION_STRING",
];

/// Why a value that tusk puts into an API URL (a region in a host name, a project or resource
/// group in a path) is unsafe there, if it is: cloud identifiers are letters, digits and
/// `-_.()`, so anything else (`/`, `..`, `@`, control characters) could only redirect the call.
fn unsafe_segment(v: &str) -> Option<String> {
    if let Some(c) = v.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_.()".contains(*c))) {
        return Some(format!("{v:?} may only contain letters, digits and - _ . ( ), not {c:?} (it becomes part of an API URL)"));
    }
    if v.starts_with('.') {
        return Some(format!("{v:?} may not start with `.` (it becomes part of an API URL)"));
    }
    None
}

fn is_role_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > 5
}

pub fn check_name_aws(n: &str) -> Result<(), String> {
    if n.is_empty() || n.len() > 64 || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!("aws: function name `{n}` must be 1-64 characters of A-Z a-z 0-9 - _"));
    }
    Ok(())
}

pub fn check_name_gcp(n: &str) -> Result<(), String> {
    let ok = (4..=63).contains(&n.len())
        && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && n.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && !n.ends_with('-');
    if !ok {
        return Err(format!("gcp: function id `{n}` must be 4-63 characters of a-z 0-9 -, start with a letter and not end with -"));
    }
    Ok(())
}

pub fn check_name_azure(n: &str) -> Result<(), String> {
    let ok = (2..=60).contains(&n.len())
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !n.starts_with('-')
        && !n.ends_with('-');
    if !ok {
        return Err(format!("azure: function app name `{n}` must be 2-60 characters of letters, digits and -, not starting or ending with -"));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::path::Path;

    fn spec(extra: &str) -> (tempfile::TempDir, Spec) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        let text = crate::spec::example("hello-fn").replace("memory = 256 ", &format!("{extra}\nmemory = 256 "));
        let p = dir.path().join("tusk-function.toml");
        std::fs::write(&p, &text).unwrap();
        let s = Spec::load(&p).unwrap();
        (dir, s)
    }

    fn msg(r: Result<(), McError>) -> String {
        let Err(e) = r else { return "accepted (no error)".into() };
        match e {
            McError::Spec { location, message, .. } => {
                let file_line = location.rsplit('/').next().unwrap().to_string();
                format!("{file_line}: {message}")
            }
            McError::Usage { flag, message, .. } => format!("{flag}: {message}"),
            e => format!("{e:?}"),
        }
    }

    #[test]
    fn example_is_valid_everywhere() {
        let (_d, s) = spec("");
        validate(&s, &CloudId::ALL, None).unwrap();
    }

    #[test]
    fn bad_values_name_file_line_and_limit() {
        let (_d, s) = spec("");
        let mut out = Vec::new();
        let mut check = |f: &dyn Fn(&mut Spec), clouds: &[CloudId], traffic| {
            let mut s2 = s.clone();
            f(&mut s2);
            out.push(msg(validate(&s2, clouds, traffic)));
        };
        check(&|s| s.raw.runtime = "python9".into(), &CloudId::ALL, None);
        check(&|s| s.raw.runtime = "python3.13".into(), &CloudId::ALL, None);
        check(&|s| s.raw.memory = Some(64), &[CloudId::Aws], None);
        check(&|s| s.raw.memory = Some(20000), &[CloudId::Aws], None);
        check(&|s| s.raw.timeout = Some(9999), &[CloudId::Aws], None);
        check(&|s| s.raw.timeout = Some(4000), &[CloudId::Gcp], None);
        check(&|s| s.raw.handler = "app.handler".into(), &[CloudId::Gcp], None);
        check(&|s| s.raw.azure.as_mut().unwrap().memory = Some(1024), &[CloudId::Azure], None);
        check(&|s| s.raw.name = "Hello_Fn".into(), &[CloudId::Gcp], None);
        check(&|s| s.raw.name = "x".repeat(65), &[CloudId::Aws], None);
        check(&|s| s.raw.handler = "main".into(), &CloudId::ALL, None);
        check(&|s| s.raw.aws.as_mut().unwrap().role = Some("role/x".into()), &[CloudId::Aws], None);
        check(&|_| {}, &[CloudId::Aws], Some(100));
        check(&|_| {}, &[CloudId::Aws, CloudId::Azure], Some(10));
        insta::assert_snapshot!(out.join("\n"));
        let _ = Path::new("");
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let (_d, mut s) = spec("");
        s.raw.memory = Some(64);
        s.raw.timeout = Some(9999);
        s.raw.aws.as_mut().unwrap().role = Some("role/x".into());
        let fields: Vec<String> = problems(&s, &[CloudId::Aws], None).into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["memory", "timeout", "aws.role"]);
        let e = tusk_registry::Error::from(validate(&s, &[CloudId::Aws], None).unwrap_err());
        assert_eq!(e.kind, tusk_registry::ErrorKind::Usage);
        let dir = s.path.parent().unwrap().display().to_string();
        insta::assert_snapshot!(format!("{}\nhint: {}", e.message.replace(&dir, "[DIR]"), e.hint.unwrap()));
    }
}
