//! The `@wasm` verbs, one file each. [`Verb`] is the one place that lists them and says what
//! each one is (mutating or not); each verb's arguments and help live in its own file.

mod cache;
mod compile;
mod inspect;
mod invoke;
mod run;
mod validate;

pub use cache::open as open_cache;

use crate::config::WasmConfig;
use clap::Subcommand;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tusk_registry::{Context, Output};

#[derive(Debug, Subcommand)]
pub enum Verb {
    Run(run::RunCommand),
    Invoke(invoke::InvokeCommand),
    Compile(compile::CompileCommand),
    Inspect(inspect::InspectCommand),
    Validate(validate::ValidateCommand),
    Cache(cache::CacheCommand),
}

impl Verb {
    /// Whether the verb changes something outside this machine (audited, honours
    /// `--dry-run`). None does: `compile` and `cache clear` only write this machine's files,
    /// and guests only see what `--dir` grants.
    pub fn is_mutating(&self) -> bool {
        match self {
            Verb::Run(_) | Verb::Invoke(_) | Verb::Compile(_) | Verb::Inspect(_) | Verb::Validate(_) | Verb::Cache(_) => false,
        }
    }

    /// Runs the verb on the calling (blocking) thread.
    pub fn execute(self, config: &WasmConfig, ctx: &Context, cancel: Arc<AtomicBool>) -> tusk_registry::Result<Output> {
        match self {
            Verb::Run(c) => c.execute(config, ctx, cancel),
            Verb::Invoke(c) => c.execute(config, ctx, cancel),
            Verb::Compile(c) => c.execute(config, ctx),
            Verb::Inspect(c) => c.execute(config, ctx),
            Verb::Validate(c) => c.execute(),
            Verb::Cache(c) => c.execute(config, ctx),
        }
    }
}
