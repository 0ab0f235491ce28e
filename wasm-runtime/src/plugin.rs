//! Hosting `tusk:plugin@0.1.0` components (wit/plugin.wit): describe, run, and the three
//! capability-gated host interfaces (log, fs, http).

use crate::exec::{Limiter, Watchdog, arm};
use crate::{Loaded, LoadedProgram, Options, WasmError, error_text};
use std::path::{Component as PathComponent, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use wasmtime::component::HasSelf;
use wasmtime::{Engine, Store};

wasmtime::component::bindgen!({
    path: "wit",
    world: "plugin",
});

pub use tusk::plugin::http::Response;
pub use tusk::plugin::log::Level;
/// The plugin's error record (`Error` in the WIT world).
pub type PluginError = Error;
/// The plugin's output record (`Output` in the WIT world).
pub type PluginOutput = Output;

/// One capability, parsed from its string form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capability {
    /// `log`
    Log,
    /// `dir` (the working directory) or `dir=/host/path`; read-only.
    Dir(Option<PathBuf>),
    /// `http:HOST`
    Http(String),
}

impl Capability {
    pub fn parse(s: &str) -> Result<Capability, String> {
        match s {
            "log" => Ok(Capability::Log),
            "dir" => Ok(Capability::Dir(None)),
            _ => {
                if let Some(p) = s.strip_prefix("dir=") {
                    if p.is_empty() {
                        return Err("`dir=` needs a path".into());
                    }
                    return Ok(Capability::Dir(Some(PathBuf::from(p))));
                }
                if let Some(h) = s.strip_prefix("http:") {
                    let ok = !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':');
                    if ok {
                        return Ok(Capability::Http(h.to_ascii_lowercase()));
                    }
                    return Err(format!("`{s}`: http capabilities name one host, like http:api.example.com"));
                }
                Err(format!("unknown capability `{s}` (known: log, dir, dir=PATH, http:HOST)"))
            }
        }
    }
}

/// What a plugin may use in one run.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    pub log: bool,
    /// Root of the `fs` interface (canonical), if granted.
    pub dir: Option<PathBuf>,
    pub http_hosts: Vec<String>,
}

impl Grants {
    /// From granted capability strings; `cwd` is the root of a plain `dir` grant.
    pub fn from_strings(granted: &[String], cwd: &Path) -> Result<Grants, String> {
        let mut g = Grants::default();
        for s in granted {
            match Capability::parse(s)? {
                Capability::Log => g.log = true,
                Capability::Dir(p) => {
                    let root = p.unwrap_or_else(|| cwd.to_path_buf());
                    let canon = root.canonicalize().map_err(|e| format!("granted directory {}: {e}", root.display()))?;
                    g.dir = Some(canon);
                }
                Capability::Http(h) => g.http_hosts.push(h),
            }
        }
        Ok(g)
    }
}

/// Where log lines go (tusk's stderr through the operator).
pub type LogSink = Arc<dyn Fn(Level, &str) + Send + Sync>;
/// Performs an allowed HTTP GET: (status, body).
pub type HttpGet = Arc<dyn Fn(&str) -> Result<(u16, Vec<u8>), String> + Send + Sync>;

struct State {
    plugin: String,
    grants: Grants,
    log: LogSink,
    http: HttpGet,
    limiter: Limiter,
    dropped_logs: bool,
}

fn refused(cap: &str, plugin: &str) -> String {
    format!("capability `{cap}` was not granted to plugin `{plugin}`")
}

impl tusk::plugin::log::Host for State {
    fn log(&mut self, level: Level, message: String) {
        if self.grants.log {
            (self.log)(level, &message);
        } else if !self.dropped_logs {
            self.dropped_logs = true;
            tracing::info!("{}; its log messages are dropped", refused("log", &self.plugin));
        }
    }
}

impl State {
    /// Resolves a guest path inside the granted directory, refusing escapes.
    fn resolve(&self, path: &str) -> Result<PathBuf, String> {
        let Some(root) = &self.grants.dir else { return Err(refused("dir", &self.plugin)) };
        let rel = Path::new(path);
        if rel.is_absolute() {
            return Err(format!("`{path}`: paths are relative to the granted directory"));
        }
        if rel.components().any(|c| matches!(c, PathComponent::ParentDir | PathComponent::Prefix(_) | PathComponent::RootDir)) {
            return Err(format!("`{path}`: `..` may not leave the granted directory"));
        }
        let full = root.join(rel);
        let canon = full.canonicalize().map_err(|e| format!("{path}: {e}"))?;
        if !canon.starts_with(root) {
            return Err(format!("`{path}` leaves the granted directory (through a symlink)"));
        }
        Ok(canon)
    }
}

impl tusk::plugin::fs::Host for State {
    fn read_file(&mut self, path: String) -> Result<Vec<u8>, String> {
        let p = self.resolve(&path)?;
        std::fs::read(&p).map_err(|e| format!("{path}: {e}"))
    }
    fn list_dir(&mut self, path: String) -> Result<Vec<String>, String> {
        let p = self.resolve(if path.is_empty() { "." } else { &path })?;
        let mut names: Vec<String> = std::fs::read_dir(&p)
            .map_err(|e| format!("{path}: {e}"))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }
}

/// The host of an `http://` or `https://` URL, lowercased, without port.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(stripped) = host_port.strip_prefix('[') {
        stripped.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

impl tusk::plugin::http::Host for State {
    fn get(&mut self, url: String) -> Result<Response, String> {
        let Some(host) = url_host(&url) else { return Err(format!("`{url}` is not an http(s) URL")) };
        if !self.grants.http_hosts.iter().any(|h| h == &host || h.split(':').next() == Some(host.as_str())) {
            return Err(refused(&format!("http:{host}"), &self.plugin));
        }
        let (status, body) = (self.http)(&url)?;
        Ok(Response { status, body })
    }
}

/// Everything a plugin run needs from the operator.
pub struct Host {
    pub plugin: String,
    pub grants: Grants,
    pub log: LogSink,
    pub http: HttpGet,
}

fn instantiate(
    engine: &Engine,
    program: &LoadedProgram,
    path: &Path,
    host: Host,
    opts: &Options,
    watchdog: &Watchdog,
    cancel: Arc<AtomicBool>,
) -> Result<(Store<State>, Plugin), WasmError> {
    let Loaded::Component(component) = &program.code else {
        return Err(WasmError::Usage(format!("{} is a core module; plugins are components of the tusk:plugin world", path.display())));
    };
    let state = State {
        plugin: host.plugin,
        grants: host.grants,
        log: host.log,
        http: host.http,
        limiter: Limiter::new(opts.max_memory),
        dropped_logs: false,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limiter);
    arm(&mut store, opts, watchdog, cancel)?;
    let mut linker: wasmtime::component::Linker<State> = wasmtime::component::Linker::new(engine);
    Plugin::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s).map_err(|e| WasmError::Other(error_text(&e)))?;
    let plugin = Plugin::instantiate(&mut store, component, &linker).map_err(|e| WasmError::Link {
        path: path.to_path_buf(),
        detail: format!("{} (is it built for tusk:plugin@0.1.0? see docs/plugin-abi.md)", error_text(&e)),
    })?;
    Ok((store, plugin))
}

/// Calls `describe` with no capabilities.
pub fn describe(engine: &Engine, program: &LoadedProgram, path: &Path, host: Host, opts: &Options) -> Result<Description, WasmError> {
    let cancel = Arc::new(AtomicBool::new(false));
    let watchdog = Watchdog::start(engine, opts.timeout, cancel.clone());
    let (mut store, plugin) = instantiate(engine, program, path, host, opts, &watchdog, cancel)?;
    plugin.call_describe(&mut store).map_err(|e| crate::exec::classify_plugin(e, opts))
}

/// Calls `run(verb, args)`.
#[allow(clippy::too_many_arguments)]
pub fn run(
    engine: &Engine,
    program: &LoadedProgram,
    path: &Path,
    host: Host,
    verb: &str,
    args: &[String],
    opts: &Options,
    cancel: Arc<AtomicBool>,
) -> Result<Result<PluginOutput, PluginError>, WasmError> {
    let watchdog = Watchdog::start(engine, opts.timeout, cancel.clone());
    let (mut store, plugin) = instantiate(engine, program, path, host, opts, &watchdog, cancel)?;
    plugin.call_run(&mut store, verb, args).map_err(|e| crate::exec::classify_plugin(e, opts))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_parse() {
        assert_eq!(Capability::parse("log").unwrap(), Capability::Log);
        assert_eq!(Capability::parse("dir").unwrap(), Capability::Dir(None));
        assert_eq!(Capability::parse("dir=/srv").unwrap(), Capability::Dir(Some("/srv".into())));
        assert_eq!(Capability::parse("http:API.example.com").unwrap(), Capability::Http("api.example.com".into()));
        assert!(Capability::parse("http:").is_err());
        assert!(Capability::parse("http:a/b").is_err());
        assert!(Capability::parse("network").unwrap_err().contains("unknown capability"));
    }

    #[test]
    fn hosts_of_urls() {
        assert_eq!(url_host("https://API.example.com/x?y").as_deref(), Some("api.example.com"));
        assert_eq!(url_host("http://user@h.test:8080/").as_deref(), Some("h.test"));
        assert_eq!(url_host("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(url_host("ftp://x"), None);
    }

    #[test]
    fn fs_paths_stay_inside_the_grant() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.txt"), "a").unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path().join("secret"), d.path().join("sub/link")).unwrap();
        let grants = Grants::from_strings(&["dir".into()], d.path()).unwrap();
        let s = State {
            plugin: "t".into(),
            grants,
            log: Arc::new(|_, _| {}),
            http: Arc::new(|_| Err("no".into())),
            limiter: Limiter::new(None),
            dropped_logs: false,
        };
        assert!(s.resolve("a.txt").is_ok());
        assert!(s.resolve("../x").unwrap_err().contains("may not leave"));
        assert!(s.resolve("/etc/passwd").unwrap_err().contains("relative"));
        #[cfg(unix)]
        assert!(s.resolve("sub/link").unwrap_err().contains("symlink"));
        let none = State { grants: Grants::default(), ..s };
        assert!(none.resolve("a.txt").unwrap_err().contains("capability `dir` was not granted"));
    }
}
