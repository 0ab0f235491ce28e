//! Maven's dependency mediation, as `mvn dependency:tree` (Maven 3, maven-resolver) shows it.
//!
//! Maven does not solve constraints: it collects the tree breadth-first and keeps, for each
//! `groupId:artifactId` (with type and classifier), the **nearest** occurrence, the **first
//! declared** one among equally near ones. Only a winner's dependencies are followed. On the way:
//!
//! * scopes: a direct dependency keeps its scope (test and provided included); below it only
//!   `compile` and `runtime` dependencies are followed, never `optional` ones, and a child's
//!   scope is derived from its parent's (runtime under compile is runtime, anything under
//!   runtime/test/provided takes that scope). A winner below the first level takes the widest
//!   scope among all the occurrences Maven saw (compile > runtime > provided > test).
//! * exclusions accumulate down the path (`*` wildcards).
//! * the **root** project's dependencyManagement (with its BOM imports) overrides versions,
//!   scopes and adds exclusions of every transitive dependency, as Maven's
//!   `ClassicDependencyManager` does; a library's own dependencyManagement only completes its
//!   own dependencies (that is in its effective model, `tusk_index::maven::effective`).
//! * a range (`[3.11,3.13.0)`) takes the highest version in range that the repository lists
//!   in `maven-metadata.xml`. Ranges are hard: when the nearest version falls outside a range
//!   seen elsewhere, the nearest occurrence that satisfies every range wins instead (Maven's
//!   `NearestVersionSelector` backtracking), and when none does the conflict is reported.
//!
//! [`collect`] returns the mediated tree ([`Graph`]; [`Graph::render`] prints it in
//! `dependency:tree`'s format); [`resolve`] turns it into a [`Resolution`].

use crate::{Ecosystem, Edge, Resolution, ResolveError, ResolvedPackage, RootReq, SolveStats};
use std::collections::HashMap;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tusk_index::maven::pom::{Dependency, Exclusion};
use tusk_index::maven::{Effective, Gav, MavenClient};
use tusk_maven::{GenericVersion, GenericVersionConstraint};

/// The `kind` of the root requirement that stands for a whole pom.xml (its `name` is the path).
pub const POM_ROOT: &str = "pom";

/// One node of the mediated tree (a winner).
#[derive(Debug, Clone)]
pub struct Node {
    pub group_id: String,
    pub artifact_id: String,
    pub kind: String,
    pub classifier: Option<String>,
    pub version: String,
    /// The requirement it was declared with (after the root's dependencyManagement, if any).
    pub req: String,
    /// The declared version before the root's dependencyManagement replaced it.
    pub managed_from: Option<String>,
    pub scope: String,
    pub optional: bool,
    pub depth: usize,
    /// Index of the parent node; `None` for a direct dependency.
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub sha1: Option<String>,
    /// The pom.xml that declared it (direct dependencies of a pom.xml input).
    pub origin: Option<String>,
    /// Everything this node's POM asks for that resolution follows (edges, including to
    /// versions another occurrence won).
    pub edges: Vec<Edge>,
}

impl Node {
    /// `groupId:artifactId`, with type and classifier when they are not the default `jar`.
    pub fn name(&self) -> String {
        name_of(&self.group_id, &self.artifact_id, &self.kind, self.classifier.as_deref())
    }
}

/// A pom.xml's direct dependencies as far as the file alone says, for `resolve --locked`
/// (offline): `(name, requirement, kind, origin)`. The requirement or kind is `None` when the
/// effective value may come from elsewhere (a `${property}`, a parent, dependencyManagement),
/// which only the repository can settle; the lock's value is then taken as it is.
pub(crate) fn declared_in_pom(path: &str) -> Result<Vec<(String, Option<String>, Option<String>, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
    let pom = tusk_index::maven::pom::parse(&text).map_err(|m| format!("{path}: not a valid POM: {m}"))?;
    let inherits = pom.parent.is_some() || !pom.dependency_management.is_empty();
    Ok(pom
        .dependencies
        .iter()
        .map(|d| {
            let name = name_of(&d.group_id, &d.artifact_id, d.kind.as_deref().unwrap_or("jar"), d.classifier.as_deref());
            let req = d.version.clone().filter(|v| !v.contains("${"));
            let kind = match d.scope.as_deref() {
                Some(s) if s.contains("${") => None,
                Some("compile") => Some(String::new()),
                Some(s) => Some(s.to_string()),
                None if inherits => None,
                None => Some(String::new()),
            };
            (name, req, kind, format!("{path}:{}", d.line))
        })
        .collect())
}

fn name_of(g: &str, a: &str, kind: &str, classifier: Option<&str>) -> String {
    match (kind, classifier) {
        ("jar", None) => format!("{g}:{a}"),
        (k, None) => format!("{g}:{a}:{k}"),
        (k, Some(c)) => format!("{g}:{a}:{k}:{c}"),
    }
}

/// The mediated tree of a root project.
#[derive(Debug, Clone)]
pub struct Graph {
    /// The root project (`groupId:artifactId:packaging:version` as Maven prints it).
    pub root: String,
    /// Winners in breadth-first order.
    pub nodes: Vec<Node>,
    /// Indices of the direct dependencies, in declaration order.
    pub direct: Vec<usize>,
    /// Every occurrence Maven's collector saw, per parent in declaration order: slot 0 is the
    /// root, slot `i + 1` node `i`. Winners and the ones omitted (for `render_verbose`).
    pub occurrences: Vec<Vec<Occurrence>>,
    /// POMs read (parents and BOMs included).
    pub documents: u64,
}

impl Graph {
    /// The tree in `mvn dependency:tree`'s text format (without `[INFO]` prefixes; like
    /// maven-dependency-plugin 3.5.0, a direct optional dependency is not marked).
    pub fn render(&self) -> String {
        let mut out = format!("{}\n", self.root);
        self.render_children(&self.direct, "", &mut out);
        out
    }

    /// The tree as `mvn dependency:tree -Dverbose` prints it: also the occurrences that lost,
    /// `omitted for duplicate` (same version) or `omitted for conflict with <winner>`, and
    /// `version managed from <declared>` where the root's dependencyManagement set a version.
    pub fn render_verbose(&self) -> String {
        let mut out = format!("{}\n", self.root);
        self.verbose_children(0, None, "", &mut out);
        out
    }

    fn verbose_children(&self, slot: usize, parent_scope: Option<&str>, prefix: &str, out: &mut String) {
        let list = &self.occurrences[slot];
        for (i, o) in list.iter().enumerate() {
            let last = i + 1 == list.len();
            let branch = if last { "\\- " } else { "+- " };
            let managed = o.premanaged.as_ref().map(|v| format!("version managed from {v}"));
            match o.winner {
                Some(n) => {
                    let node = &self.nodes[n];
                    let note = managed.map(|m| format!(" ({m})")).unwrap_or_default();
                    out.push_str(&format!("{prefix}{branch}{}:{}:{}{note}\n", o.coordinates, node.version, node.scope));
                    self.verbose_children(n + 1, Some(&node.scope), &format!("{prefix}{}", if last { "   " } else { "|  " }), out);
                }
                None => {
                    let scope = parent_scope.map_or_else(|| o.declared_scope.clone(), |p| derive_scope(p, &o.declared_scope));
                    let omitted = if o.version == o.won { "omitted for duplicate".to_string() } else { format!("omitted for conflict with {}", o.won) };
                    let notes = managed.into_iter().chain(std::iter::once(omitted)).collect::<Vec<_>>().join("; ");
                    out.push_str(&format!("{prefix}{branch}({}:{}:{scope} - {notes})\n", o.coordinates, o.version));
                }
            }
        }
    }

    fn render_children(&self, children: &[usize], prefix: &str, out: &mut String) {
        for (i, &c) in children.iter().enumerate() {
            let last = i + 1 == children.len();
            let n = &self.nodes[c];
            let classifier = n.classifier.as_deref().map(|c| format!("{c}:")).unwrap_or_default();
            out.push_str(&format!(
                "{prefix}{}{}:{}:{}:{classifier}{}:{}\n",
                if last { "\\- " } else { "+- " },
                n.group_id,
                n.artifact_id,
                n.kind,
                n.version,
                n.scope
            ));
            self.render_children(&n.children, &format!("{prefix}{}", if last { "   " } else { "|  " }), out);
        }
    }
}

/// One occurrence of a dependency below a parent.
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// `groupId:artifactId:type[:classifier]`.
    pub coordinates: String,
    /// The version this occurrence asked for (after the root's dependencyManagement).
    pub version: String,
    pub declared_scope: String,
    /// The declared version when the root's dependencyManagement set one.
    pub premanaged: Option<String>,
    /// The node it became, or `None` when another occurrence won.
    pub winner: Option<usize>,
    /// The version that won.
    pub won: String,
}

/// A dependency as the collector sees it: declared, then managed by the root.
#[derive(Debug, Clone)]
struct Declared {
    dep: Dependency,
    managed_from: Option<String>,
    premanaged: Option<String>,
    origin: Option<String>,
}

/// Every occurrence of a conflict key the collector saw (winner or not).
#[derive(Debug, Clone)]
struct Item {
    parent: Option<usize>,
    declared_scope: String,
    depth: usize,
    version: String,
    /// The requirement mediation used (after the root's dependencyManagement).
    req: String,
    /// What the POM declared (edges show it).
    declared: String,
}

fn key_of(d: &Dependency) -> String {
    name_of(&d.group_id, &d.artifact_id, d.kind.as_deref().unwrap_or("jar"), d.classifier.as_deref())
}

fn is_range(req: &str) -> bool {
    req.starts_with('[') || req.starts_with('(')
}

/// maven-resolver's `JavaScopeDeriver`.
fn derive_scope(parent: &str, child: &str) -> String {
    match (parent, child) {
        (_, "system" | "test") => child,
        ("" | "compile", _) => child,
        ("test" | "runtime", _) => parent,
        ("system" | "provided", _) => "provided",
        _ => "runtime",
    }
    .to_string()
}

fn scope_rank(s: &str) -> u8 {
    match s {
        "compile" => 4,
        "runtime" => 3,
        "provided" => 2,
        "test" => 1,
        _ => 0,
    }
}

/// The project being resolved: its direct dependencies and the dependencyManagement that
/// applies to the whole tree.
struct RootProject {
    name: String,
    /// With the pom.xml that declared each (`None` for a command-line spec).
    dependencies: Vec<(Dependency, Option<String>)>,
    management: Vec<Dependency>,
}

async fn root_project(client: &MavenClient, roots: &[RootReq]) -> Result<RootProject, ResolveError> {
    let mut project = RootProject { name: "your requirements".into(), dependencies: Vec::new(), management: Vec::new() };
    for (n, r) in roots.iter().filter(|r| r.kind == POM_ROOT).enumerate() {
        let text = std::fs::read_to_string(&r.name).map_err(|e| ResolveError::Input { location: r.name.clone(), message: format!("cannot read: {e}") })?;
        let pom = tusk_index::maven::pom::parse(&text).map_err(|m| ResolveError::Input { location: r.name.clone(), message: format!("not a valid POM: {m}") })?;
        // What is wrong in the user's own pom.xml (a property, a version, its parent's
        // coordinates) is bad input, named at the file.
        let model = client.effective_of_file(&pom, &r.name).await.map_err(|e| match e {
            tusk_index::IndexError::Model { pom, message } if pom == r.name => ResolveError::Input { location: pom, message },
            other => other.into(),
        })?;
        if n == 0 {
            project.name = format!("{}:{}:{}:{}", model.gav.group_id, model.gav.artifact_id, pom.packaging.as_deref().unwrap_or("jar"), model.gav.version);
        }
        project.dependencies.extend(model.dependencies.into_iter().map(|d| (d, Some(r.name.clone()))));
        for m in model.management {
            if !project.management.iter().any(|x| x.management_key() == m.management_key()) {
                project.management.push(m);
            }
        }
    }
    for r in roots.iter().filter(|r| r.kind != POM_ROOT) {
        let (g, a) = r.name.split_once(':').ok_or_else(|| ResolveError::Input { location: r.origin.clone(), message: format!("`{}` is not groupId:artifactId", r.name) })?;
        let scope = if r.kind.is_empty() { "compile" } else { r.kind.as_str() };
        let dep = Dependency { group_id: g.to_string(), artifact_id: a.to_string(), version: Some(r.req.clone()), scope: Some(scope.to_string()), ..Dependency::default() };
        project.dependencies.push((dep, None));
    }
    Ok(project)
}

/// The version a requirement selects: a plain version is itself (a soft requirement), a
/// range the highest version in range that `maven-metadata.xml` lists, `*` or empty the highest.
async fn select(client: &MavenClient, d: &Dependency, req: &str) -> Result<String, ResolveError> {
    if !(is_range(req) || req.is_empty() || req == "*") {
        return Ok(req.to_string());
    }
    let constraint = if is_range(req) {
        Some(GenericVersionConstraint::parse(req).map_err(|e| ResolveError::Input { location: format!("{}:{}", d.group_id, d.artifact_id), message: e.to_string() })?)
    } else {
        None
    };
    let meta = client.metadata(&d.group_id, &d.artifact_id).await?;
    meta.versions
        .iter()
        .map(|v| (GenericVersion::parse(v), v))
        .filter(|(gv, v)| constraint.as_ref().map_or(!v.ends_with("-SNAPSHOT"), |c| c.contains(gv)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, v)| v.clone())
        .ok_or_else(|| ResolveError::NoSolution {
            ecosystem: Ecosystem::Maven,
            report: format!(
                "No versions available for {}:{}:jar:{req} within specified range (the repository lists {})",
                d.group_id,
                d.artifact_id,
                if meta.versions.is_empty() { "none".to_string() } else { meta.versions.join(", ") }
            ),
        })
}

/// Collects and mediates the tree of `roots` (specs `groupId:artifactId` with a version or
/// range, and/or [`POM_ROOT`] requirements naming pom.xml files).
pub async fn collect(client: &MavenClient, roots: &[RootReq], cancel: &CancellationToken) -> Result<Graph, ResolveError> {
    let project = root_project(client, roots).await?;
    // Hard constraints that moved a winner (key -> version), see the module docs.
    let mut pins: HashMap<String, String> = HashMap::new();
    for _ in 0..16 {
        let (graph, items) = collect_once(client, &project, &pins, cancel).await?;
        match check_ranges(&graph, &items, &pins)? {
            Some((key, version)) => {
                pins.insert(key, version);
            }
            None => return Ok(graph),
        }
    }
    Err(ResolveError::Internal("Maven mediation did not settle after 16 range backtracks".into()))
}

async fn collect_once(
    client: &MavenClient,
    project: &RootProject,
    pins: &HashMap<String, String>,
    cancel: &CancellationToken,
) -> Result<(Graph, HashMap<String, Vec<Item>>), ResolveError> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut winners: HashMap<String, usize> = HashMap::new();
    let mut items: HashMap<String, Vec<Item>> = HashMap::new();
    let mut exclusions: Vec<Vec<Exclusion>> = Vec::new();
    let mut direct = Vec::new();
    let mut occurrences: Vec<Vec<Occurrence>> = vec![Vec::new()];
    let managed: HashMap<String, &Dependency> = project.management.iter().map(|m| (key_of(m), m)).collect();

    // Level 1: the project's own dependencies (already managed by its effective model).
    let mut level: Vec<(Option<usize>, Declared)> = project.dependencies.iter().map(|(d, origin)| (None, Declared { dep: d.clone(), managed_from: None, premanaged: None, origin: origin.clone() })).collect();
    let mut depth = 1;
    while !level.is_empty() {
        if cancel.is_cancelled() {
            return Err(ResolveError::Cancelled);
        }
        let mut new_nodes = Vec::new();
        for (parent, decl) in level {
            let d = &decl.dep;
            let key = key_of(d);
            let req = d.version.clone().unwrap_or_default();
            let declared = decl.managed_from.clone().unwrap_or_else(|| req.clone());
            let declared_scope = d.scope.clone().unwrap_or_else(|| "compile".into());
            let scope = match parent {
                Some(p) => derive_scope(&nodes[p].scope, &declared_scope),
                None => declared_scope.clone(),
            };
            let coordinates = format!("{}:{}:{}{}", d.group_id, d.artifact_id, d.kind.as_deref().unwrap_or("jar"), d.classifier.as_deref().map(|c| format!(":{c}")).unwrap_or_default());
            let slot = parent.map_or(0, |p| p + 1);
            if let Some(&w) = winners.get(&key) {
                // The version this occurrence would have had: the candidate for a backtrack.
                let version = if is_range(&req) { select(client, d, &req).await? } else { req.clone() };
                occurrences[slot].push(Occurrence {
                    coordinates,
                    version: version.clone(),
                    declared_scope: declared_scope.clone(),
                    premanaged: decl.premanaged.clone(),
                    winner: None,
                    won: nodes[w].version.clone(),
                });
                items.entry(key).or_default().push(Item { parent, declared_scope, depth, version, req, declared });
                continue;
            }
            let version = match pins.get(&key) {
                Some(v) => v.clone(),
                None => select(client, d, &req).await?,
            };
            items.entry(key.clone()).or_default().push(Item { parent, declared_scope: declared_scope.clone(), depth, version: version.clone(), req: req.clone(), declared });
            let idx = nodes.len();
            occurrences[slot].push(Occurrence {
                coordinates,
                version: version.clone(),
                declared_scope: declared_scope.clone(),
                premanaged: decl.premanaged.clone(),
                winner: Some(idx),
                won: version.clone(),
            });
            occurrences.push(Vec::new());
            let mut path_exclusions = parent.map(|p| exclusions[p].clone()).unwrap_or_default();
            path_exclusions.extend(d.exclusions.iter().cloned());
            exclusions.push(path_exclusions);
            nodes.push(Node {
                group_id: d.group_id.clone(),
                artifact_id: d.artifact_id.clone(),
                kind: d.kind.clone().unwrap_or_else(|| "jar".into()),
                classifier: d.classifier.clone(),
                version,
                req,
                managed_from: decl.managed_from.clone(),
                scope,
                optional: parent.is_none() && d.is_optional(),
                depth,
                parent,
                children: Vec::new(),
                sha1: None,
                origin: decl.origin.clone(),
                edges: Vec::new(),
            });
            winners.insert(key, idx);
            match parent {
                Some(p) => nodes[p].children.push(idx),
                None => direct.push(idx),
            }
            new_nodes.push(idx);
        }
        // Read the new winners' POMs concurrently, then follow them in order.
        // A system-scoped dependency is a file on the machine: no POM, nothing below it.
        new_nodes.retain(|&i| nodes[i].scope != "system");
        let mut set = tokio::task::JoinSet::new();
        for &i in &new_nodes {
            let client = client.clone();
            let gav = Gav::new(nodes[i].group_id.clone(), nodes[i].artifact_id.clone(), nodes[i].version.clone());
            set.spawn(async move { (i, client.effective(&gav).await.map_err(|e| (gav, e))) });
        }
        let mut models: HashMap<usize, Arc<Effective>> = HashMap::new();
        while let Some(joined) = set.join_next().await {
            let (i, r) = joined.map_err(|e| ResolveError::Internal(format!("Maven POM task: {e}")))?;
            match r {
                Ok(m) => {
                    models.insert(i, m);
                }
                Err((gav, e)) => return Err(not_found_in_path(&nodes, i, &gav, e)),
            }
        }
        let mut next = Vec::new();
        for i in new_nodes {
            let model = &models[&i];
            nodes[i].sha1 = model.sha1.clone();
            for dep in &model.dependencies {
                // Below the first level only compile/runtime, non-optional dependencies.
                if !matches!(dep.scope.as_deref(), Some("compile" | "runtime")) || dep.is_optional() {
                    continue;
                }
                if exclusions[i].iter().any(|x| x.matches(&dep.group_id, &dep.artifact_id)) {
                    continue;
                }
                let mut dep = dep.clone();
                let mut managed_from = None;
                let mut premanaged = None;
                if let Some(m) = managed.get(&key_of(&dep)) {
                    if m.version.is_some() {
                        premanaged = dep.version.clone();
                    }
                    if let Some(v) = &m.version
                        && dep.version.as_ref() != Some(v)
                    {
                        managed_from = dep.version.replace(v.clone());
                    }
                    if let Some(s) = &m.scope {
                        dep.scope = Some(s.clone());
                    }
                    dep.exclusions.extend(m.exclusions.iter().cloned());
                }
                next.push((Some(i), Declared { dep, managed_from, premanaged, origin: None }));
            }
        }
        level = next;
        depth += 1;
    }

    widen_scopes(&mut nodes, &winners, &items);
    // Edges: each node's followed dependencies, to whichever version won.
    let edges: Vec<Vec<Edge>> = (0..nodes.len())
        .map(|i| {
            let mut out = Vec::new();
            for (key, its) in &items {
                for it in its.iter().filter(|it| it.parent == Some(i)) {
                    let w = &nodes[winners[key]];
                    let scope = derive_scope(&nodes[i].scope, &it.declared_scope);
                    out.push(Edge { name: key.clone(), req: it.declared.clone(), version: w.version.clone(), kind: if scope == "compile" { String::new() } else { scope }, features: Vec::new() });
                }
            }
            out.sort();
            out
        })
        .collect();
    for (n, e) in nodes.iter_mut().zip(edges) {
        n.edges = e;
    }
    let documents = nodes.len() as u64;
    Ok((Graph { root: project.name.clone(), nodes, direct, occurrences, documents }, items))
}

/// A POM that is not in the repository: a direct dependency's is the user's spelling (the
/// registry's not-found error, a usage error); a transitive one names the path that asked.
fn not_found_in_path(nodes: &[Node], i: usize, gav: &Gav, e: tusk_index::IndexError) -> ResolveError {
    let (tusk_index::IndexError::NotFound { registry, .. }, Some(_)) = (&e, nodes[i].parent) else { return e.into() };
    let mut path = Vec::new();
    let mut at = nodes[i].parent;
    while let Some(p) = at {
        path.push(format!("{}:{}", nodes[p].name(), nodes[p].version));
        at = nodes[p].parent;
    }
    path.reverse();
    let message = format!("not in the repository {registry} (required by {})", path.join(" -> "));
    tusk_index::IndexError::Model { pom: gav.to_string(), message }.into()
}

/// maven-resolver's `JavaScopeSelector`: a winner below the first level takes the widest
/// scope of all its occurrences, each derived from its parent's (final) scope. Scopes only
/// widen, so repeating until nothing changes settles.
fn widen_scopes(nodes: &mut [Node], winners: &HashMap<String, usize>, items: &HashMap<String, Vec<Item>>) {
    for _ in 0..nodes.len().max(1) {
        let mut changed = false;
        for (key, its) in items {
            let w = winners[key];
            if nodes[w].depth <= 1 {
                continue;
            }
            let widest = its
                .iter()
                .filter_map(|it| it.parent.map(|p| derive_scope(&nodes[p].scope, &it.declared_scope)))
                .max_by_key(|s| scope_rank(s));
            if let Some(s) = widest
                && scope_rank(&s) > scope_rank(&nodes[w].scope)
            {
                nodes[w].scope = s;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// The first conflict key whose winner falls outside a range another occurrence declared:
/// the nearest occurrence whose own version satisfies every range becomes the pin. `Err`
/// when no occurrence does (Maven: "Could not resolve version conflict").
fn check_ranges(graph: &Graph, items: &HashMap<String, Vec<Item>>, pins: &HashMap<String, String>) -> Result<Option<(String, String)>, ResolveError> {
    let mut keys: Vec<&String> = items.keys().collect();
    keys.sort();
    for key in keys {
        let its = &items[key];
        let ranges: Vec<(GenericVersionConstraint, &Item)> =
            its.iter().filter(|it| is_range(&it.req)).filter_map(|it| GenericVersionConstraint::parse(&it.req).ok().map(|c| (c, it))).collect();
        if ranges.is_empty() {
            continue;
        }
        let Some(winner) = graph.nodes.iter().find(|n| n.name() == *key) else { continue };
        let ok = |v: &str| ranges.iter().all(|(c, _)| c.contains(&GenericVersion::parse(v)));
        if ok(&winner.version) {
            continue;
        }
        let mut candidates: Vec<&Item> = its.iter().filter(|it| ok(&it.version)).collect();
        candidates.sort_by_key(|it| it.depth);
        match candidates.first() {
            Some(it) if pins.get(key) != Some(&it.version) => return Ok(Some((key.clone(), it.version.clone()))),
            _ => {
                let who = |it: &Item| match it.parent {
                    Some(p) => format!("{}:{}", graph.nodes[p].name(), graph.nodes[p].version),
                    None => graph.root.clone(),
                };
                let list: Vec<String> = its.iter().map(|it| format!("{} -> {key}:{}", who(it), it.req)).collect();
                return Err(ResolveError::NoSolution {
                    ecosystem: Ecosystem::Maven,
                    report: format!("Could not resolve version conflict among [{}]", list.join(", ")),
                });
            }
        }
    }
    Ok(None)
}

/// Resolves Maven requirements by Maven's own mediation into a [`Resolution`]: one package
/// per winner (integrity `sha1:<hex>` of its POM, the checksum the repository serves), edges
/// with the declared requirement, the version that won and the scope (omitted for compile).
pub async fn resolve(client: MavenClient, roots: Vec<RootReq>, cancel: CancellationToken) -> Result<Resolution, ResolveError> {
    let started = std::time::Instant::now();
    let graph = collect(&client, &roots, &cancel).await?;
    let kind = |s: &str| if s == "compile" { String::new() } else { s.to_string() };
    let root_edges = graph
        .direct
        .iter()
        .map(|&i| {
            let n = &graph.nodes[i];
            Edge { name: n.name(), req: n.req.clone(), version: n.version.clone(), kind: kind(&n.scope), features: Vec::new() }
        })
        .collect();
    // A pom.xml's direct dependencies are requirements too: the lock records each with the
    // version it resolved to, which `tree` and `why` read back.
    let mut roots = roots;
    for &i in &graph.direct {
        let n = &graph.nodes[i];
        if let Some(origin) = &n.origin {
            let mut r = RootReq::new(n.name(), n.req.clone());
            r.kind = kind(&n.scope);
            r.origin = origin.clone();
            roots.push(r);
        }
    }
    let mut packages: Vec<ResolvedPackage> = graph
        .nodes
        .iter()
        .map(|n| ResolvedPackage {
            ecosystem: Ecosystem::Maven,
            name: n.name(),
            version: n.version.clone(),
            registry: client.registry_url().to_string(),
            integrity: n.sha1.as_ref().map(|s| format!("sha1:{s}")),
            features: Vec::new(),
            path: None,
            dependencies: n.edges.clone(),
            note: n.managed_from.as_ref().map(|v| format!("version managed from {v} by the root dependencyManagement")),
        })
        .collect();
    packages.sort();
    Ok(Resolution {
        ecosystem: Ecosystem::Maven,
        roots,
        root_edges,
        packages,
        stats: SolveStats { documents: graph.documents, millis: started.elapsed().as_millis() as u64 },
    })
}
