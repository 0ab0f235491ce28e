//! PyPI resolution, modelled on uv's.
//!
//! * A **target environment** (`--python 3.12 --platform manylinux_2_28_x86_64`): PEP 508
//!   markers are evaluated against it, files are filtered by `requires-python` and by wheel
//!   tags (a compatible wheel is preferred; an sdist is used when no wheel fits).
//! * **Extras** are virtual packages `Pkg::Feature { name, extra }` pinned to the base
//!   version, carrying the requirements whose marker names that extra.
//! * **Yanked** files are never used; a version whose files are all yanked is not a candidate.
//! * **Prereleases**: only when a requirement names one (`>=2.0b1`), when `--prerelease allow`,
//!   or when no release satisfies the requirement (uv's `if-necessary-or-explicit`).
//! * `--exclude-newer`: files uploaded after the timestamp are ignored.
//! * Dependencies come from the PEP 658 core-metadata file of the chosen file, or the JSON
//!   API when the index serves none. The metadata of the most likely version of every
//!   discovered project is prefetched in parallel.

use crate::markers::{Marker, MarkerEnv};
use crate::adapter::{Adapter, require};
use crate::prefetch::Prefetcher;
use crate::provider::{self, DocCache};
use crate::{Ecosystem, Edge, Pkg, Resolution, ResolveError, ResolvedPackage, RootReq, SolveStats};
use pubgrub::{Dependencies, DerivationTree, VersionSet as _};
use std::collections::{BTreeMap, BTreeSet};
use std::pin::Pin;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tusk_index::IndexError;
use tusk_index::pypi::{CoreMetadata, PypiClient, SimpleFile, normalize};
use tusk_pypi::{PepSet, PrereleaseFlags, SpecifierSet, Version};

/// When prereleases may be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrereleaseMode {
    /// When a requirement names a prerelease, or nothing else satisfies it (uv's default).
    #[default]
    IfNecessaryOrExplicit,
    /// Always allowed.
    Allow,
}

/// The target environment and policies of a PyPI resolution.
#[derive(Debug, Clone)]
pub struct PypiOptions {
    /// `3.12` or `3.12.4`.
    pub python: String,
    /// A platform tag: `manylinux_2_28_x86_64`, `macosx_14_0_arm64`, `win_amd64`.
    pub platform: String,
    pub prerelease: PrereleaseMode,
    /// RFC 3339 timestamp: ignore files uploaded after it.
    pub exclude_newer: Option<String>,
}

impl Default for PypiOptions {
    fn default() -> Self {
        PypiOptions { python: "3.12".into(), platform: "manylinux_2_28_x86_64".into(), prerelease: PrereleaseMode::default(), exclude_newer: None }
    }
}

/// One usable version: its best file for the target.
#[derive(Debug)]
pub struct Candidate {
    pub version: Version,
    pub file: SimpleFile,
}

#[derive(Debug)]
pub struct ProjectDoc {
    pub name: String,
    /// Usable versions, highest first.
    pub candidates: Vec<Candidate>,
    /// Versions that exist but were not usable, with why (`yanked`, `requires-python`, …).
    pub excluded: BTreeMap<String, String>,
}

/// The Python tag, ABI and platform rules for wheels.
#[derive(Debug, Clone)]
struct Tags {
    minor: u64,
    arch: String,
    os: &'static str,
    /// glibc (linux) or macOS (major, minor) upper bound.
    os_version: (u64, u64),
}

impl Tags {
    fn new(python: &str, platform: &str) -> Tags {
        let minor = python.split('.').nth(1).and_then(|m| m.parse().ok()).unwrap_or(12);
        let p = platform.to_ascii_lowercase();
        let nums: Vec<u64> = p.split('_').filter_map(|s| s.parse().ok()).collect();
        let (os, os_version) = if p.starts_with("macosx") {
            ("macos", (nums.first().copied().unwrap_or(14), nums.get(1).copied().unwrap_or(0)))
        } else if p.starts_with("win") {
            ("windows", (0, 0))
        } else {
            ("linux", (nums.first().copied().unwrap_or(2), nums.get(1).copied().unwrap_or(28)))
        };
        let arch = if p.contains("aarch64") {
            "aarch64"
        } else if p.contains("arm64") {
            "arm64"
        } else if p.ends_with("win32") || p.contains("i686") {
            "i686"
        } else {
            "x86_64"
        }
        .to_string();
        Tags { minor, arch, os, os_version }
    }

    fn platform_ok(&self, plat: &str) -> bool {
        if plat == "any" {
            return true;
        }
        match self.os {
            "linux" => {
                let arch_ok = plat.ends_with(&format!("_{}", self.arch));
                if !arch_ok {
                    return false;
                }
                let glibc = if plat.starts_with("manylinux1_") {
                    Some((2, 5))
                } else if plat.starts_with("manylinux2010_") {
                    Some((2, 12))
                } else if plat.starts_with("manylinux2014_") {
                    Some((2, 17))
                } else if let Some(rest) = plat.strip_prefix("manylinux_") {
                    let n: Vec<u64> = rest.split('_').take(2).filter_map(|s| s.parse().ok()).collect();
                    (n.len() == 2).then(|| (n[0], n[1]))
                } else {
                    None
                };
                glibc.is_some_and(|g| g <= self.os_version)
            }
            "macos" => {
                let Some(rest) = plat.strip_prefix("macosx_") else { return false };
                let parts: Vec<&str> = rest.splitn(3, '_').collect();
                if parts.len() < 3 {
                    return false;
                }
                let v = (parts[0].parse().unwrap_or(99), parts[1].parse().unwrap_or(99));
                let arch = parts[2];
                v <= self.os_version && (arch == self.arch || arch == "universal2" || (arch == "x86_64" && self.arch == "x86_64"))
            }
            _ => match self.arch.as_str() {
                "x86_64" => plat == "win_amd64",
                "arm64" | "aarch64" => plat == "win_arm64",
                _ => plat == "win32",
            },
        }
    }

    /// Whether a wheel file name fits the target.
    fn wheel_ok(&self, filename: &str) -> bool {
        let Some(stem) = filename.strip_suffix(".whl") else { return false };
        let parts: Vec<&str> = stem.split('-').collect();
        if parts.len() < 5 {
            return false;
        }
        let n = parts.len();
        let (py, abi, plat) = (parts[n - 3], parts[n - 2], parts[n - 1]);
        let m = self.minor;
        let py_ok = |t: &str| -> bool {
            t == "py3" || t == format!("py3{m}") || t == format!("cp3{m}") || (abi == "abi3" && t.strip_prefix("cp3").and_then(|k| k.parse::<u64>().ok()).is_some_and(|k| k <= m))
        };
        let abi_ok = |a: &str| a == "none" || a == "abi3" || a == format!("cp3{m}");
        py.split('.').any(py_ok) && abi.split('.').any(abi_ok) && plat.split('.').any(|p| self.platform_ok(p))
    }
}

/// The version in a distribution file name.
fn file_version(project: &str, filename: &str) -> Option<String> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        return stem.split('-').nth(1).map(str::to_string);
    }
    let stem = [".tar.gz", ".zip", ".tar.bz2", ".tgz"].iter().find_map(|ext| filename.strip_suffix(ext))?;
    // `<name>-<version>`, where the name may contain `-` (or `_`/`.` normalised).
    let norm = normalize(project);
    for (i, c) in stem.char_indices() {
        if c == '-' && normalize(&stem[..i]) == norm {
            return Some(stem[i + 1..].to_string());
        }
    }
    stem.rsplit_once('-').map(|(_, v)| v.to_string())
}

/// PyPI's part of the shared provider ([`crate::provider`]): the target environment, and the
/// core metadata of chosen versions (fetched once per version, started when it is chosen).
pub struct PypiAdapter {
    client: PypiClient,
    metadata: Prefetcher<(String, String), CoreMetadata, IndexError>,
    opts: PypiOptions,
    env: MarkerEnv,
    tags: Tags,
    python: Version,
}

type Docs = Arc<DocCache<PypiAdapter>>;
type MetaFuture = Pin<Box<dyn Future<Output = Result<CoreMetadata, IndexError>> + Send>>;

fn fetch_metadata(docs: Docs, project: String, version: String, file: SimpleFile) -> MetaFuture {
    Box::pin(async move { docs.adapter.client.metadata(&project, &version, &file).await })
}

fn build_doc(adapter: &PypiAdapter, name: &str, simple: tusk_index::pypi::SimpleProject) -> ProjectDoc {
    let mut by_version: BTreeMap<String, Vec<SimpleFile>> = BTreeMap::new();
    for f in simple.files {
        if let Some(v) = file_version(name, &f.filename) {
            by_version.entry(v).or_default().push(f);
        }
    }
    let mut candidates = Vec::new();
    let mut excluded = BTreeMap::new();
    for (raw, files) in by_version {
        let Ok(version) = Version::parse(&raw) else { continue };
        let mut reason = None;
        let usable: Vec<&SimpleFile> = files
            .iter()
            .filter(|f| {
                if f.is_yanked() {
                    reason.get_or_insert("yanked");
                    return false;
                }
                if let (Some(limit), Some(t)) = (&adapter.opts.exclude_newer, &f.upload_time)
                    && crate::npm::utc_key(t) > crate::npm::utc_key(limit) {
                        reason.get_or_insert("uploaded after --exclude-newer");
                        return false;
                    }
                if let Some(rp) = f.requires_python.as_deref().filter(|s| !s.trim().is_empty())
                    && let Ok(set) = SpecifierSet::parse(rp)
                        && !set.contains(&adapter.python, PrereleaseFlags { call: Some(true), ..Default::default() }) {
                            reason = Some("requires-python excludes the target Python");
                            return false;
                        }
                if f.is_wheel() && !adapter.tags.wheel_ok(&f.filename) {
                    reason.get_or_insert("no wheel for the target platform");
                    return false;
                }
                true
            })
            .collect();
        let best = usable.iter().find(|f| f.is_wheel()).or_else(|| usable.iter().find(|f| !f.is_wheel()));
        match best {
            Some(f) => candidates.push(Candidate { version, file: (*f).clone() }),
            None => {
                excluded.insert(version.to_string(), reason.unwrap_or("no usable file").to_string());
            }
        }
    }
    candidates.sort_by(|a, b| b.version.cmp(&a.version));
    ProjectDoc { name: normalize(name), candidates, excluded }
}

/// A parsed `Requires-Dist` entry.
#[derive(Debug, Clone)]
struct Req {
    name: String,
    spec: String,
    extras: Vec<String>,
    marker: Option<Marker>,
}

fn parse_req(s: &str) -> Result<Req, String> {
    let r = crate::inputs::parse_pep508(s)?;
    let marker = match &r.condition {
        Some(m) => Some(Marker::parse(m)?),
        None => None,
    };
    Ok(Req { name: normalize(&r.name), spec: r.req, extras: r.features, marker })
}

type Deps = crate::adapter::Deps<Version>;

impl PypiAdapter {
    /// Starts fetching the metadata of candidate `c` unless it was started before.
    fn prefetch_metadata(&self, docs: &Docs, doc: &ProjectDoc, c: &Candidate) {
        let key = (doc.name.clone(), c.version.to_string());
        let (d, p, v, f) = (docs.clone(), doc.name.clone(), c.version.to_string(), c.file.clone());
        self.metadata.spawn(&key, move || fetch_metadata(d, p, v, f));
    }

    fn metadata(&self, docs: &Docs, doc: &ProjectDoc, c: &Candidate) -> Result<Arc<CoreMetadata>, ResolveError> {
        let key = (doc.name.clone(), c.version.to_string());
        let (d, p, v, f) = (docs.clone(), doc.name.clone(), c.version.to_string(), c.file.clone());
        self.metadata.get_blocking(&key, move || fetch_metadata(d, p, v, f)).map_err(ResolveError::Index)
    }

    /// The version set of `spec` for `name`, with the prerelease policy applied.
    fn set_for(&self, docs: &Docs, name: &str, spec: &str) -> Result<Result<PepSet, String>, ResolveError> {
        let set = match SpecifierSet::parse(spec) {
            Ok(s) => s,
            Err(e) => return Ok(Err(format!("invalid specifier `{spec}` for {name}: {e}"))),
        };
        let explicit = set.specs.iter().any(|s| s.implies_prereleases());
        let allow = explicit || self.opts.prerelease == PrereleaseMode::Allow;
        let Some(releases) = set.to_set(allow) else {
            return Ok(Err(format!("`===` specifiers are not supported ({name}{spec})")));
        };
        if !allow {
            // If no release satisfies it, prereleases may (uv's if-necessary rule).
            let doc = docs.doc(name)?;
            if !doc.candidates.iter().any(|c| releases.contains(&c.version))
                && let Some(with_pre) = set.to_set(true)
                && doc.candidates.iter().any(|c| with_pre.contains(&c.version))
            {
                return Ok(Ok(with_pre));
            }
        }
        Ok(Ok(releases))
    }

    fn add_req(&self, docs: &Docs, out: &mut Deps, req: &Req) -> Result<Result<(), String>, ResolveError> {
        let set = match self.set_for(docs, &req.name, &req.spec)? {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let name: Arc<str> = req.name.as_str().into();
        require(out, Pkg::Base { name: name.clone(), copy: None }, &set);
        for extra in &req.extras {
            require(out, Pkg::Feature { name: name.clone(), copy: None, feature: normalize(extra).into() }, &set);
        }
        Ok(Ok(()))
    }

    /// The requirements of a version that apply for `extra` (None: the base package).
    fn active_reqs(&self, md: &CoreMetadata, extra: Option<&str>) -> Result<Vec<Req>, String> {
        let mut out = Vec::new();
        for line in &md.requires_dist {
            let r = parse_req(line)?;
            let applies = match (&r.marker, extra) {
                (None, None) => true,
                (None, Some(_)) => false,
                (Some(m), None) => m.eval(&self.env, None),
                (Some(m), Some(x)) => m.mentions_extra() && m.eval(&self.env, Some(x)),
            };
            if applies {
                out.push(r);
            }
        }
        Ok(out)
    }
}

impl Adapter for PypiAdapter {
    type V = Version;
    type Doc = ProjectDoc;
    type Round = ();

    const ECOSYSTEM: Ecosystem = Ecosystem::Pypi;

    fn root_version(&self) -> Result<Version, ResolveError> {
        Version::parse("0").map_err(|e| ResolveError::Internal(e.to_string()))
    }

    fn key(&self, name: &str) -> String {
        normalize(name)
    }

    fn root_name(r: &RootReq) -> &str {
        &r.name
    }

    async fn fetch(&self, name: &str) -> Result<ProjectDoc, IndexError> {
        let simple = self.client.project(name).await?;
        Ok(build_doc(self, name, simple))
    }

    /// The metadata of the version most likely chosen: the highest release.
    fn prefetch_likely(&self, docs: &Docs, doc: &ProjectDoc) {
        if let Some(c) = doc.candidates.iter().find(|c| !c.version.is_prerelease()) {
            self.prefetch_metadata(docs, doc, c);
        }
    }

    fn candidates<'d>(&self, doc: &'d ProjectDoc, _pkg: &Pkg) -> impl Iterator<Item = &'d Version> {
        doc.candidates.iter().map(|c| &c.version)
    }

    /// The highest candidate in range, starting its metadata fetch (get_dependencies waits).
    fn choose(&self, docs: &Docs, doc: &ProjectDoc, _pkg: &Pkg, range: &PepSet) -> Option<Version> {
        let chosen = doc.candidates.iter().find(|c| range.contains(&c.version))?;
        self.prefetch_metadata(docs, doc, chosen);
        Some(chosen.version.clone())
    }

    fn root_deps(&self, docs: &Docs, _round: &(), roots: &[RootReq]) -> Result<Deps, ResolveError> {
        let mut out = Deps::new();
        for r in roots {
            if r.kind == "optional" {
                continue;
            }
            if let Some(m) = &r.condition {
                let marker = Marker::parse(m).map_err(|e| ResolveError::Input { location: r.origin.clone(), message: e })?;
                if !marker.eval(&self.env, None) {
                    continue;
                }
            }
            let req = Req { name: normalize(&r.name), spec: r.req.clone(), extras: r.features.clone(), marker: None };
            if let Err(e) = self.add_req(docs, &mut out, &req)? {
                return Err(ResolveError::Input { location: r.origin.clone(), message: e });
            }
        }
        Ok(out)
    }

    fn dependencies(&self, docs: &Docs, _round: &(), package: &Pkg, version: &Version) -> Result<Dependencies<Pkg, PepSet, String>, ResolveError> {
        let mut out = Deps::new();
        let name = match package {
            Pkg::Base { name, .. } | Pkg::Feature { name, .. } => name,
            Pkg::Root | Pkg::Any { .. } => return Ok(Dependencies::Unavailable("not a PyPI package".into())),
        };
        let doc = docs.doc(name)?;
        let Some(c) = doc.candidates.iter().find(|c| &c.version == version) else {
            return Ok(Dependencies::Unavailable(format!("{name}=={version} has no usable file")));
        };
        let md = match self.metadata(docs, &doc, c) {
            Ok(md) => md,
            Err(ResolveError::Index(e)) if matches!(*e, IndexError::NotFound { .. }) => {
                return Ok(Dependencies::Unavailable(format!("the index serves no metadata for {}", c.file.filename)));
            }
            Err(e) => return Err(e),
        };
        if let Some(rp) = md.requires_python.as_deref()
            && let Ok(set) = SpecifierSet::parse(rp)
            && !set.contains(&self.python, PrereleaseFlags { call: Some(true), ..Default::default() })
        {
            return Ok(Dependencies::Unavailable(format!("it requires Python {rp}")));
        }
        let extra = match package {
            Pkg::Feature { feature, .. } => {
                out.insert(Pkg::Base { name: name.clone(), copy: None }, PepSet::singleton(version.clone()));
                Some(feature.to_string())
            }
            _ => None,
        };
        let reqs = match self.active_reqs(&md, extra.as_deref()) {
            Ok(r) => r,
            Err(e) => return Ok(Dependencies::Unavailable(format!("its metadata has an invalid requirement: {e}"))),
        };
        for r in &reqs {
            docs.prefetch(&r.name);
        }
        for r in &reqs {
            if let Err(e) = self.add_req(docs, &mut out, r)? {
                return Ok(Dependencies::Unavailable(e));
            }
        }
        Ok(Dependencies::Available(out.into_iter().collect()))
    }

    fn render(set: &PepSet) -> String {
        pypi_set(set)
    }

    /// Versions left out for being yanked or for `requires-python` (at most 8).
    fn explain_more(&self, docs: &Docs, tree: &DerivationTree<Pkg, PepSet, String>, _fmt: &dyn Fn(&Pkg, &PepSet) -> String) -> String {
        let mut hints = BTreeSet::new();
        for pkg in tree.packages() {
            if let Some(Ok(doc)) = docs.peek(pkg.name()) {
                for (v, why) in &doc.excluded {
                    if why == "yanked" || why.starts_with("requires-python") {
                        hints.insert(format!("{}=={v} was not considered: {why}", doc.name));
                    }
                }
            }
        }
        hints.into_iter().take(8).map(|h| format!("\nhint: {h}")).collect()
    }
}
/// A PEP 440-style rendering of a version set (`==1.0`, `>=2.0, <3`).
pub fn pypi_set(set: &PepSet) -> String {
    use std::ops::Bound::*;
    let lane = if set.release.is_empty() { &set.pre } else { &set.release };
    let clean = |v: &Version| {
        let s = v.to_string();
        s.trim_end_matches(".dev0").trim_end_matches("+MAX").trim_end_matches(".MAX").to_string()
    };
    let segs: Vec<String> = lane
        .iter()
        .map(|(lo, hi)| match (lo, hi) {
            (Unbounded, Unbounded) => "*".to_string(),
            (Included(a), Excluded(b)) if a.local.is_none() && b.sentinel == tusk_pypi::Sentinel::LocalMax && clean(a) == clean(b) => format!("=={a}"),
            (Included(a), Included(b)) if a == b => format!("=={a}"),
            (Included(a), Unbounded) => format!(">={}", clean(a)),
            (Excluded(a), Unbounded) => format!(">{}", clean(a)),
            (Unbounded, Excluded(b)) if b.sentinel == tusk_pypi::Sentinel::LocalMax => format!("<={}", clean(b)),
            (Unbounded, Excluded(b)) => format!("<{}", clean(b)),
            (Unbounded, Included(b)) => format!("<={}", clean(b)),
            (Included(a), Excluded(b)) => format!(">={}, <{}", clean(a), clean(b)),
            (Included(a), Included(b)) => format!(">={}, <={}", clean(a), clean(b)),
            (Excluded(a), Excluded(b)) => format!(">{}, <{}", clean(a), clean(b)),
            (Excluded(a), Included(b)) => format!(">{}, <={}", clean(a), clean(b)),
        })
        .collect();
    if segs.is_empty() { "∅".into() } else { segs.join(" | ") }
}

/// Resolves `roots` against a PyPI-compatible index.
pub async fn resolve(client: PypiClient, roots: Vec<RootReq>, opts: PypiOptions, cancel: CancellationToken) -> Result<Resolution, ResolveError> {
    let started = std::time::Instant::now();
    let python = Version::parse(&opts.python).map_err(|e| ResolveError::Input { location: "--python".into(), message: format!("`{}` is not a Python version: {e}", opts.python) })?;
    let docs = DocCache::new(PypiAdapter {
        client,
        metadata: Prefetcher::new(tokio::runtime::Handle::current()),
        env: MarkerEnv::new(&opts.python, &opts.platform),
        tags: Tags::new(&opts.python, &opts.platform),
        python,
        opts,
    });
    let (_, solution) = provider::solve(&docs, (), &roots, cancel).await?;
    let mut res = extract(&docs, &roots, &solution)?;
    res.stats = SolveStats { documents: (docs.len() + docs.adapter.metadata.len()) as u64, millis: started.elapsed().as_millis() as u64 };
    Ok(res)
}
fn extract(docs: &Docs, roots: &[RootReq], solution: &pubgrub::SelectedDependencies<Pkg, Version>) -> Result<Resolution, ResolveError> {
    let mut chosen: BTreeMap<String, (Version, BTreeSet<String>)> = BTreeMap::new();
    for (pkg, v) in solution.iter() {
        if let Pkg::Base { name, .. } = pkg {
            chosen.entry(name.to_string()).or_insert_with(|| (v.clone(), BTreeSet::new())).0 = v.clone();
        }
    }
    for (pkg, _) in solution.iter() {
        if let Pkg::Feature { name, feature, .. } = pkg
            && let Some(e) = chosen.get_mut(&**name) {
                e.1.insert(feature.to_string());
            }
    }
    let registry = docs.adapter.client.registry_url().to_string();
    let mut packages = Vec::new();
    for (name, (version, extras)) in &chosen {
        let doc = docs.doc(name)?;
        let c = doc.candidates.iter().find(|c| &c.version == version).ok_or_else(|| ResolveError::Internal(format!("{name}=={version} vanished")))?;
        let md = docs.adapter.metadata(docs, &doc, c)?;
        let mut reqs = docs.adapter.active_reqs(&md, None).map_err(ResolveError::Internal)?;
        for x in extras {
            reqs.extend(docs.adapter.active_reqs(&md, Some(x)).map_err(ResolveError::Internal)?);
        }
        let mut edges = Vec::new();
        for r in reqs {
            let Some((v, _)) = chosen.get(&r.name) else {
                return Err(ResolveError::Internal(format!("{name}=={version}: {} is not in the resolution", r.name)));
            };
            let mut features = r.extras.iter().map(|e| normalize(e)).collect::<Vec<_>>();
            features.sort();
            edges.push(Edge { name: r.name.clone(), req: r.spec.clone(), version: v.to_string(), kind: String::new(), features });
        }
        edges.sort();
        edges.dedup();
        packages.push(ResolvedPackage {
            ecosystem: Ecosystem::Pypi,
            name: name.clone(),
            version: version.to_string(),
            registry: registry.clone(),
            integrity: c.file.sha256().map(|h| format!("sha256:{h}")),
            features: extras.iter().cloned().collect(),
            path: None,
            dependencies: edges,
            note: Some(c.file.filename.clone()),
        });
    }
    let mut root_edges = Vec::new();
    for r in roots {
        if r.kind == "optional" {
            continue;
        }
        if let Some((v, _)) = chosen.get(&normalize(&r.name)) {
            root_edges.push(Edge { name: normalize(&r.name), req: r.req.clone(), version: v.to_string(), kind: r.kind.clone(), features: r.features.clone() });
        }
    }
    root_edges.sort();
    Ok(Resolution { ecosystem: Ecosystem::Pypi, roots: roots.to_vec(), root_edges, packages, stats: SolveStats::default() })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn wheel_tags_and_file_versions() {
        let t = Tags::new("3.12", "manylinux_2_28_x86_64");
        assert!(t.wheel_ok("requests-2.32.3-py3-none-any.whl"));
        assert!(t.wheel_ok("numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"));
        assert!(!t.wheel_ok("numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.whl"));
        assert!(!t.wheel_ok("numpy-2.1.0-cp312-cp312-manylinux_2_34_x86_64.whl"));
        assert!(!t.wheel_ok("numpy-2.1.0-cp312-cp312-macosx_14_0_arm64.whl"));
        assert!(t.wheel_ok("cryptography-43.0.0-cp39-abi3-manylinux_2_28_x86_64.whl"));
        assert!(!t.wheel_ok("x-1.0-py2-none-any.whl"));
        let mac = Tags::new("3.12", "macosx_14_0_arm64");
        assert!(mac.wheel_ok("numpy-2.1.0-cp312-cp312-macosx_14_0_arm64.whl"));
        assert!(mac.wheel_ok("x-1.0-cp312-cp312-macosx_10_9_universal2.whl"));
        assert_eq!(file_version("python-dateutil", "python-dateutil-2.8.2.tar.gz").as_deref(), Some("2.8.2"));
        assert_eq!(file_version("zope.interface", "zope_interface-7.0.tar.gz").as_deref(), Some("7.0"));
        assert_eq!(file_version("flask", "flask-3.0.3-py3-none-any.whl").as_deref(), Some("3.0.3"));
    }
}
