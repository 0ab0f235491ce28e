//! The component-plugin runner: `tusk plugin install x.wasm` describes a component through
//! it, `tusk @name verb …` runs one verb of an installed component under its grants.
//!
//! Creating the runner costs nothing: wasmtime starts on the first describe or run.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use tusk_registry::plugin::{PLUGIN_ABI, PluginDescription, PluginRecord, VerbDescription, store};
use tusk_registry::{Cell, Context, Error, ExitStatus, Output};
use tusk_wasm_runtime::plugin::{self as wp, Capability, Grants, Host, Level};
use tusk_wasm_runtime::{EngineOptions, Options, Runtime};

/// Limits every plugin call runs under.
pub const PLUGIN_FUEL: u64 = 20_000_000_000;
pub const PLUGIN_MAX_MEMORY: u64 = 256 << 20;
pub const PLUGIN_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct WasmComponentRunner;

impl WasmComponentRunner {
    pub fn new() -> Self {
        WasmComponentRunner
    }
}

fn plugin_options(cache_dir: PathBuf) -> Options {
    Options {
        fuel: Some(PLUGIN_FUEL),
        max_memory: Some(PLUGIN_MAX_MEMORY),
        timeout: Some(PLUGIN_TIMEOUT),
        cache_dir: Some(cache_dir),
        ..Options::default()
    }
}

fn runtime(opts: &Options) -> tusk_registry::Result<Runtime> {
    let eopts = EngineOptions { pooling: true, ..opts.engine_options() };
    Runtime::new(eopts, opts.cache_dir.as_deref(), opts.cache_max_bytes).map_err(|e| crate::error::convert(e, None))
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}

/// HTTP GET for hosts the user granted; runs on the plugin's (blocking) thread.
fn http_get() -> wp::HttpGet {
    Arc::new(|url: &str| {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| "no async runtime for HTTP".to_string())?;
        let url = url.to_string();
        handle.block_on(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .user_agent(concat!("tusk/", env!("CARGO_PKG_VERSION"), " (wasm plugin)"))
                .build()
                .map_err(|e| e.to_string())?;
            let resp = client.get(&url).send().await.map_err(|e| format!("GET {url}: {e}"))?;
            let status = resp.status().as_u16();
            let body = resp.bytes().await.map_err(|e| format!("GET {url}: {e}"))?;
            Ok((status, body.to_vec()))
        })
    })
}

/// A core module is refused from its 8-byte header, before it is parsed: a truncated or
/// invalid module would otherwise be reported as such, not as the wrong kind of file.
fn refuse_core_module(path: &Path) -> tusk_registry::Result<()> {
    use std::io::Read;
    let mut head = Vec::with_capacity(8);
    // Unreadable files are reported by the load that follows.
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(8).read_to_end(&mut head);
    }
    if head.len() == 8 && matches!(tusk_wasm_runtime::detect(&head), Ok(tusk_wasm_runtime::Kind::Module)) {
        return Err(Error::usage(format!("{} is a core module; plugins are components of the tusk:plugin world", path.display()))
            .at(path.display().to_string())
            .with_hint("build the plugin as a component (`cargo component build`, or `wasm-tools component new` on the module)"));
    }
    Ok(())
}

fn describe_blocking(path: &Path, cache_dir: PathBuf) -> tusk_registry::Result<(PluginDescription, serde_json::Value)> {
    let opts = plugin_options(cache_dir);
    refuse_core_module(path)?;
    let rt = runtime(&opts)?;
    let program = rt.load(path).map_err(|e| crate::error::convert(e, Some(path)))?;
    let host = Host {
        plugin: path.display().to_string(),
        grants: Grants::default(),
        log: Arc::new(|_, _| {}),
        http: Arc::new(|_| Err("describe runs without capabilities".into())),
    };
    let d = wp::describe(rt.engine(), &program, path, host, &opts).map_err(|e| crate::error::convert(e, Some(path)))?;
    for c in &d.capabilities {
        Capability::parse(c).map_err(|why| {
            Error::usage(format!("{} asks for an invalid capability: {why}", path.display())).at(path.display().to_string())
        })?;
    }
    if !tusk_registry::plugin::valid_name(&d.name) {
        return Err(Error::usage(format!("{} describes itself with the invalid name `{}`", path.display(), d.name))
            .at(path.display().to_string())
            .with_hint("plugin names use lowercase letters, digits and '-'"));
    }
    let description = PluginDescription {
        tusk_plugin: PLUGIN_ABI,
        name: Some(d.name.clone()),
        summary: d.summary.clone(),
        version: d.version.clone(),
        verbs: d.verbs.iter().map(|v| VerbDescription { name: v.name.clone(), summary: v.summary.clone(), args: v.args.clone() }).collect(),
    };
    Ok((description, serde_json::json!(d.capabilities)))
}

fn sha256_file(path: &Path) -> tusk_registry::Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::failed(format!("cannot read {}: {e}", path.display())))?;
    Ok(tusk_wasm_runtime::cache::sha256_hex(&bytes))
}

fn run_blocking(
    plugin: &PluginRecord,
    verb: &str,
    args: &[String],
    ctx: &Context,
    cancel: Arc<AtomicBool>,
) -> tusk_registry::Result<Output> {
    let name = plugin.name.clone();
    let plugin_dir = plugin.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let sidecar = store::read_sidecar(&plugin_dir, &name)?;
    if sha256_file(&plugin.path)? != sidecar.sha256 {
        return Err(Error::failed(format!("plugin `{name}` changed on disk since it was installed ({})", plugin.path.display()))
            .with_hint(format!("reinstall it: `tusk plugin install <file> …` (or remove it: `tusk plugin remove {name}`)")));
    }
    let granted: Vec<String> = plugin
        .grants
        .as_ref()
        .and_then(|g| g.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let cwd = std::env::current_dir().map_err(|e| Error::failed(format!("cannot read the working directory: {e}")))?;
    let grants = Grants::from_strings(&granted, &cwd)
        .map_err(|why| Error::failed(format!("plugin `{name}` has an unusable grant: {why}")).with_hint("reinstall the plugin"))?;
    let progress = ctx.progress.clone();
    let log_name = name.clone();
    let host = Host {
        plugin: name.clone(),
        grants,
        log: Arc::new(move |level, msg| progress.notice(format!("@{log_name} {}: {msg}", level_name(level)))),
        http: http_get(),
    };
    let opts = plugin_options(ctx.paths.cache("wasm"));
    let rt = runtime(&opts)?;
    let program = rt.load(&plugin.path).map_err(|e| crate::error::convert(e, Some(&plugin.path)))?;
    let result = wp::run(rt.engine(), &program, &plugin.path, host, verb, args, &opts, cancel).map_err(|e| {
        let err = crate::error::convert(e, None);
        let message = format!("plugin `@{name}` failed: {}", err.message);
        Error { message, ..err }
    })?;
    match result {
        Ok(out) => {
            let data = match &out.data {
                Some(json) => serde_json::from_str(json).map_err(|e| {
                    Error::failed(format!("plugin `@{name}` returned invalid JSON data: {e}"))
                        .with_hint("a plugin's output.data must be JSON text (or none)")
                })?,
                None => serde_json::json!({ "text": out.text }),
            };
            let mut o = Output::new(data);
            if !out.text.is_empty() {
                o = o.lines(out.text.iter().map(|l| Cell::from(l.clone())));
            }
            Ok(o)
        }
        Err(e) => {
            let mut err = Error::failed(e.message.clone()).at(format!("@{name} {verb}"));
            if let Some(h) = &e.hint {
                err = err.with_hint(h.clone());
            }
            if let Some(code) = e.code
                && code != 1
            {
                err = err.with_exit(ExitStatus::Code(code));
            }
            Err(err)
        }
    }
}

#[async_trait::async_trait]
impl tusk_registry::plugin::ComponentRunner for WasmComponentRunner {
    async fn describe(&self, component: &Path) -> tusk_registry::Result<(PluginDescription, serde_json::Value)> {
        let path = component.to_path_buf();
        let cache = tusk_registry::paths::Paths::from_env().cache("wasm");
        match tokio::task::spawn_blocking(move || describe_blocking(&path, cache)).await {
            Ok(r) => r,
            Err(e) => Err(Error::failed(format!("the wasm worker stopped unexpectedly: {e}"))),
        }
    }

    async fn run(&self, plugin: &PluginRecord, verb: &str, args: &[String], ctx: Context) -> tusk_registry::Result<Output> {
        let cancel = crate::runtime::cancel_flag(&ctx);
        let plugin = plugin.clone();
        let verb = verb.to_string();
        let args = args.to_vec();
        match tokio::task::spawn_blocking(move || run_blocking(&plugin, &verb, &args, &ctx, cancel)).await {
            Ok(r) => r,
            Err(e) => Err(Error::failed(format!("the wasm worker stopped unexpectedly: {e}"))),
        }
    }
}
