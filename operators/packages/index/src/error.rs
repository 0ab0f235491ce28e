//! Errors of the registry clients.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The HTTP client could not be built or used.
    #[error("HTTP client: {0}")]
    Client(String),
    /// `--offline` and the cache has no entry for this URL.
    #[error("offline: {url} is not in the cache ({})", path.display())]
    Offline { url: String, path: PathBuf },
    /// The registry kept failing (connection errors, timeouts, 5xx) after retries.
    #[error("GET {url} failed after {attempts} attempt(s): {message}")]
    Network { url: String, message: String, attempts: u32 },
    /// The registry refused the credentials (or needs some).
    #[error("GET {url}: HTTP {status} (authentication required or token refused)")]
    Auth { url: String, status: u16 },
    /// Another unexpected HTTP status.
    #[error("GET {url}: unexpected HTTP {status}")]
    Status { url: String, status: u16 },
    /// The registry answered with something that is not the documented format.
    #[error("{url}: cannot parse the registry's answer: {message}")]
    Parse { url: String, message: String },
    /// The package does not exist in the registry.
    #[error("{ecosystem} package `{name}` does not exist in {registry}")]
    NotFound { ecosystem: &'static str, name: String, registry: String },
    /// A file does not match the checksum the repository serves next to it (Maven `.sha1`).
    #[error("{url}: checksum mismatch: the repository's .sha1 says {expected}, the file hashes to {actual}")]
    Checksum { url: String, expected: String, actual: String },
    /// A Maven project model cannot be built (a parent or import missing, a property that
    /// does not resolve, a dependency without a version).
    #[error("{pom}: {message}")]
    Model { pom: String, message: String },
    /// Reading or writing the cache failed.
    #[error("cache {}: {message}", path.display())]
    Cache { path: PathBuf, message: String },
}

impl IndexError {
    /// A hint for the user.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            IndexError::Offline { .. } => Some("run once without --offline to fill the cache"),
            IndexError::Network { .. } => Some("check the network or the registry URL in [packages] of tusk.toml; --offline uses the cache only"),
            IndexError::Auth { .. } => Some("set the registry token: token (or token_env) under [packages.registries.<eco>] in tusk.toml, or TUSK_PACKAGES__REGISTRIES__<ECO>__TOKEN"),
            IndexError::NotFound { .. } => Some("check the spelling of the package name"),
            IndexError::Checksum { .. } => Some("the repository or a proxy served a corrupted or tampered file; run with --refresh, or check the repository"),
            _ => None,
        }
    }
}
