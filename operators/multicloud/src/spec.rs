//! `tusk-function.toml`: one function described once, with one section per cloud.

use crate::error::McError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const SPEC_FILE: &str = "tusk-function.toml";

/// The three targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CloudId {
    Aws,
    Azure,
    Gcp,
}

impl CloudId {
    pub const ALL: [CloudId; 3] = [CloudId::Aws, CloudId::Azure, CloudId::Gcp];
    pub fn name(self) -> &'static str {
        match self {
            CloudId::Aws => "aws",
            CloudId::Azure => "azure",
            CloudId::Gcp => "gcp",
        }
    }
    pub fn parse(s: &str) -> Option<CloudId> {
        match s.trim().to_ascii_lowercase().as_str() {
            "aws" => Some(CloudId::Aws),
            "azure" => Some(CloudId::Azure),
            "gcp" | "google" => Some(CloudId::Gcp),
            _ => None,
        }
    }
}

/// An environment variable's value: a literal, or read from the environment or a file at
/// deploy time. Values are never logged or printed.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum EnvValue {
    Literal(String),
    From(EnvFrom),
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnvFrom {
    #[serde(default)]
    pub from_env: Option<String>,
    #[serde(default)]
    pub from_file: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AwsSpec {
    pub region: Option<String>,
    /// Execution role ARN. Without it, `create_role = true` makes `tusk-<name>-role`.
    pub role: Option<String>,
    #[serde(default)]
    pub create_role: bool,
    /// Alias that receives traffic (canaries are weights on it). Default `live`.
    pub alias: Option<String>,
    /// S3 bucket for packages; used when the zip is over the 50 MB direct-upload limit, or
    /// always with `upload = "s3"`.
    pub bucket: Option<String>,
    /// `auto` (default) or `s3`.
    pub upload: Option<String>,
    pub memory: Option<u32>,
    pub timeout: Option<u32>,
    /// Custom endpoint (an emulator); `AWS_ENDPOINT_URL` also works.
    pub endpoint: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AzureSpec {
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
    pub location: Option<String>,
    /// Function App name; default: the function name.
    pub app: Option<String>,
    pub storage_account: Option<String>,
    /// `flex` (Flex Consumption, default).
    pub plan: Option<String>,
    /// Flex Consumption instance memory: 512, 2048 (default) or 4096.
    pub memory: Option<u32>,
    pub timeout: Option<u32>,
    /// Overrides for emulators and sovereign clouds.
    pub arm_endpoint: Option<String>,
    pub blob_endpoint: Option<String>,
    pub scm_endpoint: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct GcpSpec {
    pub project: Option<String>,
    pub region: Option<String>,
    /// Upload to this bucket (JSON API) instead of a `generateUploadUrl` signed URL.
    pub bucket: Option<String>,
    pub memory: Option<u32>,
    pub timeout: Option<u32>,
    pub max_instances: Option<u32>,
    pub endpoint: Option<String>,
    pub storage_endpoint: Option<String>,
    /// Cloud Run Admin API (traffic splits for canaries).
    pub run_endpoint: Option<String>,
    /// Cloud Logging API (`logs`).
    pub logging_endpoint: Option<String>,
}

/// The `[multicloud]` section of tusk's config (`tusk.toml`, user config, or
/// `TUSK_MULTICLOUD__<KEY>` environment variables): endpoints for emulators and sovereign
/// clouds. A value in `tusk-function.toml` wins over these.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct McConfig {
    pub aws_endpoint: Option<String>,
    pub azure_arm_endpoint: Option<String>,
    pub azure_blob_endpoint: Option<String>,
    pub azure_scm_endpoint: Option<String>,
    pub gcp_endpoint: Option<String>,
    pub gcp_storage_endpoint: Option<String>,
    pub gcp_run_endpoint: Option<String>,
    pub gcp_logging_endpoint: Option<String>,
}

impl McConfig {
    /// Fills endpoints the spec leaves unset.
    pub fn apply(&self, spec: &mut Spec) {
        if let Some(a) = spec.raw.aws.as_mut() {
            a.endpoint = a.endpoint.take().or_else(|| self.aws_endpoint.clone());
        }
        if let Some(a) = spec.raw.azure.as_mut() {
            a.arm_endpoint = a.arm_endpoint.take().or_else(|| self.azure_arm_endpoint.clone());
            a.blob_endpoint = a.blob_endpoint.take().or_else(|| self.azure_blob_endpoint.clone());
            a.scm_endpoint = a.scm_endpoint.take().or_else(|| self.azure_scm_endpoint.clone().map(|s| s.replace("{app}", a.app.as_deref().unwrap_or(&spec.raw.name))));
        }
        if let Some(g) = spec.raw.gcp.as_mut() {
            g.endpoint = g.endpoint.take().or_else(|| self.gcp_endpoint.clone());
            g.storage_endpoint = g.storage_endpoint.take().or_else(|| self.gcp_storage_endpoint.clone());
            g.run_endpoint = g.run_endpoint.take().or_else(|| self.gcp_run_endpoint.clone());
            g.logging_endpoint = g.logging_endpoint.take().or_else(|| self.gcp_logging_endpoint.clone());
        }
    }
}

/// The file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    pub name: String,
    pub runtime: String,
    pub handler: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub memory: Option<u32>,
    #[serde(default)]
    pub timeout: Option<u32>,
    /// Clouds deployed when `--cloud` is not given. Default: every cloud with a section.
    #[serde(default)]
    pub clouds: Option<Vec<String>>,
    #[serde(default)]
    pub env: BTreeMap<String, EnvValue>,
    #[serde(default)]
    pub aws: Option<AwsSpec>,
    #[serde(default)]
    pub azure: Option<AzureSpec>,
    #[serde(default)]
    pub gcp: Option<GcpSpec>,
}

/// A loaded spec with what is needed to point at lines.
#[derive(Debug, Clone)]
pub struct Spec {
    pub raw: RawSpec,
    pub path: PathBuf,
    pub dir: PathBuf,
    text: String,
}

/// Largest function spec read: a real one is a few hundred bytes, and TOML parsing costs
/// over ten times the file's size in memory (a 100 MiB spec needed more than 1 GiB).
pub const MAX_SPEC_BYTES: u64 = 1 << 20;

fn read_capped(path: &Path) -> std::io::Result<String> {
    tusk_registry::fsutil::read_text_capped(std::fs::File::open(path)?, MAX_SPEC_BYTES)
        .map_err(|e| e.into_io(|| format!("larger than {} MiB, the most tusk reads as a function spec", MAX_SPEC_BYTES >> 20)))
}

pub const DEFAULT_MEMORY: u32 = 256;
pub const DEFAULT_TIMEOUT: u32 = 30;

impl Spec {
    pub fn load(path: &Path) -> Result<Spec, McError> {
        let text = read_capped(path).map_err(|e| McError::SpecRead { path: path.to_path_buf(), source: e })?;
        Self::parse(path, text)
    }

    pub fn parse(path: &Path, text: String) -> Result<Spec, McError> {
        let raw: RawSpec = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| line_of(&text, s.start));
            McError::SpecSyntax { location: loc(path, line), message: e.message().trim().to_string() }
        })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
        Ok(Spec { raw, path: path.to_path_buf(), dir, text })
    }

    /// `file:line` of `key` inside `[section]` (or the top level when `section` is empty),
    /// or of the section header, or just the file.
    pub fn location(&self, section: &str, key: &str) -> String {
        loc(&self.path, find_key_line(&self.text, section, key))
    }

    pub fn source_dir(&self) -> PathBuf {
        self.dir.join(self.raw.source.as_deref().unwrap_or("."))
    }

    pub fn memory_for(&self, cloud: CloudId) -> u32 {
        let over = match cloud {
            CloudId::Aws => self.raw.aws.as_ref().and_then(|a| a.memory),
            CloudId::Azure => self.raw.azure.as_ref().and_then(|a| a.memory),
            CloudId::Gcp => self.raw.gcp.as_ref().and_then(|a| a.memory),
        };
        let default = if cloud == CloudId::Azure { 2048 } else { DEFAULT_MEMORY };
        over.or(if cloud == CloudId::Azure { None } else { self.raw.memory }).unwrap_or(default)
    }

    pub fn timeout_for(&self, cloud: CloudId) -> u32 {
        let over = match cloud {
            CloudId::Aws => self.raw.aws.as_ref().and_then(|a| a.timeout),
            CloudId::Azure => self.raw.azure.as_ref().and_then(|a| a.timeout),
            CloudId::Gcp => self.raw.gcp.as_ref().and_then(|a| a.timeout),
        };
        over.or(self.raw.timeout).unwrap_or(DEFAULT_TIMEOUT)
    }

    /// Where the memory value for `cloud` was written.
    pub fn memory_location(&self, cloud: CloudId) -> String {
        let has = match cloud {
            CloudId::Aws => self.raw.aws.as_ref().and_then(|a| a.memory).is_some(),
            CloudId::Azure => self.raw.azure.as_ref().and_then(|a| a.memory).is_some(),
            CloudId::Gcp => self.raw.gcp.as_ref().and_then(|a| a.memory).is_some(),
        };
        if has { self.location(cloud.name(), "memory") } else { self.location("", "memory") }
    }

    pub fn timeout_location(&self, cloud: CloudId) -> String {
        let has = match cloud {
            CloudId::Aws => self.raw.aws.as_ref().and_then(|a| a.timeout).is_some(),
            CloudId::Azure => self.raw.azure.as_ref().and_then(|a| a.timeout).is_some(),
            CloudId::Gcp => self.raw.gcp.as_ref().and_then(|a| a.timeout).is_some(),
        };
        if has { self.location(cloud.name(), "timeout") } else { self.location("", "timeout") }
    }

    /// Clouds configured in the file (a section present), in a fixed order.
    pub fn configured_clouds(&self) -> Vec<CloudId> {
        let mut out = Vec::new();
        if self.raw.aws.is_some() {
            out.push(CloudId::Aws);
        }
        if self.raw.azure.is_some() {
            out.push(CloudId::Azure);
        }
        if self.raw.gcp.is_some() {
            out.push(CloudId::Gcp);
        }
        out
    }

    /// Resolves environment values (from the environment or files). Values stay in memory
    /// only; errors name the key, never the value.
    pub fn resolve_env(&self) -> Result<BTreeMap<String, String>, McError> {
        let mut out = BTreeMap::new();
        for (k, v) in &self.raw.env {
            let value = match v {
                EnvValue::Literal(s) => s.clone(),
                EnvValue::From(EnvFrom { from_env: Some(var), from_file: None }) => crate::envvar::var(var).map_err(|_| {
                    McError::Spec {
                        location: self.location("env", k),
                        message: format!("env.{k}: environment variable {var} is not set"),
                        hint: Some(format!("export {var}=… before deploying, or give a literal value")),
                    }
                })?,
                EnvValue::From(EnvFrom { from_env: None, from_file: Some(file) }) => {
                    let p = self.dir.join(file);
                    let s = std::fs::read_to_string(&p).map_err(|e| McError::Spec {
                        location: self.location("env", k),
                        message: format!("env.{k}: cannot read {}: {e}", p.display()),
                        hint: None,
                    })?;
                    s.trim_end_matches(['\n', '\r']).to_string()
                }
                EnvValue::From(_) => {
                    return Err(McError::Spec {
                        location: self.location("env", k),
                        message: format!("env.{k}: give exactly one of from_env or from_file"),
                        hint: Some(format!("{k} = {{ from_env = \"{k}\" }}")),
                    });
                }
            };
            out.insert(k.clone(), value);
        }
        Ok(out)
    }
}

fn loc(path: &Path, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{}:{l}", path.display()),
        None => path.display().to_string(),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// Finds the 1-based line of `key = …` inside `[section]` (top level for ""), falling back
/// to the section header line.
pub fn find_key_line(text: &str, section: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    let mut header_line = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            current = t.trim_start_matches('[').trim_end_matches(']').trim().to_string();
            if current == section {
                header_line = Some(i + 1);
            }
            continue;
        }
        if current != section {
            continue;
        }
        let Some((k, _)) = t.split_once('=') else { continue };
        let k = k.trim().trim_matches('"');
        if k == key {
            return Some(i + 1);
        }
    }
    header_line
}

/// The commented example `init` writes.
pub fn example(name: &str) -> String {
    format!(
        r#"# tusk-function.toml: one function, deployed by `tusk @multicloud deploy`.
# Every value is checked against each cloud's documented limits before any API call.

name = "{name}"               # AWS: 1-64 [A-Za-z0-9_-]; GCP: 4-63 [a-z0-9-]; Azure app: 2-60 [a-z0-9-]
runtime = "python3.12"        # python3.10-3.13, nodejs20, nodejs22, java17, java21, dotnet8
handler = "main.handler"      # <module>.<function> (python), <file>.<export> (node)
source = "src"                # directory zipped (relative to this file)
include = ["**"]              # globs: * within a path segment, ** across segments
exclude = ["**/__pycache__/**", "**/*.pyc", ".git/**"]
memory = 256                  # MB (AWS 128-10240, GCP 128-32768)
timeout = 30                  # seconds (AWS max 900, GCP HTTP max 3600)
# clouds = ["aws", "gcp"]     # default: every cloud that has a section below

[env]                         # values are never written to logs or output
GREETING = "hello"
# API_KEY = {{ from_env = "API_KEY" }}
# DB_URL = {{ from_file = "secrets/db_url" }}

[aws]
region = "us-east-1"
role = "arn:aws:iam::123456789012:role/{name}-lambda"   # or: create_role = true
alias = "live"                # traffic goes through this alias; canaries are weights on it
# bucket = "my-artifacts"     # S3 for packages over 50 MB (or always with upload = "s3")

[azure]
subscription = "00000000-0000-0000-0000-000000000000"
resource_group = "{name}-rg"
location = "westeurope"
app = "{name}"
storage_account = "{storage}"
plan = "flex"                 # Flex Consumption
memory = 2048                 # Flex instance memory: 512, 2048 or 4096

[gcp]
project = "my-project"
region = "us-central1"
# bucket = "my-sources"       # default: a generateUploadUrl signed URL
"#,
        storage = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase() + "fn"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn example_parses() {
        let s = Spec::parse(Path::new("tusk-function.toml"), example("hello")).unwrap();
        assert_eq!(s.raw.name, "hello");
        assert_eq!(s.configured_clouds(), vec![CloudId::Aws, CloudId::Azure, CloudId::Gcp]);
        assert_eq!(s.memory_for(CloudId::Azure), 2048);
        assert_eq!(s.memory_for(CloudId::Aws), 256);
        assert_eq!(s.location("aws", "region"), "tusk-function.toml:20");
    }

    #[test]
    fn syntax_error_has_line() {
        let e = Spec::parse(Path::new("f.toml"), "name = \"x\"\nruntime = 3\nhandler = \"h\"\n".into()).unwrap_err();
        let McError::SpecSyntax { location, .. } = e else { panic!("{e:?}") };
        assert_eq!(location, "f.toml:2");
    }

    #[test]
    fn unknown_key_is_an_error() {
        let e = Spec::parse(Path::new("f.toml"), "name = \"x\"\nruntime = \"python3.12\"\nhandler = \"h\"\nmemroy = 3\n".into())
            .unwrap_err();
        assert!(e.to_string().contains("memroy"), "{e}");
    }
}
