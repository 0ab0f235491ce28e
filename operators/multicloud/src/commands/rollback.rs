//! `tusk @multicloud rollback`: back to the version served before the last deploy, or a
//! canary dropped, on every selected cloud.

use super::{Common, audit_target, dry_run_output, rows_output};
use crate::orchestrate;
use tusk_registry::{Context, Output, Result};

#[derive(clap::Args, Debug)]
pub struct RollbackCommand {
    #[command(flatten)]
    pub common: Common,
}

impl RollbackCommand {
    pub async fn run(self, ctx: &Context) -> Result<Output> {
        let (_, targets) = self.common.connect(ctx).await?;
        audit_target(ctx, &targets);
        if ctx.dry_run {
            return Ok(dry_run_output("rollback", &targets));
        }
        let (rows, failed) = orchestrate::each(&targets, ctx, "rollback", |t| {
            let cancel = ctx.cancel.clone();
            async move { t.rollback(&cancel).await }
        })
        .await;
        Ok(rows_output("rollback", rows, failed))
    }
}
