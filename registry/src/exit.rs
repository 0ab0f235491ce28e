//! Exit codes are public API: scripts branch on them. Documented in docs/exit-codes.md.

/// The process exit status of a tusk command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExitStatus {
    /// 0: the command did what was asked.
    Success,
    /// 1: the operation failed (or, for predicate verbs like `diff` and `satisfies`, "no").
    Failure,
    /// 2: the command line or an input file is wrong.
    Usage,
    /// 3: a capability this machine or build lacks.
    Unsupported,
    /// 4: some targets succeeded and some did not.
    Partial,
    /// 5: a predicate verb (one whose 1 means "no", like `@kubernetes diff`) failed and so
    /// could not answer; other verbs report a failure as 1.
    NoAnswer,
    /// 130: interrupted (Ctrl-C).
    Interrupted,
    /// Any other code, forwarded unchanged (a plugin's exit code, a guest's `proc_exit`).
    Code(u8),
}

impl ExitStatus {
    pub const SUCCESS: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const UNSUPPORTED: u8 = 3;
    pub const PARTIAL: u8 = 4;
    pub const NO_ANSWER: u8 = 5;
    pub const INTERRUPTED: u8 = 130;

    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => Self::SUCCESS,
            ExitStatus::Failure => Self::FAILURE,
            ExitStatus::Usage => Self::USAGE,
            ExitStatus::Unsupported => Self::UNSUPPORTED,
            ExitStatus::Partial => Self::PARTIAL,
            ExitStatus::NoAnswer => Self::NO_ANSWER,
            ExitStatus::Interrupted => Self::INTERRUPTED,
            ExitStatus::Code(c) => c,
        }
    }

    pub fn is_success(self) -> bool {
        self.code() == 0
    }
}
