#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! @multicloud against real emulators (moto for AWS, Azurite for Azure Blob,
//! fake-gcs-server for GCS) and the in-repo fakes of ARM/Kudu and Cloud Functions v2.
//! Emulators are installed by scripts/setup/multicloud.sh; each test starts its own on
//! free loopback ports and kills them when it ends.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tusk_cloud_fakes::{arm::Arm, gcf::Gcf};
use tusk_multicloud::Multicloud;
use tusk_registry::testing::TestUi;
use tusk_registry::{Context, Invocation, Operator, Output, OutputFormat, Progress, ProgressSink, TaskOutcome};

fn emu_root() -> PathBuf {
    let base = std::env::var("TUSK_CI_CACHE").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/tusk-ci"));
    base.join("multicloud")
}

fn need(p: &Path) -> PathBuf {
    assert!(p.exists(), "{} is missing: run scripts/setup/multicloud.sh first (installs moto, Azurite, fake-gcs-server)", p.display());
    p.to_path_buf()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Emulators {
    _procs: Vec<Proc>,
    aws: String,
    blob: String,
    gcs: String,
    _dir: tempfile::TempDir,
}

async fn wait_http(url: &str, what: &str) {
    let start = Instant::now();
    loop {
        if reqwest::get(url).await.is_ok() {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(90), "{what} did not start in 90 s ({url})");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Emulators {
    async fn start() -> Emulators {
        let root = emu_root();
        let dir = tempfile::tempdir().unwrap();
        let log = |n: &str| std::fs::File::create(dir.path().join(n)).unwrap();
        let (mp, ap, gp) = (free_port(), free_port(), free_port());
        let moto = Command::new(need(&root.join("venv-moto/bin/moto_server")))
            .args(["-H", "127.0.0.1", "-p", &mp.to_string()])
            // Real IAM has the AWS managed policies (AWSLambdaBasicExecutionRole); moto loads them on request.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdout(log("moto.log"))
            .stderr(log("moto.err"))
            .spawn()
            .unwrap();
        let azurite = Command::new(need(&root.join("azurite/node_modules/.bin/azurite-blob")))
            .args(["--blobHost", "127.0.0.1", "--blobPort", &ap.to_string(), "--location"])
            .arg(dir.path().join("azurite"))
            .args(["--silent", "--disableTelemetry"])
            .stdout(log("azurite.log"))
            .stderr(log("azurite.err"))
            .spawn()
            .unwrap();
        let fgcs = Command::new(need(&root.join("fake-gcs-server")))
            .args(["-scheme", "http", "-host", "127.0.0.1", "-port", &gp.to_string(), "-backend", "memory", "-log-level", "warn"])
            .args(["-external-url", &format!("http://127.0.0.1:{gp}")])
            .stdin(Stdio::null())
            .stdout(log("fgcs.log"))
            .stderr(log("fgcs.err"))
            .spawn()
            .unwrap();
        let procs = vec![Proc(moto), Proc(azurite), Proc(fgcs)];
        let aws = format!("http://127.0.0.1:{mp}");
        let gcs = format!("http://127.0.0.1:{gp}");
        let blob_host = format!("http://127.0.0.1:{ap}");
        wait_http(&format!("{aws}/moto-api/"), "moto").await;
        wait_http(&format!("{gcs}/storage/v1/b"), "fake-gcs-server").await;
        wait_http(&format!("{blob_host}/devstoreaccount1?comp=list"), "azurite").await;
        let c = reqwest::Client::new();
        // The no-Docker Lambda backend, before any function exists.
        let r = c.post(format!("{aws}/moto-api/config")).header("content-type", "application/json").body(json!({"lambda": {"use_docker": false}}).to_string()).send().await.unwrap();
        assert!(r.status().is_success());
        // The S3 bucket for AWS packages and the GCS bucket for GCP sources.
        let r = c
            .put(format!("{aws}/tusk-artifacts"))
            .header("authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "create bucket: {}", r.text().await.unwrap());
        let r = c.post(format!("{gcs}/storage/v1/b?project=test-project")).header("content-type", "application/json").body(json!({"name": "tusk-sources"}).to_string()).send().await.unwrap();
        assert!(r.status().is_success());
        Emulators { _procs: procs, aws, blob: format!("{blob_host}/devstoreaccount1"), gcs, _dir: dir }
    }
}

struct World {
    emu: Emulators,
    arm: Arm,
    gcf: Gcf,
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
}

const RSA_KEY_CMD: &str = "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null";

impl World {
    async fn new() -> World {
        let emu = Emulators::start().await;
        let arm = Arm::start().await.unwrap();
        let gcf = Gcf::start(Some(emu.gcs.clone())).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/main.py"), "def handler(event, context=None):\n    return event\n").unwrap();
        std::fs::write(dir.path().join("src/run.sh"), "#!/bin/sh\nexec python3 main.py\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path().join("src/run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        // A service-account key made for this test: tusk signs a real RS256 JWT with it.
        let key = Command::new("sh").args(["-c", RSA_KEY_CMD]).output().expect("openssl is needed");
        assert!(key.status.success(), "openssl genpkey failed");
        let sa = json!({"type": "service_account", "project_id": "test-project", "private_key_id": "k1", "private_key": String::from_utf8(key.stdout).unwrap(),
            "client_email": "deployer@test-project.iam.gserviceaccount.com", "token_uri": format!("{}/token", gcf.server.base)});
        std::fs::write(dir.path().join("sa.json"), sa.to_string()).unwrap();
        let mut env = BTreeMap::new();
        for (k, v) in [
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AZURE_TENANT_ID", "tenant-1"),
            ("AZURE_CLIENT_ID", "client-1"),
            ("AZURE_CLIENT_SECRET", "s3cr3t-value"),
            ("GREETING_SOURCE", "hello from env"),
            ("HOME", "/nonexistent"),
        ] {
            env.insert(k.to_string(), v.to_string());
        }
        env.insert("AZURE_AUTHORITY_HOST".into(), arm.server.base.clone());
        env.insert("GOOGLE_APPLICATION_CREDENTIALS".into(), dir.path().join("sa.json").display().to_string());
        let w = World { emu, arm, gcf, dir, env };
        w.write_spec(256, 30, "hello");
        w
    }

    fn spec_path(&self) -> PathBuf {
        self.dir.path().join("tusk-function.toml")
    }

    fn write_spec(&self, memory: u32, timeout: u32, greeting: &str) {
        let text = format!(
            r#"name = "hello-fn"
runtime = "python3.12"
handler = "main.handler"
source = "src"
exclude = ["**/__pycache__/**"]
memory = {memory}
timeout = {timeout}

[env]
GREETING = "{greeting}"
FROM_ENV = {{ from_env = "GREETING_SOURCE" }}

[aws]
region = "us-east-1"
create_role = true
alias = "live"
bucket = "tusk-artifacts"
upload = "s3"
endpoint = "{aws}"

[azure]
subscription = "sub-1"
resource_group = "rg-1"
location = "westeurope"
app = "hello-fn-app"
storage_account = "devstoreaccount1"
memory = 2048
arm_endpoint = "{arm}"
blob_endpoint = "{blob}"
scm_endpoint = "{arm}/scm/hello-fn-app"

[gcp]
project = "test-project"
region = "us-central1"
bucket = "tusk-sources"
endpoint = "{gcf}"
storage_endpoint = "{gcs}"
run_endpoint = "{gcf}"
logging_endpoint = "{gcf}"
"#,
            aws = self.emu.aws,
            arm = self.arm.server.base,
            blob = self.emu.blob,
            gcf = self.gcf.server.base,
            gcs = self.emu.gcs,
        );
        std::fs::write(self.spec_path(), text).unwrap();
    }

    async fn tusk(&self, args: &[&str]) -> (tusk_registry::Result<Output>, Vec<String>) {
        self.tusk_with(args, self.env.clone(), false).await
    }

    async fn tusk_with(&self, args: &[&str], env: BTreeMap<String, String>, dry_run: bool) -> (tusk_registry::Result<Output>, Vec<String>) {
        self.tusk_ctl(args, env, dry_run, tokio_util::sync::CancellationToken::new()).await
    }

    async fn tusk_ctl(
        &self,
        args: &[&str],
        env: BTreeMap<String, String>,
        dry_run: bool,
        cancel: tokio_util::sync::CancellationToken,
    ) -> (tusk_registry::Result<Output>, Vec<String>) {
        // Without --yes, a question is answered no.
        self.tusk_ui(args, env, dry_run, cancel, TestUi::answering(false)).await
    }

    async fn tusk_ui(
        &self,
        args: &[&str],
        env: BTreeMap<String, String>,
        dry_run: bool,
        cancel: tokio_util::sync::CancellationToken,
        ui: Arc<TestUi>,
    ) -> (tusk_registry::Result<Output>, Vec<String>) {
        let mut argv = vec!["multicloud".to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        argv.push("--file".into());
        argv.push(self.spec_path().display().to_string());
        let op = Multicloud;
        let matches = op.command().try_get_matches_from(argv).unwrap();
        let verb = matches.subcommand_name().unwrap().to_string();
        let inv = Invocation { verb, matches, invoked_as: "multicloud".into(), preset: None };
        let sink = Arc::new(Sink::default());
        let ctx = Context {
            output: OutputFormat::Json,
            dry_run,
            progress: Progress::new(sink.clone()),
            cancel,
            ui,
            ..Context::for_tests(&self.dir.path().join("home"))
        };
        let out = tusk_multicloud::envvar::scoped(env, op.run(inv, ctx)).await;
        let events = sink.events.lock().unwrap().clone();
        (out, events)
    }
}

#[derive(Default)]
struct Sink {
    events: Mutex<Vec<String>>,
}
impl ProgressSink for Sink {
    fn start(&self, id: u64, label: &str, _: Option<u64>) {
        self.events.lock().unwrap().push(format!("start {id} {label}"));
    }
    fn message(&self, _: u64, _: &str) {}
    fn advance(&self, _: u64, _: u64) {}
    fn finish(&self, id: u64, outcome: TaskOutcome, message: &str) {
        self.events.lock().unwrap().push(format!("finish {id} {outcome:?} {message}"));
    }
    fn notice(&self, _: &str) {}
}

fn rows(out: &Output) -> Vec<(String, String, String)> {
    out.data["clouds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["cloud"].as_str().unwrap().to_string(), c["result"].as_str().unwrap_or("").to_string(), c["detail"].as_str().unwrap_or("").to_string()))
        .collect()
}

fn summary(out: &Output) -> String {
    rows(out).iter().map(|(c, r, d)| format!("{c}: {r} {d}").trim().to_string()).collect::<Vec<_>>().join("\n")
}

async fn aws_alias(w: &World) -> Value {
    let c = reqwest::Client::new();
    c.get(format!("{}/2015-03-31/functions/hello-fn/aliases/live", w.emu.aws))
        .header("authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap()
}

async fn moto_put_log(aws: &str, group: &str, message: &str) {
    let c = reqwest::Client::new();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    for (target, body) in [
        ("Logs_20140328.CreateLogGroup", json!({"logGroupName": group})),
        ("Logs_20140328.CreateLogStream", json!({"logGroupName": group, "logStreamName": "s1"})),
        ("Logs_20140328.PutLogEvents", json!({"logGroupName": group, "logStreamName": "s1", "logEvents": [{"timestamp": now, "message": message}]})),
    ] {
        let r = c
            .post(format!("{aws}/"))
            .header("authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0")
            .header("x-amz-target", target)
            .header("content-type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{target}: {}", r.text().await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clouds_end_to_end() {
    let w = World::new().await;

    // 1. First deploy: all three created, concurrently, one progress task each.
    let (out, events) = w.tusk(&["deploy", "--yes"]).await;
    let out = out.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(summary(&out), "aws: created code+config\nazure: created code+config\ngcp: created code+config", "{}", out.data);
    assert_eq!(summary(&out), "aws: created code+config\nazure: created code+config\ngcp: created code+config");
    assert_eq!(out.status, tusk_registry::ExitStatus::Success);
    assert_eq!(events.iter().filter(|e| e.starts_with("start")).count(), 3, "{events:?}");
    assert_eq!(aws_alias(&w).await["FunctionVersion"], "1");
    let site = w.arm.site("hello-fn-app").unwrap();
    assert_eq!(site["properties"]["functionAppConfig"]["runtime"], json!({"name": "python", "version": "3.12"}));
    // Kudu pulled the package from Azurite; it has host.json with the timeout and function.json.
    let deployed = w.arm.deployed("hello-fn-app");
    assert_eq!(deployed.len(), 1);
    let names: Vec<String> = tusk_multicloud::package::list(&deployed[0]).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["hello-fn/function.json", "host.json", "main.py", "run.sh"]);
    let f = w.gcf.function("hello-fn").unwrap();
    assert_eq!(f["buildConfig"]["runtime"], "python312");
    assert_eq!(f["buildConfig"]["entryPoint"], "handler");
    assert_eq!(f["serviceConfig"]["availableMemory"], "256M");
    assert_eq!(f["serviceConfig"]["environmentVariables"]["FROM_ENV"], "hello from env");
    assert_eq!(f["buildConfig"]["source"]["storageSource"]["bucket"], "tusk-sources");
    // The env value never appears in the output.
    assert!(!format!("{:?}{:?}", out.data, out.view).contains("hello from env"));

    // 2. No-op redeploy: nothing uploaded anywhere.
    w.arm.clear_log();
    w.gcf.clear_log();
    let t = Instant::now();
    let (out, _) = w.tusk(&["deploy", "--yes"]).await;
    let out = out.unwrap();
    let noop = t.elapsed();
    assert_eq!(summary(&out), "aws: up-to-date\nazure: up-to-date\ngcp: up-to-date");
    assert!(noop < Duration::from_secs(1), "no-op redeploy took {noop:?}");
    assert!(w.arm.log().iter().all(|l| l.starts_with("GET") || l.contains("/appsettings/list") || l.contains("/token")), "{:?}", w.arm.log());
    assert!(w.gcf.log().iter().all(|l| l.starts_with("GET") || l.contains("/token")), "{:?}", w.gcf.log());

    // 3. Code change: only code is updated.
    std::fs::write(w.dir.path().join("src/main.py"), "def handler(event, context=None):\n    return {'v': 2, 'event': event}\n").unwrap();
    let (out, _) = w.tusk(&["deploy", "--yes"]).await;
    let out = out.unwrap();
    assert_eq!(summary(&out), "aws: updated code\nazure: updated code\ngcp: updated code");
    assert_eq!(aws_alias(&w).await["FunctionVersion"], "2");
    assert_eq!(w.arm.deployed("hello-fn-app").len(), 2);

    // 4. Config change (memory, timeout, env): config only; Azure's timeout lives in host.json.
    w.write_spec(512, 60, "hola");
    let (out, _) = w.tusk(&["deploy", "--yes"]).await;
    let out = out.unwrap();
    assert_eq!(summary(&out), "aws: updated config\nazure: updated code+config\ngcp: updated config");
    let f = w.gcf.function("hello-fn").unwrap();
    assert_eq!(f["serviceConfig"]["availableMemory"], "512M");
    assert_eq!(f["serviceConfig"]["timeoutSeconds"], 60);
    let host_json = w.arm.deployed("hello-fn-app").last().cloned().unwrap();
    assert!(String::from_utf8_lossy(&host_json).contains("host.json"));
    assert_eq!(aws_alias(&w).await["FunctionVersion"], "3");

    // 5. Canary on AWS and GCP: 10% to the new version, then promote.
    std::fs::write(w.dir.path().join("src/main.py"), "def handler(event, context=None):\n    return {'v': 3}\n").unwrap();
    let gcp_rev_before = w.gcf.function("hello-fn").unwrap()["serviceConfig"]["revision"].as_str().unwrap().to_string();
    let (out, _) = w.tusk(&["deploy", "--yes", "--cloud", "aws,gcp", "--traffic", "10"]).await;
    let out = out.unwrap();
    let gcp_rev_new = w.gcf.function("hello-fn").unwrap()["serviceConfig"]["revision"].as_str().unwrap().to_string();
    assert_eq!(summary(&out), format!("aws: canary 10% → v4\ngcp: canary 10% → {gcp_rev_new}"));
    let alias = aws_alias(&w).await;
    assert_eq!(alias["FunctionVersion"], "3");
    assert_eq!(alias["RoutingConfig"]["AdditionalVersionWeights"]["4"], 0.1);
    assert_eq!(
        w.gcf.traffic("hello-fn").unwrap(),
        json!([
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": gcp_rev_before, "percent": 90},
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": gcp_rev_new, "percent": 10}
        ])
    );
    let (st, _) = w.tusk(&["status", "--cloud", "aws,gcp"]).await;
    let st = st.unwrap();
    assert_eq!(st.data["clouds"][0]["canary"], json!({"version": "4", "percent": 10}));
    assert_eq!(st.data["clouds"][1]["canary"], json!({"version": gcp_rev_new, "percent": 10}));
    // While a canary runs, the same code is not "up to date".
    let (out, _) = w.tusk(&["promote", "--yes", "--cloud", "aws,gcp"]).await;
    assert_eq!(summary(&out.unwrap()), format!("aws: promoted 10% → 100% v4\ngcp: promoted 10% → 100% {gcp_rev_new}"));
    let alias = aws_alias(&w).await;
    assert_eq!(alias["FunctionVersion"], "4");
    assert!(alias["RoutingConfig"]["AdditionalVersionWeights"].as_object().is_none_or(|m| m.is_empty()));
    assert_eq!(w.gcf.traffic("hello-fn").unwrap(), json!([{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]));

    // 6. Rollback on AWS returns to the version served before the promote.
    let (out, _) = w.tusk(&["rollback", "--yes", "--cloud", "aws"]).await;
    assert_eq!(summary(&out.unwrap()), "aws: rolled-back v4 → v3");
    assert_eq!(aws_alias(&w).await["FunctionVersion"], "3");

    // 7. Injected failure on Azure without --atomic: exit 4, the others moved on.
    std::fs::write(w.dir.path().join("src/main.py"), "def handler(event, context=None):\n    return {'v': '3b'}\n").unwrap();
    let gcf_before = w.gcf.function("hello-fn").unwrap();
    w.arm.fail_next_deploy("injected: worker failed to index functions");
    let (out, _) = w.tusk(&["deploy", "--yes", "--cloud", "azure,gcp"]).await;
    let out = out.unwrap();
    assert_eq!(out.status, tusk_registry::ExitStatus::Partial);
    assert_eq!(summary(&out), "azure: failed\ngcp: updated code");
    assert!(out.data["clouds"][0]["error"].as_str().unwrap().contains("injected: worker failed"), "{}", out.data);
    assert_ne!(w.gcf.function("hello-fn").unwrap()["buildConfig"]["source"], gcf_before["buildConfig"]["source"]);

    // 8. With --atomic: another change, Azure fails again, AWS and GCP go back.
    std::fs::write(w.dir.path().join("src/main.py"), "def handler(event, context=None):\n    return {'v': 4}\n").unwrap();
    let gcf_before = w.gcf.function("hello-fn").unwrap();
    let alias_before = aws_alias(&w).await["FunctionVersion"].clone();
    w.arm.fail_next_deploy("injected again");
    let (out, _) = w.tusk(&["deploy", "--yes", "--atomic"]).await;
    let out = out.unwrap();
    assert_eq!(out.status, tusk_registry::ExitStatus::Failure);
    assert_eq!(summary(&out), "aws: restored\nazure: failed restored\ngcp: restored");
    assert_eq!(aws_alias(&w).await["FunctionVersion"], alias_before);
    let gcf_after = w.gcf.function("hello-fn").unwrap();
    assert_eq!(gcf_after["buildConfig"]["source"], gcf_before["buildConfig"]["source"]);
    assert_eq!(gcf_after["labels"], gcf_before["labels"]);

    // 9. Invoke: AWS (moto echoes the payload), GCP and Azure fakes echo too.
    let (out, _) = w.tusk(&["invoke", "--data", r#"{"name":"Ada"}"#]).await;
    let out = out.unwrap();
    for r in out.data["results"].as_array().unwrap() {
        assert_eq!(r["response"], json!({"name": "Ada"}), "{r}");
    }

    // 10. Logs: CloudWatch Logs (an event put into moto's log group) and Cloud Logging (the
    // fake logs each invocation); Azure has no logs API in tusk and says so (exit 4).
    moto_put_log(&w.emu.aws, "/aws/lambda/hello-fn", "START RequestId: 42 Version: 3").await;
    let (out, _) = w.tusk(&["logs", "--since", "10m"]).await;
    let out = out.unwrap();
    assert_eq!(out.status, tusk_registry::ExitStatus::Partial);
    let clouds = out.data["clouds"].as_array().unwrap();
    assert_eq!(clouds[0]["entries"][0]["message"], "START RequestId: 42 Version: 3", "{}", out.data);
    assert!(clouds[1]["error"].as_str().unwrap().starts_with("azure: logs are not available"), "{}", out.data);
    assert_eq!(clouds[2]["entries"][0]["message"], "invoked with 14 bytes", "{}", out.data);

    // 11. Dry run prints the calls and changes nothing.
    let (out, _) = w.tusk_with(&["deploy"], w.env.clone(), true).await;
    let out = out.unwrap();
    let calls: Vec<String> = out.data["clouds"].as_array().unwrap().iter().flat_map(|c| c["calls"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string())).collect();
    // $LATEST already holds this code (the alias was put back), so no UpdateFunctionCode.
    // AWS calls name the SDK operations; the endpoint override (moto) is shown.
    assert!(calls.iter().any(|c| c.starts_with("lambda:PublishVersion function=hello-fn")), "{calls:?}");
    assert!(
        calls.iter().any(|c| c == &format!("lambda:UpdateAlias function=hello-fn alias=live (100% to the new version) @ {}", w.emu.aws)),
        "{calls:?}"
    );
    assert!(calls.iter().any(|c| c.starts_with("lambda:UpdateFunctionConfiguration function=hello-fn")), "{calls:?}");
    assert!(!calls.iter().any(|c| c.contains("UpdateFunctionCode")), "{calls:?}");
    assert!(calls.iter().any(|c| c.contains("/api/publish")), "{calls:?}");
    assert!(calls.iter().any(|c| c.starts_with("PATCH") && c.contains("updateMask")), "{calls:?}");

    // 12. Destroy with --yes.
    let (out, _) = w.tusk(&["destroy", "--yes"]).await;
    assert_eq!(summary(&out.unwrap()), "aws: destroyed\nazure: destroyed\ngcp: destroyed");
    assert!(w.gcf.function("hello-fn").is_none());
    assert!(w.arm.site("hello-fn-app").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_deploy_failure_with_atomic_leaves_nothing() {
    let w = World::new().await;
    w.gcf.fail_next("injected build failure");
    let (out, _) = w.tusk(&["deploy", "--yes", "--atomic"]).await;
    let out = out.unwrap();
    assert_eq!(summary(&out), "aws: restored\nazure: restored\ngcp: failed restored");
    assert!(w.arm.site("hello-fn-app").is_none());
    let (st, _) = w.tusk(&["status"]).await;
    let st = st.unwrap();
    for c in st.data["clouds"].as_array().unwrap() {
        assert_eq!(c["deployed"], false, "{c}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_name_the_cloud_and_what_was_looked_for() {
    let w = World::new().await;
    let mut env = w.env.clone();
    env.remove("AZURE_CLIENT_SECRET");
    let (out, _) = w.tusk_with(&["deploy"], env, false).await;
    let e = out.err().unwrap();
    assert_eq!(e.message, "azure: no credentials found");
    insta::assert_snapshot!(e.hint.unwrap(), @"looked for: AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET (service principal); IDENTITY_ENDPOINT + IDENTITY_HEADER (managed identity); the `az` CLI on PATH (az login)");
    let mut env = w.env.clone();
    env.remove("GOOGLE_APPLICATION_CREDENTIALS");
    let (out, _) = w.tusk_with(&["deploy", "--cloud", "gcp"], env, false).await;
    let e = out.err().unwrap();
    assert_eq!(e.message, "gcp: no credentials found");
    assert!(e.hint.unwrap().contains("GOOGLE_APPLICATION_CREDENTIALS"));
    let mut env = w.env.clone();
    env.remove("AWS_ACCESS_KEY_ID");
    let (out, _) = w.tusk_with(&["deploy", "--cloud", "aws"], env, false).await;
    let e = out.err().unwrap();
    assert_eq!(e.message, "aws: no credentials found");
    assert!(e.hint.unwrap().contains("AWS_ACCESS_KEY_ID"));
    // Nothing was created anywhere.
    assert!(w.arm.site("hello-fn-app").is_none());
    assert!(w.gcf.function("hello-fn").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_mid_deploy_puts_every_cloud_back() {
    let w = World::new().await;
    let cancel = tokio_util::sync::CancellationToken::new();
    let c2 = cancel.clone();
    // The ARM and Cloud Functions fakes answer their first polls with "in progress", so
    // 250 ms in, Azure and GCP are mid-deploy.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(250)).await;
        c2.cancel();
    });
    let (out, _) = w.tusk_ctl(&["deploy", "--yes"], w.env.clone(), false, cancel).await;
    let Err(e) = out else { panic!("an interrupted deploy is an error") };
    assert_eq!(e.kind, tusk_registry::ErrorKind::Interrupted);
    let (st, _) = w.tusk(&["status"]).await;
    let st = st.unwrap();
    for c in st.data["clouds"].as_array().unwrap() {
        assert_eq!(c["deployed"], false, "{c}");
    }
}

/// What `ctx.ui.show` received, as text, with the emulators' random ports replaced.
fn shown_text(w: &World, ui: &TestUi) -> String {
    let mut out = String::new();
    for b in ui.shown() {
        match b {
            tusk_registry::Block::Heading(h) => out.push_str(&format!("# {h}\n")),
            tusk_registry::Block::Text(lines) => {
                for l in lines {
                    out.push_str(&format!("{}\n", l.text));
                }
            }
            other => out.push_str(&format!("{other:?}\n")),
        }
    }
    for (url, name) in [(&w.emu.aws, "[AWS]"), (&w.arm.server.base, "[ARM]"), (&w.emu.blob, "[BLOB]"), (&w.gcf.server.base, "[GCF]"), (&w.emu.gcs, "[GCS]")] {
        out = out.replace(url.as_str(), name);
    }
    out
}

async fn nothing_deployed(w: &World) {
    let (st, _) = w.tusk(&["status"]).await;
    for c in st.unwrap().data["clouds"].as_array().unwrap() {
        assert_eq!(c["deployed"], false, "{c}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_verbs_show_the_plan_and_ask_unless_yes() {
    let w = World::new().await;
    let none = tokio_util::sync::CancellationToken::new;

    // --dry-run: the plan as output, no question, nothing changed.
    let ui = TestUi::unattended();
    let (out, _) = w.tusk_ui(&["deploy"], w.env.clone(), true, none(), ui.clone()).await;
    let out = out.unwrap();
    assert_eq!(out.data["dry_run"], true);
    assert_eq!(out.data["clouds"].as_array().unwrap().len(), 3);
    assert!(ui.questions().is_empty(), "{:?}", ui.questions());
    nothing_deployed(&w).await;

    // No terminal, no --yes: the plan is shown, then a usage error (exit 2) with a hint, and
    // nothing changed on any cloud.
    let ui = TestUi::unattended();
    let (out, events) = w.tusk_ui(&["deploy"], w.env.clone(), false, none(), ui.clone()).await;
    let e = out.err().unwrap();
    assert_eq!(e.kind, tusk_registry::ErrorKind::Usage);
    assert_eq!(e.exit_status().code(), 2);
    assert!(e.message.contains("confirmation needed"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap().contains("--yes"), "{:?}", e.hint);
    assert!(events.is_empty(), "no cloud was touched: {events:?}");
    assert_eq!(ui.questions(), ["Deploy hello-fn to aws:us-east-1/hello-fn:live, azure:sub-1/rg-1/hello-fn-app, gcp:test-project/us-central1/hello-fn?"]);
    insta::assert_snapshot!("deploy_plan", shown_text(&w, &ui));
    nothing_deployed(&w).await;
    assert!(w.arm.site("hello-fn-app").is_none());
    assert!(w.gcf.function("hello-fn").is_none());

    // Answered no: exit 1, nothing deployed.
    let ui = TestUi::answering(false);
    let (out, _) = w.tusk_ui(&["deploy"], w.env.clone(), false, none(), ui.clone()).await;
    let out = out.unwrap();
    assert_eq!(out.status, tusk_registry::ExitStatus::Failure);
    assert_eq!(out.data["deployed"], false);
    nothing_deployed(&w).await;

    // Answered yes, and --yes without a terminal: deployed.
    let ui = TestUi::answering(true);
    let (out, _) = w.tusk_ui(&["deploy", "--cloud", "aws"], w.env.clone(), false, none(), ui.clone()).await;
    assert_eq!(summary(&out.unwrap()), "aws: created code+config");
    assert_eq!(ui.questions().len(), 1);
    let ui = TestUi::unattended();
    let (out, _) = w.tusk_ui(&["deploy", "--yes"], w.env.clone(), false, none(), ui.clone()).await;
    assert_eq!(summary(&out.unwrap()), "aws: up-to-date\nazure: created code+config\ngcp: created code+config");
    assert!(ui.questions().is_empty());

    // Nothing to change: no question even without a terminal.
    let ui = TestUi::unattended();
    let (out, _) = w.tusk_ui(&["deploy"], w.env.clone(), false, none(), ui.clone()).await;
    assert_eq!(summary(&out.unwrap()), "aws: up-to-date\nazure: up-to-date\ngcp: up-to-date");
    assert!(ui.questions().is_empty());

    // promote, rollback, destroy: the same refusal, nothing changed.
    std::fs::write(w.dir.path().join("src/main.py"), "def handler(event, context=None):\n    return {'v': 2}\n").unwrap();
    let (out, _) = w.tusk(&["deploy", "--yes", "--cloud", "aws,gcp", "--traffic", "10"]).await;
    out.unwrap();
    let alias_before = aws_alias(&w).await;
    let traffic_before = w.gcf.traffic("hello-fn").unwrap();
    let mut plans = String::new();
    for verb in ["promote", "rollback", "destroy"] {
        let ui = TestUi::unattended();
        let (out, events) = w.tusk_ui(&[verb, "--cloud", "aws,gcp"], w.env.clone(), false, none(), ui.clone()).await;
        let e = out.err().unwrap_or_else(|| panic!("{verb} without --yes must refuse"));
        assert_eq!(e.exit_status().code(), 2, "{verb}");
        assert!(e.hint.as_deref().unwrap().contains("--yes"), "{verb}: {:?}", e.hint);
        assert!(events.is_empty(), "{verb}: {events:?}");
        plans.push_str(&format!("== {verb}: {}\n{}", ui.questions().join(" / "), shown_text(&w, &ui)));
    }
    insta::assert_snapshot!("promote_rollback_destroy_plans", plans);
    assert_eq!(aws_alias(&w).await, alias_before);
    assert_eq!(w.gcf.traffic("hello-fn").unwrap(), traffic_before);
    assert!(w.arm.site("hello-fn-app").is_some());

    // --yes proceeds.
    let ui = TestUi::unattended();
    let (out, _) = w.tusk_ui(&["promote", "--yes", "--cloud", "aws,gcp"], w.env.clone(), false, none(), ui.clone()).await;
    assert!(summary(&out.unwrap()).starts_with("aws: promoted"));
    assert!(ui.questions().is_empty());
}
