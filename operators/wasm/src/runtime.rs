//! Building the wasmtime runtime a verb runs on, loading a program into it (with progress),
//! and the cancellation flag the guest's epoch callback checks.

use crate::error::convert;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tusk_registry::Context;
use tusk_wasm_runtime::{self as rt, CodeSource, Options, Runtime};

/// An AtomicBool set when the operation is cancelled (checked by the guest's epoch callback).
/// Cancelling goes through [`rt::request_stop`], which also stops a guest that has no
/// watchdog thread (see there). The waiting task runs on a worker: the guest keeps the
/// thread that runs the verb busy.
pub fn cancel_flag(ctx: &Context) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let token = ctx.cancel.clone();
    tokio::spawn(async move {
        token.cancelled().await;
        rt::request_stop(&f);
    });
    flag
}

/// The compiled-code cache: `$XDG_CACHE_HOME/tusk/wasm`.
pub fn cache_dir(ctx: &Context) -> PathBuf {
    ctx.paths.cache("wasm")
}

pub fn runtime(opts: &Options) -> tusk_registry::Result<Runtime> {
    Runtime::new(opts.engine_options(), opts.cache_dir.as_deref(), opts.cache_max_bytes).map_err(|e| convert(e, None))
}

/// Where the native code came from, as `run -o json` and progress show it.
pub fn source_name(s: CodeSource) -> &'static str {
    match s {
        CodeSource::Compiled => "compiled",
        CodeSource::CacheHit => "cache-hit",
        CodeSource::Precompiled => "precompiled",
    }
}

/// Loads (compiles, maps from the cache, or deserializes a .cwasm) with a progress task.
pub fn load(runtime: &Runtime, file: &Path, ctx: &Context) -> tusk_registry::Result<rt::LoadedProgram> {
    let task = ctx.progress.task(format!("loading {}", file.display()));
    match runtime.load(file) {
        Ok(p) => {
            task.ok(format!("{} in {} ms", source_name(p.source), p.load_time.as_millis()));
            Ok(p)
        }
        Err(e) => {
            task.fail("failed");
            Err(convert(e, Some(file)))
        }
    }
}
