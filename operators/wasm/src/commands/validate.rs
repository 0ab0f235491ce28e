//! `@wasm validate`: parse and validate with the proposals this engine enables.

use crate::error::convert;
use clap::Args;
use std::path::PathBuf;
use tusk_registry::{Cell, Output, Style};
use tusk_wasm_runtime::{self as rt, EngineOptions, Kind};

const LONG_ABOUT: &str = "Parses and validates a module, component or .wat file with the proposals this engine enables. \
Exit status 0 when valid, 2 when not (with the reason and the offset).";

const EXAMPLES: &str = "Examples:\n  tusk @wasm validate app.wasm\n  tusk @wasm validate broken.wat";

#[derive(Debug, Args)]
#[command(about = "Check that a file is valid WebAssembly for this engine", long_about = LONG_ABOUT, after_long_help = EXAMPLES)]
pub struct ValidateCommand {
    /// A .wasm, .wat or .cwasm file
    file: PathBuf,
}

impl ValidateCommand {
    pub fn execute(self) -> tusk_registry::Result<Output> {
        let engine = rt::engine(EngineOptions::default()).map_err(|e| convert(e, None))?;
        let kind: Kind = rt::validate(&engine, &self.file).map_err(|e| convert(e, Some(&self.file)))?;
        Ok(Output::new(serde_json::json!({"file": self.file, "valid": true, "kind": kind.name(), "encoding": kind.encoding()}))
            .text(Cell::styled(format!("{}: valid {} ({})", self.file.display(), kind.name(), kind.encoding()), Style::Good)))
    }
}
