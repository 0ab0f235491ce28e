//! The object-safe [`VersionScheme`] for the `@packages version …` verbs.

use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::json;
use tusk_versions::{Ecosystem, InvalidInput, ParsedVersion, SchemeOptions, VersionScheme};

use crate::ComposerError;
use crate::constraint::{ConstraintSet, Op, version_compare_branches};
use crate::parser::{Stability, normalize, normalize_branch, normalize_stability, parse_constraints, parse_stability};
use crate::php::{php_key, version_compare};

/// Composer behind [`VersionScheme`]. Mode `dev|alpha|beta|RC|stable` applies that
/// `minimum-stability` on top of the constraint (see [`allowed_stability`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct ComposerScheme;

/// The instance `scheme_for(Ecosystem::Composer)` returns.
pub static SCHEME: ComposerScheme = ComposerScheme;

fn invalid(what: &'static str, input: &str, e: ComposerError) -> InvalidInput {
    InvalidInput { ecosystem: Ecosystem::Composer, what, input: input.to_string(), reason: e.to_string() }
}

fn version(s: &str) -> Result<String, InvalidInput> {
    normalize(s).map_err(|e| invalid("version", s, e))
}

fn constraints(s: &str) -> Result<ConstraintSet, InvalidInput> {
    parse_constraints(s).map_err(|e| invalid("range", s, e))
}

fn minimum_stability(opts: &SchemeOptions) -> Result<Option<Stability>, InvalidInput> {
    let raw = opts.flag("minimum-stability").or(opts.flag("minimum_stability")).or(opts.mode.as_deref());
    match raw {
        None => Ok(None),
        Some(m) => Stability::parse(m).map(Some).ok_or_else(|| InvalidInput {
            ecosystem: Ecosystem::Composer,
            what: "minimum-stability",
            input: m.to_string(),
            reason: "expected one of: dev, alpha, beta, RC, stable".into(),
        }),
    }
}

static OR_SPLIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[\t\n\x0B\x0C\r ]*\|\|?[\t\n\x0B\x0C\r ]*").unwrap_or_else(|e| unreachable!("{e}")));
static FLAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^[^@]*?@(stable|RC|beta|alpha|dev)$").unwrap_or_else(|e| unreachable!("{e}")));
static ALIAS_TAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([^,\t\n\x0B\x0C\r @]+) as .+$").unwrap_or_else(|e| unreachable!("{e}")));
static PLAIN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[^,\t\n\x0B\x0C\r @]+$").unwrap_or_else(|e| unreachable!("{e}")));

/// The least stable stability a requirement accepts under `minimum`, following Composer's
/// `RootPackageLoader::extractStabilityFlags`: an explicit `@flag` decides (the least stable
/// one wins); otherwise a version spelled with an unstable suffix (`1.0-beta2`, `2.x-dev`)
/// lowers the bar to its own stability; otherwise `minimum` applies.
pub fn allowed_stability(requirement: &str, minimum: Stability) -> Stability {
    let mut pieces: Vec<String> = Vec::new();
    for or_part in OR_SPLIT.split(crate::parser::php_trim(requirement)) {
        // the same split parse_constraints uses, kept simple: commas and spaces not inside ops
        for p in or_part.split([',', ' ']).filter(|p| !p.is_empty()) {
            pieces.push(p.to_string());
        }
    }
    let mut flag: Option<Stability> = None;
    for p in &pieces {
        if let Some(c) = FLAG.captures(p)
            && let Some(s) = Stability::parse(&c[1])
        {
            flag = Some(flag.map_or(s, |f| f.max(s)));
        }
    }
    if let Some(f) = flag {
        return f;
    }
    for p in &pieces {
        let req = ALIAS_TAIL.replace(p, "$1");
        if PLAIN.is_match(&req) {
            let s = parse_stability(&req);
            if s != Stability::Stable && s >= minimum && flag.is_none_or(|f| s >= f) {
                flag = Some(s);
            }
        }
    }
    flag.unwrap_or(minimum)
}

impl VersionScheme for ComposerScheme {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Composer
    }

    fn parse(&self, v: &str, _opts: &SchemeOptions) -> Result<ParsedVersion, InvalidInput> {
        let n = version(v)?;
        let stability = parse_stability(&n);
        Ok(ParsedVersion {
            normalized: n.clone(),
            parts: json!({ "stability": stability.as_str(), "branch": n.starts_with("dev-") }),
            prerelease: stability != Stability::Stable,
        })
    }

    /// Both sides normalized, then `Comparator` rules; two different `dev-*` branches are not
    /// comparable in Composer — tusk orders them by name so that sorting stays total.
    fn compare(&self, a: &str, b: &str, _opts: &SchemeOptions) -> Result<Ordering, InvalidInput> {
        let (a, b) = (version(a)?, version(b)?);
        if a.starts_with("dev-") && b.starts_with("dev-") {
            return Ok(a.cmp(&b));
        }
        Ok(version_compare(&a, &b))
    }

    fn compare_op(&self, a: &str, op: &str, b: &str, _opts: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        let op = Op::parse(op)?;
        let run = || -> Result<bool, InvalidInput> {
            let (a, b) = (version(a)?, version(b)?);
            // Comparator::compare: Constraint(op, b)->matchSpecific(Constraint('==', a), true)
            Ok(match op {
                Op::Eq => version_compare_branches(&b, &a, Op::Eq, true),
                op => version_compare_branches(&a, &b, op, true),
            })
        };
        Some(run())
    }

    fn satisfies(&self, range: &str, v: &str, opts: &SchemeOptions) -> Result<bool, InvalidInput> {
        let c = constraints(range)?;
        let n = version(v)?;
        if let Some(min) = minimum_stability(opts)?
            && parse_stability(&n) > allowed_stability(range, min)
        {
            return Ok(false);
        }
        Ok(c.matches_version(&n))
    }

    fn satisfies_by_set(&self, range: &str, v: &str, opts: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        if matches!(minimum_stability(opts), Ok(Some(_))) {
            return None; // a policy on top of the set
        }
        Some(constraints(range).and_then(|c| Ok(c.to_pubgrub().contains(&crate::ComposerVersion::from_normalized(&version(v)?)))))
    }

    fn modes(&self) -> &'static [&'static str] {
        &["dev", "alpha", "beta", "RC", "stable"]
    }

    fn normalize(&self, kind: &str, op: Option<&str>, input: &str, opts: &SchemeOptions) -> Option<Result<Option<String>, InvalidInput>> {
        Some(match (kind, op) {
            ("version", None | Some("normalize")) => version(input).map(Some),
            ("version", Some("normalizeBranch")) => normalize_branch(input).map(Some).map_err(|e| invalid("version", input, e)),
            ("version", Some("parseStability")) => Ok(Some(parse_stability(input).as_str().to_string())),
            ("stability", Some("normalizeStability") | None) => Ok(Some(normalize_stability(input))),
            ("range", None) => self.parse_range(input, opts).map(Some),
            _ => return None,
        })
    }

    fn parse_range(&self, range: &str, _opts: &SchemeOptions) -> Result<String, InvalidInput> {
        Ok(constraints(range)?.to_string())
    }

    /// `Semver::sort`: normalize, treat `dev-master`/`dev-trunk`/`dev-default` as
    /// `9999999-dev`, order by `version_compare` (stable for ties).
    fn sort(&self, versions: &[String], _opts: &SchemeOptions) -> Result<Vec<String>, InvalidInput> {
        let mut keyed = Vec::with_capacity(versions.len());
        for v in versions {
            let n = version(v)?;
            let n = if matches!(n.as_str(), "dev-master" | "dev-default" | "dev-trunk") { "9999999-dev".to_string() } else { n };
            keyed.push((php_key(&n), v.clone()));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(keyed.into_iter().map(|(_, v)| v).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_stability_rules() {
        assert_eq!(allowed_stability("^1.0", Stability::Stable), Stability::Stable);
        assert_eq!(allowed_stability("^1.0@dev", Stability::Stable), Stability::Dev);
        assert_eq!(allowed_stability("1.0.0-beta2", Stability::Stable), Stability::Beta);
        assert_eq!(allowed_stability("1.0.0-beta2", Stability::Dev), Stability::Dev);
        let o = SchemeOptions { mode: Some("stable".into()), ..Default::default() };
        assert_eq!(SCHEME.satisfies("^1.0", "1.1.0-beta1", &o), Ok(false));
        assert_eq!(SCHEME.satisfies("^1.0@beta", "1.1.0-beta1", &o), Ok(true));
        assert_eq!(SCHEME.satisfies("^1.0", "1.1.0-beta1", &SchemeOptions::default()), Ok(true));
    }
}
