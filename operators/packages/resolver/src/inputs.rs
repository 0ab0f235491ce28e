//! Requirements from the command line and from manifests.
//!
//! Specs: `crates:serde@1`, `crates:serde[derive,std]@^1.0.200`, `npm:express@^4`,
//! `npm:@types/node@20`, `pypi:requests>=2.31`, `pypi:"requests[socks]>=2.31; python_version>='3.9'"`.
//! `maven:org.slf4j:slf4j-api@2.0.9` (or a range, `@[2.0,3.0)`, or Maven's `g:a:v`).
//! Manifests: `pom.xml` (the whole project, read by [`crate::maven`]), `Cargo.toml` (`[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`,
//! `[target.'cfg(..)'.*dependencies]`), `package.json` (`dependencies`, `devDependencies`,
//! `optionalDependencies`, `peerDependencies`), `pyproject.toml` (`[project] dependencies`,
//! `[project.optional-dependencies]` as optional), `requirements.txt`, and `tusk.toml`'s
//! `[packages.<eco>]` tables (`name = "req"`).

use crate::{Ecosystem, ResolveError, RootReq};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn input_err(location: impl Into<String>, message: impl Into<String>) -> ResolveError {
    ResolveError::Input { location: location.into(), message: message.into() }
}

/// Parses one command-line spec `<eco>:<requirement>`.
pub fn parse_spec(spec: &str) -> Result<(Ecosystem, RootReq), ResolveError> {
    let loc = format!("spec `{spec}`");
    let Some((eco, rest)) = spec.split_once(':') else {
        return Err(input_err(loc, "expected <ecosystem>:<requirement>, e.g. crates:serde@1, npm:express@^4, pypi:requests>=2.31"));
    };
    let eco: Ecosystem = eco.parse().map_err(|e: tusk_versions::UnknownEcosystem| input_err(&loc, e.to_string()))?;
    let mut req = match eco {
        Ecosystem::Crates => parse_crate_spec(rest).map_err(|m| input_err(&loc, m))?,
        Ecosystem::Npm => parse_npm_spec(rest).map_err(|m| input_err(&loc, m))?,
        Ecosystem::Pypi => parse_pep508(rest).map_err(|m| input_err(&loc, m))?,
        Ecosystem::Maven => parse_maven_spec(rest).map_err(|m| input_err(&loc, m))?,
        other => return Err(input_err(loc, format!("{other} is not resolved against a live registry yet (supported: crates, npm, pypi, maven)"))),
    };
    req.origin = "command line".into();
    Ok((eco, req))
}

fn valid_name(n: &str, extra: &[char]) -> bool {
    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || extra.contains(&c))
}

/// `name[feat,..]@req`.
fn parse_crate_spec(s: &str) -> Result<RootReq, String> {
    let (head, req) = match s.split_once('@') {
        Some((h, r)) => (h, r.trim()),
        None => (s, "*"),
    };
    let (name, features) = split_brackets(head)?;
    if !valid_name(name, &[]) {
        return Err(format!("`{name}` is not a valid crate name"));
    }
    let mut r = RootReq::new(name, if req.is_empty() { "*" } else { req });
    r.features = features;
    Ok(r)
}

/// `name@range`, `@scope/name@range`.
fn parse_npm_spec(s: &str) -> Result<RootReq, String> {
    let (name, range) = match s.strip_prefix('@') {
        Some(rest) => match rest.split_once('@') {
            Some((n, r)) => (format!("@{n}"), r),
            None => (s.to_string(), "*"),
        },
        None => match s.split_once('@') {
            Some((n, r)) => (n.to_string(), r),
            None => (s.to_string(), "*"),
        },
    };
    let bare = name.strip_prefix('@').map(|n| n.replacen('/', "", 1)).unwrap_or(name.clone());
    if !valid_name(&bare, &['.']) || (name.starts_with('@') && !name.contains('/')) {
        return Err(format!("`{name}` is not a valid npm package name"));
    }
    Ok(RootReq::new(name, if range.trim().is_empty() { "*" } else { range.trim() }))
}

/// `groupId:artifactId@version-or-range` or Maven's `groupId:artifactId:version`; no version
/// takes the highest release the repository lists.
fn parse_maven_spec(s: &str) -> Result<RootReq, String> {
    let (coords, req) = match s.split_once('@') {
        Some((c, r)) => (c, r.trim()),
        None => match s.splitn(3, ':').collect::<Vec<_>>()[..] {
            [_, _, v] => (&s[..s.len() - v.len() - 1], v.trim()),
            _ => (s, "*"),
        },
    };
    let valid = |p: &str| valid_name(p, &['.']);
    match coords.split_once(':') {
        Some((g, a)) if valid(g) && valid(a) => {
            if req.starts_with(['[', '(']) {
                tusk_maven::GenericVersionConstraint::parse(req).map_err(|e| e.to_string())?;
            }
            Ok(RootReq::new(coords, if req.is_empty() { "*" } else { req }))
        }
        _ => Err(format!("`{coords}` is not groupId:artifactId (e.g. maven:org.slf4j:slf4j-api@2.0.9 or maven:org.slf4j:slf4j-api@[2.0,3.0))")),
    }
}

/// A pom.xml: one requirement standing for the whole project (name = the file, kind `pom`);
/// its dependencies, dependencyManagement and parent are read by the Maven resolver, which
/// needs the repository for parents and imported BOMs. The POM is parsed here so a malformed
/// file fails before any request.
fn pom_xml(text: &str, loc: &str) -> Result<Vec<RootReq>, ResolveError> {
    let pom = tusk_index::maven::pom::parse(text).map_err(|m| input_err(loc, format!("not a valid POM: {m}")))?;
    let parent = pom.parent.as_ref();
    let group = pom.group_id.clone().or_else(|| parent.map(|p| p.group_id.clone())).unwrap_or_default();
    let version = pom.version.clone().or_else(|| parent.map(|p| p.version.clone())).unwrap_or_default();
    let mut r = RootReq::new(loc, format!("{group}:{}:{version}", pom.artifact_id));
    r.kind = crate::maven::POM_ROOT.into();
    r.origin = loc.to_string();
    Ok(vec![r])
}

fn split_brackets(head: &str) -> Result<(&str, Vec<String>), String> {
    match head.split_once('[') {
        Some((n, rest)) => {
            let inner = rest.strip_suffix(']').ok_or_else(|| format!("unclosed `[` in `{head}`"))?;
            Ok((n.trim(), inner.split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect()))
        }
        None => Ok((head.trim(), Vec::new())),
    }
}

/// A PEP 508 requirement: `name[extras] specifiers ; marker` (URL requirements are refused).
pub fn parse_pep508(s: &str) -> Result<RootReq, String> {
    let (main, marker) = match s.split_once(';') {
        Some((m, k)) => (m.trim(), Some(k.trim().to_string()).filter(|k| !k.is_empty())),
        None => (s.trim(), None),
    };
    if main.contains(" @ ") {
        return Err("direct URL requirements (`name @ url`) are not supported".into());
    }
    let end = main.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(main.len());
    let name = &main[..end];
    if name.is_empty() {
        return Err(format!("`{s}` does not start with a package name"));
    }
    let rest = main[end..].trim_start();
    let (extras, spec) = if rest.starts_with('[') {
        let close = rest.find(']').ok_or_else(|| format!("unclosed `[` in `{s}`"))?;
        let extras = rest[1..close].split(',').map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect();
        (extras, rest[close + 1..].trim())
    } else {
        (Vec::new(), rest)
    };
    let spec = spec.trim_start_matches('(').trim_end_matches(')').trim();
    let mut r = RootReq::new(name, spec);
    r.features = extras;
    r.condition = marker;
    Ok(r)
}

/// Requirements found in one manifest file.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub path: PathBuf,
    pub ecosystem: Ecosystem,
    pub requirements: Vec<RootReq>,
}

/// The manifest file names [`find_manifests`] looks for.
pub const MANIFEST_NAMES: &[&str] = &["Cargo.toml", "package.json", "pyproject.toml", "requirements.txt", "pom.xml"];

/// Every manifest in `dir` and its subdirectories (skipping `node_modules`, `target`, `.git`,
/// virtualenvs and other hidden directories).
pub fn find_manifests(dir: &Path) -> Result<Vec<Manifest>, ResolveError> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| input_err(d.display().to_string(), e.to_string()))?;
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        for p in names {
            let fname = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if p.is_dir() {
                if !fname.starts_with('.') && !matches!(fname.as_str(), "node_modules" | "target" | "venv" | "__pycache__" | "dist" | "build") {
                    stack.push(p);
                }
            } else if MANIFEST_NAMES.contains(&fname.as_str()) {
                found.push(read_manifest(&p)?);
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// Reads one manifest, by file name.
pub fn read_manifest(path: &Path) -> Result<Manifest, ResolveError> {
    let text = std::fs::read_to_string(path).map_err(|e| input_err(path.display().to_string(), e.to_string()))?;
    let loc = path.strip_prefix(".").unwrap_or(path).display().to_string();
    let fname = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (ecosystem, requirements) = match fname.as_str() {
        "Cargo.toml" => (Ecosystem::Crates, cargo_toml(&text, &loc)?),
        "package.json" => (Ecosystem::Npm, package_json(&text, &loc)?),
        "pyproject.toml" => (Ecosystem::Pypi, pyproject(&text, &loc)?),
        n if n.ends_with(".txt") => (Ecosystem::Pypi, requirements_txt(&text, &loc)?),
        n if n == "pom.xml" || n.ends_with(".pom") => (Ecosystem::Maven, pom_xml(&text, &loc)?),
        _ => return Err(input_err(loc, "not a manifest tusk knows (Cargo.toml, package.json, pyproject.toml, requirements.txt, pom.xml)")),
    };
    Ok(Manifest { path: path.to_path_buf(), ecosystem, requirements })
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap_or(1)
}

fn toml_table(text: &str, loc: &str) -> Result<toml::Table, ResolveError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1)).unwrap_or(1);
        input_err(format!("{loc}:{line}"), e.message().to_string())
    })
}

fn cargo_toml(text: &str, loc: &str) -> Result<Vec<RootReq>, ResolveError> {
    let doc = toml_table(text, loc)?;
    let mut out = Vec::new();
    let mut tables: Vec<(Option<String>, &str, &toml::Table)> = Vec::new();
    for (key, kind) in [("dependencies", "normal"), ("dev-dependencies", "dev"), ("build-dependencies", "build")] {
        if let Some(t) = doc.get(key).and_then(|v| v.as_table()) {
            tables.push((None, kind, t));
        }
    }
    if let Some(targets) = doc.get("target").and_then(|v| v.as_table()) {
        for (cond, t) in targets {
            for (key, kind) in [("dependencies", "normal"), ("dev-dependencies", "dev"), ("build-dependencies", "build")] {
                if let Some(t) = t.get(key).and_then(|v| v.as_table()) {
                    tables.push((Some(cond.clone()), kind, t));
                }
            }
        }
    }
    for (cond, kind, table) in tables {
        for (name, spec) in table {
            let at = format!("{loc}:{}", line_of(text, name));
            let mut r = RootReq::new(name.clone(), "*");
            r.kind = if kind == "normal" { String::new() } else { kind.to_string() };
            r.condition = cond.clone();
            r.origin = at.clone();
            match spec {
                toml::Value::String(s) => r.req = s.clone(),
                toml::Value::Table(t) => {
                    if (t.contains_key("path") || t.contains_key("git"))
                        && t.get("version").is_none() {
                            continue; // path/git dependencies are not registry packages
                        }
                    if t.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
                        return Err(input_err(at, format!("`{name}.workspace = true`: resolve the workspace root's Cargo.toml instead")));
                    }
                    r.req = t.get("version").and_then(|v| v.as_str()).unwrap_or("*").to_string();
                    r.features = t
                        .get("features")
                        .and_then(|v| v.as_array())
                        .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
                        .unwrap_or_default();
                    r.default_features = t.get("default-features").or_else(|| t.get("default_features")).and_then(|v| v.as_bool()).unwrap_or(true);
                    r.package = t.get("package").and_then(|v| v.as_str()).map(str::to_string);
                    if t.get("optional").and_then(|v| v.as_bool()) == Some(true) {
                        r.kind = "optional".into();
                    }
                }
                _ => return Err(input_err(at, format!("dependency `{name}` must be a version string or a table"))),
            }
            out.push(r);
        }
    }
    Ok(out)
}

fn package_json(text: &str, loc: &str) -> Result<Vec<RootReq>, ResolveError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| input_err(format!("{loc}:{}:{}", e.line(), e.column()), e.to_string()))?;
    let mut out = Vec::new();
    for (key, kind) in [("dependencies", ""), ("devDependencies", "dev"), ("optionalDependencies", "optional"), ("peerDependencies", "peer")] {
        let Some(map) = v.get(key) else { continue };
        let Some(map) = map.as_object() else {
            return Err(input_err(format!("{loc}:{}", line_of(text, key)), format!("`{key}` must be an object")));
        };
        for (name, range) in map {
            let at = format!("{loc}:{}", line_of(text, &format!("\"{name}\"")));
            let Some(range) = range.as_str() else {
                return Err(input_err(at, format!("the range of `{name}` must be a string")));
            };
            if kind == "peer" && out.iter().any(|r: &RootReq| r.name == *name) {
                continue;
            }
            let mut r = RootReq::new(name.clone(), if range.trim().is_empty() { "*" } else { range.trim() });
            r.kind = kind.to_string();
            r.origin = at;
            out.push(r);
        }
    }
    Ok(out)
}

fn pyproject(text: &str, loc: &str) -> Result<Vec<RootReq>, ResolveError> {
    let doc = toml_table(text, loc)?;
    let mut out = Vec::new();
    let project = doc.get("project").and_then(|p| p.as_table());
    let push = |s: &str, kind: &str, out: &mut Vec<RootReq>| -> Result<(), ResolveError> {
        let at = format!("{loc}:{}", line_of(text, s));
        let mut r = parse_pep508(s).map_err(|m| input_err(&at, m))?;
        r.kind = kind.to_string();
        r.origin = at;
        out.push(r);
        Ok(())
    };
    if let Some(deps) = project.and_then(|p| p.get("dependencies")).and_then(|d| d.as_array()) {
        for d in deps {
            if let Some(s) = d.as_str() {
                push(s, "", &mut out)?;
            }
        }
    }
    if let Some(groups) = project.and_then(|p| p.get("optional-dependencies")).and_then(|d| d.as_table()) {
        for deps in groups.values() {
            for d in deps.as_array().into_iter().flatten() {
                if let Some(s) = d.as_str() {
                    push(s, "optional", &mut out)?;
                }
            }
        }
    }
    Ok(out)
}

fn requirements_txt(text: &str, loc: &str) -> Result<Vec<RootReq>, ResolveError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split(" #").next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{loc}:{}", i + 1);
        if line.starts_with('-') {
            return Err(input_err(at, format!("pip option `{line}` is not supported in requirements files")));
        }
        let mut r = parse_pep508(line).map_err(|m| input_err(&at, m))?;
        r.origin = at;
        out.push(r);
    }
    Ok(out)
}

/// `[packages.<eco>]` tables of a `tusk.toml`: `name = "requirement"`.
pub fn tusk_toml(text: &str, loc: &str) -> Result<BTreeMap<Ecosystem, Vec<RootReq>>, ResolveError> {
    let doc = toml_table(text, loc)?;
    let mut out: BTreeMap<Ecosystem, Vec<RootReq>> = BTreeMap::new();
    let Some(pk) = doc.get("packages").and_then(|p| p.as_table()) else { return Ok(out) };
    for (eco_name, table) in pk {
        let Ok(eco) = eco_name.parse::<Ecosystem>() else { continue };
        let Some(table) = table.as_table() else { continue };
        for (name, v) in table {
            let at = format!("{loc}:{}", line_of(text, name));
            let Some(req) = v.as_str() else {
                return Err(input_err(at, format!("`{name}` must be a requirement string")));
            };
            let mut r = match eco {
                Ecosystem::Pypi => parse_pep508(&format!("{name}{req}")).map_err(|m| input_err(&at, m))?,
                _ => RootReq::new(name.clone(), req),
            };
            r.origin = at;
            out.entry(eco).or_default().push(r);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        let (e, r) = parse_spec("crates:serde[derive]@1").unwrap();
        assert_eq!((e, r.name.as_str(), r.req.as_str(), r.features.clone()), (Ecosystem::Crates, "serde", "1", vec!["derive".to_string()]));
        let (_, r) = parse_spec("npm:@types/node@^20").unwrap();
        assert_eq!((r.name.as_str(), r.req.as_str()), ("@types/node", "^20"));
        let (_, r) = parse_spec("npm:express").unwrap();
        assert_eq!(r.req, "*");
        let e = parse_spec("maven:org.slf4j:slf4j-api@[2.0").unwrap_err().to_string();
        assert_eq!(e, "spec `maven:org.slf4j:slf4j-api@[2.0`: invalid Maven range `[2.0`: unbounded version range (missing ] or ))");
        let (_, r) = parse_spec("pypi:requests[socks]>=2.31; python_version >= '3.9'").unwrap();
        assert_eq!((r.name.as_str(), r.req.as_str(), r.condition.as_deref()), ("requests", ">=2.31", Some("python_version >= '3.9'")));
        assert!(parse_spec("serde@1").is_err());
        assert!(parse_spec("maven:x").is_err());
        let (e, r) = parse_spec("maven:org.slf4j:slf4j-api@[1.7,2.0)").unwrap();
        assert_eq!((e, r.name.as_str(), r.req.as_str()), (Ecosystem::Maven, "org.slf4j:slf4j-api", "[1.7,2.0)"));
        let (_, r) = parse_spec("maven:org.slf4j:slf4j-api:2.0.9").unwrap();
        assert_eq!((r.name.as_str(), r.req.as_str()), ("org.slf4j:slf4j-api", "2.0.9"));
        let (_, r) = parse_spec("maven:org.slf4j:slf4j-api").unwrap();
        assert_eq!(r.req, "*");
        assert!(parse_spec("crates:bad name@1").is_err());
    }

    #[test]
    fn manifests_report_locations() {
        let r = cargo_toml("[package]\nname='x'\n[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\nlocal = { path = \"../l\" }\n[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n", "Cargo.toml").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].origin, "Cargo.toml:4");
        assert_eq!(r[1].condition.as_deref(), Some("cfg(unix)"));
        let e = requirements_txt("flask>=3\n-e .\n", "requirements.txt").unwrap_err();
        assert!(e.to_string().starts_with("requirements.txt:2:"), "{e}");
        let e = cargo_toml("[dependencies]\nserde = 1\n", "Cargo.toml").unwrap_err();
        assert!(e.to_string().starts_with("Cargo.toml:2:"), "{e}");
        let p = package_json("{\n \"dependencies\": {\n  \"express\": \"^4\"\n }\n}", "package.json").unwrap();
        assert_eq!(p[0].origin, "package.json:3");
        let t = tusk_toml("[packages.maven]\n\"org.slf4j:slf4j-api\" = \"[2.0,3.0)\"\n", "tusk.toml").unwrap();
        assert_eq!((t[&Ecosystem::Maven][0].name.as_str(), t[&Ecosystem::Maven][0].req.as_str()), ("org.slf4j:slf4j-api", "[2.0,3.0)"));
        let pom = pom_xml("<project><parent><groupId>g</groupId><artifactId>p</artifactId><version>2</version></parent><artifactId>app</artifactId></project>", "svc/pom.xml").unwrap();
        assert_eq!((pom[0].name.as_str(), pom[0].req.as_str(), pom[0].kind.as_str()), ("svc/pom.xml", "g:app:2", "pom"));
        let e = pom_xml("<project>\n<dependencies><dependency><groupId>g</groupId></dependency></dependencies></project>", "pom.xml").unwrap_err();
        assert_eq!(e.to_string(), "pom.xml: not a valid POM: line 2: <dependency> has no <artifactId>");
    }
}
