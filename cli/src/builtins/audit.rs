//! `tusk audit [--since] [--operator]` and `tusk audit verify`.

use crate::execute;
use crate::session::Session;
use clap::{Arg, ArgMatches, Command};
use tusk_registry::audit::AuditLog;
use tusk_registry::{Cell, Error, ExitStatus, Output, Style};

pub fn command() -> Command {
    Command::new("audit")
        .about("Show or verify the audit log of changes tusk made")
        .long_about(
            "Every verb that changes something outside this machine (deploy, scale, delete, publish…)\n\
             appends one JSON line to $XDG_STATE_HOME/tusk/audit.jsonl, chained by SHA-256 so that\n\
             editing or removing a line is detectable.\n\n\
             Examples:\n  tusk audit\n  tusk audit --since 2026-11-01 --operator kubernetes\n  tusk audit -o json\n  tusk audit verify",
        )
        .arg(Arg::new("since").long("since").value_name("DATE").help("Only records at or after DATE (RFC 3339 or YYYY-MM-DD)"))
        .arg(Arg::new("operator").long("operator").value_name("NAME").help("Only records of this operator"))
        .subcommand(Command::new("verify").about("Check the hash chain of the audit log").long_about(
            "Check that no line of the audit log was changed, removed or inserted.\n\
             Exit 0 when the chain is intact, 1 when it is broken (with the first bad line).\n\nExample:\n  tusk audit verify",
        ))
}

pub fn run(m: &ArgMatches, session: &mut Session) -> u8 {
    let log = AuditLog::new(session.paths.audit_log());
    let result = match m.subcommand() {
        Some(("verify", _)) => verify(&log),
        _ => list(&log, m),
    };
    execute::finish(session, result)
}

fn verify(log: &AuditLog) -> Result<Output, Error> {
    let v = log.verify()?;
    let path = log.path().display().to_string();
    let json = serde_json::json!({
        "path": path,
        "lines": v.lines,
        "intact": v.broken_at.is_none(),
        "broken_at": v.broken_at.as_ref().map(|(line, reason)| serde_json::json!({"line": line, "reason": reason})),
    });
    Ok(match &v.broken_at {
        None => Output::new(json).text(Cell::styled(format!("audit log intact: {} records, chain verified ({path})", v.lines), Style::Good)),
        Some((line, reason)) => Output::new(json)
            .text(Cell::styled(format!("audit log BROKEN at line {line}: {reason}"), Style::Bad))
            .text(format!("file: {path}"))
            .with_status(ExitStatus::Failure),
    })
}

fn list(log: &AuditLog, m: &ArgMatches) -> Result<Output, Error> {
    let since = match m.get_one::<String>("since") {
        None => None,
        Some(s) => Some(parse_since(s)?),
    };
    let op = m.get_one::<String>("operator").map(|s| s.trim_start_matches('@').to_string());
    let records: Vec<_> = log
        .read()?
        .into_iter()
        .filter(|r| op.as_ref().is_none_or(|o| &r.operator == o))
        .filter(|r| {
            since.is_none_or(|s| {
                time::OffsetDateTime::parse(&r.time, &time::format_description::well_known::Rfc3339).is_ok_and(|t| t >= s)
            })
        })
        .collect();
    let rows = records
        .iter()
        .map(|r| {
            let style = if r.outcome == "success" { Style::Good } else { Style::Bad };
            vec![
                Cell::from(r.time.clone()),
                Cell::from(r.user.clone()),
                Cell::from(format!("@{} {}", r.operator, r.verb)),
                Cell::from(r.target.clone().unwrap_or_default()),
                Cell::from(if r.dry_run { "dry-run" } else { "" }),
                Cell::styled(r.outcome.clone(), style),
                Cell::from(format!("{}ms", r.duration_ms)),
            ]
        })
        .collect();
    let mut out = Output::new(serde_json::json!({ "records": records }));
    if records.is_empty() {
        out = out.text(Cell::styled("no audit records", Style::Dim));
    } else {
        out = out.table(&["TIME", "USER", "COMMAND", "TARGET", "MODE", "OUTCOME", "DURATION"], rows);
    }
    Ok(out)
}

fn parse_since(s: &str) -> Result<time::OffsetDateTime, Error> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| Error::usage(format!("invalid --since `{s}`")).at("--since").with_hint("use YYYY-MM-DD or an RFC 3339 time such as 2026-11-01T12:00:00Z"))
}
