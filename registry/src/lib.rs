//! The operator registry: the [`Operator`] trait every built-in implements, the registry that
//! the CLI dispatches through, plugin discovery, layered config and the audit log.
//!
//! Registration is free: an operator's [`OperatorInfo`] and clap command are plain data.
//! Nothing here starts an SDK, wasmtime or the network.

pub mod audit;
pub mod config;
pub mod duration;
pub mod error;
pub mod exit;
pub mod fsutil;
pub mod operator;
pub mod output;
pub mod paths;
pub mod plugin;
pub mod progress;
pub mod redact;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{Error, ErrorKind, Result};
pub use exit::ExitStatus;
pub use operator::{Alias, CheckStatus, Context, DoctorCheck, Interaction, Invocation, Operator, OperatorInfo, OutputFormat};
pub use output::{Block, Cell, Output, Style};
pub use progress::{Progress, ProgressSink, Task, TaskOutcome};

use plugin::{ComponentRunner, PluginKind, PluginRecord};
use std::sync::{Arc, OnceLock};

/// What a name typed after `@` refers to.
pub enum Resolved {
    Builtin { operator: Arc<dyn Operator>, preset: Option<String> },
    Plugin(PluginRecord),
}

/// A row of `tusk operators`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OperatorSummary {
    pub name: String,
    pub aliases: Vec<String>,
    pub kind: String,
    pub version: String,
    pub verbs: Vec<String>,
    pub summary: String,
}

/// All operators this tusk knows: built-ins registered at startup, plugins discovered on
/// first use.
pub struct Registry {
    builtins: Vec<Arc<dyn Operator>>,
    plugins: OnceLock<Vec<PluginRecord>>,
    plugin_dir: std::path::PathBuf,
    describe_cache: std::path::PathBuf,
    path_var: Option<std::ffi::OsString>,
    component_runner: Option<Arc<dyn ComponentRunner>>,
}

/// An `@name` that matches nothing, with close names.
#[derive(Debug)]
pub struct UnknownOperator {
    pub name: String,
    pub suggestions: Vec<String>,
}

impl Registry {
    pub fn new(paths: &paths::Paths) -> Self {
        Registry {
            builtins: Vec::new(),
            plugins: OnceLock::new(),
            plugin_dir: paths.plugin_dir(),
            describe_cache: paths.cache("plugins-v1.json"),
            path_var: std::env::var_os("PATH"),
            component_runner: None,
        }
    }

    pub fn register(&mut self, op: Arc<dyn Operator>) {
        self.builtins.push(op);
    }

    pub fn set_component_runner(&mut self, runner: Arc<dyn ComponentRunner>) {
        self.component_runner = Some(runner);
    }

    pub fn component_runner(&self) -> Option<&Arc<dyn ComponentRunner>> {
        self.component_runner.as_ref()
    }

    pub fn plugin_dir(&self) -> &std::path::Path {
        &self.plugin_dir
    }

    pub fn builtins(&self) -> &[Arc<dyn Operator>] {
        &self.builtins
    }

    /// Discovered plugins (process plugins from the plugin dir and PATH, component plugins
    /// from the plugin dir). Discovery runs once per process.
    pub fn plugins(&self) -> &[PluginRecord] {
        self.plugins.get_or_init(|| {
            let found = plugin::process::discover(&self.plugin_dir, self.path_var.as_deref());
            let mut all = plugin::store::components(&self.plugin_dir);
            let process = plugin::process::load_records(
                found.into_iter().filter(|(n, _, _)| !all.iter().any(|c| &c.name == n)).collect(),
                &self.describe_cache,
            );
            all.extend(process);
            all.sort_by(|a, b| a.name.cmp(&b.name));
            all
        })
    }

    fn builtin_named(&self, name: &str) -> Option<(Arc<dyn Operator>, Option<String>)> {
        for op in &self.builtins {
            let info = op.info();
            if info.name == name {
                return Some((op.clone(), None));
            }
            if let Some(a) = info.aliases.iter().find(|a| a.name == name) {
                return Some((op.clone(), a.preset.map(str::to_string)));
            }
        }
        None
    }

    /// Whether `name` is a built-in operator name or alias.
    pub fn is_builtin_name(&self, name: &str) -> bool {
        self.builtin_named(name).is_some()
    }

    /// Plugins shadowed by a built-in of the same name (built-ins win).
    pub fn shadowed_plugins(&self) -> Vec<&PluginRecord> {
        self.plugins().iter().filter(|p| self.is_builtin_name(&p.name)).collect()
    }

    /// Resolves `name` (without `@`). Built-ins win over plugins; plugins are only looked
    /// for when no built-in matches, so a built-in verb never waits on plugin discovery.
    pub fn resolve(&self, name: &str) -> std::result::Result<Resolved, UnknownOperator> {
        if let Some((operator, preset)) = self.builtin_named(name) {
            return Ok(Resolved::Builtin { operator, preset });
        }
        if let Some(p) = self.plugins().iter().find(|p| p.name == name) {
            return Ok(Resolved::Plugin(p.clone()));
        }
        Err(UnknownOperator { name: name.to_string(), suggestions: suggest(name, self.all_names()) })
    }

    fn all_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for op in &self.builtins {
            let info = op.info();
            names.push(info.name.to_string());
            names.extend(info.aliases.iter().map(|a| a.name.to_string()));
        }
        names.extend(self.plugins().iter().map(|p| p.name.clone()));
        names
    }

    /// Built-ins only: what `tusk operators` lists without touching the disk.
    pub fn builtin_summaries(&self) -> Vec<OperatorSummary> {
        self.builtins
            .iter()
            .map(|op| {
                let info = op.info();
                let cmd = op.command();
                OperatorSummary {
                    name: info.name.to_string(),
                    aliases: info.aliases.iter().map(|a| a.name.to_string()).collect(),
                    kind: "built-in".to_string(),
                    version: info.version.to_string(),
                    verbs: cmd.get_subcommands().filter(|s| !s.is_hide_set()).map(|s| s.get_name().to_string()).collect(),
                    summary: info.summary.to_string(),
                }
            })
            .collect()
    }

    /// Every operator, built-ins first, then plugins that are not shadowed.
    pub fn summaries(&self) -> Vec<OperatorSummary> {
        let mut out = self.builtin_summaries();
        for p in self.plugins() {
            if self.is_builtin_name(&p.name) {
                continue;
            }
            out.push(OperatorSummary {
                name: p.name.clone(),
                aliases: Vec::new(),
                kind: match p.kind {
                    PluginKind::Process => "plugin".to_string(),
                    PluginKind::Component => "plugin (wasm)".to_string(),
                },
                version: p.version(),
                verbs: p.verbs(),
                summary: p.summary(),
            });
        }
        out
    }
}

/// Names within a small edit distance of `input`, closest first.
pub fn suggest(input: &str, candidates: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut scored: Vec<(f64, String)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, &c), c))
        .filter(|(s, c)| *s >= 0.8 || (c.starts_with(input) && !input.is_empty()))
        .collect();
    scored.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal).then(a.1.cmp(&b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}
