//! @kubernetes through the real `tusk` binary against the fake API server
//! (`tusk-kube-fake`, run as a process; `cargo test --workspace` builds it next to `tusk`),
//! or against a real cluster when `TUSK_TEST_KUBECONFIG` is set (snapshots that depend on the
//! fake's simulated failures are then skipped with a message).

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use tusk_tests::{TestContext, run, test_context, tusk_snapshot};

/// The fake API server's process (none when the tests run against a real cluster); killed on drop.
struct Fake {
    child: Option<Child>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn fake_bin() -> PathBuf {
    let tusk = PathBuf::from(env!("CARGO_BIN_EXE_tusk"));
    let bin = tusk.with_file_name(format!("tusk-kube-fake{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p tusk-kube-fake` (cargo test --workspace builds it)",
        bin.display()
    );
    bin
}

/// A context whose KUBECONFIG points at a fresh fake cluster (or the real one).
fn cluster(ctx: &mut TestContext) -> Fake {
    if let Ok(real) = std::env::var("TUSK_TEST_KUBECONFIG") {
        ctx.env("KUBECONFIG", real.clone());
        return Fake { child: None };
    }
    let kubeconfig = ctx.root().join("kubeconfig");
    let mut child = Command::new(fake_bin())
        .args(["--addr", "127.0.0.1:0", "--kubeconfig"])
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tusk-kube-fake");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read fake URL");
    assert!(line.starts_with("http://127.0.0.1:"), "unexpected fake output: {line}");
    ctx.env("KUBECONFIG", kubeconfig.display().to_string());
    ctx.filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    ctx.filter(r"-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}([^a-z0-9]|$)", "-[RS]-[POD]$1");
    ctx.filter(r"-[bcdfghjklmnpqrstvwxz2456789]{10}([^a-z0-9]|$)", "-[RS]$1");
    ctx.filter(r"\(x\d+\)", "(xN)");
    ctx.filter(r"restarts: \d+", "restarts: N");
    ctx.filter(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[UID]");
    Fake { child: Some(child) }
}

fn is_real() -> bool {
    std::env::var("TUSK_TEST_KUBECONFIG").is_ok()
}

#[test]
fn kubernetes_render_from_flags() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@k8s", "render", "web", "--image", "nginx:1.27", "--port", "80", "--expose", "LoadBalancer", "--autoscale", "2:5:70"]));
}

#[test]
fn kubernetes_render_bad_flag() {
    let ctx = test_context!();
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "render", "web", "--image", "nginx", "--cpu", "lots"]));
    assert_eq!(r.code, Some(2));
}

#[test]
fn kubernetes_invalid_manifest_names_file_line_and_field() {
    let mut ctx = test_context!();
    let _fake = cluster(&mut ctx);
    ctx.write(
        "app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        imagee: nginx\n---\napiVersion: v1\nkind: Servce\nmetadata:\n  name: web\n",
    );
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "deploy", "-f", "app.yaml", "--yes"]));
    assert_eq!(r.code, Some(2));
}

#[test]
fn kubernetes_deploy_flags_then_noop_then_status() {
    let mut ctx = test_context!();
    let _fake = cluster(&mut ctx);
    let ns = if is_real() { "tusk-e2e-cli" } else { "default" };
    let args = ["@k8s", "deploy", "web", "--image", "registry.example/web:1.0", "--port", "8080", "--replicas", "2", "--yes", "-n", ns];
    let r = tusk_snapshot!(ctx, ctx.tusk(args));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = tusk_snapshot!(ctx, ctx.tusk(args));
    assert_eq!(r.code, Some(0));
    let r = run(&mut ctx.tusk(["@k8s", "status", "web", "-n", ns, "-o", "json"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["state"], "ready");
    assert_eq!(v["replicas"]["available"], 2);
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "history", "web", "-n", ns]));
    assert_eq!(r.code, Some(0));
}

#[test]
fn kubernetes_deploy_needs_confirmation_when_not_interactive() {
    let mut ctx = test_context!();
    let _fake = cluster(&mut ctx);
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "deploy", "web", "--image", "registry.example/web:1.0"]));
    assert_eq!(r.code, Some(2));
}

#[test]
fn kubernetes_deploy_failure_is_explained() {
    let mut ctx = test_context!();
    if is_real() {
        eprintln!("skipped against a real cluster: the snapshot depends on the fake's messages");
        return;
    }
    let _fake = cluster(&mut ctx);
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "deploy", "api", "--image", "registry.example/crash:2.0", "--env", "FAKE_LOG=starting api|panic: missing DATABASE_URL", "--yes", "--atomic", "--timeout", "30s"]));
    assert_eq!(r.code, Some(1));
}

#[test]
fn kubernetes_diff_exit_codes() {
    let mut ctx = test_context!();
    let _fake = cluster(&mut ctx);
    ctx.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: info\n");
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "diff", "-f", "cm.yaml"]));
    assert_eq!(r.code, Some(1));
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "-f", "cm.yaml", "--yes"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(&mut ctx.tusk(["@k8s", "diff", "-f", "cm.yaml"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    // A diff that cannot be computed is not "changes": exit 5, "no answer" (docs/exit-codes.md).
    ctx.write("dead.kubeconfig", "apiVersion: v1\nkind: Config\nclusters:\n- name: dead\n  cluster: {server: 'http://127.0.0.1:9'}\ncontexts:\n- name: dead\n  context: {cluster: dead, user: u}\ncurrent-context: dead\nusers:\n- name: u\n  user: {token: t}\n");
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "diff", "-f", "cm.yaml", "--kubeconfig", "dead.kubeconfig"]));
    assert_eq!(r.code, Some(5));
}

#[test]
fn kubernetes_unknown_context() {
    let mut ctx = test_context!();
    let _fake = cluster(&mut ctx);
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "status", "web", "--context", "prod"]));
    assert_eq!(r.code, Some(2));
}

#[test]
fn kubernetes_deploy_json_output() {
    let mut ctx = test_context!();
    let _fake = cluster(&mut ctx);
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "web", "--image", "registry.example/web:1.0", "--yes", "-o", "json"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["succeeded"], true);
    assert_eq!(v["changes"][0]["kind"], "Deployment");
    assert_eq!(v["changes"][0]["op"], "create");
    assert_eq!(v["results"][0]["result"], "ready");
}

#[test]
fn kubernetes_logs_follow_streams_until_interrupted() {
    let mut ctx = test_context!();
    if is_real() {
        eprintln!("skipped against a real cluster: relies on the fake's container logs");
        return;
    }
    let _fake = cluster(&mut ctx);
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "web", "--image", "registry.example/web:1.0", "--env", "FAKE_LOG=hello from web|second line", "--yes"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let mut child = ctx.tusk(["@k8s", "logs", "web", "-f"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn logs -f");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut got = Vec::new();
    while got.len() < 2 {
        match rx.recv_timeout(std::time::Duration::from_secs(20)) {
            Ok(l) => got.push(l),
            Err(e) => {
                let _ = child.kill();
                panic!("logs -f printed {got:?} then nothing ({e})");
            }
        }
    }
    // Still running: -f follows until interrupted.
    assert!(child.try_wait().expect("try_wait").is_none(), "logs -f exited early");
    let _ = child.kill();
    let _ = child.wait();
    assert!(got[0].starts_with("web-") && got[0].ends_with("| hello from web"), "{got:?}");
    assert!(got[1].ends_with("| second line"), "{got:?}");
}

#[test]
fn kubernetes_dry_run_without_a_cluster() {
    let mut ctx = test_context!();
    let kc = ctx.write("kubeconfig", "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: {server: 'http://127.0.0.1:9'}\ncontexts:\n- name: gone\n  context: {cluster: gone, user: u, namespace: shop}\ncurrent-context: gone\nusers:\n- name: u\n  user: {token: t}\n");
    ctx.env("KUBECONFIG", kc.display().to_string());
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "deploy", "web", "--image", "nginx:1.27", "--port", "80", "--dry-run"]));
    assert_eq!(r.code, Some(0));
}

#[test]
fn kubernetes_doctor_reports_the_context() {
    let mut ctx = test_context!();
    let _fake = cluster(&mut ctx);
    let r = run(&mut ctx.tusk(["doctor", "-o", "json"]), None);
    let v = r.json();
    let kube = v["checks"].as_array().unwrap().iter().find(|c| c["name"] == "kube context").cloned().unwrap_or_else(|| panic!("no kube check: {v}"));
    assert_eq!(kube["status"], "ok", "{kube}");
    assert!(kube["detail"].as_str().unwrap().contains("reachable"), "{kube}");
    // Without any kubeconfig: reported as missing, not a failure.
    let ctx2 = test_context!();
    let r = run(&mut ctx2.tusk(["doctor", "-o", "json"]), None);
    let v = r.json();
    let kube = v["checks"].as_array().unwrap().iter().find(|c| c["name"] == "kube context").cloned().unwrap();
    assert_eq!(kube["status"], "missing", "{kube}");
}

#[test]
fn kubernetes_deploys_are_audited() {
    let mut ctx = test_context!();
    if is_real() {
        eprintln!("skipped against a real cluster: asserts the fake's context name");
        return;
    }
    let _fake = cluster(&mut ctx);
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "web", "--image", "registry.example/web:1.0", "--yes"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "bad", "--image", "registry.example/does-not-exist:1", "--yes", "--atomic"]), None);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let r = run(&mut ctx.tusk(["audit", "-o", "json"]), None);
    let v = r.json();
    let recs: Vec<&serde_json::Value> = v["records"].as_array().unwrap().iter().filter(|r| r["operator"] == "kubernetes").collect();
    assert_eq!(recs.len(), 2, "{v}");
    assert_eq!(recs[0]["verb"], "deploy");
    assert_eq!(recs[0]["target"], "context fake, namespace default");
    assert_eq!(recs[0]["outcome"], "success");
    assert_eq!(recs[1]["exit_code"], 1);
}

#[test]
fn kubernetes_deploy_from_stdin() {
    let mut ctx = test_context!();
    let _fake = cluster(&mut ctx);
    let manifest = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-stdin\ndata:\n  a: b\n";
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "-f", "-", "--yes", "-o", "json"]), Some(manifest));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["changes"][0]["name"], "from-stdin");
    assert_eq!(v["changes"][0]["op"], "create");
    let r = run(&mut ctx.tusk(["@k8s", "get", "cm", "from-stdin", "-o", "json"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.json()["items"][0]["data"]["a"], "b");
}

/// Fields a flag no longer produces are removed by server-side apply (tusk is their only
/// manager), and the plan says so: it comes from the server's dry run, not from a guess.
#[test]
fn kubernetes_redeploy_without_flags_shows_removed_fields() {
    let mut ctx = test_context!();
    let _fake = cluster(&mut ctx);
    let image = "registry.example/web:1.0";
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "web", "--image", image, "--port", "80", "--cpu", "100m:500m", "--probe", "http:/healthz:80", "--yes", "--no-wait"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "diff", "web", "--image", image]));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    for removed in ["-        ports:", "-        resources:", "-        readinessProbe:", "-        livenessProbe:"] {
        assert!(r.stdout.contains(removed), "`{removed}` missing from the diff:\n{}", r.stdout);
    }
    let r = run(&mut ctx.tusk(["@k8s", "diff", "web", "--image", image, "-o", "json"]), None);
    let v = r.json();
    let removed: Vec<&str> = v["changes"][0]["removed"].as_array().unwrap().iter().filter_map(|p| p.as_str()).collect();
    for f in ["ports", "resources.requests", "resources.limits", "readinessProbe", "livenessProbe"] {
        assert!(removed.contains(&format!("spec.template.spec.containers[web].{f}").as_str()), "{f} not in removed: {v}");
    }
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "web", "--image", image, "--yes", "--no-wait"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(&mut ctx.tusk(["@k8s", "get", "deployment", "web", "-o", "json"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let c = &r.json()["items"][0]["spec"]["template"]["spec"]["containers"][0];
    for f in ["ports", "resources", "readinessProbe", "livenessProbe"] {
        assert!(c.get(f).is_none_or(|v| v.as_object().is_some_and(|m| m.is_empty())), "{f} still live: {c}");
    }
    assert_eq!(c["image"], image);
    // Nothing left to remove: the same command again plans no change.
    let r = run(&mut ctx.tusk(["@k8s", "diff", "web", "--image", image]), None);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
}

const HELD_CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  finalizers: [example.com/hold]\ndata:\n  a: b\n";

/// `--prune` of an object that finalizers keep: reported as terminating, not as gone.
#[test]
fn kubernetes_prune_reports_terminating_objects() {
    let mut ctx = test_context!();
    let _fake = cluster(&mut ctx);
    ctx.write("held.yaml", HELD_CM);
    ctx.write("other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  a: b\n");
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "-f", "held.yaml", "-f", "other.yaml", "--app", "shop", "--yes"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "deploy", "-f", "other.yaml", "--app", "shop", "--prune", "--yes"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("configmap/held is terminating"), "{}", r.stdout);
    let r = run(&mut ctx.tusk(["@k8s", "get", "cm", "held", "-o", "json"]), None);
    assert!(r.json()["items"][0]["metadata"]["deletionTimestamp"].is_string(), "{}", r.stdout);
    // Already terminating: a second prune does not plan to delete it again.
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "-f", "other.yaml", "--app", "shop", "--prune", "--yes", "-o", "json"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v = r.json();
    assert!(v["changes"].as_array().unwrap().iter().all(|c| c["op"] != "delete"), "{v}");
}

/// `--atomic` cannot re-create a pruned object that is still terminating, and says so.
#[test]
fn kubernetes_atomic_rollback_meets_terminating_object() {
    let mut ctx = test_context!();
    if is_real() {
        eprintln!("skipped against a real cluster: the failure is the fake's simulated image pull");
        return;
    }
    let _fake = cluster(&mut ctx);
    ctx.write("held.yaml", HELD_CM);
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "-f", "held.yaml", "--app", "shop", "--yes"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "deploy", "bad", "--image", "registry.example/does-not-exist:1", "--app", "shop", "--prune", "--atomic", "--yes", "--timeout", "30s"]));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.contains("NOT recreated: still terminating (finalizers: example.com/hold)"), "{}", r.stdout);
}

/// `delete` of an object finalizers hold reports it terminating, and deploying it again while it
/// is terminating is refused with what holds it instead of "deployed".
#[test]
fn kubernetes_delete_and_redeploy_of_a_terminating_object() {
    let mut ctx = test_context!();
    let _fake = cluster(&mut ctx);
    ctx.write("held.yaml", HELD_CM);
    let r = run(&mut ctx.tusk(["@k8s", "deploy", "-f", "held.yaml", "--yes"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "delete", "-f", "held.yaml", "--yes"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("1 terminating until their finalizers are done: configmap/held (example.com/hold)"), "{}", r.stdout);
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "deploy", "-f", "held.yaml", "--yes"]));
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stderr.contains("configmap/held is terminating (finalizers: example.com/hold)"), "{}", r.stderr);
}
