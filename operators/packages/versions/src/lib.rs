//! The shape every ecosystem's version semantics share.
//!
//! Each ecosystem crate (`tusk-npm`, `tusk-pypi`, …) keeps its own typed `Version` and range
//! types (totally ordered, convertible to PubGrub version sets) for the resolver. This crate
//! holds only the ecosystem-agnostic surface: the [`Ecosystem`] names and the object-safe
//! [`VersionScheme`] the `@packages version …` verbs dispatch through.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The package ecosystems tusk knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Npm,
    Pypi,
    Crates,
    Maven,
    Nuget,
    Rubygems,
    Composer,
}

impl Ecosystem {
    pub const ALL: [Ecosystem; 7] = [
        Ecosystem::Npm,
        Ecosystem::Pypi,
        Ecosystem::Crates,
        Ecosystem::Maven,
        Ecosystem::Nuget,
        Ecosystem::Rubygems,
        Ecosystem::Composer,
    ];

    /// The canonical name used on the command line, in lockfiles and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Crates => "crates",
            Ecosystem::Maven => "maven",
            Ecosystem::Nuget => "nuget",
            Ecosystem::Rubygems => "rubygems",
            Ecosystem::Composer => "composer",
        }
    }

    /// The operator alias that presets this ecosystem (`@pip` for PyPI, `@gem` for RubyGems…).
    pub fn alias(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pip",
            Ecosystem::Crates => "cargo",
            Ecosystem::Maven => "maven",
            Ecosystem::Nuget => "nuget",
            Ecosystem::Rubygems => "gem",
            Ecosystem::Composer => "composer",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown ecosystem `{0}` (expected one of: npm, pypi, crates, maven, nuget, rubygems, composer)")]
pub struct UnknownEcosystem(pub String);

impl FromStr for Ecosystem {
    type Err = UnknownEcosystem;
    /// Accepts canonical names and the common aliases (`pip`, `cargo`, `gem`, `packagist`…).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "npm" | "node" => Ecosystem::Npm,
            "pypi" | "pip" | "python" => Ecosystem::Pypi,
            "crates" | "cargo" | "crates.io" | "rust" => Ecosystem::Crates,
            "maven" | "mvn" => Ecosystem::Maven,
            "nuget" => Ecosystem::Nuget,
            "rubygems" | "gem" | "gems" => Ecosystem::Rubygems,
            "composer" | "packagist" => Ecosystem::Composer,
            _ => return Err(UnknownEcosystem(s.to_string())),
        })
    }
}

/// Options that change how versions and ranges are read. Each ecosystem documents which it
/// honours; an option an ecosystem does not have is ignored by it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemeOptions {
    /// npm `includePrerelease`; PEP 440 `prereleases=True`.
    pub include_prerelease: bool,
    /// PEP 440 `prereleases=False` (explicitly exclude, distinct from the default).
    pub exclude_prerelease: bool,
    /// npm `loose` parsing.
    pub loose: bool,
    /// Ecosystem-specific mode, e.g. Maven `generic` (maven-resolver's generic scheme),
    /// NuGet `strict`, Composer minimum-stability `dev|alpha|beta|RC|stable`.
    pub mode: Option<String>,
    /// Further ecosystem-specific flags by name, values as strings (`"true"`, `"false"`,
    /// `"constraint"`). The conformance harness copies every record option here verbatim
    /// (JSON strings unquoted, other values as JSON text), besides filling the fields above;
    /// e.g. PyPI reads `call_prereleases` and `installed`. (versions-a: added.)
    pub flags: std::collections::BTreeMap<String, String>,
}

impl SchemeOptions {
    /// A flag's value, if set.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags.get(name).map(String::as_str)
    }
    /// A boolean flag: `Some(true)` for `"true"`, `Some(false)` for `"false"`, else `None`.
    pub fn flag_bool(&self, name: &str) -> Option<bool> {
        match self.flag(name) {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        }
    }
}

/// A version parsed and normalised, for `version parse`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParsedVersion {
    /// The ecosystem's canonical string for this version.
    pub normalized: String,
    /// The parts, ecosystem-specific but stable (documented in docs/packages-versions.md).
    pub parts: serde_json::Value,
    pub prerelease: bool,
}

/// A version or range that the ecosystem rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {ecosystem} {what} `{input}`: {reason}")]
pub struct InvalidInput {
    pub ecosystem: Ecosystem,
    /// "version" or "range".
    pub what: &'static str,
    pub input: String,
    pub reason: String,
}

/// Ecosystem version semantics behind one object-safe interface, for the CLI verbs and for
/// conformance tests. The resolver uses the typed APIs of each crate instead.
pub trait VersionScheme: Send + Sync {
    fn ecosystem(&self) -> Ecosystem;
    fn parse(&self, version: &str, opts: &SchemeOptions) -> Result<ParsedVersion, InvalidInput>;
    fn compare(&self, a: &str, b: &str, opts: &SchemeOptions) -> Result<Ordering, InvalidInput>;
    /// Whether `version` satisfies `range`. Errors when either is invalid.
    fn satisfies(&self, range: &str, version: &str, opts: &SchemeOptions) -> Result<bool, InvalidInput>;
    /// Validates a range and returns its normalised display form.
    fn parse_range(&self, range: &str, opts: &SchemeOptions) -> Result<String, InvalidInput>;

    /// The same answer as [`VersionScheme::satisfies`], computed through the ecosystem's
    /// PubGrub version set (`Ranges` or a custom set) instead of the matcher. `None` when the
    /// ecosystem has no version set yet. The conformance harness checks both, which is what
    /// shows the set conversion exact on the upstream cases. (versions-a: added.)
    fn satisfies_by_set(&self, _range: &str, _version: &str, _opts: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        None
    }

    /// Values `SchemeOptions::mode` may take for this ecosystem (for `--mode` help and checks).
    fn modes(&self) -> &'static [&'static str] {
        &[]
    }

    /// Formats `input` with a named formatter (`kind` is "version" or "range"; `op` None is
    /// the canonical form, otherwise an ecosystem formatter such as npm `clean` or PyPI
    /// `public`). `Ok(None)` means the formatter returns null/none. `None` means this
    /// ecosystem has no such formatter. (versions-a: added.)
    fn normalize(&self, kind: &str, op: Option<&str>, input: &str, opts: &SchemeOptions) -> Option<Result<Option<String>, InvalidInput>> {
        match (kind, op) {
            ("version", None) => Some(self.parse(input, opts).map(|p| Some(p.normalized))),
            ("range", None) => Some(self.parse_range(input, opts).map(Some)),
            _ => None,
        }
    }

    /// The versions of `versions` in `range`, in input order, by the ecosystem's own filter
    /// (PyPI's `SpecifierSet.filter` differs from per-item `contains`). Invalid versions are
    /// dropped; an invalid range is an error. (versions-a: added.)
    fn filter(&self, range: &str, versions: &[String], opts: &SchemeOptions) -> Result<Vec<String>, InvalidInput> {
        self.parse_range(range, opts)?;
        Ok(versions.iter().filter(|v| matches!(self.satisfies(range, v, opts), Ok(true))).cloned().collect())
    }

    /// node-semver `gtr`/`ltr`: whether `version` is above (`Greater`) or below (`Less`) every
    /// version `range` could match. `None` when the ecosystem has no such notion. (versions-a.)
    fn outside(&self, _range: &str, _version: &str, _direction: Ordering, _opts: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        None
    }

    /// A raw comparison `a <op> b` with `op` one of `< <= > >= == = != <>`. The default
    /// derives it from [`VersionScheme::compare`]; Composer overrides it because two `dev-*`
    /// branches are not comparable. `None` for an unknown operator. (versions-a: added.)
    fn compare_op(&self, a: &str, op: &str, b: &str, opts: &SchemeOptions) -> Option<Result<bool, InvalidInput>> {
        let want: fn(Ordering) -> bool = match op {
            "<" => |o| o == Ordering::Less,
            "<=" => |o| o != Ordering::Greater,
            ">" => |o| o == Ordering::Greater,
            ">=" => |o| o != Ordering::Less,
            "==" | "=" => |o| o == Ordering::Equal,
            "!=" | "<>" => |o| o != Ordering::Equal,
            _ => return None,
        };
        Some(self.compare(a, b, opts).map(want))
    }

    /// Sorts ascending by the ecosystem's order. Errors on the first invalid version.
    fn sort(&self, versions: &[String], opts: &SchemeOptions) -> Result<Vec<String>, InvalidInput> {
        for v in versions {
            self.parse(v, opts)?;
        }
        let mut out = versions.to_vec();
        // Every input parsed above, so compare cannot fail here; Equal keeps the sort total.
        out.sort_by(|a, b| self.compare(a, b, opts).unwrap_or(Ordering::Equal));
        Ok(out)
    }

    /// The highest version satisfying `range`, by the ecosystem's own choice rule
    /// (overridden where the ecosystem's "best match" is not simply the maximum).
    fn max_satisfying(&self, range: &str, versions: &[String], opts: &SchemeOptions) -> Result<Option<String>, InvalidInput> {
        self.parse_range(range, opts)?;
        let mut best: Option<&String> = None;
        for v in versions {
            if self.satisfies(range, v, opts)? {
                best = match best {
                    Some(b) if self.compare(b, v, opts)? != Ordering::Less => Some(b),
                    _ => Some(v),
                };
            }
        }
        Ok(best.cloned())
    }
}

pub mod lanes;
pub use lanes::{Lane, LaneVersion, Lanes};
