//! The verbs: one file per verb (`commands/deploy.rs` is `tusk @multicloud deploy`), and
//! [`Verb`], the enum that knows which of them change something outside this machine.

pub mod deploy;
pub mod destroy;
pub mod init;
pub mod invoke;
pub mod logs;
pub mod package;
pub mod promote;
pub mod rollback;
pub mod status;
pub mod validate;

use crate::cloud::Cloud;
use crate::orchestrate::{self, Row};
use crate::spec::{self, CloudId, Spec};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tusk_registry::{Block, Cell, Context, ExitStatus, Output, Result, Style};

/// Every verb of `@multicloud`. Help text lives here so the enum reads as the operator's
/// table of contents; each verb's flags and work live in its own file.
#[derive(Subcommand, Debug)]
pub enum Verb {
    /// Write a commented example tusk-function.toml.
    #[command(after_long_help = "Examples:\n  tusk @multicloud init\n  tusk @multicloud init --name orders-api --file fn/tusk-function.toml")]
    Init(init::InitCommand),
    /// Check the spec against every selected cloud's documented limits (no calls).
    #[command(after_long_help = "Examples:\n  tusk @multicloud validate\n  tusk @multicloud validate --cloud aws,gcp")]
    Validate(validate::ValidateCommand),
    /// Build each cloud's deterministic zip and print its content hash (no calls).
    #[command(after_long_help = "Examples:\n  tusk @multicloud package\n  tusk @multicloud package --out dist/")]
    Package(package::PackageCommand),
    /// Deploy to every selected cloud concurrently; unchanged clouds are left alone (asks unless --yes).
    #[command(
        long_about = "Shows the calls it will make on each cloud (what --dry-run prints) and asks unless --yes; without a terminal and without --yes it refuses (exit 2).\nThen deploys the function to every selected cloud at once, with one progress line per cloud and a final table.\nA cloud whose code and configuration are unchanged is reported \"up to date\" and nothing is uploaded.\nIf some clouds fail, the exit code is 4 (partial); with --atomic every cloud is put back to the version it had before.",
        after_long_help = "Examples:\n  tusk @multicloud deploy\n  tusk @multicloud deploy --cloud aws,gcp\n  tusk @multicloud deploy --atomic --yes               # CI: no question\n  tusk @multicloud deploy --cloud aws --traffic 10     # canary: 10% to the new version\n  tusk --dry-run @multicloud deploy                    # print the API calls, change nothing"
    )]
    Deploy(deploy::DeployCommand),
    /// Move a canary to 100% of traffic (asks unless --yes).
    #[command(after_long_help = "Examples:\n  tusk @multicloud promote --cloud aws\n  tusk @multicloud promote --cloud aws,gcp --yes")]
    Promote(promote::PromoteCommand),
    /// Return to the previous version (or drop a canary; asks unless --yes).
    #[command(after_long_help = "Examples:\n  tusk @multicloud rollback\n  tusk @multicloud rollback --cloud aws --yes")]
    Rollback(rollback::RollbackCommand),
    /// Show what is deployed on each cloud.
    #[command(after_long_help = "Examples:\n  tusk @multicloud status\n  tusk @multicloud status -o json")]
    Status(status::StatusCommand),
    /// Call the deployed function with a payload and print its answer.
    #[command(after_long_help = "Examples:\n  tusk @multicloud invoke --cloud aws --data '{\"name\":\"Ada\"}'\n  tusk @multicloud invoke --data-file event.json")]
    Invoke(invoke::InvokeCommand),
    /// Print recent log lines from each cloud (AWS CloudWatch Logs, GCP Cloud Logging).
    #[command(after_long_help = "Examples:\n  tusk @multicloud logs\n  tusk @multicloud logs --cloud aws --since 1h --limit 20\n  tusk @multicloud logs --cloud gcp --since 1h30m")]
    Logs(logs::LogsCommand),
    /// Delete the function from every selected cloud (asks unless --yes).
    #[command(after_long_help = "Examples:\n  tusk @multicloud destroy --cloud gcp\n  tusk @multicloud destroy --yes")]
    Destroy(destroy::DestroyCommand),
}

impl Verb {
    /// Whether the verb changes something outside this machine: such runs are written to the
    /// audit log (target: the clouds acted on) and honour `--dry-run`. `invoke` counts: calling
    /// a function can have any effect the function has.
    pub fn is_mutating(&self) -> bool {
        match self {
            Verb::Deploy(_) | Verb::Promote(_) | Verb::Rollback(_) | Verb::Invoke(_) | Verb::Destroy(_) => true,
            Verb::Init(_) | Verb::Validate(_) | Verb::Package(_) | Verb::Status(_) | Verb::Logs(_) => false,
        }
    }

    pub async fn run(self, ctx: &Context) -> Result<Output> {
        match self {
            Verb::Init(c) => c.run(),
            Verb::Validate(c) => c.run(ctx),
            Verb::Package(c) => c.run(ctx),
            Verb::Deploy(c) => c.run(ctx).await,
            Verb::Promote(c) => c.run(ctx).await,
            Verb::Rollback(c) => c.run(ctx).await,
            Verb::Status(c) => c.run(ctx).await,
            Verb::Invoke(c) => c.run(ctx).await,
            Verb::Logs(c) => c.run(ctx).await,
            Verb::Destroy(c) => c.run(ctx).await,
        }
    }
}

/// The flags every verb that reads the spec shares.
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// The function spec.
    #[arg(long, short = 'f', default_value = spec::SPEC_FILE, value_name = "PATH")]
    pub file: PathBuf,
    /// Clouds to act on (comma-separated): aws, azure, gcp. Default: the spec's `clouds`, or
    /// every cloud with a section.
    #[arg(long, value_delimiter = ',', value_name = "CLOUDS")]
    pub cloud: Vec<String>,
}

impl Common {
    /// The spec, with endpoints filled from the `[multicloud]` config section.
    pub fn load(&self, ctx: &Context) -> Result<Spec> {
        load(&self.file, ctx)
    }

    /// The spec and the clouds this invocation acts on (`--cloud`, else the spec's).
    pub fn selected(&self, ctx: &Context) -> Result<(Spec, Vec<CloudId>)> {
        let spec = self.load(ctx)?;
        let clouds = orchestrate::select(&spec, &self.cloud)?;
        Ok((spec, clouds))
    }

    /// The spec and a connected deployer per selected cloud (credentials resolved for all of
    /// them before anything else happens).
    pub async fn connect(&self, ctx: &Context) -> Result<(Spec, Vec<Arc<dyn Cloud>>)> {
        let (spec, clouds) = self.selected(ctx)?;
        let targets = orchestrate::connect(&spec, &clouds).await?;
        Ok((spec, targets))
    }
}

/// Loads the spec and fills endpoints from the `[multicloud]` config section.
pub fn load(path: &Path, ctx: &Context) -> Result<Spec> {
    let mut spec = Spec::load(path)?;
    let cfg: spec::McConfig = ctx.config.section("multicloud")?;
    cfg.apply(&mut spec);
    Ok(spec)
}

/// Names the clouds a mutating verb acts on in its audit record.
pub fn audit_target(ctx: &Context, targets: &[Arc<dyn Cloud>]) {
    ctx.audit.set_target(targets.iter().map(|t| t.target()).collect::<Vec<_>>().join(", "));
}

/// Exit status from how many clouds failed: none → success, all → failure, some → partial (4).
pub fn exit_for(out: Output, failed: usize, total: usize) -> Output {
    match failed {
        0 => out,
        f if f == total => out.with_status(ExitStatus::Failure),
        _ => out.with_status(ExitStatus::Partial),
    }
}

/// The result of `promote`, `rollback` and `destroy`: the table, one error line per failed
/// cloud, `{"verb", "clouds"}` as data.
pub fn rows_output(verb: &str, rows: Vec<Row>, failed: usize) -> Output {
    let mut out = Output::new(serde_json::json!({"verb": verb, "clouds": rows})).block(orchestrate::table(&rows));
    for r in &rows {
        if let Some(e) = &r.error {
            out = out.text(Cell::styled(orchestrate::error_line(r.cloud, e), Style::Bad));
        }
    }
    exit_for(out, failed, rows.len())
}

/// What `--dry-run` prints for `promote` and `rollback`: the clouds it would act on.
pub fn dry_run_output(verb: &str, targets: &[Arc<dyn Cloud>]) -> Output {
    Output::new(serde_json::json!({"dry_run": true, "verb": verb})).lines(plan_lines(verb, targets))
}

/// The plan of `promote`, `rollback` and `destroy`: one `would <verb> <target>` line per cloud
/// (what `--dry-run` prints).
pub fn plan_lines(verb: &str, targets: &[Arc<dyn Cloud>]) -> Vec<String> {
    targets.iter().map(|t| format!("would {verb} {}", t.target())).collect()
}

/// The targets named in a question: `aws:us-east-1/f:live, gcp:p/r/f`.
pub fn target_list(targets: &[Arc<dyn Cloud>]) -> String {
    targets.iter().map(|t| t.target()).collect::<Vec<_>>().join(", ")
}

/// Shows the plan of `promote`, `rollback` or `destroy` and asks `question`, unless `--yes`.
/// Without a terminal and without `--yes`, `ctx.ui.confirm` refuses (usage error, exit 2, with
/// a hint), before anything changed. `Some(output)` when the answer is no: nothing was done.
pub fn confirm_plan(ctx: &Context, verb: &str, targets: &[Arc<dyn Cloud>], question: &str, yes: bool) -> Result<Option<Output>> {
    ctx.ui.show(&[Block::Text(plan_lines(verb, targets).into_iter().map(Cell::from).collect())]);
    if yes || ctx.ui.confirm(question)? {
        return Ok(None);
    }
    Ok(Some(Output::new(serde_json::json!({"verb": verb, "done": false})).text(format!("Nothing done: no {verb}.")).with_status(ExitStatus::Failure)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use clap::FromArgMatches;

    fn command() -> clap::Command {
        Verb::augment_subcommands(clap::Command::new("multicloud"))
    }

    fn parse(args: &[&str]) -> Verb {
        let matches = command().try_get_matches_from(std::iter::once("multicloud").chain(args.iter().copied())).unwrap();
        Verb::from_arg_matches(&matches).unwrap()
    }

    #[test]
    fn mutating_verbs_are_exactly_those_that_change_a_cloud() {
        let names: Vec<String> = command().get_subcommands().map(|c| c.get_name().to_string()).collect();
        let mutating: Vec<&str> = names.iter().map(String::as_str).filter(|name| parse(&[name]).is_mutating()).collect();
        assert_eq!(mutating, ["deploy", "promote", "rollback", "invoke", "destroy"]);
    }

    #[test]
    fn since_takes_the_shared_duration_grammar() {
        let Verb::Logs(l) = parse(&["logs", "--since", "1h30m"]) else { panic!("logs") };
        assert_eq!(l.since, std::time::Duration::from_secs(5_400));
        let Verb::Logs(l) = parse(&["logs", "--since", "90"]) else { panic!("logs") };
        assert_eq!(l.since, std::time::Duration::from_secs(90));
        let Verb::Logs(l) = parse(&["logs"]) else { panic!("logs") };
        assert_eq!(l.since, std::time::Duration::from_secs(3_600));
        let e = command().try_get_matches_from(["multicloud", "logs", "--since", "10 minutes"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation);
        insta::assert_snapshot!(e.to_string().lines().next().unwrap(), @"error: invalid value '10 minutes' for '--since <DURATION>': unknown unit ` minutes` in duration `10 minutes` (use ms, s, m, h or d; e.g. 500ms, 90s, 5m, 1h30m, 2d)");
    }

    #[test]
    fn every_verb_has_examples_in_its_help() {
        let mut help = String::new();
        for mut c in command().get_subcommands().cloned() {
            let text = c.render_long_help().to_string();
            assert!(text.contains("Examples:"), "{}", c.get_name());
            help.push_str(&format!("=== {}\n{text}\n", c.get_name()));
        }
        insta::assert_snapshot!(help);
    }
}
