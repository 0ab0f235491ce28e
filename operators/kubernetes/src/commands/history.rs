//! `@kubernetes history`: a Deployment's revisions, one per ReplicaSet it owns.

use crate::client::{KubeArgs, connect};
use crate::deployment;
use serde_json::json;
use tusk_registry::{Cell, Error, Output, Style};

/// A Deployment's revisions (its ReplicaSets)
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = "Examples:\n  tusk @k8s history web")]
pub struct HistoryCommand {
    pub name: String,
    #[command(flatten)]
    pub kube: KubeArgs,
}

impl HistoryCommand {
    pub async fn execute(self) -> Result<Output, Error> {
        let name = self.name;
        let k = connect(&self.kube).await?;
        let (dep, revs) = deployment::revisions(&k, &name).await?;
        let current = deployment::current_revision(&dep);
        let rows = revs
            .iter()
            .map(|r| {
                vec![
                    Cell::from(r.revision.to_string()),
                    Cell::from(r.replicaset.clone()),
                    Cell::from(r.images.join(",")),
                    if r.revision == current { Cell::styled("current", Style::Good) } else { Cell::from("") },
                    Cell::from(r.change_cause.clone().unwrap_or_default()),
                ]
            })
            .collect();
        Ok(Output::new(json!({"name": name, "current": current, "revisions": revs})).table(&["REVISION", "REPLICASET", "IMAGES", "", "CHANGE-CAUSE"], rows))
    }
}
