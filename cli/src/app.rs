//! The top-level command line: built-in commands plus `@operator` dispatch.
//!
//! `@name …` is taken as an external subcommand by clap and parsed a second time with the
//! operator's own command, so global flags work before the operator and after the verb.

use crate::color::ColorWhen;
use crate::globals::{self, Flags};
use crate::session::Session;
use crate::{builtins, diagnostics, dispatch, operators};
use clap::{Arg, ArgAction, Command};
use std::ffi::OsString;
use tusk_registry::paths::Paths;
use tusk_registry::{Error, ExitStatus, Registry};

const ABOUT: &str = "One CLI for platform and release engineers: operators for Kubernetes, cloud functions, WebAssembly and packages.";

fn top_command(registry: &Registry) -> Command {
    let mut operators_help = String::from("Operators:\n");
    // From each operator's info only: building every operator's command (as
    // `builtin_summaries` does for the verb lists) would cost every `tusk @…` run.
    for op in registry.builtins() {
        let info = op.info();
        let aliases = if info.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({})", info.aliases.iter().map(|a| format!("@{}", a.name)).collect::<Vec<_>>().join(" "))
        };
        operators_help.push_str(&format!("  @{}{aliases}\n      {}\n", info.name, info.summary));
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

/// Parses the command line, runs the command and returns its exit code.
pub fn run() -> u8 {
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
        Some(("completions", m)) => return builtins::completions::run(m, top_command(&registry), &registry),
        Some(("help", m)) => return builtins::help(m, top_command(&registry), &registry),
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
