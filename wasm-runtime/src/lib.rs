//! The wasmtime embedding shared by `@wasm` and WebAssembly component plugins.
//!
//! Every wasmtime knob lives in [`Options`]: the part that changes generated code (fuel
//! metering, epoch interruption, the stack limit) becomes an [`EngineOptions`] and picks one
//! [`Engine`] per process; the rest (limits, grants, arguments) is applied per store.
//!
//! * Input kinds are detected from the bytes ([`detect`]): core module, component, `.wat`
//!   text (module or component), or code precompiled by `compile`.
//! * Compiled code is cached on disk ([`cache::Cache`]) keyed by the content hash, the
//!   wasmtime version and a fingerprint of the engine configuration; entries are stored
//!   uncompressed and mapped from disk on load.
//! * Timeouts use epoch interruption, compiled in only when a timeout is asked for (the
//!   checks cost 10–20% on loop-heavy code); fuel is opt-in; memory is bounded by a resource
//!   limiter that traps on a grow past the limit; the wasm stack is bounded by
//!   `max_wasm_stack`. Without epoch checks Ctrl-C ends the process (exit 130), as it ends
//!   the wasmtime CLI.

pub mod cache;
mod detect;
mod exec;
pub mod inspect;
pub mod plugin;

pub use detect::{Kind, Precompiled, detect};
pub use exec::{Frame, InvokeResult, Limit, RunOutcome, Sandbox, Value, ValueType, request_stop};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use wasmtime::component::Component;
use wasmtime::{Config, Engine, Module};

/// wasmtime's version, part of every cache key.
pub const WASMTIME_VERSION: &str = "48.0.8";

/// Default bound of the compiled-code cache (bytes).
pub const DEFAULT_CACHE_MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Exit code used when a limit (`--fuel`, `--max-memory`, `--timeout`, `--max-stack`) stops
/// a guest. Same as `timeout(1)`.
pub const EXIT_LIMIT: u8 = 124;
/// Exit code used when a guest traps (an `unreachable`, an out-of-bounds access…): 128 +
/// SIGABRT, like the wasmtime CLI.
pub const EXIT_TRAP: u8 = 134;

/// A directory made visible to the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    pub host: PathBuf,
    pub guest: String,
    pub read_only: bool,
}

/// Every knob of the embedding. Flags and config files fill this one struct.
#[derive(Debug, Clone)]
pub struct Options {
    /// Instructions' worth of fuel; `None` turns fuel metering off (faster code).
    pub fuel: Option<u64>,
    /// Bytes per linear memory: a grow (or an initial size) above this traps.
    pub max_memory: Option<u64>,
    /// Wall-clock limit, enforced with epoch interruption (which is compiled in only then).
    pub timeout: Option<Duration>,
    /// Maximum wasm stack in bytes (wasmtime's default is 512 KiB).
    pub max_stack: Option<usize>,
    pub dirs: Vec<DirGrant>,
    pub env: Vec<(String, String)>,
    /// Guest arguments after `argv[0]`.
    pub args: Vec<String>,
    /// `argv[0]` seen by the guest (the file name by default).
    pub argv0: Option<String>,
    /// Where compiled code is cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    pub cache_max_bytes: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            fuel: None,
            max_memory: None,
            timeout: None,
            max_stack: None,
            dirs: Vec::new(),
            env: Vec::new(),
            args: Vec::new(),
            argv0: None,
            cache_dir: None,
            cache_max_bytes: DEFAULT_CACHE_MAX_BYTES,
        }
    }
}

impl Options {
    /// The part of the options that decides the engine (and so the compiled code).
    pub fn engine_options(&self) -> EngineOptions {
        EngineOptions { fuel: self.fuel.is_some(), epochs: self.timeout.is_some(), max_stack: self.max_stack, pooling: false }
    }
}

/// What the engine is built from. Two different values mean two engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EngineOptions {
    /// Compile fuel metering into the code.
    pub fuel: bool,
    /// Compile epoch checks (at every function entry and loop header) into the code, so a
    /// running guest can be stopped (`--timeout`, and Ctrl-C with a tidy error). Off by
    /// default, as in the wasmtime CLI: the checks cost 10–20% on loop-heavy code.
    pub epochs: bool,
    pub max_stack: Option<usize>,
    /// Use the pooling allocator (cheap repeated instantiation: plugins, benches).
    pub pooling: bool,
}

/// Errors of the embedding. Converted to tusk's error type by the operator.
#[derive(Debug, thiserror::Error)]
pub enum WasmError {
    /// The input file could not be read.
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    /// The bytes are neither WebAssembly, WebAssembly text nor precompiled code.
    #[error("{path} is not WebAssembly: {detail}")]
    NotWasm { path: PathBuf, detail: String },
    /// WebAssembly that fails to parse, validate or compile (truncated files land here).
    #[error("{path} is not valid WebAssembly: {detail}")]
    Invalid { path: PathBuf, detail: String },
    /// Precompiled code from another wasmtime version or engine configuration.
    #[error("{path} was precompiled for a different engine: {detail}")]
    Incompatible { path: PathBuf, detail: String },
    /// Imports the host does not provide, or a component without `wasi:cli/run`.
    #[error("cannot instantiate {path}: {detail}")]
    Link { path: PathBuf, detail: String },
    /// The guest trapped.
    #[error("wasm trap: {message}")]
    Trap { message: String, frames: Vec<Frame> },
    /// A limit stopped the guest.
    #[error("{limit}")]
    Limit { limit: Limit, frames: Vec<Frame> },
    /// Ctrl-C.
    #[error("interrupted")]
    Interrupted,
    /// Bad value for `invoke` or an unknown export.
    #[error("{0}")]
    Usage(String),
    /// Anything else wasmtime reported.
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = WasmError> = std::result::Result<T, E>;

/// Compiled code ready to instantiate.
#[derive(Clone)]
pub enum Loaded {
    Module(Module),
    Component(Component),
}

/// How [`Runtime::load`] obtained the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeSource {
    /// Compiled now (and stored in the cache if enabled).
    Compiled,
    /// Mapped from the compiled-code cache.
    CacheHit,
    /// The input was precompiled by `compile`.
    Precompiled,
}

/// A loaded program and facts about loading it.
pub struct LoadedProgram {
    pub code: Loaded,
    pub kind: Kind,
    pub source: CodeSource,
    pub sha256: Option<String>,
    pub load_time: Duration,
}

static ENGINES: OnceLock<Mutex<HashMap<EngineOptions, Engine>>> = OnceLock::new();

/// The engine for `opts`, built once per process.
pub fn engine(opts: EngineOptions) -> Result<Engine> {
    let map = ENGINES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut guard = map.lock().map_err(|_| WasmError::Other("engine registry poisoned".into()))?;
    if let Some(e) = guard.get(&opts) {
        return Ok(e.clone());
    }
    let engine = match Engine::new(&engine_config(opts)) {
        Ok(e) => e,
        // The pool reserves its slots (stacks, memories) when the engine is made; under an
        // address-space or data limit (ulimit -v, RLIMIT_DATA) that fails although one
        // instance would fit. The pool only makes repeated instantiation cheaper, so the
        // on-demand allocator does the same work.
        Err(e) if opts.pooling => {
            tracing::debug!("pooling allocator unavailable ({e:#}); using the on-demand allocator");
            Engine::new(&engine_config(EngineOptions { pooling: false, ..opts }))
                .map_err(|e| WasmError::Other(format!("cannot configure wasmtime: {e}")))?
        }
        Err(e) => return Err(WasmError::Other(format!("cannot configure wasmtime: {e}"))),
    };
    guard.insert(opts, engine.clone());
    Ok(engine)
}

/// Whether `engine` compiles epoch checks into code (engines are only made by [`engine`]).
pub(crate) fn has_epochs(engine: &Engine) -> bool {
    let Some(map) = ENGINES.get() else { return false };
    let Ok(guard) = map.lock() else { return false };
    guard.iter().any(|(o, e)| o.epochs && Engine::same(e, engine))
}

/// The one wasmtime configuration.
fn engine_config(opts: EngineOptions) -> Config {
    let mut c = Config::new();
    c.wasm_component_model(true);
    // Proposals real programs use: exceptions (C++ programs such as yosys built with
    // wasm exceptions), tail calls, GC-free reference types, SIMD, bulk memory, multi-memory.
    c.wasm_exceptions(true);
    c.wasm_tail_call(true);
    c.wasm_function_references(true);
    c.wasm_multi_memory(true);
    c.wasm_extended_const(true);
    c.wasm_threads(false);
    c.epoch_interruption(opts.epochs);
    c.consume_fuel(opts.fuel);
    c.parallel_compilation(true);
    if let Some(stack) = opts.max_stack {
        c.max_wasm_stack(stack);
    }
    if opts.pooling {
        let mut pool = wasmtime::PoolingAllocationConfig::default();
        // Sized for plugins (a few instances per process): each memory slot reserves address
        // space (not memory) up front.
        pool.total_component_instances(16).total_core_instances(64).total_memories(32).total_tables(64);
        pool.max_memory_size(1 << 32);
        c.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    }
    c
}

/// Fingerprint of everything that makes compiled code compatible: wasmtime's own
/// compatibility hash (compiler flags, features, tunables) plus its version.
pub fn engine_fingerprint(engine: &Engine) -> String {
    use sha2::Digest;
    use std::hash::{Hash, Hasher};
    struct Sha(sha2::Sha256);
    impl Hasher for Sha {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
    }
    let mut h = Sha(sha2::Sha256::new());
    WASMTIME_VERSION.hash(&mut h);
    engine.precompile_compatibility_hash().hash(&mut h);
    hex::encode(&h.0.finalize()[..12])
}

/// An engine plus the cache: loads, runs, invokes.
pub struct Runtime {
    engine: Engine,
    options: EngineOptions,
    cache: Option<cache::Cache>,
}

impl Runtime {
    /// Builds (or reuses) the engine for `opts` and opens the cache at `cache_dir`.
    pub fn new(opts: EngineOptions, cache_dir: Option<&Path>, cache_max_bytes: u64) -> Result<Runtime> {
        let engine = engine(opts)?;
        let cache = cache_dir.map(|d| cache::Cache::new(d.to_path_buf(), engine_fingerprint(&engine), cache_max_bytes));
        Ok(Runtime { engine, options: opts, cache })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn engine_options(&self) -> EngineOptions {
        self.options
    }

    pub fn cache(&self) -> Option<&cache::Cache> {
        self.cache.as_ref()
    }

    /// Reads, detects and compiles (or maps from the cache) the program at `path`.
    pub fn load(&self, path: &Path) -> Result<LoadedProgram> {
        let start = std::time::Instant::now();
        // Fast path: a file seen before (same path, size, mtime, inode) maps its cached code
        // without reading or hashing the input (66 MB for yosys).
        if let Some(cache) = &self.cache
            && let Some((hash, kind)) = cache.lookup_path(path)
            && let Some(code) = cache.get(&self.engine, &hash, kind.is_component())
        {
            return Ok(LoadedProgram { code, kind, source: CodeSource::CacheHit, sha256: Some(hash), load_time: start.elapsed() });
        }
        // Precompiled code is mapped, never read: look at the header only.
        let mut head = [0u8; 4];
        let n = std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
            .map_err(|source| WasmError::Read { path: path.to_path_buf(), source })?;
        if n == 4 && &head == b"\x7fELF" {
            let inner = match wasmtime::Engine::detect_precompiled_file(path) {
                Ok(Some(wasmtime::Precompiled::Module)) => detect::Precompiled::Module,
                Ok(Some(wasmtime::Precompiled::Component)) => detect::Precompiled::Component,
                _ => {
                    return Err(WasmError::NotWasm {
                        path: path.to_path_buf(),
                        detail: "an ELF file that is not code precompiled by wasmtime".into(),
                    });
                }
            };
            let code = self.load_precompiled(path, inner)?;
            let kind = Kind::Precompiled(inner);
            return Ok(LoadedProgram { code, kind, source: CodeSource::Precompiled, sha256: None, load_time: start.elapsed() });
        }
        let bytes = std::fs::read(path).map_err(|source| WasmError::Read { path: path.to_path_buf(), source })?;
        let loaded = self.load_bytes(path, &bytes, start)?;
        if let (Some(cache), Some(hash)) = (&self.cache, &loaded.sha256) {
            cache.remember_path(path, hash, loaded.kind);
        }
        Ok(loaded)
    }

    fn load_bytes(&self, path: &Path, bytes: &[u8], start: std::time::Instant) -> Result<LoadedProgram> {
        let kind = detect(bytes).map_err(|detail| WasmError::NotWasm { path: path.to_path_buf(), detail })?;
        if let Kind::Precompiled(inner) = kind {
            let code = self.load_precompiled(path, inner)?;
            return Ok(LoadedProgram { code, kind, source: CodeSource::Precompiled, sha256: None, load_time: start.elapsed() });
        }
        // Text is turned into binary first so that the cache key is the binary's hash.
        let binary: std::borrow::Cow<[u8]> = match kind {
            Kind::ModuleText | Kind::ComponentText => std::borrow::Cow::Owned(
                wat_to_binary(path, bytes)?,
            ),
            _ => std::borrow::Cow::Borrowed(bytes),
        };
        let is_component = matches!(kind, Kind::Component | Kind::ComponentText);
        let hash = cache::sha256_hex(&binary);
        if let Some(cache) = &self.cache
            && let Some(code) = cache.get(&self.engine, &hash, is_component)
        {
            return Ok(LoadedProgram { code, kind, source: CodeSource::CacheHit, sha256: Some(hash), load_time: start.elapsed() });
        }
        let invalid = |e: wasmtime::Error| WasmError::Invalid { path: path.to_path_buf(), detail: error_text(&e) };
        let (code, serialized) = if is_component {
            let c = Component::new(&self.engine, &binary).map_err(invalid)?;
            let s = c.serialize().ok();
            (Loaded::Component(c), s)
        } else {
            let m = Module::new(&self.engine, &binary).map_err(invalid)?;
            let s = m.serialize().ok();
            (Loaded::Module(m), s)
        };
        if let (Some(cache), Some(serialized)) = (&self.cache, serialized)
            && let Err(e) = cache.put(&hash, is_component, &serialized)
        {
            tracing::warn!("could not write the compiled-code cache: {e}");
        }
        Ok(LoadedProgram { code, kind, source: CodeSource::Compiled, sha256: Some(hash), load_time: start.elapsed() })
    }

    fn load_precompiled(&self, path: &Path, inner: detect::Precompiled) -> Result<Loaded> {
        let incompatible = |e: wasmtime::Error| WasmError::Incompatible { path: path.to_path_buf(), detail: error_text(&e) };
        // SAFETY: `deserialize_file` trusts the file to be code wasmtime produced. The user
        // named this file explicitly as precompiled code (like `wasmtime run --allow-precompiled`);
        // wasmtime still checks the header, version and engine compatibility and refuses
        // anything else.
        #[allow(unsafe_code)]
        let loaded = unsafe {
            match inner {
                detect::Precompiled::Module => Loaded::Module(Module::deserialize_file(&self.engine, path).map_err(incompatible)?),
                detect::Precompiled::Component => {
                    Loaded::Component(Component::deserialize_file(&self.engine, path).map_err(incompatible)?)
                }
            }
        };
        Ok(loaded)
    }

    /// Compiles `path` ahead of time; returns the serialized code and the detected kind.
    pub fn precompile(&self, path: &Path) -> Result<(Vec<u8>, Kind)> {
        let bytes = std::fs::read(path).map_err(|source| WasmError::Read { path: path.to_path_buf(), source })?;
        let kind = detect(&bytes).map_err(|detail| WasmError::NotWasm { path: path.to_path_buf(), detail })?;
        let invalid = |e: wasmtime::Error| WasmError::Invalid { path: path.to_path_buf(), detail: error_text(&e) };
        // Text is turned into binary here so a syntax error names the file (wasmtime's own
        // text support says `<anon>`).
        let bytes = match kind {
            Kind::ModuleText | Kind::ComponentText => wat_to_binary(path, &bytes)?,
            _ => bytes,
        };
        let out = match kind {
            Kind::Precompiled(_) => {
                return Err(WasmError::Usage(format!("{} is already precompiled", path.display())));
            }
            Kind::Module | Kind::ModuleText => self.engine.precompile_module(&bytes).map_err(invalid)?,
            Kind::Component | Kind::ComponentText => self.engine.precompile_component(&bytes).map_err(invalid)?,
        };
        Ok((out, kind))
    }

    /// Runs a program's entry point (`_start` of a module, `wasi:cli/run` of a component).
    pub fn run(&self, program: &LoadedProgram, path: &Path, opts: &Options, cancel: Arc<std::sync::atomic::AtomicBool>) -> Result<RunOutcome> {
        exec::run(&self.engine, program, path, opts, cancel)
    }

    /// Calls one exported function of a core module with typed arguments.
    pub fn invoke(
        &self,
        program: &LoadedProgram,
        path: &Path,
        export: &str,
        args: &[String],
        opts: &Options,
        cancel: Arc<std::sync::atomic::AtomicBool>,
    ) -> Result<InvokeResult> {
        exec::invoke(&self.engine, program, path, export, args, opts, cancel)
    }
}

/// WebAssembly text to binary; a syntax error is located in `path` (`x.wat:3:1`, not the
/// parser's `<anon>:3:1`).
pub(crate) fn wat_to_binary(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    wat::parse_bytes(bytes).map(|b| b.into_owned()).map_err(|mut e| {
        e.set_path(path);
        WasmError::Invalid { path: path.to_path_buf(), detail: e.to_string() }
    })
}

/// Validates bytes with the engine's feature set (no code generation).
pub fn validate(engine: &Engine, path: &Path) -> Result<Kind> {
    let bytes = std::fs::read(path).map_err(|source| WasmError::Read { path: path.to_path_buf(), source })?;
    let kind = detect(&bytes).map_err(|detail| WasmError::NotWasm { path: path.to_path_buf(), detail })?;
    let invalid = |detail: String| WasmError::Invalid { path: path.to_path_buf(), detail };
    let binary = match kind {
        Kind::ModuleText | Kind::ComponentText => wat_to_binary(path, &bytes)?,
        Kind::Precompiled(inner) => {
            // Loading checks the header and engine compatibility.
            let rt = Runtime { engine: engine.clone(), options: EngineOptions::default(), cache: None };
            rt.load_precompiled(path, inner)?;
            return Ok(kind);
        }
        _ => bytes,
    };
    match kind {
        Kind::Module | Kind::ModuleText => Module::validate(engine, &binary).map_err(|e| invalid(error_text(&e)))?,
        _ => {
            let mut v = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
            v.validate_all(&binary).map_err(|e| invalid(e.to_string()))?;
        }
    }
    Ok(kind)
}

/// An error's message with its causes, one line.
pub(crate) fn error_text(e: &wasmtime::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        // The backtrace is reported separately, not inlined into the message.
        let s = c.to_string();
        if s.starts_with("error while executing at wasm backtrace") {
            continue;
        }
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn text_errors_name_the_file_for_every_verb() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.wat");
        std::fs::write(&path, "(module\n  (func\n").unwrap();
        let want = format!("{}:3:1", path.display());
        let rt = Runtime::new(EngineOptions::default(), None, 0).unwrap();
        let errors = [
            rt.precompile(&path).err().map(|e| e.to_string()),
            rt.load(&path).err().map(|e| e.to_string()),
            validate(rt.engine(), &path).err().map(|e| e.to_string()),
            inspect::inspect(&path).err().map(|e| e.to_string()),
        ];
        for e in errors {
            let e = e.expect("truncated text is an error");
            assert!(e.contains(&want) && !e.contains("<anon>"), "{e}");
        }
    }

    /// `count(n)` loops n times; `spin` never returns.
    const LOOPS: &str = r#"(module
      (func (export "count") (param $n i32) (result i32) (local $i i32)
        (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
                 (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $i))
      (func (export "spin") (loop $l (br $l))))"#;

    fn write_wat(dir: &Path) -> PathBuf {
        let p = dir.join("loops.wat");
        std::fs::write(&p, LOOPS).unwrap();
        p
    }

    #[test]
    fn only_a_timeout_compiles_epoch_checks_in() {
        let none = Options::default().engine_options();
        assert!(!none.epochs && !none.fuel);
        let fuel = Options { fuel: Some(10), ..Options::default() }.engine_options();
        assert!(!fuel.epochs && fuel.fuel);
        let timeout = Options { timeout: Some(Duration::from_secs(1)), ..Options::default() }.engine_options();
        assert!(timeout.epochs && !timeout.fuel);
        // Memory and stack limits, grants and the cache never add checks to the code.
        let other = Options { max_memory: Some(1 << 20), max_stack: Some(1 << 20), ..Options::default() }.engine_options();
        assert!(!other.epochs && !other.fuel);
    }

    #[test]
    fn code_without_epochs_has_no_epoch_checks() {
        let bytes = wat::parse_str(LOOPS).unwrap();
        let run_with_expired_deadline = |opts: EngineOptions| {
            let engine = engine(opts).unwrap();
            let module = Module::new(&engine, &bytes).unwrap();
            let mut store = wasmtime::Store::new(&engine, ());
            // A deadline that has already passed: any epoch check in the code traps.
            store.set_epoch_deadline(0);
            store.epoch_deadline_trap();
            let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
            let count = instance.get_typed_func::<i32, i32>(&mut store, "count").unwrap();
            count.call(&mut store, 1000)
        };
        assert_eq!(run_with_expired_deadline(EngineOptions::default()).unwrap(), 1000);
        let err = run_with_expired_deadline(EngineOptions { epochs: true, ..EngineOptions::default() }).unwrap_err();
        assert_eq!(err.downcast_ref::<wasmtime::Trap>(), Some(&wasmtime::Trap::Interrupt));
        assert!(has_epochs(&engine(EngineOptions { epochs: true, ..EngineOptions::default() }).unwrap()));
        assert!(!has_epochs(&engine(EngineOptions::default()).unwrap()));
    }

    #[test]
    fn every_code_changing_option_has_its_own_fingerprint_and_cache_entries() {
        let variants = [
            EngineOptions::default(),
            EngineOptions { epochs: true, ..EngineOptions::default() },
            EngineOptions { fuel: true, ..EngineOptions::default() },
            EngineOptions { fuel: true, epochs: true, ..EngineOptions::default() },
        ];
        let prints: Vec<String> = variants.iter().map(|o| engine_fingerprint(&engine(*o).unwrap())).collect();
        let unique: std::collections::HashSet<&String> = prints.iter().collect();
        assert_eq!(unique.len(), variants.len(), "{prints:?}");

        // Code compiled with epoch checks is never served to an engine without, and back.
        let d = tempfile::tempdir().unwrap();
        let wat = write_wat(d.path());
        let cache = d.path().join("cache");
        let plain = Runtime::new(variants[0], Some(&cache), u64::MAX).unwrap();
        let epochs = Runtime::new(variants[1], Some(&cache), u64::MAX).unwrap();
        assert_eq!(plain.load(&wat).unwrap().source, CodeSource::Compiled);
        assert_eq!(epochs.load(&wat).unwrap().source, CodeSource::Compiled);
        assert_eq!(plain.load(&wat).unwrap().source, CodeSource::CacheHit);
        assert_eq!(epochs.load(&wat).unwrap().source, CodeSource::CacheHit);

        // Precompiled code says which engine it needs.
        let (cwasm, _) = plain.precompile(&wat).unwrap();
        let out = d.path().join("loops.cwasm");
        std::fs::write(&out, cwasm).unwrap();
        assert_eq!(plain.load(&out).unwrap().source, CodeSource::Precompiled);
        assert!(matches!(epochs.load(&out), Err(WasmError::Incompatible { .. })));
    }

    #[test]
    fn timeout_and_cancel_stop_a_spinning_guest() {
        let d = tempfile::tempdir().unwrap();
        let wat = write_wat(d.path());
        let opts = Options { timeout: Some(Duration::from_millis(200)), ..Options::default() };
        let rt = Runtime::new(opts.engine_options(), None, 0).unwrap();
        let program = rt.load(&wat).unwrap();
        let started = std::time::Instant::now();
        let err = rt.invoke(&program, &wat, "spin", &[], &opts, Arc::new(AtomicBool::new(false))).err().unwrap();
        assert!(matches!(err, WasmError::Limit { limit: Limit::Timeout { timeout_ms: 200 }, .. }), "{err:?}");
        assert!(started.elapsed() >= Duration::from_millis(200));

        // Ctrl-C while a (long) timeout is armed: the epoch checks stop the guest with a typed error.
        let opts = Options { timeout: Some(Duration::from_secs(60)), ..Options::default() };
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let setter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
        });
        let err = rt.invoke(&program, &wat, "spin", &[], &opts, cancel).err().unwrap();
        setter.join().unwrap();
        assert!(matches!(err, WasmError::Interrupted), "{err:?}");
    }

    /// Without `--timeout` no watchdog thread runs: Ctrl-C reaches the guest through
    /// `request_stop`, from the thread that sees it.
    #[test]
    fn request_stop_interrupts_a_guest_without_a_watchdog_thread() {
        let d = tempfile::tempdir().unwrap();
        let wat = write_wat(d.path());
        let opts = Options::default();
        let rt = Runtime::new(EngineOptions { epochs: true, ..EngineOptions::default() }, None, 0).unwrap();
        let program = rt.load(&wat).unwrap();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            request_stop(&flag);
        });
        let err = rt.invoke(&program, &wat, "spin", &[], &opts, cancel).err().unwrap();
        stopper.join().unwrap();
        assert!(matches!(err, WasmError::Interrupted), "{err:?}");
    }

    #[test]
    fn a_guest_without_limits_runs_to_the_end() {
        let d = tempfile::tempdir().unwrap();
        let wat = write_wat(d.path());
        let opts = Options::default();
        let rt = Runtime::new(opts.engine_options(), None, 0).unwrap();
        let program = rt.load(&wat).unwrap();
        let r = rt.invoke(&program, &wat, "count", &["5000000".into()], &opts, Arc::new(AtomicBool::new(false))).unwrap();
        assert_eq!(r.results, vec![Value::I32(5_000_000)]);
    }
}
