//! `tusk audit [--since] [--operator]` and `tusk audit verify`.

use crate::color::ColorWhen;
use crate::execute;
use crate::printer;
use crate::session::Session;
use clap::{Arg, ArgMatches, Command};
use std::io::Write;
use tusk_registry::audit::{AuditLog, AuditRecord};
use tusk_registry::{Cell, Error, ExitStatus, Output, OutputFormat, Style};

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
        _ => list(&log, m, session.output, session.color),
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

/// Matching records kept before printing. A log with up to this many prints as one table (one
/// JSON document) built in memory; past it the rest streams as it is read, the table keeping
/// the column widths of these first rows, so memory stays flat however long the log grew
/// (700,000 records held as records, rows and JSON took over 1 GiB).
const BUFFERED: usize = 1000;

const COLUMNS: [&str; 7] = ["TIME", "USER", "COMMAND", "TARGET", "MODE", "OUTCOME", "DURATION"];

fn row(r: &AuditRecord) -> Vec<Cell> {
    styled_row(r, true)
}

/// A row; `styled: false` leaves every cell plain, for a stream printed without colour (so
/// nothing needs stripping: stripping ANSI byte by byte cost more than reading the log).
fn styled_row(r: &AuditRecord, styled: bool) -> Vec<Cell> {
    let style = if !styled {
        Style::Plain
    } else if r.outcome == "success" {
        Style::Good
    } else {
        Style::Bad
    };
    vec![
        Cell::from(r.time.clone()),
        Cell::from(r.user.clone()),
        Cell::from(format!("@{} {}", r.operator, r.verb)),
        Cell::from(r.target.clone().unwrap_or_default()),
        Cell::from(if r.dry_run { "dry-run" } else { "" }),
        Cell::styled(r.outcome.clone(), style),
        Cell::from(format!("{}ms", r.duration_ms)),
    ]
}

fn list(log: &AuditLog, m: &ArgMatches, format: OutputFormat, color: ColorWhen) -> Result<Output, Error> {
    let since = match m.get_one::<String>("since") {
        None => None,
        Some(s) => Some(parse_since(s)?),
    };
    let op = m.get_one::<String>("operator").map(|s| s.trim_start_matches('@').to_string());
    let wanted = |r: &AuditRecord| {
        op.as_ref().is_none_or(|o| &r.operator == o)
            && since.is_none_or(|s| time::OffsetDateTime::parse(&r.time, &time::format_description::well_known::Rfc3339).is_ok_and(|t| t >= s))
    };
    let mut first: Vec<AuditRecord> = Vec::new();
    let mut stream: Option<Stream> = None;
    log.for_each(|r| {
        if !wanted(&r) {
            return Ok(());
        }
        match &mut stream {
            Some(s) => s.push(&r),
            None if first.len() < BUFFERED => {
                first.push(r);
                Ok(())
            }
            None => {
                let mut s = Stream::start(format, color, &first)?;
                first = Vec::new();
                s.push(&r)?;
                stream = Some(s);
                Ok(())
            }
        }
    })?;
    if let Some(s) = stream {
        s.finish()?;
        return Ok(Output::empty());
    }
    let rows = first.iter().map(row).collect();
    let mut out = Output::new(serde_json::json!({ "records": first }));
    if first.is_empty() {
        out = out.text(Cell::styled("no audit records", Style::Dim));
    } else {
        out = out.table(&COLUMNS, rows);
    }
    Ok(out)
}

/// A listing printed as the log is read: the same text, JSON and YAML as the in-memory
/// listing (`{"records": [...]}` pretty-printed), written record by record.
struct Stream {
    out: std::io::BufWriter<Box<dyn Write>>,
    format: OutputFormat,
    /// Colour is on (text only): rows go through the colour-aware stream.
    styled: bool,
    widths: Vec<usize>,
    count: usize,
    /// The reader went away (`tusk audit | head`): stop writing, not an error.
    closed: bool,
}

impl Stream {
    fn start(format: OutputFormat, color: ColorWhen, first: &[AuditRecord]) -> Result<Stream, Error> {
        let columns: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
        let rows: Vec<Vec<Cell>> = if format == OutputFormat::Text { first.iter().map(row).collect() } else { Vec::new() };
        let widths = printer::table_widths(&columns, &rows);
        let styled = format == OutputFormat::Text && color.is_on_for(&std::io::stdout());
        // JSON and YAML escape control characters, so they never hold ANSI to strip.
        let raw: Box<dyn Write> = if styled { Box::new(printer::stdout(color)) } else { Box::new(std::io::stdout()) };
        let mut s = Stream { out: std::io::BufWriter::with_capacity(1 << 16, raw), format, styled, widths, count: 0, closed: false };
        let head = match format {
            OutputFormat::Text if styled => printer::render_header(&columns, &s.widths),
            OutputFormat::Text => anstream::adapter::strip_str(&printer::render_header(&columns, &s.widths)).to_string(),
            OutputFormat::Json => "{\n  \"records\": [\n".to_string(),
            OutputFormat::Yaml => "records:\n".to_string(),
        };
        s.write(&head)?;
        for r in first {
            s.push(r)?;
        }
        Ok(s)
    }

    fn push(&mut self, r: &AuditRecord) -> Result<(), Error> {
        let text = match self.format {
            OutputFormat::Text => printer::render_row(&self.widths, &styled_row(r, self.styled)),
            OutputFormat::Json => {
                // The record's own field order is the order `to_value` keeps (preserve_order).
                let pretty = serde_json::to_string_pretty(r).map_err(|e| Error::failed(e.to_string()))?;
                let mut t = String::with_capacity(pretty.len() + 64);
                if self.count > 0 {
                    t.push_str(",\n");
                }
                for (i, line) in pretty.lines().enumerate() {
                    if i > 0 {
                        t.push('\n');
                    }
                    t.push_str("    ");
                    t.push_str(line);
                }
                t
            }
            OutputFormat::Yaml => {
                let v = serde_json::to_value([r]).map_err(|e| Error::failed(e.to_string()))?;
                serde_yaml::to_string(&v).map_err(|e| Error::failed(e.to_string()))?
            }
        };
        self.count += 1;
        self.write(&text)
    }

    fn finish(mut self) -> Result<(), Error> {
        if self.format == OutputFormat::Json {
            self.write("\n  ]\n}\n")?;
        }
        if self.closed {
            return Ok(());
        }
        match self.out.flush() {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::failed(format!("cannot write to stdout: {e}"))),
            _ => Ok(()),
        }
    }

    fn write(&mut self, text: &str) -> Result<(), Error> {
        if self.closed {
            return Ok(());
        }
        match self.out.write_all(text.as_bytes()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => Err(Error::failed(format!("cannot write to stdout: {e}"))),
        }
    }
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
