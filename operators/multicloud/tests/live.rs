#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Opt-in tests against real cloud accounts. Each runs only when its variable is set and
//! uses the standard credentials of the environment; each creates a uniquely named
//! function from fixtures/multicloud/hello, deploys it, redeploys (must be up to date),
//! invokes it where the cloud allows, and destroys it.
//!
//!   TUSK_TEST_AWS=1   + AWS credentials, TUSK_TEST_AWS_REGION (default us-east-1),
//!                     TUSK_TEST_AWS_ROLE (an execution role ARN; else create_role)
//!   TUSK_TEST_AZURE=1 + AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET, AZURE_SUBSCRIPTION_ID,
//!                     TUSK_TEST_AZURE_RG, TUSK_TEST_AZURE_STORAGE (existing account),
//!                     TUSK_TEST_AZURE_LOCATION (default westeurope)
//!   TUSK_TEST_GCP=1   + GOOGLE_APPLICATION_CREDENTIALS, TUSK_TEST_GCP_PROJECT,
//!                     TUSK_TEST_GCP_REGION (default us-central1)
//!
//! Not run in CI (no network there). Never run from this repository's machines either:
//! these are for a maintainer with accounts.

use tusk_multicloud::Multicloud;
use tusk_registry::testing::TestUi;
use tusk_registry::{Context, Invocation, Operator, Output, OutputFormat};

fn on(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

fn get(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

async fn tusk(dir: &std::path::Path, args: &[&str]) -> Output {
    let mut argv = vec!["multicloud".to_string()];
    argv.extend(args.iter().map(|s| s.to_string()));
    argv.extend(["--file".to_string(), dir.join("tusk-function.toml").display().to_string()]);
    let op = Multicloud;
    let matches = op.command().try_get_matches_from(argv).unwrap();
    let verb = matches.subcommand_name().unwrap().to_string();
    let ctx = Context { output: OutputFormat::Json, ui: TestUi::answering(false), ..Context::for_tests(&dir.join("home")) };
    let out = op.run(Invocation { verb, matches, invoked_as: "multicloud".into(), preset: None }, ctx).await;
    out.unwrap_or_else(|e| panic!("{}: {:?} {:?}", e.message, e.hint, e.location))
}

fn project(section: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/multicloud/hello/src/main.py");
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::copy(fixture, dir.path().join("src/main.py")).unwrap();
    let name = format!("tusk-live-{}", std::process::id());
    let spec = format!("name = \"{name}\"\nruntime = \"python3.12\"\nhandler = \"main.handler\"\nsource = \"src\"\nmemory = 256\ntimeout = 30\n\n[env]\nGREETING = \"live\"\n\n{section}");
    std::fs::write(dir.path().join("tusk-function.toml"), spec).unwrap();
    (dir, name)
}

async fn cycle(dir: &std::path::Path, cloud: &str, invoke: bool) {
    let out = tusk(dir, &["deploy", "--cloud", cloud, "--yes"]).await;
    assert_eq!(out.data["clouds"][0]["result"], "created", "{}", out.data);
    let out = tusk(dir, &["deploy", "--cloud", cloud, "--yes"]).await;
    assert_eq!(out.data["clouds"][0]["result"], "up-to-date", "{}", out.data);
    if invoke {
        let out = tusk(dir, &["invoke", "--cloud", cloud, "--data", r#"{"live":true}"#]).await;
        assert_eq!(out.data["results"][0]["ok"], true, "{}", out.data);
    }
    let out = tusk(dir, &["destroy", "--cloud", cloud, "--yes"]).await;
    assert_eq!(out.data["clouds"][0]["result"], "destroyed", "{}", out.data);
}

#[tokio::test]
async fn live_aws() {
    if !on("TUSK_TEST_AWS") {
        eprintln!("skipped: set TUSK_TEST_AWS=1 (and AWS credentials) to run against a real account");
        return;
    }
    let role = std::env::var("TUSK_TEST_AWS_ROLE").map(|r| format!("role = \"{r}\"")).unwrap_or_else(|_| "create_role = true".into());
    let (dir, _) = project(&format!("[aws]\nregion = \"{}\"\n{role}\n", get("TUSK_TEST_AWS_REGION", "us-east-1")));
    cycle(dir.path(), "aws", true).await;
}

#[tokio::test]
async fn live_azure() {
    if !on("TUSK_TEST_AZURE") {
        eprintln!("skipped: set TUSK_TEST_AZURE=1 (and Azure credentials) to run against a real subscription");
        return;
    }
    let (dir, _) = project(&format!(
        "[azure]\nresource_group = \"{}\"\nlocation = \"{}\"\nstorage_account = \"{}\"\n",
        get("TUSK_TEST_AZURE_RG", "tusk-live"),
        get("TUSK_TEST_AZURE_LOCATION", "westeurope"),
        get("TUSK_TEST_AZURE_STORAGE", "")
    ));
    cycle(dir.path(), "azure", false).await;
}

#[tokio::test]
async fn live_gcp() {
    if !on("TUSK_TEST_GCP") {
        eprintln!("skipped: set TUSK_TEST_GCP=1 (and GOOGLE_APPLICATION_CREDENTIALS) to run against a real project");
        return;
    }
    let (dir, _) = project(&format!("[gcp]\nproject = \"{}\"\nregion = \"{}\"\n", get("TUSK_TEST_GCP_PROJECT", ""), get("TUSK_TEST_GCP_REGION", "us-central1")));
    cycle(dir.path(), "gcp", false).await;
}

#[test]
fn live_env_is_documented() {
    // Keeps the variables above in step with docs/multicloud.md.
    let docs = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/multicloud.md")).unwrap();
    for v in ["TUSK_TEST_AWS", "TUSK_TEST_AZURE", "TUSK_TEST_GCP", "TUSK_TEST_AWS_ROLE", "TUSK_TEST_AZURE_STORAGE", "TUSK_TEST_GCP_PROJECT"] {
        assert!(docs.contains(v), "docs/multicloud.md does not mention {v}");
    }
}
