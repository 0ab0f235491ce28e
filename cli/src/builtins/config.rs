//! `tusk config show`: the merged configuration and where each value came from.

use crate::execute;
use crate::session::Session;
use clap::{ArgMatches, Command};
use tusk_registry::redact::{REDACTED, is_secret_name, redact_urls};
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

/// Decided by the one redactor's word list, on the key's last segment.
fn looks_secret(key: &str) -> bool {
    is_secret_name(key.rsplit('.').next().unwrap_or(""))
}

/// A value with URL credentials redacted (`url = "https://user:pass@host"` is not a
/// secret-named key, but its password is a secret).
fn without_url_credentials(v: &toml::Value) -> toml::Value {
    match v {
        toml::Value::String(s) => toml::Value::String(redact_urls(s).into_owned()),
        toml::Value::Array(a) => toml::Value::Array(a.iter().map(without_url_credentials).collect()),
        toml::Value::Table(t) => toml::Value::Table(t.iter().map(|(k, v)| (k.clone(), without_url_credentials(v))).collect()),
        other => other.clone(),
    }
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
        let shown = without_url_credentials(&e.value);
        let value = if secret { REDACTED.to_string() } else { show_value(&shown) };
        json_entries.push(serde_json::json!({
            "key": e.key,
            "value": if secret { serde_json::Value::String(REDACTED.into()) } else { serde_json::to_value(&shown).unwrap_or_default() },
            "origin": e.origin,
        }));
        rows.push(vec![Cell::from(e.key.clone()), Cell::from(value), Cell::styled(e.origin.to_string(), Style::Dim)]);
    }
    let out = Output::new(serde_json::json!({ "files": files, "entries": json_entries }))
        .table(&["KEY", "VALUE", "ORIGIN"], rows);
    execute::finish(session, Ok(out))
}
