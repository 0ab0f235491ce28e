//! @wasm end to end: the real binary running WAT fixtures and C programs compiled with zig
//! (built by scripts/setup/wasm.sh into fixtures/wasm/build/).

use std::path::{Path, PathBuf};
use tusk_tests::{TestContext, run, test_context, tusk_snapshot};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/wasm")
}

fn wat(name: &str) -> String {
    fixtures().join("wat").join(name).display().to_string()
}

/// A fixture built by scripts/setup/wasm.sh. Fails (never skips) when it is missing.
fn built(name: &str) -> String {
    let p = fixtures().join("build").join(name);
    assert!(p.is_file(), "missing fixture {}: run scripts/setup/wasm.sh first (it builds the C fixtures with zig)", p.display());
    p.display().to_string()
}

fn ctx() -> TestContext {
    let mut ctx = test_context!();
    // Module offsets in backtraces depend on the compiler; names do not.
    ctx.filter(r" @ 0x[0-9a-f]+", " @ [OFFSET]");
    ctx.filter(r"\([0-9a-f]{24}\)", "([FINGERPRINT])");
    ctx
}

#[test]
fn run_hello_wat() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", &wat("hello.wat")]));
}

#[test]
fn sandbox_gives_only_the_arguments_and_no_environment() {
    let mut ctx = ctx();
    ctx.env("SECRET_TOKEN", "hunter2");
    let r = tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", &built("args.wasm"), "one", "--two", "-o", "json"]));
    assert!(!r.stdout.contains("hunter2"));
}

#[test]
fn env_and_env_inherit() {
    let mut ctx = ctx();
    ctx.env("TUSK_TEST_INHERITED", "from-host");
    ctx.env("SECRET_TOKEN", "hunter2");
    let r = tusk_snapshot!(
        ctx,
        ctx.tusk(["@wasm", "run", "--env", "GREETING=hi", "--env", "EMPTY=", "--env-inherit", "TUSK_TEST_INHERITED", &built("args.wasm")])
    );
    assert!(!r.stdout.contains("hunter2"));
}

#[test]
fn env_inherit_of_unset_variable_is_an_error() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--env-inherit", "NOT_SET_ANYWHERE", &built("args.wasm")]));
}

#[test]
fn bad_env_and_dir_flags() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--env", "NOEQUALS", &wat("hello.wat")]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--dir", "does-not-exist", &wat("hello.wat")]));
}

#[test]
fn no_host_file_access_without_dir() {
    let ctx = ctx();
    let secret = ctx.write("secret.txt", "top secret\n");
    let r = tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", &built("cat.wasm"), secret.to_str().unwrap()]));
    assert_eq!(r.code, Some(1));
    assert!(!r.stdout.contains("top secret"));
    // Relative paths too: the guest has no current directory on the host.
    let r = run(&mut ctx.tusk(["@wasm", "run", &built("cat.wasm"), "secret.txt"]), None);
    assert_eq!(r.code, Some(1));
    assert!(!r.stdout.contains("top secret"));
}

#[test]
fn dir_grant_reads_files() {
    let ctx = ctx();
    ctx.write("data/in.txt", "hello through a preopen\n");
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--dir", "data::/data", &built("cat.wasm"), "/data/in.txt"]));
    // Only the granted directory: its parent stays out of reach.
    ctx.write("outside.txt", "outside\n");
    let r = run(&mut ctx.tusk(["@wasm", "run", "--dir", "data::/data", &built("cat.wasm"), "/data/../outside.txt"]), None);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(!r.stdout.contains("outside"));
}

#[test]
fn read_only_grant_refuses_writes() {
    let ctx = ctx();
    std::fs::create_dir_all(ctx.work().join("out")).unwrap();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--dir-ro", "out::/out", &built("write.wasm"), "/out/x.txt", "data"]));
    assert!(!ctx.work().join("out/x.txt").exists());
    // The same directory read-write: the file appears on the host.
    let r = run(&mut ctx.tusk(["@wasm", "run", "--dir", "out::/out", &built("write.wasm"), "/out/x.txt", "data"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(ctx.work().join("out/x.txt")).unwrap(), "data");
}

#[test]
fn proc_exit_code_becomes_tusk_exit_code() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", &wat("exit.wat")]));
    for code in ["0", "3", "7", "125"] {
        let r = run(&mut ctx.tusk(["@wasm", "run", &built("exit.wasm"), code]), None);
        assert_eq!(r.code, Some(code.parse().unwrap()), "{}", r.stderr);
        assert_eq!(r.stderr, "");
    }
    // WASI preview 1 exit statuses stop at 125 (wasmtime refuses larger ones).
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", &built("exit.wasm"), "200"]));
}

#[test]
fn component_exit_is_ok_or_error() {
    // WASI 0.2 `wasi:cli/exit` carries only ok/err: a non-zero exit of a component is 1.
    let ctx = ctx();
    assert_eq!(run(&mut ctx.tusk(["@wasm", "run", &built("exit.component.wasm"), "0"]), None).code, Some(0));
    assert_eq!(run(&mut ctx.tusk(["@wasm", "run", &built("exit.component.wasm"), "9"]), None).code, Some(1));
}

#[test]
fn component_runs_with_wasi_p2() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--env", "K=v", &built("args.component.wasm"), "a", "b"]));
}

#[test]
fn trap_prints_kind_and_named_backtrace() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", &wat("trap.wat")]));
}

#[test]
fn timeout_stops_an_infinite_loop() {
    let ctx = ctx();
    let start = std::time::Instant::now();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--timeout", "300ms", &wat("loop.wat")]));
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn fuel_stops_an_infinite_loop() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--fuel", "100000", &wat("loop.wat")]));
}

#[test]
fn fuel_is_reported_in_json() {
    let ctx = ctx();
    let r = run(&mut ctx.tusk(["@wasm", "-o", "json", "run", "--fuel", "1000000", &wat("hello.wat")]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(r.stdout.trim_start_matches("hello from wasm\n")).unwrap();
    let used = json["fuel_consumed"].as_u64().unwrap();
    assert!(used > 0 && used < 1000, "{used}");
}

#[test]
fn max_memory_stops_a_memory_bomb() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--max-memory", "10MiB", &wat("membomb.wat")]));
    let r = tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--max-memory", "32MiB", "--timeout", "60s", &built("malloc_bomb.wasm")]));
    assert_eq!(r.code, Some(124));
}

#[test]
fn max_stack_bounds_recursion() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--max-stack", "64KiB", &wat("recurse.wat")]));
    let r = run(&mut ctx.tusk(["@wasm", "run", &wat("recurse.wat")]), None);
    assert_eq!(r.code, Some(124));
    assert!(r.stderr.contains("default 512 KiB wasm stack"), "{}", r.stderr);
}

#[test]
fn bad_limit_values_name_the_flag() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--max-memory", "lots", &wat("hello.wat")]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--timeout", "3 weeks", &wat("hello.wat")]));
}

#[test]
fn limits_from_config_file() {
    let ctx = ctx();
    ctx.write("tusk.toml", "[wasm]\ntimeout = \"200ms\"\n");
    let r = run(&mut ctx.tusk(["@wasm", "run", &wat("loop.wat")]), None);
    assert_eq!(r.code, Some(124), "{}", r.stderr);
    assert!(r.stderr.contains("timeout"), "{}", r.stderr);
}

#[test]
fn second_run_hits_the_cache() {
    let ctx = ctx();
    let first = run(&mut ctx.tusk(["@wasm", "-o", "json", "run", &built("exit.wasm")]), None);
    assert_eq!(first.json()["code"], "compiled");
    let second = run(&mut ctx.tusk(["@wasm", "-o", "json", "run", &built("exit.wasm")]), None);
    assert_eq!(second.json()["code"], "cache-hit");
    let none = run(&mut ctx.tusk(["@wasm", "-o", "json", "run", "--no-cache", &built("exit.wasm")]), None);
    assert_eq!(none.json()["code"], "compiled");
    let stats = run(&mut ctx.tusk(["@wasm", "-o", "json", "cache", "stats"]), None).json();
    assert_eq!(stats["entries"], 1);
    assert!(stats["dir"].as_str().unwrap().ends_with(".cache/tusk/wasm"), "{stats}");
}

#[test]
fn concurrent_runs_share_the_cache_safely() {
    let ctx = ctx();
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut c = ctx.tusk(["@wasm", "run", &built("cat.wasm")]);
            c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        // cat without arguments prints its usage and exits 2: the program ran.
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let r = run(&mut ctx.tusk(["@wasm", "-o", "json", "run", &built("cat.wasm"), "/nothing"]), None);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["code"], "cache-hit");
    let stats = run(&mut ctx.tusk(["@wasm", "-o", "json", "cache", "stats"]), None).json();
    assert_eq!(stats["entries"], 1);
    let leftovers: Vec<_> = walk(&ctx.cache_dir().join("wasm")).into_iter().filter(|p| p.to_string_lossy().contains(".tmp-")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn corrupt_cache_entry_is_recompiled() {
    let ctx = ctx();
    run(&mut ctx.tusk(["@wasm", "run", &wat("hello.wat")]), None);
    let entry = walk(&ctx.cache_dir().join("wasm")).into_iter().find(|p| p.extension().is_some_and(|e| e == "cwasm")).unwrap();
    let mut bytes = std::fs::read(&entry).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&entry, bytes).unwrap();
    let r = run(&mut ctx.tusk(["@wasm", "-o", "json", "run", &wat("hello.wat")]), None);
    assert_eq!(r.code, Some(0));
    assert!(r.stdout.contains("\"code\": \"compiled\""), "{}", r.stdout);
}

#[test]
fn cache_clear() {
    let ctx = ctx();
    run(&mut ctx.tusk(["@wasm", "run", &wat("hello.wat")]), None);
    let mut c = ctx.tusk(["@wasm", "cache", "clear"]);
    let r = run(&mut c, None);
    assert_eq!(r.code, Some(0));
    assert!(r.stdout.starts_with("removed 1 compiled entry ("), "{}", r.stdout);
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "cache", "stats"]));
}

#[test]
fn garbage_truncated_and_empty_files_are_clear_errors() {
    let mut ctx = ctx();
    ctx.filter(r"\d+ bytes", "[N] bytes");
    ctx.filter(r"offset 0x[0-9a-f]+", "offset [OFFSET]");
    ctx.write("garbage.wasm", [0x89, b'P', b'N', b'G', 0, 1, 2, 3]);
    ctx.write("empty.wasm", []);
    let full = std::fs::read(built("cat.wasm")).unwrap();
    ctx.write("truncated.wasm", &full[..full.len() / 3]);
    ctx.write("notes.txt", "just some notes\n");
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "garbage.wasm"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "empty.wasm"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "truncated.wasm"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "notes.txt"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "missing.wasm"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "validate", "truncated.wasm"]));
}

#[test]
fn unsatisfied_import_is_a_link_error() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", &wat("needs-import.wat")]));
}

#[test]
fn invoke_typed_exports() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "invoke", &wat("math.wat"), "add", "2", "40"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "invoke", &wat("math.wat"), "hypot", "3", "4"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "-o", "json", "invoke", &wat("math.wat"), "divmod", "17", "5"]));
    let r = run(&mut ctx.tusk(["@wasm", "invoke", &wat("math.wat"), "mul64", "-3", "4000000000"]), None);
    assert_eq!(r.stdout, "-12000000000\n");
    let r = run(&mut ctx.tusk(["@wasm", "invoke", &wat("math.wat"), "half", "5"]), None);
    assert_eq!(r.stdout, "2.5\n");
}

#[test]
fn invoke_errors() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "invoke", &wat("math.wat"), "nope"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "invoke", &wat("math.wat"), "add", "1"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "invoke", &wat("math.wat"), "add", "1", "two"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "invoke", &wat("math.wat"), "div", "1", "0"]));
}

#[test]
fn compile_then_run_precompiled() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "compile", &wat("exit.wat"), "--out", "exit.cwasm"]));
    let r = run(&mut ctx.tusk(["@wasm", "-o", "json", "run", "exit.cwasm"]), None);
    assert_eq!(r.code, Some(42));
    assert_eq!(r.json()["code"], "precompiled");
    // Compiled without fuel metering, run with --fuel: a different engine.
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "run", "--fuel", "1000", "exit.cwasm"]));
    // With --fuel at compile time it works.
    run(&mut ctx.tusk(["@wasm", "compile", "--fuel", &wat("exit.wat"), "--out", "exit-fuel.cwasm"]), None);
    assert_eq!(run(&mut ctx.tusk(["@wasm", "run", "--fuel", "1000", "exit-fuel.cwasm"]), None).code, Some(42));
    // Epoch checks are compiled in only for --timeout: the same rule.
    let r = run(&mut ctx.tusk(["@wasm", "run", "--timeout", "5s", "exit.cwasm"]), None);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("precompiled for a different engine"), "{}", r.stderr);
    run(&mut ctx.tusk(["@wasm", "compile", "--timeout", &wat("exit.wat"), "--out", "exit-epochs.cwasm"]), None);
    assert_eq!(run(&mut ctx.tusk(["@wasm", "run", "--timeout", "5s", "exit-epochs.cwasm"]), None).code, Some(42));
}

#[test]
fn compile_component() {
    let ctx = ctx();
    let r = run(&mut ctx.tusk(["@wasm", "-o", "json", "compile", &built("args.component.wasm"), "--out", "args.cwasm"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.json()["kind"], "component");
    let r = run(&mut ctx.tusk(["@wasm", "run", "args.cwasm", "x"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("argv[1]=x"));
}

#[test]
fn inspect_module() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "inspect", &wat("math.wat")]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "inspect", &wat("hello.wat")]));
}

#[test]
fn inspect_json_and_component() {
    let ctx = ctx();
    let r = run(&mut ctx.tusk(["@wasm", "-o", "json", "inspect", &built("args.wasm")]), None).json();
    assert_eq!(r["kind"], "module");
    assert!(r["imports"].as_array().unwrap().iter().any(|i| i["module"] == "wasi_snapshot_preview1"));
    assert!(r["producers"].as_array().unwrap().iter().any(|p| p["field"] == "language"), "{r}");
    let c = run(&mut ctx.tusk(["@wasm", "-o", "json", "inspect", &built("args.component.wasm")]), None).json();
    assert_eq!(c["kind"], "component");
    let imports: Vec<&str> = c["imports"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert!(imports.iter().any(|n| n.starts_with("wasi:cli/environment")), "{imports:?}");
    let exports: Vec<&str> = c["exports"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert!(exports.iter().any(|n| n.starts_with("wasi:cli/run")), "{exports:?}");
}

#[test]
fn validate_files() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "validate", &wat("math.wat")]));
    ctx.write("bad.wat", "(module (func (result i32) i64.const 1))");
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "validate", "bad.wat"]));
    let r = run(&mut ctx.tusk(["@wasm", "-o", "json", "validate", &built("args.component.wasm")]), None);
    assert_eq!(r.json()["kind"], "component");
}

#[test]
fn json_summary_of_run() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "-o", "json", "run", &wat("exit.wat")]));
}

// --- component plugins ------------------------------------------------------------

fn install_greet(ctx: &TestContext) {
    let r = run(&mut ctx.tusk(["plugin", "install", &built("greet.wasm"), "--grant", "log", "--grant", "dir"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

#[test]
fn plugin_install_requires_grants() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["plugin", "install", &built("greet.wasm")]));
    tusk_snapshot!(ctx, ctx.tusk(["plugin", "install", &built("greet.wasm"), "--grant", "log", "--grant", "dir"]));
}

#[test]
fn plugin_is_listed() {
    let ctx = ctx();
    install_greet(&ctx);
    // Other operators' rows depend on the features tusk was built with: check our row only.
    let r = run(&mut ctx.tusk(["operators"]), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let row = r.stdout.lines().find(|l| l.starts_with("@greet ")).unwrap_or_else(|| panic!("{}", r.stdout));
    let cols: Vec<&str> = row.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(cols, ["@greet", "plugin (wasm)", "0.1.0", "hello read ls fetch", "Example WebAssembly component plugin written in C"]);
}

#[test]
fn plugin_runs_with_structured_output_and_logs() {
    let ctx = ctx();
    install_greet(&ctx);
    tusk_snapshot!(ctx, ctx.tusk(["@greet", "hello", "Ada"]));
    tusk_snapshot!(ctx, ctx.tusk(["@greet", "-o", "json", "hello", "Grace \"Amazing\" Hopper"]));
}

#[test]
fn plugin_reads_the_granted_directory_only() {
    let ctx = ctx();
    install_greet(&ctx);
    ctx.write("notes/today.txt", "ship the plugin\n");
    tusk_snapshot!(ctx, ctx.tusk(["@greet", "read", "notes/today.txt"]));
    tusk_snapshot!(ctx, ctx.tusk(["@greet", "ls", "notes"]));
    tusk_snapshot!(ctx, ctx.tusk(["@greet", "read", "../home/.config/secret"]));
    tusk_snapshot!(ctx, ctx.tusk(["@greet", "read", "/etc/passwd"]));
}

#[test]
fn plugin_is_refused_a_capability_it_was_not_granted() {
    let ctx = ctx();
    install_greet(&ctx);
    // The plugin never asked for http:example.com, so it was not granted: the host refuses
    // before any network traffic.
    tusk_snapshot!(ctx, ctx.tusk(["@greet", "fetch", "https://example.com/"]));
    // Installed with `log` only: no directory access, and its logs still work.
    let ctx2 = self::ctx();
    let mut sidecar_grants = ctx2.tusk(["plugin", "install", &built("greet.wasm"), "--grant", "all"]);
    assert_eq!(run(&mut sidecar_grants, None).code, Some(0));
    let sidecar = ctx2.data_dir().join("plugins/greet.plugin.json");
    let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(&sidecar).unwrap()).unwrap();
    json["grants"] = serde_json::json!(["log"]);
    std::fs::write(&sidecar, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    ctx2.write("f.txt", "x");
    tusk_snapshot!(ctx2, ctx2.tusk(["@greet", "read", "f.txt"]));
}

#[test]
fn plugin_tampered_after_install_is_refused() {
    let ctx = ctx();
    install_greet(&ctx);
    let wasm = ctx.data_dir().join("plugins/greet.wasm");
    let mut bytes = std::fs::read(&wasm).unwrap();
    bytes.push(0);
    std::fs::write(&wasm, bytes).unwrap();
    tusk_snapshot!(ctx, ctx.tusk(["@greet", "hello"]));
}

#[test]
fn non_plugin_component_is_refused_at_install() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["plugin", "install", &built("args.component.wasm"), "--grant", "all"]));
}

#[test]
fn invoke_component_with_wave_values() {
    let ctx = ctx();
    let calc = built("calc.component.wasm");
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "invoke", &calc, "sum", "[1, 2, 3, 4000000000]"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "invoke", &calc, "shout", "\"hello, wave\""]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "-o", "json", "invoke", &calc, "manhattan", "{x: 3, y: -4}"]));
    let r = run(&mut ctx.tusk(["@wasm", "invoke", &calc, "checked-div", "7", "2"]), None);
    assert_eq!(r.stdout, "ok(3)\n");
    let r = run(&mut ctx.tusk(["@wasm", "invoke", &calc, "checked-div", "7", "0"]), None);
    assert_eq!(r.stdout, "err(\"division by zero\")\n");
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "invoke", &calc, "shout", "unquoted"]));
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "invoke", &calc, "nope"]));
}

#[test]
fn inspect_compiles_components_only() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "inspect", "--help"]));
    // As the help says: a module is only parsed; a component is compiled into the cache.
    let entries = |ctx: &TestContext| run(&mut ctx.tusk(["@wasm", "-o", "json", "cache", "stats"]), None).json()["entries"].as_u64();
    assert_eq!(run(&mut ctx.tusk(["@wasm", "inspect", &built("args.wasm")]), None).code, Some(0));
    assert_eq!(entries(&ctx), Some(0));
    assert_eq!(run(&mut ctx.tusk(["@wasm", "inspect", &built("args.component.wasm")]), None).code, Some(0));
    assert_eq!(entries(&ctx), Some(1));
}

#[test]
fn inspect_component_signatures() {
    let ctx = ctx();
    tusk_snapshot!(ctx, ctx.tusk(["@wasm", "inspect", &built("calc.component.wasm")]));
}

#[test]
fn ctrl_c_stops_a_running_guest() {
    let ctx = ctx();
    let mut cmd = ctx.tusk(["@wasm", "run", &wat("loop.wat")]);
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let start = std::time::Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    // The guest was stopped by tusk on the first Ctrl-C (without --timeout its code has no
    // epoch checks, so tusk ends the process), not by a second Ctrl-C.
    assert!(stderr.contains("error: interrupted"), "{stderr}");
}

/// The guest runs on tusk's main thread. A guest blocked in a host call (opening a FIFO no one
/// writes) with --timeout does not reach an epoch check after the first Ctrl-C; the second one
/// still ends tusk at once with 130 although the main thread stays blocked.
#[cfg(unix)]
#[test]
fn second_ctrl_c_ends_a_guest_blocked_in_a_host_call() {
    let ctx = ctx();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let grant = format!("{}::/h", dir.path().display());
    let mut cmd = ctx.tusk(["@wasm", "run", "--timeout", "60s", "--dir-ro", &grant, &built("cat.wasm"), "/h/fifo"]);
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    for _ in 0..2 {
        let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let mut child = child;
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            panic!("tusk did not exit after the second Ctrl-C");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("exited at once on the second Ctrl-C"), "{stderr}");
}
