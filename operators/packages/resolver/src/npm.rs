//! npm resolution on PubGrub.
//!
//! npm itself does not backtrack: it places the best version for each range and nests a
//! second copy wherever an existing one does not fit. The model here keeps that behaviour
//! while letting PubGrub handle what npm does fail on (peer dependencies):
//!
//! * **Top-level copies** `Pkg::Base { name, copy: None }`: what your requirements name, and
//!   the peers of top-level copies (transitively). One version per name: they all share
//!   `node_modules/<name>`, so a peer conflict there is a real conflict, explained like any
//!   other and tagged as npm's `ERESOLVE`.
//! * **Range copies** `Pkg::Base { name, copy: Some(range) }`: each distinct range of an
//!   ordinary dependency is its own package, so ranges that do not intersect never conflict
//!   (npm would nest them).
//! * **Peers follow npm 7+**: installed unless optional, and met by the copy the dependent
//!   sees, which npm places beside it. For a top-level package that is the top-level copy; for
//!   a nested one it is a range copy keyed by the peer's range (placed beside it), so a peer
//!   of a package deep in the tree cannot push your direct dependencies down (babel 7's
//!   helpers under a tool that keeps `@babel/core` 7, beside babel 8 at the top).
//! * **Optional peers** (`peerDependenciesMeta.<name>.optional`) install nothing and constrain
//!   only a copy that is there anyway: a solve that installs one that misses the range runs
//!   again with that peer enforced (see [`resolve`]). `--legacy-peer-deps` leaves every peer
//!   out of the solve; each unmet one is noted on its dependent ("unmet peer"), as npm warns.
//! * **Layout** (after solving): breadth-first from your requirements, the first copy reached
//!   of a name is hoisted (the top-level copy where there is one); an edge whose range the
//!   hoisted copy satisfies points at it (npm reuses a copy that fits), others at their range
//!   copy, marked nested (as is a package whose peer is a nested copy: npm places them
//!   together); unreachable copies are dropped.
//! * **Choice rule** (npm-pick-manifest): the `latest` dist-tag when it satisfies the range,
//!   else the highest satisfying non-deprecated version, else the highest deprecated one.
//!   Prereleases only when the range names one (node-semver's rule, exact in the version set).
//! * **Optional dependencies** are resolved like ordinary ones when the package exists and
//!   some version satisfies the range; otherwise skipped (npm skips failed optionals).
//! * Non-registry specs (git, URLs, `file:`, `workspace:`) make that version unavailable;
//!   `npm:<name>@<range>` aliases resolve `<name>`; a dist-tag name (`next`) is that version.

use crate::adapter::{Adapter, require};
use crate::provider::{self, DocCache};
use crate::{Ecosystem, Edge, Pkg, Resolution, ResolveError, ResolvedPackage, RootReq, SolveStats};
use pubgrub::{Dependencies, DerivationTree, VersionSet as _};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tusk_index::IndexError;
use tusk_index::npm::{NpmClient, NpmVersion, Packument};
use tusk_npm::{Options, Range, Version, VersionSet};

/// A packument with parsed versions, in the order npm would try them for an unbounded range.
#[derive(Debug)]
pub struct NpmDoc {
    pub name: String,
    pub latest: Option<Version>,
    pub tags: BTreeMap<String, String>,
    /// Highest first.
    pub versions: Vec<(Version, NpmVersion)>,
}

impl NpmDoc {
    fn from_packument(p: Packument) -> NpmDoc {
        let mut versions: Vec<(Version, NpmVersion)> =
            p.versions.into_iter().filter_map(|(k, v)| Version::parse(&k, false).ok().map(|pv| (pv, v))).collect();
        versions.sort_by(|a, b| b.0.cmp(&a.0));
        let latest = p.dist_tags.get("latest").and_then(|l| Version::parse(l, false).ok());
        NpmDoc { name: p.name, latest, tags: p.dist_tags, versions }
    }
    fn get(&self, v: &Version) -> Option<&NpmVersion> {
        self.versions.iter().find(|(x, _)| x == v).map(|(_, m)| m)
    }
    /// npm's pick: latest if in the set, else highest non-deprecated, else highest.
    fn pick(&self, set: &VersionSet) -> Option<&Version> {
        if let Some(l) = &self.latest
            && set.contains(l) && self.get(l).is_some() {
                return Some(l);
            }
        self.versions
            .iter()
            .filter(|(v, _)| set.contains(v))
            .find(|(_, m)| m.deprecation().is_none())
            .or_else(|| self.versions.iter().find(|(v, _)| set.contains(v)))
            .map(|(v, _)| v)
    }
}

/// What a dependency spec in a manifest or packument means.
#[derive(Debug, Clone)]
enum Spec {
    /// A registry range on `name` (after `npm:` aliases).
    Range { name: String, range: String },
    /// A dist-tag of `name`.
    Tag { name: String, tag: String },
    /// git, URL, file:, workspace:, link: …
    Unsupported,
}

fn classify(name: &str, spec: &str) -> Spec {
    let spec = spec.trim();
    if let Some(alias) = spec.strip_prefix("npm:") {
        let (n, r) = match alias.strip_prefix('@') {
            Some(rest) => match rest.split_once('@') {
                Some((n, r)) => (format!("@{n}"), r.to_string()),
                None => (alias.to_string(), "*".to_string()),
            },
            None => match alias.split_once('@') {
                Some((n, r)) => (n.to_string(), r.to_string()),
                None => (alias.to_string(), "*".to_string()),
            },
        };
        return Spec::Range { name: n, range: r };
    }
    let lowered = spec.to_ascii_lowercase();
    if ["git", "http:", "https:", "file:", "link:", "workspace:", "github:", "portal:"].iter().any(|p| lowered.starts_with(p))
        || (spec.contains('/') && !spec.contains(' ') && !spec.starts_with(['<', '>', '=', '^', '~']))
    {
        return Spec::Unsupported;
    }
    if Range::parse(spec, Options::default()).is_ok() {
        return Spec::Range { name: name.to_string(), range: if spec.is_empty() { "*".into() } else { spec.to_string() } };
    }
    if spec.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Spec::Tag { name: name.to_string(), tag: spec.to_string() };
    }
    Spec::Unsupported
}

type Docs = Arc<DocCache<NpmAdapter>>;
type Deps = crate::adapter::Deps<Version>;

/// npm's part of the shared provider ([`crate::provider`]).
pub struct NpmAdapter {
    client: NpmClient,
    /// `--before`: RFC 3339; versions published later are ignored (needs full packuments).
    before: Option<String>,
    /// `--legacy-peer-deps`: peers are not part of the solve at all.
    legacy_peers: bool,
}

/// Optional peers `(dependent, peer)` that an earlier round found installed but not satisfied:
/// in this round they constrain like required peers (see [`resolve`]).
pub type Enforced = BTreeSet<(String, String)>;

impl NpmAdapter {
    /// The version set of a spec; `Ok(None)` for unsupported specs.
    fn set_of(&self, docs: &Docs, spec: &Spec) -> Result<Option<(String, VersionSet)>, ResolveError> {
        match spec {
            Spec::Range { name, range } => match Range::parse(range, Options::default()) {
                Ok(r) => Ok(Some((name.clone(), r.to_set()))),
                Err(_) => Ok(None),
            },
            Spec::Tag { name, tag } => {
                let doc = docs.doc(name)?;
                Ok(doc.tags.get(tag).and_then(|v| Version::parse(v, false).ok()).map(|v| (name.clone(), VersionSet::singleton(v))))
            }
            Spec::Unsupported => Ok(None),
        }
    }

    /// The dependencies of one version of `dependent`; `top` when this is its top-level copy.
    fn version_deps(&self, docs: &Docs, enforced: &Enforced, dependent: &str, m: &NpmVersion, top: bool) -> Result<Result<Deps, String>, ResolveError> {
        for (dep, spec) in m.dependencies.iter().chain(m.optional_dependencies.iter()).chain(m.peer_dependencies.iter()) {
            if let Spec::Range { name, .. } | Spec::Tag { name, .. } = classify(dep, spec) {
                docs.prefetch(&name);
            }
        }
        let mut out = Deps::new();
        for (dep, spec) in &m.dependencies {
            if m.optional_dependencies.contains_key(dep) {
                continue;
            }
            let c = classify(dep, spec);
            match self.set_of(docs, &c)? {
                Some((name, set)) => require(&mut out, Pkg::Base { name: name.into(), copy: Some(copy_key(spec).into()) }, &set),
                None => return Ok(Err(format!("its dependency {dep}@{spec} is not a registry range tusk can resolve"))),
            }
        }
        for (dep, spec) in &m.optional_dependencies {
            let c = classify(dep, spec);
            let Ok(Some((name, set))) = self.set_of(docs, &c) else { continue };
            match docs.doc(&name) {
                Ok(doc) if doc.versions.iter().any(|(v, _)| set.contains(v)) => {
                    require(&mut out, Pkg::Base { name: name.into(), copy: Some(copy_key(spec).into()) }, &set)
                }
                _ => continue,
            }
        }
        if self.legacy_peers {
            return Ok(Ok(out));
        }
        for (dep, spec) in &m.peer_dependencies {
            let optional = m.peer_dependencies_meta.get(dep).is_some_and(|meta| meta.optional);
            if optional && !enforced.contains(&(dependent.to_string(), dep.clone())) {
                continue;
            }
            let c = classify(dep, spec);
            if let Some((name, set)) = self.set_of(docs, &c)? {
                // A peer is met by the copy its dependent sees, placed beside it. A top-level
                // package sees the top-level copy, which it shares with you and every other
                // top-level package (a disagreement there is npm's ERESOLVE). A nested package
                // gets its peer nested beside it: a range copy, as for an ordinary dependency,
                // which extraction points at the top-level copy when that one fits.
                let copy = if top { None } else { Some(copy_key(spec).into()) };
                require(&mut out, Pkg::Base { name: name.into(), copy }, &set);
            }
        }
        Ok(Ok(out))
    }
}

/// Range copies are keyed by the spec text.
fn copy_key(spec: &str) -> String {
    let s = spec.trim();
    if s.is_empty() { "*".into() } else { s.to_string() }
}

impl Adapter for NpmAdapter {
    type V = Version;
    type Doc = NpmDoc;
    type Round = Enforced;

    const ECOSYSTEM: Ecosystem = Ecosystem::Npm;

    fn root_version(&self) -> Result<Version, ResolveError> {
        Ok(Version::new(0, 0, 0))
    }

    fn root_name(r: &RootReq) -> &str {
        &r.name
    }

    async fn fetch(&self, name: &str) -> Result<NpmDoc, IndexError> {
        let mut p = self.client.packument(name, self.before.is_some()).await?;
        if let Some(limit) = &self.before {
            // npm's --before: only versions published at or before the date; `latest` is
            // then the highest of those (npm treats the tag the same way).
            let time = std::mem::take(&mut p.time);
            p.versions.retain(|v, _| time.get(v).and_then(|t| t.as_str()).is_some_and(|t| utc_key(t) <= utc_key(limit)));
            p.dist_tags.remove("latest");
        }
        Ok(NpmDoc::from_packument(p))
    }

    /// The dependencies and peers of the version npm would most likely install (`latest`).
    fn prefetch_likely(&self, docs: &Docs, doc: &NpmDoc) {
        let likely = doc.latest.as_ref().and_then(|l| doc.get(l)).or_else(|| doc.versions.first().map(|(_, m)| m));
        if let Some(m) = likely {
            for (dep, spec) in m.dependencies.iter().chain(m.peer_dependencies.iter()) {
                if let Spec::Range { name, .. } | Spec::Tag { name, .. } = classify(dep, spec) {
                    docs.prefetch(&name);
                }
            }
        }
    }

    fn candidates<'d>(&self, doc: &'d NpmDoc, _pkg: &Pkg) -> impl Iterator<Item = &'d Version> {
        doc.versions.iter().map(|(v, _)| v)
    }

    fn choose(&self, _docs: &Docs, doc: &NpmDoc, _pkg: &Pkg, range: &VersionSet) -> Option<Version> {
        doc.pick(range).cloned()
    }

    /// Top-level copies (where peers can conflict) before range copies.
    fn weigh_conflicts(&self, pkg: &Pkg, conflicts: u32) -> u32 {
        let top = matches!(pkg, Pkg::Base { copy: None, .. }) as u32;
        conflicts * 2 + top
    }

    fn root_deps(&self, docs: &Docs, _enforced: &Enforced, roots: &[RootReq]) -> Result<Deps, ResolveError> {
        let mut out = Deps::new();
        for r in roots {
            if r.kind == "optional" || r.kind == "peer" && (self.legacy_peers || roots.iter().any(|o| o.name == r.name && o.kind != "peer")) {
                continue;
            }
            let c = classify(&r.name, &r.req);
            match self.set_of(docs, &c)? {
                Some((name, set)) => require(&mut out, Pkg::Base { name: name.into(), copy: None }, &set),
                None => {
                    return Err(ResolveError::Input {
                        location: r.origin.clone(),
                        message: format!("`{}@{}` is not a registry range or dist-tag tusk can resolve", r.name, r.req),
                    });
                }
            }
        }
        Ok(out)
    }

    fn dependencies(&self, docs: &Docs, enforced: &Enforced, package: &Pkg, version: &Version) -> Result<Dependencies<Pkg, VersionSet, String>, ResolveError> {
        match package {
            Pkg::Base { name, copy } => {
                let doc = docs.doc(name)?;
                let Some(m) = doc.get(version) else {
                    return Ok(Dependencies::Unavailable(format!("{name}@{version} is not in the registry")));
                };
                match self.version_deps(docs, enforced, name, m, copy.is_none())? {
                    Ok(d) => Ok(Dependencies::Available(d.into_iter().collect())),
                    Err(reason) => Ok(Dependencies::Unavailable(reason)),
                }
            }
            other => Ok(Dependencies::Unavailable(format!("{other} is not an npm package"))),
        }
    }

    fn render(set: &VersionSet) -> String {
        npm_set(set)
    }

    /// npm's ERESOLVE for the peers in the conflict.
    fn explain_more(&self, docs: &Docs, tree: &DerivationTree<Pkg, VersionSet, String>, fmt: &dyn Fn(&Pkg, &VersionSet) -> String) -> String {
        let mut peers = BTreeSet::new();
        peer_facts(docs, tree, fmt, &mut peers);
        let mut text = String::new();
        if !peers.is_empty() {
            text.push_str("\nERESOLVE: the peers below must all be met by one top-level copy, shared by you and every top-level package (npm 7+ stops here too):");
            for line in peers {
                text.push_str("\n  ");
                text.push_str(&line);
            }
            text.push_str("\nRetry with --legacy-peer-deps to leave peers out; each unmet one is then noted.");
        }
        text
    }
}
/// `YYYY-MM-DDTHH:MM:SS` of an RFC 3339 UTC time (`Z` or `+00:00`, any fraction), for
/// comparing times written in different forms.
pub fn utc_key(t: &str) -> &str {
    t.get(..19).unwrap_or(t)
}

/// Options of an npm resolution.
#[derive(Debug, Clone, Default)]
pub struct NpmOptions {
    /// Only versions published at or before this RFC 3339 time (UTC, `Z`).
    pub before: Option<String>,
    /// npm's `--legacy-peer-deps`: peers neither install nor constrain anything; each one the
    /// tree does not meet is reported in its dependent's note.
    pub legacy_peer_deps: bool,
}

/// Rounds of optional-peer enforcement before the remaining misses are only reported.
const MAX_ROUNDS: usize = 8;

/// Resolves `roots` against an npm registry.
///
/// An optional peer constrains only a copy that is installed anyway, which PubGrub cannot say
/// directly. So the solve runs again, at most [`MAX_ROUNDS`] times, with every optional peer
/// found installed but unmet now constraining like a required one (npm: ERESOLVE if that
/// cannot hold). Documents are fetched once for all rounds.
pub async fn resolve(client: NpmClient, roots: Vec<RootReq>, opts: NpmOptions, cancel: CancellationToken) -> Result<Resolution, ResolveError> {
    let started = std::time::Instant::now();
    let docs = DocCache::new(NpmAdapter { client, before: opts.before, legacy_peers: opts.legacy_peer_deps });
    let mut enforced = Enforced::new();
    for round in 1.. {
        let (_, solution) = provider::solve(&docs, enforced.clone(), &roots, cancel.clone()).await?;
        let (mut res, misses) = extract(&docs, &roots, &solution)?;
        let fresh: Vec<(String, String)> = misses.into_iter().filter(|m| !enforced.contains(m)).collect();
        if fresh.is_empty() || opts.legacy_peer_deps || round >= MAX_ROUNDS {
            res.stats = SolveStats { documents: docs.len() as u64, millis: started.elapsed().as_millis() as u64 };
            return Ok(res);
        }
        enforced.extend(fresh);
    }
    unreachable!("the rounds are bounded by MAX_ROUNDS")
}
/// `peer b@^2.0.0 from a 1.0.0` for every fact of the tree that is a top-level package's peer.
fn peer_facts(docs: &Docs, tree: &DerivationTree<Pkg, VersionSet, String>, fmt: &dyn Fn(&Pkg, &VersionSet) -> String, out: &mut BTreeSet<String>) {
    use pubgrub::External;
    match tree {
        DerivationTree::External(External::FromDependencyOf(p @ Pkg::Base { name, copy: None }, set, Pkg::Base { name: dep, copy: None }, dep_set)) => {
            let Some(Ok(doc)) = docs.peek(name) else { return };
            for m in doc.versions.iter().filter(|(v, _)| set.contains(v)).map(|(_, m)| m) {
                let peer = m.peer_dependencies.iter().find(|(k, spec)| match classify(k, spec) {
                    Spec::Range { name, .. } | Spec::Tag { name, .. } => name == **dep,
                    Spec::Unsupported => false,
                });
                if let Some((k, _)) = peer {
                    let kind = if m.peer_dependencies_meta.get(k).is_some_and(|x| x.optional) { "peerOptional" } else { "peer" };
                    out.insert(format!("{kind} {dep}@{} from {name} {}", npm_set(dep_set), fmt(p, set)));
                    return;
                }
            }
        }
        DerivationTree::External(_) => {}
        DerivationTree::Derived(d) => {
            peer_facts(docs, &d.cause1, fmt, out);
            peer_facts(docs, &d.cause2, fmt, out);
        }
    }
}

/// An npm-style rendering of a version set: `4.17.21`, `^8.0.0`, `~1.2.0`, `>=1.0.0 <3.0.0`,
/// alternatives joined with `||`.
pub fn npm_set(set: &VersionSet) -> String {
    use std::ops::Bound::*;
    if !(set.pre.is_empty() || set.pre == set.release) {
        return set.to_string();
    }
    let segs: Vec<String> = set
        .release
        .iter()
        .map(|(lo, hi)| match (lo, hi) {
            (Unbounded, Unbounded) => "*".to_string(),
            (Included(a), Included(b)) if a == b => a.to_string(),
            (Included(a), Excluded(b)) if !a.is_prerelease() && *b == Version::new(a.major + 1, 0, 0) && a.major > 0 => format!("^{a}"),
            (Included(a), Excluded(b)) if !a.is_prerelease() && *b == Version::new(a.major, a.minor + 1, 0) => format!("~{a}"),
            (Included(a), Unbounded) => format!(">={a}"),
            (Excluded(a), Unbounded) => format!(">{a}"),
            (Unbounded, Excluded(b)) => format!("<{b}"),
            (Unbounded, Included(b)) => format!("<={b}"),
            (Included(a), Excluded(b)) => format!(">={a} <{b}"),
            (Included(a), Included(b)) => format!(">={a} <={b}"),
            (Excluded(a), Excluded(b)) => format!(">{a} <{b}"),
            (Excluded(a), Included(b)) => format!(">{a} <={b}"),
        })
        .collect();
    if segs.is_empty() { "∅".into() } else { segs.join(" || ") }
}

/// The resolution, and the optional peers `(dependent, peer)` it installs but does not meet.
fn extract(docs: &Docs, roots: &[RootReq], solution: &pubgrub::SelectedDependencies<Pkg, Version>) -> Result<(Resolution, Vec<(String, String)>), ResolveError> {
    let mut top: BTreeMap<String, Version> = BTreeMap::new();
    let mut copies: BTreeMap<(String, String), Version> = BTreeMap::new();
    for (pkg, v) in solution.iter() {
        match pkg {
            Pkg::Base { name, copy: None } => {
                top.insert(name.to_string(), v.clone());
            }
            Pkg::Base { name, copy: Some(c) } => {
                copies.insert((name.to_string(), c.to_string()), v.clone());
            }
            _ => {}
        }
    }
    // The copy each name has at the top of node_modules: the top-level copy where there is
    // one, else the first copy the walk reaches (npm places breadth-first, so shallower
    // dependents claim the top slot first). A first walk finds them; the second, with all of
    // them known, decides every edge (a peer may be visited before its name is placed).
    let mut hoisted: BTreeMap<String, Version> = top.clone();
    walk(docs, roots, &top, &copies, &mut hoisted)?;
    let (mut packages, mut root_edges, misses) = walk(docs, roots, &top, &copies, &mut hoisted)?;
    // A copy other than the hoisted one is nested, and so is a package whose peer is met by a
    // nested copy (npm places the two together, under the dependent), repeated until stable.
    let mut nested: BTreeSet<(String, String)> =
        packages.keys().filter(|(n, v)| hoisted.get(n).is_some_and(|h| h.to_string() != *v)).cloned().collect();
    loop {
        let more: Vec<(String, String)> = packages
            .iter()
            .filter(|(k, _)| !nested.contains(*k))
            .filter(|(_, pkg)| pkg.dependencies.iter().any(|e| e.kind == "peer" && nested.contains(&(e.name.clone(), e.version.clone()))))
            .map(|(k, _)| k.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        nested.extend(more);
    }
    for (k, pkg) in packages.iter_mut() {
        if nested.contains(k) {
            pkg.path = Some("nested".into());
        }
    }
    root_edges.sort();
    let res = Resolution { ecosystem: Ecosystem::Npm, roots: roots.to_vec(), root_edges, packages: packages.into_values().collect(), stats: SolveStats::default() };
    Ok((res, misses))
}

/// Where an edge `name@spec` of a top-level (`from_top`) or nested package lands. Any edge:
/// the hoisted copy if it fits (npm reuses a copy that fits). Else an ordinary dependency its
/// range copy; a peer of a top-level package the hoisted copy (unmet: the solve met it unless
/// peers were left out); a peer of a nested package the copy nested beside it, else the
/// hoisted one (unmet).
fn land(name: &str, spec: &str, peer: bool, from_top: bool, hoisted: &BTreeMap<String, Version>, copies: &BTreeMap<(String, String), Version>) -> Option<Version> {
    let (real, range) = match classify(name, spec) {
        Spec::Range { name, range } => (name, Range::parse(&range, Options::default()).ok()),
        Spec::Tag { name, .. } => (name, None),
        Spec::Unsupported => return None,
    };
    if let (Some(h), Some(r)) = (hoisted.get(&real), &range)
        && r.test(h) {
            return Some(h.clone());
        }
    if peer && from_top {
        return hoisted.get(&real).cloned();
    }
    let nested = copies.get(&(real.clone(), copy_key(spec))).cloned();
    if peer {
        return nested.or_else(|| hoisted.get(&real).cloned());
    }
    nested
}

fn real_name(name: &str, spec: &str) -> String {
    match classify(name, spec) {
        Spec::Range { name, .. } | Spec::Tag { name, .. } => name,
        Spec::Unsupported => name.to_string(),
    }
}

type Walked = (BTreeMap<(String, String), ResolvedPackage>, Vec<Edge>, Vec<(String, String)>);

/// Walks breadth-first from the roots, so only reachable copies remain; a name reached for the
/// first time is hoisted at the copy it reached.
fn walk(
    docs: &Docs,
    roots: &[RootReq],
    top: &BTreeMap<String, Version>,
    copies: &BTreeMap<(String, String), Version>,
    hoisted: &mut BTreeMap<String, Version>,
) -> Result<Walked, ResolveError> {
    let mut packages: BTreeMap<(String, String), ResolvedPackage> = BTreeMap::new();
    let mut queue: VecDeque<(String, Version)> = VecDeque::new();
    let mut root_edges = Vec::new();
    for r in roots {
        if r.kind == "optional" && !top.contains_key(&r.name) {
            continue;
        }
        if r.kind == "peer" && roots.iter().any(|o| o.name == r.name && o.kind != "peer") {
            continue;
        }
        let real = real_name(&r.name, &r.req);
        if let Some(v) = top.get(&real) {
            root_edges.push(Edge { name: real.clone(), req: r.req.clone(), version: v.to_string(), kind: r.kind.clone(), features: Vec::new() });
            queue.push_back((real, v.clone()));
        }
    }
    let registry = docs.adapter.client.registry_url().to_string();
    let mut misses = Vec::new();
    while let Some((name, version)) = queue.pop_front() {
        let key = (name.clone(), version.to_string());
        if packages.contains_key(&key) {
            continue;
        }
        let doc = docs.doc(&name)?;
        let m = doc.get(&version).ok_or_else(|| ResolveError::Internal(format!("{name}@{version} vanished from the packument")))?;
        let mut edges = Vec::new();
        let mut notes = Vec::new();
        let groups: [(&BTreeMap<String, String>, &str); 3] = [(&m.dependencies, ""), (&m.optional_dependencies, "optional"), (&m.peer_dependencies, "peer")];
        for (map, kind) in groups {
            for (dep, spec) in map {
                if kind.is_empty() && m.optional_dependencies.contains_key(dep) {
                    continue;
                }
                let real = real_name(dep, spec);
                let from_top = top.get(&name) == Some(&version);
                match land(dep, spec, kind == "peer", from_top, hoisted, copies) {
                    Some(v) => {
                        hoisted.entry(real.clone()).or_insert_with(|| v.clone());
                        if kind == "peer"
                            && let Ok(r) = Range::parse(spec, Options::default())
                                && !r.test(&v) {
                                    notes.push(format!("unmet peer {dep}@{spec}: found {v}"));
                                    if m.peer_dependencies_meta.get(dep).is_some_and(|x| x.optional) {
                                        misses.push((name.clone(), dep.clone()));
                                    }
                                }
                        edges.push(Edge { name: real.clone(), req: spec.clone(), version: v.to_string(), kind: kind.to_string(), features: Vec::new() });
                        queue.push_back((real, v));
                    }
                    None if kind == "peer" => {
                        let optional = m.peer_dependencies_meta.get(dep).is_some_and(|x| x.optional);
                        if !optional {
                            notes.push(format!("unmet peer {dep}@{spec}"));
                        }
                    }
                    None if kind == "optional" => {}
                    None => return Err(ResolveError::Internal(format!("{name}@{version}: no copy of {dep} for {spec}"))),
                }
            }
        }
        edges.sort();
        edges.dedup();
        let mut note: Vec<String> = Vec::new();
        if let Some(d) = m.deprecation() {
            note.push(format!("deprecated: {}", d.lines().next().unwrap_or(d)));
        }
        note.extend(notes);
        packages.insert(
            key,
            ResolvedPackage {
                ecosystem: Ecosystem::Npm,
                name: name.clone(),
                version: version.to_string(),
                registry: registry.clone(),
                integrity: m.dist.integrity.clone().or_else(|| m.dist.shasum.as_ref().map(|s| format!("sha1-hex:{s}"))),
                features: Vec::new(),
                path: None,
                dependencies: edges,
                note: (!note.is_empty()).then(|| note.join("; ")),
            },
        );
    }
    Ok((packages, root_edges, misses))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_classified() {
        assert!(matches!(classify("a", "^1.2.3"), Spec::Range { .. }));
        assert!(matches!(classify("a", ""), Spec::Range { ref range, .. } if range == "*"));
        assert!(matches!(classify("a", "latest"), Spec::Tag { .. }));
        assert!(matches!(classify("a", "npm:b@^2"), Spec::Range { ref name, .. } if name == "b"));
        assert!(matches!(classify("a", "npm:@s/b@^2"), Spec::Range { ref name, ref range } if name == "@s/b" && range == "^2"));
        assert!(matches!(classify("a", "git+https://x/y.git"), Spec::Unsupported));
        assert!(matches!(classify("a", "user/repo"), Spec::Unsupported));
        assert!(matches!(classify("a", "file:../a"), Spec::Unsupported));
        assert!(matches!(classify("a", ">= 1.0.0 < 2"), Spec::Range { .. }));
    }
}
