//! The object-safe [`VersionScheme`] for the `@packages version …` verbs.

use std::cmp::Ordering;

use serde_json::{Value, json};
use tusk_versions::{Ecosystem, InvalidInput, ParsedVersion, SchemeOptions, VersionScheme};

use crate::comparable::{ComparableVersion, Item};
use crate::generic::{GenericVersion, GenericVersionConstraint, GenericVersionRange};
use crate::range::VersionRange;
use crate::MavenError;

/// Which Maven implementation a call follows (`SchemeOptions::mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// maven-artifact (default; mode `artifact`): ComparableVersion, VersionRange with soft
    /// requirements.
    Artifact,
    /// maven-resolver generic scheme, ranges read with `parseVersionConstraint` (mode
    /// `generic`): a bare version means exactly that version; unions of intervals.
    Generic,
    /// maven-resolver generic scheme, `parseVersionRange` (mode `generic-range`): exactly one
    /// bracketed interval.
    GenericRange,
}

impl Mode {
    pub fn from_options(opts: &SchemeOptions) -> Result<Mode, InvalidInput> {
        match opts.mode.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("artifact") | Some("default") => Ok(Mode::Artifact),
            Some("generic") | Some("resolver") if opts.flag("parse_as") == Some("range") => Ok(Mode::GenericRange),
            Some("generic") | Some("resolver") => Ok(Mode::Generic),
            Some("generic-range") => Ok(Mode::GenericRange),
            Some(other) => Err(InvalidInput {
                ecosystem: Ecosystem::Maven,
                what: "mode",
                input: other.to_string(),
                reason: "expected one of: artifact, generic, generic-range".into(),
            }),
        }
    }
}

/// Maven behind [`VersionScheme`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MavenScheme;

/// The instance `scheme_for(Ecosystem::Maven)` returns.
pub static SCHEME: MavenScheme = MavenScheme;

fn invalid(what: &'static str, e: MavenError) -> InvalidInput {
    let (input, reason) = match e {
        MavenError::InvalidVersion { input, reason } | MavenError::InvalidRange { input, reason } => (input, reason),
    };
    InvalidInput { ecosystem: Ecosystem::Maven, what, input, reason }
}

fn artifact_version(s: &str) -> Result<ComparableVersion, InvalidInput> {
    ComparableVersion::parse(s)
        .map_err(|e| invalid("version", MavenError::InvalidVersion { input: s.to_string(), reason: e.to_string() }))
}

fn item_json(item: &Item) -> Value {
    match item {
        Item::Num(n) => n.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::from(n.clone())),
        Item::Str(s) => Value::from(s.clone()),
        Item::Comb(s, d) => {
            let mut out = s.clone();
            if let Item::Num(n) = d.as_ref() {
                out.push_str(n);
            }
            Value::from(out)
        }
        Item::List(items) => Value::Array(items.iter().map(item_json).collect()),
    }
}

enum AnyRange {
    Artifact(VersionRange),
    Generic(GenericVersionConstraint),
    GenericRange(GenericVersionRange),
}

fn parse_any_range(range: &str, mode: Mode) -> Result<AnyRange, InvalidInput> {
    Ok(match mode {
        Mode::Artifact => AnyRange::Artifact(VersionRange::parse(range).map_err(|e| invalid("range", e))?),
        Mode::Generic => AnyRange::Generic(GenericVersionConstraint::parse(range).map_err(|e| invalid("range", e))?),
        Mode::GenericRange => AnyRange::GenericRange(GenericVersionRange::parse(range).map_err(|e| invalid("range", e))?),
    })
}

impl VersionScheme for MavenScheme {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Maven
    }

    fn parse(&self, version: &str, opts: &SchemeOptions) -> Result<ParsedVersion, InvalidInput> {
        match Mode::from_options(opts)? {
            Mode::Artifact => {
                let v = artifact_version(version)?;
                Ok(ParsedVersion {
                    normalized: v.canonical(),
                    parts: json!({ "items": item_json(v.items()), "snapshot": v.is_snapshot() }),
                    prerelease: v.is_prerelease(),
                })
            }
            Mode::Generic | Mode::GenericRange => {
                let v = GenericVersion::parse(version);
                Ok(ParsedVersion {
                    normalized: v.as_str().to_string(),
                    parts: json!({ "scheme": "generic" }),
                    prerelease: v.is_prerelease(),
                })
            }
        }
    }

    fn compare(&self, a: &str, b: &str, opts: &SchemeOptions) -> Result<Ordering, InvalidInput> {
        match Mode::from_options(opts)? {
            Mode::Artifact => Ok(artifact_version(a)?.cmp(&artifact_version(b)?)),
            Mode::Generic | Mode::GenericRange => Ok(GenericVersion::parse(a).cmp(&GenericVersion::parse(b))),
        }
    }

    fn satisfies(&self, range: &str, version: &str, opts: &SchemeOptions) -> Result<bool, InvalidInput> {
        let mode = Mode::from_options(opts)?;
        Ok(match parse_any_range(range, mode)? {
            AnyRange::Artifact(r) => r.contains(&artifact_version(version)?),
            AnyRange::Generic(c) => c.contains(&GenericVersion::parse(version)),
            AnyRange::GenericRange(r) => r.contains(&GenericVersion::parse(version)),
        })
    }

    fn satisfies_by_set(&self, range: &str, version: &str, opts: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        let run = || -> Result<bool, InvalidInput> {
            let mode = Mode::from_options(opts)?;
            Ok(match parse_any_range(range, mode)? {
                AnyRange::Artifact(r) => r.to_pubgrub().contains(&artifact_version(version)?),
                AnyRange::Generic(c) => c.to_pubgrub().contains(&GenericVersion::parse(version)),
                AnyRange::GenericRange(r) => r.to_pubgrub().contains(&GenericVersion::parse(version)),
            })
        };
        Some(run())
    }

    fn modes(&self) -> &'static [&'static str] {
        &["artifact", "generic", "generic-range"]
    }

    fn normalize(&self, kind: &str, op: Option<&str>, input: &str, opts: &SchemeOptions) -> Option<Result<Option<String>, InvalidInput>> {
        match (kind, op) {
            ("version", None | Some("getCanonical" | "canonical")) => match Mode::from_options(opts) {
                Ok(Mode::Artifact) => Some(artifact_version(input).map(|v| Some(v.canonical()))),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            },
            ("range", None) => Some(self.parse_range(input, opts).map(Some)),
            _ => None,
        }
    }

    fn parse_range(&self, range: &str, opts: &SchemeOptions) -> Result<String, InvalidInput> {
        let mode = Mode::from_options(opts)?;
        Ok(match parse_any_range(range, mode)? {
            AnyRange::Artifact(r) => r.to_string(),
            AnyRange::Generic(c) => c.to_string(),
            AnyRange::GenericRange(r) => r.to_string(),
        })
    }
}
