//! The `@packages` verbs, one file each. [`Verb`] is the one place that lists them and says
//! what each one is (mutating or not); each verb's arguments and help live in its own file.

mod lock;
mod resolve;
mod tree;
mod version;
mod why;

pub use version::command as version_command;

use clap::Subcommand;
use tusk_registry::{Context, Output, Result};

#[derive(Subcommand, Debug)]
pub enum Verb {
    Resolve(resolve::ResolveCommand),
    Lock(lock::LockCommand),
    Tree(tree::TreeCommand),
    Why(why::WhyCommand),
    Version(version::VersionCommand),
}

impl Verb {
    /// Whether the verb changes something outside this machine (audited, honours
    /// `--dry-run`). None does: the registries are only read, and `lock` writes a local file.
    pub fn is_mutating(&self) -> bool {
        match self {
            Verb::Resolve(_) | Verb::Lock(_) | Verb::Tree(_) | Verb::Why(_) | Verb::Version(_) => false,
        }
    }

    /// Runs the verb. `preset` is the alias's ecosystem (`@cargo` → `crates`): it is the
    /// `<ECO>` of `version`, and the ecosystem of resolution inputs that name none.
    pub async fn execute(mut self, preset: Option<&str>, ctx: &Context) -> Result<Output> {
        if let Some(eco) = preset {
            match &mut self {
                Verb::Resolve(c) => c.inputs.with_preset(eco),
                Verb::Lock(c) => c.inputs.with_preset(eco),
                Verb::Tree(c) => c.inputs.with_preset(eco),
                Verb::Why(c) => c.inputs.with_preset(eco),
                Verb::Version(_) => {}
            }
        }
        match self {
            Verb::Resolve(c) => c.execute(ctx).await,
            Verb::Lock(c) => c.execute(ctx).await,
            Verb::Tree(c) => c.execute(ctx).await,
            Verb::Why(c) => c.execute(ctx).await,
            Verb::Version(c) => c.execute(preset),
        }
    }
}
