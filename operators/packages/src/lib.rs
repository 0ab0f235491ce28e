//! The @packages operator.

pub mod resolve;
pub mod schemes;
pub mod version;

use clap::{FromArgMatches, Subcommand};
use std::sync::Arc;
use tusk_registry::{Alias, Context, Error, Invocation, Operator, OperatorInfo, Output, Result};

/// The `@packages` operator (aliases preset an ecosystem: `@cargo resolve serde@1`).
pub struct Packages;

#[derive(Subcommand, Debug)]
enum Verb {
    /// resolve, lock, tree, why (issue 5; src/resolve.rs).
    #[command(flatten)]
    Resolve(resolve::ResolveVerb),
}

#[async_trait::async_trait]
impl Operator for Packages {
    fn info(&self) -> OperatorInfo {
        const ALIASES: &[Alias] = &[
            Alias { name: "npm", preset: Some("npm") },
            Alias { name: "pip", preset: Some("pypi") },
            Alias { name: "cargo", preset: Some("crates") },
            Alias { name: "maven", preset: Some("maven") },
            Alias { name: "nuget", preset: Some("nuget") },
            Alias { name: "gem", preset: Some("rubygems") },
            Alias { name: "composer", preset: Some("composer") },
        ];
        OperatorInfo {
            name: "packages",
            aliases: ALIASES,
            summary: "Resolve and lock npm, PyPI and crates.io dependencies with one PubGrub solver",
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    fn command(&self) -> clap::Command {
        self.command_for(None)
    }

    /// Through an alias with a preset (`@pip`), the `version` actions take no `<ECO>`.
    fn command_for(&self, preset: Option<&str>) -> clap::Command {
        Verb::augment_subcommands(clap::Command::new("packages").about("Dependency resolution across npm, PyPI and crates.io"))
            .subcommand(version::command(preset.is_none()))
    }

    async fn run(&self, invocation: Invocation, ctx: Context) -> Result<Output> {
        if let Some(("version", m)) = invocation.matches.subcommand() {
            return version::run(m, invocation.preset.as_deref());
        }
        let verb = Verb::from_arg_matches(&invocation.matches).map_err(|e| Error::usage(e.to_string()))?;
        match verb {
            Verb::Resolve(v) => resolve::run(v, invocation.preset.as_deref(), &ctx).await,
        }
    }
}

/// Registers `@packages`.
pub fn register(registry: &mut tusk_registry::Registry) {
    registry.register(Arc::new(Packages));
}
