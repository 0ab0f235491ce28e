//! `tusk @multicloud promote`: a canary to 100% of traffic on every selected cloud.

use super::{Common, audit_target, confirm_plan, dry_run_output, rows_output};
use crate::orchestrate;
use tusk_registry::{Context, Output, Result};

#[derive(clap::Args, Debug)]
pub struct PromoteCommand {
    #[command(flatten)]
    pub common: Common,
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

impl PromoteCommand {
    pub async fn run(self, ctx: &Context) -> Result<Output> {
        let (_, targets) = self.common.connect(ctx).await?;
        audit_target(ctx, &targets);
        if ctx.dry_run {
            return Ok(dry_run_output("promote", &targets));
        }
        if let Some(declined) = confirm_plan(ctx, "promote", &targets, &format!("Promote the canary to 100% of traffic on {}?", super::target_list(&targets)), self.yes)? {
            return Ok(declined);
        }
        let (rows, failed) = orchestrate::each(&targets, ctx, "promote", |t| {
            let cancel = ctx.cancel.clone();
            async move { t.promote(&cancel).await }
        })
        .await;
        Ok(rows_output("promote", rows, failed))
    }
}
