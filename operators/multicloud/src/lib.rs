//! The @multicloud operator: one function described in `tusk-function.toml`, deployed to
//! AWS Lambda, Azure Functions (Flex Consumption) and Google Cloud Functions v2 in parallel.
//!
//! Modules: [`spec`] (the file), [`validate`] (each cloud's documented limits), [`package`]
//! (deterministic zip + content hash), [`aws`] (the AWS SDK for Rust), [`azure`], [`gcp`]
//! (deployers speaking each cloud's documented REST protocol), [`deploy`] (concurrent orchestration, atomic
//! rollback, the result table) and [`cli`] (verbs).

pub mod aws;
pub mod azure;
pub mod cli;
pub mod cloud;
pub mod deploy;
pub mod envvar;
pub mod error;
pub mod gcp;
pub mod http;
pub mod package;
pub mod spec;
pub mod validate;

use std::sync::Arc;

/// Registers @multicloud.
pub fn register(registry: &mut tusk_registry::Registry) {
    registry.register(Arc::new(cli::Multicloud));
}
