//! crates.io resolution, modelled on Cargo's.
//!
//! * One copy per semver-compatibility bucket: a crate `c` is `Pkg::Base { c, copy: "1" }`,
//!   `{ c, "0.3" }`…, so `rand 0.7` and `rand 0.8` coexist as Cargo allows, and two
//!   requirements in one bucket unify. A requirement whose versions span several buckets
//!   (`>=0.3, <2`) is a `Pkg::Any` whose versions each depend on their own bucket.
//! * Features are `Pkg::Feature { c, bucket, f }`: each version depends on the base at
//!   exactly that version and on what `f` enables there (other features, `dep:x` optional
//!   dependencies, `x/f` features of dependencies). `default` is a feature that always exists
//!   (empty when not declared). `x?/f` enables `f` on `x` only when `x` is not optional (a weak
//!   dependency on an optional crate is not modelled: it never enables anything).
//! * Dependency kinds: `normal` and `build` for every package; `dev` only for the roots.
//! * `target = "cfg(..)"` / a triple is evaluated for one target triple (default: the host).
//! * Yanked versions are never chosen; versions are tried highest first.

use crate::adapter::{Adapter, require};
use crate::provider::{self, DocCache};
use crate::{Ecosystem, Edge, Pkg, Resolution, ResolveError, ResolvedPackage, RootReq, SolveStats};
use pubgrub::{Dependencies, DerivationTree, VersionSet as _};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tusk_crates::{Requirement, Version, VersionSet, compat_bucket, semver};
use tusk_index::IndexError;
use tusk_index::crates::{CratesClient, IndexDep, IndexVersion};

/// One version of a crate, parsed.
#[derive(Debug)]
pub struct CrateVersion {
    pub version: Version,
    pub bucket: Arc<str>,
    pub raw: IndexVersion,
}

/// All usable versions of a crate, highest first (unparseable versions dropped).
#[derive(Debug)]
pub struct CrateDoc {
    pub name: String,
    pub versions: Vec<CrateVersion>,
}

impl CrateDoc {
    pub fn from_index(name: &str, raw: Vec<IndexVersion>) -> CrateDoc {
        let mut versions: Vec<CrateVersion> = raw
            .into_iter()
            .filter_map(|raw| {
                let version = Version::parse(&raw.vers).ok()?;
                let bucket: Arc<str> = compat_bucket(&version).to_string().into();
                Some(CrateVersion { version, bucket, raw })
            })
            .collect();
        versions.sort_by(|a, b| b.version.cmp(&a.version));
        CrateDoc { name: name.to_string(), versions }
    }
    pub fn get(&self, v: &Version) -> Option<&CrateVersion> {
        self.versions.iter().find(|c| &c.version == v)
    }
}

/// A target to evaluate `[target.'cfg(..)'.dependencies]` against.
#[derive(Debug, Clone)]
pub struct Target {
    pub triple: String,
    info: Option<&'static cfg_expr::targets::TargetInfo>,
}

impl Target {
    pub fn new(triple: &str) -> Target {
        Target { triple: triple.to_string(), info: cfg_expr::targets::get_builtin_target_by_triple(triple) }
    }
    /// The triple of this machine (`x86_64-unknown-linux-gnu`, `aarch64-apple-darwin`…).
    pub fn host() -> Target {
        let arch = std::env::consts::ARCH;
        let triple = match std::env::consts::OS {
            "linux" => format!("{arch}-unknown-linux-gnu"),
            "macos" => format!("{arch}-apple-darwin"),
            "windows" => format!("{arch}-pc-windows-msvc"),
            other => format!("{arch}-unknown-{other}"),
        };
        Target::new(&triple)
    }
    pub fn is_known(&self) -> bool {
        self.info.is_some()
    }
    /// Whether a dependency with this `target` applies.
    pub fn matches(&self, spec: Option<&str>) -> bool {
        let Some(spec) = spec else { return true };
        if spec.trim_start().starts_with("cfg(") {
            match cfg_expr::Expression::parse(spec) {
                Ok(expr) => expr.eval(|pred| match pred {
                    cfg_expr::Predicate::Target(tp) => self.info.map(|i| tp.matches(i)).unwrap_or(false),
                    _ => false,
                }),
                Err(_) => false,
            }
        } else {
            spec == self.triple
        }
    }
}

/// Options of a crates.io resolution.
#[derive(Debug, Clone)]
pub struct CratesOptions {
    pub target: Target,
}

impl Default for CratesOptions {
    fn default() -> Self {
        CratesOptions { target: Target::host() }
    }
}

type Deps = crate::adapter::Deps<Version>;
type Docs = Arc<DocCache<CratesAdapter>>;

/// crates.io's part of the shared provider ([`crate::provider`]).
pub struct CratesAdapter {
    client: CratesClient,
    target: Target,
}

/// A dependency to turn into solver terms.
struct DepSpec<'a> {
    crate_name: &'a str,
    req: &'a str,
    features: BTreeSet<String>,
    default_features: bool,
}

impl CratesAdapter {
    /// The terms for one dependency edge, added to `out`.
    fn dep_terms(&self, docs: &Docs, dep: &DepSpec<'_>, out: &mut Deps) -> Result<(), ResolveError> {
        let req = Requirement::parse(dep.req).map_err(|e| ResolveError::Input {
            location: format!("dependency on `{}`", dep.crate_name),
            message: format!("invalid version requirement `{}`: {e}", dep.req),
        })?;
        let doc = docs.doc(dep.crate_name)?;
        let mut features: BTreeSet<String> = dep.features.clone();
        if dep.default_features {
            features.insert("default".into());
        }
        let buckets: BTreeSet<&Arc<str>> =
            doc.versions.iter().filter(|v| !v.raw.yanked && req.matches(&v.version)).map(|v| &v.bucket).collect();
        let set = req.to_set();
        let name: Arc<str> = doc.name.as_str().into();
        if buckets.len() <= 1 {
            let bucket: Arc<str> = match buckets.first() {
                Some(b) => (*b).clone(),
                None => guess_bucket(&req),
            };
            let base = Pkg::Base { name: name.clone(), copy: Some(bucket.clone()) };
            require(out, base, &set);
            for f in features {
                require(out, Pkg::Feature { name: name.clone(), copy: Some(bucket.clone()), feature: f.into() }, &set);
            }
        } else {
            let features: Vec<String> = features.into_iter().collect();
            require(out, Pkg::Any { name, req: req.to_string().into(), features: features.join(",").into() }, &set);
        }
        Ok(())
    }

    /// Dependencies of a crate version that apply without features: non-optional normal and
    /// build dependencies for this target.
    fn base_deps(&self, docs: &Docs, cv: &CrateVersion) -> Result<Deps, ResolveError> {
        let active: Vec<&IndexDep> =
            cv.raw.deps.iter().filter(|d| !d.optional && d.kind() != "dev" && self.target.matches(d.target.as_deref())).collect();
        for d in &active {
            docs.prefetch(d.crate_name());
        }
        let mut out = Deps::new();
        for d in active {
            let spec = DepSpec { crate_name: d.crate_name(), req: &d.req, features: d.features.iter().cloned().collect(), default_features: d.default_features };
            self.dep_terms(docs, &spec, &mut out)?;
        }
        Ok(out)
    }

    /// What feature `feature` of `cv` enables: `Ok(None)` when the feature does not exist.
    fn feature_deps(&self, docs: &Docs, name: &Arc<str>, bucket: &Arc<str>, cv: &CrateVersion, feature: &str) -> Result<Option<Deps>, ResolveError> {
        let features = cv.raw.all_features();
        let applicable = |d: &&IndexDep| d.kind() != "dev" && self.target.matches(d.target.as_deref());
        let mut out = Deps::new();
        let exact = VersionSet::singleton(cv.version.clone());
        out.insert(Pkg::Base { name: name.clone(), copy: Some(bucket.clone()) }, exact.clone());
        // Dependencies (by the name used in the manifest) enabled, with extra features.
        let mut enabled: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        let mut sub_features: Vec<&str> = Vec::new();
        let entries: Vec<String> = match features.get(feature) {
            Some(list) => list.clone(),
            None if feature == "default" => Vec::new(),
            None => {
                // An optional dependency is an implicit feature of the same name.
                if cv.raw.deps.iter().any(|d| d.optional && d.name == feature) {
                    vec![format!("dep:{feature}")]
                } else {
                    return Ok(None);
                }
            }
        };
        for entry in &entries {
            if let Some(dep) = entry.strip_prefix("dep:") {
                enabled.entry(dep).or_default();
            } else if let Some((dep, f)) = entry.split_once('/') {
                let (dep, weak) = match dep.strip_suffix('?') {
                    Some(d) => (d, true),
                    None => (dep, false),
                };
                let optional = cv.raw.deps.iter().filter(|d| d.name == dep).all(|d| d.optional);
                if weak && optional {
                    continue;
                }
                enabled.entry(dep).or_default().insert(f.to_string());
            } else if features.contains_key(entry.as_str()) {
                sub_features.push(entry);
            } else if cv.raw.deps.iter().any(|d| d.optional && d.name == *entry) {
                enabled.entry(entry).or_default();
            }
        }
        for f in sub_features {
            out.insert(Pkg::Feature { name: name.clone(), copy: Some(bucket.clone()), feature: f.into() }, exact.clone());
        }
        let deps: Vec<(&IndexDep, &BTreeSet<String>)> = enabled
            .iter()
            .flat_map(|(dep_name, extra)| cv.raw.deps.iter().filter(|d| d.name == *dep_name).filter(applicable).map(move |d| (d, extra)))
            .collect();
        for (d, _) in &deps {
            docs.prefetch(d.crate_name());
        }
        for (d, extra) in deps {
            let mut fs: BTreeSet<String> = d.features.iter().cloned().collect();
            fs.extend(extra.iter().cloned());
            let spec = DepSpec { crate_name: d.crate_name(), req: &d.req, features: fs, default_features: d.default_features };
            self.dep_terms(docs, &spec, &mut out)?;
        }
        Ok(Some(out))
    }
}

/// The versions of `doc` in `pkg`'s bucket (any bucket for a [`Pkg::Any`]), yanked included.
fn in_bucket<'d>(doc: &'d CrateDoc, pkg: &Pkg) -> impl Iterator<Item = &'d CrateVersion> + use<'d> {
    let bucket = match pkg {
        Pkg::Base { copy, .. } | Pkg::Feature { copy, .. } => copy.clone(),
        _ => None,
    };
    doc.versions.iter().filter(move |v| bucket.as_ref().is_none_or(|b| *b == v.bucket))
}

fn guess_bucket(req: &Requirement) -> Arc<str> {
    match req.0.comparators.first() {
        Some(c) => compat_bucket(&Version::new(c.major, c.minor.unwrap_or(0), c.patch.unwrap_or(0))).to_string().into(),
        None => "*".into(),
    }
}

impl Adapter for CratesAdapter {
    type V = Version;
    type Doc = CrateDoc;
    type Round = ();

    const ECOSYSTEM: Ecosystem = Ecosystem::Crates;

    fn root_version(&self) -> Result<Version, ResolveError> {
        Ok(Version::new(0, 0, 0))
    }

    async fn fetch(&self, name: &str) -> Result<CrateDoc, IndexError> {
        let idx = self.client.crate_versions(name).await?;
        Ok(CrateDoc::from_index(name, idx.versions))
    }

    /// The dependencies the newest version will most likely need: non-optional ones, plus
    /// those its `default` feature enables.
    fn prefetch_likely(&self, docs: &Docs, doc: &CrateDoc) {
        let Some(newest) = doc.versions.iter().find(|v| !v.raw.yanked && !v.version.is_prerelease()) else { return };
        let features = newest.raw.all_features();
        let default_deps: BTreeSet<&str> = features
            .get("default")
            .map(|d| d.iter().map(|e| e.trim_start_matches("dep:").split('/').next().unwrap_or("")).collect())
            .unwrap_or_default();
        for dep in &newest.raw.deps {
            if dep.kind() == "dev" || !self.target.matches(dep.target.as_deref()) {
                continue;
            }
            if dep.optional && !default_deps.contains(dep.name.as_str()) {
                continue;
            }
            docs.prefetch(dep.crate_name());
        }
    }

    /// Unyanked versions in the package's bucket, highest first.
    fn candidates<'d>(&self, doc: &'d CrateDoc, pkg: &Pkg) -> impl Iterator<Item = &'d Version> {
        in_bucket(doc, pkg).filter(|v| !v.raw.yanked).map(|v| &v.version)
    }

    fn root_deps(&self, docs: &Docs, _round: &(), roots: &[RootReq]) -> Result<Deps, ResolveError> {
        let mut out = Deps::new();
        for r in roots {
            if r.kind == "optional" || !self.target.matches(r.condition.as_deref()) {
                continue;
            }
            let spec = DepSpec {
                crate_name: r.package_name(),
                req: &r.req,
                features: r.features.iter().cloned().collect(),
                default_features: r.default_features,
            };
            self.dep_terms(docs, &spec, &mut out).map_err(|e| match e {
                ResolveError::Input { message, .. } => ResolveError::Input { location: r.origin.clone(), message },
                other => other,
            })?;
        }
        Ok(out)
    }

    fn dependencies(&self, docs: &Docs, _round: &(), package: &Pkg, version: &Version) -> Result<Dependencies<Pkg, VersionSet, String>, ResolveError> {
        match package {
            Pkg::Root => Ok(Dependencies::Unavailable("the root's terms come from root_deps".into())),
            Pkg::Base { name, .. } => {
                let doc = docs.doc(name)?;
                match doc.get(version) {
                    Some(cv) => Ok(Dependencies::Available(self.base_deps(docs, cv)?.into_iter().collect())),
                    None => Ok(Dependencies::Unavailable(format!("{name} {version} is not in the index"))),
                }
            }
            Pkg::Feature { name, copy, feature } => {
                let doc = docs.doc(name)?;
                let Some(cv) = doc.get(version) else {
                    return Ok(Dependencies::Unavailable(format!("{name} {version} is not in the index")));
                };
                let bucket = copy.clone().unwrap_or_else(|| cv.bucket.clone());
                match self.feature_deps(docs, name, &bucket, cv, feature)? {
                    Some(d) => Ok(Dependencies::Available(d.into_iter().collect())),
                    None => Ok(Dependencies::Unavailable(format!("{name} {version} has no feature `{feature}`"))),
                }
            }
            Pkg::Any { name, features, .. } => {
                let doc = docs.doc(name)?;
                let Some(cv) = doc.get(version) else {
                    return Ok(Dependencies::Unavailable(format!("{name} {version} is not in the index")));
                };
                let exact = VersionSet::singleton(version.clone());
                let mut out = Deps::new();
                out.insert(Pkg::Base { name: name.clone(), copy: Some(cv.bucket.clone()) }, exact.clone());
                for f in features.split(',').filter(|f| !f.is_empty()) {
                    out.insert(Pkg::Feature { name: name.clone(), copy: Some(cv.bucket.clone()), feature: f.into() }, exact.clone());
                }
                Ok(Dependencies::Available(out.into_iter().collect()))
            }
        }
    }

    fn render(set: &VersionSet) -> String {
        crate_set(set)
    }

    /// Hints about yanked versions.
    fn explain_more(&self, docs: &Docs, tree: &DerivationTree<Pkg, VersionSet, String>, _fmt: &dyn Fn(&Pkg, &VersionSet) -> String) -> String {
        let mut hints = BTreeSet::new();
        self.collect_yank_hints(docs, tree, &mut hints);
        hints.into_iter().map(|h| format!("\nhint: {h}")).collect()
    }
}

impl CratesAdapter {
    fn collect_yank_hints(&self, docs: &Docs, tree: &DerivationTree<Pkg, VersionSet, String>, hints: &mut BTreeSet<String>) {
        use pubgrub::External;
        match tree {
            DerivationTree::External(External::NoVersions(pkg, set)) | DerivationTree::External(External::FromDependencyOf(_, _, pkg, set)) => {
                if let Some(Ok(doc)) = docs.peek(pkg.name()) {
                    let yanked: Vec<String> =
                        in_bucket(&doc, pkg).filter(|v| v.raw.yanked && set.contains(&v.version)).map(|v| v.version.to_string()).collect();
                    let usable = self.candidates(&doc, pkg).any(|v| set.contains(v));
                    if !yanked.is_empty() && !usable {
                        hints.insert(format!("{} {} matches {}, but {} yanked", pkg.name(), yanked.join(", "), crate_set(set), if yanked.len() == 1 { "it was" } else { "they were" }));
                    }
                }
            }
            DerivationTree::External(_) => {}
            DerivationTree::Derived(d) => {
                self.collect_yank_hints(docs, &d.cause1, hints);
                self.collect_yank_hints(docs, &d.cause2, hints);
            }
        }
    }
}

/// Resolves `roots` against a sparse index. Runs the solver on a blocking thread; metadata is
/// fetched on the current tokio runtime.
pub async fn resolve(client: CratesClient, roots: Vec<RootReq>, opts: CratesOptions, cancel: CancellationToken) -> Result<Resolution, ResolveError> {
    let started = std::time::Instant::now();
    let docs = DocCache::new(CratesAdapter { client, target: opts.target });
    let (_, solution) = provider::solve(&docs, (), &roots, cancel).await?;
    let mut res = extract(&docs, &roots, &solution)?;
    res.stats = SolveStats { documents: docs.len() as u64, millis: started.elapsed().as_millis() as u64 };
    Ok(res)
}

/// A Cargo-style rendering of a version set: `=1.2.3`, `^1.2.3`, `>=1, <3`.
pub fn crate_set(set: &VersionSet) -> String {
    use std::ops::Bound::*;
    if set.pre.is_empty() || set.pre == set.release {
        let segs: Vec<String> = set
            .release
            .iter()
            .map(|(lo, hi)| match (lo, hi) {
                (Unbounded, Unbounded) => "*".to_string(),
                (Included(a), Excluded(b)) if b.0 == semver::Version::new(a.0.major, a.0.minor, a.0.patch + 1) && a.0.pre.is_empty() => format!("={a}"),
                (Included(a), Excluded(b)) if a.0.pre.is_empty() && b.0.pre.is_empty() && b.0.build.is_empty() && caret_upper(&a.0) == b.0 => format!("^{a}"),
                (Included(a), Included(b)) if a == b => format!("={a}"),
                (Included(a), Unbounded) => format!(">={a}"),
                (Excluded(a), Unbounded) => format!(">{a}"),
                (Unbounded, Excluded(b)) => format!("<{b}"),
                (Unbounded, Included(b)) => format!("<={b}"),
                (Included(a), Excluded(b)) => format!(">={a}, <{b}"),
                (Included(a), Included(b)) => format!(">={a}, <={b}"),
                (Excluded(a), Excluded(b)) => format!(">{a}, <{b}"),
                (Excluded(a), Included(b)) => format!(">{a}, <={b}"),
            })
            .collect();
        if segs.is_empty() { "∅".to_string() } else { segs.join(" || ") }
    } else {
        set.to_string()
    }
}

fn caret_upper(v: &semver::Version) -> semver::Version {
    if v.major > 0 {
        semver::Version::new(v.major + 1, 0, 0)
    } else if v.minor > 0 {
        semver::Version::new(0, v.minor + 1, 0)
    } else {
        semver::Version::new(0, 0, v.patch + 1)
    }
}

/// Turns the solver's answer into real packages with features and edges.
fn extract(docs: &Docs, roots: &[RootReq], solution: &pubgrub::SelectedDependencies<Pkg, Version>) -> Result<Resolution, ResolveError> {
    // (name, bucket) -> (version, features)
    type Chosen = BTreeMap<(Arc<str>, Arc<str>), (Version, BTreeSet<String>)>;
    let mut chosen: Chosen = BTreeMap::new();
    for (pkg, v) in solution.iter() {
        if let Pkg::Base { name, copy: Some(b) } = pkg {
            chosen.entry((name.clone(), b.clone())).or_insert_with(|| (v.clone(), BTreeSet::new())).0 = v.clone();
        }
    }
    for (pkg, v) in solution.iter() {
        if let Pkg::Feature { name, copy: Some(b), feature } = pkg {
            chosen.entry((name.clone(), b.clone())).or_insert_with(|| (v.clone(), BTreeSet::new())).1.insert(feature.to_string());
        }
    }
    let by_name: HashMap<&str, Vec<&Version>> = chosen.iter().fold(HashMap::new(), |mut m, ((n, _), (v, _))| {
        m.entry(&**n).or_default().push(v);
        m
    });
    let pick = |name: &str, req: &str| -> Option<String> {
        let r = Requirement::parse(req).ok()?;
        by_name.get(name)?.iter().filter(|v| r.matches(v)).max().map(|v| v.to_string())
    };
    let registry = docs.adapter.client.registry_url().to_string();
    let mut packages = Vec::new();
    for ((name, _), (version, features)) in &chosen {
        let doc = docs.doc(name)?;
        let cv = doc.get(version).ok_or_else(|| ResolveError::Internal(format!("{name} {version} vanished from the index")))?;
        let enabled_deps = enabled_optional_deps(cv, features);
        let mut edges = Vec::new();
        for d in &cv.raw.deps {
            if d.kind() == "dev" || !docs.adapter.target.matches(d.target.as_deref()) {
                continue;
            }
            if d.optional && !enabled_deps.contains_key(d.name.as_str()) {
                continue;
            }
            let Some(target_version) = pick(d.crate_name(), &d.req) else {
                return Err(ResolveError::Internal(format!("{name} {version}: no chosen version of {} matches {}", d.crate_name(), d.req)));
            };
            let mut fs: BTreeSet<String> = d.features.iter().cloned().collect();
            if let Some(extra) = enabled_deps.get(d.name.as_str()) {
                fs.extend(extra.iter().cloned());
            }
            if d.default_features {
                fs.insert("default".into());
            }
            edges.push(Edge {
                name: d.crate_name().to_string(),
                req: d.req.clone(),
                version: target_version,
                kind: if d.kind() == "normal" { String::new() } else { d.kind().to_string() },
                features: fs.into_iter().collect(),
            });
        }
        edges.sort();
        edges.dedup();
        packages.push(ResolvedPackage {
            ecosystem: Ecosystem::Crates,
            name: name.to_string(),
            version: version.to_string(),
            registry: registry.clone(),
            integrity: (!cv.raw.cksum.is_empty()).then(|| format!("sha256:{}", cv.raw.cksum)),
            features: features.iter().cloned().collect(),
            path: None,
            dependencies: edges,
            note: None,
        });
    }
    packages.sort();
    let mut root_edges = Vec::new();
    for r in roots {
        if r.kind == "optional" || !docs.adapter.target.matches(r.condition.as_deref()) {
            continue;
        }
        let Some(v) = pick(r.package_name(), &r.req) else { continue };
        let mut fs: BTreeSet<String> = r.features.iter().cloned().collect();
        if r.default_features {
            fs.insert("default".into());
        }
        root_edges.push(Edge { name: r.package_name().to_string(), req: r.req.clone(), version: v, kind: r.kind.clone(), features: fs.into_iter().collect() });
    }
    root_edges.sort();
    Ok(Resolution { ecosystem: Ecosystem::Crates, roots: roots.to_vec(), root_edges, packages, stats: SolveStats::default() })
}

/// The optional dependencies (by manifest name) that a set of enabled features turns on, with
/// the features they ask of them.
pub fn enabled_optional_deps<'a>(cv: &'a CrateVersion, features: &BTreeSet<String>) -> BTreeMap<&'a str, BTreeSet<String>> {
    let all = cv.raw.all_features();
    let mut out: BTreeMap<&'a str, BTreeSet<String>> = BTreeMap::new();
    let optional = |n: &str| cv.raw.deps.iter().filter(|d| d.name == n).any(|d| d.optional);
    let dep_name = |n: &str| cv.raw.deps.iter().find(|d| d.name == n).map(|d| d.name.as_str());
    for f in features {
        match all.get(f) {
            Some(entries) => {
                for e in entries {
                    if let Some(d) = e.strip_prefix("dep:") {
                        if let Some(d) = dep_name(d) {
                            out.entry(d).or_default();
                        }
                    } else if let Some((d, sub)) = e.split_once('/') {
                        let weak = d.ends_with('?');
                        let d = d.trim_end_matches('?');
                        if weak && optional(d) {
                            continue;
                        }
                        if let Some(d) = dep_name(d) {
                            out.entry(d).or_default().insert(sub.to_string());
                        }
                    } else if !all.contains_key(e.as_str()) && optional(e)
                        && let Some(d) = dep_name(e) {
                            out.entry(d).or_default();
                        }
                }
            }
            None => {
                if optional(f)
                    && let Some(d) = dep_name(f) {
                        out.entry(d).or_default();
                    }
            }
        }
    }
    out
}
