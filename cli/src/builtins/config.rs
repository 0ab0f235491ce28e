//! `tusk config show`: the merged configuration and where each value came from.

use crate::execute;
use crate::session::Session;
use clap::{ArgMatches, Command};
use tusk_registry::{Cell, Output, Style};

pub fn command() -> Command {
    Command::new("config")
        .about("Show the merged configuration")
        .subcommand_required(true)
        .subcommand(Command::new("show").about("Show every setting, its value and where it came from").long_about(
            "Show the merged configuration: defaults, the user's config.toml, the project's tusk.toml\n\
             (found by walking up from the current directory, or --config), TUSK_<SECTION>__<KEY>\n\
             environment variables and flags — later ones win. Secret-looking values are redacted.\n\n\
             Examples:\n  tusk config show\n  TUSK_KUBERNETES__CONTEXT=dev tusk config show -o json",
        ))
}

fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["token", "secret", "password", "key", "credential"].iter().any(|w| k.rsplit('.').next().unwrap_or("").contains(w))
}

fn show_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

pub fn run(_m: &ArgMatches, session: &mut Session) -> u8 {
    let entries = session.config.entries();
    let files: Vec<String> = session.config.files().iter().map(|p| p.display().to_string()).collect();
    let mut json_entries = Vec::new();
    let mut rows = Vec::new();
    for e in &entries {
        let secret = looks_secret(&e.key);
        let value = if secret { "<redacted>".to_string() } else { show_value(&e.value) };
        json_entries.push(serde_json::json!({
            "key": e.key,
            "value": if secret { serde_json::Value::String("<redacted>".into()) } else { serde_json::to_value(&e.value).unwrap_or_default() },
            "origin": e.origin,
        }));
        rows.push(vec![Cell::from(e.key.clone()), Cell::from(value), Cell::styled(e.origin.to_string(), Style::Dim)]);
    }
    let out = Output::new(serde_json::json!({ "files": files, "entries": json_entries }))
        .table(&["KEY", "VALUE", "ORIGIN"], rows);
    execute::finish(session, Ok(out))
}
