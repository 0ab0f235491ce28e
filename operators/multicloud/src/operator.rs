//! The operator as the registry sees it: its name, its clap command (the verbs of
//! [`crate::commands::Verb`]) and the dispatch to the verb's file.

use crate::commands::Verb;
use clap::{FromArgMatches, Subcommand};
use tusk_registry::{Alias, Context, Error, Invocation, Operator, OperatorInfo, Output, Result};

pub struct Multicloud;

#[async_trait::async_trait]
impl Operator for Multicloud {
    fn info(&self) -> OperatorInfo {
        const ALIASES: &[Alias] = &[];
        OperatorInfo {
            name: "multicloud",
            aliases: ALIASES,
            summary: "Deploy one function to AWS Lambda, Azure Functions and Google Cloud Functions in parallel",
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    fn command(&self) -> clap::Command {
        Verb::augment_subcommands(clap::Command::new("multicloud").about("One function, three clouds, deployed in parallel"))
    }

    fn is_mutating(&self, invocation: &Invocation) -> bool {
        // Matches that are not a verb cannot run either (`run` refuses them), so they change
        // nothing.
        Verb::from_arg_matches(&invocation.matches).is_ok_and(|verb| verb.is_mutating())
    }

    /// `tusk doctor`: each cloud's credential source and the account it names, never a secret
    /// (see [`crate::doctor`]).
    async fn doctor(&self, _ctx: &Context) -> Vec<tusk_registry::DoctorCheck> {
        crate::doctor::checks().await
    }

    async fn run(&self, invocation: Invocation, ctx: Context) -> Result<Output> {
        let verb = Verb::from_arg_matches(&invocation.matches).map_err(|e| Error::usage(e.to_string()))?;
        verb.run(&ctx).await
    }
}
