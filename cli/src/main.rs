//! The `tusk` binary. `main` only turns the outcome into the exit code, so every path out of
//! tusk goes through one place.
//!
//! Modules, each using only modules listed after it:
//! - `app`: the top-level command; hands a built-in command to `builtins`, `@name` to `dispatch`
//! - `builtins`: `operators`, `plugin`, `config`, `doctor`, `audit`, `completions`, `help`
//! - `dispatch`: `@name` to a built-in operator or a plugin, parsed with its own command; audit
//! - `execute`: the operator context, the async runtime with Ctrl-C, printing the result
//! - `session`: paths, registry, merged config and the global settings of this run
//! - `interaction`, `progress`: what an operator's context talks to on stderr
//! - `printer` (stdout), `diagnostics` (errors and logs on stderr)
//! - `globals` (global flags), `color`, `operators` (the built-ins compiled in)

mod app;
mod builtins;
mod color;
mod diagnostics;
mod dispatch;
mod execute;
mod globals;
mod interaction;
mod operators;
mod printer;
mod progress;
mod session;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(app::run())
}
