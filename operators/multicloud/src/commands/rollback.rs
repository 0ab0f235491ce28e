//! `tusk @multicloud rollback`: back to the version served before the last deploy, or a
//! canary dropped, on every selected cloud.

use super::{Common, audit_target, confirm_plan, dry_run_output, rows_output};
use crate::orchestrate;
use tusk_registry::{Context, Output, Result};

#[derive(clap::Args, Debug)]
pub struct RollbackCommand {
    #[command(flatten)]
    pub common: Common,
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

impl RollbackCommand {
    pub async fn run(self, ctx: &Context) -> Result<Output> {
        let (_, targets) = self.common.connect(ctx).await?;
        audit_target(ctx, &targets);
        if ctx.dry_run {
            return Ok(dry_run_output("rollback", &targets));
        }
        if let Some(declined) = confirm_plan(ctx, "rollback", &targets, &format!("Roll back {}?", super::target_list(&targets)), self.yes)? {
            return Ok(declined);
        }
        let (rows, failed) = orchestrate::each(&targets, ctx, "rollback", |t| {
            let cancel = ctx.cancel.clone();
            async move { t.rollback(&cancel).await }
        })
        .await;
        Ok(rows_output("rollback", rows, failed))
    }
}
