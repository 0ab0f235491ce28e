//! The top-level command line: built-in commands plus `@operator` dispatch.
//!
//! `@name …` is taken as an external subcommand by clap and parsed a second time with the
//! operator's own command, so global flags work before the operator and after the verb.

use crate::globals::{self, Flags};
use crate::{builtins, diagnostics, dispatch, operators};
use clap::{Arg, ArgAction, Command};
use std::ffi::OsString;
use std::path::PathBuf;
use tusk_registry::config::Config;
use tusk_registry::paths::{Paths, env};
use tusk_registry::{Error, ExitStatus, OutputFormat, Registry};

pub const ABOUT: &str = "One CLI for platform and release engineers: operators for Kubernetes, cloud functions, WebAssembly and packages.";

/// What every command needs after parsing.
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    pub fn choice(self) -> anstream::ColorChoice {
        match self {
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
            ColorWhen::Auto => anstream::ColorChoice::Auto,
        }
    }
}

pub fn top_command(registry: &Registry) -> Command {
    let mut operators_help = String::from("Operators:\n");
    for s in registry.builtin_summaries() {
        let aliases = if s.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({})", s.aliases.iter().map(|a| format!("@{a}")).collect::<Vec<_>>().join(" "))
        };
        operators_help.push_str(&format!("  @{}{aliases}\n      {}\n", s.name, s.summary));
    }
    operators_help.push_str(
        "\nRun `tusk @<operator> --help` for an operator's verbs, `tusk operators` to list\noperators including plugins. Docs: docs/cli.md",
    );
    let cmd = Command::new("tusk")
        .about(ABOUT)
        .version(env!("CARGO_PKG_VERSION"))
        .override_usage("tusk [OPTIONS] @<OPERATOR> <VERB> [ARGS]...\n       tusk [OPTIONS] <COMMAND>")
        .disable_help_subcommand(true)
        .allow_external_subcommands(true)
        .external_subcommand_value_parser(clap::value_parser!(OsString))
        .after_help(operators_help)
        .subcommand(builtins::operators::command())
        .subcommand(builtins::plugin::command())
        .subcommand(builtins::config::command())
        .subcommand(builtins::doctor::command())
        .subcommand(builtins::audit::command())
        .subcommand(builtins::completions::command())
        .subcommand(
            Command::new("help")
                .about("Show help for tusk, a command or an operator (`tusk help @kubernetes deploy`)")
                .arg(Arg::new("topic").num_args(0..).action(ArgAction::Append)),
        );
    globals::add(cmd)
}

pub fn main() -> u8 {
    let args: Vec<OsString> = std::env::args_os().collect();
    let paths = Paths::from_env();
    let mut registry = Registry::new(&paths);
    operators::register_all(&mut registry);

    let matches = match top_command(&registry).try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => return diagnostics::clap_error(e),
    };
    let flags = Flags::default().merge(&matches);
    let raw_args: Vec<String> = args.iter().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();

    // `completions` and `help` need no config.
    match matches.subcommand() {
        Some(("completions", m)) => return builtins::completions::run(m, &registry),
        Some(("help", m)) => return builtins::help(m, &registry),
        None => {
            let mut cmd = top_command(&registry);
            let _ = cmd.print_help();
            return ExitStatus::USAGE;
        }
        _ => {}
    }

    let mut session = match Session::new(paths, registry, flags, raw_args) {
        Ok(s) => s,
        Err(e) => return diagnostics::report(&e, ColorWhen::Auto),
    };

    match matches.subcommand() {
        Some(("operators", m)) => builtins::operators::run(m, &mut session),
        Some(("plugin", m)) => builtins::plugin::run(m, &mut session),
        Some(("config", m)) => builtins::config::run(m, &mut session),
        Some(("doctor", m)) => builtins::doctor::run(m, &mut session),
        Some(("audit", m)) => builtins::audit::run(m, &mut session),
        Some((name, m)) => {
            let rest: Vec<OsString> = m.get_many::<OsString>("").map(|v| v.cloned().collect()).unwrap_or_default();
            match name.strip_prefix('@') {
                Some(op) => dispatch::operator(&mut session, op, rest),
                None => unknown_command(&session, name),
            }
        }
        None => ExitStatus::USAGE,
    }
}

fn unknown_command(session: &Session, name: &str) -> u8 {
    let mut err = Error::usage(format!("unrecognized command `{name}`"));
    if session.registry.resolve(name).is_ok() {
        err = err.with_hint(format!("operators are called with `@`: `tusk @{name} …`"));
    } else {
        let mut candidates: Vec<String> =
            ["operators", "plugin", "config", "doctor", "audit", "completions", "help"].iter().map(|s| s.to_string()).collect();
        for s in session.registry.builtin_summaries() {
            candidates.push(format!("@{}", s.name));
        }
        let sugg = tusk_registry::suggest(name, candidates);
        err = match sugg.first() {
            Some(s) => err.with_hint(format!("did you mean `{s}`?")),
            None => err.with_hint("run `tusk --help` for commands and `tusk operators` for operators"),
        };
    }
    diagnostics::report(&err, session.color)
}

impl Session {
    fn new(paths: Paths, registry: Registry, flags: Flags, raw_args: Vec<String>) -> Result<Session, Error> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let explicit = flags.config.clone().or_else(|| std::env::var_os(env::TUSK_CONFIG).filter(|v| !v.is_empty()).map(PathBuf::from));
        let env_vars: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k.starts_with("TUSK_")).collect();
        // Colour and logging are set up before config errors are reported, from flags and env.
        let early_color = color_from(flags.color.as_deref(), None);
        // Flags after the verb are parsed later by the operator's command; logging must be
        // set up now, so look for the verbosity flags anywhere before `--`.
        crate::diagnostics::init_logging(prescan_verbosity(&raw_args).max(flags.verbosity()).min(if flags.quiet { -1 } else { 2 }), early_color);
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
        let color_value = config.global_str("color").map(|(v, o)| (v.to_string(), o.clone()));
        let color = match color_value {
            Some((v, origin)) => match v.as_str() {
                "auto" | "always" | "never" => color_from(Some(&v), None),
                _ => {
                    return Err(Error::usage(format!("invalid color setting `{v}` from {origin}"))
                        .with_hint("use auto, always or never"));
                }
            },
            None => early_color,
        };
        let progress_on = config.global_bool("progress").unwrap_or(true);
        use std::io::IsTerminal;
        let show_progress = progress_on && !flags.quiet && std::io::stderr().is_terminal();
        warn_unknown_sections(&config, &registry);
        Ok(Session { paths, registry, flags, config, output, color, show_progress, raw_args })
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

impl Session {
    /// Applies global flags given after the operator or verb.
    pub fn apply_flags(&mut self, flags: Flags) {
        if let Some(o) = flags.output {
            self.output = o;
        }
        if let Some(c) = &flags.color {
            self.color = color_from(Some(c), None);
        }
        if flags.quiet || flags.no_progress {
            self.show_progress = false;
        }
        self.flags = flags;
    }
}

/// `--color` beats `NO_COLOR` beats auto-detection.
fn color_from(flag: Option<&str>, _cfg: Option<&str>) -> ColorWhen {
    match flag {
        Some("always") => ColorWhen::Always,
        Some("never") => ColorWhen::Never,
        _ if std::env::var_os(env::NO_COLOR).is_some_and(|v| !v.is_empty()) => ColorWhen::Never,
        _ => ColorWhen::Auto,
    }
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
