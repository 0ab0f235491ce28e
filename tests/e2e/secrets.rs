//! Canary secrets (issue 15): plant a unique value everywhere a user keeps a secret — registry
//! tokens in tusk.toml and the environment, credentials in a registry URL, a kubeconfig's
//! bearer token and client key, AWS keys and session token (environment and
//! ~/.aws/credentials), an Azure client secret, a GCP service-account key, `--env` values for a
//! wasm guest, a function's environment in tusk-function.toml — then run each operator's
//! read-only and failing paths (every server is 127.0.0.1:9, where nothing listens) in every
//! output mode, and look for the canaries in everything tusk printed and everything it wrote
//! under the temporary home: 0 occurrences.
//!
//! The files the user put a secret in are not searched (tusk may read them, not copy them).
//! docs/reliability.md states the figures this test proves.

#![allow(clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::Instant;
use tusk_tests::{TestContext, run, test_context};

/// Nothing listens on the discard port: every request fails fast with "connection refused".
const DEAD: &str = "http://127.0.0.1:9";

/// Canary values, each unique to this run and to the place it was planted.
struct Canaries {
    run_id: String,
    planted: Vec<(String, String)>,
}

impl Canaries {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        Canaries { run_id: format!("{:x}{:x}", nanos, std::process::id()), planted: Vec::new() }
    }

    /// A new canary for `place`. Its base64 form is searched for too, since kubeconfigs and
    /// HTTP Basic auth carry secrets base64-encoded.
    fn plant(&mut self, place: &str) -> String {
        let value = format!("CANARY-{}-{place}", self.run_id);
        self.planted.push((place.to_string(), value.clone()));
        self.planted.push((format!("{place} (base64)"), base64(value.as_bytes())));
        value
    }

    /// The places of the planted canaries found in `text`.
    fn found_in(&self, text: &str) -> Vec<&str> {
        self.planted.iter().filter(|(_, v)| text.contains(v.as_str())).map(|(p, _)| p.as_str()).collect()
    }

    /// The canary planted at `place`.
    fn get(&self, place: &str) -> String {
        self.planted.iter().find(|(p, _)| p == place).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no canary {place}"))
    }

    fn count(&self) -> usize {
        self.planted.len() / 2
    }
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn wat(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/wasm/wat").join(name).display().to_string()
}

/// Plants every canary in `ctx` and returns them with the files that hold them by the user's
/// own hand (excluded from the search of written files).
fn plant(ctx: &mut TestContext) -> (Canaries, Vec<PathBuf>) {
    let mut c = Canaries::new();
    let mut user_files = Vec::new();

    // Registries: a token in tusk.toml, one in the environment, a password in a registry URL.
    let npm_token = c.plant("npm-token-config");
    let pypi_pass = c.plant("pypi-url-password");
    let crates_token = c.plant("crates-token-config");
    user_files.push(ctx.write(
        "tusk.toml",
        format!(
            "[packages.registries.npm]\nurl = \"{DEAD}/\"\ntoken = \"{npm_token}\"\n\n\
             [packages.registries.pypi]\nurl = \"http://canary:{pypi_pass}@127.0.0.1:9/\"\n\n\
             [packages.registries.crates]\nurl = \"{DEAD}/index/\"\ntoken = \"{crates_token}\"\n"
        ),
    ));
    ctx.env("TUSK_PACKAGES__REGISTRIES__NPM__TOKEN", c.plant("npm-token-env"));

    // Kubernetes: a bearer token (current context) and a client certificate/key (second context).
    let kube_token = c.plant("kube-bearer-token");
    // A PEM whose body decodes (to the canary), so tusk gets as far as using the key.
    let pem = |secret: &str| format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", base64(secret.as_bytes()));
    let key_pem = pem(&c.plant("kube-client-key"));
    c.planted.push(("kube-client-key-data".into(), base64(key_pem.as_bytes())));
    let cert_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    let kubeconfig = ctx.write(
        "kubeconfig",
        format!(
            "apiVersion: v1\nkind: Config\n\
             clusters:\n- name: dead\n  cluster: {{server: '{DEAD}'}}\n\
             contexts:\n- name: tok\n  context: {{cluster: dead, user: tok, namespace: shop}}\n\
             - name: cert\n  context: {{cluster: dead, user: cert}}\n\
             current-context: tok\n\
             users:\n- name: tok\n  user: {{token: {kube_token}}}\n\
             - name: cert\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\n",
            base64(cert_pem.as_bytes()),
            base64(key_pem.as_bytes())
        ),
    );
    ctx.env("KUBECONFIG", kubeconfig.display().to_string());
    user_files.push(kubeconfig);

    // AWS: keys and session token in the environment and in ~/.aws/credentials.
    ctx.env("AWS_ACCESS_KEY_ID", c.plant("aws-access-key-id-env"));
    ctx.env("AWS_SECRET_ACCESS_KEY", c.plant("aws-secret-key-env"));
    ctx.env("AWS_SESSION_TOKEN", c.plant("aws-session-token-env"));
    ctx.env("AWS_EC2_METADATA_DISABLED", "true");
    // One attempt: the endpoint is dead, retries would only make the test slower.
    ctx.env("AWS_MAX_ATTEMPTS", "1");
    let aws_creds = ctx.home().join(".aws/credentials");
    std::fs::create_dir_all(ctx.home().join(".aws")).expect("create ~/.aws");
    std::fs::write(
        &aws_creds,
        format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            c.plant("aws-access-key-id-file"),
            c.plant("aws-secret-key-file"),
            c.plant("aws-session-token-file")
        ),
    )
    .expect("write aws credentials");
    user_files.push(aws_creds);

    // Azure: a service principal whose token endpoint is dead.
    ctx.env("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000000");
    ctx.env("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000001");
    ctx.env("AZURE_CLIENT_SECRET", c.plant("azure-client-secret"));
    ctx.env("AZURE_AUTHORITY_HOST", DEAD);

    // GCP: a service-account key file (its key is no RSA key: tusk must not quote it).
    let gcp_key = ctx.write(
        "gcp-key.json",
        serde_json::json!({
            "type": "service_account",
            "project_id": "test-project",
            "private_key_id": "k1",
            "private_key": pem(&c.plant("gcp-private-key")),
            "client_email": "ci@test-project.iam.gserviceaccount.com",
            "token_uri": format!("{DEAD}/token"),
        })
        .to_string(),
    );
    ctx.env("GOOGLE_APPLICATION_CREDENTIALS", gcp_key.display().to_string());
    user_files.push(gcp_key);

    // A function whose environment holds secrets, deployed to dead endpoints.
    user_files.push(ctx.write(
        "tusk-function.toml",
        format!(
            "name = \"hello-fn\"\nruntime = \"python3.12\"\nhandler = \"main.handler\"\nsource = \"src\"\n\n\
             [env]\nDB_PASSWORD = \"{}\"\nGREETING = \"{}\"\n\n\
             [aws]\nregion = \"us-east-1\"\ncreate_role = true\nendpoint = \"{DEAD}\"\n\n\
             [azure]\nsubscription = \"00000000-0000-0000-0000-000000000001\"\nresource_group = \"rg\"\nlocation = \"westeurope\"\nstorage_account = \"acct\"\n\
             arm_endpoint = \"{DEAD}\"\nblob_endpoint = \"{DEAD}\"\nscm_endpoint = \"{DEAD}\"\n\n\
             [gcp]\nproject = \"test-project\"\nregion = \"us-central1\"\nendpoint = \"{DEAD}\"\nstorage_endpoint = \"{DEAD}\"\n",
            c.plant("function-env-secret"),
            c.plant("function-env-plain")
        ),
    ));
    ctx.write("src/main.py", "def handler(event, context=None):\n    return event\n");

    // `--env` values for a wasm guest, one secret-named and one not.
    c.plant("wasm-env-token");
    c.plant("wasm-env-plain");
    (c, user_files)
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn canary_secrets_never_printed_or_written() {
    let started = Instant::now();
    let mut ctx = test_context!();
    let (canaries, user_files) = plant(&mut ctx);
    let env_token = format!("API_TOKEN={}", canaries.get("wasm-env-token"));
    let env_plain = format!("MESSAGE={}", canaries.get("wasm-env-plain"));

    let verbs: Vec<Vec<&str>> = vec![
        vec!["@npm", "resolve", "left-pad"],
        vec!["@pip", "resolve", "requests"],
        vec!["@cargo", "resolve", "serde@1"],
        vec!["@npm", "version", "satisfies", "git+https://user:PLACEHOLDER@example.com/x", "1.0.0"],
        vec!["@k8s", "status", "web"],
        vec!["@k8s", "status", "web", "--context", "cert"],
        vec!["@k8s", "deploy", "web", "--image", "nginx:1.27", "--env", "DB_PASSWORD=PLACEHOLDER", "--dry-run"],
        vec!["@multicloud", "validate"],
        vec!["@multicloud", "package", "--out", "dist"],
        vec!["@multicloud", "deploy", "--cloud", "aws", "--dry-run"],
        vec!["@multicloud", "deploy", "--cloud", "azure", "--dry-run"],
        vec!["@multicloud", "deploy", "--cloud", "gcp", "--dry-run"],
        vec!["@wasm", "run", "--env", "ENV_TOKEN", "--env", "ENV_PLAIN", "HELLO"],
        vec!["@wasm", "run", "--env", "ENV_TOKEN", "--env", "ENV_PLAIN", "TRAP"],
        vec!["doctor"],
        vec!["config", "show"],
        vec!["audit"],
        vec!["audit", "verify"],
    ];
    let modes: [&[&str]; 4] = [&[], &["-v", "-v"], &["-o", "json"], &["-o", "yaml"]];
    let url_password = canaries.get("pypi-url-password");
    let (hello, trap) = (wat("hello.wat"), wat("trap.wat"));

    // Global flags first: after `@wasm run MODULE` they would be the guest's arguments.
    let expand = |mode: &[&str], verb: &[&str]| -> Vec<String> {
        let verb = verb.iter().map(|a| match *a {
            "ENV_TOKEN" => env_token.clone(),
            "ENV_PLAIN" => env_plain.clone(),
            "HELLO" => hello.clone(),
            "TRAP" => trap.clone(),
            other => other.replace("PLACEHOLDER", &url_password),
        });
        mode.iter().map(|m| m.to_string()).chain(verb).collect()
    };
    // Mode-major, so the four runs of one verb (e.g. `package` into one `dist/`) do not overlap;
    // the audit log is read after everything that writes it.
    let (reads_audit, others): (Vec<&Vec<&str>>, Vec<&Vec<&str>>) = verbs.iter().partition(|v| v[0] == "audit");
    let phases: Vec<Vec<(bool, Vec<String>)>> = [others, reads_audit]
        .iter()
        .map(|vs| modes.iter().flat_map(|m| vs.iter().map(|v| (v[0] == "@wasm", expand(m, v)))).collect())
        .collect();

    // The runs mostly wait on refused connections and retry backoff: a few at a time.
    let leaks = std::sync::Mutex::new(Vec::new());
    let mut runs = 0;
    for jobs in &phases {
        runs += jobs.len();
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    while let Some((is_wasm, args)) = jobs.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)) {
                        let t = Instant::now();
                        let r = run(&mut ctx.tusk(args), None);
                        if std::env::var_os("TUSK_SECRETS_TIMES").is_some() {
                            let first = r.stderr.lines().find(|l| l.starts_with("error")).unwrap_or("");
                            eprintln!("{:>6.2}s  exit {:?}  tusk {}  {first}", t.elapsed().as_secs_f64(), r.code, args.join(" "));
                        }
                        assert!(!r.stderr.contains("unexpected argument"), "tusk {}: {}", args.join(" "), r.stderr);
                        // A wasm guest may print the environment it was given: its output, not tusk's.
                        let stdout = if *is_wasm { "" } else { r.stdout.as_str() };
                        for place in canaries.found_in(&format!("{stdout}\n{}", r.stderr)) {
                            let msg = format!("`tusk {}` printed the {place} canary:\n{}\n{}", args.join(" "), r.stdout, r.stderr);
                            leaks.lock().expect("leaks lock").push(msg);
                        }
                    }
                });
            }
        });
    }
    let mut leaks = leaks.into_inner().expect("leaks lock");

    let mut written = Vec::new();
    files_under(ctx.root(), &mut written);
    written.retain(|p| !user_files.contains(p));
    for f in &written {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap_or_default()).into_owned();
        for place in canaries.found_in(&text) {
            leaks.push(format!("{} holds the {place} canary", f.display()));
        }
    }

    eprintln!(
        "secrets: {} canaries planted, {} verbs x {} modes = {runs} runs, {} files written searched, {} occurrences, {:.1}s",
        canaries.count(),
        verbs.len(),
        modes.len(),
        written.len(),
        leaks.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(leaks.is_empty(), "{} canary occurrences:\n{}", leaks.len(), leaks.join("\n---\n"));
}
