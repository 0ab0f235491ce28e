//! The @kubernetes operator (alias @k8s): one-shot deploys that show what will change, apply
//! it in order with server-side apply, wait by watching, explain failures and roll back;
//! plus status/get/scale/restart/rollback/history/delete/logs/diff/render.
//!
//! Built on `kube` 5 and `k8s-openapi` 0.29 with the Kubernetes 1.34 API (`v1_34`).
//!
//! Each verb is one file in `commands/` (`@kubernetes rollback` is `commands/rollback.rs`,
//! with its flags and help); what verbs share is in the modules beside it.

pub mod client;
pub mod commands;
pub mod deployment;
pub mod input;
pub mod input_limits;
pub mod manifest;
pub mod plan;
pub mod render;
pub mod table;
pub mod wait;

pub use client::{KubeArgs, doctor_check};
pub use commands::Verb;

use clap::{FromArgMatches, Subcommand};
use std::sync::Arc;
use tusk_registry::{Alias, Context, Error, Invocation, Operator, OperatorInfo, Output};

pub struct Kubernetes;

/// Registers @kubernetes (and @k8s).
pub fn register(registry: &mut tusk_registry::Registry) {
    registry.register(Arc::new(Kubernetes));
}

#[async_trait::async_trait]
impl Operator for Kubernetes {
    fn info(&self) -> OperatorInfo {
        OperatorInfo {
            name: "kubernetes",
            aliases: &[Alias { name: "k8s", preset: None }],
            summary: "Deploy to Kubernetes: change table, server-side apply, wait, explain, roll back",
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    fn command(&self) -> clap::Command {
        Verb::augment_subcommands(clap::Command::new("kubernetes"))
            .about("Deploy to Kubernetes and look after what was deployed")
            .subcommand_required(true)
    }

    /// Matches that do not parse into a verb cannot run either (`run` fails with a usage
    /// error before touching anything), so there is nothing to audit.
    fn is_mutating(&self, invocation: &Invocation) -> bool {
        Verb::from_arg_matches(&invocation.matches).is_ok_and(|verb| verb.is_mutating())
    }

    /// `tusk doctor`: is the current kube context reachable (kubeconfig as the verbs load it,
    /// then the API server's version, within 5 s). No credentials are printed.
    async fn doctor(&self, _ctx: &Context) -> Vec<tusk_registry::DoctorCheck> {
        use tusk_registry::{CheckStatus, DoctorCheck, ErrorKind};
        let check = |status, detail: String| DoctorCheck { name: "kube context".into(), status, detail };
        match doctor_check(&KubeArgs::default(), std::time::Duration::from_secs(5)).await {
            Ok(s) => vec![check(CheckStatus::Ok, format!("{s}: reachable"))],
            Err(e) if e.kind == ErrorKind::Usage && e.message.starts_with("no Kubernetes configuration") => {
                vec![check(CheckStatus::Missing, "no kubeconfig (KUBECONFIG, ~/.kube/config) and not in a cluster".into())]
            }
            Err(e) => vec![check(CheckStatus::Fail, match e.hint {
                Some(h) => format!("{} (hint: {h})", e.message),
                None => e.message,
            })],
        }
    }

    async fn run(&self, invocation: Invocation, ctx: Context) -> Result<Output, Error> {
        let verb = Verb::from_arg_matches(&invocation.matches).map_err(|e| Error::usage(e.to_string()))?;
        verb.execute(ctx).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use std::time::Duration;

    fn matches(args: &[&str]) -> Result<clap::ArgMatches, clap::Error> {
        Kubernetes.command().try_get_matches_from(std::iter::once("kubernetes").chain(args.iter().copied()))
    }

    fn parse(args: &[&str]) -> Verb {
        Verb::from_arg_matches(&matches(args).unwrap()).unwrap()
    }

    #[test]
    fn every_duration_flag_takes_the_one_grammar() {
        match parse(&["deploy", "web", "--image", "x", "--timeout", "1h30m", "--resource-timeout", "500ms"]) {
            Verb::Deploy(a) => {
                assert_eq!(a.timeout, Duration::from_secs(5400));
                assert_eq!(a.resource_timeout, Some(Duration::from_millis(500)));
            }
            v => panic!("{v:?}"),
        }
        match parse(&["deploy", "web", "--image", "x"]) {
            Verb::Deploy(a) => assert_eq!(a.timeout, Duration::from_secs(300), "default 5m"),
            v => panic!("{v:?}"),
        }
        match parse(&["scale", "web", "3", "--timeout", "2d"]) {
            Verb::Scale(a) => assert_eq!(a.wait.timeout, Duration::from_secs(2 * 86_400)),
            v => panic!("{v:?}"),
        }
        match parse(&["restart", "web", "--timeout", "90"]) {
            Verb::Restart(a) => assert_eq!(a.wait.timeout, Duration::from_secs(90), "a bare number is seconds"),
            v => panic!("{v:?}"),
        }
        match parse(&["rollback", "web", "--timeout", "1m30s"]) {
            Verb::Rollback(a) => assert_eq!(a.wait.timeout, Duration::from_secs(90)),
            v => panic!("{v:?}"),
        }
        match parse(&["logs", "web", "--since", "10m"]) {
            Verb::Logs(a) => assert_eq!(a.since, Some(Duration::from_secs(600))),
            v => panic!("{v:?}"),
        }
        // The registry's message, naming the flag.
        let e = matches(&["logs", "web", "--since", "5x"]).unwrap_err().to_string();
        assert!(e.contains("--since") && e.contains("unknown unit `x`"), "{e}");
        let e = matches(&["deploy", "web", "--timeout", "1h30"]).unwrap_err().to_string();
        assert!(e.contains("--timeout") && e.contains("needs a unit after `30`"), "{e}");
    }

    #[test]
    fn mutating_is_decided_by_the_verb_enum() {
        for (args, mutating) in [
            (&["deploy", "web", "--image", "x"][..], true),
            (&["scale", "web", "2"], true),
            (&["restart", "web"], true),
            (&["rollback", "web"], true),
            (&["delete", "web"], true),
            (&["render", "web", "--image", "x"], false),
            (&["diff", "-f", "app.yaml"], false),
            (&["status", "web"], false),
            (&["get", "pods"], false),
            (&["history", "web"], false),
            (&["logs", "web"], false),
        ] {
            assert_eq!(parse(args).is_mutating(), mutating, "{args:?}");
            // The trait answers from the matches, not from the verb's name.
            let inv = Invocation { verb: "status".into(), matches: matches(args).unwrap(), invoked_as: "k8s".into(), preset: None };
            assert_eq!(Kubernetes.is_mutating(&inv), mutating, "{args:?}");
        }
    }
}
