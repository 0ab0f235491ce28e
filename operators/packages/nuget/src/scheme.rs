//! The object-safe [`VersionScheme`] for the `@packages version …` verbs.

use std::cmp::Ordering;

use serde_json::json;
use tusk_versions::{Ecosystem, InvalidInput, ParsedVersion, SchemeOptions, VersionScheme};

use crate::range::VersionRange;
use crate::version::NuGetVersion;
use crate::NuGetError;

/// NuGet behind [`VersionScheme`]. Mode `strict` parses versions as strict SemVer 2.0.0;
/// flag `is_better` makes `satisfies` apply NuGet's prerelease gate (`IsBetter(null, v)`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NuGetScheme;

/// The instance `scheme_for(Ecosystem::Nuget)` returns.
pub static SCHEME: NuGetScheme = NuGetScheme;

fn invalid(what: &'static str, input: &str, e: NuGetError) -> InvalidInput {
    InvalidInput { ecosystem: Ecosystem::Nuget, what, input: input.to_string(), reason: e.to_string() }
}

fn strict(opts: &SchemeOptions) -> bool {
    opts.mode.as_deref() == Some("strict") || opts.flag_bool("strict") == Some(true)
}

fn version(s: &str, opts: &SchemeOptions) -> Result<NuGetVersion, InvalidInput> {
    let r = if strict(opts) { NuGetVersion::parse_strict(s) } else { NuGetVersion::parse(s) };
    r.map_err(|e| invalid("version", s, e))
}

fn range(s: &str) -> Result<VersionRange, InvalidInput> {
    VersionRange::parse(s).map_err(|e| invalid("range", s, e))
}

impl VersionScheme for NuGetScheme {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Nuget
    }

    fn parse(&self, v: &str, opts: &SchemeOptions) -> Result<ParsedVersion, InvalidInput> {
        let n = version(v, opts)?;
        Ok(ParsedVersion {
            normalized: n.to_normalized_string(),
            parts: json!({
                "major": n.major,
                "minor": n.minor,
                "patch": n.patch,
                "revision": n.revision,
                "release_labels": n.labels,
                "metadata": n.metadata,
                "full": n.to_full_string(),
            }),
            prerelease: n.is_prerelease(),
        })
    }

    fn compare(&self, a: &str, b: &str, opts: &SchemeOptions) -> Result<Ordering, InvalidInput> {
        Ok(version(a, opts)?.cmp(&version(b, opts)?))
    }

    fn satisfies(&self, r: &str, v: &str, opts: &SchemeOptions) -> Result<bool, InvalidInput> {
        let r = range(r)?;
        let v = version(v, opts)?;
        if opts.flag_bool("is_better") == Some(true) {
            return Ok(r.is_better(None, &v));
        }
        Ok(r.satisfies(&v))
    }

    fn satisfies_by_set(&self, r: &str, v: &str, opts: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        if opts.flag_bool("is_better") == Some(true) {
            return None; // a selection policy on top of the set
        }
        Some(range(r).and_then(|r| Ok(r.to_pubgrub().contains(&version(v, opts)?))))
    }

    fn modes(&self) -> &'static [&'static str] {
        &["strict"]
    }

    fn normalize(&self, kind: &str, op: Option<&str>, input: &str, opts: &SchemeOptions) -> Option<Result<Option<String>, InvalidInput>> {
        match kind {
            "version" => {
                let n = match version(input, opts) {
                    Ok(n) => n,
                    Err(e) => return Some(Err(e)),
                };
                let out = match op {
                    None | Some("ToNormalizedString") => n.to_normalized_string(),
                    Some("ToFullString") => n.to_full_string(),
                    Some("ToString") => n.to_display_string(),
                    Some(f) if f.starts_with("format:") => n.format(&f["format:".len()..]),
                    Some(_) => return None,
                };
                Some(Ok(Some(out)))
            }
            "range" => {
                let r = match range(input) {
                    Ok(r) => r,
                    Err(e) => return Some(Err(e)),
                };
                let out = match op {
                    None | Some("ToNormalizedString" | "ToString") => r.to_normalized_string(),
                    Some("ToLegacyString") => r.to_legacy_string(),
                    Some("ToLegacyShortString") => r.to_legacy_short_string(),
                    Some("ToShortString") => r.to_short_string(),
                    Some("PrettyPrint") => r.pretty_print(),
                    Some("MinVersion.ToNormalizedString()") => match &r.min {
                        Some(m) => m.to_normalized_string(),
                        None => return Some(Ok(None)),
                    },
                    Some("ToNonSnapshotRange().ToLegacyShortString()") => r.to_non_snapshot_range().to_legacy_short_string(),
                    Some(f) if f.starts_with("format:") => r.format(&f["format:".len()..]),
                    Some(_) => return None,
                };
                Some(Ok(Some(out)))
            }
            _ => None,
        }
    }

    fn parse_range(&self, r: &str, _opts: &SchemeOptions) -> Result<String, InvalidInput> {
        Ok(range(r)?.to_normalized_string())
    }

    /// NuGet's own pick (`FindBestMatch`): the lowest applicable version, or the highest
    /// inside a floating range; prereleases only when the range allows them.
    fn max_satisfying(&self, r: &str, versions: &[String], opts: &SchemeOptions) -> Result<Option<String>, InvalidInput> {
        let r = range(r)?;
        let parsed: Vec<NuGetVersion> = versions.iter().map(|v| version(v, opts)).collect::<Result<_, _>>()?;
        let best = r.find_best_match(&parsed);
        Ok(best.and_then(|b| parsed.iter().position(|p| std::ptr::eq(p, b))).map(|i| versions[i].clone()))
    }
}
