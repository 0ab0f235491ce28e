//! `@kubernetes rollback`: put a Deployment back on an earlier ReplicaSet's pod template (like
//! `kubectl rollout undo`), then wait for the rollout.

use crate::client::{FIELD_MANAGER, KubeArgs, api_err, connect};
use crate::deployment;
use crate::plan::normalize;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams};
use serde_json::{Value, json};
use tusk_registry::{Cell, Context, Error, Output, Style};

/// Roll a Deployment back to an earlier ReplicaSet revision (like kubectl rollout undo)
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = "Examples:\n  tusk @k8s rollback web\n  tusk @k8s rollback web --to-revision 2")]
pub struct RollbackCommand {
    pub name: String,
    /// Revision to go back to (default: the one before the current)
    #[arg(long, value_name = "N")]
    pub to_revision: Option<i64>,
    #[command(flatten)]
    pub wait: deployment::WaitFlags,
    #[command(flatten)]
    pub kube: KubeArgs,
}

impl RollbackCommand {
    pub async fn execute(self, ctx: Context) -> Result<Output, Error> {
        let RollbackCommand { name, to_revision, wait: deployment::WaitFlags { no_wait, timeout }, kube } = self;
        let k = connect(&kube).await?;
        ctx.audit.set_target(format!("{}, deployment/{name}", k.describe()));
        let (dep, revs) = deployment::revisions(&k, &name).await?;
        let current = deployment::current_revision(&dep);
        let target = match to_revision {
            Some(n) => revs.iter().find(|r| r.revision == n).cloned().ok_or_else(|| {
                Error::usage(format!("deployment/{name} has no revision {n}"))
                    .at("--to-revision")
                    .with_hint(format!("revisions: {}", revs.iter().map(|r| r.revision.to_string()).collect::<Vec<_>>().join(", ")))
            })?,
            None => revs.iter().rev().find(|r| r.revision < current).cloned().ok_or_else(|| {
                Error::failed(format!("deployment/{name} has no revision before {current} to roll back to")).with_hint("`tusk @k8s history NAME` lists revisions")
            })?,
        };
        if target.revision == current {
            return Ok(Output::new(json!({"name": name, "revision": current, "changed": false})).text(format!("deployment/{name} is already at revision {current}")));
        }
        if ctx.dry_run {
            return Ok(Output::new(json!({"name": name, "from": current, "to": target.revision, "dryRun": true}))
                .text(format!("would roll deployment/{name} back from revision {current} to {} (dry run)", target.revision)));
        }
        let mut template = target.template.clone();
        if let Some(l) = template["metadata"]["labels"].as_object_mut() {
            l.remove("pod-template-hash");
        }
        // Apply the whole live object with the old template, as tusk, taking the fields over: a
        // later `tusk deploy` then owns them again without conflicts.
        let mut body = normalize(&serde_json::to_value(&dep).unwrap_or(Value::Null));
        body["spec"]["template"] = template;
        let api: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
        api.patch(&name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&body))
            .await
            .map_err(|e| api_err(&format!("rolling back deployment/{name}"), e))?;
        if !no_wait {
            deployment::wait_rollout(&k, &name, timeout, &ctx).await?;
        }
        Ok(Output::new(json!({"name": name, "from": current, "to": target.revision, "images": target.images}))
            .text(Cell::styled(format!("deployment/{name} rolled back to revision {} ({})", target.revision, target.images.join(",")), Style::Good)))
    }
}
