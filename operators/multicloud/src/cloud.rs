//! What every deployer implements, and the data passed between them and the orchestrator.

use crate::error::McError;
use crate::package::Package;
use crate::spec::{CloudId, Spec};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What should be deployed to one cloud.
pub struct Desired {
    pub spec: Arc<Spec>,
    /// Resolved environment (secret values: never printed or logged).
    pub env: BTreeMap<String, String>,
    pub package: Package,
    /// Canary percentage.
    pub traffic: Option<u8>,
}

impl Desired {
    /// A hash of the deployed configuration (runtime, handler, memory, timeout, env), mixed
    /// with cloud-specific settings.
    pub fn config_hash(&self, cloud: CloudId, extra: &str) -> String {
        let mut h = Sha256::new();
        let s = &self.spec.raw;
        h.update(format!("{}\0{}\0{}\0{}\0{}\0{extra}\0", s.runtime, s.handler, self.spec.memory_for(cloud), self.spec.timeout_for(cloud), s.name));
        for (k, v) in &self.env {
            h.update(k.as_bytes());
            h.update(b"=");
            h.update(v.as_bytes());
            h.update(b"\0");
        }
        hex::encode(h.finalize())
    }

    /// Code + configuration, shortened to 40 hex characters (fits labels and tags).
    pub fn deploy_hash(&self, cloud: CloudId, extra: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.package.sha256.as_bytes());
        h.update(self.config_hash(cloud, extra).as_bytes());
        hex::encode(h.finalize())[..40].to_string()
    }

    pub fn code_hash(&self) -> String {
        self.package.sha256[..40].to_string()
    }
}

/// What is deployed on a cloud before a change.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct State {
    pub exists: bool,
    /// The deploy hash of what serves traffic (None when not deployed by tusk).
    pub deploy_hash: Option<String>,
    pub code_hash: Option<String>,
    /// Version/revision/deployment serving traffic.
    pub version: Option<String>,
    /// A canary in progress: (version, percent).
    pub canary: Option<(String, u8)>,
    pub url: Option<String>,
    /// Cloud-specific data to put things back (`--atomic`).
    #[serde(skip)]
    pub restore: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Created,
    Updated,
    UpToDate,
    Canary,
    Promoted,
    RolledBack,
    Restored,
    Destroyed,
    Failed,
    Planned,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Updated => "updated",
            Change::UpToDate => "up to date",
            Change::Canary => "canary",
            Change::Promoted => "promoted",
            Change::RolledBack => "rolled back",
            Change::Restored => "restored",
            Change::Destroyed => "destroyed",
            Change::Failed => "failed",
            Change::Planned => "planned",
        }
    }
}

/// The result of a deploy/promote/rollback on one cloud.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub change: Change,
    pub version: Option<String>,
    pub url: Option<String>,
    /// Short detail: "code+config", "config", "10% → 2"…
    pub detail: String,
}

/// Live progress for one cloud.
pub type Report<'a> = &'a (dyn Fn(&str) + Send + Sync);

#[async_trait::async_trait]
pub trait Cloud: Send + Sync {
    fn id(&self) -> CloudId;
    /// For the audit log and tables: account/region/name.
    fn target(&self) -> String;
    async fn state(&self) -> Result<State, McError>;
    /// The exact mutating API calls a deploy would make, for `--dry-run`.
    fn plan(&self, state: &State, d: &Desired) -> Vec<String>;
    async fn deploy(&self, state: &State, d: &Desired, report: Report<'_>, cancel: &CancellationToken) -> Result<Outcome, McError>;
    /// Puts back what `before` describes (deletes the function if it did not exist).
    async fn restore(&self, before: &State, cancel: &CancellationToken) -> Result<(), McError>;
    async fn promote(&self, cancel: &CancellationToken) -> Result<Outcome, McError>;
    async fn rollback(&self, cancel: &CancellationToken) -> Result<Outcome, McError>;
    async fn invoke(&self, payload: &[u8]) -> Result<Vec<u8>, McError>;
    async fn destroy(&self, cancel: &CancellationToken) -> Result<(), McError>;
    /// Recent log lines (newest last), where the cloud's API allows.
    async fn logs(&self, since_unix_ms: i64, limit: u32) -> Result<Vec<LogLine>, McError> {
        let _ = (since_unix_ms, limit);
        Err(McError::op(self.id().name(), "logs are not available through this cloud's deployment API in tusk yet"))
    }
}

/// One log line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogLine {
    /// RFC 3339.
    pub timestamp: String,
    pub message: String,
}
