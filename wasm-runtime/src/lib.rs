//! The wasmtime embedding (built by the @wasm issue).
