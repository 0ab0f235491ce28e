//! `tusk completions <shell>`: shell completion scripts covering every built-in operator
//! and verb.

use clap::{Arg, ArgMatches, Command};
use clap_complete::Shell;
use tusk_registry::{ExitStatus, Registry};

pub fn command() -> Command {
    Command::new("completions")
        .about("Print a shell completion script")
        .long_about("Print a completion script for SHELL to stdout.\n\nExamples:\n  tusk completions bash > ~/.local/share/bash-completion/completions/tusk\n  tusk completions zsh > \"${fpath[1]}/_tusk\"\n  tusk completions fish > ~/.config/fish/completions/tusk.fish")
        .arg(Arg::new("shell").required(true).value_parser(clap::value_parser!(Shell)))
}

/// `top` is the top-level command; each built-in operator's command is added to it so that
/// the script completes `@operator` verbs too.
pub fn run(m: &ArgMatches, top: Command, registry: &Registry) -> u8 {
    let Some(shell) = m.get_one::<Shell>("shell").copied() else { return ExitStatus::USAGE };
    let mut cmd = top.allow_external_subcommands(false);
    for op in registry.builtins() {
        let info = op.info();
        cmd = cmd.subcommand(op.command().name(format!("@{}", info.name)));
    }
    // clap_complete panics when its writer fails, so the script is built in memory and written
    // here, where a closed pipe (`tusk completions bash | head`) is a normal end, as in the printer.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "tusk", &mut script);
    match std::io::Write::write_all(&mut std::io::stdout().lock(), &script) {
        Ok(()) => ExitStatus::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the completion script: {e}");
            ExitStatus::FAILURE
        }
    }
}
