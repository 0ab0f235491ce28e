//! What every command needs after the top-level parse: paths, the registry, the merged
//! configuration and the global settings decided from flags, config and environment.

use crate::color::ColorWhen;
use crate::diagnostics;
use crate::globals::{self, Flags};
use std::io::IsTerminal;
use std::path::PathBuf;
use tusk_registry::config::Config;
use tusk_registry::paths::{Paths, env};
use tusk_registry::{Error, OutputFormat, Registry};

pub struct Session {
    pub paths: Paths,
    pub registry: Registry,
    pub flags: Flags,
    pub config: Config,
    pub output: OutputFormat,
    pub color: ColorWhen,
    pub show_progress: bool,
    /// The raw arguments after the program name (for the audit log).
    pub raw_args: Vec<String>,
}

impl Session {
    /// Sets up logging, loads the configuration and decides output format, colour and
    /// progress: flags beat the config (files and `TUSK_*` variables), which beats the defaults.
    pub fn new(paths: Paths, registry: Registry, flags: Flags, raw_args: Vec<String>) -> Result<Session, Error> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let explicit = flags.config.clone().or_else(|| std::env::var_os(env::TUSK_CONFIG).filter(|v| !v.is_empty()).map(PathBuf::from));
        let env_vars: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k.starts_with("TUSK_")).collect();
        // Colour and logging are set up before config errors are reported, from flags and env.
        let early_color = ColorWhen::from_setting(flags.color.as_deref());
        // Flags after the verb are parsed later by the operator's command; logging must be
        // set up now, so look for the verbosity flags anywhere before `--`.
        diagnostics::init_logging(prescan_verbosity(&raw_args).max(flags.verbosity()).min(if flags.quiet { -1 } else { 2 }), early_color);
        let mut config = Config::load(&paths.user_config(), explicit.as_deref(), &cwd, &env_vars)?;
        if let Some(o) = flags.output {
            config.set_flag("output", toml::Value::String(o.name().into()), "--output");
        }
        if let Some(c) = &flags.color {
            config.set_flag("color", toml::Value::String(c.clone()), "--color");
        }
        if flags.no_progress {
            config.set_flag("progress", toml::Value::Boolean(false), "--no-progress");
        }
        let output = match config.global_str("output") {
            Some((v, origin)) => globals::parse_format(v).ok_or_else(|| {
                Error::usage(format!("invalid output format `{v}` from {origin}")).with_hint("use text, json or yaml")
            })?,
            None => OutputFormat::Text,
        };
        let color = match config.global_str("color") {
            Some((v @ ("auto" | "always" | "never"), _)) => ColorWhen::from_setting(Some(v)),
            Some((v, origin)) => {
                return Err(Error::usage(format!("invalid color setting `{v}` from {origin}")).with_hint("use auto, always or never"));
            }
            None => early_color,
        };
        let progress_on = config.global_bool("progress").unwrap_or(true);
        let show_progress = progress_on && !flags.quiet && std::io::stderr().is_terminal();
        warn_unknown_sections(&config, &registry);
        Ok(Session { paths, registry, flags, config, output, color, show_progress, raw_args })
    }

    /// Applies global flags given after the operator or verb.
    pub fn apply_flags(&mut self, flags: Flags) {
        if let Some(o) = flags.output {
            self.output = o;
        }
        if let Some(c) = &flags.color {
            self.color = ColorWhen::from_setting(Some(c));
        }
        if flags.quiet || flags.no_progress {
            self.show_progress = false;
        }
        self.flags = flags;
    }
}

fn prescan_verbosity(args: &[String]) -> i8 {
    let mut v: i8 = 0;
    for a in args.iter().take_while(|a| a.as_str() != "--") {
        match a.as_str() {
            "-q" | "--quiet" => return -1,
            "--verbose" => v += 1,
            s if s.starts_with('-') && !s.starts_with("--") && s[1..].chars().all(|c| c == 'v') => v += (s.len() - 1) as i8,
            _ => {}
        }
    }
    v.min(2)
}

fn warn_unknown_sections(config: &Config, registry: &Registry) {
    for (key, origin) in config.top_level_keys() {
        let known_global = tusk_registry::config::GLOBAL_KEYS.iter().any(|(k, _)| *k == key);
        if known_global || registry.is_builtin_name(&key) {
            continue;
        }
        // Plugin sections are theirs to read; only look for plugins when the key is unknown.
        if registry.plugins().iter().any(|p| p.name == key) {
            continue;
        }
        tracing::warn!("unknown config section `{key}` in {origin} (ignored)");
    }
}
