//! Every environment variable tusk reads, and the directories derived from them.
//! Declared in one place so docs/config.md can list them all.

use std::path::{Path, PathBuf};

/// Environment variables tusk reads (besides the per-key `TUSK_<SECTION>__<KEY>` config
/// overrides, see [`crate::config`]).
pub mod env {
    /// Root for tusk's data (plugins). Default `$XDG_DATA_HOME/tusk`.
    pub const TUSK_HOME: &str = "TUSK_HOME";
    /// A config file used instead of the discovered project `tusk.toml`.
    pub const TUSK_CONFIG: &str = "TUSK_CONFIG";
    /// Default output format (`text|json|yaml`); also passed to process plugins.
    pub const TUSK_OUTPUT: &str = "TUSK_OUTPUT";
    /// `1` for dry run; passed to process plugins.
    pub const TUSK_DRY_RUN: &str = "TUSK_DRY_RUN";
    /// Verbosity `-1..=2`; passed to process plugins.
    pub const TUSK_VERBOSE: &str = "TUSK_VERBOSE";
    /// `auto|always|never`; passed to process plugins.
    pub const TUSK_COLOR: &str = "TUSK_COLOR";
    /// `1` to hide progress; passed to process plugins.
    pub const TUSK_NO_PROGRESS: &str = "TUSK_NO_PROGRESS";
    /// The alias the user typed; passed to process plugins.
    pub const TUSK_INVOKED_AS: &str = "TUSK_INVOKED_AS";
    /// tusk's version; passed to process plugins.
    pub const TUSK_VERSION: &str = "TUSK_VERSION";
    /// The plugin protocol version (currently `1`); passed to process plugins.
    pub const TUSK_PLUGIN_ABI: &str = "TUSK_PLUGIN_ABI";
    /// Log filter for `tracing` (overrides `-v`).
    pub const TUSK_LOG: &str = "TUSK_LOG";
    /// Colour off, whatever the flags say (<https://no-color.org>).
    pub const NO_COLOR: &str = "NO_COLOR";
    pub const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
    pub const XDG_DATA_HOME: &str = "XDG_DATA_HOME";
    pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
    pub const XDG_STATE_HOME: &str = "XDG_STATE_HOME";
    pub const HOME: &str = "HOME";
}

/// The directories tusk uses. Computed once from the environment.
#[derive(Debug, Clone)]
pub struct Paths {
    /// `$XDG_CONFIG_HOME/tusk` (user config.toml).
    pub config_dir: PathBuf,
    /// `$TUSK_HOME` or `$XDG_DATA_HOME/tusk`.
    pub data_dir: PathBuf,
    /// `$XDG_CACHE_HOME/tusk`; operators keep versioned buckets below it.
    pub cache_dir: PathBuf,
    /// `$XDG_STATE_HOME/tusk` (audit log).
    pub state_dir: PathBuf,
}

fn xdg(var: &str, home_rel: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() && Path::new(&v).is_absolute() => PathBuf::from(v),
        _ => home().join(home_rel),
    }
}

fn home() -> PathBuf {
    std::env::var_os(env::HOME).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"))
}

impl Paths {
    pub fn from_env() -> Self {
        let data_dir = match std::env::var_os(env::TUSK_HOME) {
            Some(v) if !v.is_empty() => PathBuf::from(v),
            _ => xdg(env::XDG_DATA_HOME, ".local/share").join("tusk"),
        };
        Paths {
            config_dir: xdg(env::XDG_CONFIG_HOME, ".config").join("tusk"),
            data_dir,
            cache_dir: xdg(env::XDG_CACHE_HOME, ".cache").join("tusk"),
            state_dir: xdg(env::XDG_STATE_HOME, ".local/state").join("tusk"),
        }
    }
    pub fn user_config(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
    pub fn plugin_dir(&self) -> PathBuf {
        self.data_dir.join("plugins")
    }
    pub fn audit_log(&self) -> PathBuf {
        self.state_dir.join("audit.jsonl")
    }
    /// A cache bucket: `$XDG_CACHE_HOME/tusk/<name>`.
    pub fn cache(&self, name: &str) -> PathBuf {
        self.cache_dir.join(name)
    }
}
