//! `tusk @multicloud promote`: a canary to 100% of traffic on every selected cloud.

use super::{Common, audit_target, dry_run_output, rows_output};
use crate::orchestrate;
use tusk_registry::{Context, Output, Result};

#[derive(clap::Args, Debug)]
pub struct PromoteCommand {
    #[command(flatten)]
    pub common: Common,
}

impl PromoteCommand {
    pub async fn run(self, ctx: &Context) -> Result<Output> {
        let (_, targets) = self.common.connect(ctx).await?;
        audit_target(ctx, &targets);
        if ctx.dry_run {
            return Ok(dry_run_output("promote", &targets));
        }
        let (rows, failed) = orchestrate::each(&targets, ctx, "promote", |t| {
            let cancel = ctx.cancel.clone();
            async move { t.promote(&cancel).await }
        })
        .await;
        Ok(rows_output("promote", rows, failed))
    }
}
