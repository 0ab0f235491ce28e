//! `@kubernetes delete`: delete an app (the Deployment NAME and objects labelled with it) or
//! the objects in manifests, in reverse install order, after confirmation.

use crate::client::{KubeArgs, api_err, connect, is_not_found};
use crate::input::input_docs;
use crate::plan;
use crate::render::{self, RenderFlags};
use kube::api::{DeleteParams, ListParams};
use serde_json::{Value, json};
use tusk_registry::{Block, Cell, Context, Error, ExitStatus, Output, Style};

/// Delete an app (objects labelled with its name) or the objects in manifests
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = "Examples:\n  tusk @k8s delete web --yes\n  tusk @k8s delete -f k8s/")]
pub struct DeleteCommand {
    pub name: Option<String>,
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
    pub files: Vec<String>,
    #[arg(short = 'y', long)]
    pub yes: bool,
    #[command(flatten)]
    pub kube: KubeArgs,
}

impl DeleteCommand {
    pub async fn execute(self, ctx: Context) -> Result<Output, Error> {
        let k = connect(&self.kube).await?;
        let (name, files, yes) = (self.name.as_deref(), &self.files, self.yes);
        ctx.audit.set_target(k.describe());
        // (kind, name, namespace, api) to delete, in reverse install order.
        let mut targets: Vec<(String, String, String, kube::Api<kube::api::DynamicObject>)> = Vec::new();
        if !files.is_empty() {
            if name.is_some() {
                return Err(Error::usage("give either NAME or -f FILE, not both").at("-f"));
            }
            let docs = input_docs(None, files, &RenderFlags::default(), None, None)?;
            for d in &docs {
                let Some((ar, caps)) = k.resource(d.api_version(), d.kind()).await.map_err(|e| api_err("discovery", e))? else { continue };
                let ns = if caps.scope == kube::discovery::Scope::Namespaced { d.value["metadata"]["namespace"].as_str().unwrap_or(&k.namespace).to_string() } else { String::new() };
                let api = k.dynamic(&ar, &caps, &ns);
                if api.get_opt(d.name()).await.map_err(|e| api_err("reading", e))?.is_some() {
                    targets.push((d.kind().to_string(), d.name().to_string(), ns, api));
                }
            }
        } else {
            let Some(name) = name else { return Err(Error::usage("nothing to delete").with_hint("pass NAME (an app deployed by tusk) or -f FILE")) };
            for (av, kind) in [
                ("apps/v1", "Deployment"),
                ("apps/v1", "StatefulSet"),
                ("apps/v1", "DaemonSet"),
                ("batch/v1", "Job"),
                ("v1", "Service"),
                ("v1", "ConfigMap"),
                ("v1", "Secret"),
                ("autoscaling/v2", "HorizontalPodAutoscaler"),
                ("networking.k8s.io/v1", "Ingress"),
            ] {
                let Some((ar, caps)) = k.resource(av, kind).await.map_err(|e| api_err("discovery", e))? else { continue };
                let api = k.dynamic(&ar, &caps, &k.namespace);
                let mut names: Vec<String> = Vec::new();
                for sel in [format!("{}={name}", render::APP_LABEL), format!("app.kubernetes.io/instance={name}")] {
                    let list = api.list(&ListParams::default().labels(&sel)).await.map_err(|e| api_err(&format!("listing {kind}"), e))?;
                    names.extend(list.items.into_iter().filter_map(|o| o.metadata.name));
                }
                if kind == "Deployment" && api.get_opt(name).await.map_err(|e| api_err("reading", e))?.is_some() {
                    names.push(name.to_string());
                }
                names.sort();
                names.dedup();
                for n in names {
                    targets.push((kind.to_string(), n, k.namespace.clone(), api.clone()));
                }
            }
            if targets.is_empty() {
                return Err(Error::failed(format!("nothing named or labelled `{name}` in namespace {}", k.namespace))
                    .with_hint("delete looks for Deployments named NAME and objects labelled tusk.dev/app=NAME or app.kubernetes.io/instance=NAME"));
            }
        }
        targets.sort_by_key(|t| std::cmp::Reverse(plan::rank(&t.0)));
        let rows: Vec<Vec<Cell>> = targets
            .iter()
            .map(|(kind, n, ns, _)| vec![Cell::from(if ns.is_empty() { "(cluster)".to_string() } else { ns.clone() }), Cell::from(kind.clone()), Cell::from(n.clone()), Cell::styled("delete", Style::Bad)])
            .collect();
        let table = Block::Table { columns: ["NAMESPACE", "KIND", "NAME", "OP"].iter().map(|s| s.to_string()).collect(), rows };
        let data = |deleted: bool| json!({"deleted": deleted, "objects": targets.iter().map(|(kind, n, ns, _)| json!({"kind": kind, "name": n, "namespace": ns})).collect::<Vec<_>>()});
        if ctx.dry_run {
            let mut out = Output::new(data(false));
            out.view = vec![table, Block::Text(vec![Cell::styled("dry run: nothing was deleted", Style::Dim)])];
            return Ok(out);
        }
        if targets.is_empty() {
            return Ok(Output::new(data(false)).text("Nothing to delete: none of these objects exist."));
        }
        ctx.ui.show(std::slice::from_ref(&table));
        if !yes && !ctx.ui.confirm(&format!("Delete {} object(s) from {}?", targets.len(), k.describe()))? {
            return Ok(Output::new(data(false)).text("Nothing deleted.").with_status(ExitStatus::Failure));
        }
        let mut terminating: Vec<Value> = Vec::new();
        for (kind, n, ns, api) in &targets {
            let task = ctx.progress.task(format!("delete {}/{n}", kind.to_lowercase()));
            match api.delete(n, &DeleteParams::background()).await {
                // Answered with the object: finalizers hold it, it is Terminating, not gone.
                Ok(r) => match r.left() {
                    Some(o) => {
                        let o = serde_json::to_value(o).unwrap_or(Value::Null);
                        task.ok(&format!("terminating (finalizers: {})", plan::finalizers(&o)));
                        terminating.push(json!({"kind": kind, "name": n, "namespace": ns, "finalizers": o["metadata"]["finalizers"]}));
                    }
                    None => task.ok("deleted"),
                },
                Err(e) if is_not_found(&e) => task.ok("already gone"),
                Err(e) => {
                    task.fail("failed");
                    return Err(api_err(&format!("deleting {}/{n}", kind.to_lowercase()), e));
                }
            }
        }
        let mut out = Output::new(data(true));
        out.data["terminating"] = Value::Array(terminating.clone());
        let gone = targets.len() - terminating.len();
        if terminating.is_empty() {
            return Ok(out.text(Cell::styled(format!("Deleted {gone} object(s)."), Style::Good)));
        }
        let held: Vec<String> = terminating
            .iter()
            .map(|t| format!("{}/{} ({})", t["kind"].as_str().unwrap_or("").to_lowercase(), t["name"].as_str().unwrap_or(""), plan::finalizers(&json!({"metadata": {"finalizers": t["finalizers"]}}))))
            .collect();
        Ok(out.text(Cell::styled(format!("Deleted {gone} object(s); {} terminating until their finalizers are done: {}", terminating.len(), held.join(", ")), Style::Warn)))
    }
}
