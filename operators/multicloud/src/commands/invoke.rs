//! `tusk @multicloud invoke`: the deployed function called on every selected cloud with one
//! payload, each answer printed.

use super::{Common, audit_target, exit_for};
use crate::orchestrate;
use std::path::PathBuf;
use tusk_registry::{Cell, Context, Error, Output, Result, Style};

#[derive(clap::Args, Debug)]
pub struct InvokeCommand {
    #[command(flatten)]
    pub common: Common,
    /// JSON payload.
    #[arg(long, conflicts_with = "data_file")]
    pub data: Option<String>,
    /// Read the payload from a file.
    #[arg(long, value_name = "PATH")]
    pub data_file: Option<PathBuf>,
}

impl InvokeCommand {
    pub async fn run(self, ctx: &Context) -> Result<Output> {
        let payload = match (self.data, &self.data_file) {
            (Some(d), _) => d.into_bytes(),
            (None, Some(f)) => std::fs::read(f).map_err(|e| Error::usage(format!("cannot read {}: {e}", f.display())).at("--data-file"))?,
            (None, None) => b"{}".to_vec(),
        };
        let (spec, targets) = self.common.connect(ctx).await?;
        audit_target(ctx, &targets);
        let results = futures::future::join_all(targets.iter().map(|t| t.invoke(&payload))).await;
        let mut data = Vec::new();
        let mut lines = Vec::new();
        let mut failed = 0;
        for (t, r) in targets.iter().zip(results) {
            match r {
                Ok(body) => {
                    let text = String::from_utf8_lossy(&body).into_owned();
                    lines.push(Cell::from(format!("{}: {text}", t.id().name())));
                    let parsed = serde_json::from_slice::<serde_json::Value>(&body).unwrap_or(serde_json::Value::String(text));
                    data.push(serde_json::json!({"cloud": t.id(), "ok": true, "response": parsed}));
                }
                Err(e) => {
                    failed += 1;
                    lines.push(Cell::styled(orchestrate::error_line(t.id(), &e.to_string()), Style::Bad));
                    data.push(serde_json::json!({"cloud": t.id(), "ok": false, "error": e.to_string()}));
                }
            }
        }
        let out = Output::new(serde_json::json!({"function": spec.raw.name, "results": data})).lines(lines);
        Ok(exit_for(out, failed, targets.len()))
    }
}
