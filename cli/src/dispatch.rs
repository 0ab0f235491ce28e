//! `tusk @<name> …`: resolve `name` through the registry to a built-in operator or a
//! plugin, parse the rest with its own command, run it, and audit verbs that change
//! something. The CLI knows no operator by name.

use crate::diagnostics;
use crate::execute::{context_for, finish, run_async};
use crate::globals::{self, Flags};
use crate::session::Session;
use clap::{Arg, ArgAction, Command};
use std::ffi::OsString;
use std::sync::Arc;
use std::time::Instant;
use tusk_registry::audit::{AuditLog, AuditRecord, AuditScope, current_user, now_rfc3339, redact_args};
use tusk_registry::plugin::process::PluginEnv;
use tusk_registry::plugin::{PluginKind, PluginRecord};
use tusk_registry::{Error, ExitStatus, Invocation, Operator, Resolved};

pub fn operator(session: &mut Session, name: &str, rest: Vec<OsString>) -> u8 {
    match session.registry.resolve(name) {
        Ok(Resolved::Builtin { operator, preset }) => builtin(session, operator, name, preset, rest),
        Ok(Resolved::Plugin(record)) => plugin(session, record, name, rest),
        Err(unknown) => {
            let hint = if unknown.suggestions.is_empty() {
                "run `tusk operators` to list operators, including installed plugins".to_string()
            } else {
                let names: Vec<String> = unknown.suggestions.iter().map(|s| format!("`@{s}`")).collect();
                format!("did you mean {}?", names.join(" or "))
            };
            diagnostics::report(&Error::usage(format!("unknown operator `@{name}`")).with_hint(hint), session.color)
        }
    }
}

/// An operator's command as the CLI parses it: named `@name`, with the global flags.
pub fn operator_command(base: Command, name: &str) -> Command {
    globals::add(
        base.name(format!("@{name}"))
            .bin_name(format!("tusk @{name}"))
            .subcommand_required(true)
            .arg_required_else_help(true),
    )
}

fn builtin(session: &mut Session, op: Arc<dyn Operator>, name: &str, preset: Option<String>, rest: Vec<OsString>) -> u8 {
    let cmd = operator_command(op.command_for(preset.as_deref()), name);
    let mut argv = vec![OsString::from(format!("@{name}"))];
    argv.extend(rest);
    let matches = match cmd.try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) => return diagnostics::clap_error(e),
    };
    let Some((verb, verb_matches)) = matches.subcommand() else {
        return ExitStatus::USAGE;
    };
    let mut flags = session.flags.clone().merge(&matches).merge(verb_matches);
    // Nested verb groups (`cache stats`) carry the flags one level further down.
    if let Some((_, deeper)) = verb_matches.subcommand() {
        flags = flags.merge(deeper);
    }
    session.apply_flags(flags);
    let verb = verb.to_string();
    let invocation = Invocation { verb: verb.clone(), matches: matches.clone(), invoked_as: name.to_string(), preset };
    let mutating = op.is_mutating(&invocation);
    let info = op.info();
    let started = Instant::now();
    let ctx = context_for(session);
    let audit = ctx.audit.clone();
    let dry_run = ctx.dry_run;
    let result = run_async(session, ctx.cancel.clone(), {
        let op = op.clone();
        async move { op.run(invocation, ctx).await }
    });
    let code = finish(session, result);
    if mutating {
        record_audit(session, info.name, &verb, &audit, dry_run, code, started);
    }
    code
}

fn record_audit(session: &Session, operator: &str, verb: &str, scope: &AuditScope, dry_run: bool, code: u8, started: Instant) {
    let outcome = match code {
        ExitStatus::SUCCESS => "success",
        ExitStatus::PARTIAL => "partial",
        ExitStatus::INTERRUPTED => "interrupted",
        ExitStatus::USAGE => "usage-error",
        ExitStatus::UNSUPPORTED => "unsupported",
        _ => "failure",
    };
    let record = AuditRecord {
        time: now_rfc3339(),
        user: current_user(),
        operator: operator.to_string(),
        verb: verb.to_string(),
        args: redact_args(&session.raw_args),
        target: scope.target(),
        dry_run,
        outcome: outcome.to_string(),
        exit_code: code,
        duration_ms: started.elapsed().as_millis() as u64,
        details: scope.details(),
        prev: String::new(),
    };
    if let Err(e) = AuditLog::new(session.paths.audit_log()).append(record) {
        tracing::warn!("could not write the audit log: {e}");
    }
}

fn plugin(session: &mut Session, record: PluginRecord, name: &str, rest: Vec<OsString>) -> u8 {
    match record.kind {
        PluginKind::Process => {
            let penv = PluginEnv {
                output: session.output.name().to_string(),
                dry_run: session.flags.dry_run,
                verbosity: session.flags.verbosity(),
                color: if session.color.is_on_for(&std::io::stdout()) { "always".into() } else { "never".into() },
                no_progress: !session.show_progress,
                invoked_as: name.to_string(),
                config: session.config.project_file().map(|p| p.to_path_buf()),
                home: session.paths.data_dir.clone(),
            };
            let args: Vec<String> = rest.iter().map(|a| a.to_string_lossy().into_owned()).collect();
            match tusk_registry::plugin::process::run(&record, &args, &penv) {
                Ok(status) => status.code(),
                Err(e) => diagnostics::report(&e, session.color),
            }
        }
        PluginKind::Component => component(session, record, name, rest),
    }
}

fn component(session: &mut Session, record: PluginRecord, name: &str, rest: Vec<OsString>) -> u8 {
    let Some(runner) = session.registry.component_runner().cloned() else {
        let e = Error::unsupported(format!("`@{name}` is a WebAssembly plugin, but this tusk was built without WebAssembly support"))
            .with_hint("build tusk with the `wasm` feature (it is on by default)");
        return diagnostics::report(&e, session.color);
    };
    let description = match &record.description {
        Ok(d) => d.clone(),
        Err(why) => {
            let e = Error::failed(format!("plugin `{name}` cannot be used: {why}"))
                .with_hint(format!("reinstall it with `tusk plugin install`, or remove it with `tusk plugin remove {name}`"));
            return diagnostics::report(&e, session.color);
        }
    };
    let mut cmd = Command::new(format!("@{name}")).about(description.summary.clone()).version(description.version.clone());
    for v in &description.verbs {
        cmd = cmd.subcommand(
            Command::new(v.name.clone()).about(v.summary.clone()).arg(
                Arg::new("args")
                    .num_args(0..)
                    .action(ArgAction::Append)
                    .allow_hyphen_values(true)
                    .trailing_var_arg(true)
                    .value_names(if v.args.is_empty() { vec!["ARGS".to_string()] } else { v.args.clone() }),
            ),
        );
    }
    let cmd = operator_command(cmd, name);
    let mut argv = vec![OsString::from(format!("@{name}"))];
    argv.extend(rest);
    let matches = match cmd.try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) => return diagnostics::clap_error(e),
    };
    let Some((verb, vm)) = matches.subcommand() else { return ExitStatus::USAGE };
    let flags: Flags = session.flags.clone().merge(&matches).merge(vm);
    session.apply_flags(flags);
    let args: Vec<String> = vm.get_many::<String>("args").map(|v| v.cloned().collect()).unwrap_or_default();
    let verb = verb.to_string();
    let ctx = context_for(session);
    let result = run_async(session, ctx.cancel.clone(), async move { runner.run(&record, &verb, &args, ctx).await });
    finish(session, result)
}
