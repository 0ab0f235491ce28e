//! `@packages version parse|compare|satisfies|sort|max-satisfying`: each ecosystem's own
//! version semantics, through [`crate::schemes::scheme_for`].
//!
//! The actions are built with clap's builder API rather than derive so that an alias with an
//! ecosystem preset (`@pip`, `@cargo`…) can drop the `<eco>` positional:
//! `tusk @pip version compare 1.0 1.0.0` (see [`command`]). [`VersionCommand`] is what they
//! parse into.

use crate::schemes::scheme_for;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use std::cmp::Ordering;
use std::io::Read;
use tusk_registry::{Cell, Error, ExitStatus, Output, Result, Style};
use tusk_versions::{Ecosystem, InvalidInput, SchemeOptions, VersionScheme};

const ECOSYSTEMS: [&str; 7] = ["npm", "pypi", "crates", "maven", "nuget", "rubygems", "composer"];

const VERSION_ABOUT: &str = "Parse, compare and match versions by an ecosystem's own rules";
const VERSION_LONG: &str = "Parse, compare and match versions by an ecosystem's own rules: node-semver for npm, \
PEP 440 (as pypa/packaging 26) for PyPI, the semver crate for crates.io, maven-artifact's ComparableVersion \
for Maven, NuGet.Versioning, Gem::Version and Gem::Requirement, composer/semver.\n\n\
<ECO> is one of npm, pypi, crates, maven, nuget, rubygems, composer; the aliases @npm @pip @cargo @maven \
@nuget @gem @composer fill it in. Inputs that begin with `-` go after `--`.";

/// The `version` verb, a group of actions; without `<ECO>` when an alias presets it.
pub fn command(with_eco: bool) -> Command {
    build(Command::new("version"), with_eco)
}

fn build(cmd: Command, with_eco: bool) -> Command {
    cmd.about(VERSION_ABOUT)
        .long_about(VERSION_LONG)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .after_long_help(
            "Examples:\n  \
             tusk @packages version compare pypi 1.0 1.0.0      # =\n  \
             tusk @npm version satisfies '^1.2.3' 1.4.0          # true, exit 0\n  \
             tusk @cargo version max-satisfying '^0.4' 0.4.1 0.5.0 0.4.9\n  \
             printf '1.10\\n1.9\\n1.9.1\\n' | tusk @pip version sort",
        )
        .subcommand(action(
            "parse",
            "Print a version's normalized form and parts (exit 2 if it is not a version)",
            with_eco,
            "Examples:\n  tusk @packages version parse pypi 1.0-ALPHA.1    # 1.0a1\n  tusk @npm version parse --loose =v1.2.3\n  tusk -o json @cargo version parse 1.2.3-rc.1+build.5",
        )
        .arg(Arg::new("version").value_name("VERSION").required(true).help("The version to parse")))
        .subcommand(action(
            "compare",
            "Compare two versions: prints <, = or > (JSON: {\"cmp\": -1|0|1})",
            with_eco,
            "Examples:\n  tusk @packages version compare npm 1.2.3 1.10.0   # <\n  tusk @pip version compare 1.0 1.0.0             # =\n  tusk -o json @gem version compare 1.0.a 1.0     # {\"cmp\": -1}",
        )
        .arg(Arg::new("a").value_name("A").required(true).help("The first version"))
        .arg(Arg::new("b").value_name("B").required(true).help("The second version")))
        .subcommand(action(
            "satisfies",
            "Whether a version satisfies a range: prints true/false; exit 0 yes, 1 no, 2 invalid input",
            with_eco,
            "Examples:\n  tusk @npm version satisfies '>=1.2.0 <2' 1.5.0           # true\n  tusk @npm version satisfies '^1.2.3' 1.3.0-beta          # false: the prerelease rule\n  tusk @npm version satisfies --include-prerelease '^1.2.3' 1.3.0-beta\n  tusk @pip version satisfies '>1.7' 1.7.post1             # false: PEP 440 exclusive ordering",
        )
        .arg(Arg::new("range").value_name("RANGE").required(true).help("The range, requirement or specifier set"))
        .arg(Arg::new("version").value_name("VERSION").required(true).help("The version to test")))
        .subcommand(action(
            "sort",
            "Sort versions in the ecosystem's order (from arguments, or one per line on stdin)",
            with_eco,
            "Examples:\n  tusk @cargo version sort 1.0.0 1.0.0-rc.1 0.9.9\n  printf '1.10\\n1.9\\n' | tusk @pip version sort --reverse",
        )
        .arg(Arg::new("versions").value_name("VERSION").num_args(0..).help("Versions to sort; read from stdin when none are given"))
        .arg(Arg::new("reverse").long("reverse").short('r').action(ArgAction::SetTrue).help("Highest first")))
        .subcommand(action(
            "max-satisfying",
            "The highest of the versions that satisfies a range (exit 1 when none does)",
            with_eco,
            "Examples:\n  tusk @npm version max-satisfying '~1.2' 1.2.0 1.2.9 1.3.0   # 1.2.9\n  tusk @pip version max-satisfying '>=2,<3' 2.0 2.5rc1 2.4     # 2.4",
        )
        .arg(Arg::new("range").value_name("RANGE").required(true).help("The range, requirement or specifier set"))
        .arg(Arg::new("versions").value_name("VERSION").num_args(1..).required(true).help("Candidate versions")))
}

fn action(name: &'static str, about: &'static str, with_eco: bool, examples: &'static str) -> Command {
    let mut c = Command::new(name).about(about).after_long_help(examples);
    if with_eco {
        c = c.arg(
            Arg::new("eco")
                .value_name("ECO")
                .required(true)
                .value_parser(clap::builder::PossibleValuesParser::new(ECOSYSTEMS))
                .help("The ecosystem: npm, pypi, crates, maven, nuget, rubygems, composer"),
        );
    }
    c.arg(
        Arg::new("include-prerelease")
            .long("include-prerelease")
            .action(ArgAction::SetTrue)
            .help("npm includePrerelease; PEP 440 SpecifierSet(prereleases=True)"),
    )
    .arg(
        Arg::new("exclude-prerelease")
            .long("exclude-prerelease")
            .action(ArgAction::SetTrue)
            .conflicts_with("include-prerelease")
            .help("PEP 440 SpecifierSet(prereleases=False): never match a prerelease"),
    )
    .arg(Arg::new("loose").long("loose").action(ArgAction::SetTrue).help("npm loose parsing (`=v1.2.3`, `01.02.03`, `1.2.3beta`)"))
    .arg(Arg::new("mode").long("mode").value_name("MODE").help(
        "Ecosystem mode: crates `precedence` (ignore build metadata), npm `build` (compareBuild), \
         maven `generic` (maven-resolver), nuget `strict` (SemVer 2.0.0 parsing), composer a minimum-stability",
    ))
}

/// One `version` action with its operands, as parsed from either form of [`command`].
#[derive(Debug, Clone)]
pub struct VersionCommand {
    /// `<ECO>`; `None` under an alias, whose preset supplies it.
    eco: Option<String>,
    action: Action,
    include_prerelease: bool,
    exclude_prerelease: bool,
    loose: bool,
    mode: Option<String>,
}

#[derive(Debug, Clone)]
enum Action {
    Parse { version: String },
    Compare { a: String, b: String },
    Satisfies { range: String, version: String },
    Sort { versions: Vec<String>, reverse: bool },
    MaxSatisfying { range: String, versions: Vec<String> },
}

impl FromArgMatches for VersionCommand {
    fn from_arg_matches(matches: &ArgMatches) -> std::result::Result<Self, clap::Error> {
        let Some((name, m)) = matches.subcommand() else {
            return Err(clap::Error::raw(clap::error::ErrorKind::MissingSubcommand, "`version` needs an action\n"));
        };
        let action = match name {
            "parse" => Action::Parse { version: get(m, "version") },
            "compare" => Action::Compare { a: get(m, "a"), b: get(m, "b") },
            "satisfies" => Action::Satisfies { range: get(m, "range"), version: get(m, "version") },
            "sort" => Action::Sort { versions: many(m, "versions"), reverse: flag(m, "reverse") },
            "max-satisfying" => Action::MaxSatisfying { range: get(m, "range"), versions: many(m, "versions") },
            other => return Err(clap::Error::raw(clap::error::ErrorKind::InvalidSubcommand, format!("unknown action `{other}`\n"))),
        };
        Ok(VersionCommand {
            eco: m.try_get_one::<String>("eco").ok().flatten().cloned(),
            action,
            include_prerelease: flag(m, "include-prerelease"),
            exclude_prerelease: flag(m, "exclude-prerelease"),
            loose: flag(m, "loose"),
            mode: m.try_get_one::<String>("mode").ok().flatten().cloned(),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> std::result::Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for VersionCommand {
    fn augment_args(cmd: Command) -> Command {
        build(cmd, true)
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        build(cmd, true)
    }
}

impl VersionCommand {
    /// Runs the action. `preset` is the alias's ecosystem when invoked as `@pip` etc.
    pub fn execute(self, preset: Option<&str>) -> Result<Output> {
        let eco_text = match (preset, &self.eco) {
            (_, Some(e)) => e.clone(),
            (Some(p), None) => p.to_string(),
            (None, None) => return Err(Error::usage("missing <ECO>").at("<ECO>").with_hint("one of npm, pypi, crates, maven, nuget, rubygems, composer")),
        };
        let eco: Ecosystem = eco_text.parse().map_err(|e: tusk_versions::UnknownEcosystem| Error::usage(e.to_string()).at("<ECO>"))?;
        let scheme = scheme_for(eco).ok_or_else(|| Error::unsupported(format!("version semantics for {eco} are not built into this tusk yet")))?;
        let opts = self.options(scheme)?;
        match &self.action {
            Action::Parse { version } => parse(scheme, version, &opts),
            Action::Compare { a, b } => compare(scheme, a, b, &opts),
            Action::Satisfies { range, version } => satisfies(scheme, range, version, &opts),
            Action::Sort { versions, reverse } => sort(scheme, versions, *reverse, &opts),
            Action::MaxSatisfying { range, versions } => max_satisfying(scheme, range, versions, &opts),
        }
    }

    fn options(&self, scheme: &dyn VersionScheme) -> Result<SchemeOptions> {
        let mut o = SchemeOptions {
            include_prerelease: self.include_prerelease,
            exclude_prerelease: self.exclude_prerelease,
            loose: self.loose,
            mode: self.mode.clone(),
            ..Default::default()
        };
        if let Some(mode) = &o.mode {
            let known = scheme.modes();
            if !known.contains(&mode.as_str()) {
                let hint = if known.is_empty() {
                    format!("{} has no modes", scheme.ecosystem())
                } else {
                    format!("{} modes: {}", scheme.ecosystem(), known.join(", "))
                };
                return Err(Error::usage(format!("unknown mode `{mode}` for {}", scheme.ecosystem())).at("--mode").with_hint(hint));
            }
        }
        if o.loose {
            o.flags.insert("loose".into(), "true".into());
        }
        Ok(o)
    }
}

fn flag(m: &ArgMatches, name: &str) -> bool {
    m.try_get_one::<bool>(name).ok().flatten().copied().unwrap_or(false)
}

fn get(m: &ArgMatches, name: &str) -> String {
    m.try_get_one::<String>(name).ok().flatten().cloned().unwrap_or_default()
}

fn many(m: &ArgMatches, name: &str) -> Vec<String> {
    m.try_get_many::<String>(name).ok().flatten().map(|v| v.cloned().collect()).unwrap_or_default()
}

/// An invalid version or range as a usage error (exit 2) naming the argument.
fn invalid(e: InvalidInput, location: &str) -> Error {
    let hint = match (e.ecosystem, e.what) {
        (Ecosystem::Npm, "version") => "npm versions are MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]; --loose accepts `=v1.2.3` and leading zeros",
        (Ecosystem::Crates, "version") => "Cargo versions are MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]",
        (Ecosystem::Pypi, "version") => "PEP 440: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]",
        (Ecosystem::Pypi, "range") => "PEP 440 specifiers: ~= == != <= >= < > ===, comma-separated (`>=1.0,<2`)",
        (Ecosystem::Crates, "range") => "Cargo requirements: `1.2`, `^1.2`, `~1.2`, `=1.2.3`, `>=1, <2`, `1.*`",
        (Ecosystem::Npm, "range") => "npm ranges: `^1.2.3`, `~1.2`, `1.x`, `1.0.0 - 2.0.0`, `>=1 <2 || 3`",
        _ => "see docs/packages-versions.md for the ecosystem's grammar",
    };
    let what = if e.what == "range" { "range" } else { "version" };
    Error::usage(format!("invalid {} {what} `{}`: {}", e.ecosystem, e.input, e.reason)).at(location.to_string()).with_hint(hint)
}

fn parse(scheme: &dyn VersionScheme, input: &str, o: &SchemeOptions) -> Result<Output> {
    let p = scheme.parse(input, o).map_err(|e| invalid(e, "<VERSION>"))?;
    let mut rows: Vec<(String, Cell)> = vec![
        ("ecosystem".into(), Cell::from(scheme.ecosystem().name())),
        ("normalized".into(), Cell::styled(p.normalized.clone(), Style::Bold)),
        ("prerelease".into(), Cell::from(p.prerelease.to_string())),
    ];
    if let Some(obj) = p.parts.as_object() {
        for (k, v) in obj {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "-".into(),
                other => other.to_string(),
            };
            rows.push((k.clone(), Cell::from(text)));
        }
    }
    let data = serde_json::json!({
        "ecosystem": scheme.ecosystem().name(),
        "input": input,
        "normalized": p.normalized,
        "prerelease": p.prerelease,
        "parts": p.parts,
    });
    Ok(Output::new(data).kv(rows))
}

fn compare(scheme: &dyn VersionScheme, a: &str, b: &str, o: &SchemeOptions) -> Result<Output> {
    let ord = scheme.compare(a, b, o).map_err(|e| {
        let loc = if e.input == a { "<A>" } else { "<B>" };
        invalid(e, loc)
    })?;
    let (sign, n) = match ord {
        Ordering::Less => ("<", -1),
        Ordering::Equal => ("=", 0),
        Ordering::Greater => (">", 1),
    };
    Ok(Output::new(serde_json::json!({ "cmp": n })).text(sign))
}

fn satisfies(scheme: &dyn VersionScheme, range: &str, version: &str, o: &SchemeOptions) -> Result<Output> {
    // Validate the range first so an invalid range is reported as such.
    scheme.parse_range(range, o).map_err(|e| invalid(e, "<RANGE>"))?;
    let ok = scheme.satisfies(range, version, o).map_err(|e| {
        let loc = if e.what == "range" { "<RANGE>" } else { "<VERSION>" };
        invalid(e, loc)
    })?;
    let out = Output::new(serde_json::json!({ "satisfies": ok })).text(Cell::styled(ok.to_string(), if ok { Style::Good } else { Style::Bad }));
    Ok(if ok { out } else { out.with_status(ExitStatus::Failure) })
}

fn read_stdin_versions() -> Result<Vec<String>> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return Err(Error::usage("no versions to sort").at("<VERSION>").with_hint("pass versions as arguments, or pipe them one per line"));
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::usage(format!("cannot read versions from stdin: {e}")).with_hint("pass versions as arguments, or pipe one per line"))?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect())
}

fn sort(scheme: &dyn VersionScheme, given: &[String], reverse: bool, o: &SchemeOptions) -> Result<Output> {
    let (versions, from_stdin) = if given.is_empty() { (read_stdin_versions()?, true) } else { (given.to_vec(), false) };
    let mut sorted = scheme.sort(&versions, o).map_err(|e| {
        let loc = if from_stdin {
            versions.iter().position(|v| *v == e.input).map(|i| format!("stdin line {}", i + 1)).unwrap_or_else(|| "stdin".into())
        } else {
            "<VERSION>".into()
        };
        invalid(e, &loc)
    })?;
    if reverse {
        sorted.reverse();
    }
    Ok(Output::new(serde_json::json!({ "versions": sorted })).lines(sorted.clone()))
}

fn max_satisfying(scheme: &dyn VersionScheme, range: &str, versions: &[String], o: &SchemeOptions) -> Result<Output> {
    scheme.parse_range(range, o).map_err(|e| invalid(e, "<RANGE>"))?;
    let best = scheme.max_satisfying(range, versions, o).map_err(|e| {
        let loc = if e.what == "range" { "<RANGE>" } else { "<VERSION>" };
        invalid(e, loc)
    })?;
    let out = Output::new(serde_json::json!({ "max": best }));
    Ok(match best {
        Some(b) => out.text(b),
        None => out.with_status(ExitStatus::Failure),
    })
}
