//! The @kubernetes operator (alias @k8s): one-shot deploys that show what will change, apply
//! it in order with server-side apply, wait by watching, explain failures and roll back;
//! plus status/get/scale/restart/rollback/history/delete/logs/diff/render.
//!
//! Built on `kube` 5 and `k8s-openapi` 0.29 with the Kubernetes 1.34 API (`v1_34`).

pub mod client;
pub mod deploy;
pub mod manifest;
pub mod render;
pub mod verbs;
pub mod wait;

pub use client::{KubeArgs, doctor_check};

use clap::{FromArgMatches, Subcommand};
use std::sync::Arc;
use tusk_registry::{Alias, Context, Error, Invocation, Operator, OperatorInfo, Output};

pub struct Kubernetes;

/// Registers @kubernetes (and @k8s).
pub fn register(registry: &mut tusk_registry::Registry) {
    registry.register(Arc::new(Kubernetes));
}

#[derive(Debug, Clone, clap::Args)]
pub struct DeployArgs {
    /// Name of the app to generate from flags (with --image)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Manifest file, directory or `-` for stdin (repeatable)
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
    pub files: Vec<String>,
    #[command(flatten)]
    pub render: render::RenderFlags,
    /// Don't ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Show a per-object diff against the live objects before applying
    #[arg(long)]
    pub diff: bool,
    /// Take ownership of fields other field managers own
    #[arg(long)]
    pub force_conflicts: bool,
    /// On failure, timeout or Ctrl-C, put back everything this deploy touched
    #[arg(long)]
    pub atomic: bool,
    /// App name tracked by the `tusk.dev/app` label (default: NAME when deploying from flags)
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
    /// Delete objects of this --app that an earlier deploy created and that are no longer in the input
    #[arg(long)]
    pub prune: bool,
    /// Time limit for the whole deploy, e.g. 5m, 90s
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Time limit per resource
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub resource_timeout: Option<std::time::Duration>,
    /// Apply without waiting for readiness
    #[arg(long)]
    pub no_wait: bool,
}

pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (num, mul) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (s, 1.0)
    };
    match num.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(std::time::Duration::from_secs_f64(v * mul)),
        _ => Err(format!("`{s}` is not a duration (e.g. 90s, 5m, 1h)")),
    }
}

const DEPLOY_HELP: &str = "Examples:
  # A Deployment + Service + HPA from flags; shows the change table, asks, applies, waits
  tusk @kubernetes deploy web --image ghcr.io/acme/web:1.4 --port 8080 --replicas 3
  tusk @k8s deploy web --image ghcr.io/acme/web:1.4 --port 8080 --expose LoadBalancer --autoscale 2:10:80 --yes

  # Manifests (files, a directory, stdin), in dependency order, with a diff, atomically
  tusk @k8s deploy -f k8s/ --diff --atomic --yes
  kustomize build overlays/prod | tusk @k8s deploy -f - --app shop --prune --yes

  # See the plan only (server-side dry run)
  tusk @k8s deploy -f app.yaml --dry-run

Exit codes: 0 deployed and ready; 1 failed (the reasons are printed; with --atomic everything
was put back); 2 bad flags or manifests (file:line, document and field path are named);
130 interrupted.";

#[derive(Debug, Subcommand)]
pub enum Verb {
    /// Apply manifests or a generated app, wait until ready, explain failures
    #[command(long_about = "Shows what will change (create/update/noop/delete and what tusk will wait for, computed by \
server-side dry run), asks unless --yes, applies with server-side apply (field manager `tusk`) in dependency order \
(Namespaces and CRDs first, then accounts/RBAC, config, storage, workloads, Services, Ingresses, custom resources), \
and waits by watching until everything is ready (Deployments as `kubectl rollout status` judges them, StatefulSets, \
DaemonSets, Jobs, Pods, PVCs, LoadBalancer Services, CRDs). A workload that fails says why: pod reasons, scheduler \
messages, crash-loop logs and warning events.", after_long_help = DEPLOY_HELP)]
    Deploy {
        #[command(flatten)]
        args: DeployArgs,
        #[command(flatten)]
        kube: KubeArgs,
    },
    /// Print the manifests `deploy NAME --image …` would apply (no cluster needed)
    #[command(after_long_help = "Examples:
  tusk @k8s render web --image nginx:1.27 --port 80 --expose LoadBalancer
  tusk @k8s render web --image nginx:1.27 --autoscale 2:5:70 > web.yaml
  tusk @k8s render -f app.yaml     # validate and normalize manifests")]
    Render {
        #[arg(value_name = "NAME")]
        name: Option<String>,
        #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
        files: Vec<String>,
        #[command(flatten)]
        render: render::RenderFlags,
        /// Label objects with tusk.dev/app=APP
        #[arg(long, value_name = "APP")]
        app: Option<String>,
        /// Namespace written into the manifests
        #[arg(short = 'n', long, value_name = "NS")]
        namespace: Option<String>,
    },
    /// Diff manifests against the cluster (exit 0: no changes, 1: changes, >1: error)
    #[command(after_long_help = "Examples:
  tusk @k8s diff -f k8s/
  tusk @k8s diff web --image ghcr.io/acme/web:1.5 --port 8080")]
    Diff {
        #[arg(value_name = "NAME")]
        name: Option<String>,
        #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
        files: Vec<String>,
        #[command(flatten)]
        render: render::RenderFlags,
        #[arg(long)]
        force_conflicts: bool,
        #[command(flatten)]
        kube: KubeArgs,
    },
    /// Rollout state, pods and recent warning events of a Deployment
    #[command(after_long_help = "Examples:\n  tusk @k8s status web\n  tusk @k8s status web -n shop -o json")]
    Status {
        name: String,
        #[command(flatten)]
        kube: KubeArgs,
    },
    /// List objects of a kind, like kubectl get
    #[command(after_long_help = "Examples:\n  tusk @k8s get pods\n  tusk @k8s get deploy web\n  tusk @k8s get svc -n shop -o json")]
    Get {
        /// Kind, plural, singular or short name (pods, deploy, svc, …)
        kind: String,
        name: Option<String>,
        /// Label selector, e.g. app.kubernetes.io/name=web
        #[arg(short = 'l', long, value_name = "SELECTOR")]
        selector: Option<String>,
        #[command(flatten)]
        kube: KubeArgs,
    },
    /// Set a Deployment's replica count and wait for it
    #[command(after_long_help = "Examples:\n  tusk @k8s scale web 5\n  tusk @k8s scale web 0 --no-wait")]
    Scale {
        name: String,
        replicas: i32,
        #[arg(long)]
        no_wait: bool,
        #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
        timeout: std::time::Duration,
        #[command(flatten)]
        kube: KubeArgs,
    },
    /// Restart a Deployment's pods (a rolling restart) and wait
    #[command(after_long_help = "Examples:\n  tusk @k8s restart web")]
    Restart {
        name: String,
        #[arg(long)]
        no_wait: bool,
        #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
        timeout: std::time::Duration,
        #[command(flatten)]
        kube: KubeArgs,
    },
    /// Roll a Deployment back to an earlier ReplicaSet revision (like kubectl rollout undo)
    #[command(after_long_help = "Examples:\n  tusk @k8s rollback web\n  tusk @k8s rollback web --to-revision 2")]
    Rollback {
        name: String,
        /// Revision to go back to (default: the one before the current)
        #[arg(long, value_name = "N")]
        to_revision: Option<i64>,
        #[arg(long)]
        no_wait: bool,
        #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
        timeout: std::time::Duration,
        #[command(flatten)]
        kube: KubeArgs,
    },
    /// A Deployment's revisions (its ReplicaSets)
    #[command(after_long_help = "Examples:\n  tusk @k8s history web")]
    History {
        name: String,
        #[command(flatten)]
        kube: KubeArgs,
    },
    /// Delete an app (objects labelled with its name) or the objects in manifests
    #[command(after_long_help = "Examples:\n  tusk @k8s delete web --yes\n  tusk @k8s delete -f k8s/")]
    Delete {
        name: Option<String>,
        #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
        files: Vec<String>,
        #[arg(short = 'y', long)]
        yes: bool,
        #[command(flatten)]
        kube: KubeArgs,
    },
    /// Logs of all pods of a Deployment (or a pod), prefixed by pod name
    #[command(after_long_help = "Examples:\n  tusk @k8s logs web\n  tusk @k8s logs web -f --since 10m\n  tusk @k8s logs web --container sidecar --tail 50")]
    Logs {
        name: String,
        /// Keep streaming new lines
        #[arg(short = 'f', long)]
        follow: bool,
        /// Only lines newer than this, e.g. 10m
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        since: Option<std::time::Duration>,
        #[arg(short = 'c', long, value_name = "NAME")]
        container: Option<String>,
        /// Last N lines per container
        #[arg(long, value_name = "N")]
        tail: Option<i64>,
        #[command(flatten)]
        kube: KubeArgs,
    },
}

#[async_trait::async_trait]
impl Operator for Kubernetes {
    fn info(&self) -> OperatorInfo {
        OperatorInfo {
            name: "kubernetes",
            aliases: &[Alias { name: "k8s", preset: None }],
            summary: "Deploy to Kubernetes: change table, server-side apply, wait, explain, roll back",
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    fn command(&self) -> clap::Command {
        Verb::augment_subcommands(clap::Command::new("kubernetes"))
            .about("Deploy to Kubernetes and look after what was deployed")
            .subcommand_required(true)
    }

    fn is_mutating(&self, invocation: &Invocation) -> bool {
        let verb = invocation.verb.as_str();
        matches!(verb, "deploy" | "scale" | "restart" | "rollback" | "delete")
    }

    /// `tusk doctor`: is the current kube context reachable (kubeconfig as the verbs load it,
    /// then the API server's version, within 5 s). No credentials are printed.
    async fn doctor(&self, _ctx: &Context) -> Vec<tusk_registry::DoctorCheck> {
        use tusk_registry::{CheckStatus, DoctorCheck, ErrorKind};
        let check = |status, detail: String| DoctorCheck { name: "kube context".into(), status, detail };
        match doctor_check(&KubeArgs::default(), std::time::Duration::from_secs(5)).await {
            Ok(s) => vec![check(CheckStatus::Ok, format!("{s}: reachable"))],
            Err(e) if e.kind == ErrorKind::Usage && e.message.starts_with("no Kubernetes configuration") => {
                vec![check(CheckStatus::Missing, "no kubeconfig (KUBECONFIG, ~/.kube/config) and not in a cluster".into())]
            }
            Err(e) => vec![check(CheckStatus::Fail, match e.hint {
                Some(h) => format!("{} (hint: {h})", e.message),
                None => e.message,
            })],
        }
    }

    async fn run(&self, invocation: Invocation, ctx: Context) -> Result<Output, Error> {
        let verb = Verb::from_arg_matches(&invocation.matches).map_err(|e| Error::usage(e.to_string()))?;
        verbs::run(verb, ctx).await
    }
}
