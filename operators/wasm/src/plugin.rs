//! WebAssembly component plugins (work in progress: not installed by `register` yet).

/// Runs component plugins under their granted capabilities.
#[derive(Default)]
pub struct WasmComponentRunner;

impl WasmComponentRunner {
    pub fn new() -> Self {
        WasmComponentRunner
    }
}
