//! `@wasm run`: run a module (WASI preview 1) or component (WASI 0.2), sandboxed.

use crate::config::WasmConfig;
use crate::error::convert;
use crate::options::{Grants, Limits, options};
use crate::runtime::{load, runtime, source_name};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tusk_registry::{Context, ExitStatus, Output};

const LONG_ABOUT: &str = "\
Runs a WebAssembly program: a core module with WASI preview 1 (its `_start`), or a component
with WASI 0.2 (`wasi:cli/run`). `.wasm`, `.wat` text and code precompiled by `compile` are
detected from the bytes.

The guest is sandboxed: it sees no files, no environment variables and no network, and only
the arguments after the file. Grant access with --dir, --dir-ro, --env and --env-inherit.
Its stdin, stdout and stderr are the terminal's.

Exit status: the guest's own exit code (`proc_exit(n)`, or 0 when `_start` returns);
124 when a limit (--fuel, --max-memory, --timeout, --max-stack) stops it; 134 on a trap,
which is printed with a wasm backtrace.";

const EXAMPLES: &str = "\
Examples:
  tusk @wasm run hello.wasm
  tusk @wasm run app.wasm -- --verbose input.txt
  tusk @wasm run tool.wasm --dir ./data::/data --dir-ro ./config --env LOG=debug -- /data/in
  tusk @wasm run untrusted.wasm --timeout 2s --max-memory 64MiB --fuel 1000000000
  tusk @wasm -o json run app.wasm      # summary (exit code, fuel, cache) after the guest's output";

#[derive(Debug, Args)]
#[command(about = "Run a module or component (WASI)", long_about = LONG_ABOUT, after_long_help = EXAMPLES)]
pub struct RunCommand {
    /// The program: .wasm (module or component), .wat, or .cwasm from `compile`
    file: PathBuf,
    /// Arguments for the guest (after the file; use `--` before ones that start with `-`)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
    args: Vec<String>,
    #[command(flatten)]
    grants: Grants,
    #[command(flatten)]
    limits: Limits,
    /// argv[0] as the guest sees it (default: the file name)
    #[arg(long, value_name = "NAME")]
    argv0: Option<String>,
    /// Do not read or write the compiled-code cache
    #[arg(long)]
    no_cache: bool,
}

impl RunCommand {
    pub fn execute(self, config: &WasmConfig, ctx: &Context, cancel: Arc<AtomicBool>) -> tusk_registry::Result<Output> {
        let mut opts = options(&self.limits, &self.grants, config, ctx, self.no_cache)?;
        opts.args = self.args;
        opts.argv0 = self.argv0;
        let runtime = runtime(&opts)?;
        let program = load(&runtime, &self.file, ctx)?;
        let outcome = runtime.run(&program, &self.file, &opts, cancel).map_err(|e| convert(e, Some(&self.file)))?;
        let code = (outcome.exit_code & 0xff) as u8;
        let data = serde_json::json!({
            "file": self.file,
            "kind": program.kind.name(),
            "exit_code": outcome.exit_code,
            "fuel_consumed": outcome.fuel_consumed,
            "code": source_name(program.source),
        });
        let mut out = Output::new(data);
        if code != 0 {
            out = out.with_status(ExitStatus::Code(code));
        }
        Ok(out)
    }
}
