//! `tusk plugin install|list|remove`.

use crate::execute;
use crate::session::Session;
use clap::{Arg, ArgAction, ArgMatches, Command};
use std::path::{Path, PathBuf};
use tusk_registry::plugin::{PluginKind, store};
use tusk_registry::{Cell, Error, Output, Style};

pub fn command() -> Command {
    Command::new("plugin")
        .about("Install, list and remove plugin operators")
        .subcommand_required(true)
        .subcommand(
            Command::new("install")
                .about("Install a plugin into the plugin directory")
                .long_about(
                    "Install a plugin operator.\n\n\
                     A process plugin is an executable that prints its description for `--tusk-describe`\n\
                     (see docs/plugins.md); it is copied to $TUSK_HOME/plugins/tusk-<name>.\n\
                     A WebAssembly component plugin (.wasm) runs sandboxed; the capabilities it asks for are\n\
                     shown and must be granted with --grant (or --grant all, or by answering yes).\n\n\
                     Examples:\n  tusk plugin install ./tusk-hello\n  tusk plugin install ./greeter.wasm --grant log\n  tusk plugin install ./greeter.wasm --grant all",
                )
                .arg(Arg::new("path").required(true).value_parser(clap::value_parser!(PathBuf)))
                .arg(Arg::new("grant").long("grant").value_name("CAPABILITY").action(ArgAction::Append).help("Grant a capability a component plugin asks for (repeatable; `all` grants every one)"))
                .arg(Arg::new("yes").long("yes").short('y').action(ArgAction::SetTrue).help("Grant every requested capability without asking")),
        )
        .subcommand(Command::new("list").about("List installed and discovered plugins").long_about("List plugins: those in the plugin directory and `tusk-*` executables on PATH.\n\nExamples:\n  tusk plugin list\n  tusk plugin list -o json"))
        .subcommand(
            Command::new("remove")
                .about("Remove a plugin from the plugin directory")
                .long_about("Remove an installed plugin (plugins found on PATH are not tusk's to delete).\n\nExample:\n  tusk plugin remove hello")
                .arg(Arg::new("name").required(true)),
        )
}

pub fn run(m: &ArgMatches, session: &mut Session) -> u8 {
    let result = match m.subcommand() {
        Some(("install", m)) => install(m, session),
        Some(("list", _)) => list(session),
        Some(("remove", m)) => remove(m, session),
        _ => Err(Error::usage("missing plugin command").with_hint("tusk plugin install|list|remove")),
    };
    execute::finish(session, result)
}

fn is_wasm(path: &Path) -> bool {
    if path.extension().is_some_and(|e| e == "wasm") {
        return true;
    }
    let mut magic = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic)).is_ok() && &magic == b"\0asm"
}

fn install(m: &ArgMatches, session: &mut Session) -> Result<Output, Error> {
    let Some(path) = m.get_one::<PathBuf>("path") else { return Err(Error::usage("missing plugin path")) };
    if !path.exists() {
        return Err(Error::usage(format!("{} does not exist", path.display())).at(path.display().to_string()));
    }
    let plugin_dir = session.registry.plugin_dir().to_path_buf();
    let record = if is_wasm(path) {
        install_component(m, session, path, &plugin_dir)?
    } else {
        store::install_process(path, &plugin_dir)?
    };
    if session.registry.is_builtin_name(&record.name) {
        tracing::warn!("plugin `{}` has the name of a built-in operator; the built-in wins and the plugin will not run", record.name);
    }
    let d = record.description.as_ref().map_err(|e| Error::failed(e.clone()))?;
    let kind = match record.kind {
        PluginKind::Process => "process",
        PluginKind::Component => "component",
    };
    Ok(Output::new(serde_json::json!({
        "installed": record.name,
        "kind": kind,
        "version": d.version,
        "path": record.path,
        "verbs": d.verbs.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
        "grants": record.grants,
    }))
    .text(Cell::styled(format!("installed @{} {} ({kind}) at {}", record.name, d.version, record.path.display()), Style::Good)))
}

fn install_component(m: &ArgMatches, session: &Session, path: &Path, plugin_dir: &Path) -> Result<tusk_registry::plugin::PluginRecord, Error> {
    let Some(runner) = session.registry.component_runner().cloned() else {
        return Err(Error::unsupported(format!("{} is a WebAssembly component, but this tusk was built without WebAssembly support", path.display()))
            .with_hint("build tusk with the `wasm` feature (on by default)"));
    };
    let ctx = execute::context_for(session);
    let p = path.to_path_buf();
    let (description, requested) = execute::run_async(session, ctx.cancel.clone(), async move { runner.describe(&p).await })?;
    let requested_list: Vec<String> = requested.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default();
    let given: Vec<String> = m.get_many::<String>("grant").map(|v| v.cloned().collect()).unwrap_or_default();
    let yes = m.get_flag("yes");
    let granted: Vec<String> = if yes || given.iter().any(|g| g == "all") {
        requested_list.clone()
    } else {
        let missing: Vec<&String> = requested_list.iter().filter(|r| !given.contains(r)).collect();
        if missing.is_empty() {
            given.clone()
        } else {
            let listing = missing.iter().map(|s| format!("  - {s}")).collect::<Vec<_>>().join("\n");
            ctx.ui.show(&[tusk_registry::Block::Text(vec![Cell::from(format!(
                "plugin `{}` asks for capabilities that were not granted:\n{listing}",
                description.name.clone().unwrap_or_default()
            ))])]);
            match ctx.ui.confirm("Grant all of them?") {
                Ok(true) => requested_list.clone(),
                Ok(false) => return Err(Error::failed("installation cancelled: capabilities not granted")),
                Err(_) => {
                    let flags = missing.iter().map(|s| format!("--grant {s}")).collect::<Vec<_>>().join(" ");
                    return Err(Error::usage(format!(
                        "plugin asks for capabilities that were not granted: {}",
                        missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ))
                    .with_hint(format!("grant them explicitly: {flags} (or --grant all)")));
                }
            }
        }
    };
    for g in &given {
        if g != "all" && !requested_list.contains(g) {
            tracing::warn!("capability `{g}` was granted but the plugin does not ask for it (ignored)");
        }
    }
    let granted: Vec<String> = granted.into_iter().filter(|g| requested_list.contains(g)).collect();
    let name = description
        .name
        .clone()
        .or_else(|| path.file_stem().map(|s| s.to_string_lossy().trim_start_matches("tusk-").to_string()))
        .unwrap_or_default();
    if !tusk_registry::plugin::valid_name(&name) {
        return Err(Error::usage(format!("invalid plugin name `{}`", tusk_registry::plugin::shown(&name))).with_hint("names are lowercase letters, digits and '-'"));
    }
    store::install_component(path, plugin_dir, &name, description, requested, serde_json::json!(granted))
}

fn list(session: &Session) -> Result<Output, Error> {
    let plugins = session.registry.plugins();
    let mut rows = Vec::new();
    let mut json = Vec::new();
    for p in plugins {
        let shadowed = session.registry.is_builtin_name(&p.name);
        let status = match (&p.description, shadowed) {
            (Err(e), _) => Cell::styled(format!("broken: {e}"), Style::Bad),
            (Ok(_), true) => Cell::styled("shadowed by built-in", Style::Warn),
            (Ok(_), false) => Cell::styled("ok", Style::Good),
        };
        let kind = match p.kind {
            PluginKind::Process => "process",
            PluginKind::Component => "component",
        };
        json.push(serde_json::json!({
            "name": p.name, "kind": kind, "version": p.version(), "path": p.path, "source": p.source,
            "status": status.text, "verbs": p.verbs(), "grants": p.grants,
        }));
        rows.push(vec![
            Cell::styled(format!("@{}", p.name), Style::Bold),
            Cell::from(kind),
            Cell::from(p.version()),
            Cell::from(p.path.display().to_string()),
            status,
        ]);
    }
    let mut out = Output::new(serde_json::json!({ "plugins": json }));
    out = if rows.is_empty() {
        out.text(Cell::styled(format!("no plugins (plugin directory: {})", session.registry.plugin_dir().display()), Style::Dim))
    } else {
        out.table(&["NAME", "KIND", "VERSION", "PATH", "STATUS"], rows)
    };
    Ok(out)
}

fn remove(m: &ArgMatches, session: &Session) -> Result<Output, Error> {
    let Some(name) = m.get_one::<String>("name") else { return Err(Error::usage("missing plugin name")) };
    let name = name.trim_start_matches('@');
    let removed = store::remove(session.registry.plugin_dir(), name)?;
    Ok(Output::new(serde_json::json!({ "removed": name, "files": removed }))
        .text(Cell::styled(format!("removed @{name}"), Style::Good)))
}
