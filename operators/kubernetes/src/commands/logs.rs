//! `@kubernetes logs`: the logs of every pod of a Deployment (or of one pod), each line
//! prefixed by the pod (and container, when there are several); `-f` streams until Ctrl-C.

use crate::client::{KubeArgs, api_err, connect};
use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use serde_json::json;
use tusk_registry::{Context, Error, Output};

/// Logs of all pods of a Deployment (or a pod), prefixed by pod name
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = "Examples:\n  tusk @k8s logs web\n  tusk @k8s logs web -f --since 10m\n  tusk @k8s logs web --container sidecar --tail 50")]
pub struct LogsCommand {
    pub name: String,
    /// Keep streaming new lines
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only lines newer than this, e.g. 10m
    #[arg(long, value_name = "DURATION", value_parser = tusk_registry::duration::parse)]
    pub since: Option<std::time::Duration>,
    #[arg(short = 'c', long, value_name = "NAME")]
    pub container: Option<String>,
    /// Last N lines per container
    #[arg(long, value_name = "N")]
    pub tail: Option<i64>,
    #[command(flatten)]
    pub kube: KubeArgs,
}

impl LogsCommand {
    pub async fn execute(self, ctx: Context) -> Result<Output, Error> {
        let k = connect(&self.kube).await?;
        let LogsCommand { name, follow, since, container, tail, .. } = self;
        let (name, container) = (name.as_str(), container.as_deref());
        let pods_api: Api<Pod> = Api::namespaced(k.client.clone(), &k.namespace);
        let deployments: Api<Deployment> = Api::namespaced(k.client.clone(), &k.namespace);
        let pods: Vec<Pod> = match deployments.get_opt(name).await.map_err(|e| api_err("reading deployment", e))? {
            Some(d) => {
                let sel = d
                    .spec
                    .and_then(|s| s.selector.match_labels)
                    .map(|m| m.iter().map(|(a, b)| format!("{a}={b}")).collect::<Vec<_>>().join(","))
                    .unwrap_or_default();
                pods_api.list(&ListParams::default().labels(&sel)).await.map_err(|e| api_err("listing pods", e))?.items
            }
            None => match pods_api.get_opt(name).await.map_err(|e| api_err("reading pod", e))? {
                Some(p) => vec![p],
                None => return Err(Error::failed(format!("no deployment or pod named `{name}` in namespace {}", k.namespace))),
            },
        };
        let mut streams = Vec::new();
        for p in &pods {
            let pname = p.metadata.name.clone().unwrap_or_default();
            let containers: Vec<String> = p.spec.as_ref().map(|s| s.containers.iter().map(|c| c.name.clone()).collect()).unwrap_or_default();
            let chosen: Vec<String> = match container {
                Some(c) if containers.iter().any(|x| x == c) => vec![c.to_string()],
                Some(c) => {
                    return Err(Error::usage(format!("pod {pname} has no container `{c}`")).at("--container").with_hint(format!("containers: {}", containers.join(", "))));
                }
                None => containers,
            };
            for c in chosen {
                streams.push((pname.clone(), c));
            }
        }
        let multi = streams.iter().map(|(_, c)| c).collect::<std::collections::HashSet<_>>().len() > 1;
        let params = |c: &str| LogParams {
            container: Some(c.to_string()),
            follow,
            // The API takes whole seconds: round up, so `--since 500ms` still shows the last second.
            since_seconds: since.map(|d| i64::try_from(d.as_secs() + u64::from(d.subsec_nanos() > 0)).unwrap_or(i64::MAX)),
            tail_lines: tail,
            ..Default::default()
        };
        if follow {
            // Streaming: lines go to stdout as they come (like a guest's own stdout), until Ctrl-C
            // or every pod is gone.
            let mut tasks = Vec::new();
            for (p, c) in &streams {
                let api = pods_api.clone();
                let prefix = if multi { format!("{p} {c}| ") } else { format!("{p}| ") };
                let lp = params(c);
                let p = p.clone();
                tasks.push(async move {
                    if let Ok(s) = api.log_stream(&p, &lp).await {
                        let mut lines = s.lines();
                        while let Some(Ok(l)) = lines.next().await {
                            use std::io::Write;
                            let mut out = std::io::stdout().lock();
                            let _ = writeln!(out, "{prefix}{l}");
                        }
                    }
                });
            }
            tokio::select! {
                _ = futures::future::join_all(tasks) => {}
                _ = ctx.cancel.cancelled() => return Err(Error::interrupted()),
            }
            return Ok(Output::empty());
        }
        let mut text = String::new();
        let mut data = Vec::new();
        for (p, c) in &streams {
            match pods_api.logs(p, &params(c)).await {
                Ok(body) => {
                    for l in body.lines() {
                        if multi {
                            text.push_str(&format!("{p} {c}| {l}\n"));
                        } else {
                            text.push_str(&format!("{p}| {l}\n"));
                        }
                        data.push(json!({"pod": p, "container": c, "line": l}));
                    }
                }
                Err(kube::Error::Api(s)) if s.code == 400 => {
                    text.push_str(&format!("{p}| (no logs: {})\n", s.message));
                    data.push(json!({"pod": p, "container": c, "error": s.message}));
                }
                Err(e) => return Err(api_err(&format!("logs of pod {p}"), e)),
            }
        }
        if streams.is_empty() {
            return Ok(Output::new(json!({"lines": data})).text(format!("deployment/{name} has no pods")));
        }
        Ok(Output::new(json!({"lines": data})).with_raw_text(text))
    }
}
