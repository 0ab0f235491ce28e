//! When tusk writes ANSI colour: one choice for results, messages, logs and process plugins.

use std::io::IsTerminal;
use tusk_registry::paths::env;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// From a `--color` flag or `color` config value: an explicit `always`/`never` beats
    /// `NO_COLOR`, which beats auto-detection.
    pub fn from_setting(value: Option<&str>) -> ColorWhen {
        match value {
            Some("always") => ColorWhen::Always,
            Some("never") => ColorWhen::Never,
            _ if std::env::var_os(env::NO_COLOR).is_some_and(|v| !v.is_empty()) => ColorWhen::Never,
            _ => ColorWhen::Auto,
        }
    }

    pub fn choice(self) -> anstream::ColorChoice {
        match self {
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
            ColorWhen::Auto => anstream::ColorChoice::Auto,
        }
    }

    /// Whether to colour what goes to `stream`: `Auto` means "when it is a terminal".
    pub fn is_on_for(self, stream: &impl IsTerminal) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => stream.is_terminal(),
        }
    }
}
