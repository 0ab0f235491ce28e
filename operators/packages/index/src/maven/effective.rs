//! The effective model of a POM, as Maven's model builder makes it, limited to what
//! dependency resolution reads:
//!
//! 1. **Parents**, recursively: groupId and version inherited when absent; `<properties>`
//!    merged with the child winning; `<dependencyManagement>` and `<dependencies>` merged by
//!    management key (`groupId:artifactId:type:classifier`), the child's entry winning and
//!    coming first (Maven's merge order: the child's list, then what only a parent has);
//!    a key repeated within one POM keeps its first position and its last declaration.
//! 2. **Interpolation** of the merged model in the *child's* context: `${project.version}`,
//!    `${project.groupId}`, `${project.artifactId}`, `${project.parent.version}` (also
//!    `pom.*`, `parent.*` and the bare legacy `${version}`), then the merged properties,
//!    recursively, with a cycle guard. A value that does not resolve is an error naming the
//!    POM, the dependency and the property, where the value is needed.
//! 3. **BOM imports**: a managed `<type>pom</type><scope>import</scope>` entry is replaced by
//!    the imported POM's effective dependencyManagement; entries already present win, and an
//!    earlier import wins over a later one.
//! 4. **Dependencies** take a missing version, scope, optional flag and (when they declare
//!    none) exclusions from dependencyManagement; the default scope is `compile`.
//!
//! Not read: profiles (their activation depends on the JDK, OS and properties of the machine
//! running Maven), `<relativePath>` (parents always come from the repository), relocations.

use super::pom::{Dependency, Pom};
use super::{Gav, MavenClient, RawPom};
use crate::IndexError;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// An effective model: coordinates, dependencies and dependencyManagement, interpolated.
#[derive(Debug, Clone)]
pub struct Effective {
    pub gav: Gav,
    /// SHA-1 of the POM file (published artifacts; `None` for a local pom.xml).
    pub sha1: Option<String>,
    /// In declaration order; each has a version and a scope.
    pub dependencies: Vec<Dependency>,
    /// dependencyManagement after BOM imports (the import entries themselves removed).
    pub management: Vec<Dependency>,
}

impl Effective {
    /// The managed entry for a dependency's management key.
    pub fn managed(&self, key: &str) -> Option<&Dependency> {
        self.management.iter().find(|m| m.management_key() == key)
    }
}

/// Parent chains longer than this are taken for a loop.
const MAX_PARENTS: usize = 64;

type Building<'a> = Pin<Box<dyn Future<Output = Result<Effective, IndexError>> + Send + 'a>>;

/// Builds the effective model of `pom`. `location` names it in errors (`g:a:v` or a path).
/// `strict`: every dependency must resolve (a project's own pom.xml); otherwise a test,
/// provided, system or optional dependency that cannot be resolved is left out, since
/// resolution never follows it. `importing` is the chain of BOM imports being built, to stop
/// an import cycle.
pub(super) fn build<'a>(client: &'a MavenClient, pom: &'a Pom, location: &'a str, strict: bool, importing: &'a [Gav]) -> Building<'a> {
    Box::pin(async move {
        let err = |message: String| IndexError::Model { pom: location.to_string(), message };
        // 1. The parent chain.
        let mut parents: Vec<Arc<RawPom>> = Vec::new();
        let mut seen = BTreeSet::new();
        let mut next = pom.parent.clone();
        let mut child = location.to_string();
        while let Some(p) = next {
            let gav = Gav::new(p.group_id, p.artifact_id, p.version);
            if !seen.insert(gav.clone()) || parents.len() >= MAX_PARENTS {
                return Err(err(format!("the parent chain loops: {gav} is its own ancestor")));
            }
            let raw = client.raw_pom(&gav).await.map_err(|e| match e {
                IndexError::NotFound { .. } => err(format!("the parent {gav} of {child} is not in the repository ({} was not found)", client.pom_url(&gav))),
                other => err(format!("the parent {gav} of {child}: {other}")),
            })?;
            next = raw.pom.parent.clone();
            child = gav.to_string();
            parents.push(raw);
        }
        let chain: Vec<(&Pom, String)> =
            std::iter::once((pom, location.to_string())).chain(parents.iter().map(|r| (&r.pom, gav_of(&r.pom).to_string()))).collect();

        let mut properties = BTreeMap::new();
        for (p, _) in chain.iter().rev() {
            properties.extend(p.properties.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let merged = |list: fn(&Pom) -> &Vec<Dependency>| {
            let mut keys = BTreeSet::new();
            let mut out: Vec<(&Dependency, &str)> = Vec::new();
            for (p, name) in &chain {
                // Within one POM a repeated key keeps its first position but the last
                // declaration (Maven's model normalizer, with a warning).
                let mut own: Vec<(String, &Dependency)> = Vec::new();
                for d in list(p) {
                    let key = d.management_key();
                    match own.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = d,
                        None => own.push((key, d)),
                    }
                }
                for (key, d) in own {
                    if keys.insert(key) {
                        out.push((d, name.as_str()));
                    }
                }
            }
            out
        };
        let raw_management = merged(|p| &p.dependency_management);
        let raw_dependencies = merged(|p| &p.dependencies);

        // 2. Interpolation in this POM's context.
        let group_id = pom.group_id.clone().or_else(|| pom.parent.as_ref().map(|p| p.group_id.clone())).unwrap_or_default();
        let version = pom.version.clone().or_else(|| pom.parent.as_ref().map(|p| p.version.clone())).unwrap_or_default();
        let mut builtins: HashMap<String, String> = HashMap::new();
        for prefix in ["project.", "pom.", ""] {
            builtins.insert(format!("{prefix}groupId"), group_id.clone());
            builtins.insert(format!("{prefix}artifactId"), pom.artifact_id.clone());
            builtins.insert(format!("{prefix}version"), version.clone());
            builtins.insert(format!("{prefix}packaging"), pom.packaging.clone().unwrap_or_else(|| "jar".into()));
            if let Some(p) = &pom.parent {
                let parent = if prefix.is_empty() { "parent.".to_string() } else { format!("{prefix}parent.") };
                builtins.insert(format!("{parent}groupId"), p.group_id.clone());
                builtins.insert(format!("{parent}artifactId"), p.artifact_id.clone());
                builtins.insert(format!("{parent}version"), p.version.clone());
            }
        }
        let ctx = Interpolator { builtins, properties };
        let own = Gav::new(
            ctx.interpolate(&group_id).map_err(|e| err(format!("groupId: {}", e.describe(location))))?,
            pom.artifact_id.clone(),
            ctx.interpolate(&version).map_err(|e| err(format!("version: {}", e.describe(location))))?,
        );

        let mut management: Vec<Dependency> = Vec::new();
        let mut broken: HashMap<String, String> = HashMap::new();
        let mut imports: Vec<Gav> = Vec::new();
        for (d, origin) in raw_management {
            match ctx.dependency(d) {
                Ok(m) if m.scope.as_deref() == Some("import") && m.kind.as_deref() == Some("pom") => {
                    let Some(v) = m.version.clone() else {
                        return Err(err(format!("the imported BOM {}:{} (declared in {origin} line {}) has no version", m.group_id, m.artifact_id, d.line)));
                    };
                    imports.push(Gav::new(m.group_id, m.artifact_id, v));
                }
                Ok(m) => management.push(m),
                Err(e) if strict || d.scope.as_deref() == Some("import") => {
                    return Err(err(format!("dependencyManagement entry {}:{} (declared in {origin} line {}): {}", d.group_id, d.artifact_id, d.line, e.describe(location))));
                }
                Err(e) => {
                    broken.insert(d.management_key(), format!("its managed version (declared in {origin} line {}): {}", d.line, e.describe(location)));
                }
            }
        }

        // 3. BOM imports, in declaration order; what is already managed wins.
        let mut keys: BTreeSet<String> = management.iter().map(Dependency::management_key).collect();
        for gav in imports {
            if gav == own || importing.contains(&gav) {
                return Err(err(format!("BOM import cycle: {} imports {gav} again", own)));
            }
            let mut chain = importing.to_vec();
            chain.push(own.clone());
            let bom = client.effective_in(&gav, &chain).await.map_err(|e| match e {
                IndexError::NotFound { .. } => err(format!("the imported BOM {gav} is not in the repository ({} was not found)", client.pom_url(&gav))),
                other => err(format!("the imported BOM {gav}: {other}")),
            })?;
            for m in &bom.management {
                if keys.insert(m.management_key()) {
                    management.push(m.clone());
                }
            }
        }

        // 4. Dependencies, completed from dependencyManagement.
        let mut dependencies = Vec::new();
        for (d, origin) in raw_dependencies {
            let never_followed = matches!(d.scope.as_deref(), Some("test" | "provided" | "system")) || d.optional.as_deref() == Some("true");
            let mut dep = match ctx.dependency(d) {
                Ok(dep) => dep,
                Err(_) if !strict && never_followed => continue,
                Err(e) => return Err(err(format!("dependency {}:{} (declared in {origin} line {}): {}", d.group_id, d.artifact_id, d.line, e.describe(location)))),
            };
            let key = dep.management_key();
            if let Some(m) = management.iter().find(|m| m.management_key() == key) {
                dep.version = dep.version.or_else(|| m.version.clone());
                dep.scope = dep.scope.or_else(|| m.scope.clone());
                dep.optional = dep.optional.or_else(|| m.optional.clone());
                if dep.exclusions.is_empty() {
                    dep.exclusions = m.exclusions.clone();
                }
            }
            dep.scope.get_or_insert_with(|| "compile".into());
            let followed = matches!(dep.scope.as_deref(), Some("compile" | "runtime")) && !dep.is_optional();
            if dep.version.is_none() {
                if !strict && !followed {
                    continue;
                }
                let why = broken.get(&key).cloned().unwrap_or_else(|| "it has no <version> and dependencyManagement has none for it".into());
                return Err(err(format!("dependency {}:{} (declared in {origin} line {}): {why}", dep.group_id, dep.artifact_id, d.line)));
            }
            dependencies.push(dep);
        }
        Ok(Effective { gav: own, sha1: None, dependencies, management })
    })
}

fn gav_of(p: &Pom) -> Gav {
    let parent = p.parent.as_ref();
    Gav::new(
        p.group_id.clone().or_else(|| parent.map(|x| x.group_id.clone())).unwrap_or_default(),
        p.artifact_id.clone(),
        p.version.clone().or_else(|| parent.map(|x| x.version.clone())).unwrap_or_default(),
    )
}

/// Why a `${…}` expression has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropError {
    Unresolved(String),
    Cycle(Vec<String>),
    Unclosed(String),
}

impl PropError {
    fn describe(&self, location: &str) -> String {
        match self {
            PropError::Unresolved(name) => format!("`${{{name}}}` does not resolve: no property `{name}` in {location} or its parents"),
            PropError::Cycle(chain) => format!("properties refer to each other in a cycle: {}", chain.join(" -> ")),
            PropError::Unclosed(value) => format!("`{value}` has an unclosed `${{`"),
        }
    }
}

struct Interpolator {
    builtins: HashMap<String, String>,
    properties: BTreeMap<String, String>,
}

impl Interpolator {
    fn interpolate(&self, s: &str) -> Result<String, PropError> {
        self.expand(s, &mut Vec::new())
    }

    fn expand(&self, s: &str, stack: &mut Vec<String>) -> Result<String, PropError> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or_else(|| PropError::Unclosed(s.to_string()))?;
            let name = &after[..end];
            if stack.iter().any(|n| n == name) {
                let mut chain = stack.clone();
                chain.push(name.to_string());
                return Err(PropError::Cycle(chain));
            }
            // Model values first (`project.version`), then properties, as Maven's value sources.
            let value = self.builtins.get(name).or_else(|| self.properties.get(name)).ok_or_else(|| PropError::Unresolved(name.to_string()))?;
            stack.push(name.to_string());
            out.push_str(&self.expand(value, stack)?);
            stack.pop();
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn opt(&self, v: &Option<String>) -> Result<Option<String>, PropError> {
        v.as_deref().map(|s| self.interpolate(s)).transpose()
    }

    fn dependency(&self, d: &Dependency) -> Result<Dependency, PropError> {
        let mut exclusions = Vec::with_capacity(d.exclusions.len());
        for e in &d.exclusions {
            exclusions.push(super::pom::Exclusion { group_id: self.interpolate(&e.group_id)?, artifact_id: self.interpolate(&e.artifact_id)? });
        }
        Ok(Dependency {
            group_id: self.interpolate(&d.group_id)?,
            artifact_id: self.interpolate(&d.artifact_id)?,
            version: self.opt(&d.version)?,
            kind: self.opt(&d.kind)?,
            classifier: self.opt(&d.classifier)?,
            scope: self.opt(&d.scope)?,
            optional: self.opt(&d.optional)?,
            exclusions,
            line: d.line,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn interp(props: &[(&str, &str)]) -> Interpolator {
        Interpolator {
            builtins: [("project.version", "2.0"), ("version", "2.0")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            properties: props.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn interpolation_is_recursive_builtins_first_and_guards_cycles() {
        let i = interp(&[("a", "${b}-x"), ("b", "${project.version}"), ("project.version", "not me"), ("c", "${d}"), ("d", "${c}")]);
        assert_eq!(i.interpolate("v${a}/${version}"), Ok("v2.0-x/2.0".into()));
        assert_eq!(i.interpolate("${missing}"), Err(PropError::Unresolved("missing".into())));
        assert_eq!(i.interpolate("${c}"), Err(PropError::Cycle(vec!["c".into(), "d".into(), "c".into()])));
        assert_eq!(i.interpolate("${open"), Err(PropError::Unclosed("${open".into())));
    }
}
