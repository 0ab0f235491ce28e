//! The one place errors are rendered, and logging set-up. Errors go to stderr as
//!
//! ```text
//! error: <message>
//!   --> <location>
//!   caused by: <cause>
//! hint: <hint>
//! ```

use crate::color::ColorWhen;
use anstyle::{AnsiColor, Style};
use std::io::Write;
use tusk_registry::paths::env;
use tusk_registry::redact::redact_urls;
use tusk_registry::{Error, ExitStatus};

pub fn stderr(color: ColorWhen) -> anstream::AutoStream<std::io::Stderr> {
    anstream::AutoStream::new(std::io::stderr(), color.choice())
}

/// Prints an error and returns its exit code.
pub fn report(err: &Error, color: ColorWhen) -> u8 {
    let mut out = stderr(color);
    let _ = out.write_all(render(err).as_bytes());
    err.exit_status().code()
}

/// The text of an error, with ANSI styles (stripped by the stream when colour is off).
/// Messages often quote what the user typed or a server URL, so credentials in URLs are
/// redacted here, once for every error.
pub fn render(err: &Error) -> String {
    let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    let cyan = Style::new().fg_color(Some(AnsiColor::Cyan.into())).bold();
    let dim = Style::new().dimmed();
    let mut s = format!("{red}error{red:#}: {}\n", err.message);
    if let Some(loc) = &err.location {
        s.push_str(&format!("  {dim}-->{dim:#} {loc}\n"));
    }
    for cause in err.causes() {
        s.push_str(&format!("  {dim}caused by:{dim:#} {cause}\n"));
    }
    if let Some(h) = &err.hint {
        s.push_str(&format!("{cyan}hint{cyan:#}: {h}\n"));
    }
    redact_urls(&s).into_owned()
}

/// Prints a clap parse error (usage, unknown verb with suggestions, help, version) and
/// returns its exit code: 0 for help/version, 2 for usage errors.
pub fn clap_error(e: clap::Error) -> u8 {
    let _ = e.print();
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp
        | clap::error::ErrorKind::DisplayVersion
        | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitStatus::USAGE
            } else {
                ExitStatus::SUCCESS
            }
        }
        _ => ExitStatus::USAGE,
    }
}

/// Logs (tracing) to stderr: warnings by default, `-v` info, `-vv` debug, `-q` errors only;
/// `TUSK_LOG` overrides with a filter such as `tusk_kubernetes=trace`.
pub fn init_logging(verbosity: i8, color: ColorWhen) {
    let level = match verbosity {
        i8::MIN..=-1 => "error",
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    // Client libraries log their own retries as errors; tusk reports the failure itself.
    // The AWS SDK's debug events print the resolved credentials (access key id), so `aws*`
    // targets stop at info; `TUSK_LOG` is the explicit way to see them.
    let aws = if verbosity >= 2 { "info" } else { level };
    let filter = std::env::var(env::TUSK_LOG).unwrap_or_else(|_| format!("{level},kube_client=off,hyper_util=off,aws={aws}"));
    let ansi = color.is_on_for(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .event_format(LogFormat { targets: verbosity >= 2 })
        .try_init();
}

/// `warning: …` / `error: …` like the rest of tusk's messages; `info:`/`debug:` for `-v`.
struct LogFormat {
    targets: bool,
}

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for LogFormat
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let level = *event.metadata().level();
        let (label, style) = match level {
            tracing::Level::ERROR => ("error", Style::new().fg_color(Some(AnsiColor::Red.into())).bold()),
            tracing::Level::WARN => ("warning", Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold()),
            tracing::Level::INFO => ("info", Style::new().fg_color(Some(AnsiColor::Green.into()))),
            tracing::Level::DEBUG => ("debug", Style::new().dimmed()),
            tracing::Level::TRACE => ("trace", Style::new().dimmed()),
        };
        if writer.has_ansi_escapes() {
            write!(writer, "{style}{label}{style:#}: ")?;
        } else {
            write!(writer, "{label}: ")?;
        }
        if self.targets {
            write!(writer, "{}: ", event.metadata().target())?;
        }
        // Through a buffer so URL credentials in a logged request or error are redacted.
        let mut fields = String::new();
        ctx.field_format().format_fields(tracing_subscriber::fmt::format::Writer::new(&mut fields), event)?;
        writeln!(writer, "{}", redact_urls(&fields))
    }
}
