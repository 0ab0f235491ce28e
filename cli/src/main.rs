//! The `tusk` binary. Everything lives in modules; `main` only maps the outcome to an exit
//! code, so that every path out of tusk goes through one place.

mod app;
mod builtins;
mod diagnostics;
mod dispatch;
mod globals;
mod interaction;
mod operators;
mod printer;
mod progress;

fn main() -> std::process::ExitCode {
    let code = app::main();
    std::process::ExitCode::from(code)
}
