//! `tusk @multicloud destroy`: the function deleted from every selected cloud, after a
//! confirmation unless `--yes`.

use super::{Common, audit_target, rows_output};
use crate::cloud::{Change, Outcome};
use crate::orchestrate;
use tusk_registry::{Block, Cell, Context, ExitStatus, Output, Result};

#[derive(clap::Args, Debug)]
pub struct DestroyCommand {
    #[command(flatten)]
    pub common: Common,
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

impl DestroyCommand {
    pub async fn run(self, ctx: &Context) -> Result<Output> {
        let (spec, targets) = self.common.connect(ctx).await?;
        audit_target(ctx, &targets);
        let names: Vec<String> = targets.iter().map(|t| t.target()).collect();
        if ctx.dry_run {
            return Ok(Output::new(serde_json::json!({"dry_run": true, "destroy": names})).lines(names.iter().map(|n| format!("would delete {n}"))));
        }
        ctx.ui.show(&[Block::Text(names.iter().map(|n| Cell::from(format!("would delete {n}"))).collect())]);
        if !self.yes && !ctx.ui.confirm(&format!("Delete {} from {}?", spec.raw.name, names.join(", ")))? {
            return Ok(Output::new(serde_json::json!({"destroyed": false})).text("nothing deleted").with_status(ExitStatus::Failure));
        }
        let (rows, failed) = orchestrate::each(&targets, ctx, "destroy", |t| {
            let cancel = ctx.cancel.clone();
            async move {
                t.destroy(&cancel).await?;
                Ok(Outcome { change: Change::Destroyed, version: None, url: None, detail: String::new() })
            }
        })
        .await;
        Ok(rows_output("destroy", rows, failed))
    }
}
