//! Running a parsed command, shared by operators, plugins and built-ins: the operator
//! [`Context`], the async runtime with Ctrl-C handling, and turning the result into printed
//! output and an exit code.

use crate::session::Session;
use crate::{diagnostics, interaction, printer, progress};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tusk_registry::audit::AuditScope;
use tusk_registry::{Context, Error, ErrorKind, Output, Progress};

pub fn context_for(session: &Session) -> Context {
    let bars = progress::Bars::new(session.show_progress, session.flags.quiet);
    Context {
        config: Arc::new(session.config.clone()),
        output: session.output,
        dry_run: session.flags.dry_run,
        verbosity: session.flags.verbosity(),
        progress: Progress::new(Arc::new(bars)),
        cancel: CancellationToken::new(),
        audit: AuditScope::default(),
        paths: session.paths.clone(),
        ui: Arc::new(interaction::Terminal { color: session.color, quiet: session.flags.quiet }),
    }
}

/// Runs an operator future on a fresh runtime. The first Ctrl-C cancels the token and
/// lets the operator clean up (an atomic deploy rolls back); a second one exits at once.
pub fn run_async<T, F>(session: &Session, cancel: CancellationToken, fut: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: std::future::Future<Output = Result<T, Error>> + Send + 'static,
{
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return Err(Error::failed(format!("cannot start the async runtime: {e}"))),
    };
    let quiet = session.flags.quiet;
    let result = rt.block_on(async move {
        let task = tokio::spawn(fut);
        tokio::pin!(task);
        tokio::select! {
            r = &mut task => joined(r),
            _ = tokio::signal::ctrl_c() => {
                cancel.cancel();
                if !quiet {
                    eprintln!("interrupted: stopping and cleaning up (press Ctrl-C again to exit now)");
                }
                tokio::select! {
                    r = &mut task => match joined(r) {
                        Ok(_) => Err(Error::interrupted()),
                        Err(e) if e.kind == ErrorKind::Interrupted => Err(e),
                        Err(e) => Err(Error::interrupted().with_source(e)),
                    },
                    _ = tokio::signal::ctrl_c() => Err(Error::interrupted().with_hint("exited at once on the second Ctrl-C; clean-up did not finish")),
                }
            }
        }
    });
    // Do not wait for stray blocking tasks (a hung SDK call) once the result is known.
    rt.shutdown_background();
    result
}

fn joined<T>(r: Result<Result<T, Error>, tokio::task::JoinError>) -> Result<T, Error> {
    match r {
        Ok(inner) => inner,
        Err(e) => Err(Error::failed(format!("internal error: the operation panicked ({e})"))
            .with_hint("this is a bug in tusk; please report it with the command you ran")),
    }
}

/// Prints the result or the error and returns the exit code.
pub fn finish(session: &Session, result: Result<Output, Error>) -> u8 {
    match result {
        Ok(output) => match printer::print(&output, session.output, session.color) {
            Ok(()) => output.status.code(),
            Err(e) => diagnostics::report(&e, session.color),
        },
        Err(e) => diagnostics::report(&e, session.color),
    }
}
