//! `[wasm]` in config files: defaults for the limits and the compiled-code cache. Flags beat
//! these.

use serde::Deserialize;

/// `[wasm]` in config files. Flags beat these.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WasmConfig {
    /// Default `--fuel`.
    pub fuel: Option<u64>,
    /// Default `--max-memory` (`256MiB`).
    pub max_memory: Option<String>,
    /// Default `--timeout` (`30s`), in the duration grammar of `tusk_registry::duration`.
    pub timeout: Option<String>,
    /// Default `--max-stack` (`1MiB`).
    pub max_stack: Option<String>,
    /// Compiled-code cache on (default) or off.
    pub cache: Option<bool>,
    /// Size bound of the compiled-code cache (`2GiB` by default).
    pub cache_max_size: Option<String>,
}
