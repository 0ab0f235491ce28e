//! @multicloud through the real binary: init, validation errors with file:line, packaging,
//! missing credentials, and a real AWS deploy against moto (the emulator installed by
//! scripts/setup/multicloud.sh). The three-cloud scenarios (Azure and GCP need the in-repo
//! ARM/Kudu and Cloud Functions fakes) run in-process in operators/multicloud/tests/clouds.rs.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use tusk_tests::{TestContext, run, test_context, tusk_snapshot};

const MAIN_PY: &str = "def handler(event, context=None):\n    return event\n";

fn spec(aws_endpoint: &str) -> String {
    format!(
        r#"name = "hello-fn"
runtime = "python3.12"
handler = "main.handler"
source = "src"
memory = 256
timeout = 30

[env]
GREETING = "hello"

[aws]
region = "us-east-1"
create_role = true
endpoint = "{aws_endpoint}"

[gcp]
project = "test-project"
region = "us-central1"
"#
    )
}

fn project(ctx: &TestContext, aws_endpoint: &str) {
    ctx.write("tusk-function.toml", spec(aws_endpoint));
    ctx.write("src/main.py", MAIN_PY);
}

#[test]
fn init_writes_a_valid_spec_and_handler() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "init", "--name", "orders-api"]));
    let r = run(&mut ctx.tusk(["@multicloud", "validate"]), None);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    // A second init refuses to overwrite.
    let r = run(&mut ctx.tusk(["@multicloud", "init", "--name", "orders-api"]), None);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
}

#[test]
fn bad_spec_values_point_at_file_and_line() {
    let ctx = test_context!();
    project(&ctx, "http://127.0.0.1:9");
    let text = spec("http://127.0.0.1:9").replace("memory = 256", "memory = 64").replace("timeout = 30", "timeout = 1200");
    ctx.write("tusk-function.toml", &text);
    tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "validate", "--cloud", "aws"]));
    tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "deploy", "--cloud", "gcp"]));
    ctx.write("tusk-function.toml", spec("x").replace("runtime = \"python3.12\"", "runtime = \"python9\""));
    tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "validate"]));
    ctx.write("tusk-function.toml", spec("x").replace("memory = 256", "memory = \"lots\""));
    tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "validate"]));
    // Three invalid fields: all three reported at once, by validate and by deploy.
    let text = spec("x").replace("memory = 256", "memory = 64").replace("timeout = 30", "timeout = 1200").replace("runtime = \"python3.12\"", "runtime = \"python9\"");
    ctx.write("tusk-function.toml", &text);
    tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "validate", "--cloud", "aws"]));
    let r = run(&mut ctx.tusk(["@multicloud", "deploy", "--cloud", "aws", "--yes"]), None);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("3 problems in tusk-function.toml"), "{}", r.stderr);
    ctx.write("tusk-function.toml", spec("x"));
    tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "deploy", "--cloud", "aws", "--traffic", "150"]));
    tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "deploy", "--cloud", "azure"]));
}

#[test]
fn package_is_deterministic() {
    let ctx = test_context!();
    project(&ctx, "http://127.0.0.1:9");
    let a = tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "package", "--out", "dist"]));
    let first = std::fs::read(ctx.work().join("dist/hello-fn-aws.zip")).unwrap();
    let b = run(&mut ctx.tusk(["@multicloud", "package", "--out", "dist"]), None);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(first, std::fs::read(ctx.work().join("dist/hello-fn-aws.zip")).unwrap());
}

#[test]
fn missing_credentials_name_the_cloud() {
    let ctx = test_context!();
    project(&ctx, "http://127.0.0.1:9");
    tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "deploy"]));
}

fn moto_bin() -> PathBuf {
    let base = std::env::var("TUSK_CI_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/tusk-ci"));
    let p = base.join("multicloud/venv-moto/bin/moto_server");
    assert!(p.exists(), "{} is missing: run scripts/setup/multicloud.sh (installs moto)", p.display());
    p
}

struct Moto(Child, u16);
impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_moto() -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(moto_bin())
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let moto = Moto(child, port);
    let start = Instant::now();
    // Readiness, then the no-Docker Lambda backend (before any function exists).
    loop {
        let ok = Command::new("curl")
            .args(["-fs", "-o", "/dev/null", "-X", "POST", "-H", "Content-Type: application/json", "-d", r#"{"lambda":{"use_docker":false}}"#])
            .arg(format!("http://127.0.0.1:{port}/moto-api/config"))
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(90), "moto did not start in 90 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    moto
}

#[test]
fn aws_deploy_redeploy_invoke_against_moto() {
    let moto = start_moto();
    let endpoint = format!("http://127.0.0.1:{}", moto.1);
    let mut ctx = test_context!();
    ctx.env("AWS_ACCESS_KEY_ID", "testing").env("AWS_SECRET_ACCESS_KEY", "testing");
    ctx.filter(regex_escape(&endpoint), "[MOTO]");
    project(&ctx, &endpoint);
    // Without a terminal and without --yes: the plan on stderr, then a refusal (exit 2, with
    // a hint), and nothing deployed.
    let r = tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "deploy", "--cloud", "aws"]));
    assert_eq!(r.code, Some(2));
    let r = run(&mut ctx.tusk(["@multicloud", "status", "--cloud", "aws", "-o", "json"]), None);
    assert_eq!(r.json()["clouds"][0]["deployed"], false, "{}", r.stdout);
    let r = tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "deploy", "--cloud", "aws", "--yes"]));
    assert_eq!(r.code, Some(0));
    // Nothing to change: no question, even without a terminal.
    let r = tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "deploy", "--cloud", "aws"]));
    assert!(r.stdout.contains("up to date"), "{}", r.stdout);
    let r = tusk_snapshot!(ctx, ctx.tusk(["--dry-run", "@multicloud", "deploy", "--cloud", "aws", "--traffic", "10"]));
    assert_eq!(r.code, Some(0));
    let r = run(&mut ctx.tusk(["@multicloud", "invoke", "--cloud", "aws", "--data", r#"{"name":"Ada"}"#, "-o", "json"]), None);
    assert_eq!(r.json()["results"][0]["response"], serde_json::json!({"name": "Ada"}), "{}", r.stderr);
    let r = run(&mut ctx.tusk(["@multicloud", "status", "--cloud", "aws", "-o", "json"]), None);
    assert_eq!(r.json()["clouds"][0]["version"], "1", "{}", r.stdout);
    // destroy without --yes and without a terminal refuses (exit 2).
    let r = run(&mut ctx.tusk(["@multicloud", "destroy", "--cloud", "aws"]), None);
    assert_eq!(r.code, Some(2), "{}", r.stdout);
    let r = tusk_snapshot!(ctx, ctx.tusk(["@multicloud", "destroy", "--cloud", "aws", "--yes"]));
    assert_eq!(r.code, Some(0));
    // The mutating verbs are in the audit log with their target.
    let r = run(&mut ctx.tusk(["audit", "-o", "json"]), None);
    let text = r.stdout;
    assert!(text.contains("aws:us-east-1/hello-fn:live"), "{text}");
}

fn regex_escape(s: &str) -> String {
    tusk_tests::escape(s)
}
