//! `@kubernetes get`: list objects of any kind the server serves (found by discovery: plural,
//! singular, kind or kubectl's short names), in kubectl's columns for pods, deployments,
//! services and replicasets, NAME/AGE for the rest.

use crate::client::{KubeArgs, api_err, connect};
use crate::table::{age, pod_row};
use kube::api::ListParams;
use serde_json::{Value, json};
use tusk_registry::{Cell, Error, Output};

/// List objects of a kind, like kubectl get
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = "Examples:\n  tusk @k8s get pods\n  tusk @k8s get deploy web\n  tusk @k8s get svc -n shop -o json")]
pub struct GetCommand {
    /// Kind, plural, singular or short name (pods, deploy, svc, …)
    pub kind: String,
    pub name: Option<String>,
    /// Label selector, e.g. app.kubernetes.io/name=web
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    #[command(flatten)]
    pub kube: KubeArgs,
}

impl GetCommand {
    pub async fn execute(self) -> Result<Output, Error> {
        let k = connect(&self.kube).await?;
        let (kind, name, selector) = (self.kind.as_str(), self.name.as_deref(), self.selector.as_deref());
        let discovery = kube::Discovery::new(k.client.clone()).run().await.map_err(|e| api_err("discovery", e))?;
        let want = kind.to_lowercase();
        let mut found = None;
        let mut all_names = Vec::new();
        for group in discovery.groups() {
            for (ar, caps) in group.recommended_resources() {
                all_names.push(ar.plural.clone());
                let short = ["po:pods", "deploy:deployments", "svc:services", "rs:replicasets", "sts:statefulsets", "ds:daemonsets", "cm:configmaps", "ns:namespaces", "pvc:persistentvolumeclaims", "hpa:horizontalpodautoscalers", "ing:ingresses", "sa:serviceaccounts", "no:nodes", "ev:events", "crd:customresourcedefinitions", "cj:cronjobs"];
                let is_short = short.iter().any(|s| s.split_once(':').is_some_and(|(a, b)| a == want && b == ar.plural));
                if (ar.plural == want || ar.kind.to_lowercase() == want || is_short || format!("{}.{}", ar.plural, ar.group) == want)
                    && (found.is_none() || ar.group.is_empty()) {
                        found = Some((ar, caps));
                    }
            }
        }
        let Some((ar, caps)) = found else {
            let s = tusk_registry::suggest(&want, all_names);
            return Err(Error::usage(format!("the server has no resource type `{kind}`"))
                .at("KIND")
                .with_hint(s.first().map(|x| format!("did you mean {x}?")).unwrap_or_else(|| "e.g. pods, deployments, services".into())));
        };
        let api = k.dynamic(&ar, &caps, &k.namespace);
        let items: Vec<Value> = match name {
            Some(n) => match api.get_opt(n).await {
                Ok(Some(o)) => vec![serde_json::to_value(o).unwrap_or(Value::Null)],
                Ok(None) => return Err(Error::failed(format!("{}/{n} not found in namespace {}", ar.plural, k.namespace))),
                Err(e) => return Err(api_err(&format!("reading {}/{n}", ar.plural), e)),
            },
            None => {
                let mut lp = ListParams::default();
                if let Some(s) = selector {
                    lp = lp.labels(s);
                }
                api.list(&lp).await.map_err(|e| api_err(&format!("listing {}", ar.plural), e))?.items.into_iter().map(|o| serde_json::to_value(o).unwrap_or(Value::Null)).collect()
            }
        };
        let (cols, rows): (Vec<&str>, Vec<Vec<Cell>>) = match ar.kind.as_str() {
            "Pod" => (vec!["NAME", "READY", "STATUS", "RESTARTS", "AGE"], items.iter().map(pod_row).collect()),
            "Deployment" => (
                vec!["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
                items
                    .iter()
                    .map(|d| {
                        vec![
                            Cell::from(d["metadata"]["name"].as_str().unwrap_or("").to_string()),
                            Cell::from(format!("{}/{}", d["status"]["readyReplicas"].as_i64().unwrap_or(0), d["spec"]["replicas"].as_i64().unwrap_or(1))),
                            Cell::from(d["status"]["updatedReplicas"].as_i64().unwrap_or(0).to_string()),
                            Cell::from(d["status"]["availableReplicas"].as_i64().unwrap_or(0).to_string()),
                            Cell::from(age(d["metadata"]["creationTimestamp"].as_str())),
                        ]
                    })
                    .collect(),
            ),
            "Service" => (
                vec!["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
                items
                    .iter()
                    .map(|s| {
                        let ports = s["spec"]["ports"]
                            .as_array()
                            .map(|ps| {
                                ps.iter()
                                    .map(|p| match p["nodePort"].as_i64() {
                                        Some(np) => format!("{}:{np}/{}", p["port"], p["protocol"].as_str().unwrap_or("TCP")),
                                        None => format!("{}/{}", p["port"], p["protocol"].as_str().unwrap_or("TCP")),
                                    })
                                    .collect::<Vec<_>>()
                                    .join(",")
                            })
                            .unwrap_or_default();
                        let ext = s["status"]["loadBalancer"]["ingress"][0]["ip"].as_str().map(String::from).unwrap_or_else(|| {
                            if s["spec"]["type"] == "LoadBalancer" { "<pending>".into() } else { "<none>".into() }
                        });
                        vec![
                            Cell::from(s["metadata"]["name"].as_str().unwrap_or("").to_string()),
                            Cell::from(s["spec"]["type"].as_str().unwrap_or("ClusterIP").to_string()),
                            Cell::from(s["spec"]["clusterIP"].as_str().unwrap_or("").to_string()),
                            Cell::from(ext),
                            Cell::from(ports),
                            Cell::from(age(s["metadata"]["creationTimestamp"].as_str())),
                        ]
                    })
                    .collect(),
            ),
            "ReplicaSet" => (
                vec!["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
                items
                    .iter()
                    .map(|r| {
                        vec![
                            Cell::from(r["metadata"]["name"].as_str().unwrap_or("").to_string()),
                            Cell::from(r["spec"]["replicas"].as_i64().unwrap_or(1).to_string()),
                            Cell::from(r["status"]["replicas"].as_i64().unwrap_or(0).to_string()),
                            Cell::from(r["status"]["readyReplicas"].as_i64().unwrap_or(0).to_string()),
                            Cell::from(age(r["metadata"]["creationTimestamp"].as_str())),
                        ]
                    })
                    .collect(),
            ),
            _ => (
                vec!["NAME", "AGE"],
                items.iter().map(|o| vec![Cell::from(o["metadata"]["name"].as_str().unwrap_or("").to_string()), Cell::from(age(o["metadata"]["creationTimestamp"].as_str()))]).collect(),
            ),
        };
        let mut out = Output::new(json!({"kind": ar.kind, "namespace": k.namespace, "items": items}));
        if rows.is_empty() {
            out = out.text(format!("No {} in namespace {}.", ar.plural, k.namespace));
        } else {
            out = out.table(&cols, rows);
        }
        Ok(out)
    }
}
