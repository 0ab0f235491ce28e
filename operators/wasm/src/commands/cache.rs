//! `@wasm cache stats|clear`: the content-addressed compiled-code cache.

use crate::config::WasmConfig;
use crate::error::convert;
use crate::options::{Grants, Limits, options};
use crate::runtime::cache_dir;
use crate::size::human_size;
use clap::{Args, Subcommand};
use tusk_registry::{Cell, Context, Error, Output};
use tusk_wasm_runtime as rt;

#[derive(Debug, Args)]
#[command(about = "Manage the compiled-code cache", after_long_help = "Examples:\n  tusk @wasm cache stats\n  tusk @wasm cache clear")]
pub struct CacheCommand {
    #[command(subcommand)]
    action: CacheAction,
}

#[derive(Debug, Subcommand)]
enum CacheAction {
    /// Show where the cache is and how big it is
    #[command(
        long_about = "Shows the compiled-code cache directory ($XDG_CACHE_HOME/tusk/wasm), its entries and size.",
        after_long_help = "Examples:\n  tusk @wasm cache stats\n  tusk @wasm -o json cache stats"
    )]
    Stats,
    /// Delete every cached compilation
    #[command(
        long_about = "Deletes every entry of the compiled-code cache (all engine configurations).",
        after_long_help = "Examples:\n  tusk @wasm cache clear"
    )]
    Clear,
}

impl CacheCommand {
    pub fn execute(self, config: &WasmConfig, ctx: &Context) -> tusk_registry::Result<Output> {
        match self.action {
            CacheAction::Stats => stats(config, ctx),
            CacheAction::Clear => clear(config, ctx),
        }
    }
}

/// The cache as this configuration's engine sees it (also used by `tusk doctor`).
pub fn open(config: &WasmConfig, ctx: &Context) -> tusk_registry::Result<rt::cache::Cache> {
    let opts = options(&Limits::default(), &Grants::default(), config, ctx, false)?;
    let engine = rt::engine(opts.engine_options()).map_err(|e| convert(e, None))?;
    Ok(rt::cache::Cache::new(cache_dir(ctx), rt::engine_fingerprint(&engine), opts.cache_max_bytes))
}

fn stats(config: &WasmConfig, ctx: &Context) -> tusk_registry::Result<Output> {
    let s = open(config, ctx)?.stats();
    Ok(Output::new(&s).kv([
        ("directory", Cell::from(s.dir.display().to_string())),
        ("entries", Cell::from(s.entries.to_string())),
        ("other engines' entries", Cell::from(s.foreign_entries.to_string())),
        ("size", Cell::from(human_size(s.bytes))),
        ("size bound", Cell::from(human_size(s.max_bytes))),
        ("engine", Cell::from(format!("wasmtime {} ({})", rt::WASMTIME_VERSION, s.engine_fingerprint))),
    ]))
}

fn clear(config: &WasmConfig, ctx: &Context) -> tusk_registry::Result<Output> {
    let cache = open(config, ctx)?;
    let (n, bytes) = cache
        .clear()
        .map_err(|e| Error::failed(format!("cannot clear {}: {e}", cache.root().display())).at(cache.root().display().to_string()))?;
    Ok(Output::new(serde_json::json!({"removed_entries": n, "removed_bytes": bytes, "directory": cache.root()}))
        .text(format!("removed {n} compiled entr{} ({})", if n == 1 { "y" } else { "ies" }, human_size(bytes))))
}
