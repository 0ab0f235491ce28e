//! The @wasm operator: run, invoke, compile, inspect and validate WebAssembly on wasmtime,
//! plus the compiled-code cache verbs; and the runner for WebAssembly component plugins.

mod args;
mod plugin;

use clap::{Args, FromArgMatches, Subcommand};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tusk_registry::{Alias, Cell, Context, Error, ExitStatus, Invocation, Operator, OperatorInfo, Output, Style};
use tusk_wasm_runtime::{self as rt, CodeSource, EngineOptions, Kind, Options, Runtime, WasmError};

pub use plugin::WasmComponentRunner;

/// Registers @wasm and installs the component-plugin runner (which starts wasmtime only
/// when a plugin is first described or run).
pub fn register(registry: &mut tusk_registry::Registry) {
    registry.register(Arc::new(WasmOperator));
    registry.set_component_runner(Arc::new(WasmComponentRunner::new()));
}

/// `[wasm]` in config files. Flags beat these.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WasmConfig {
    /// Default `--fuel`.
    pub fuel: Option<u64>,
    /// Default `--max-memory` (`256MiB`).
    pub max_memory: Option<String>,
    /// Default `--timeout` (`30s`).
    pub timeout: Option<String>,
    /// Default `--max-stack` (`1MiB`).
    pub max_stack: Option<String>,
    /// Compiled-code cache on (default) or off.
    pub cache: Option<bool>,
    /// Size bound of the compiled-code cache (`2GiB` by default).
    pub cache_max_size: Option<String>,
}

pub struct WasmOperator;

const RUN_HELP: &str = "\
Runs a WebAssembly program: a core module with WASI preview 1 (its `_start`), or a component
with WASI 0.2 (`wasi:cli/run`). `.wasm`, `.wat` text and code precompiled by `compile` are
detected from the bytes.

The guest is sandboxed: it sees no files, no environment variables and no network, and only
the arguments after the file. Grant access with --dir, --dir-ro, --env and --env-inherit.
Its stdin, stdout and stderr are the terminal's.

Exit status: the guest's own exit code (`proc_exit(n)`, or 0 when `_start` returns);
124 when a limit (--fuel, --max-memory, --timeout, --max-stack) stops it; 134 on a trap,
which is printed with a wasm backtrace.";

const RUN_EXAMPLES: &str = "\
Examples:
  tusk @wasm run hello.wasm
  tusk @wasm run app.wasm -- --verbose input.txt
  tusk @wasm run tool.wasm --dir ./data::/data --dir-ro ./config --env LOG=debug -- /data/in
  tusk @wasm run untrusted.wasm --timeout 2s --max-memory 64MiB --fuel 1000000000
  tusk @wasm -o json run app.wasm      # summary (exit code, fuel, cache) after the guest's output";

#[derive(Debug, Subcommand)]
enum Verb {
    /// Run a module or component (WASI)
    #[command(long_about = RUN_HELP, after_long_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Call an exported function with typed arguments (core module or component)
    #[command(
        long_about = "Instantiates the program (with the same sandbox and limits as `run`) and calls EXPORT.\n\n\
                      Core module: `_initialize` runs first if it exists; arguments are converted to the parameter \
                      types (i32, i64, f32, f64); results are printed one per line.\n\n\
                      Component: EXPORT is a function name, or INTERFACE#NAME for a function of an exported \
                      interface; each argument and result is a value in the WAVE text format (`42`, `\"text\"`, \
                      `[1, 2]`, `{x: 1, y: -2}`, `some(3)`, `ok(1)`).",
        after_long_help = "Examples:\n  tusk @wasm invoke math.wat add 2 3\n  tusk @wasm invoke math.wasm hypot 3 4\n  tusk @wasm -o json invoke math.wat divmod 17 5\n  tusk @wasm invoke calc.wasm sum '[1, 2, 3]'\n  tusk @wasm invoke calc.wasm manhattan '{x: 3, y: -4}'"
    )]
    Invoke(InvokeArgs),
    /// Compile ahead of time to native code (.cwasm)
    #[command(
        long_about = "Compiles a module or component ahead of time with this tusk's engine. `run` loads the output directly; \
                      it refuses code compiled by another wasmtime version or engine configuration (e.g. with or without \
                      --fuel) with a clear error. Pass --fuel when compiling code that will run with --fuel.",
        after_long_help = "Examples:\n  tusk @wasm compile app.wasm                # writes app.cwasm\n  tusk @wasm compile app.wasm --out /tmp/app.cwasm\n  tusk @wasm run app.cwasm"
    )]
    Compile(CompileArgs),
    /// Show kind, imports, exports, memories, tables, custom sections and producers
    #[command(
        long_about = "Reads a module or component without compiling it and shows what it is made of.",
        after_long_help = "Examples:\n  tusk @wasm inspect app.wasm\n  tusk @wasm -o json inspect app.wasm | jq '.imports[].name'"
    )]
    Inspect(FileArg),
    /// Check that a file is valid WebAssembly for this engine
    #[command(
        long_about = "Parses and validates a module, component or .wat file with the proposals this engine enables. \
                      Exit status 0 when valid, 2 when not (with the reason and the offset).",
        after_long_help = "Examples:\n  tusk @wasm validate app.wasm\n  tusk @wasm validate broken.wat"
    )]
    Validate(FileArg),
    /// Manage the compiled-code cache
    #[command(
        subcommand,
        after_long_help = "Examples:\n  tusk @wasm cache stats\n  tusk @wasm cache clear"
    )]
    Cache(CacheVerb),
}

#[derive(Debug, Subcommand)]
enum CacheVerb {
    /// Show where the cache is and how big it is
    #[command(
        long_about = "Shows the compiled-code cache directory ($XDG_CACHE_HOME/tusk/wasm), its entries and size.",
        after_long_help = "Examples:\n  tusk @wasm cache stats\n  tusk @wasm -o json cache stats"
    )]
    Stats,
    /// Delete every cached compilation
    #[command(
        long_about = "Deletes every entry of the compiled-code cache (all engine configurations).",
        after_long_help = "Examples:\n  tusk @wasm cache clear"
    )]
    Clear,
}

#[derive(Debug, Args)]
struct FileArg {
    /// A .wasm, .wat or .cwasm file
    file: PathBuf,
}

#[derive(Debug, Args, Default)]
struct Limits {
    /// Stop the guest after N units of fuel (roughly, wasm instructions)
    #[arg(long, value_name = "N", help_heading = "Limits")]
    fuel: Option<u64>,
    /// Maximum linear memory per memory (e.g. 64MiB)
    #[arg(long, value_name = "SIZE", help_heading = "Limits")]
    max_memory: Option<String>,
    /// Stop the guest after this wall-clock time (e.g. 500ms, 2s)
    #[arg(long, value_name = "DURATION", help_heading = "Limits")]
    timeout: Option<String>,
    /// Maximum wasm stack (e.g. 1MiB; default 512KiB)
    #[arg(long, value_name = "SIZE", help_heading = "Limits")]
    max_stack: Option<String>,
}

#[derive(Debug, Args, Default)]
struct Grants {
    /// Give the guest a host directory, read-write: HOST[::GUEST]
    #[arg(long = "dir", value_name = "HOST[::GUEST]", help_heading = "Sandbox")]
    dirs: Vec<String>,
    /// Give the guest a host directory, read-only: HOST[::GUEST]
    #[arg(long = "dir-ro", value_name = "HOST[::GUEST]", help_heading = "Sandbox")]
    dirs_ro: Vec<String>,
    /// Set an environment variable in the guest
    #[arg(long = "env", value_name = "KEY=VALUE", help_heading = "Sandbox")]
    env: Vec<String>,
    /// Pass one of tusk's environment variables to the guest
    #[arg(long = "env-inherit", value_name = "KEY", help_heading = "Sandbox")]
    env_inherit: Vec<String>,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The program: .wasm (module or component), .wat, or .cwasm from `compile`
    file: PathBuf,
    /// Arguments for the guest (after the file; use `--` before ones that start with `-`)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
    args: Vec<String>,
    #[command(flatten)]
    grants: Grants,
    #[command(flatten)]
    limits: Limits,
    /// argv[0] as the guest sees it (default: the file name)
    #[arg(long, value_name = "NAME")]
    argv0: Option<String>,
    /// Do not read or write the compiled-code cache
    #[arg(long)]
    no_cache: bool,
}

#[derive(Debug, Args)]
struct InvokeArgs {
    /// A module or component: .wasm, .wat or .cwasm
    file: PathBuf,
    /// The exported function (`INTERFACE#NAME` inside a component's exported interface)
    export: String,
    /// Arguments: numbers for core modules, WAVE values for components
    #[arg(allow_hyphen_values = true, value_name = "VALUES")]
    values: Vec<String>,
    #[command(flatten)]
    grants: Grants,
    #[command(flatten)]
    limits: Limits,
    /// Do not read or write the compiled-code cache
    #[arg(long)]
    no_cache: bool,
}

#[derive(Debug, Args)]
struct CompileArgs {
    /// A .wasm or .wat module or component
    file: PathBuf,
    /// Where to write the native code (default: FILE with the extension .cwasm)
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Compile with fuel metering (needed to run the output with --fuel)
    #[arg(long)]
    fuel: bool,
}

#[async_trait::async_trait]
impl Operator for WasmOperator {
    fn info(&self) -> OperatorInfo {
        OperatorInfo {
            name: "wasm",
            aliases: &[] as &[Alias],
            summary: "Run, compile and inspect WebAssembly on wasmtime, sandboxed",
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    fn command(&self) -> clap::Command {
        Verb::augment_subcommands(
            clap::Command::new("wasm").about("Run, compile and inspect WebAssembly on wasmtime, sandboxed"),
        )
    }

    async fn doctor(&self, ctx: &Context) -> Vec<tusk_registry::DoctorCheck> {
        use tusk_registry::{CheckStatus, DoctorCheck};
        let mut checks = Vec::new();
        match rt::engine(EngineOptions::default()) {
            Ok(engine) => checks.push(DoctorCheck {
                name: "wasmtime".into(),
                status: CheckStatus::Ok,
                detail: format!("wasmtime {} ({}), engine {}", rt::WASMTIME_VERSION, std::env::consts::ARCH, rt::engine_fingerprint(&engine)),
            }),
            Err(e) => checks.push(DoctorCheck { name: "wasmtime".into(), status: CheckStatus::Fail, detail: e.to_string() }),
        }
        let config: WasmConfig = ctx.config.section("wasm").unwrap_or_default();
        match stats_cache(&config, ctx) {
            Ok(cache) => {
                let s = cache.stats();
                checks.push(DoctorCheck {
                    name: "wasm compiled-code cache".into(),
                    status: CheckStatus::Info,
                    detail: format!(
                        "{}: {} entries, {} of {}",
                        s.dir.display(),
                        s.entries + s.foreign_entries,
                        args::human_size(s.bytes),
                        args::human_size(s.max_bytes)
                    ),
                });
            }
            Err(e) => checks.push(DoctorCheck { name: "wasm compiled-code cache".into(), status: CheckStatus::Warn, detail: e.message }),
        }
        checks
    }

    async fn run(&self, invocation: Invocation, ctx: Context) -> tusk_registry::Result<Output> {
        let verb = Verb::from_arg_matches(&invocation.matches).map_err(|e| Error::usage(e.to_string()))?;
        let config: WasmConfig = ctx.config.section("wasm")?;
        let cancel = cancel_flag(&ctx);
        let ctx2 = ctx.clone();
        let work = move || -> tusk_registry::Result<Output> {
            match verb {
                Verb::Run(a) => run(a, &config, &ctx2, cancel),
                Verb::Invoke(a) => invoke(a, &config, &ctx2, cancel),
                Verb::Compile(a) => compile(a, &config, &ctx2),
                Verb::Inspect(a) => inspect(a, &config, &ctx2),
                Verb::Validate(a) => validate(a),
                Verb::Cache(CacheVerb::Stats) => cache_stats(&config, &ctx2),
                Verb::Cache(CacheVerb::Clear) => cache_clear(&config, &ctx2),
            }
        };
        match tokio::task::spawn_blocking(work).await {
            Ok(r) => r,
            Err(e) => Err(Error::failed(format!("the wasm worker stopped unexpectedly: {e}"))),
        }
    }
}

/// An AtomicBool set when the operation is cancelled (checked by the guest's epoch callback).
fn cancel_flag(ctx: &Context) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let token = ctx.cancel.clone();
    tokio::spawn(async move {
        token.cancelled().await;
        f.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    flag
}

/// Resolved options from flags (first) and config.
fn options(limits: &Limits, grants: &Grants, config: &WasmConfig, ctx: &Context, no_cache: bool) -> tusk_registry::Result<Options> {
    let size = |flag: Option<&String>, cfg: Option<&String>, name: &str| -> tusk_registry::Result<Option<u64>> {
        match (flag, cfg) {
            (Some(v), _) => args::parse_size(v).map(Some).map_err(|e| Error::usage(e).at(format!("--{name}"))),
            (None, Some(v)) => args::parse_size(v).map(Some).map_err(|e| Error::usage(e).at(format!("[wasm] {}", name.replace('-', "_")))),
            (None, None) => Ok(None),
        }
    };
    let max_memory = size(limits.max_memory.as_ref(), config.max_memory.as_ref(), "max-memory")?;
    let max_stack = size(limits.max_stack.as_ref(), config.max_stack.as_ref(), "max-stack")?;
    let timeout = match (&limits.timeout, &config.timeout) {
        (Some(v), _) => Some(args::parse_duration(v).map_err(|e| Error::usage(e).at("--timeout"))?),
        (None, Some(v)) => Some(args::parse_duration(v).map_err(|e| Error::usage(e).at("[wasm] timeout"))?),
        (None, None) => None,
    };
    if let Some(s) = max_stack
        && s < 4096
    {
        return Err(Error::usage(format!("--max-stack {s} is too small")).at("--max-stack").with_hint("use at least 4KiB"));
    }
    let mut dirs = Vec::new();
    for d in &grants.dirs {
        dirs.push(args::parse_dir(d, false).map_err(|e| Error::usage(e).at("--dir"))?);
    }
    for d in &grants.dirs_ro {
        dirs.push(args::parse_dir(d, true).map_err(|e| Error::usage(e).at("--dir-ro"))?);
    }
    let mut env = Vec::new();
    for e in &grants.env {
        env.push(args::parse_env(e).map_err(|m| Error::usage(m).at("--env"))?);
    }
    for k in &grants.env_inherit {
        match std::env::var(k) {
            Ok(v) => env.push((k.clone(), v)),
            Err(_) => {
                return Err(Error::usage(format!("--env-inherit {k}: `{k}` is not set in tusk's environment"))
                    .at("--env-inherit")
                    .with_hint(format!("set it, or pass a value with --env {k}=VALUE")));
            }
        }
    }
    let cache_max_bytes = match &config.cache_max_size {
        Some(v) => args::parse_size(v).map_err(|e| Error::usage(e).at("[wasm] cache_max_size"))?,
        None => rt::DEFAULT_CACHE_MAX_BYTES,
    };
    let cache_on = !no_cache && config.cache.unwrap_or(true);
    Ok(Options {
        fuel: limits.fuel.or(config.fuel),
        max_memory,
        timeout,
        max_stack: max_stack.map(|s| s as usize),
        dirs,
        env,
        args: Vec::new(),
        argv0: None,
        cache_dir: cache_on.then(|| cache_dir(ctx)),
        cache_max_bytes,
    })
}

fn cache_dir(ctx: &Context) -> PathBuf {
    ctx.paths.cache("wasm")
}

fn runtime(opts: &Options) -> tusk_registry::Result<Runtime> {
    Runtime::new(opts.engine_options(), opts.cache_dir.as_deref(), opts.cache_max_bytes).map_err(|e| convert(e, None))
}

/// Converts an embedding error to tusk's error, with location, hint and exit code.
fn convert(e: WasmError, file: Option<&Path>) -> Error {
    let at = |err: Error| match file {
        Some(f) => err.at(f.display().to_string()),
        None => err,
    };
    match e {
        WasmError::Read { ref path, .. } => {
            let p = path.display().to_string();
            Error::usage(e.to_string()).at(p).with_hint("check the path")
        }
        WasmError::NotWasm { ref path, .. } => Error::usage(e.to_string())
            .at(path.display().to_string())
            .with_hint("expected a .wasm binary (\\0asm magic), WebAssembly text (.wat), or a .cwasm from `tusk @wasm compile`"),
        WasmError::Invalid { ref path, .. } => Error::usage(e.to_string())
            .at(path.display().to_string())
            .with_hint("the file may be truncated or built for a proposal this engine does not enable; `tusk @wasm validate` shows the offset"),
        WasmError::Incompatible { ref path, .. } => Error::usage(e.to_string())
            .at(path.display().to_string())
            .with_hint("recompile it with this tusk: `tusk @wasm compile <the .wasm>` (add --fuel if you run it with --fuel), or run the .wasm itself"),
        WasmError::Link { ref path, .. } => Error::failed(e.to_string())
            .at(path.display().to_string())
            .with_hint("tusk provides WASI preview 1 to modules and WASI 0.2 to components; other imports cannot be satisfied"),
        WasmError::Trap { ref frames, ref message } => {
            let mut msg = format!("wasm trap: {message}");
            push_frames(&mut msg, frames);
            at(Error::failed(msg))
                .with_exit(ExitStatus::Code(rt::EXIT_TRAP))
                .with_hint(format!("the guest crashed; tusk exits with {} on a trap", rt::EXIT_TRAP))
        }
        WasmError::Limit { ref limit, ref frames } => {
            let mut msg = limit.to_string();
            push_frames(&mut msg, frames);
            at(Error::failed(msg)).with_exit(ExitStatus::Code(rt::EXIT_LIMIT)).with_hint(format!(
                "raise {} if the guest needs more; tusk exits with {} when a limit stops a guest",
                limit.flag(),
                rt::EXIT_LIMIT
            ))
        }
        WasmError::Interrupted => Error::interrupted(),
        WasmError::Usage(m) => at(Error::usage(m)),
        WasmError::Other(m) => at(Error::failed(m)),
    }
}

fn push_frames(msg: &mut String, frames: &[rt::Frame]) {
    if frames.is_empty() {
        return;
    }
    msg.push_str("\nwasm backtrace:");
    // Consecutive identical frames (deep recursion) are printed once with a count.
    let mut i = 0;
    while i < frames.len() {
        let mut j = i + 1;
        while j < frames.len() && frames[j] == frames[i] {
            j += 1;
        }
        msg.push_str(&format!("\n  {i:>3}: {}", frames[i]));
        if j - i > 1 {
            msg.push_str(&format!(" (repeated {} times)", j - i));
        }
        i = j;
    }
}

fn source_name(s: CodeSource) -> &'static str {
    match s {
        CodeSource::Compiled => "compiled",
        CodeSource::CacheHit => "cache-hit",
        CodeSource::Precompiled => "precompiled",
    }
}

fn load(runtime: &Runtime, file: &Path, ctx: &Context) -> tusk_registry::Result<rt::LoadedProgram> {
    let task = ctx.progress.task(format!("loading {}", file.display()));
    match runtime.load(file) {
        Ok(p) => {
            task.ok(format!("{} in {} ms", source_name(p.source), p.load_time.as_millis()));
            Ok(p)
        }
        Err(e) => {
            task.fail("failed");
            Err(convert(e, Some(file)))
        }
    }
}

fn run(a: RunArgs, config: &WasmConfig, ctx: &Context, cancel: Arc<AtomicBool>) -> tusk_registry::Result<Output> {
    let mut opts = options(&a.limits, &a.grants, config, ctx, a.no_cache)?;
    opts.args = a.args;
    opts.argv0 = a.argv0;
    let runtime = runtime(&opts)?;
    let program = load(&runtime, &a.file, ctx)?;
    let outcome = runtime.run(&program, &a.file, &opts, cancel).map_err(|e| convert(e, Some(&a.file)))?;
    let code = (outcome.exit_code & 0xff) as u8;
    let data = serde_json::json!({
        "file": a.file,
        "kind": program.kind.name(),
        "exit_code": outcome.exit_code,
        "fuel_consumed": outcome.fuel_consumed,
        "code": source_name(program.source),
    });
    let mut out = Output::new(data);
    if code != 0 {
        out = out.with_status(ExitStatus::Code(code));
    }
    Ok(out)
}

fn invoke(a: InvokeArgs, config: &WasmConfig, ctx: &Context, cancel: Arc<AtomicBool>) -> tusk_registry::Result<Output> {
    let opts = options(&a.limits, &a.grants, config, ctx, a.no_cache)?;
    let runtime = runtime(&opts)?;
    let program = load(&runtime, &a.file, ctx)?;
    let r = runtime.invoke(&program, &a.file, &a.export, &a.values, &opts, cancel).map_err(|e| {
        let err = convert(e, Some(&a.file));
        if err.kind == tusk_registry::ErrorKind::Usage && err.message.contains("WAVE") {
            err.with_hint("component arguments are WAVE values: strings in double quotes (\"text\"), lists [1, 2], records {x: 1}, options some(1)/none, results ok(1)/err(\"e\"); quote them for the shell")
        } else if err.kind == tusk_registry::ErrorKind::Usage && err.hint.is_none() {
            err.with_hint("`tusk @wasm inspect FILE` lists the exports and their signatures")
        } else {
            err
        }
    })?;
    let lines: Vec<String> = r.results.iter().map(|v| v.to_string()).collect();
    Ok(Output::new(&r).lines(lines))
}

fn compile(a: CompileArgs, config: &WasmConfig, ctx: &Context) -> tusk_registry::Result<Output> {
    let eopts = EngineOptions { fuel: a.fuel || config.fuel.is_some(), ..EngineOptions::default() };
    let runtime = Runtime::new(eopts, None, 0).map_err(|e| convert(e, None))?;
    let out = a.out.clone().unwrap_or_else(|| a.file.with_extension("cwasm"));
    if out == a.file {
        return Err(Error::usage(format!("--out {} would overwrite the input", out.display())).at("--out"));
    }
    let task = ctx.progress.task(format!("compiling {}", a.file.display()));
    let start = std::time::Instant::now();
    let (bytes, kind) = match runtime.precompile(&a.file) {
        Ok(r) => r,
        Err(e) => {
            task.fail("failed");
            return Err(convert(e, Some(&a.file)));
        }
    };
    task.ok("done");
    tusk_registry::fsutil::write_atomic(&out, &bytes)
        .map_err(|e| Error::failed(format!("cannot write {}: {e}", out.display())).at(out.display().to_string()))?;
    let data = serde_json::json!({
        "input": a.file,
        "output": out,
        "kind": kind.name(),
        "size": bytes.len(),
        "fuel": eopts.fuel,
        "engine": rt::engine_fingerprint(runtime.engine()),
        "wasmtime": rt::WASMTIME_VERSION,
        "compile_ms": start.elapsed().as_millis() as u64,
    });
    Ok(Output::new(data).text(Cell::styled(
        format!(
            "compiled {} ({}) to {} ({})",
            a.file.display(),
            kind.name(),
            out.display(),
            args::human_size(bytes.len() as u64)
        ),
        Style::Good,
    )))
}

fn inspect(a: FileArg, config: &WasmConfig, ctx: &Context) -> tusk_registry::Result<Output> {
    let mut r = rt::inspect::inspect(&a.file).map_err(|e| convert(e, Some(&a.file)))?;
    if r.kind == "component" {
        // Signatures need wasmtime's view of the component: compile it (or map it from the cache).
        let opts = options(&Limits::default(), &Grants::default(), config, ctx, false)?;
        let runtime = runtime(&opts)?;
        if let rt::Loaded::Component(c) = &load(&runtime, &a.file, ctx)?.code {
            rt::inspect::component_signatures(runtime.engine(), c, &mut r);
        }
    }
    let mut out = Output::new(&r).kv([
        ("file", Cell::from(a.file.display().to_string())),
        ("kind", Cell::from(format!("{} ({})", r.kind, r.encoding))),
        ("size", Cell::from(args::human_size(r.size))),
        ("sha256", Cell::from(r.sha256.clone())),
    ]);
    if let Some(n) = r.core_modules {
        out = out.kv([("core modules", Cell::from(n.to_string()))]);
    }
    let section = |out: Output, title: &str, empty: bool| {
        let o = out.block(tusk_registry::Block::Heading(title.to_string()));
        if empty { o.text(Cell::styled("(none)", Style::Dim)) } else { o }
    };
    out = section(out, "imports", r.imports.is_empty());
    if !r.imports.is_empty() {
        let rows = r
            .imports
            .iter()
            .map(|i| {
                let name = if i.module.is_empty() { i.name.clone() } else { format!("{}::{}", i.module, i.name) };
                vec![Cell::from(name), Cell::from(i.kind.clone()), Cell::from(i.ty.clone())]
            })
            .collect();
        out = out.table(&["NAME", "KIND", "TYPE"], rows);
    }
    out = section(out, "exports", r.exports.is_empty());
    if !r.exports.is_empty() {
        let rows = r.exports.iter().map(|e| vec![Cell::from(e.name.clone()), Cell::from(e.kind.clone()), Cell::from(e.ty.clone())]).collect();
        out = out.table(&["NAME", "KIND", "TYPE"], rows);
    }
    if !r.kind.eq("component") {
        out = section(out, "memories", r.memories.is_empty());
        if !r.memories.is_empty() {
            let rows = r
                .memories
                .iter()
                .map(|m| {
                    let max = m.max_pages.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
                    let mut flags = Vec::new();
                    if m.imported {
                        flags.push("imported");
                    }
                    if m.memory64 {
                        flags.push("memory64");
                    }
                    if m.shared {
                        flags.push("shared");
                    }
                    vec![Cell::from(m.index.to_string()), Cell::from(m.min_pages.to_string()), Cell::from(max), Cell::from(flags.join(","))]
                })
                .collect();
            out = out.table(&["INDEX", "MIN PAGES", "MAX PAGES", "FLAGS"], rows);
        }
        out = section(out, "tables", r.tables.is_empty());
        if !r.tables.is_empty() {
            let rows = r
                .tables
                .iter()
                .map(|t| {
                    vec![
                        Cell::from(t.index.to_string()),
                        Cell::from(t.element.clone()),
                        Cell::from(t.min.to_string()),
                        Cell::from(t.max.map(|m| m.to_string()).unwrap_or_else(|| "-".into())),
                    ]
                })
                .collect();
            out = out.table(&["INDEX", "ELEMENT", "MIN", "MAX"], rows);
        }
    }
    out = section(out, "custom sections", r.custom_sections.is_empty());
    if !r.custom_sections.is_empty() {
        let rows = r.custom_sections.iter().map(|c| vec![Cell::from(c.name.clone()), Cell::from(args::human_size(c.size))]).collect();
        out = out.table(&["NAME", "SIZE"], rows);
    }
    if !r.producers.is_empty() {
        out = out.block(tusk_registry::Block::Heading("producers".into()));
        let rows = r
            .producers
            .iter()
            .map(|p| vec![Cell::from(p.field.clone()), Cell::from(p.name.clone()), Cell::from(p.version.clone())])
            .collect();
        out = out.table(&["FIELD", "NAME", "VERSION"], rows);
    }
    Ok(out)
}

fn validate(a: FileArg) -> tusk_registry::Result<Output> {
    let engine = rt::engine(EngineOptions::default()).map_err(|e| convert(e, None))?;
    let kind: Kind = rt::validate(&engine, &a.file).map_err(|e| convert(e, Some(&a.file)))?;
    Ok(Output::new(serde_json::json!({"file": a.file, "valid": true, "kind": kind.name(), "encoding": kind.encoding()}))
        .text(Cell::styled(format!("{}: valid {} ({})", a.file.display(), kind.name(), kind.encoding()), Style::Good)))
}

fn stats_cache(config: &WasmConfig, ctx: &Context) -> tusk_registry::Result<rt::cache::Cache> {
    let opts = options(&Limits::default(), &Grants::default(), config, ctx, false)?;
    let engine = rt::engine(opts.engine_options()).map_err(|e| convert(e, None))?;
    Ok(rt::cache::Cache::new(cache_dir(ctx), rt::engine_fingerprint(&engine), opts.cache_max_bytes))
}

fn cache_stats(config: &WasmConfig, ctx: &Context) -> tusk_registry::Result<Output> {
    let s = stats_cache(config, ctx)?.stats();
    Ok(Output::new(&s).kv([
        ("directory", Cell::from(s.dir.display().to_string())),
        ("entries", Cell::from(s.entries.to_string())),
        ("other engines' entries", Cell::from(s.foreign_entries.to_string())),
        ("size", Cell::from(args::human_size(s.bytes))),
        ("size bound", Cell::from(args::human_size(s.max_bytes))),
        ("engine", Cell::from(format!("wasmtime {} ({})", rt::WASMTIME_VERSION, s.engine_fingerprint))),
    ]))
}

fn cache_clear(config: &WasmConfig, ctx: &Context) -> tusk_registry::Result<Output> {
    let cache = stats_cache(config, ctx)?;
    let (n, bytes) = cache
        .clear()
        .map_err(|e| Error::failed(format!("cannot clear {}: {e}", cache.root().display())).at(cache.root().display().to_string()))?;
    Ok(Output::new(serde_json::json!({"removed_entries": n, "removed_bytes": bytes, "directory": cache.root()}))
        .text(format!("removed {n} compiled entr{} ({})", if n == 1 { "y" } else { "ies" }, args::human_size(bytes))))
}
