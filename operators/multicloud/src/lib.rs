//! The @multicloud operator: one function described in `tusk-function.toml`, deployed to
//! AWS Lambda, Azure Functions (Flex Consumption) and Google Cloud Functions v2 in parallel.
//!
//! Modules: [`operator`] (what the registry calls), [`commands`] (one file per verb:
//! `commands/deploy.rs` is `tusk @multicloud deploy`), [`spec`] (the file), [`validate`] (each
//! cloud's documented limits), [`package`] (deterministic zip + content hash), [`cloud`] (the
//! trait every deployer implements), [`aws`] (the AWS SDK for Rust), [`azure`], [`gcp`]
//! (each cloud's documented REST protocol over [`http`]) and [`orchestrate`] (selecting clouds,
//! credentials first, one operation on every cloud concurrently, the result table).

pub mod aws;
pub mod azure;
pub mod cloud;
pub mod commands;
pub mod doctor;
pub mod envvar;
pub mod error;
pub mod gcp;
pub mod http;
pub mod operator;
pub mod orchestrate;
pub mod package;
pub mod spec;
pub mod validate;

pub use operator::Multicloud;

use std::sync::Arc;

/// Registers @multicloud.
pub fn register(registry: &mut tusk_registry::Registry) {
    registry.register(Arc::new(Multicloud));
}
