//! The @packages operator (aliases preset an ecosystem: `@cargo resolve serde@1`).
//!
//! Layout: `commands/<verb>.rs` holds each verb (its arguments, help and work) and
//! `commands/mod.rs` the [`commands::Verb`] enum; `inputs.rs` gathers requirements from specs
//! and manifests; `resolution.rs` resolves them (or reads tusk.lock); `render.rs` prints
//! resolutions; `schemes.rs` maps each ecosystem to its version semantics.

mod commands;
mod inputs;
mod render;
mod resolution;
pub mod schemes;

use clap::{FromArgMatches, Subcommand};
use commands::Verb;
use std::sync::Arc;
use tusk_registry::{Alias, Context, Error, Invocation, Operator, OperatorInfo, Output, Result};

pub use resolution::{PackagesConfig, RegistryConfig};

/// The `@packages` operator (aliases preset an ecosystem: `@cargo resolve serde@1`).
pub struct Packages;

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
            summary: "Resolve and lock npm, PyPI, crates.io, Maven and RubyGems dependencies into one tusk.lock",
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    fn command(&self) -> clap::Command {
        self.command_for(None)
    }

    /// Through an alias with a preset (`@pip`), the `version` actions take no `<ECO>`.
    fn command_for(&self, preset: Option<&str>) -> clap::Command {
        let command = Verb::augment_subcommands(clap::Command::new("packages").about("Dependency resolution across npm, PyPI and crates.io"));
        if preset.is_none() {
            return command;
        }
        // Swap in `version` without `<ECO>`, keeping its place in the list of verbs.
        let mut position = 0;
        command.mut_subcommands(|verb| {
            let verb = if verb.get_name() == "version" { commands::version_command(false).display_order(position) } else { verb };
            position += 1;
            verb
        })
    }

    fn is_mutating(&self, invocation: &Invocation) -> bool {
        Verb::from_arg_matches(&invocation.matches).is_ok_and(|verb| verb.is_mutating())
    }

    async fn run(&self, invocation: Invocation, ctx: Context) -> Result<Output> {
        let verb = Verb::from_arg_matches(&invocation.matches).map_err(|e| Error::usage(e.to_string()))?;
        verb.execute(invocation.preset.as_deref(), &ctx).await
    }
}

/// Registers `@packages`.
pub fn register(registry: &mut tusk_registry::Registry) {
    registry.register(Arc::new(Packages));
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn invocation(preset: Option<&str>, args: &[&str]) -> Invocation {
        let matches = Packages.command_for(preset).no_binary_name(true).try_get_matches_from(args).unwrap();
        Invocation { verb: args[0].to_string(), matches, invoked_as: "packages".into(), preset: preset.map(str::to_string) }
    }

    #[test]
    fn the_commands_are_well_formed() {
        Packages.command().debug_assert();
        Packages.command_for(Some("pypi")).debug_assert();
    }

    #[test]
    fn no_verb_is_mutating() {
        for args in [&["resolve", "crates:serde@1"][..], &["lock"], &["tree", "--depth", "1"], &["why", "syn"], &["version", "compare", "npm", "1.0.0", "1.0.1"]] {
            assert!(!Packages.is_mutating(&invocation(None, args)), "{args:?}");
        }
        assert!(!Packages.is_mutating(&invocation(Some("pypi"), &["version", "compare", "1.0", "1.0.0"])));
    }

    #[test]
    fn an_alias_fills_in_the_ecosystem_of_version() {
        let inv = invocation(Some("pypi"), &["version", "compare", "1.0", "1.0.0"]);
        let verb = Verb::from_arg_matches(&inv.matches).unwrap();
        let out = match verb {
            Verb::Version(v) => v.execute(Some("pypi")).unwrap(),
            other => panic!("parsed as {other:?}"),
        };
        assert_eq!(out.data, serde_json::json!({ "cmp": 0 }));
    }
}
