//! `@wasm compile`: ahead-of-time compilation to a `.cwasm` that `run` loads directly.

use crate::config::WasmConfig;
use crate::error::convert;
use crate::size::human_size;
use clap::Args;
use std::path::PathBuf;
use tusk_registry::{Cell, Context, Error, Output, Style};
use tusk_wasm_runtime::{self as rt, EngineOptions, Runtime};

const LONG_ABOUT: &str = "Compiles a module or component ahead of time with this tusk's engine. `run` loads the output directly; \
it refuses code compiled by another wasmtime version or engine configuration (e.g. with or without \
--fuel) with a clear error. Pass --fuel or --timeout when compiling code that will run with that limit.";

const EXAMPLES: &str = "Examples:\n  tusk @wasm compile app.wasm                # writes app.cwasm\n  tusk @wasm compile app.wasm --out /tmp/app.cwasm\n  tusk @wasm run app.cwasm";

#[derive(Debug, Args)]
#[command(about = "Compile ahead of time to native code (.cwasm)", long_about = LONG_ABOUT, after_long_help = EXAMPLES)]
pub struct CompileCommand {
    /// A .wasm or .wat module or component
    file: PathBuf,
    /// Where to write the native code (default: FILE with the extension .cwasm)
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Compile with fuel metering (needed to run the output with --fuel)
    #[arg(long)]
    fuel: bool,
    /// Compile with epoch checks (needed to run the output with --timeout)
    #[arg(long)]
    timeout: bool,
}

impl CompileCommand {
    pub fn execute(self, config: &WasmConfig, ctx: &Context) -> tusk_registry::Result<Output> {
        // The code-changing settings `run` picks with the same config, plus the flags.
        let eopts = EngineOptions {
            fuel: self.fuel || config.fuel.is_some(),
            epochs: self.timeout || config.timeout.is_some(),
            ..EngineOptions::default()
        };
        let runtime = Runtime::new(eopts, None, 0).map_err(|e| convert(e, None))?;
        let out = self.out.clone().unwrap_or_else(|| self.file.with_extension("cwasm"));
        if out == self.file {
            return Err(Error::usage(format!("--out {} would overwrite the input", out.display())).at("--out"));
        }
        let task = ctx.progress.task(format!("compiling {}", self.file.display()));
        let start = std::time::Instant::now();
        let (bytes, kind) = match runtime.precompile(&self.file) {
            Ok(r) => r,
            Err(e) => {
                task.fail("failed");
                return Err(convert(e, Some(&self.file)));
            }
        };
        task.ok("done");
        tusk_registry::fsutil::write_atomic(&out, &bytes)
            .map_err(|e| Error::failed(format!("cannot write {}: {e}", out.display())).at(out.display().to_string()))?;
        let data = serde_json::json!({
            "input": self.file,
            "output": out,
            "kind": kind.name(),
            "size": bytes.len(),
            "fuel": eopts.fuel,
            "engine": rt::engine_fingerprint(runtime.engine()),
            "wasmtime": rt::WASMTIME_VERSION,
            "compile_ms": start.elapsed().as_millis() as u64,
        });
        Ok(Output::new(data).text(Cell::styled(
            format!("compiled {} ({}) to {} ({})", self.file.display(), kind.name(), out.display(), human_size(bytes.len() as u64)),
            Style::Good,
        )))
    }
}
