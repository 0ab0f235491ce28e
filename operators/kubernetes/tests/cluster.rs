#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! End to end through the real kube client: against the in-process fake API server
//! (`tusk-kube-fake`), or against a real cluster when `TUSK_TEST_KUBECONFIG` is set (each test
//! then works in its own namespace `tusk-e2e-<test>`, deleted at the end). Tests that rely on
//! the fake's simulated failures (crash loops with chosen logs, unschedulable pods) are marked
//! `fake_only` and skipped — with a message — against a real cluster.

use clap::FromArgMatches;
use serde_json::{Value, json};
use tusk_kube_fake::FakeCluster;
use tusk_registry::testing::TestUi;
use tusk_registry::{Block, Context, Invocation, Operator, Output};

struct Env {
    fake: Option<FakeCluster>,
    dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
    ns: String,
}

impl Env {
    async fn new(test: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let ns = format!("tusk-e2e-{test}").replace('_', "-");
        if let Ok(real) = std::env::var("TUSK_TEST_KUBECONFIG") {
            let env = Env { fake: None, dir, kubeconfig: real.into(), ns };
            env.kubectl_ns(true).await;
            return env;
        }
        let fake = FakeCluster::start().await.unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, fake.kubeconfig("default")).unwrap();
        let env = Env { fake: Some(fake), dir, kubeconfig, ns };
        env.kubectl_ns(true).await;
        env
    }

    fn is_fake(&self) -> bool {
        self.fake.is_some()
    }

    async fn client(&self) -> kube::Client {
        let kc = kube::config::Kubeconfig::read_from(&self.kubeconfig).unwrap();
        let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default()).await.unwrap();
        kube::Client::try_from(cfg).unwrap()
    }

    /// Creates (or deletes) this test's namespace.
    async fn kubectl_ns(&self, create: bool) {
        let api: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(self.client().await);
        if create {
            let ns: k8s_openapi::api::core::v1::Namespace = serde_json::from_value(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.ns}})).unwrap();
            let _ = api.patch(&self.ns, &kube::api::PatchParams::apply("test"), &kube::api::Patch::Apply(&ns)).await;
        } else {
            let _ = api.delete(&self.ns, &Default::default()).await;
        }
    }

    /// On a real cluster, the fake's made-up images become real ones: long-running
    /// `pause` images for services, `busybox` (exits 0 at once) for Jobs.
    fn image(&self, text: &str) -> String {
        if self.is_fake() {
            return text.to_string();
        }
        let mut t = text.to_string();
        for (from, to) in [
            ("registry.example/api:1.0", "registry.k8s.io/pause:3.9"),
            ("registry.example/api:1.1", "registry.k8s.io/pause:3.10"),
            ("registry.example/web:1.0", "registry.k8s.io/pause:3.9"),
            ("registry.example/web:1.1", "registry.k8s.io/pause:3.10"),
            ("registry.example/migrate:1.0", "busybox:1.36"),
            ("registry.example/db:1", "registry.k8s.io/pause:3.10"),
            ("registry.example/agent:1", "registry.k8s.io/pause:3.10"),
        ] {
            t = t.replace(from, to);
        }
        t
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, self.image(text)).unwrap();
        p.display().to_string()
    }

    /// Runs `tusk @kubernetes <args>` in-process; returns the output (or the error) and what
    /// was shown before confirming.
    async fn run(&self, args: &[&str]) -> (Result<Output, tusk_registry::Error>, Vec<Block>) {
        self.run_with_cancel(args, Default::default()).await
    }

    async fn run_with_cancel(&self, args: &[&str], cancel: tokio_util::sync::CancellationToken) -> (Result<Output, tusk_registry::Error>, Vec<Block>) {
        self.run_full(args, cancel, &self.kubeconfig).await
    }

    /// Runs against another kubeconfig (one pointing at a dead server).
    async fn run_against(&self, kubeconfig: &std::path::Path, args: &[&str]) -> (Result<Output, tusk_registry::Error>, Vec<Block>) {
        self.run_full(args, Default::default(), kubeconfig).await
    }

    async fn run_full(&self, args: &[&str], cancel: tokio_util::sync::CancellationToken, kubeconfig: &std::path::Path) -> (Result<Output, tusk_registry::Error>, Vec<Block>) {
        let args: Vec<String> = args.iter().map(|a| self.image(a)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let op = tusk_kubernetes::Kubernetes;
        let mut argv = vec!["kubernetes".to_string()];
        argv.extend(args.iter().filter(|a| **a != "--dry-run").map(|s| s.to_string()));
        argv.extend(["--kubeconfig".to_string(), kubeconfig.display().to_string(), "-n".to_string(), self.ns.clone()]);
        let matches = op.command().try_get_matches_from(&argv).unwrap_or_else(|e| panic!("{e}"));
        let _ = tusk_kubernetes::Verb::from_arg_matches(&matches).unwrap();
        // Nobody answers confirmations, as when stdin is not a terminal; tusk's directories
        // live under this test's temp dir.
        let ui = TestUi::unattended();
        let ctx = Context { dry_run: args.contains(&"--dry-run"), cancel, ui: ui.clone(), ..Context::for_tests(&self.dir.path().join("tusk")) };
        let inv = Invocation { verb: args[0].to_string(), matches, invoked_as: "kubernetes".into(), preset: None };
        let r = op.run(inv, ctx).await;
        (r, ui.shown())
    }

    async fn get(&self, av: &str, kind: &str, name: &str) -> Option<Value> {
        let (group, version) = av.split_once('/').unwrap_or(("", av));
        let gvk = kube::api::GroupVersionKind::gvk(group, version, kind);
        let client = self.client().await;
        let (ar, caps) = kube::discovery::pinned_kind(&client, &gvk).await.unwrap();
        let api: kube::Api<kube::api::DynamicObject> = if caps.scope == kube::discovery::Scope::Namespaced {
            kube::Api::namespaced_with(client, &self.ns, &ar)
        } else {
            kube::Api::all_with(client, &ar)
        };
        api.get_opt(name).await.unwrap().map(|o| serde_json::to_value(o).unwrap())
    }

    async fn done(self) {
        if !self.is_fake() {
            self.kubectl_ns(false).await;
        }
    }
}

/// Renders blocks as plain text (like the CLI without colour) for snapshots.
fn text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Table { columns, rows } => {
                let mut widths: Vec<usize> = columns.iter().map(|c| c.len()).collect();
                for r in rows {
                    for (i, c) in r.iter().enumerate() {
                        widths[i] = widths[i].max(c.text.len());
                    }
                }
                let line = |cells: Vec<&str>| cells.iter().enumerate().map(|(i, c)| format!("{:w$}", c, w = widths[i])).collect::<Vec<_>>().join("  ").trim_end().to_string();
                out.push_str(&line(columns.iter().map(String::as_str).collect()));
                out.push('\n');
                for r in rows {
                    out.push_str(&line(r.iter().map(|c| c.text.as_str()).collect()));
                    out.push('\n');
                }
            }
            Block::KeyValue(kv) => {
                for (k, v) in kv {
                    out.push_str(&format!("{k}: {}\n", v.text));
                }
            }
            Block::Text(lines) => {
                for l in lines {
                    out.push_str(&l.text);
                    out.push('\n');
                }
            }
            Block::Diff(d) => out.push_str(d),
            Block::Heading(h) => out.push_str(&format!("== {h}\n")),
        }
    }
    out
}

fn settings(env: &Env) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"tusk-e2e-[a-z]+", "[NS]");
    s.add_filter(r"context [^,]+, namespace", "context [CTX], namespace");
    s.add_filter(&regex_escape(&env.dir.path().display().to_string()), "[TMP]");
    s.add_filter(r"-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}\b", "-[RS]-[POD]");
    s.add_filter(r"-[bcdfghjklmnpqrstvwxz2456789]{10}\b", "-[RS]");
    s.add_filter(r"-[bcdfghjklmnpqrstvwxz2456789]{5}([^a-z0-9]|$)", "-[POD]$1");
    s.add_filter(r"\b\d+(\.\d+)?s\b", "[TIME]");
    s.add_filter(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[UID]");
    s.add_filter(r"\(x\d+\)", "(xN)");
    s.add_filter(r"restarts: \d+", "restarts: N");
    s
}

fn regex_escape(s: &str) -> String {
    s.chars().map(|c| if "\\.+*?()|[]{}^$#&-~".contains(c) { format!("\\{c}") } else { c.to_string() }).collect()
}

macro_rules! fake_only {
    ($env:expr) => {
        if !$env.is_fake() {
            eprintln!("skipped against a real cluster: relies on the fake's simulated failures");
            return;
        }
    };
}

const APP_YAML: &str = "apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: registry.example/api:1.0
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-config
data:
  LOG_LEVEL: info
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: registry.example/migrate:1.0
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_from_flags_then_noop() {
    let env = Env::new("flags").await;
    let (r, shown) = env.run(&["deploy", "web", "--image", "registry.example/web:1.0", "--port", "8080", "--replicas", "2", "--expose", "LoadBalancer", "--yes"]).await;
    let out = r.unwrap();
    assert!(out.status.is_success(), "{}", text(&out.view));
    settings(&env).bind(|| insta::assert_snapshot!("flags_plan", text(&shown)));
    settings(&env).bind(|| insta::assert_snapshot!("flags_result", text(&out.view)));
    let d = env.get("apps/v1", "Deployment", "web").await.unwrap();
    assert_eq!(d["status"]["availableReplicas"], 2);
    assert_eq!(d["metadata"]["labels"]["app.kubernetes.io/managed-by"], "tusk");
    assert_eq!(d["metadata"]["managedFields"][0]["manager"], "tusk");
    let svc = env.get("v1", "Service", "web").await.unwrap();
    assert!(svc["status"]["loadBalancer"]["ingress"][0]["ip"].is_string());
    // The same deploy again changes nothing.
    let (r, shown) = env.run(&["deploy", "web", "--image", "registry.example/web:1.0", "--port", "8080", "--replicas", "2", "--expose", "LoadBalancer", "--yes"]).await;
    assert!(r.unwrap().status.is_success());
    settings(&env).bind(|| insta::assert_snapshot!("flags_noop_plan", text(&shown)));
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_files_in_dependency_order_with_crd() {
    let env = Env::new("files").await;
    let crd = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
spec:
  size: 3
";
    let dir = env.dir.path().join("k8s");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("app.yaml"), APP_YAML).unwrap();
    std::fs::write(dir.join("crd.yaml"), crd).unwrap();
    let (r, shown) = env.run(&["deploy", "-f", &dir.display().to_string(), "--yes"]).await;
    let out = r.unwrap_or_else(|e| panic!("{e:?}"));
    assert!(out.status.is_success(), "{}", text(&out.view));
    settings(&env).bind(|| insta::assert_snapshot!("files_plan", text(&shown)));
    settings(&env).bind(|| insta::assert_snapshot!("files_result", text(&out.view)));
    assert!(env.get("example.com/v1", "Widget", "w1").await.is_some());
    let job = env.get("batch/v1", "Job", "migrate").await.unwrap();
    assert_eq!(job["status"]["succeeded"], 1);
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_exit_codes_and_dry_run() {
    let env = Env::new("diff").await;
    let f = env.write("app.yaml", APP_YAML);
    let (r, _) = env.run(&["diff", "-f", &f]).await;
    let out = r.unwrap();
    assert_eq!(out.status.code(), 1, "changes → exit 1");
    let (r, _) = env.run(&["deploy", "-f", &f, "--dry-run"]).await;
    let out = r.unwrap();
    assert_eq!(out.data["dryRun"], true);
    assert!(env.get("apps/v1", "Deployment", "api").await.is_none(), "--dry-run changed nothing");
    let (r, _) = env.run(&["deploy", "-f", &f, "--yes"]).await;
    assert!(r.unwrap().status.is_success());
    let (r, _) = env.run(&["diff", "-f", &f]).await;
    let out = r.unwrap();
    assert_eq!(out.status.code(), 0, "no changes → exit 0: {}", text(&out.view));
    let f2 = env.write("app2.yaml", &APP_YAML.replace("image: registry.example/api:1.0\n        ports", "image: registry.example/api:1.1\n        ports").replace("LOG_LEVEL: info", "LOG_LEVEL: debug"));
    let (r, _) = env.run(&["diff", "-f", &f2]).await;
    let out = r.unwrap();
    assert_eq!(out.status.code(), 1);
    settings(&env).bind(|| insta::assert_snapshot!("diff_changes", text(&out.view)));
    // A bad manifest is an error (exit 2), not a diff.
    let bad = env.write("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\nbogus: 1\n");
    let (r, _) = env.run(&["diff", "-f", &bad]).await;
    let e = r.unwrap_err();
    assert_eq!(e.exit_status().code(), 2);
    settings(&env).bind(|| insta::assert_snapshot!("diff_invalid", format!("{}\nlocation: {:?}\nhint: {:?}", e.message, e.location, e.hint)));
    env.done().await;
}

async fn failing(env: &Env, image: &str, extra: &[&str]) -> Output {
    let mut args = vec!["deploy", "bad", "--image", image, "--timeout", "20s", "--yes"];
    args.extend_from_slice(extra);
    let (r, _) = env.run(&args).await;
    let out = r.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(out.status.code(), 1, "{}", text(&out.view));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explains_image_pull_failure() {
    let env = Env::new("pull").await;
    let out = failing(&env, "registry.example/does-not-exist:1.0", &[]).await;
    let t = text(&out.view);
    assert!(t.contains("ImagePullBackOff") || t.contains("ErrImagePull"), "{t}");
    if env.is_fake() {
        settings(&env).bind(|| insta::assert_snapshot!("explain_pull", t));
    }
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explains_crash_loop_with_logs() {
    let env = Env::new("crash").await;
    fake_only!(env);
    let out = failing(&env, "registry.example/crash:1.0", &["--env", "FAKE_LOG=booting|error: DATABASE_URL is not set"]).await;
    let t = text(&out.view);
    assert!(t.contains("CrashLoopBackOff") || t.contains("crash-looping"), "{t}");
    assert!(t.contains("error: DATABASE_URL is not set"), "{t}");
    settings(&env).bind(|| insta::assert_snapshot!("explain_crash", t));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explains_unschedulable() {
    let env = Env::new("unsched").await;
    fake_only!(env);
    let out = failing(&env, "registry.example/web:1.0", &["--cpu", "64"]).await;
    let t = text(&out.view);
    assert!(t.contains("Insufficient cpu"), "{t}");
    settings(&env).bind(|| insta::assert_snapshot!("explain_unschedulable", t));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atomic_restores_previous_state_and_deletes_created() {
    let env = Env::new("atomic").await;
    let f = env.write("v1.yaml", APP_YAML);
    let (r, _) = env.run(&["deploy", "-f", &f, "--yes"]).await;
    assert!(r.unwrap().status.is_success());
    let rev1 = env.get("apps/v1", "Deployment", "api").await.unwrap();
    // v2: a broken image and a new ConfigMap.
    let v2 = APP_YAML.replace("image: registry.example/api:1.0\n        ports", "image: registry.example/does-not-exist:2.0\n        ports")
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata: {a: b}\n";
    let f2 = env.write("v2.yaml", &v2);
    let (r, _) = env.run(&["deploy", "-f", &f2, "--yes", "--atomic", "--timeout", "30s"]).await;
    let out = r.unwrap();
    assert_eq!(out.status.code(), 1);
    settings(&env).bind(|| insta::assert_snapshot!("atomic_result", text(&out.view)));
    assert!(env.get("v1", "ConfigMap", "extra").await.is_none(), "created object deleted");
    let d = env.get("apps/v1", "Deployment", "api").await.unwrap();
    assert_eq!(d["spec"]["template"], rev1["spec"]["template"], "template restored");
    // Nothing blocks the next deploy.
    let (r, _) = env.run(&["deploy", "-f", &f, "--yes"]).await;
    assert!(r.unwrap().status.is_success());
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_need_force() {
    let env = Env::new("conflict").await;
    let f = env.write("app.yaml", APP_YAML);
    let (r, _) = env.run(&["deploy", "-f", &f, "--yes"]).await;
    assert!(r.unwrap().status.is_success());
    // Someone else (kubectl scale) takes spec.replicas.
    let api: kube::Api<k8s_openapi::api::apps::v1::Deployment> = kube::Api::namespaced(env.client().await, &env.ns);
    api.patch("api", &kube::api::PatchParams { field_manager: Some("kubectl".into()), ..Default::default() }, &kube::api::Patch::Merge(json!({"spec": {"replicas": 3}})))
        .await
        .unwrap();
    let f2 = env.write("app2.yaml", &APP_YAML.replace("replicas: 2", "replicas: 4"));
    let (r, _) = env.run(&["deploy", "-f", &f2, "--yes"]).await;
    let e = r.expect_err("conflict");
    assert!(e.message.contains("conflict"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap_or("").contains("--force-conflicts"));
    let (r, _) = env.run(&["deploy", "-f", &f2, "--yes", "--force-conflicts"]).await;
    assert!(r.unwrap().status.is_success());
    let d = env.get("apps/v1", "Deployment", "api").await.unwrap();
    assert_eq!(d["spec"]["replicas"], 4);
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_deletes_what_left_the_input() {
    let env = Env::new("prune").await;
    let f = env.write("app.yaml", APP_YAML);
    let (r, _) = env.run(&["deploy", "-f", &f, "--app", "shop", "--yes"]).await;
    assert!(r.unwrap().status.is_success());
    let smaller: String = APP_YAML.split("---\n").filter(|d| !d.contains("kind: ConfigMap")).collect::<Vec<_>>().join("---\n");
    let f2 = env.write("app2.yaml", &smaller);
    let (r, shown) = env.run(&["deploy", "-f", &f2, "--app", "shop", "--prune", "--yes"]).await;
    assert!(r.unwrap().status.is_success());
    settings(&env).bind(|| insta::assert_snapshot!("prune_plan", text(&shown)));
    assert!(env.get("v1", "ConfigMap", "api-config").await.is_none());
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_history_rollback_logs_status_get_delete() {
    let env = Env::new("ops").await;
    for tag in ["1.0", "1.1"] {
        let (r, _) = env.run(&["deploy", "web", "--image", &format!("registry.example/web:{tag}"), "--port", "8080", "--yes"]).await;
        assert!(r.unwrap().status.is_success());
    }
    let (r, _) = env.run(&["scale", "web", "3"]).await;
    let out = r.unwrap();
    assert_eq!(out.data["to"], 3);
    assert_eq!(env.get("apps/v1", "Deployment", "web").await.unwrap()["status"]["availableReplicas"], 3);
    let (r, _) = env.run(&["history", "web"]).await;
    let out = r.unwrap();
    settings(&env).bind(|| insta::assert_snapshot!("history", text(&out.view)));
    let (r, _) = env.run(&["rollback", "web"]).await;
    let out = r.unwrap();
    settings(&env).bind(|| insta::assert_snapshot!("rollback", text(&out.view)));
    let d = env.get("apps/v1", "Deployment", "web").await.unwrap();
    assert_eq!(d["spec"]["template"]["spec"]["containers"][0]["image"], env.image("registry.example/web:1.0"));
    assert_eq!(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
    let (r, _) = env.run(&["restart", "web"]).await;
    assert!(r.unwrap().status.is_success());
    let (r, _) = env.run(&["status", "web"]).await;
    let out = r.unwrap();
    assert_eq!(out.data["state"], "ready");
    let (r, _) = env.run(&["get", "deploy"]).await;
    let out = r.unwrap();
    assert_eq!(out.data["items"][0]["metadata"]["name"], "web");
    let (r, _) = env.run(&["get", "pods"]).await;
    assert_eq!(r.unwrap().data["items"].as_array().unwrap().len(), 3);
    if env.is_fake() {
        let (r, _) = env.run(&["logs", "web", "--tail", "1"]).await;
        let out = r.unwrap();
        let raw = out.raw_text.unwrap();
        assert_eq!(raw.lines().count(), 3, "{raw}");
        assert!(raw.lines().all(|l| l.starts_with("web-") && l.ends_with("| ready")), "{raw}");
    }
    let (r, _) = env.run(&["delete", "web"]).await;
    assert!(r.is_err(), "delete asks for confirmation");
    let (r, _) = env.run(&["delete", "web", "--yes"]).await;
    let out = r.unwrap();
    settings(&env).bind(|| insta::assert_snapshot!("delete", text(&out.view)));
    assert!(env.get("apps/v1", "Deployment", "web").await.is_none());
    assert!(env.get("v1", "Service", "web").await.is_none());
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_required_without_yes() {
    let env = Env::new("confirm").await;
    let (r, shown) = env.run(&["deploy", "web", "--image", "registry.example/web:1.0"]).await;
    let e = r.expect_err("needs confirmation");
    assert!(e.message.contains("confirmation needed"));
    assert!(!shown.is_empty(), "the plan was shown first");
    assert!(env.get("apps/v1", "Deployment", "web").await.is_none());
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulset_daemonset_pvc_waits_and_immutable_fields() {
    let env = Env::new("kinds").await;
    let yaml = "apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 1Gi}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 2
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: registry.example/db:1
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
      - name: agent
        image: registry.example/agent:1
";
    let f = env.write("kinds.yaml", yaml);
    let (r, shown) = env.run(&["deploy", "-f", &f, "--yes"]).await;
    let out = r.unwrap_or_else(|e| panic!("{e:?}"));
    assert!(out.status.is_success(), "{}", text(&out.view));
    settings(&env).bind(|| insta::assert_snapshot!("kinds_plan", text(&shown)));
    settings(&env).bind(|| insta::assert_snapshot!("kinds_result", text(&out.view)));
    // Changing a StatefulSet's selector cannot be done in place: called out before applying.
    let f2 = env.write("kinds2.yaml", &yaml.replace("matchLabels: {app: db}", "matchLabels: {app: db, tier: x}").replace("labels: {app: db}", "labels: {app: db, tier: x}"));
    let (r, _) = env.run(&["deploy", "-f", &f2, "--yes"]).await;
    let e = r.expect_err("immutable");
    assert!(e.message.contains("immutable"), "{}", e.message);
    settings(&env).bind(|| insta::assert_snapshot!("immutable", format!("{}\nhint: {}", e.message, e.hint.unwrap_or_default())));
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_resource_checked_against_crd_on_cluster() {
    let env = Env::new("crcheck").await;
    let crd = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Gadget, plural: gadgets, singular: gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
";
    let f = env.write("crd.yaml", crd);
    let (r, _) = env.run(&["deploy", "-f", &f, "--yes"]).await;
    assert!(r.unwrap().status.is_success());
    let f2 = env.write("cr.yaml", "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\nspec:\n  size: big\n  colour: red\n");
    let (r, _) = env.run(&["deploy", "-f", &f2, "--yes"]).await;
    let e = r.expect_err("invalid CR");
    assert_eq!(e.exit_status().code(), 2);
    settings(&env).bind(|| insta::assert_snapshot!("cr_on_cluster", e.message));
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_check_reports_reachability() {
    let env = Env::new("doctor").await;
    let args = tusk_kubernetes::KubeArgs { kubeconfig: Some(env.kubeconfig.clone()), ..Default::default() };
    let ok = tusk_kubernetes::doctor_check(&args, std::time::Duration::from_secs(5)).await.unwrap();
    assert!(ok.contains("Kubernetes v1."), "{ok}");
    // A context pointing at a closed port is reported, not hung on.
    let bad = env.write("bad-kubeconfig", "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'http://127.0.0.1:9'}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: t}\n");
    let args = tusk_kubernetes::KubeArgs { kubeconfig: Some(bad.into()), ..Default::default() };
    let e = tusk_kubernetes::doctor_check(&args, std::time::Duration::from_secs(5)).await.unwrap_err();
    assert!(e.message.contains("context c"), "{}", e.message);
    assert!(e.hint.is_some());
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_with_atomic_rolls_back() {
    let env = Env::new("cancel").await;
    fake_only!(env);
    let cancel = tokio_util::sync::CancellationToken::new();
    let c2 = cancel.clone();
    let kubeconfig = env.kubeconfig.clone();
    let ns = env.ns.clone();
    // Ctrl-C once the deploy has created its objects and is waiting.
    tokio::spawn(async move {
        let kc = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap();
        let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default()).await.unwrap();
        let api: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(kube::Client::try_from(cfg).unwrap(), &ns);
        for _ in 0..300 {
            if api.list(&Default::default()).await.map(|l| !l.items.is_empty()).unwrap_or(false) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        c2.cancel();
    });
    // A readiness probe that never passes: the deploy waits until Ctrl-C.
    let (r, _) = env
        .run_with_cancel(&["deploy", "slow", "--image", "registry.example/web:1.0", "--port", "8080", "--probe", "http:/fail:8080", "--atomic", "--yes"], cancel)
        .await;
    let e = r.expect_err("interrupted");
    assert_eq!(e.exit_status().code(), 130);
    settings(&env).bind(|| insta::assert_snapshot!("ctrl_c_hint", e.hint.clone().unwrap_or_default()));
    assert!(env.get("apps/v1", "Deployment", "slow").await.is_none(), "created deployment deleted");
    assert!(env.get("v1", "Service", "slow").await.is_none(), "created service deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_timeout_explains_failing_probe() {
    let env = Env::new("probe").await;
    fake_only!(env);
    let started = std::time::Instant::now();
    let (r, _) = env.run(&["deploy", "slow", "--image", "registry.example/web:1.0", "--port", "8080", "--probe", "http:/fail:8080", "--resource-timeout", "2s", "--yes"]).await;
    let out = r.unwrap();
    assert_eq!(out.status.code(), 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "the per-resource timeout applies");
    assert_eq!(out.data["results"][0]["result"], "timeout");
    let t = text(&out.view);
    assert!(t.contains("Readiness probe failed"), "{t}");
    assert!(t.contains("running but not ready"), "{t}");
    settings(&env).bind(|| insta::assert_snapshot!("explain_probe", t));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redeploy_without_replicas_keeps_the_live_count() {
    let env = Env::new("replicas").await;
    let replicas = || async { env.get("apps/v1", "Deployment", "web").await.unwrap()["spec"]["replicas"].clone() };
    let (r, _) = env.run(&["deploy", "web", "--image", "registry.example/web:1.0", "--replicas", "2", "--yes"]).await;
    assert!(r.unwrap().status.is_success());
    // A new image without --replicas: still 2 (the flags alone would say 1).
    let (r, _) = env.run(&["deploy", "web", "--image", "registry.example/web:1.1", "--yes"]).await;
    let out = r.unwrap();
    assert!(out.status.is_success(), "{}", text(&out.view));
    let d = env.get("apps/v1", "Deployment", "web").await.unwrap();
    assert_eq!(d["spec"]["replicas"], 2);
    assert_eq!(d["status"]["availableReplicas"], 2);
    assert_eq!(d["spec"]["template"]["spec"]["containers"][0]["image"], env.image("registry.example/web:1.1"));
    // diff from the same flags sees what deploy would send: nothing to change.
    let (r, _) = env.run(&["diff", "web", "--image", "registry.example/web:1.1"]).await;
    let out = r.unwrap();
    assert_eq!(out.status.code(), 0, "{}", text(&out.view));
    // --replicas still sets the count.
    let (r, _) = env.run(&["deploy", "web", "--image", "registry.example/web:1.1", "--replicas", "3", "--yes"]).await;
    assert!(r.unwrap().status.is_success());
    assert_eq!(replicas().await, 3);
    // Scaled outside deploy, the count survives a redeploy too.
    let (r, _) = env.run(&["scale", "web", "4"]).await;
    assert!(r.unwrap().status.is_success());
    let (r, _) = env.run(&["deploy", "web", "--image", "registry.example/web:1.0", "--yes"]).await;
    assert!(r.unwrap().status.is_success());
    assert_eq!(replicas().await, 4);
    env.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_that_cannot_answer_exits_5() {
    let env = Env::new("differr").await;
    let f = env.write("app.yaml", APP_YAML);
    // Nothing listens on port 9: the dry run cannot be asked for.
    let dead = env.dir.path().join("dead-kubeconfig");
    std::fs::write(&dead, "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'http://127.0.0.1:9'}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: t}\n").unwrap();
    let (r, _) = env.run_against(&dead, &["diff", "-f", &f]).await;
    let e = r.expect_err("unreachable server");
    assert_eq!(e.exit_status().code(), 5, "{}", e.message);
    assert!(e.message.contains("cannot reach the API server"), "{}", e.message);
    // Bad input is still exit 2, and other verbs keep exit 1 for the same failure.
    let bad = env.write("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nbogus: 1\n");
    let (r, _) = env.run_against(&dead, &["diff", "-f", &bad]).await;
    assert_eq!(r.expect_err("invalid").exit_status().code(), 2);
    let (r, _) = env.run_against(&dead, &["deploy", "-f", &f, "--yes"]).await;
    assert_eq!(r.expect_err("unreachable server").exit_status().code(), 1);
    env.done().await;
}
