//! The operator's errors, converted to `tusk_registry::Error` at the edge.

use std::path::PathBuf;
use tusk_registry::{Error, ErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum McError {
    /// The spec file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    SpecRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The spec is not valid TOML or has unknown/mistyped keys.
    #[error("invalid function spec: {message}")]
    SpecSyntax { location: String, message: String },
    /// A value breaks a cloud's documented limit (checked before any call).
    #[error("{message}")]
    Spec { location: String, message: String, hint: Option<String> },
    /// Several problems in the spec (and flags), all reported at once.
    #[error("{} problems in {file}", problems.len())]
    Invalid { file: String, problems: Vec<crate::validate::Problem> },
    /// Bad flag.
    #[error("{message}")]
    Usage { flag: String, message: String, hint: Option<String> },
    /// No credentials for a cloud.
    #[error("{cloud}: no credentials found")]
    Credentials { cloud: &'static str, looked_for: String },
    /// Packaging failed.
    #[error("packaging failed: {0}")]
    Package(String),
    /// A cloud API answered with an error.
    #[error("{cloud}: {operation} failed: {message}")]
    Api { cloud: &'static str, operation: String, status: Option<u16>, message: String },
    /// Transport error (connection refused, TLS…).
    #[error("{cloud}: {operation}: {source}")]
    Http {
        cloud: &'static str,
        operation: String,
        #[source]
        source: reqwest::Error,
    },
    /// A long-running operation did not finish in time or ended badly.
    #[error("{cloud}: {message}")]
    Operation { cloud: &'static str, message: String },
    #[error("interrupted")]
    Interrupted,
}

impl McError {
    pub fn api(cloud: &'static str, operation: impl Into<String>, status: Option<u16>, message: impl Into<String>) -> Self {
        McError::Api { cloud, operation: operation.into(), status, message: message.into() }
    }
    pub fn op(cloud: &'static str, message: impl Into<String>) -> Self {
        McError::Operation { cloud, message: message.into() }
    }
}

impl From<McError> for Error {
    fn from(e: McError) -> Error {
        match e {
            McError::SpecRead { ref path, .. } => {
                let p = path.display().to_string();
                Error::new(ErrorKind::Usage, e.to_string())
                    .at(p)
                    .with_hint("create one with `tusk @multicloud init`, or pass --file PATH")
            }
            McError::SpecSyntax { location, message } => {
                Error::usage(format!("invalid function spec: {message}")).at(location)
            }
            McError::Spec { location, message, hint } => {
                let mut err = Error::usage(message).at(location);
                if let Some(h) = hint {
                    err = err.with_hint(h);
                }
                err
            }
            McError::Invalid { ref problems, .. } => {
                // One line per problem: where, which field, what is allowed (and its hint).
                let mut text = e.to_string();
                text.push(':');
                for p in problems {
                    let (location, message, hint) = match &p.error {
                        McError::Spec { location, message, hint } => (location.as_str(), message.to_string(), hint.as_deref()),
                        McError::Usage { flag, message, hint } => (flag.as_str(), message.to_string(), hint.as_deref()),
                        other => ("", other.to_string(), None),
                    };
                    text.push_str(&format!("\n  {location}: {}: {message}", p.field));
                    if let Some(h) = hint {
                        text.push_str(&format!(" ({h})"));
                    }
                }
                Error::usage(text).with_hint("fix every field listed; `tusk @multicloud validate` checks again without calling a cloud")
            }
            McError::Usage { flag, message, hint } => {
                let mut err = Error::usage(message).at(flag);
                if let Some(h) = hint {
                    err = err.with_hint(h);
                }
                err
            }
            McError::Credentials { cloud: "", ref looked_for } => {
                let clouds: Vec<&str> = looked_for.lines().filter_map(|l| l.trim().split_once(':').map(|(c, _)| c)).collect();
                Error::failed(format!("no credentials found for {}", clouds.join(", "))).with_hint(format!("looked for:{looked_for}"))
            }
            McError::Credentials { ref looked_for, .. } => {
                let hint = format!("looked for: {looked_for}");
                Error::failed(e.to_string()).with_hint(hint)
            }
            McError::Interrupted => Error::interrupted(),
            other => Error::failed(other.to_string()),
        }
    }
}
