//! `@kubernetes diff`: the change table and a unified diff per object, from the same
//! server-side dry run `deploy` plans with; the exit code says whether anything would change.

use crate::client::{KubeArgs, connect};
use crate::input::{check_cluster_kinds, input_docs, keep_live_replicas};
use crate::plan::{self, Op};
use crate::render::RenderFlags;
use serde_json::json;
use tusk_registry::{Block, Error, ErrorKind, ExitStatus, Output};

/// Diff manifests against the cluster (exit 0: no changes, 1: changes, >1: error)
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = "Examples:
  tusk @k8s diff -f k8s/
  tusk @k8s diff web --image ghcr.io/acme/web:1.5 --port 8080

Exit codes: 0 no changes; 1 changes; 2 bad flags or manifests, unknown context; 5 no answer:
the diff could not be computed (API server unreachable, access denied, dry run refused);
130 interrupted. As with `kubectl diff`, 1 only ever means \"there are changes\".")]
pub struct DiffCommand {
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
    pub files: Vec<String>,
    #[command(flatten)]
    pub render: RenderFlags,
    #[arg(long)]
    pub force_conflicts: bool,
    #[command(flatten)]
    pub kube: KubeArgs,
}

impl DiffCommand {
    /// Exit 1 means "changes" here, so a failure cannot be exit 1: it becomes exit 5 ("no
    /// answer", docs/exit-codes.md). Bad input keeps exit 2, Ctrl-C 130.
    pub async fn execute(self) -> Result<Output, Error> {
        diff(self).await.map_err(|e| if e.kind == ErrorKind::Failed { e.with_exit(ExitStatus::NoAnswer) } else { e })
    }
}

async fn diff(args: DiffCommand) -> Result<Output, Error> {
    let DiffCommand { name, files, render, force_conflicts, kube } = args;
    let app = if files.is_empty() { name.clone() } else { None };
    let mut docs = input_docs(name.as_deref(), &files, &render, app.as_deref(), None)?;
    if let Some(a) = &app {
        plan::label_app(&mut docs, a);
    }
    let k = connect(&kube).await?;
    check_cluster_kinds(&k, &docs).await?;
    // What `deploy` would send: from flags without --replicas, the live replica count.
    if files.is_empty() {
        keep_live_replicas(&k, &mut docs, &render).await?;
    }
    let items = plan::plan(&k, &docs, force_conflicts, None).await?;
    let changed = items.iter().any(|i| i.op != Op::Noop);
    let mut out = Output::new(json!({"context": k.context, "namespace": k.namespace, "changed": changed, "changes": plan::plan_json(&items),
                                     "diffs": items.iter().filter(|i| !i.diff.is_empty()).map(|i| json!({"kind": i.kind, "name": i.name, "diff": i.diff})).collect::<Vec<_>>()}));
    out = out.block(plan::change_table(&items)).text(plan::summary(&items));
    if let Some(b) = plan::removals(&items) {
        out = out.block(b);
    }
    for i in items.iter().filter(|i| !i.diff.is_empty()) {
        out = out.block(Block::Diff(i.diff.clone()));
    }
    Ok(out.with_status(if changed { ExitStatus::Failure } else { ExitStatus::Success }))
}
