//! `tusk @multicloud status`: what each selected cloud serves (version, URL, deploy hash,
//! a canary in progress). Reads only.

use super::{Common, exit_for};
use crate::cloud::State;
use tusk_registry::{Cell, Context, Output, Result, Style};

#[derive(clap::Args, Debug)]
pub struct StatusCommand {
    #[command(flatten)]
    pub common: Common,
}

impl StatusCommand {
    pub async fn run(self, ctx: &Context) -> Result<Output> {
        let (spec, targets) = self.common.connect(ctx).await?;
        let states = futures::future::join_all(targets.iter().map(|t| t.state())).await;
        let mut rows = Vec::new();
        let mut data = Vec::new();
        let mut failed = 0;
        for (t, s) in targets.iter().zip(states) {
            match s {
                Ok(State { exists, deploy_hash, version, canary, url, .. }) => {
                    let state = if !exists {
                        "not deployed".to_string()
                    } else if let Some((v, p)) = &canary {
                        format!("canary {p}% → {v}")
                    } else {
                        "serving".to_string()
                    };
                    rows.push(vec![
                        Cell::from(t.id().name()),
                        Cell::from(version.clone().unwrap_or_else(|| "-".into())),
                        Cell::from(url.clone().unwrap_or_else(|| "-".into())),
                        Cell::from(deploy_hash.as_deref().map(|h| h[..12.min(h.len())].to_string()).unwrap_or_else(|| "-".into())),
                        Cell::styled(state.clone(), if exists { Style::Good } else { Style::Dim }),
                    ]);
                    data.push(serde_json::json!({"cloud": t.id(), "target": t.target(), "deployed": exists, "version": version, "url": url,
                        "deploy_hash": deploy_hash, "canary": canary.map(|(v, p)| serde_json::json!({"version": v, "percent": p}))}));
                }
                Err(e) => {
                    failed += 1;
                    rows.push(vec![Cell::from(t.id().name()), Cell::from("-"), Cell::from("-"), Cell::from("-"), Cell::styled(e.to_string(), Style::Bad)]);
                    data.push(serde_json::json!({"cloud": t.id(), "target": t.target(), "error": e.to_string()}));
                }
            }
        }
        let out = Output::new(serde_json::json!({"function": spec.raw.name, "clouds": data})).table(&["CLOUD", "VERSION", "URL/ARN", "HASH", "STATE"], rows);
        Ok(exit_for(out, failed, targets.len()))
    }
}
