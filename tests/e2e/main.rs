//! End-to-end CLI suites: the real `tusk` binary in a temporary home.

mod core;
// Runs the commands the pages show; the pages describe the default build (every operator).
#[cfg(all(feature = "kubernetes", feature = "multicloud", feature = "wasm", feature = "packages"))]
mod docs;
// Reads inputs of every operator, so it needs the default build too.
#[cfg(all(feature = "kubernetes", feature = "multicloud", feature = "wasm", feature = "packages"))]
mod hostile;
#[cfg(feature = "kubernetes")]
mod kubernetes;
#[cfg(feature = "multicloud")]
mod multicloud;
#[cfg(feature = "packages")]
mod packages;
#[cfg(feature = "packages")]
mod packages_versions;
// Plants secrets for every operator, so it needs the default build too.
#[cfg(all(feature = "kubernetes", feature = "multicloud", feature = "wasm", feature = "packages"))]
mod secrets;
#[cfg(feature = "wasm")]
mod wasm;
