//! The operator trait: what every built-in operator implements.

use crate::audit::AuditScope;
use crate::config::Config;
use crate::error::Result;
use crate::output::{Block, Output};
use crate::paths::Paths;
use crate::progress::Progress;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Another name for an operator. `preset` is operator-defined meaning given to the alias:
/// `@npm` is `@packages` with preset `npm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    pub name: &'static str,
    pub preset: Option<&'static str>,
}

/// Static facts about an operator. Building this must be free: no SDK, runtime or network.
#[derive(Debug, Clone, Copy)]
pub struct OperatorInfo {
    pub name: &'static str,
    pub aliases: &'static [Alias],
    pub summary: &'static str,
    pub version: &'static str,
}

/// The output format chosen with `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
    Yaml,
}

impl OutputFormat {
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Text => "text",
            OutputFormat::Json => "json",
            OutputFormat::Yaml => "yaml",
        }
    }
}

/// A parsed verb invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The verb's name (the clap subcommand name).
    pub verb: String,
    /// The operator's matches (the verb is its subcommand), for `FromArgMatches`.
    pub matches: clap::ArgMatches,
    /// The name the user typed (`k8s`, `npm`, `packages`…), without `@`.
    pub invoked_as: String,
    /// The alias preset, if invoked through an alias that has one.
    pub preset: Option<String>,
}

/// Talking to the user mid-operation (a plan before a confirmation). Implemented by the CLI
/// on stderr; operators never print.
pub trait Interaction: Send + Sync {
    /// Shows blocks on stderr (a change table before applying). Hidden with `-q`.
    fn show(&self, blocks: &[Block]);
    /// Asks a yes/no question. Returns `Ok(false)` when the answer is no; an error when no
    /// one can answer (stdin is not a terminal): pass `--yes` in scripts.
    fn confirm(&self, question: &str) -> Result<bool>;
}

/// Everything an operator gets besides its arguments.
#[derive(Clone)]
pub struct Context {
    pub config: Arc<Config>,
    pub output: OutputFormat,
    /// `--dry-run`: print the plan, change nothing.
    pub dry_run: bool,
    /// -1 for `-q`, 0 default, 1 `-v`, 2 `-vv`.
    pub verbosity: i8,
    pub progress: Progress,
    pub cancel: CancellationToken,
    pub audit: AuditScope,
    pub paths: Paths,
    pub ui: Arc<dyn Interaction>,
}

/// A built-in operator.
#[async_trait::async_trait]
pub trait Operator: Send + Sync {
    fn info(&self) -> OperatorInfo;

    /// The operator's command: its subcommands are the verbs, each with long help that
    /// includes examples. The command's name is the operator's name.
    fn command(&self) -> clap::Command;

    /// The command as seen through an alias with a preset (`@npm` is `@packages` with preset
    /// `npm`): an operator may drop arguments the preset fills in (the `<eco>` positional).
    /// The CLI parses with this and passes the preset in [`Invocation::preset`].
    fn command_for(&self, _preset: Option<&str>) -> clap::Command {
        self.command()
    }

    /// Whether this invocation changes something outside this machine; those are written to
    /// the audit log (and must honour `--dry-run`). Operators answer from their verb enum
    /// (parsed from [`Invocation::matches`]), never by comparing verb names as strings.
    fn is_mutating(&self, _invocation: &Invocation) -> bool {
        false
    }

    async fn run(&self, invocation: Invocation, ctx: Context) -> Result<Output>;

    /// Health checks for `tusk doctor` (is the kube context reachable, does the wasmtime
    /// engine start…). Must be quick, must never print or return a secret.
    async fn doctor(&self, _ctx: &Context) -> Vec<DoctorCheck> {
        Vec::new()
    }
}

/// One line of `tusk doctor`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DoctorCheck {
    /// What was checked (`kube context`, `wasmtime`).
    pub name: String,
    pub status: CheckStatus,
    /// What was found, without secrets (`context kind-dev (https://127.0.0.1:6443): Kubernetes v1.34.0: reachable`).
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    Warn,
    Missing,
    Fail,
    Info,
}
