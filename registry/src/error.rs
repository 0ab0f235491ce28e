//! The one error type that crosses the operator boundary. Operators keep their own
//! thiserror enums inside and convert at the edge; the CLI renders this one.

use crate::exit::ExitStatus;
use std::fmt;

/// What kind of failure this is; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The operation failed (exit 1).
    Failed,
    /// Bad flags, arguments or input files (exit 2).
    Usage,
    /// This machine or build cannot do it (exit 3).
    Unsupported,
    /// Some targets done, some not (exit 4).
    Partial,
    /// Cancelled by Ctrl-C (exit 130).
    Interrupted,
}

impl ErrorKind {
    pub fn exit_status(self) -> ExitStatus {
        match self {
            ErrorKind::Failed => ExitStatus::Failure,
            ErrorKind::Usage => ExitStatus::Usage,
            ErrorKind::Unsupported => ExitStatus::Unsupported,
            ErrorKind::Partial => ExitStatus::Partial,
            ErrorKind::Interrupted => ExitStatus::Interrupted,
        }
    }
}

/// An error reported by an operator or by tusk itself: a message, an optional hint for the
/// user, an optional location (file, line, flag) and the chain of causes.
#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
    /// Where the bad input is: `path:line:col`, `--flag`, `document 2 of deploy.yaml`.
    pub location: Option<String>,
    pub source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    /// Overrides the exit code the kind implies (e.g. a guest's `proc_exit(n)`).
    pub exit_override: Option<ExitStatus>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), hint: None, location: None, source: None, exit_override: None }
    }
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failed, message)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }
    pub fn interrupted() -> Self {
        Self::new(ErrorKind::Interrupted, "interrupted")
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
    pub fn with_exit(mut self, status: ExitStatus) -> Self {
        self.exit_override = Some(status);
        self
    }
    pub fn exit_status(&self) -> ExitStatus {
        self.exit_override.unwrap_or(self.kind.exit_status())
    }
    /// The messages of the cause chain, outermost first, without this error's own message.
    pub fn causes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> =
            self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(e) = next {
            let text = e.to_string();
            if out.last() != Some(&text) && text != self.message {
                out.push(text);
            }
            next = e.source();
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::failed(e.to_string()).with_source(e)
    }
}
