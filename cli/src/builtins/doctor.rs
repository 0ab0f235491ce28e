//! `tusk doctor`: where tusk looks for things and what it finds, without printing secrets.

use crate::execute;
use crate::session::Session;
use clap::{ArgMatches, Command};
use tusk_registry::{CheckStatus, Cell, DoctorCheck, Output, Style};

pub fn command() -> Command {
    Command::new("doctor").about("Check configuration, plugins, kube context, cloud credentials, wasm engine").long_about(
        "Show tusk's version, the config files and directories it uses (plugins, cache, audit log),\n\
         the plugins it finds (and why a broken one is broken), and the checks of the operators\n\
         built in:\n  \
         @kubernetes  whether the current kube context's API server answers (within 5 seconds)\n  \
         @multicloud  for AWS, Azure and GCP: which credential source a deploy would use and the\n               \
         account, subscription or project it names, or a hint when there is none (decided from\n               \
         the environment and local files; only AWS instance metadata is probed, for 1 second)\n  \
         @wasm        whether the wasmtime engine starts; the compiled-code cache's size\n\
         Never prints a secret.\n\n\
         Examples:\n  tusk doctor\n  tusk doctor -o json",
    )
}

fn check(name: &str, status: CheckStatus, detail: impl Into<String>) -> DoctorCheck {
    DoctorCheck { name: name.to_string(), status, detail: detail.into() }
}

pub fn run(_m: &ArgMatches, session: &mut Session) -> u8 {
    let p = &session.paths;
    let mut checks = vec![
        check("tusk", CheckStatus::Info, format!("version {}", env!("CARGO_PKG_VERSION"))),
        {
            let user = p.user_config();
            let status = if user.is_file() { CheckStatus::Ok } else { CheckStatus::Info };
            check("user config", status, format!("{}{}", user.display(), if user.is_file() { "" } else { " (not present)" }))
        },
        match session.config.project_file() {
            Some(f) => check("project config", CheckStatus::Ok, f.display().to_string()),
            None => check("project config", CheckStatus::Info, "no tusk.toml in this directory or its parents"),
        },
        check("plugin directory", CheckStatus::Info, p.plugin_dir().display().to_string()),
        check("cache directory", CheckStatus::Info, p.cache_dir.display().to_string()),
        check("audit log", CheckStatus::Info, p.audit_log().display().to_string()),
    ];
    for plugin in session.registry.plugins() {
        let (status, detail) = match &plugin.description {
            Ok(d) => (CheckStatus::Ok, format!("{} {} ({})", d.version, plugin.path.display(), serde_json::to_value(plugin.kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())),
            Err(e) => (CheckStatus::Fail, format!("{}: {e}", plugin.path.display())),
        };
        let shadowed = session.registry.is_builtin_name(&plugin.name);
        let detail = if shadowed { format!("{detail} — shadowed by the built-in of the same name") } else { detail };
        checks.push(check(&format!("plugin @{}", plugin.name), if shadowed { CheckStatus::Warn } else { status }, detail));
    }
    if session.registry.plugins().is_empty() {
        checks.push(check("plugins", CheckStatus::Info, "none installed"));
    }
    // Operators' own checks (kube reachability, the wasm engine) run concurrently, each bounded.
    let ops: Vec<_> = session.registry.builtins().to_vec();
    let ctx = execute::context_for(session);
    let result = execute::run_async(session, ctx.cancel.clone(), async move {
        let futs = ops.into_iter().map(|op| {
            let ctx = ctx.clone();
            async move {
                let name = op.info().name;
                match tokio::time::timeout(std::time::Duration::from_secs(10), op.doctor(&ctx)).await {
                    Ok(checks) => checks,
                    Err(_) => vec![check(&format!("@{name}"), CheckStatus::Warn, "checks did not finish within 10s")],
                }
            }
        });
        Ok(futures::future::join_all(futs).await.into_iter().flatten().collect::<Vec<_>>())
    });
    match result {
        Ok(more) => checks.extend(more),
        Err(e) => checks.push(check("operator checks", CheckStatus::Fail, e.to_string())),
    }
    let rows = checks
        .iter()
        .map(|c| {
            let (mark, style) = match c.status {
                CheckStatus::Ok => ("ok", Style::Good),
                CheckStatus::Warn => ("warn", Style::Warn),
                CheckStatus::Missing => ("missing", Style::Dim),
                CheckStatus::Fail => ("FAIL", Style::Bad),
                CheckStatus::Info => ("-", Style::Dim),
            };
            vec![Cell::styled(mark, style), Cell::from(c.name.clone()), Cell::from(c.detail.clone())]
        })
        .collect();
    let out = Output::new(serde_json::json!({ "checks": checks })).table(&["STATUS", "CHECK", "DETAIL"], rows);
    execute::finish(session, Ok(out))
}

