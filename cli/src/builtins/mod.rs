//! Built-in commands: `operators`, `plugin`, `config`, `doctor`, `audit`, `completions`,
//! `help`.

pub mod audit;
pub mod completions;
pub mod config;
pub mod doctor;
pub mod operators;
pub mod plugin;

use crate::color::ColorWhen;
use crate::{diagnostics, dispatch};
use clap::{ArgMatches, Command};
use tusk_registry::{Error, ExitStatus, Registry, Resolved};

/// `tusk help [@operator [verb…] | command]`; `top` is the top-level command.
pub fn help(m: &ArgMatches, mut top: Command, registry: &Registry) -> u8 {
    let topic: Vec<String> = m.get_many::<String>("topic").map(|v| v.cloned().collect()).unwrap_or_default();
    let Some(first) = topic.first() else {
        let _ = top.print_long_help();
        return ExitStatus::SUCCESS;
    };
    // Exactly what `--help` prints at that place: `tusk help @wasm cache stats` is
    // `tusk @wasm cache stats --help`.
    let (cmd, mut argv) = if let Some(name) = first.strip_prefix('@') {
        match registry.resolve(name) {
            Ok(Resolved::Builtin { operator, preset }) => (
                dispatch::operator_command(operator.command_for(preset.as_deref()), name),
                vec![format!("@{name}")],
            ),
            Ok(Resolved::Plugin(p)) => {
                let e = Error::usage(format!("`@{name}` is a plugin; its help is its own"))
                    .with_hint(format!("run `tusk @{name} --help` ({})", p.path.display()));
                return diagnostics::report(&e, ColorWhen::Auto);
            }
            Err(u) => {
                let mut e = Error::usage(format!("unknown operator `@{name}`"));
                if let Some(s) = u.suggestions.first() {
                    e = e.with_hint(format!("did you mean `@{s}`?"));
                }
                return diagnostics::report(&e, ColorWhen::Auto);
            }
        }
    } else if top.find_subcommand(first).is_some() {
        (top, vec!["tusk".to_string(), first.clone()])
    } else {
        let e = Error::usage(format!("no help topic `{first}`")).with_hint("try `tusk help @kubernetes` or `tusk help plugin`");
        return diagnostics::report(&e, ColorWhen::Auto);
    };
    argv.extend(topic[1..].iter().cloned());
    argv.push("--help".to_string());
    match cmd.try_get_matches_from(argv) {
        Err(e) => diagnostics::clap_error(e),
        Ok(_) => ExitStatus::SUCCESS,
    }
}
