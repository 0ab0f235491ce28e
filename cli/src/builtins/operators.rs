//! `tusk operators`: every operator, built-in and plugin.

use crate::execute;
use crate::session::Session;
use clap::{ArgMatches, Command};
use tusk_registry::{Cell, Output, Style};

pub fn command() -> Command {
    Command::new("operators")
        .about("List operators: built-ins and installed plugins")
        .long_about(
            "List every operator this tusk can run: built-in operators and plugins (process plugins named\n\
             tusk-<name> in the plugin directory or on PATH, and WebAssembly component plugins).\n\n\
             Examples:\n  tusk operators\n  tusk operators -o json",
        )
}

pub fn run(_m: &ArgMatches, session: &mut Session) -> u8 {
    let summaries = session.registry.summaries();
    for p in session.registry.shadowed_plugins() {
        tracing::warn!("plugin `{}` at {} is shadowed by the built-in operator of the same name", p.name, p.path.display());
    }
    let rows = summaries
        .iter()
        .map(|s| {
            let broken = s.summary.starts_with("broken:");
            vec![
                Cell::styled(format!("@{}", s.name), Style::Bold),
                Cell::from(s.aliases.iter().map(|a| format!("@{a}")).collect::<Vec<_>>().join(" ")),
                Cell::from(s.kind.clone()),
                Cell::from(s.version.clone()),
                Cell::from(s.verbs.join(" ")),
                if broken { Cell::styled(s.summary.clone(), Style::Bad) } else { Cell::from(s.summary.clone()) },
            ]
        })
        .collect();
    let out = Output::new(serde_json::json!({ "operators": summaries }))
        .table(&["NAME", "ALIASES", "KIND", "VERSION", "VERBS", "SUMMARY"], rows);
    execute::finish(session, Ok(out))
}
