//! What the resolution verbs resolve: requirement specs, manifest files and directories of
//! manifests, gathered into requirements per ecosystem, and where the lockfile goes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tusk_registry::{Error, Result};
use tusk_resolver::{Ecosystem, ResolveError, RootReq};

/// What to resolve and how to reach the registries.
#[derive(clap::Args, Debug, Clone)]
pub struct Inputs {
    /// Requirement specs (`crates:serde@1`, `npm:express@^4`, `pypi:"requests>=2.31"`,
    /// `maven:org.slf4j:slf4j-api@2.0.9`), manifest files (Cargo.toml, package.json,
    /// pyproject.toml, requirements.txt, pom.xml, tusk.toml) or directories (every manifest
    /// below them). Default: the current directory.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Use cached registry documents only; fail naming what is missing.
    #[arg(long)]
    pub offline: bool,
    /// Fetch every registry document again, ignoring the cache.
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,
    /// Use cached documents younger than this many seconds without asking the registry
    /// (default 600, or [packages] max_age).
    #[arg(long, value_name = "SECONDS")]
    pub max_age: Option<u64>,
    /// crates: the target triple for `[target.'cfg(..)'.dependencies]` (default: this machine).
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// PyPI: the target Python version for markers and requires-python (default: this
    /// machine's python3, else 3.12).
    #[arg(long, value_name = "VERSION")]
    pub python: Option<String>,
    /// PyPI: the target platform tag (default: this machine, e.g. manylinux_2_28_x86_64).
    #[arg(long, value_name = "TAG")]
    pub platform: Option<String>,
    /// RubyGems: Bundler's platform (x86_64-linux, arm64-darwin, java): its native gems are
    /// taken where a version has one (default: pure-Ruby `ruby` gems only).
    #[arg(long, value_name = "PLATFORM")]
    pub gem_platform: Option<String>,
    /// RubyGems: the target Ruby version; versions whose `ruby:` requirement it does not meet
    /// are skipped (default: not checked).
    #[arg(long, value_name = "VERSION")]
    pub ruby: Option<String>,
    /// PyPI: `allow` takes prereleases everywhere; the default takes them only when a
    /// requirement names one or nothing else satisfies it.
    #[arg(long, value_name = "POLICY", value_parser = ["if-necessary-or-explicit", "allow"])]
    pub prerelease: Option<String>,
    /// PyPI: ignore files uploaded after this RFC 3339 timestamp (2024-06-01T00:00:00Z).
    #[arg(long, value_name = "TIMESTAMP")]
    pub exclude_newer: Option<String>,
    /// npm: only versions published at or before this date (RFC 3339 or YYYY-MM-DD), like
    /// `npm install --before`.
    #[arg(long, value_name = "DATE")]
    pub before: Option<String>,
    /// npm: like `npm install --legacy-peer-deps`: peer dependencies are neither installed nor
    /// checked, and each one the tree does not meet is noted on its dependent.
    #[arg(long)]
    pub legacy_peer_deps: bool,
    /// The lockfile (default: tusk.lock beside the first directory or manifest given, or in
    /// the current directory).
    #[arg(long, value_name = "PATH")]
    pub lock_file: Option<PathBuf>,
}

impl Inputs {
    /// Under an alias (`@cargo resolve serde@1`), inputs that are neither specs nor paths get
    /// the alias's ecosystem.
    pub fn with_preset(&mut self, eco: &str) {
        for i in &mut self.inputs {
            if !is_spec(i) && !Path::new(i.as_str()).exists() {
                *i = format!("{eco}:{i}");
            }
        }
    }

    /// True when every input is a requirement spec (no manifest, no directory).
    pub fn only_specs(&self) -> bool {
        !self.inputs.is_empty() && self.inputs.iter().all(|i| is_spec(i))
    }
}

/// Requirements per ecosystem and where the lock goes.
pub struct Gathered {
    pub inputs: BTreeMap<Ecosystem, Vec<RootReq>>,
    pub lock_path: PathBuf,
}

pub fn is_spec(s: &str) -> bool {
    match s.split_once(':') {
        Some((eco, _)) => eco.parse::<Ecosystem>().is_ok() && !Path::new(s).exists(),
        None => false,
    }
}

fn usage_from(e: ResolveError) -> Error {
    match e {
        ResolveError::Input { location, message } => Error::usage(message).at(location),
        other => Error::usage(other.to_string()),
    }
}

/// Reads every input into requirements per ecosystem (duplicates removed).
pub fn gather(args: &Inputs) -> Result<Gathered> {
    let cwd = std::env::current_dir().map_err(|e| Error::failed(format!("cannot read the current directory: {e}")))?;
    let given: Vec<String> = if args.inputs.is_empty() { vec![".".to_string()] } else { args.inputs.clone() };
    let mut inputs: BTreeMap<Ecosystem, Vec<RootReq>> = BTreeMap::new();
    let mut lock_dir: Option<PathBuf> = None;
    for input in &given {
        if is_spec(input) {
            let (eco, req) = tusk_resolver::inputs::parse_spec(input).map_err(|e| usage_from(e).with_hint("specs look like crates:serde@1, npm:express@^4, pypi:\"requests>=2.31\", maven:org.slf4j:slf4j-api@2.0.9"))?;
            inputs.entry(eco).or_default().push(req);
            continue;
        }
        let path = PathBuf::from(input);
        if path.is_dir() {
            lock_dir.get_or_insert(path.clone());
            let manifests = tusk_resolver::inputs::find_manifests(&path).map_err(usage_from)?;
            let tusk_toml = path.join("tusk.toml");
            let mut any = !manifests.is_empty();
            for m in manifests {
                inputs.entry(m.ecosystem).or_default().extend(m.requirements);
            }
            if tusk_toml.is_file() {
                any |= add_tusk_toml(&tusk_toml, &mut inputs)?;
            }
            if !any {
                return Err(Error::usage(format!("no manifest found in {}", display_path(&path)))
                    .at(input.clone())
                    .with_hint("pass specs (crates:serde@1) or a directory with Cargo.toml, package.json, pyproject.toml, requirements.txt or pom.xml"));
            }
        } else if path.is_file() {
            lock_dir.get_or_insert(path.parent().map(Path::to_path_buf).filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| PathBuf::from(".")));
            if path.file_name().is_some_and(|n| n == "tusk.toml") {
                add_tusk_toml(&path, &mut inputs)?;
            } else {
                let m = tusk_resolver::inputs::read_manifest(&path).map_err(usage_from)?;
                inputs.entry(m.ecosystem).or_default().extend(m.requirements);
            }
        } else {
            return Err(Error::usage(format!("`{input}` is neither a requirement spec nor an existing file or directory"))
                .at(input.clone())
                .with_hint("specs start with an ecosystem: crates:serde@1, npm:express@^4, pypi:requests>=2.31"));
        }
    }
    for reqs in inputs.values_mut() {
        let mut seen = std::collections::BTreeSet::new();
        reqs.retain(|r| seen.insert((r.name.clone(), r.req.clone(), r.features.clone(), r.kind.clone(), r.condition.clone())));
    }
    inputs.retain(|_, v| !v.is_empty());
    let lock_path = match &args.lock_file {
        Some(p) => p.clone(),
        None => lock_dir.unwrap_or(cwd).join(tusk_resolver::lock::FILE_NAME),
    };
    Ok(Gathered { inputs, lock_path })
}

fn add_tusk_toml(path: &Path, inputs: &mut BTreeMap<Ecosystem, Vec<RootReq>>) -> Result<bool> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display())).at(path.display().to_string()))?;
    let found = tusk_resolver::inputs::tusk_toml(&text, &display_path(path)).map_err(usage_from)?;
    let any = !found.is_empty();
    for (eco, reqs) in found {
        inputs.entry(eco).or_default().extend(reqs);
    }
    Ok(any)
}

/// A path as the user gave it, without a leading `./`.
pub fn display_path(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}
