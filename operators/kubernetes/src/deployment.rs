//! One Deployment, as `status`, `scale`, `restart`, `history` and `rollback` see it: read it
//! (with a hint when it is not there), wait for its rollout, list its revisions.

use crate::client::{Kube, api_err};
use crate::wait::{self, Waitable};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use kube::api::{Api, ListParams};
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;
use tusk_registry::{Context, Error};

/// `--no-wait` and `--timeout` of the verbs that change one Deployment and then wait for its
/// rollout (`scale`, `restart`, `rollback`).
#[derive(Debug, Clone, clap::Args)]
pub struct WaitFlags {
    #[arg(long)]
    pub no_wait: bool,
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = tusk_registry::duration::parse)]
    pub timeout: Duration,
}

/// The Deployment NAME in the context's namespace; not found is an error with a hint.
pub async fn get(api: &Api<Deployment>, name: &str, k: &Kube) -> Result<Deployment, Error> {
    match api.get_opt(name).await {
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err(Error::failed(format!("deployment/{name} not found in namespace {}", k.namespace))
            .with_hint(format!("`tusk @k8s get deploy -n {}` lists them; -n picks the namespace", k.namespace))),
        Err(e) => Err(api_err(&format!("reading deployment/{name}"), e)),
    }
}

/// Waits for the Deployment's rollout as `deploy` does (within `timeout`, stopping on Ctrl-C).
pub async fn wait_rollout(k: &Kube, name: &str, timeout: Duration, ctx: &Context) -> Result<(), Error> {
    let Some((ar, caps)) = k.resource("apps/v1", "Deployment").await.map_err(|e| api_err("discovery", e))? else {
        return Err(Error::unsupported("this cluster does not serve apps/v1 Deployments"));
    };
    let w = Waitable { ar, caps, ns: k.namespace.clone(), kind: "Deployment".into(), name: name.to_string() };
    let task = ctx.progress.task(format!("deployment/{name}"));
    let o = wait::wait_one(k, &w, task, Instant::now() + timeout, &ctx.cancel).await;
    match o.result.as_str() {
        "ready" => Ok(()),
        "interrupted" => Err(Error::interrupted()),
        _ => Err(wait::outcome_error(&o)),
    }
}

/// One revision of a Deployment: a ReplicaSet it owns (shape of `history -o json`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Revision {
    pub revision: i64,
    pub replicaset: String,
    pub images: Vec<String>,
    #[serde(rename = "changeCause")]
    pub change_cause: Option<String>,
    #[serde(skip)]
    pub template: Value,
}

/// The Deployment and its revisions (the ReplicaSets it owns), oldest first.
pub async fn revisions(k: &Kube, name: &str) -> Result<(Deployment, Vec<Revision>), Error> {
    let api: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
    let dep = get(&api, name, k).await?;
    let uid = dep.metadata.uid.clone().unwrap_or_default();
    let rs_api: Api<ReplicaSet> = Api::namespaced(k.client.clone(), &k.namespace);
    let list = rs_api.list(&ListParams::default()).await.map_err(|e| api_err("listing replicasets", e))?;
    let mut revs: Vec<Revision> = list
        .items
        .into_iter()
        .filter(|r| r.metadata.owner_references.iter().flatten().any(|o| o.uid == uid))
        .filter_map(|r| {
            let ann = r.metadata.annotations.clone().unwrap_or_default();
            let revision = ann.get("deployment.kubernetes.io/revision")?.parse().ok()?;
            let template = serde_json::to_value(r.spec.as_ref().and_then(|s| s.template.clone())).unwrap_or(Value::Null);
            let images = template["spec"]["containers"].as_array().map(|cs| cs.iter().filter_map(|c| c["image"].as_str().map(String::from)).collect()).unwrap_or_default();
            Some(Revision { revision, replicaset: r.metadata.name.clone().unwrap_or_default(), images, change_cause: ann.get("kubernetes.io/change-cause").cloned(), template })
        })
        .collect();
    revs.sort_by_key(|r| r.revision);
    Ok((dep, revs))
}

/// The revision the Deployment is at (`deployment.kubernetes.io/revision`; 0 before the first).
pub fn current_revision(dep: &Deployment) -> i64 {
    dep.metadata.annotations.as_ref().and_then(|a| a.get("deployment.kubernetes.io/revision")).and_then(|r| r.parse::<i64>().ok()).unwrap_or(0)
}
