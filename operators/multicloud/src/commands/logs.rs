//! `tusk @multicloud logs`: recent log lines from each selected cloud (AWS CloudWatch Logs,
//! GCP Cloud Logging; Azure says it has none through tusk yet).

use super::{Common, exit_for};
use crate::orchestrate;
use std::time::Duration;
use tusk_registry::{Cell, Context, Error, Output, Result, Style};

#[derive(clap::Args, Debug)]
pub struct LogsCommand {
    #[command(flatten)]
    pub common: Common,
    /// How far back: 30s, 10m, 1h30m, 2d (a bare number is seconds).
    #[arg(long, default_value = "1h", value_name = "DURATION", value_parser = tusk_registry::duration::parse)]
    pub since: Duration,
    /// Most lines per cloud.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

impl LogsCommand {
    pub async fn run(self, ctx: &Context) -> Result<Output> {
        if self.limit == 0 || self.limit > 10_000 {
            return Err(Error::usage("--limit must be 1-10000").at("--limit"));
        }
        let (spec, targets) = self.common.connect(ctx).await?;
        let back_ms = i64::try_from(self.since.as_millis()).unwrap_or(i64::MAX);
        let since_ms = (time::OffsetDateTime::now_utc().unix_timestamp() * 1000).saturating_sub(back_ms);
        let results = futures::future::join_all(targets.iter().map(|t| t.logs(since_ms, self.limit))).await;
        let mut lines = Vec::new();
        let mut data = Vec::new();
        let mut failed = 0;
        for (t, r) in targets.iter().zip(results) {
            match r {
                Ok(entries) => {
                    for e in &entries {
                        lines.push(Cell::from(format!("{:<5} {} {}", t.id().name(), e.timestamp, e.message)));
                    }
                    data.push(serde_json::json!({"cloud": t.id(), "entries": entries}));
                }
                Err(e) => {
                    failed += 1;
                    lines.push(Cell::styled(orchestrate::error_line(t.id(), &e.to_string()), Style::Warn));
                    data.push(serde_json::json!({"cloud": t.id(), "error": e.to_string()}));
                }
            }
        }
        let out = Output::new(serde_json::json!({"function": spec.raw.name, "clouds": data})).lines(lines);
        Ok(exit_for(out, failed, targets.len()))
    }
}
