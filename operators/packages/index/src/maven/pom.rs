//! The raw project model of one POM file: only what dependency resolution reads (coordinates,
//! parent, properties, dependencyManagement, dependencies with exclusions), with every value
//! as written (`${…}` not yet interpolated). Profiles, build and reporting are not read.

use std::collections::BTreeMap;

/// A `<dependency>` of `<dependencies>` or `<dependencyManagement>`, values as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dependency {
    pub group_id: String,
    pub artifact_id: String,
    pub version: Option<String>,
    /// `<type>`; absent means `jar`.
    pub kind: Option<String>,
    pub classifier: Option<String>,
    pub scope: Option<String>,
    /// `<optional>` as written (`true`, `false`, or a `${…}` expression).
    pub optional: Option<String>,
    pub exclusions: Vec<Exclusion>,
    /// 1-based line of the `<dependency>` element in its POM, for error messages.
    pub line: u32,
}

impl Dependency {
    /// Maven's management key: `groupId:artifactId:type[:classifier]`. Inheritance merges and
    /// dependencyManagement lookups go by it.
    pub fn management_key(&self) -> String {
        let kind = self.kind.as_deref().unwrap_or("jar");
        match self.classifier.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => format!("{}:{}:{kind}:{c}", self.group_id, self.artifact_id),
            None => format!("{}:{}:{kind}", self.group_id, self.artifact_id),
        }
    }

    /// `<optional>true</optional>` (after interpolation).
    pub fn is_optional(&self) -> bool {
        self.optional.as_deref().is_some_and(|o| o.trim() == "true")
    }
}

/// An `<exclusion>`; `*` in either part is a wildcard.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Exclusion {
    pub group_id: String,
    pub artifact_id: String,
}

impl Exclusion {
    pub fn matches(&self, group_id: &str, artifact_id: &str) -> bool {
        (self.group_id == "*" || self.group_id == group_id) && (self.artifact_id == "*" || self.artifact_id == artifact_id)
    }
}

/// `<parent>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentRef {
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
}

/// One POM as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pom {
    pub group_id: Option<String>,
    pub artifact_id: String,
    pub version: Option<String>,
    pub packaging: Option<String>,
    pub parent: Option<ParentRef>,
    pub properties: BTreeMap<String, String>,
    pub dependency_management: Vec<Dependency>,
    pub dependencies: Vec<Dependency>,
}

/// Parses a POM. `Err` is a message with the line where it applies (`line 12: …`).
pub fn parse(text: &str) -> Result<Pom, String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    if root.tag_name().name() != "project" {
        return Err(format!("the root element is <{}>, not <project>", root.tag_name().name()));
    }
    let line = |n: roxmltree::Node| doc.text_pos_at(n.range().start).row;
    let mut pom = Pom {
        group_id: child_text(root, "groupId"),
        artifact_id: child_text(root, "artifactId").unwrap_or_default(),
        version: child_text(root, "version"),
        packaging: child_text(root, "packaging"),
        ..Pom::default()
    };
    if let Some(p) = child(root, "parent") {
        let req = |name: &str| child_text(p, name).ok_or_else(|| format!("line {}: <parent> has no <{name}>", line(p)));
        pom.parent = Some(ParentRef { group_id: req("groupId")?, artifact_id: req("artifactId")?, version: req("version")? });
    }
    if let Some(props) = child(root, "properties") {
        for p in props.children().filter(|n| n.is_element()) {
            pom.properties.insert(p.tag_name().name().to_string(), p.text().unwrap_or("").trim().to_string());
        }
    }
    let deps = |parent: Option<roxmltree::Node>| -> Result<Vec<Dependency>, String> {
        let Some(list) = parent.and_then(|p| child(p, "dependencies")) else { return Ok(Vec::new()) };
        list.children().filter(|n| n.has_tag_name("dependency")).map(|d| dependency(d, line(d))).collect()
    };
    pom.dependency_management = deps(child(root, "dependencyManagement"))?;
    pom.dependencies = deps(Some(root))?;
    if pom.artifact_id.is_empty() {
        return Err("<project> has no <artifactId>".into());
    }
    Ok(pom)
}

fn dependency(d: roxmltree::Node, line: u32) -> Result<Dependency, String> {
    let req = |name: &str| child_text(d, name).ok_or_else(|| format!("line {line}: <dependency> has no <{name}>"));
    let exclusions = child(d, "exclusions")
        .map(|ex| {
            ex.children()
                .filter(|n| n.has_tag_name("exclusion"))
                .map(|e| Exclusion {
                    group_id: child_text(e, "groupId").unwrap_or_else(|| "*".into()),
                    artifact_id: child_text(e, "artifactId").unwrap_or_else(|| "*".into()),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Dependency {
        group_id: req("groupId")?,
        artifact_id: req("artifactId")?,
        version: child_text(d, "version"),
        kind: child_text(d, "type"),
        classifier: child_text(d, "classifier"),
        scope: child_text(d, "scope"),
        optional: child_text(d, "optional"),
        exclusions,
        line,
    })
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The trimmed text of a direct child element; `None` when absent or empty.
fn child_text(n: roxmltree::Node, name: &str) -> Option<String> {
    child(n, name).and_then(|c| c.text()).map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_resolution_needs_and_ignores_the_rest() {
        let pom = parse(
            r#"<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent><groupId>g</groupId><artifactId>parent</artifactId><version>3</version></parent>
  <artifactId>a</artifactId>
  <properties><x.version>1.2</x.version></properties>
  <build><plugins><plugin><dependencies><dependency><groupId>no</groupId><artifactId>plugin-dep</artifactId></dependency></dependencies></plugin></plugins></build>
  <dependencyManagement><dependencies>
    <dependency><groupId>g</groupId><artifactId>bom</artifactId><version>1</version><type>pom</type><scope>import</scope></dependency>
  </dependencies></dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>g</groupId><artifactId>x</artifactId><version>${x.version}</version>
      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>
    </dependency>
  </dependencies>
</project>"#,
        )
        .unwrap();
        assert_eq!(pom.group_id, None);
        assert_eq!(pom.parent.as_ref().unwrap().version, "3");
        assert_eq!(pom.properties["x.version"], "1.2");
        assert_eq!(pom.dependency_management[0].management_key(), "g:bom:pom");
        assert_eq!(pom.dependencies.len(), 1, "plugin dependencies are not project dependencies");
        assert_eq!(pom.dependencies[0].line, 11);
        assert!(pom.dependencies[0].exclusions[0].matches("any", "thing"));
    }

    #[test]
    fn a_dependency_without_artifact_id_names_its_line() {
        let e = parse("<project><artifactId>a</artifactId><dependencies>\n<dependency><groupId>g</groupId></dependency></dependencies></project>").unwrap_err();
        assert_eq!(e, "line 2: <dependency> has no <artifactId>");
    }
}
