//! Global flags: accepted before the operator and after the verb alike.

use clap::{Arg, ArgAction, ArgMatches, Command};
use tusk_registry::OutputFormat;

pub const OUTPUT: &str = "output";
pub const DRY_RUN: &str = "dry-run";
pub const VERBOSE: &str = "verbose";
pub const QUIET: &str = "quiet";
pub const NO_PROGRESS: &str = "no-progress";
pub const COLOR: &str = "color";
pub const CONFIG: &str = "config";

/// Adds the global flags to a command (the top level and every operator command).
pub fn add(cmd: Command) -> Command {
    cmd.arg(
        Arg::new(OUTPUT)
            .short('o')
            .long(OUTPUT)
            .value_name("FORMAT")
            .value_parser(["text", "json", "yaml"])
            .global(true)
            .help("Output format for results [default: text]"),
    )
    .arg(
        Arg::new(DRY_RUN)
            .long(DRY_RUN)
            .action(ArgAction::SetTrue)
            .global(true)
            .help("Print what would change and change nothing"),
    )
    .arg(
        Arg::new(VERBOSE)
            .short('v')
            .long(VERBOSE)
            .action(ArgAction::Count)
            .global(true)
            .help("More logging on stderr (-v, -vv)"),
    )
    .arg(
        Arg::new(QUIET)
            .short('q')
            .long(QUIET)
            .action(ArgAction::SetTrue)
            .global(true)
            .help("Only results and errors; no progress or notices"),
    )
    .arg(
        Arg::new(NO_PROGRESS)
            .long(NO_PROGRESS)
            .action(ArgAction::SetTrue)
            .global(true)
            .help("Hide progress bars"),
    )
    .arg(
        Arg::new(COLOR)
            .long(COLOR)
            .value_name("WHEN")
            .value_parser(["auto", "always", "never"])
            .global(true)
            .help("When to use colour [default: auto]"),
    )
    .arg(
        Arg::new(CONFIG)
            .long(CONFIG)
            .value_name("FILE")
            .global(true)
            .value_parser(clap::value_parser!(std::path::PathBuf))
            .help("Use FILE instead of the project's tusk.toml"),
    )
}

/// Global flag values, as given on the command line (None = not given).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub output: Option<OutputFormat>,
    pub dry_run: bool,
    pub verbose: u8,
    pub quiet: bool,
    pub no_progress: bool,
    pub color: Option<String>,
    pub config: Option<std::path::PathBuf>,
}

impl Flags {
    /// Reads the flags from matches; `self` (earlier matches) is kept where `m` is silent.
    pub fn merge(mut self, m: &ArgMatches) -> Self {
        if let Ok(Some(o)) = m.try_get_one::<String>(OUTPUT) {
            self.output = parse_format(o);
        }
        if m.try_get_one::<bool>(DRY_RUN).ok().flatten().copied().unwrap_or(false) {
            self.dry_run = true;
        }
        self.verbose = self.verbose.max(m.try_get_one::<u8>(VERBOSE).ok().flatten().copied().unwrap_or(0));
        if m.try_get_one::<bool>(QUIET).ok().flatten().copied().unwrap_or(false) {
            self.quiet = true;
        }
        if m.try_get_one::<bool>(NO_PROGRESS).ok().flatten().copied().unwrap_or(false) {
            self.no_progress = true;
        }
        if let Ok(Some(c)) = m.try_get_one::<String>(COLOR) {
            self.color = Some(c.clone());
        }
        if let Ok(Some(p)) = m.try_get_one::<std::path::PathBuf>(CONFIG) {
            self.config = Some(p.clone());
        }
        self
    }

    pub fn verbosity(&self) -> i8 {
        if self.quiet { -1 } else { self.verbose.min(2) as i8 }
    }
}

pub fn parse_format(s: &str) -> Option<OutputFormat> {
    match s {
        "text" => Some(OutputFormat::Text),
        "json" => Some(OutputFormat::Json),
        "yaml" => Some(OutputFormat::Yaml),
        _ => None,
    }
}
