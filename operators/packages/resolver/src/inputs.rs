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
        Ecosystem::Rubygems => parse_gem_spec(rest).map_err(|m| input_err(&loc, m))?,
        other => return Err(input_err(loc, format!("{other} is not resolved against a live registry yet (supported: crates, npm, pypi, maven, gem)"))),
    };
    req.origin = "command line".into();
    Ok((eco, req))
}

fn valid_name(n: &str, extra: &[char]) -> bool {
    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || extra.contains(&c))
}

/// A name as it may be shown in a message: control characters (a NUL from a manifest) escaped,
/// so the name shown is the name refused.
fn shown(name: &str) -> String {
    name.escape_debug().to_string()
}

/// The crate-name rule of `crates:` specs, also applied to names from Cargo.toml and tusk.toml
/// (a name becomes a path of the crates index URL).
fn check_crate_name(name: &str) -> Result<(), String> {
    if valid_name(name, &[]) { Ok(()) } else { Err(format!("`{}` is not a valid crate name", shown(name))) }
}

/// The npm-name rule of `npm:` specs (`name` or `@scope/name`), also applied to names from
/// package.json and tusk.toml (a name becomes the registry URL path).
fn check_npm_name(name: &str) -> Result<(), String> {
    let bare = name.strip_prefix('@').map(|n| n.replacen('/', "", 1)).unwrap_or(name.to_string());
    if !valid_name(&bare, &['.']) || bare.starts_with('.') || (name.starts_with('@') && !name.contains('/')) {
        return Err(format!("`{}` is not a valid npm package name", shown(name)));
    }
    Ok(())
}

/// `name[feat,..]@req`.
fn parse_crate_spec(s: &str) -> Result<RootReq, String> {
    let (head, req) = match s.split_once('@') {
        Some((h, r)) => (h, r.trim()),
        None => (s, "*"),
    };
    let (name, features) = split_brackets(head)?;
    check_crate_name(name)?;
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
    check_npm_name(&name)?;
    Ok(RootReq::new(name, if range.trim().is_empty() { "*" } else { range.trim() }))
}

/// `gem:name@requirement` (`gem:rails@~> 7.1.0`, `gem:rack@>= 2, < 4`); no requirement is `>= 0`.
/// The name becomes a path of the compact index (`info/<name>`).
fn parse_gem_spec(s: &str) -> Result<RootReq, String> {
    let (name, req) = s.split_once('@').map(|(n, r)| (n.trim(), r.trim())).unwrap_or((s.trim(), ""));
    if !valid_name(name, &['.']) || name.starts_with('.') {
        return Err(format!("`{}` is not a valid gem name", shown(name)));
    }
    let req = if req.is_empty() { ">= 0" } else { req };
    tusk_rubygems::Requirement::parse(req).map_err(|e| format!("invalid gem requirement `{req}`: {e}"))?;
    Ok(RootReq::new(name, req))
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
        return Err(format!("`{}` does not start with a package name", shown(s)));
    }
    // PEP 508: a name starts and ends with a letter or digit (so `..` is not one).
    if !(name.starts_with(|c: char| c.is_ascii_alphanumeric()) && name.ends_with(|c: char| c.is_ascii_alphanumeric())) {
        return Err(format!("`{}` is not a valid package name (PEP 508: letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit)", shown(name)));
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
pub const MANIFEST_NAMES: &[&str] = &["Cargo.toml", "package.json", "pyproject.toml", "requirements.txt", "pom.xml", "Gemfile"];

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
    let loc = path.strip_prefix(".").unwrap_or(path).display().to_string();
    let text = read_capped(path, &loc)?;
    let fname = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (ecosystem, requirements) = match fname.as_str() {
        "Cargo.toml" => (Ecosystem::Crates, cargo_toml(&text, &loc)?),
        "package.json" => (Ecosystem::Npm, package_json(&text, &loc)?),
        "pyproject.toml" => (Ecosystem::Pypi, pyproject(&text, &loc)?),
        n if n.ends_with(".txt") => (Ecosystem::Pypi, requirements_txt(&text, &loc)?),
        n if n == "pom.xml" || n.ends_with(".pom") => (Ecosystem::Maven, pom_xml(&text, &loc)?),
        n if n == "Gemfile" || n.starts_with("Gemfile.") && !n.contains(".lock") => (Ecosystem::Rubygems, crate::rubygems::read_gemfile(&text, &loc)?.requirements),
        _ => return Err(input_err(loc, "not a manifest tusk knows (Cargo.toml, package.json, pyproject.toml, requirements.txt, pom.xml, Gemfile)")),
    };
    Ok(Manifest { path: path.to_path_buf(), ecosystem, requirements })
}

/// Largest manifest read (package.json, Cargo.toml, pyproject.toml, requirements.txt, pom.xml,
/// tusk.toml): real ones are kilobytes (a monorepo's package.json is well under 1 MiB), and
/// parsing costs several times the size in memory, so 16 MiB leaves room for any real file
/// while a runaway or hostile one is refused before it is read whole.
pub const MAX_MANIFEST_BYTES: u64 = 16 << 20;

/// Reads `path` as UTF-8 text of at most [`MAX_MANIFEST_BYTES`] (reading one byte more tells
/// that there was more, whatever the metadata says: a FIFO or /proc file has no size).
pub fn read_capped(path: &Path, loc: &str) -> Result<String, ResolveError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| input_err(loc, e.to_string()))?;
    let mut buf = Vec::new();
    file.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut buf).map_err(|e| input_err(loc, e.to_string()))?;
    if buf.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(input_err(loc, format!("larger than {} MiB, the most tusk reads as a manifest (is this the right file?)", MAX_MANIFEST_BYTES >> 20)));
    }
    String::from_utf8(buf).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        input_err(format!("{loc}:{line}"), format!("not UTF-8 text (invalid byte at offset {at})"))
    })
}

/// The first line holding `needle` as written or, for a key with control characters (a NUL),
/// as TOML and JSON escape it (`\u0000`); 1 when neither is found.
fn line_of(text: &str, needle: &str) -> usize {
    let escaped = |upper: bool| -> String {
        needle.chars().map(|c| if c.is_control() { if upper { format!("\\u{:04X}", c as u32) } else { format!("\\u{:04x}", c as u32) } } else { c.to_string() }).collect()
    };
    [needle.to_string(), escaped(false), escaped(true)]
        .iter()
        .find_map(|n| text.lines().position(|l| l.contains(n.as_str())))
        .map(|i| i + 1)
        .unwrap_or(1)
}

fn toml_table(text: &str, loc: &str) -> Result<toml::Table, ResolveError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1)).unwrap_or(1);
        input_err(format!("{loc}:{line}"), e.message().to_string())
    })
}

/// The dependency tables of a Cargo.toml (`None` when absent); a key of the wrong type is an
/// error naming it rather than a table silently skipped.
fn dep_tables<'a>(t: &'a toml::Table, prefix: &str, text: &str, loc: &str) -> Result<Vec<(&'static str, &'a toml::Table)>, ResolveError> {
    let mut out = Vec::new();
    for (key, kind) in [("dependencies", "normal"), ("dev-dependencies", "dev"), ("build-dependencies", "build")] {
        match t.get(key) {
            None => {}
            Some(toml::Value::Table(d)) => out.push((kind, d)),
            Some(_) => return Err(input_err(format!("{loc}:{}", line_of(text, key)), format!("`{prefix}{key}` must be a table"))),
        }
    }
    Ok(out)
}

fn cargo_toml(text: &str, loc: &str) -> Result<Vec<RootReq>, ResolveError> {
    let doc = toml_table(text, loc)?;
    let mut out = Vec::new();
    let mut tables: Vec<(Option<String>, &str, &toml::Table)> = Vec::new();
    for (kind, t) in dep_tables(&doc, "", text, loc)? {
        tables.push((None, kind, t));
    }
    match doc.get("target") {
        None => {}
        Some(toml::Value::Table(targets)) => {
            for (cond, t) in targets {
                let Some(t) = t.as_table() else {
                    return Err(input_err(format!("{loc}:{}", line_of(text, cond)), format!("`target.{cond}` must be a table")));
                };
                for (kind, t) in dep_tables(t, &format!("target.{cond}."), text, loc)? {
                    tables.push((Some(cond.clone()), kind, t));
                }
            }
        }
        Some(_) => return Err(input_err(format!("{loc}:{}", line_of(text, "target")), "`target` must be a table")),
    }
    for (cond, kind, table) in tables {
        for (name, spec) in table {
            let at = format!("{loc}:{}", line_of(text, name));
            check_crate_name(name).map_err(|m| input_err(&at, m))?;
            let mut r = RootReq::new(name.clone(), "*");
            r.kind = if kind == "normal" { String::new() } else { kind.to_string() };
            r.condition = cond.clone();
            r.origin = at.clone();
            match spec {
                toml::Value::String(s) => r.req = s.clone(),
                toml::Value::Table(t) => {
                    // Every key read must have the type Cargo gives it: `version = 1` is not
                    // "any version", it is a mistake.
                    let wrong = |key: &str, ty: &str| input_err(&at, format!("`{}.{key}` must be {ty}", shown(name)));
                    let string = |key: &str| match t.get(key) {
                        None => Ok(None),
                        Some(toml::Value::String(s)) => Ok(Some(s.clone())),
                        Some(_) => Err(wrong(key, "a string")),
                    };
                    let boolean = |key: &str| match t.get(key) {
                        None => Ok(None),
                        Some(toml::Value::Boolean(b)) => Ok(Some(*b)),
                        Some(_) => Err(wrong(key, "true or false")),
                    };
                    let version = string("version")?;
                    if (t.contains_key("path") || t.contains_key("git")) && version.is_none() {
                        continue; // path/git dependencies are not registry packages
                    }
                    if t.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
                        return Err(input_err(at, format!("`{name}.workspace = true`: resolve the workspace root's Cargo.toml instead")));
                    }
                    r.req = version.unwrap_or_else(|| "*".into());
                    r.features = match t.get("features") {
                        None => Vec::new(),
                        Some(toml::Value::Array(a)) => {
                            a.iter().map(|f| f.as_str().map(str::to_string).ok_or_else(|| wrong("features", "an array of strings"))).collect::<Result<_, _>>()?
                        }
                        Some(_) => return Err(wrong("features", "an array of strings")),
                    };
                    let default_features = match boolean("default-features")? {
                        Some(b) => Some(b),
                        None => boolean("default_features")?,
                    };
                    r.default_features = default_features.unwrap_or(true);
                    r.package = string("package")?;
                    if let Some(p) = &r.package {
                        check_crate_name(p).map_err(|m| input_err(&at, m))?;
                    }
                    if boolean("optional")? == Some(true) {
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
    let json_err = |e: serde_json::Error| input_err(format!("{loc}:{}:{}", e.line(), e.column()), e.to_string());
    // JSON.parse (and so npm) keeps the last of two equal keys; serde_json does too. A
    // dependency given twice is a mistake whichever one was meant: refuse it, with where.
    serde_json::from_str::<NoDuplicateKeys>(text).map_err(json_err)?;
    let v: serde_json::Value = serde_json::from_str(text).map_err(json_err)?;
    let mut out = Vec::new();
    for (key, kind) in [("dependencies", ""), ("devDependencies", "dev"), ("optionalDependencies", "optional"), ("peerDependencies", "peer")] {
        let Some(map) = v.get(key) else { continue };
        let Some(map) = map.as_object() else {
            return Err(input_err(format!("{loc}:{}", line_of(text, key)), format!("`{key}` must be an object")));
        };
        for (name, range) in map {
            let at = format!("{loc}:{}", line_of(text, &format!("\"{name}\"")));
            let Some(range) = range.as_str() else {
                return Err(input_err(at, format!("the range of `{}` must be a string", shown(name))));
            };
            check_npm_name(name).map_err(|m| input_err(&at, m))?;
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
    let project = match doc.get("project") {
        None => None,
        Some(toml::Value::Table(p)) => Some(p),
        Some(_) => return Err(input_err(format!("{loc}:{}", line_of(text, "project")), "`project` must be a table")),
    };
    let push = |s: &str, kind: &str, out: &mut Vec<RootReq>| -> Result<(), ResolveError> {
        let at = format!("{loc}:{}", line_of(text, s));
        let mut r = parse_pep508(s).map_err(|m| input_err(&at, m))?;
        r.kind = kind.to_string();
        r.origin = at;
        out.push(r);
        Ok(())
    };
    let line = |key: &str| format!("{loc}:{}", line_of(text, key));
    // A list that is not a list of strings is an error naming it, not a list skipped.
    let strings = |v: &toml::Value, key: &str| -> Result<Vec<String>, ResolveError> {
        let Some(a) = v.as_array() else { return Err(input_err(line(key.rsplit('.').next().unwrap_or(key)), format!("`{key}` must be an array of requirement strings"))) };
        a.iter()
            .enumerate()
            .map(|(i, d)| d.as_str().map(str::to_string).ok_or_else(|| input_err(line(key.rsplit('.').next().unwrap_or(key)), format!("item {} of `{key}` must be a string (a PEP 508 requirement)", i + 1))))
            .collect()
    };
    if let Some(deps) = project.and_then(|p| p.get("dependencies")) {
        for d in strings(deps, "project.dependencies")? {
            push(&d, "", &mut out)?;
        }
    }
    match project.and_then(|p| p.get("optional-dependencies")) {
        None => {}
        Some(toml::Value::Table(groups)) => {
            for (group, deps) in groups {
                for d in strings(deps, &format!("project.optional-dependencies.{group}"))? {
                    push(&d, "optional", &mut out)?;
                }
            }
        }
        Some(_) => return Err(input_err(line("optional-dependencies"), "`project.optional-dependencies` must be a table of arrays")),
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
    let pk = match doc.get("packages") {
        None => return Ok(out),
        Some(toml::Value::Table(p)) => p,
        Some(_) => return Err(input_err(format!("{loc}:{}", line_of(text, "packages")), "`packages` must be a table of `[packages.<ecosystem>]` tables")),
    };
    for (eco_name, table) in pk {
        let Ok(eco) = eco_name.parse::<Ecosystem>() else { continue };
        let Some(table) = table.as_table() else {
            return Err(input_err(
                format!("{loc}:{}", line_of(text, eco_name)),
                format!("`packages.{eco_name}` must be a table of `name = \"requirement\"` (e.g. [packages.{eco_name}] with one line per package)"),
            ));
        };
        for (name, v) in table {
            let at = format!("{loc}:{}", line_of(text, name));
            let Some(req) = v.as_str() else {
                return Err(input_err(at, format!("`{}` must be a requirement string", shown(name))));
            };
            let mut r = match eco {
                Ecosystem::Pypi => parse_pep508(&format!("{name}{req}")).map_err(|m| input_err(&at, m))?,
                Ecosystem::Crates => {
                    check_crate_name(name).map_err(|m| input_err(&at, m))?;
                    RootReq::new(name.clone(), req)
                }
                Ecosystem::Npm => {
                    check_npm_name(name).map_err(|m| input_err(&at, m))?;
                    RootReq::new(name.clone(), req)
                }
                _ => RootReq::new(name.clone(), req),
            };
            r.origin = at;
            out.entry(eco).or_default().push(r);
        }
    }
    Ok(out)
}

/// Parses any JSON and fails on the second of two equal keys in an object (serde_json's
/// `Value` keeps the last one silently); the error carries serde_json's line and column.
struct NoDuplicateKeys;

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeys)
    }
}

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeys {
    type Value = NoDuplicateKeys;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(self)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!("duplicate key `{}` (JSON.parse would keep only the last one)", shown(&key))));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(self)
    }
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

    #[test]
    fn manifest_names_and_types_are_checked() {
        let e = package_json("{\"dependencies\":{\"a\\u0000b\":\"^1\"}}", "package.json").unwrap_err().to_string();
        assert_eq!(e, "package.json:1: `a\\0b` is not a valid npm package name");
        let e = package_json("{\"dependencies\":{\"express\":\"^4\",\"express\":\"^5\"}}", "package.json").unwrap_err().to_string();
        assert!(e.starts_with("package.json:1:") && e.contains("duplicate key `express`"), "{e}");
        let e = cargo_toml("[dependencies]\n\"../../x\" = \"1\"\n", "Cargo.toml").unwrap_err().to_string();
        assert_eq!(e, "Cargo.toml:2: `../../x` is not a valid crate name");
        let e = cargo_toml("[dependencies]\nserde = { version = 1 }\n", "Cargo.toml").unwrap_err().to_string();
        assert_eq!(e, "Cargo.toml:2: `serde.version` must be a string");
        let e = cargo_toml("[dependencies]\nserde = { version = \"1\", features = \"derive\" }\n", "Cargo.toml").unwrap_err().to_string();
        assert_eq!(e, "Cargo.toml:2: `serde.features` must be an array of strings");
        let e = pyproject("[project]\ndependencies = \"requests\"\n", "pyproject.toml").unwrap_err().to_string();
        assert_eq!(e, "pyproject.toml:2: `project.dependencies` must be an array of requirement strings");
        let e = pyproject("[project]\ndependencies = [\"a\", 7]\n", "pyproject.toml").unwrap_err().to_string();
        assert!(e.starts_with("pyproject.toml:2: item 2 of `project.dependencies` must be a string"), "{e}");
        let e = requirements_txt("../../x\n", "requirements.txt").unwrap_err().to_string();
        assert!(e.starts_with("requirements.txt:1: `..` is not a valid package name"), "{e}");
        let e = tusk_toml("[packages]\nnpm = \"express\"\n", "tusk.toml").unwrap_err().to_string();
        assert!(e.starts_with("tusk.toml:2: `packages.npm` must be a table"), "{e}");
        let e = cargo_toml("[package]\nname = \"app\"\n[dependencies]\n\"a\\u0000b\" = \"1\"\n", "Cargo.toml").unwrap_err().to_string();
        assert_eq!(e, "Cargo.toml:4: `a\\0b` is not a valid crate name");
        assert!(tusk_toml("[packages.crates]\n\"../x\" = \"1\"\n", "tusk.toml").is_err());
    }
}
