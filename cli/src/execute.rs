//! Running a parsed command, shared by operators, plugins and built-ins: the operator
//! [`Context`], the async runtime with Ctrl-C handling, and turning the result into printed
//! output and an exit code.

use crate::color::ColorWhen;
use crate::session::Session;
use crate::{diagnostics, interaction, printer, progress};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
///
/// The future is polled on this (the main) thread rather than spawned onto a worker, so an
/// operation that ends up running synchronously (a WebAssembly guest) starts without hand-offs
/// between threads; Ctrl-C is watched by a task on a worker, so it is seen even while the
/// operation keeps this thread busy.
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
    let color = session.color;
    let result = rt.block_on(async move {
        let interrupted = Arc::new(AtomicBool::new(false));
        // The handler is installed here, before the operation starts.
        let second_ctrl_c = tokio::spawn(watch_ctrl_c(interrupt_signal(), cancel, interrupted.clone(), quiet, color));
        let watcher = second_ctrl_c.abort_handle();
        let result = tokio::select! {
            biased;
            r = CatchUnwind(Box::pin(fut)) => match joined(r) {
                r if !interrupted.load(Ordering::SeqCst) => r,
                Ok(_) => Err(Error::interrupted()),
                Err(e) if e.kind == ErrorKind::Interrupted => Err(e),
                Err(e) => Err(Error::interrupted().with_source(e)),
            },
            _ = second_ctrl_c => Err(second_ctrl_c_error()),
        };
        watcher.abort();
        result
    });
    // Do not wait for stray blocking tasks (a hung SDK call) once the result is known.
    rt.shutdown_background();
    result
}

#[cfg(unix)]
type Interrupts = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Interrupts = ();

/// Installs the SIGINT handler now (not when a task first polls it).
#[cfg(unix)]
fn interrupt_signal() -> Interrupts {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok()
}
#[cfg(not(unix))]
fn interrupt_signal() -> Interrupts {}

#[cfg(unix)]
async fn next_ctrl_c(signals: &mut Interrupts) {
    match signals {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}
#[cfg(not(unix))]
async fn next_ctrl_c(_: &mut Interrupts) {
    let _ = tokio::signal::ctrl_c().await;
}

fn second_ctrl_c_error() -> Error {
    Error::interrupted().with_hint("exited at once on the second Ctrl-C; clean-up did not finish")
}

/// Cancels on the first Ctrl-C; returns on the second. If the main thread is then still
/// blocked inside the operation (a guest waiting in a host call), exits from here.
async fn watch_ctrl_c(mut signals: Interrupts, cancel: CancellationToken, interrupted: Arc<AtomicBool>, quiet: bool, color: ColorWhen) {
    next_ctrl_c(&mut signals).await;
    interrupted.store(true, Ordering::SeqCst);
    cancel.cancel();
    if !quiet {
        eprintln!("interrupted: stopping and cleaning up (press Ctrl-C again to exit now)");
    }
    next_ctrl_c(&mut signals).await;
    // Dropped with the runtime when the main thread returns in time.
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        std::process::exit(i32::from(diagnostics::report(&second_ctrl_c_error(), color)));
    });
}

/// Catches a panic of the operation, as a spawned task's `JoinError` did.
struct CatchUnwind<F>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned());
                std::task::Poll::Ready(Err(match message {
                    Some(m) => format!("panicked with message {m:?}"),
                    None => "panicked".to_string(),
                }))
            }
        }
    }
}

fn joined<T>(r: Result<Result<T, Error>, String>) -> Result<T, Error> {
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
