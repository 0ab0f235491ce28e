//! Plugin operators.
//!
//! Kind 1, process plugins: executables named `tusk-<name>` in the plugin directory or on
//! `PATH`, like cargo and kubectl plugins. They describe themselves with `--tusk-describe`
//! (JSON, see [`PluginDescription`]) and run with the global flags passed as `TUSK_*`
//! variables; their exit code is forwarded unchanged.
//!
//! Kind 2, component plugins: sandboxed WebAssembly components in the plugin directory
//! (`<name>.wasm` with a `<name>.plugin.json` sidecar written at install). The registry only
//! finds and lists them; running them is the job of a [`ComponentRunner`] that the CLI
//! provides (so that listing never starts wasmtime).
//!
//! Protocol documented in docs/plugins.md.

pub mod process;
pub mod store;

use crate::error::Result;
use crate::operator::Context;
use crate::output::Output;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The plugin protocol version this tusk speaks.
pub const PLUGIN_ABI: u32 = 1;

/// What `tusk-<name> --tusk-describe` prints (and what a component's `describe` returns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginDescription {
    /// Protocol version; must be [`PLUGIN_ABI`].
    pub tusk_plugin: u32,
    /// The operator name; defaults to the part after `tusk-` in the file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub summary: String,
    pub version: String,
    #[serde(default)]
    pub verbs: Vec<VerbDescription>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerbDescription {
    pub name: String,
    #[serde(default)]
    pub summary: String,
    /// Argument names for help output (informational).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginKind {
    Process,
    Component,
}

/// Where a plugin was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginSource {
    /// The tusk plugin directory.
    PluginDir,
    /// A directory on `PATH`.
    Path,
}

/// A discovered plugin, described or broken.
#[derive(Debug, Clone, Serialize)]
pub struct PluginRecord {
    pub name: String,
    pub kind: PluginKind,
    pub path: PathBuf,
    pub source: PluginSource,
    /// `Err` holds why the plugin cannot be used (crashes on describe, invalid JSON…).
    #[serde(skip)]
    pub description: std::result::Result<PluginDescription, String>,
    /// Capabilities granted at install (component plugins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grants: Option<serde_json::Value>,
}

impl PluginRecord {
    pub fn summary(&self) -> String {
        match &self.description {
            Ok(d) => d.summary.clone(),
            Err(e) => format!("broken: {e}"),
        }
    }
    pub fn version(&self) -> String {
        self.description.as_ref().map(|d| d.version.clone()).unwrap_or_else(|_| "?".into())
    }
    pub fn verbs(&self) -> Vec<String> {
        self.description.as_ref().map(|d| d.verbs.iter().map(|v| v.name.clone()).collect()).unwrap_or_default()
    }
}

/// Runs component plugins; provided by the CLI when it is built with wasm support.
#[async_trait::async_trait]
pub trait ComponentRunner: Send + Sync {
    /// Reads a component's self-description (used by `tusk plugin install`).
    async fn describe(&self, component: &Path) -> Result<(PluginDescription, serde_json::Value)>;
    /// Runs one verb of an installed component plugin under its granted capabilities.
    async fn run(&self, plugin: &PluginRecord, verb: &str, args: &[String], ctx: Context) -> Result<Output>;
}

/// Checks a description against the protocol.
pub fn validate_description(d: &PluginDescription) -> std::result::Result<(), String> {
    if d.tusk_plugin != PLUGIN_ABI {
        return Err(format!("speaks plugin protocol {} but this tusk speaks {PLUGIN_ABI}", d.tusk_plugin));
    }
    if let Some(n) = &d.name
        && !valid_name(n)
    {
        return Err(format!("invalid operator name `{}` (use lowercase letters, digits and '-')", shown(n)));
    }
    Ok(())
}

/// `text` as a message may show it: control characters (a NUL, an escape sequence) written as
/// `\0`, `\u{1b}`, so what is shown is what was refused and a terminal is not driven by it.
pub fn shown(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_debug().collect() } else { c.to_string() }).collect()
}

/// Operator names: lowercase ASCII letters, digits and `-`, starting with a letter.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
