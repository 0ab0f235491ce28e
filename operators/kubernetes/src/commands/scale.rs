//! `@kubernetes scale`: set a Deployment's replica count through its scale subresource, then
//! wait for the rollout.

use crate::client::{FIELD_MANAGER, KubeArgs, api_err, connect};
use crate::deployment;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;
use tusk_registry::{Cell, Context, Error, Output, Style};

/// Set a Deployment's replica count and wait for it
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = "Examples:\n  tusk @k8s scale web 5\n  tusk @k8s scale web 0 --no-wait")]
pub struct ScaleCommand {
    pub name: String,
    pub replicas: i32,
    #[command(flatten)]
    pub wait: deployment::WaitFlags,
    #[command(flatten)]
    pub kube: KubeArgs,
}

impl ScaleCommand {
    pub async fn execute(self, ctx: Context) -> Result<Output, Error> {
        let ScaleCommand { name, replicas, wait: deployment::WaitFlags { no_wait, timeout }, kube } = self;
        let k = connect(&kube).await?;
        if replicas < 0 {
            return Err(Error::usage("replicas cannot be negative").at("REPLICAS"));
        }
        ctx.audit.set_target(format!("{}, deployment/{name}", k.describe()));
        let api: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
        let cur = deployment::get(&api, &name, &k).await?;
        let from = cur.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        if ctx.dry_run {
            return Ok(Output::new(json!({"name": name, "from": from, "to": replicas, "dryRun": true}))
                .text(format!("would scale deployment/{name} from {from} to {replicas} (dry run)")));
        }
        api.patch_scale(&name, &PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..Default::default() }, &Patch::Merge(json!({"spec": {"replicas": replicas}})))
            .await
            .map_err(|e| api_err(&format!("scaling deployment/{name}"), e))?;
        let mut out = Output::new(json!({"name": name, "from": from, "to": replicas}));
        if !no_wait {
            deployment::wait_rollout(&k, &name, timeout, &ctx).await?;
        }
        out = out.text(Cell::styled(format!("deployment/{name} scaled from {from} to {replicas}"), Style::Good));
        Ok(out)
    }
}
