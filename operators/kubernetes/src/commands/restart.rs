//! `@kubernetes restart`: a rolling restart of a Deployment's pods (the
//! `kubectl.kubernetes.io/restartedAt` template annotation, as `kubectl rollout restart`
//! sets it), then wait for the rollout.

use crate::client::{FIELD_MANAGER, KubeArgs, api_err, connect};
use crate::deployment;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;
use tusk_registry::{Cell, Context, Error, Output, Style};

/// Restart a Deployment's pods (a rolling restart) and wait
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = "Examples:\n  tusk @k8s restart web")]
pub struct RestartCommand {
    pub name: String,
    #[command(flatten)]
    pub wait: deployment::WaitFlags,
    #[command(flatten)]
    pub kube: KubeArgs,
}

impl RestartCommand {
    pub async fn execute(self, ctx: Context) -> Result<Output, Error> {
        let RestartCommand { name, wait: deployment::WaitFlags { no_wait, timeout }, kube } = self;
        let k = connect(&kube).await?;
        ctx.audit.set_target(format!("{}, deployment/{name}", k.describe()));
        let api: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
        deployment::get(&api, &name, &k).await?;
        if ctx.dry_run {
            return Ok(Output::new(json!({"name": name, "dryRun": true})).text(format!("would restart deployment/{name} (dry run)")));
        }
        let now = tusk_registry::audit::now_rfc3339();
        let patch = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": now}}}}});
        api.patch(&name, &PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..Default::default() }, &Patch::Merge(&patch))
            .await
            .map_err(|e| api_err(&format!("restarting deployment/{name}"), e))?;
        if !no_wait {
            deployment::wait_rollout(&k, &name, timeout, &ctx).await?;
        }
        Ok(Output::new(json!({"name": name, "restartedAt": now})).text(Cell::styled(format!("deployment/{name} restarted"), Style::Good)))
    }
}
