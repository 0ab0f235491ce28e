//! `@kubernetes status`: a Deployment's rollout state (judged as `deploy` waits), its pods and
//! their recent warning events.

use crate::client::{KubeArgs, api_err, connect};
use crate::deployment;
use crate::table::pod_row;
use crate::wait;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams};
use serde_json::{Value, json};
use tusk_registry::{Block, Cell, Error, Output, Style};

/// Rollout state, pods and recent warning events of a Deployment
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = "Examples:\n  tusk @k8s status web\n  tusk @k8s status web -n shop -o json")]
pub struct StatusCommand {
    pub name: String,
    #[command(flatten)]
    pub kube: KubeArgs,
}

impl StatusCommand {
    pub async fn execute(self) -> Result<Output, Error> {
        let k = connect(&self.kube).await?;
        let name = self.name.as_str();
        let api: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
        let dep = deployment::get(&api, name, &k).await?;
        let obj = serde_json::to_value(&dep).unwrap_or(Value::Null);
        let pods = wait::current_pods(&k, "Deployment", &k.namespace, &obj).await.map_err(|e| api_err("listing pods", e))?;
        let verdict = wait::evaluate("Deployment", &obj, &pods);
        let (state, msg, style) = match &verdict {
            wait::Verdict::Ready(m) => ("ready", m.clone(), Style::Good),
            wait::Verdict::Progress(m) => ("progressing", m.clone(), Style::Warn),
            wait::Verdict::Failed(m) => ("failed", m.clone(), Style::Bad),
        };
        let all_pods: Api<Pod> = Api::namespaced(k.client.clone(), &k.namespace);
        let sel = obj["spec"]["selector"]["matchLabels"]
            .as_object()
            .map(|m| m.iter().map(|(a, b)| format!("{a}={}", b.as_str().unwrap_or(""))).collect::<Vec<_>>().join(","))
            .unwrap_or_default();
        let pod_list = all_pods.list(&ListParams::default().labels(&sel)).await.map_err(|e| api_err("listing pods", e))?;
        let pod_values: Vec<Value> = pod_list.items.iter().map(|p| serde_json::to_value(p).unwrap_or(Value::Null)).collect();
        let events: Api<Event> = Api::namespaced(k.client.clone(), &k.namespace);
        let evs = events.list(&ListParams::default().fields("type=Warning")).await.map_err(|e| api_err("listing events", e))?;
        let mut names: Vec<String> = pod_list.items.iter().filter_map(|p| p.metadata.name.clone()).collect();
        names.push(name.to_string());
        let mut warnings: Vec<(String, String, String, i32)> = evs
            .items
            .iter()
            .filter(|e| e.involved_object.name.as_ref().is_some_and(|n| names.contains(n)))
            .map(|e| (e.involved_object.name.clone().unwrap_or_default(), e.reason.clone().unwrap_or_default(), e.message.clone().unwrap_or_default(), e.count.unwrap_or(1)))
            .collect();
        warnings.sort();
        warnings.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
        warnings.truncate(10);
        let images: Vec<String> = obj["spec"]["template"]["spec"]["containers"].as_array().map(|c| c.iter().filter_map(|c| c["image"].as_str().map(String::from)).collect()).unwrap_or_default();
        let revision = obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str().unwrap_or("").to_string();
        let desired = obj["spec"]["replicas"].as_i64().unwrap_or(1);
        let data = json!({
            "name": name, "namespace": k.namespace, "state": state, "message": msg, "revision": revision, "images": images,
            "replicas": {"desired": desired, "updated": obj["status"]["updatedReplicas"].as_i64().unwrap_or(0),
                         "ready": obj["status"]["readyReplicas"].as_i64().unwrap_or(0), "available": obj["status"]["availableReplicas"].as_i64().unwrap_or(0)},
            "pods": pod_values.iter().map(|p| json!({"name": p["metadata"]["name"], "phase": p["status"]["phase"]})).collect::<Vec<_>>(),
            "warnings": warnings.iter().map(|w| json!({"object": w.0, "reason": w.1, "message": w.2, "count": w.3})).collect::<Vec<_>>(),
        });
        let mut out = Output::new(data).kv([
            ("deployment", Cell::from(format!("{}/{name}", k.namespace))),
            ("state", Cell::styled(format!("{state}: {msg}"), style)),
            ("revision", Cell::from(revision)),
            ("images", Cell::from(images.join(", "))),
            (
                "replicas",
                Cell::from(format!(
                    "{desired} desired, {} updated, {} ready, {} available",
                    obj["status"]["updatedReplicas"].as_i64().unwrap_or(0),
                    obj["status"]["readyReplicas"].as_i64().unwrap_or(0),
                    obj["status"]["availableReplicas"].as_i64().unwrap_or(0)
                )),
            ),
        ]);
        out = out.table(&["POD", "READY", "STATUS", "RESTARTS", "AGE"], pod_values.iter().map(pod_row).collect());
        if !warnings.is_empty() {
            out = out.block(Block::Heading("Recent warning events".into()));
            out = out.table(&["OBJECT", "REASON", "MESSAGE", "COUNT"], warnings.iter().map(|w| vec![Cell::from(w.0.clone()), Cell::styled(w.1.clone(), Style::Warn), Cell::from(w.2.clone()), Cell::from(w.3.to_string())]).collect());
        }
        Ok(out)
    }
}
