//! Built-in commands: `operators`, `plugin`, `config`, `doctor`, `audit`, `completions`,
//! `help`.

pub mod audit;
pub mod completions;
pub mod config;
pub mod doctor;
pub mod operators;
pub mod plugin;

use crate::app::{ColorWhen, top_command};
use crate::diagnostics;
use clap::ArgMatches;
use tusk_registry::{Error, ExitStatus, Registry, Resolved};

/// `tusk help [@operator [verb…] | command]`.
pub fn help(m: &ArgMatches, registry: &Registry) -> u8 {
    let topic: Vec<String> = m.get_many::<String>("topic").map(|v| v.cloned().collect()).unwrap_or_default();
    let mut top = top_command(registry);
    let Some(first) = topic.first() else {
        let _ = top.print_long_help();
        return ExitStatus::SUCCESS;
    };
    let mut cmd = if let Some(name) = first.strip_prefix('@') {
        match registry.resolve(name) {
            Ok(Resolved::Builtin { operator, preset }) => crate::globals::add(
                operator.command_for(preset.as_deref()).name(format!("@{name}")).bin_name(format!("tusk @{name}")),
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
    } else {
        match top.find_subcommand(first) {
            Some(c) => c.clone().bin_name(format!("tusk {first}")),
            None => {
                let e = Error::usage(format!("no help topic `{first}`")).with_hint("try `tusk help @kubernetes` or `tusk help plugin`");
                return diagnostics::report(&e, ColorWhen::Auto);
            }
        }
    };
    // Walk down verbs: `tusk help @wasm cache stats`.
    for word in &topic[1..] {
        cmd.build();
        let next = cmd.find_subcommand(word).cloned();
        match next {
            Some(c) => {
                let bin = format!("{} {word}", cmd.get_bin_name().unwrap_or(""));
                cmd = c.bin_name(bin);
            }
            None => {
                let e = Error::usage(format!("no verb `{word}` in `{}`", cmd.get_bin_name().unwrap_or("tusk")));
                return diagnostics::report(&e, ColorWhen::Auto);
            }
        }
    }
    let _ = cmd.print_long_help();
    ExitStatus::SUCCESS
}
