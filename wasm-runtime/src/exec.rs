//! Instantiating and running guests: WASI preview 1 for core modules, WASI 0.2 for
//! components, limits, and turning wasmtime's errors into [`WasmError`].

use crate::{LoadedProgram, Loaded, Options, WasmError, error_text};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store, Trap, UpdateDeadline, Val, ValType};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// How often the epoch is bumped once a guest must stop (until it reaches an epoch check).
const TICK: Duration = Duration::from_millis(10);
/// How often the watchdog looks at the Ctrl-C flag.
const CANCEL_POLL: Duration = Duration::from_millis(25);

/// Which limit stopped a guest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "limit", rename_all = "kebab-case")]
pub enum Limit {
    Fuel { fuel: u64 },
    Memory { max_bytes: u64, requested_bytes: u64 },
    Timeout { timeout_ms: u64 },
    Stack { max_bytes: Option<usize> },
    /// The host (a ulimit, RLIMIT_DATA, the machine) could not provide the linear memory the
    /// guest declares; no `--max-memory` refused it first.
    HostMemory { requested_bytes: u64 },
}

impl Limit {
    pub fn flag(&self) -> &'static str {
        match self {
            Limit::Fuel { .. } => "--fuel",
            Limit::Memory { .. } => "--max-memory",
            Limit::Timeout { .. } => "--timeout",
            Limit::Stack { .. } => "--max-stack",
            Limit::HostMemory { .. } => "--max-memory",
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Fuel { fuel } => write!(f, "fuel exhausted: the guest used all {fuel} units of fuel"),
            Limit::Memory { max_bytes, requested_bytes } => write!(
                f,
                "memory limit exceeded: the guest asked for {requested_bytes} bytes of linear memory, over the limit of {max_bytes} bytes"
            ),
            Limit::Timeout { timeout_ms } => write!(f, "timeout: the guest ran longer than {}", human_ms(*timeout_ms)),
            Limit::Stack { max_bytes: Some(b) } => write!(f, "stack overflow: the guest exhausted its {b}-byte wasm stack"),
            Limit::Stack { max_bytes: None } => write!(f, "stack overflow: the guest exhausted the default 512 KiB wasm stack"),
            Limit::HostMemory { requested_bytes } => write!(
                f,
                "out of memory: the guest declares {requested_bytes} bytes of linear memory and the host could not provide them"
            ),
        }
    }
}

fn human_ms(ms: u64) -> String {
    if ms.is_multiple_of(1000) { format!("{}s", ms / 1000) } else { format!("{ms}ms") }
}

/// One frame of a wasm backtrace, innermost first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Frame {
    pub module: Option<String>,
    pub func_index: u32,
    pub func_name: Option<String>,
    /// Offset of the instruction within the module.
    pub module_offset: Option<usize>,
}

impl std::fmt::Display for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let module = self.module.as_deref().unwrap_or("<module>");
        match &self.func_name {
            Some(n) => write!(f, "{module}!{n}")?,
            None => write!(f, "{module}!<wasm function {}>", self.func_index)?,
        }
        if let Some(o) = self.module_offset {
            write!(f, " @ {o:#x}")?;
        }
        Ok(())
    }
}

/// A guest that ran to completion (it may have exited with a non-zero code).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunOutcome {
    pub exit_code: i32,
    pub fuel_consumed: Option<u64>,
    #[serde(skip)]
    pub elapsed: Duration,
}

/// The typed value of `invoke`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    /// A component value in the WAVE text format (`[1, 2]`, `{x: 1, y: -2}`, `ok(3)`).
    Wave(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::I32(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::F32(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v}"),
            Value::Wave(v) => f.write_str(v),
        }
    }
}

/// A parameter or result type, as printed.
pub type ValueType = String;

#[derive(Debug, Clone, serde::Serialize)]
pub struct InvokeResult {
    pub export: String,
    pub params: Vec<ValueType>,
    pub results: Vec<Value>,
    pub fuel_consumed: Option<u64>,
}

/// Errors raised by our own host hooks inside wasm execution.
#[derive(Debug)]
enum HostStop {
    Limit(Limit),
    Interrupted,
}

impl std::fmt::Display for HostStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostStop::Limit(l) => l.fmt(f),
            HostStop::Interrupted => f.write_str("interrupted"),
        }
    }
}
impl std::error::Error for HostStop {}

/// Memory limiter: a grow past the limit traps (so a memory bomb stops with a clear error
/// instead of a confusing malloc failure later).
pub(crate) struct Limiter {
    pub(crate) max_memory: Option<u64>,
    /// The last memory size the guest asked for (to name it when the host cannot provide it).
    pub(crate) requested: u64,
}

impl Limiter {
    pub(crate) fn new(max_memory: Option<u64>) -> Limiter {
        Limiter { max_memory, requested: 0 }
    }
}

/// Whether instantiating failed because the host could not map the guest's memory (ENOMEM
/// from mmap under a ulimit or RLIMIT_DATA), which is a resource limit, not a wasmtime fault.
fn is_host_out_of_memory(e: &wasmtime::Error) -> bool {
    // wasmtime maps memory through rustix, whose `Errno` is not a `std::io::Error`: both
    // print the OS error number.
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.raw_os_error() == Some(ENOMEM))
            || c.to_string().contains(&format!("(os error {})", ENOMEM))
    })
}

/// ENOMEM on Linux, macOS and the BSDs.
const ENOMEM: i32 = 12;

fn host_out_of_memory(limiter: &Limiter) -> WasmError {
    WasmError::Limit { limit: Limit::HostMemory { requested_bytes: limiter.requested }, frames: Vec::new() }
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.requested = desired as u64;
        match self.max_memory {
            Some(max) if desired as u64 > max => {
                Err(wasmtime::Error::new(HostStop::Limit(Limit::Memory { max_bytes: max, requested_bytes: desired as u64 })))
            }
            _ => Ok(true),
        }
    }
    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// Sandbox grants made concrete for one store.
pub struct Sandbox;

impl Sandbox {
    /// A WASI context with only what `opts` grants: the given arguments and environment,
    /// the listed directories, and stdio passthrough.
    pub fn wasi(opts: &Options, argv0: &str) -> Result<WasiCtxBuilder, WasmError> {
        let mut b = WasiCtxBuilder::new();
        // Guests run on their own blocking thread: do file I/O right there instead of
        // handing every call to tokio's blocking pool (10x faster on file-heavy guests).
        b.allow_blocking_current_thread(true);
        b.inherit_stdio();
        b.arg(opts.argv0.as_deref().unwrap_or(argv0));
        b.args(&opts.args);
        b.envs(&opts.env);
        for d in &opts.dirs {
            let perms = if d.read_only { FsPerms::ReadOnly } else { FsPerms::ReadWrite };
            b.preopened_dir(&d.host, &d.guest, perms).map_err(|e| {
                WasmError::Usage(format!("cannot open directory {} for --dir: {}", d.host.display(), error_text(&e)))
            })?;
        }
        Ok(b)
    }
}

struct P1State {
    wasi: WasiP1Ctx,
    limiter: Limiter,
}

struct P2State {
    ctx: WasiCtx,
    table: ResourceTable,
    limiter: Limiter,
}

impl WasiView for P2State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.ctx, table: &mut self.table }
    }
}

/// Watches a running guest. With `--timeout` it is a thread: at the deadline or on Ctrl-C it
/// bumps the engine's epoch, so the guest's next epoch check calls the deadline callback set
/// by [`arm`], which stops it with a typed error. It does nothing else while the guest runs
/// (the epoch is not ticked periodically, so the callback does not run every few
/// milliseconds). Without a timeout no thread is started (nothing to wait for): the guest is
/// registered so that [`request_stop`] (Ctrl-C) can stop it from the canceller's thread.
/// Code compiled without epoch checks cannot be stopped from outside: then Ctrl-C (or a
/// deadline) ends the process at once, as it ends the wasmtime CLI. Stops when dropped.
pub(crate) struct Watchdog {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    deadline: Option<Instant>,
    /// The cancel flag this guest is registered under in [`UNWATCHED`] (no thread).
    registered: Option<Arc<AtomicBool>>,
}

/// Guests running without a watchdog thread: their cancel flag and engine.
static UNWATCHED: Mutex<Vec<(Arc<AtomicBool>, Engine)>> = Mutex::new(Vec::new());

/// Cancels the guest run under `cancel` (Ctrl-C): sets the flag, which a watchdog thread
/// or the epoch callback reads; for a guest without a watchdog thread, bumps the epoch so
/// its next check stops it, or, when its code has no epoch checks, ends the process with
/// 130 as the wasmtime CLI does.
pub fn request_stop(cancel: &Arc<AtomicBool>) {
    cancel.store(true, Ordering::SeqCst);
    let running = UNWATCHED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, engine)) = running.iter().find(|(flag, _)| Arc::ptr_eq(flag, cancel)) {
        if crate::has_epochs(engine) {
            engine.increment_epoch();
        } else {
            exit_now(130, "interrupted");
        }
    }
}

impl Watchdog {
    pub(crate) fn start(engine: &Engine, timeout: Option<Duration>, cancel: Arc<AtomicBool>) -> Watchdog {
        let Some(timeout) = timeout else {
            let mut running = UNWATCHED.lock().unwrap_or_else(|p| p.into_inner());
            // Cancelled before the guest started: stop it the way a cancel during the run would.
            if cancel.load(Ordering::SeqCst) && !crate::has_epochs(engine) {
                exit_now(130, "interrupted");
            }
            running.push((cancel.clone(), engine.clone()));
            return Watchdog { stop: None, thread: None, deadline: None, registered: Some(cancel) };
        };
        let deadline = Some(Instant::now() + timeout);
        let timeout = Some(timeout);
        let epochs = crate::has_epochs(engine);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let engine = engine.clone();
        let thread = std::thread::Builder::new()
            .name("tusk-wasm-watchdog".into())
            .spawn(move || {
                let mut fired = false;
                loop {
                    let wait = match deadline {
                        _ if fired => TICK,
                        Some(at) => at.saturating_duration_since(Instant::now()).min(CANCEL_POLL),
                        None => CANCEL_POLL,
                    };
                    // A send or the sender's drop (the guest finished) ends the loop at once.
                    if !matches!(rx.recv_timeout(wait), Err(std::sync::mpsc::RecvTimeoutError::Timeout)) {
                        return;
                    }
                    let cancelled = cancel.load(Ordering::Relaxed);
                    let expired = deadline.is_some_and(|at| Instant::now() >= at);
                    if !epochs {
                        if cancelled {
                            exit_now(130, "interrupted");
                        }
                        if let (true, Some(t)) = (expired, timeout) {
                            let limit = Limit::Timeout { timeout_ms: t.as_millis() as u64 };
                            exit_now(i32::from(crate::EXIT_LIMIT), &limit.to_string());
                        }
                        continue;
                    }
                    // Once fired, keep bumping: a store sharing this engine whose own
                    // deadline has not come answers `Continue`, ours must still stop.
                    if fired || cancelled || expired {
                        fired = true;
                        engine.increment_epoch();
                    }
                }
            })
            .ok();
        Watchdog { stop: Some(tx), thread, deadline, registered: None }
    }

    /// The instant the guest's time is up (`--timeout`), shared with the deadline callback.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(flag) = self.registered.take() {
            let mut running = UNWATCHED.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(i) = running.iter().position(|(f, _)| Arc::ptr_eq(f, &flag)) {
                running.swap_remove(i);
            }
        }
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Ends the process from the watchdog thread when the guest's code has no epoch checks and
/// so cannot be stopped any other way. The guest thread is still running, so the error
/// cannot travel back to the CLI's renderer: print it in the same shape (`error: …`).
fn exit_now(code: i32, message: &str) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    std::process::exit(code)
}

/// Applies fuel, the epoch deadline callback (timeout + cancellation) and the limiter.
pub(crate) fn arm<T: Send + 'static>(
    store: &mut Store<T>,
    opts: &Options,
    watchdog: &Watchdog,
    cancel: Arc<AtomicBool>,
) -> Result<(), WasmError> {
    if let Some(fuel) = opts.fuel {
        store.set_fuel(fuel).map_err(|e| WasmError::Other(error_text(&e)))?;
    }
    if !crate::has_epochs(store.engine()) {
        return Ok(());
    }
    let deadline = watchdog.deadline().zip(opts.timeout);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        if cancel.load(Ordering::Relaxed) {
            return Err(wasmtime::Error::new(HostStop::Interrupted));
        }
        if let Some((at, t)) = deadline
            && Instant::now() >= at
        {
            return Err(wasmtime::Error::new(HostStop::Limit(Limit::Timeout { timeout_ms: t.as_millis() as u64 })));
        }
        Ok(UpdateDeadline::Continue(1))
    });
    Ok(())
}

fn fuel_used<T>(store: &Store<T>, opts: &Options) -> Option<u64> {
    let start = opts.fuel?;
    store.get_fuel().ok().map(|left| start.saturating_sub(left))
}

/// Frames of the wasm backtrace attached to `e`, innermost first.
fn frames(e: &wasmtime::Error) -> Vec<Frame> {
    let Some(bt) = e.downcast_ref::<wasmtime::WasmBacktrace>() else { return Vec::new() };
    bt.frames()
        .iter()
        .map(|f| Frame {
            module: f.module().name().map(str::to_string),
            func_index: f.func_index(),
            func_name: f.func_name().map(str::to_string),
            module_offset: f.module_offset(),
        })
        .collect()
}

/// Turns an error out of guest execution into an exit code or a [`WasmError`].
fn classify(e: wasmtime::Error, opts: &Options) -> Result<i32, WasmError> {
    if let Some(exit) = e.downcast_ref::<I32Exit>() {
        return Ok(exit.0);
    }
    let frames = frames(&e);
    if let Some(stop) = e.downcast_ref::<HostStop>() {
        return Err(match stop {
            HostStop::Limit(l) => WasmError::Limit { limit: l.clone(), frames },
            HostStop::Interrupted => WasmError::Interrupted,
        });
    }
    if let Some(trap) = e.downcast_ref::<Trap>() {
        return Err(match trap {
            Trap::OutOfFuel => WasmError::Limit { limit: Limit::Fuel { fuel: opts.fuel.unwrap_or(0) }, frames },
            Trap::StackOverflow => WasmError::Limit { limit: Limit::Stack { max_bytes: opts.max_stack }, frames },
            Trap::Interrupt => WasmError::Interrupted,
            other => {
                let text = other.to_string();
                let message = text.strip_prefix("wasm trap: ").unwrap_or(&text).to_string();
                WasmError::Trap { message, frames }
            }
        });
    }
    Err(WasmError::Other(error_text(&e)))
}

fn link_error(path: &Path, e: &wasmtime::Error) -> WasmError {
    WasmError::Link { path: path.to_path_buf(), detail: error_text(e) }
}

fn argv0(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "main.wasm".into())
}

pub(crate) fn run(engine: &Engine, program: &LoadedProgram, path: &Path, opts: &Options, cancel: Arc<AtomicBool>) -> Result<RunOutcome, WasmError> {
    let start = Instant::now();
    let limiter = Limiter::new(opts.max_memory);
    let watchdog = Watchdog::start(engine, opts.timeout, cancel.clone());
    match &program.code {
        Loaded::Module(module) => {
            let wasi = Sandbox::wasi(opts, &argv0(path))?.build_p1();
            let mut store = Store::new(engine, P1State { wasi, limiter });
            store.limiter(|s| &mut s.limiter);
            arm(&mut store, opts, &watchdog, cancel)?;
            let mut linker: wasmtime::Linker<P1State> = wasmtime::Linker::new(engine);
            wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s| &mut s.wasi).map_err(|e| WasmError::Other(error_text(&e)))?;
            let instance = match linker.instantiate(&mut store, module) {
                Ok(i) => i,
                Err(e) if is_host_out_of_memory(&e) => return Err(host_out_of_memory(&store.data().limiter)),
                Err(e) if is_link_error(&e) => return Err(link_error(path, &e)),
                Err(e) => {
                    let code = classify(e, opts)?;
                    return Ok(RunOutcome { exit_code: code, fuel_consumed: fuel_used(&store, opts), elapsed: start.elapsed() });
                }
            };
            let entry = instance.get_typed_func::<(), ()>(&mut store, "_start").map_err(|_| {
                WasmError::Usage(format!(
                    "{} has no `_start` export (it is a library, not a command); call one of its exports with `tusk @wasm invoke`",
                    path.display()
                ))
            })?;
            let code = match entry.call(&mut store, ()) {
                Ok(()) => 0,
                Err(e) => classify(e, opts)?,
            };
            Ok(RunOutcome { exit_code: code, fuel_consumed: fuel_used(&store, opts), elapsed: start.elapsed() })
        }
        Loaded::Component(component) => {
            let ctx = Sandbox::wasi(opts, &argv0(path))?.build();
            let mut store = Store::new(engine, P2State { ctx, table: ResourceTable::new(), limiter });
            store.limiter(|s| &mut s.limiter);
            arm(&mut store, opts, &watchdog, cancel)?;
            let mut linker: wasmtime::component::Linker<P2State> = wasmtime::component::Linker::new(engine);
            wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| WasmError::Other(error_text(&e)))?;
            let command = match wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, component, &linker) {
                Ok(c) => c,
                Err(e) if is_host_out_of_memory(&e) => return Err(host_out_of_memory(&store.data().limiter)),
                Err(e) if is_link_error(&e) => return Err(link_error(path, &e)),
                Err(e) => {
                    let code = classify(e, opts)?;
                    return Ok(RunOutcome { exit_code: code, fuel_consumed: fuel_used(&store, opts), elapsed: start.elapsed() });
                }
            };
            let code = match command.wasi_cli_run().call_run(&mut store) {
                Ok(Ok(())) => 0,
                Ok(Err(())) => 1,
                Err(e) => classify(e, opts)?,
            };
            Ok(RunOutcome { exit_code: code, fuel_consumed: fuel_used(&store, opts), elapsed: start.elapsed() })
        }
    }
}

/// Whether an instantiation error is about linking (missing or mistyped imports, no
/// `wasi:cli/run`) rather than a trap in a start function.
fn is_link_error(e: &wasmtime::Error) -> bool {
    if e.downcast_ref::<Trap>().is_some() || e.downcast_ref::<HostStop>().is_some() || e.downcast_ref::<I32Exit>().is_some() {
        return false;
    }
    let text = error_text(e);
    text.contains("import") || text.contains("export") || text.contains("type mismatch") || text.contains("instance")
}

fn type_name(t: &ValType) -> String {
    match t {
        ValType::I32 => "i32".into(),
        ValType::I64 => "i64".into(),
        ValType::F32 => "f32".into(),
        ValType::F64 => "f64".into(),
        ValType::V128 => "v128".into(),
        ValType::Ref(r) => r.to_string(),
    }
}

fn parse_value(t: &ValType, s: &str, i: usize) -> Result<Val, WasmError> {
    let bad = |what: &str| WasmError::Usage(format!("argument {} `{s}` is not a valid {what}", i + 1));
    Ok(match t {
        ValType::I32 => {
            // Accept the signed and the unsigned range (wasm i32 has no sign).
            match s.parse::<i32>() {
                Ok(v) => Val::I32(v),
                Err(_) => Val::I32(s.parse::<u32>().map_err(|_| bad("i32"))? as i32),
            }
        }
        ValType::I64 => match s.parse::<i64>() {
            Ok(v) => Val::I64(v),
            Err(_) => Val::I64(s.parse::<u64>().map_err(|_| bad("i64"))? as i64),
        },
        ValType::F32 => Val::F32(s.parse::<f32>().map_err(|_| bad("f32"))?.to_bits()),
        ValType::F64 => Val::F64(s.parse::<f64>().map_err(|_| bad("f64"))?.to_bits()),
        other => return Err(WasmError::Usage(format!("parameter {} has type {}, which invoke cannot pass", i + 1, type_name(other)))),
    })
}

pub(crate) fn invoke(
    engine: &Engine,
    program: &LoadedProgram,
    path: &Path,
    export: &str,
    args: &[String],
    opts: &Options,
    cancel: Arc<AtomicBool>,
) -> Result<crate::InvokeResult, WasmError> {
    let module = match &program.code {
        Loaded::Module(m) => m,
        Loaded::Component(c) => return invoke_component(engine, c, path, export, args, opts, cancel),
    };
    let watchdog = Watchdog::start(engine, opts.timeout, cancel.clone());
    let wasi = Sandbox::wasi(opts, &argv0(path))?.build_p1();
    let mut store = Store::new(engine, P1State { wasi, limiter: Limiter::new(opts.max_memory) });
    store.limiter(|s| &mut s.limiter);
    arm(&mut store, opts, &watchdog, cancel)?;
    let mut linker: wasmtime::Linker<P1State> = wasmtime::Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s| &mut s.wasi).map_err(|e| WasmError::Other(error_text(&e)))?;
    let instance = match linker.instantiate(&mut store, module) {
        Ok(i) => i,
        Err(e) if is_host_out_of_memory(&e) => return Err(host_out_of_memory(&store.data().limiter)),
        Err(e) if is_link_error(&e) => return Err(link_error(path, &e)),
        Err(e) => return Err(exit_as_error(classify(e, opts))),
    };
    // Reactors initialise themselves in `_initialize`.
    if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
        init.call(&mut store, ()).map_err(|e| exit_as_error(classify(e, opts)))?;
    }
    let Some(func) = instance.get_func(&mut store, export) else {
        let names: Vec<String> = module
            .exports()
            .filter(|e| matches!(e.ty(), wasmtime::ExternType::Func(_)))
            .map(|e| e.name().to_string())
            .collect();
        return Err(WasmError::Usage(format!(
            "{} has no exported function `{export}` (exported functions: {})",
            path.display(),
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        )));
    };
    let ty = func.ty(&store);
    let params: Vec<ValType> = ty.params().collect();
    if params.len() != args.len() {
        let sig: Vec<String> = params.iter().map(type_name).collect();
        return Err(WasmError::Usage(format!(
            "`{export}` takes {} argument{} ({}) but {} {} given",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            sig.join(", "),
            args.len(),
            if args.len() == 1 { "was" } else { "were" }
        )));
    }
    let vals: Vec<Val> = params.iter().zip(args).enumerate().map(|(i, (t, a))| parse_value(t, a, i)).collect::<Result<_, _>>()?;
    let mut results: Vec<Val> = ty.results().map(|_| Val::I32(0)).collect();
    if let Err(e) = func.call(&mut store, &vals, &mut results) {
        return Err(exit_as_error(classify(e, opts)));
    }
    let results = results
        .iter()
        .map(|v| match v {
            Val::I32(x) => Ok(crate::Value::I32(*x)),
            Val::I64(x) => Ok(crate::Value::I64(*x)),
            Val::F32(x) => Ok(crate::Value::F32(f32::from_bits(*x))),
            Val::F64(x) => Ok(crate::Value::F64(f64::from_bits(*x))),
            _ => Err(WasmError::Usage(format!("`{export}` returned a value invoke cannot print"))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::InvokeResult {
        export: export.to_string(),
        params: params.iter().map(type_name).collect(),
        results,
        fuel_consumed: fuel_used(&store, opts),
    })
}

/// Errors out of a plugin call (a plugin has no exit code of its own).
pub(crate) fn classify_plugin(e: wasmtime::Error, opts: &Options) -> WasmError {
    exit_as_error(classify(e, opts))
}

/// During `invoke`, a guest calling `proc_exit` is reported as an error.
fn exit_as_error(r: Result<i32, WasmError>) -> WasmError {
    match r {
        Ok(code) => WasmError::Other(format!("the guest called proc_exit({code})")),
        Err(e) => e,
    }
}

/// Finds a component export: `name`, or `interface#name` for a function inside an exported
/// interface.
fn component_func(
    store: &mut Store<P2State>,
    instance: &wasmtime::component::Instance,
    export: &str,
) -> Option<wasmtime::component::Func> {
    match export.split_once('#') {
        Some((iface, name)) => {
            let i = instance.get_export_index(&mut *store, None, iface)?;
            let f = instance.get_export_index(&mut *store, Some(&i), name)?;
            instance.get_func(&mut *store, f)
        }
        None => {
            let f = instance.get_export_index(&mut *store, None, export)?;
            instance.get_func(&mut *store, f)
        }
    }
}

fn component_export_names(component: &wasmtime::component::Component, engine: &Engine) -> Vec<String> {
    use wasmtime::component::types::ComponentItem;
    let mut out = Vec::new();
    for (name, item) in component.component_type().exports(engine) {
        match item.ty {
            ComponentItem::ComponentFunc(_) => out.push(name.to_string()),
            ComponentItem::ComponentInstance(inst) => {
                for (f, it) in inst.exports(engine) {
                    if matches!(it.ty, ComponentItem::ComponentFunc(_)) {
                        out.push(format!("{name}#{f}"));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn wave_type(t: &wasmtime::component::Type) -> String {
    wasmtime::component::wasm_wave::wasm::DisplayType(t).to_string()
}

/// Calls a component export with arguments in the WAVE text format.
fn invoke_component(
    engine: &Engine,
    component: &wasmtime::component::Component,
    path: &Path,
    export: &str,
    args: &[String],
    opts: &Options,
    cancel: Arc<AtomicBool>,
) -> Result<crate::InvokeResult, WasmError> {
    use wasmtime::component::Val as CVal;
    use wasmtime::component::wasm_wave;
    let watchdog = Watchdog::start(engine, opts.timeout, cancel.clone());
    let ctx = Sandbox::wasi(opts, &argv0(path))?.build();
    let mut store = Store::new(engine, P2State { ctx, table: ResourceTable::new(), limiter: Limiter::new(opts.max_memory) });
    store.limiter(|s| &mut s.limiter);
    arm(&mut store, opts, &watchdog, cancel)?;
    let mut linker: wasmtime::component::Linker<P2State> = wasmtime::component::Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| WasmError::Other(error_text(&e)))?;
    let instance = match linker.instantiate(&mut store, component) {
        Ok(i) => i,
        Err(e) if is_host_out_of_memory(&e) => return Err(host_out_of_memory(&store.data().limiter)),
        Err(e) if is_link_error(&e) => return Err(link_error(path, &e)),
        Err(e) => return Err(exit_as_error(classify(e, opts))),
    };
    let Some(func) = component_func(&mut store, &instance, export) else {
        let names = component_export_names(component, engine);
        return Err(WasmError::Usage(format!(
            "{} has no exported function `{export}` (exported functions: {})",
            path.display(),
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        )));
    };
    let ty = func.ty(&store);
    let params: Vec<(String, wasmtime::component::Type)> = ty.params().map(|(n, t)| (n.to_string(), t)).collect();
    let sig: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {}", wave_type(t))).collect();
    if params.len() != args.len() {
        return Err(WasmError::Usage(format!(
            "`{export}` takes {} argument{} ({}) but {} {} given",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            sig.join(", "),
            args.len(),
            if args.len() == 1 { "was" } else { "were" }
        )));
    }
    let mut vals = Vec::with_capacity(args.len());
    for (i, ((name, t), a)) in params.iter().zip(args).enumerate() {
        let v: CVal = wasm_wave::from_str(t, a).map_err(|e| {
            WasmError::Usage(format!(
                "argument {} ({name}: {}) `{a}` is not a valid WAVE value: {e}",
                i + 1,
                wave_type(t)
            ))
        })?;
        vals.push(v);
    }
    let mut results: Vec<CVal> = ty.results().map(|_| CVal::Bool(false)).collect();
    if let Err(e) = func.call(&mut store, &vals, &mut results) {
        return Err(exit_as_error(classify(e, opts)));
    }
    let results = results
        .iter()
        .map(|v| wasm_wave::to_string(v).map(crate::Value::Wave).map_err(|e| WasmError::Other(format!("cannot print a result: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::InvokeResult { export: export.to_string(), params: sig, results, fuel_consumed: fuel_used(&store, opts) })
}
