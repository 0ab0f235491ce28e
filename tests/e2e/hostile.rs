//! Hostile and malformed input (issue 15): every case of `fixtures/hostile/cases.json` runs
//! through the verb that reads it, in a fresh temporary home, and must end with the documented
//! exit code, a message naming the input and where in it, no panic, within a time bound, under a
//! memory bound, and without writing anywhere the verb may not write.
//!
//! Small inputs are committed under `fixtures/hostile/`; big ones (100 MB files, deep nesting,
//! 100k-function wasm) are generated here, deterministically, when the case runs. The table and
//! each case's purpose are described in `fixtures/hostile/README.md`; docs/reliability.md states
//! the figures this test proves.

#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tusk_tests::{TestContext, test_context};

/// Address-space-independent memory bound for every run: RLIMIT_DATA (heap and every private
/// writable mapping, which includes wasm linear memory once it is committed), set with
/// `prlimit --data` on the child. wasmtime's reserved-but-inaccessible address space is not
/// counted, so the bound is on memory tusk can actually touch.
const MEMORY_BOUND: u64 = 1 << 30;
/// Per-case wall-clock bound unless the case says otherwise (the debug binary; the release
/// binary is several times faster).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// An error message is a few lines; a hostile input must not make it echo megabytes back.
const DEFAULT_MAX_STDERR: u64 = 16 << 10;
/// What a panic, an abort or a blown stack leaves on stderr.
const CRASH_MARKERS: &[&str] = &["panicked", "RUST_BACKTRACE", "stack overflow", "memory allocation of", "SIGSEGV", "Aborted"];

fn corpus() -> PathBuf {
    tusk_tests::fixtures("hostile")
}

#[test]
fn hostile_input_corpus() {
    let table: Value = serde_json::from_str(&std::fs::read_to_string(corpus().join("cases.json")).expect("read cases.json")).expect("cases.json is JSON");
    let cases = table["cases"].as_array().expect("cases.json: `cases` array");
    let filter = std::env::var("TUSK_HOSTILE_CASE").ok();
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut known = Vec::new();
    let mut fixed = Vec::new();
    let mut verbs = std::collections::BTreeSet::new();
    let mut ran = 0;
    let mut slowest = (String::new(), Duration::ZERO);
    for case in cases {
        let id = case["id"].as_str().expect("case id");
        if filter.as_deref().is_some_and(|f| !id.contains(f)) {
            continue;
        }
        let args: Vec<&str> = case["args"].as_array().expect("args").iter().map(|a| a.as_str().expect("arg string")).collect();
        // The table writes operator and verb (or command and subcommand) first.
        verbs.insert(args.iter().take(2).copied().collect::<Vec<_>>().join(" "));
        let (problems, elapsed, summary) = run_case(case);
        ran += 1;
        if elapsed > slowest.1 {
            slowest = (id.to_string(), elapsed);
        }
        let line = format!("{id:<44} {summary:<10} {:>6.2}s", elapsed.as_secs_f64());
        match (case["known_bug"].as_str(), problems.is_empty()) {
            (None, true) => eprintln!("ok    {line}"),
            (None, false) => {
                eprintln!("FAIL  {line}");
                failures.push(format!("{id}:\n  - {}", problems.join("\n  - ")));
            }
            (Some(bug), false) => {
                eprintln!("known {line}  ({bug})");
                known.push(format!("{id}: {bug}\n  - {}", problems.join("\n  - ")));
            }
            (Some(_), true) => {
                eprintln!("FIXED {line}");
                fixed.push(id.to_string());
            }
        }
    }
    eprintln!(
        "\n{ran} cases, {} verbs, {} known bugs, {:.1}s in all (slowest: {} {:.2}s); memory bound {} MiB (RLIMIT_DATA), time bound {}s per case",
        verbs.len(),
        known.len(),
        started.elapsed().as_secs_f64(),
        slowest.0,
        slowest.1.as_secs_f64(),
        MEMORY_BOUND >> 20,
        DEFAULT_TIMEOUT.as_secs()
    );
    if !known.is_empty() {
        eprintln!("\nknown bugs (reported, not failing):\n{}", known.join("\n"));
    }
    assert!(fixed.is_empty(), "these cases pass now: remove their `known_bug` from cases.json: {fixed:?}");
    assert!(failures.is_empty(), "{} of {ran} hostile-input cases failed:\n{}", failures.len(), failures.join("\n"));
}

/// Runs one case; returns the problems found (empty: it passed), the time it took and a
/// short outcome for the log.
fn run_case(case: &Value) -> (Vec<String>, Duration, String) {
    let ctx = test_context!();
    let subst = |s: &str| s.replace("{root}", &ctx.root().display().to_string()).replace("{work}", &ctx.work().display().to_string());
    for entry in case["setup"].as_array().into_iter().flatten() {
        place(&ctx, entry, &subst);
    }
    let args: Vec<String> = case["args"].as_array().expect("args").iter().map(|a| subst(a.as_str().expect("arg"))).collect();
    let may_write: Vec<String> = case["may_write"].as_array().into_iter().flatten().map(|p| p.as_str().expect("may_write path").to_string()).collect();
    let timeout = case["timeout_s"].as_u64().map(Duration::from_secs).unwrap_or(DEFAULT_TIMEOUT);

    let stdin = case["stdin"].as_str().map(|p| ctx.work().join(p));
    let before = listing(ctx.root());
    let out = run_bounded(&ctx, &args, stdin.as_deref(), timeout);
    let after = listing(ctx.root());

    let mut problems = Vec::new();
    let expected = case["exit"].as_i64().expect("exit") as i32;
    if out.timed_out {
        problems.push(format!("still running after {}s: killed", timeout.as_secs()));
    } else if out.code != Some(expected) {
        problems.push(format!("exit {} (expected {expected})", out.code.map(|c| c.to_string()).unwrap_or_else(|| "by a signal".into())));
    }
    for marker in CRASH_MARKERS {
        if out.stderr.contains(marker) {
            problems.push(format!("stderr shows a crash ({marker:?})"));
        }
    }
    // Reports (`audit verify`) print their finding on stdout; errors go to stderr.
    let (stream, text) = if case["stream"].as_str() == Some("stdout") { ("stdout", &out.stdout) } else { ("stderr", &out.stderr) };
    for want in case["message"].as_array().into_iter().flatten() {
        let want = subst(want.as_str().expect("message substring"));
        if !text.contains(&want) {
            problems.push(format!("{stream} does not contain {want:?}"));
        }
    }
    let max_stderr = case["max_stderr"].as_u64().unwrap_or(DEFAULT_MAX_STDERR) as usize;
    if out.stderr.len() > max_stderr {
        problems.push(format!("stderr is {} bytes (at most {max_stderr}): a message must not echo the input back", out.stderr.len()));
    }
    for changed in diff(&before, &after) {
        if !may_write.iter().any(|p| changed.starts_with(p.as_str())) {
            problems.push(format!("wrote {changed} (allowed: {may_write:?})"));
        }
    }
    if !problems.is_empty() {
        let tail: String = out.stderr.chars().take(600).collect();
        problems.push(format!("stderr was: {}", tail.trim_end().replace('\n', "\n      ")));
    }
    let summary = if out.timed_out { "timeout".to_string() } else { format!("exit {}", out.code.map(|c| c.to_string()).unwrap_or_else(|| "signal".into())) };
    (problems, out.elapsed, summary)
}

/// Puts one setup entry into the case's temporary tree (`to` is relative to the work dir and
/// may lead out of it on purpose, e.g. `../outside`).
fn place(ctx: &TestContext, entry: &Value, subst: &dyn Fn(&str) -> String) {
    let to = ctx.work().join(entry["to"].as_str().expect("setup: to"));
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).expect("create setup dir");
    }
    if entry["dir"].as_bool() == Some(true) {
        std::fs::create_dir_all(&to).expect("create dir");
    } else if let Some(from) = entry["from"].as_str() {
        std::fs::copy(corpus().join(from), &to).unwrap_or_else(|e| panic!("copy fixtures/hostile/{from}: {e}"));
    } else if let Some(text) = entry["text"].as_str() {
        std::fs::write(&to, text).expect("write setup text");
    } else if let Some(target) = entry["symlink"].as_str() {
        std::os::unix::fs::symlink(subst(target), &to).expect("create symlink");
    } else if let Some(generator) = entry["gen"].as_str() {
        let n = entry["n"].as_u64().unwrap_or(0) as usize;
        std::fs::write(&to, generate(generator, n)).expect("write generated input");
    } else {
        panic!("setup entry {entry} has none of dir, from, text, symlink, gen");
    }
    if let Some(mode) = entry["mode"].as_str() {
        use std::os::unix::fs::PermissionsExt;
        let mode = u32::from_str_radix(mode, 8).expect("octal mode");
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
}

/// The generated inputs (deterministic: the same name and `n` give the same bytes).
fn generate(name: &str, n: usize) -> Vec<u8> {
    let nest = |open: &str, close: &str| format!("{}{}", open.repeat(n), close.repeat(n));
    match name {
        // A ConfigMap whose data value is an `n`-deep JSON array.
        "deep-json-manifest" => format!("{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"deep\"}},\"data\":{{\"k\":{}}}}}\n", nest("[", "]")).into_bytes(),
        // The same in YAML flow style.
        "deep-yaml-manifest" => format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  k: {}\n", nest("[", "]")).into_bytes(),
        // `n` levels of block mappings.
        "deep-yaml-block-manifest" => {
            let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n");
            for i in 1..=n {
                s.push_str(&" ".repeat(i));
                s.push_str("k:\n");
            }
            s.into_bytes()
        }
        "deep-package-json" => format!("{{\"name\":\"app\",\"dependencies\":{{\"a\":{}}}}}\n", nest("[", "]")).into_bytes(),
        "deep-cargo-toml" => format!("[package]\nname = \"app\"\n\n[dependencies]\nserde = {}\n", nest("[", "]")).into_bytes(),
        "deep-inline-table-toml" => format!("[package]\nname = \"app\"\n\n[dependencies]\nserde = {}1{}\n", "{ a = ".repeat(n), " }".repeat(n)).into_bytes(),
        "deep-function-toml" => format!("name = \"hostile-fn\"\nruntime = \"python3.12\"\nhandler = \"main.handler\"\ninclude = {}\n", nest("[", "]")).into_bytes(),
        "deep-lock" => format!("version = 1\nroot = {}\n", nest("[", "]")).into_bytes(),
        // Inputs of `n` MiB.
        "big-manifest" => {
            let mut s = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  k: ".to_vec();
            s.resize(s.len() + (n << 20), b'a');
            s.push(b'\n');
            s
        }
        "big-package-json" => {
            let mut s = String::from("{\"name\":\"app\",\"dependencies\":{");
            let mut i = 0;
            while s.len() < n << 20 {
                s.push_str(&format!("\"p{i}\":\"^1\","));
                i += 1;
            }
            s.push_str("\"last\":\"^1\"}}\n");
            s.into_bytes()
        }
        "big-requirements" => {
            let mut s = String::new();
            let mut i = 0;
            while s.len() < n << 20 {
                s.push_str(&format!("package-{i}>=1.0\n"));
                i += 1;
            }
            s.into_bytes()
        }
        "big-function-toml" => {
            let mut s = String::from("name = \"hostile-fn\"\nruntime = \"python3.12\"\nhandler = \"main.handler\"\nsource = \"src\"\n\n[env]\n");
            let mut i = 0;
            while s.len() < n << 20 {
                s.push_str(&format!("K{i} = \"v\"\n"));
                i += 1;
            }
            s.push_str("\n[aws]\nregion = \"us-east-1\"\nrole = \"arn:aws:iam::123456789012:role/x\"\n");
            s.into_bytes()
        }
        "big-lock" => {
            let mut s = String::from("version = 1\n");
            let mut i = 0;
            while s.len() < n << 20 {
                s.push_str(&format!("\n[[package]]\necosystem = \"npm\"\nname = \"p{i}\"\nversion = \"1.0.0\"\n"));
                i += 1;
            }
            s.into_bytes()
        }
        "big-audit" => {
            let record = format!(
                "{{\"time\":\"2026-01-01T00:00:00Z\",\"user\":\"ci\",\"operator\":\"kubernetes\",\"verb\":\"deploy\",\"args\":[\"@k8s\",\"deploy\",\"-f\",\"k8s/\"],\"target\":\"prod/shop\",\"dry_run\":false,\"outcome\":\"success\",\"exit_code\":0,\"duration_ms\":1200,\"prev\":\"{}\"}}\n",
                "0".repeat(64)
            );
            record.repeat((n << 20) / record.len()).into_bytes()
        }
        "wasm-functions" => wasm_functions(n),
        "wasm-big-custom-section" => wasm_custom_section(n << 20),
        "junk" => junk(n),
        // A process plugin whose `--tusk-describe` prints an `n`-deep JSON value as its name.
        "plugin-deep-describe" => format!("#!/bin/sh\nprintf %s '{{\"tusk_plugin\":1,\"name\":{}}}'\n", nest("[", "]")).into_bytes(),
        other => panic!("unknown generator {other}"),
    }
}

/// Pseudo-random bytes from a fixed seed (xorshift64*), never starting with a wasm or gzip magic.
fn junk(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(n);
    if let Some(b) = out.first_mut() {
        *b = 0xbd;
    }
    out
}

fn leb(mut v: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn section(id: u8, payload: &[u8], out: &mut Vec<u8>) {
    out.push(id);
    leb(payload.len(), out);
    out.extend_from_slice(payload);
}

/// A valid core module with `n` functions `() -> i32` (each returns 0) and no exports.
fn wasm_functions(n: usize) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    section(1, &[1, 0x60, 0, 1, 0x7f], &mut out);
    let mut funcs = Vec::new();
    leb(n, &mut funcs);
    funcs.resize(funcs.len() + n, 0);
    section(3, &funcs, &mut out);
    let mut code = Vec::new();
    leb(n, &mut code);
    for _ in 0..n {
        code.extend_from_slice(&[4, 0, 0x41, 0, 0x0b]);
    }
    section(10, &code, &mut out);
    out
}

/// A valid empty core module with one custom section of `bytes` zero bytes.
fn wasm_custom_section(bytes: usize) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    let mut payload = vec![7];
    payload.extend_from_slice(b"padding");
    payload.resize(payload.len() + bytes, 0);
    section(0, &payload, &mut out);
    out
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    timed_out: bool,
}

/// Runs `tusk <args>` in the context's home and work dir under `prlimit --data`, killing it
/// when it outlives `timeout`, with `stdin` (a file) as its standard input. The first MiB of
/// stdout and of stderr is kept, the rest drained (a verb may legitimately print a lot).
fn run_bounded(ctx: &TestContext, args: &[String], stdin: Option<&Path>, timeout: Duration) -> Outcome {
    let template = ctx.command();
    let mut cmd = Command::new("prlimit");
    cmd.arg(format!("--data={MEMORY_BOUND}")).arg("--").arg(ctx.bin()).args(args);
    cmd.env_clear();
    for (k, v) in template.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let input = match stdin {
        Some(p) => Stdio::from(std::fs::File::open(p).expect("open the case's stdin file")),
        None => Stdio::null(),
    };
    cmd.current_dir(ctx.work()).stdin(input).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run prlimit (util-linux) for the memory bound: {e}"));
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    fn keep_head(mut r: impl Read) -> Vec<u8> {
        let mut buf = Vec::new();
        let _ = (&mut r).take(1 << 20).read_to_end(&mut buf);
        let _ = std::io::copy(&mut r, &mut std::io::sink());
        buf
    }
    let out_thread = std::thread::spawn(move || keep_head(&mut stdout));
    let err_thread = std::thread::spawn(move || keep_head(&mut stderr));
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for tusk") {
            break status;
        }
        if started.elapsed() > timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait for killed tusk");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out_thread.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_thread.join().unwrap_or_default()).into_owned();
    Outcome { code: status.code(), stdout, stderr, elapsed, timed_out }
}

/// Every path under `root` (symlinks not followed) with its size and modification time.
fn listing(root: &Path) -> BTreeMap<String, (u64, Option<std::time::SystemTime>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&p) else { continue };
            let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
            if meta.is_dir() {
                stack.push(p);
                out.insert(format!("{rel}/"), (0, None));
            } else {
                out.insert(rel, (meta.len(), meta.modified().ok()));
            }
        }
    }
    out
}

/// Paths added, removed or changed between two listings.
fn diff(before: &BTreeMap<String, (u64, Option<std::time::SystemTime>)>, after: &BTreeMap<String, (u64, Option<std::time::SystemTime>)>) -> Vec<String> {
    let mut out: Vec<String> = after.iter().filter(|(k, v)| before.get(*k) != Some(v)).map(|(k, _)| k.clone()).collect();
    out.extend(before.keys().filter(|k| !after.contains_key(*k)).cloned());
    out
}
