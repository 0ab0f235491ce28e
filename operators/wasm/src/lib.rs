//! The @wasm operator: run, invoke, compile, inspect and validate WebAssembly on wasmtime,
//! plus the compiled-code cache verbs; and the runner for WebAssembly component plugins.
//!
//! Layout: `commands/<verb>.rs` holds each verb (its arguments, help and work) and
//! `commands/mod.rs` the [`commands::Verb`] enum; `options.rs` turns the shared sandbox and
//! limit flags plus `[wasm]` config into the runtime's options; `runtime.rs` loads programs;
//! `error.rs` maps the embedding's errors to exit codes; `plugin.rs` runs component plugins.

mod commands;
mod config;
mod error;
mod options;
mod plugin;
mod runtime;
mod size;

use clap::{FromArgMatches, Subcommand};
use commands::Verb;
use std::sync::Arc;
use tusk_registry::{Alias, Context, Error, Invocation, Operator, OperatorInfo, Output};
use tusk_wasm_runtime::{self as rt, EngineOptions};

pub use config::WasmConfig;
pub use plugin::WasmComponentRunner;

/// Registers @wasm and installs the component-plugin runner (which starts wasmtime only
/// when a plugin is first described or run).
pub fn register(registry: &mut tusk_registry::Registry) {
    registry.register(Arc::new(WasmOperator));
    registry.set_component_runner(Arc::new(WasmComponentRunner::new()));
}

pub struct WasmOperator;

#[async_trait::async_trait]
impl Operator for WasmOperator {
    fn info(&self) -> OperatorInfo {
        OperatorInfo {
            name: "wasm",
            aliases: &[] as &[Alias],
            summary: "Run, compile and inspect WebAssembly on wasmtime, sandboxed",
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    fn command(&self) -> clap::Command {
        Verb::augment_subcommands(
            clap::Command::new("wasm").about("Run, compile and inspect WebAssembly on wasmtime, sandboxed"),
        )
    }

    fn is_mutating(&self, invocation: &Invocation) -> bool {
        Verb::from_arg_matches(&invocation.matches).is_ok_and(|verb| verb.is_mutating())
    }

    async fn doctor(&self, ctx: &Context) -> Vec<tusk_registry::DoctorCheck> {
        use tusk_registry::{CheckStatus, DoctorCheck};
        let mut checks = Vec::new();
        match rt::engine(EngineOptions::default()) {
            Ok(engine) => checks.push(DoctorCheck {
                name: "wasmtime".into(),
                status: CheckStatus::Ok,
                detail: format!("wasmtime {} ({}), engine {}", rt::WASMTIME_VERSION, std::env::consts::ARCH, rt::engine_fingerprint(&engine)),
            }),
            Err(e) => checks.push(DoctorCheck { name: "wasmtime".into(), status: CheckStatus::Fail, detail: e.to_string() }),
        }
        let config: WasmConfig = ctx.config.section("wasm").unwrap_or_default();
        match commands::open_cache(&config, ctx) {
            Ok(cache) => {
                let s = cache.stats();
                checks.push(DoctorCheck {
                    name: "wasm compiled-code cache".into(),
                    status: CheckStatus::Info,
                    detail: format!(
                        "{}: {} entries, {} of {}",
                        s.dir.display(),
                        s.entries + s.foreign_entries,
                        size::human_size(s.bytes),
                        size::human_size(s.max_bytes)
                    ),
                });
            }
            Err(e) => checks.push(DoctorCheck { name: "wasm compiled-code cache".into(), status: CheckStatus::Warn, detail: e.message }),
        }
        checks
    }

    async fn run(&self, invocation: Invocation, ctx: Context) -> tusk_registry::Result<Output> {
        let verb = Verb::from_arg_matches(&invocation.matches).map_err(|e| Error::usage(e.to_string()))?;
        let config: WasmConfig = ctx.config.section("wasm")?;
        let cancel = runtime::cancel_flag(&ctx);
        // wasmtime compiles and runs guests synchronously. On the CLI's multi-thread runtime
        // run them right on the calling thread (the main thread, as the wasmtime CLI does):
        // `block_in_place` tells tokio this thread blocks, and no thread is started or woken
        // before `_start`. Elsewhere (a current-thread runtime) hand them to the blocking pool.
        let flavor = tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor());
        if matches!(flavor, Ok(tokio::runtime::RuntimeFlavor::MultiThread)) {
            return tokio::task::block_in_place(move || verb.execute(&config, &ctx, cancel));
        }
        match tokio::task::spawn_blocking(move || verb.execute(&config, &ctx, cancel)).await {
            Ok(r) => r,
            Err(e) => Err(Error::failed(format!("the wasm worker stopped unexpectedly: {e}"))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn invocation(args: &[&str]) -> Invocation {
        let matches = WasmOperator.command().no_binary_name(true).try_get_matches_from(args).unwrap();
        Invocation { verb: args[0].to_string(), matches, invoked_as: "wasm".into(), preset: None }
    }

    #[test]
    fn the_command_is_well_formed() {
        WasmOperator.command().debug_assert();
    }

    #[test]
    fn timeout_takes_the_shared_duration_grammar() {
        let m = WasmOperator.command().no_binary_name(true).try_get_matches_from(["run", "--timeout", "1m30s", "a.wasm"]).unwrap();
        let (_, run) = m.subcommand().unwrap();
        assert_eq!(run.get_one::<std::time::Duration>("timeout"), Some(&std::time::Duration::from_secs(90)));
        let bad = WasmOperator.command().no_binary_name(true).try_get_matches_from(["run", "--timeout", "3 weeks", "a.wasm"]).unwrap_err();
        assert_eq!(bad.kind(), clap::error::ErrorKind::ValueValidation);
    }

    #[test]
    fn no_verb_is_mutating() {
        for args in [&["run", "a.wasm"][..], &["invoke", "a.wasm", "f"], &["compile", "a.wasm"], &["inspect", "a.wasm"], &["validate", "a.wasm"], &["cache", "clear"], &["cache", "stats"]] {
            assert!(!WasmOperator.is_mutating(&invocation(args)), "{args:?}");
        }
    }
}
