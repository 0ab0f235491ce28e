//! `@wasm invoke`: call one exported function with typed arguments.

use crate::config::WasmConfig;
use crate::error::convert;
use crate::options::{Grants, Limits, options};
use crate::runtime::{load, runtime};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tusk_registry::{Context, ErrorKind, Output};

const LONG_ABOUT: &str = "Instantiates the program (with the same sandbox and limits as `run`) and calls EXPORT.\n\n\
Core module: `_initialize` runs first if it exists; arguments are converted to the parameter \
types (i32, i64, f32, f64); results are printed one per line.\n\n\
Component: EXPORT is a function name, or INTERFACE#NAME for a function of an exported \
interface; each argument and result is a value in the WAVE text format (`42`, `\"text\"`, \
`[1, 2]`, `{x: 1, y: -2}`, `some(3)`, `ok(1)`).";

const EXAMPLES: &str = "Examples:\n  tusk @wasm invoke math.wat add 2 3\n  tusk @wasm invoke math.wasm hypot 3 4\n  tusk @wasm -o json invoke math.wat divmod 17 5\n  tusk @wasm invoke calc.wasm sum '[1, 2, 3]'\n  tusk @wasm invoke calc.wasm manhattan '{x: 3, y: -4}'";

#[derive(Debug, Args)]
#[command(
    about = "Call an exported function with typed arguments (core module or component)",
    long_about = LONG_ABOUT,
    after_long_help = EXAMPLES
)]
pub struct InvokeCommand {
    /// A module or component: .wasm, .wat or .cwasm
    file: PathBuf,
    /// The exported function (`INTERFACE#NAME` inside a component's exported interface)
    export: String,
    /// Arguments: numbers for core modules, WAVE values for components
    #[arg(allow_hyphen_values = true, value_name = "VALUES")]
    values: Vec<String>,
    #[command(flatten)]
    grants: Grants,
    #[command(flatten)]
    limits: Limits,
    /// Do not read or write the compiled-code cache
    #[arg(long)]
    no_cache: bool,
}

impl InvokeCommand {
    pub fn execute(self, config: &WasmConfig, ctx: &Context, cancel: Arc<AtomicBool>) -> tusk_registry::Result<Output> {
        let opts = options(&self.limits, &self.grants, config, ctx, self.no_cache)?;
        let runtime = runtime(&opts)?;
        let program = load(&runtime, &self.file, ctx)?;
        let r = runtime.invoke(&program, &self.file, &self.export, &self.values, &opts, cancel).map_err(|e| {
            let err = convert(e, Some(&self.file));
            if err.kind == ErrorKind::Usage && err.message.contains("WAVE") {
                err.with_hint("component arguments are WAVE values: strings in double quotes (\"text\"), lists [1, 2], records {x: 1}, options some(1)/none, results ok(1)/err(\"e\"); quote them for the shell")
            } else if err.kind == ErrorKind::Usage && err.hint.is_none() {
                err.with_hint("`tusk @wasm inspect FILE` lists the exports and their signatures")
            } else {
                err
            }
        })?;
        let lines: Vec<String> = r.results.iter().map(|v| v.to_string()).collect();
        Ok(Output::new(&r).lines(lines))
    }
}
