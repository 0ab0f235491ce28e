//! The frame every operator lives in: help, listing, suggestions, exit codes, config,
//! JSON output, process plugins and the audit log.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tusk_tests::{TestContext, run, test_context, tusk_snapshot};

fn fixture_plugin(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/plugins").join(name)
}

#[test]
fn version() {
    let ctx = test_context!();
    let r = run(&mut ctx.tusk(["--version"]), None);
    assert_eq!(r.code, Some(0));
    assert_eq!(r.stdout, format!("tusk {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn help_lists_commands_and_operators() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["--help"]));
}

#[test]
fn no_arguments_prints_help_and_exits_2() {
    let ctx = test_context!();
    let r = run(&mut ctx.tusk::<[&str; 0], &str>([]), None);
    assert_eq!(r.code, Some(2));
    assert!(r.stdout.contains("Usage: tusk"), "{}", r.stdout);
}

#[test]
fn unknown_command_suggests() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["operatrs"]));
}

#[test]
fn unknown_operator_exits_2() {
    let ctx = test_context!();
    let r = tusk_snapshot!(ctx, ctx.tusk(["@nosuchthing", "verb"]));
    assert_eq!(r.code, Some(2));
}

#[test]
fn operators_json_lists_builtins() {
    let ctx = test_context!();
    let r = run(&mut ctx.tusk(["operators", "-o", "json"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v = r.json();
    let names: Vec<&str> = v["operators"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    for op in &names {
        assert!(["kubernetes", "multicloud", "wasm", "packages"].contains(op), "unexpected operator {op}");
    }
    for o in v["operators"].as_array().unwrap() {
        assert_eq!(o["kind"], "built-in");
        assert!(!o["verbs"].as_array().unwrap().is_empty(), "an operator without verbs is listed: {o}");
    }
}

#[test]
fn global_flags_are_accepted_before_and_after() {
    let ctx = test_context!();
    let a = run(&mut ctx.tusk(["-o", "json", "operators"]), None);
    let b = run(&mut ctx.tusk(["operators", "--output", "json"]), None);
    assert_eq!(a.code, Some(0));
    assert_eq!(a.stdout, b.stdout);
    let y = run(&mut ctx.tusk(["operators", "-o", "yaml"]), None);
    assert!(y.stdout.starts_with("operators:"), "{}", y.stdout);
    let bad = run(&mut ctx.tusk(["operators", "-o", "xml"]), None);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("invalid value 'xml'"), "{}", bad.stderr);
}

// ---- config ----

#[test]
fn config_precedence_flag_env_project_user() {
    let mut ctx = test_context!();
    std::fs::create_dir_all(ctx.config_dir()).unwrap();
    std::fs::write(ctx.config_dir().join("config.toml"), "color = \"never\"\n[kubernetes]\ncontext = \"from-user\"\nnamespace = \"user-ns\"\n").unwrap();
    ctx.write("tusk.toml", "output = \"yaml\"\n[kubernetes]\ncontext = \"from-project\"\n");
    std::fs::create_dir_all(ctx.work().join("sub/dir")).unwrap();
    ctx.env("TUSK_KUBERNETES__NAMESPACE", "env-ns");
    // Project file found by walking up from a subdirectory; --output beats the project's yaml.
    // -q: whether `[kubernetes]` is a known section depends on the features built in.
    let mut cmd = ctx.tusk(["config", "show", "--output", "text", "-q"]);
    cmd.current_dir(ctx.work().join("sub/dir"));
    tusk_snapshot!(ctx, cmd);
    let mut cmd = ctx.tusk(["config", "show", "-o", "json"]);
    cmd.current_dir(ctx.work().join("sub/dir"));
    let v = run(&mut cmd, None).json();
    let entry = |k: &str| v["entries"].as_array().unwrap().iter().find(|e| e["key"] == k).cloned().unwrap();
    assert_eq!(entry("kubernetes.context")["value"], "from-project");
    assert_eq!(entry("kubernetes.namespace")["value"], "env-ns");
    assert_eq!(entry("kubernetes.namespace")["origin"]["kind"], "env");
    assert_eq!(entry("output")["origin"]["kind"], "flag");
    assert_eq!(entry("color")["origin"]["kind"], "user");
}

#[test]
fn config_env_output_is_used() {
    let mut ctx = test_context!();
    ctx.env("TUSK_OUTPUT", "json");
    let r = run(&mut ctx.tusk(["operators"]), None);
    assert!(r.stdout.trim_start().starts_with('{'), "{}", r.stdout);
}

#[test]
fn config_syntax_error_names_file_and_line() {
    let ctx = test_context!();
    ctx.write("tusk.toml", "output = \"json\"\n[kubernetes\ncontext = 1\n");
    let r = tusk_snapshot!(ctx, ctx.tusk(["operators"]));
    assert_eq!(r.code, Some(2));
}

#[test]
fn config_invalid_global_value_is_an_error() {
    let ctx = test_context!();
    ctx.write("tusk.toml", "output = \"xml\"\n");
    let r = tusk_snapshot!(ctx, ctx.tusk(["operators"]));
    assert_eq!(r.code, Some(2));
}

#[test]
fn config_unknown_section_warns() {
    let ctx = test_context!();
    ctx.write("tusk.toml", "[kubernets]\ncontext = \"x\"\n");
    let r = run(&mut ctx.tusk(["config", "show"]), None);
    assert_eq!(r.code, Some(0));
    assert!(r.stderr.contains("unknown config section `kubernets`"), "{}", r.stderr);
}

#[test]
fn config_missing_explicit_file() {
    let ctx = test_context!();
    let r = tusk_snapshot!(ctx, ctx.tusk(["config", "show", "--config", "nope.toml"]));
    assert_eq!(r.code, Some(2));
}

#[test]
fn config_show_redacts_secrets() {
    let ctx = test_context!();
    ctx.write("tusk.toml", "[packages.npm]\ntoken = \"npm_supersecret\"\nregistry = \"https://registry.example\"\n");
    let r = run(&mut ctx.tusk(["config", "show"]), None);
    assert!(!r.stdout.contains("supersecret"), "{}", r.stdout);
    assert!(r.stdout.contains("<redacted>"));
}

// ---- doctor ----

#[test]
fn doctor_reports_paths_and_plugins() {
    let ctx = test_context!();
    std::fs::create_dir_all(ctx.data_dir().join("plugins")).unwrap();
    std::fs::copy(fixture_plugin("tusk-crash"), ctx.data_dir().join("plugins/tusk-crash")).unwrap();
    let r = run(&mut ctx.tusk(["doctor", "-o", "json"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v = r.json();
    let checks = v["checks"].as_array().unwrap();
    let by_name = |n: &str| checks.iter().find(|c| c["name"] == n).cloned().unwrap_or_else(|| panic!("no check {n}: {v}"));
    assert_eq!(by_name("plugin @crash")["status"], "fail");
    assert!(by_name("audit log")["detail"].as_str().unwrap().ends_with("audit.jsonl"));
}

#[test]
fn doctor_help_says_what_it_checks() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["doctor", "--help"]));
}

// ---- process plugins ----

#[test]
fn plugin_install_list_run_remove() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["plugin".as_ref(), "install".as_ref(), fixture_plugin("tusk-hello").as_os_str()]));
    tusk_snapshot!(ctx, ctx.tusk(["operators"]));
    tusk_snapshot!(ctx, ctx.tusk(["plugin", "list"]));
    // Global flags travel as TUSK_* variables; arguments pass through untouched.
    tusk_snapshot!(ctx, ctx.tusk(["-o", "json", "--dry-run", "@hello", "greet", "--loud", "world", "-v"]));
    // The plugin's exit code is forwarded unchanged.
    let r = run(&mut ctx.tusk(["@hello", "exit", "7"]), None);
    assert_eq!(r.code, Some(7));
    assert_eq!(r.stderr, "exiting with 7\n");
    tusk_snapshot!(ctx, ctx.tusk(["plugin", "remove", "hello"]));
    let r = run(&mut ctx.tusk(["@hello", "greet"]), None);
    assert_eq!(r.code, Some(2));
}

#[test]
fn plugin_found_on_path() {
    let mut ctx = test_context!();
    let bin = ctx.root().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(fixture_plugin("tusk-hello"), bin.join("tusk-hello")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    ctx.env("PATH", path);
    let r = run(&mut ctx.tusk(["@hello", "greet", "path"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.starts_with("hello path\n"));
    let v = run(&mut ctx.tusk(["plugin", "list", "-o", "json"]), None).json();
    assert_eq!(v["plugins"][0]["source"], "path");
}

#[test]
fn plugin_that_is_not_a_plugin_is_refused() {
    let ctx = test_context!();
    let r = tusk_snapshot!(ctx, ctx.tusk(["plugin".as_ref(), "install".as_ref(), fixture_plugin("tusk-badjson").as_os_str()]));
    assert_eq!(r.code, Some(2));
    let r = tusk_snapshot!(ctx, ctx.tusk(["plugin".as_ref(), "install".as_ref(), fixture_plugin("tusk-crash").as_os_str()]));
    assert_eq!(r.code, Some(2));
    let r = run(&mut ctx.tusk(["plugin", "install", "does-not-exist"]), None);
    assert_eq!(r.code, Some(2));
}

/// Issue 15: a `--tusk-describe` answer over the 64 KiB pipe buffer is read while the plugin
/// runs (it used to deadlock until the 5 s timeout), and a NUL in a plugin's name is shown
/// escaped, so the name shown is the name refused.
#[test]
fn plugin_describe_over_a_pipe_buffer_and_a_nul_name() {
    use std::os::unix::fs::PermissionsExt;
    let ctx = test_context!();
    let plugin = |file: &str, json: &str| {
        let script = format!("#!/bin/sh\nprintf '%s' '{json}'\nhead -c 200000 /dev/zero | tr '\\0' ' '\n");
        let path = ctx.write(file, script);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    plugin("tusk-big", r#"{"tusk_plugin":1,"summary":"s","version":"1","verbs":[]}"#);
    let started = std::time::Instant::now();
    let r = tusk_snapshot!(ctx, ctx.tusk(["plugin", "install", "./tusk-big", "--yes"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "took {:?}", started.elapsed());
    plugin("tusk-nul", r#"{"tusk_plugin":1,"name":"ev\u0000il","summary":"s","version":"1","verbs":[]}"#);
    let r = tusk_snapshot!(ctx, ctx.tusk(["plugin", "install", "./tusk-nul", "--yes"]));
    assert_eq!(r.code, Some(2));
}

#[test]
fn broken_plugin_is_listed_and_running_it_fails_clearly() {
    let ctx = test_context!();
    let dir = ctx.data_dir().join("plugins");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture_plugin("tusk-badjson"), dir.join("tusk-badjson")).unwrap();
    tusk_snapshot!(ctx, ctx.tusk(["plugin", "list"]));
    let r = tusk_snapshot!(ctx, ctx.tusk(["@badjson", "anything"]));
    assert_eq!(r.code, Some(1));
}

#[test]
fn remove_unknown_plugin() {
    let ctx = test_context!();
    let r = tusk_snapshot!(ctx, ctx.tusk(["plugin", "remove", "ghost"]));
    assert_eq!(r.code, Some(2));
}

// ---- audit log ----

/// Writes records the way the format is documented (docs/audit.md), computing the chain
/// here independently of tusk's own code.
fn write_audit_log(ctx: &TestContext, verbs: &[(&str, &str, &str)]) -> PathBuf {
    let path = ctx.state_dir().join("audit.jsonl");
    std::fs::create_dir_all(ctx.state_dir()).unwrap();
    let mut prev = "0".repeat(64);
    let mut text = String::new();
    for (op, verb, time) in verbs {
        let line = serde_json::json!({
            "time": time, "user": "tester", "operator": op, "verb": verb,
            "args": [format!("@{op}"), verb], "target": "context test", "dry_run": false,
            "outcome": "success", "exit_code": 0, "duration_ms": 12, "prev": prev,
        })
        .to_string();
        prev = hex::encode(Sha256::digest(line.as_bytes()));
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn audit_lists_filters_and_verifies() {
    let ctx = test_context!();
    write_audit_log(
        &ctx,
        &[
            ("kubernetes", "deploy", "2026-10-01T10:00:00Z"),
            ("multicloud", "deploy", "2026-11-02T10:00:00Z"),
            ("kubernetes", "scale", "2026-11-03T10:00:00Z"),
        ],
    );
    tusk_snapshot!(ctx, ctx.tusk(["audit"]));
    let v = run(&mut ctx.tusk(["audit", "--operator", "kubernetes", "--since", "2026-11-01", "-o", "json"]), None).json();
    let verbs: Vec<&str> = v["records"].as_array().unwrap().iter().map(|r| r["verb"].as_str().unwrap()).collect();
    assert_eq!(verbs, vec!["scale"]);
    let r = tusk_snapshot!(ctx, ctx.tusk(["audit", "verify"]));
    assert_eq!(r.code, Some(0));
    let r = run(&mut ctx.tusk(["audit", "--since", "last tuesday"]), None);
    assert_eq!(r.code, Some(2));
}

/// Issue 15: past its first 1000 matching records `tusk audit` prints as it reads (a log of
/// 700,000 records held in memory took over 1 GiB); the text keeps the first rows' column
/// widths, JSON and YAML are the same documents as for a short log.
#[test]
fn audit_streams_a_long_log() {
    let ctx = test_context!();
    let mut verbs = vec![("kubernetes", "deploy", "2026-10-01T10:00:00Z"); 1001];
    // Wider than the first 1000 rows' COMMAND column: pushes its row right, no panic.
    verbs.push(("kubernetes-with-a-long-name", "deploy", "2026-10-02T10:00:00Z"));
    let path = write_audit_log(&ctx, &verbs);
    let r = run(&mut ctx.tusk(["audit"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1 + 1002);
    assert_eq!(lines[0], "TIME                  USER    COMMAND             TARGET        MODE  OUTCOME  DURATION");
    assert_eq!(lines[1001], "2026-10-01T10:00:00Z  tester  @kubernetes deploy  context test        success  12ms");
    assert_eq!(lines[1002], "2026-10-02T10:00:00Z  tester  @kubernetes-with-a-long-name deploy  context test        success  12ms");
    let records = |format: &str| -> Vec<serde_json::Value> {
        let r = run(&mut ctx.tusk(["audit", "-o", format]), None);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let v: serde_json::Value = if format == "json" { serde_json::from_str(&r.stdout).unwrap() } else { serde_yaml::from_str(&r.stdout).unwrap() };
        v["records"].as_array().unwrap().clone()
    };
    let expected: Vec<serde_json::Value> = std::fs::read_to_string(&path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records("json"), expected);
    assert_eq!(records("yaml"), expected);
    // The streamed JSON is laid out as the in-memory one (`to_string_pretty`).
    let r = run(&mut ctx.tusk(["audit", "-o", "json"]), None);
    assert_eq!(r.stdout, format!("{}\n", serde_json::to_string_pretty(&serde_json::json!({ "records": expected })).unwrap()));
}

#[test]
fn audit_verify_detects_tampering() {
    let ctx = test_context!();
    let path = write_audit_log(
        &ctx,
        &[("kubernetes", "deploy", "2026-10-01T10:00:00Z"), ("kubernetes", "delete", "2026-10-02T10:00:00Z"), ("kubernetes", "scale", "2026-10-03T10:00:00Z")],
    );
    // Someone rewrites history: the delete becomes a scale.
    let text = std::fs::read_to_string(&path).unwrap().replacen("\"delete\"", "\"scale\"", 1);
    std::fs::write(&path, text).unwrap();
    let r = tusk_snapshot!(ctx, ctx.tusk(["audit", "verify"]));
    assert_eq!(r.code, Some(1));
    // Removing a line is caught too.
    let lines: Vec<String> = std::fs::read_to_string(&path).unwrap().lines().map(String::from).collect();
    std::fs::write(&path, format!("{}\n{}\n", lines[0], lines[2])).unwrap();
    let v = run(&mut ctx.tusk(["audit", "verify", "-o", "json"]), None).json();
    assert_eq!(v["intact"], false);
    assert_eq!(v["broken_at"]["line"], 2);
}

// ---- completions and help ----

#[test]
fn completions_for_every_shell() {
    let ctx = test_context!();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(&mut ctx.tusk(["completions", shell]), None);
        assert_eq!(r.code, Some(0), "{shell}: {}", r.stderr);
        assert!(r.stdout.contains("operators"), "{shell}");
    }
    let r = run(&mut ctx.tusk(["completions", "tcsh"]), None);
    assert_eq!(r.code, Some(2));
}

#[test]
fn completions_into_a_closed_pipe_end_quietly() {
    // `tusk completions bash | head -2`: the reader goes away before tusk has written the
    // script; tusk must end with 0 and no panic (clap_complete panics on a failed write).
    let ctx = test_context!();
    for shell in ["bash", "elvish"] {
        let mut child = ctx
            .tusk(["completions", shell])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn tusk");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait for tusk");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{shell}: {stderr}");
        assert!(!stderr.contains("panicked"), "{shell}: {stderr}");
    }
}

#[test]
fn help_topics() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["help", "plugin"]));
    let r = run(&mut ctx.tusk(["help", "@nosuch"]), None);
    assert_eq!(r.code, Some(2));
}

// ---- Ctrl-C ----

/// The first SIGINT cancels the running verb, which stops and exits 130 with a message.
#[cfg(feature = "wasm")]
#[test]
fn ctrl_c_cancels_a_running_verb_with_130() {
    use std::io::Read;
    let ctx = test_context!();
    let wat = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/wasm/wat/loop.wat");
    let mut child = ctx
        .tusk(["@wasm".as_ref(), "run".as_ref(), wat.as_os_str(), "--timeout".as_ref(), "60s".as_ref()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Let it compile and enter the loop; the signal handler is installed before the verb runs.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "the loop ended by itself");
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = std::time::Instant::now();
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "tusk did not stop after Ctrl-C");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert_eq!(code, Some(130), "stderr: {stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
}

// ---- operators through the registry ----

#[cfg(feature = "kubernetes")]
#[test]
fn unknown_operator_and_verb_suggest_close_names() {
    let ctx = test_context!();
    let r = tusk_snapshot!(ctx, ctx.tusk(["@kubrnetes", "deploy"]));
    assert_eq!(r.code, Some(2));
    let r = tusk_snapshot!(ctx, ctx.tusk(["@k8s", "deplyo"]));
    assert_eq!(r.code, Some(2));
}

/// Every verb of every built-in operator has long help with examples, reachable three ways.
#[test]
fn every_verb_has_examples_in_its_help() {
    let ctx = test_context!();
    let v = run(&mut ctx.tusk(["operators", "-o", "json"]), None).json();
    for op in v["operators"].as_array().unwrap() {
        let name = format!("@{}", op["name"].as_str().unwrap());
        let a = run(&mut ctx.tusk(["help", &name]), None);
        let b = run(&mut ctx.tusk([name.as_str(), "--help"]), None);
        assert_eq!(a.code, Some(0), "{}", a.stderr);
        assert_eq!(a.stdout, b.stdout, "`tusk help {name}` and `tusk {name} --help` differ");
        for verb in op["verbs"].as_array().unwrap() {
            let verb = verb.as_str().unwrap();
            let r = run(&mut ctx.tusk([name.as_str(), verb, "--help"]), None);
            assert_eq!(r.code, Some(0), "{name} {verb} --help: {}", r.stderr);
            assert!(r.stdout.to_lowercase().contains("example"), "`tusk {name} {verb} --help` has no examples:\n{}", r.stdout);
        }
    }
}

#[cfg(feature = "kubernetes")]
#[test]
fn aliases_reach_the_same_operator() {
    let ctx = test_context!();
    let a = run(&mut ctx.tusk(["@k8s", "render", "web", "--image", "nginx:1.27"]), None);
    let b = run(&mut ctx.tusk(["@kubernetes", "render", "web", "--image", "nginx:1.27"]), None);
    assert_eq!(a.code, Some(0), "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
}
