//! The `@kubernetes` verbs, one file each with its clap arguments, help text and `execute`:
//! `@kubernetes rollback` is `commands/rollback.rs`. [`Verb`] is the one place that lists them
//! and says which ones change the cluster. What several verbs share lives beside
//! this folder: `client` (connecting), `input` (the documents to work on), `plan` (server-side
//! dry run and the change table), `wait` (readiness and failure explanations), `deployment`
//! (one Deployment: read, wait, revisions), `render`, `manifest`, `table`.

pub mod delete;
pub mod deploy;
pub mod diff;
pub mod get;
pub mod history;
pub mod logs;
pub mod render;
pub mod restart;
pub mod rollback;
pub mod scale;
pub mod status;

use clap::Subcommand;
use tusk_registry::{Context, Error, Output};

/// The verbs, in the order `tusk @k8s --help` lists them.
#[derive(Debug, Subcommand)]
pub enum Verb {
    Deploy(deploy::DeployCommand),
    Render(render::RenderCommand),
    Diff(diff::DiffCommand),
    Status(status::StatusCommand),
    Get(get::GetCommand),
    Scale(scale::ScaleCommand),
    Restart(restart::RestartCommand),
    Rollback(rollback::RollbackCommand),
    History(history::HistoryCommand),
    Delete(delete::DeleteCommand),
    Logs(logs::LogsCommand),
}

impl Verb {
    /// Whether the verb changes the cluster (then it is audited and honours `--dry-run`).
    /// No wildcard: a new verb has to decide.
    pub fn is_mutating(&self) -> bool {
        match self {
            Verb::Deploy(_) | Verb::Scale(_) | Verb::Restart(_) | Verb::Rollback(_) | Verb::Delete(_) => true,
            Verb::Render(_) | Verb::Diff(_) | Verb::Status(_) | Verb::Get(_) | Verb::History(_) | Verb::Logs(_) => false,
        }
    }

    pub async fn execute(self, ctx: Context) -> Result<Output, Error> {
        match self {
            Verb::Deploy(c) => c.execute(ctx).await,
            Verb::Render(c) => c.execute(),
            Verb::Diff(c) => c.execute().await,
            Verb::Status(c) => c.execute().await,
            Verb::Get(c) => c.execute().await,
            Verb::Scale(c) => c.execute(ctx).await,
            Verb::Restart(c) => c.execute(ctx).await,
            Verb::Rollback(c) => c.execute(ctx).await,
            Verb::History(c) => c.execute().await,
            Verb::Delete(c) => c.execute(ctx).await,
            Verb::Logs(c) => c.execute(ctx).await,
        }
    }
}
