//! PEP 508 requirements and environment markers for the verifier, written apart from the
//! resolver's (`inputs::parse_pep508`, `markers`) so that a bug there is not repeated here.
//! Version comparisons go through `tusk-pypi` (checked against packaging's own test cases);
//! everything else is plain string handling, as packaging's `markers.py` does it.

use std::collections::BTreeMap;
use tusk_pypi::{PrereleaseFlags, SpecifierSet, Version};

/// `name [extras] specifier ; marker`.
pub struct Requirement {
    pub name: String,
    pub extras: Vec<String>,
    pub specifier: String,
    pub marker: Option<Marker>,
}

pub fn parse_requirement(line: &str) -> Result<Requirement, String> {
    let (main, marker) = match line.split_once(';') {
        Some((m, k)) if !k.trim().is_empty() => (m, Some(Marker::parse(k)?)),
        Some((m, _)) => (m, None),
        None => (line, None),
    };
    let main = main.trim();
    let name_len = main.chars().take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).count();
    if name_len == 0 {
        return Err(format!("no project name in `{line}`"));
    }
    let (name, mut rest) = (main[..name_len].to_string(), main[name_len..].trim());
    let mut extras = Vec::new();
    if let Some(inner) = rest.strip_prefix('[') {
        let (list, after) = inner.split_once(']').ok_or_else(|| format!("`[` without `]` in `{line}`"))?;
        extras = list.split(',').map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect();
        rest = after.trim();
    }
    if rest.starts_with('@') {
        return Err(format!("a direct URL in `{line}`"));
    }
    let specifier = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')).unwrap_or(rest).trim().to_string();
    Ok(Requirement { name, extras, specifier, marker })
}

/// The marker variables of CPython `python` (`3.12`, `3.12.4`) on a wheel platform tag.
pub fn environment(python: &str, platform: &str) -> BTreeMap<&'static str, String> {
    let minor: String = python.split('.').take(2).collect::<Vec<_>>().join(".");
    let full = if python.split('.').count() >= 3 { python.to_string() } else { format!("{minor}.0") };
    let tag = platform.to_ascii_lowercase();
    let (sys_platform, system, os_name) = match () {
        _ if tag.starts_with("macosx") => ("darwin", "Darwin", "posix"),
        _ if tag.starts_with("win") => ("win32", "Windows", "nt"),
        _ => ("linux", "Linux", "posix"),
    };
    let arm = tag.contains("aarch64") || tag.contains("arm64");
    let machine = match sys_platform {
        "darwin" if arm => "arm64",
        "win32" if tag.ends_with("amd64") => "AMD64",
        _ if arm => "aarch64",
        _ if tag.contains("i686") || tag == "win32" => "i686",
        _ => "x86_64",
    };
    BTreeMap::from([
        ("python_version", minor),
        ("python_full_version", full.clone()),
        ("implementation_version", full),
        ("implementation_name", "cpython".to_string()),
        ("platform_python_implementation", "CPython".to_string()),
        ("sys_platform", sys_platform.to_string()),
        ("platform_system", system.to_string()),
        ("os_name", os_name.to_string()),
        ("platform_machine", machine.to_string()),
        ("platform_release", String::new()),
        ("platform_version", String::new()),
    ])
}

/// A marker expression: `or` of `and` of comparisons.
pub enum Marker {
    Any(Vec<Marker>),
    All(Vec<Marker>),
    Compare(Operand, String, Operand),
}

pub enum Operand {
    Variable(String),
    Literal(String),
}

/// Extra names compare normalised (PEP 685).
fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

impl Marker {
    pub fn parse(text: &str) -> Result<Marker, String> {
        let tokens = tokenize(text)?;
        let mut pos = 0;
        let m = parse_or(&tokens, &mut pos)?;
        if pos != tokens.len() {
            return Err(format!("unexpected `{}` in marker `{text}`", tokens[pos]));
        }
        Ok(m)
    }

    pub fn names_extra(&self) -> bool {
        match self {
            Marker::Any(ms) | Marker::All(ms) => ms.iter().any(Marker::names_extra),
            Marker::Compare(l, _, r) => [l, r].iter().any(|o| matches!(o, Operand::Variable(v) if v == "extra")),
        }
    }

    /// True when the marker holds in `env` with `extra` requested (none: the empty string,
    /// which no `extra == …` matches).
    pub fn holds(&self, env: &BTreeMap<&'static str, String>, extra: Option<&str>) -> bool {
        match self {
            Marker::Any(ms) => ms.iter().any(|m| m.holds(env, extra)),
            Marker::All(ms) => ms.iter().all(|m| m.holds(env, extra)),
            Marker::Compare(l, op, r) => {
                let is_extra = [l, r].iter().any(|o| matches!(o, Operand::Variable(v) if v == "extra"));
                let value = |o: &Operand| -> String {
                    let s = match o {
                        Operand::Variable(v) if v == "extra" => extra.unwrap_or("").to_string(),
                        Operand::Variable(v) => env.get(v.as_str()).cloned().unwrap_or_default(),
                        Operand::Literal(s) => s.clone(),
                    };
                    if is_extra { normalize(&s) } else { s }
                };
                compare(&value(l), op, &value(r))
            }
        }
    }
}

/// packaging's rule: a version comparison when the right side is a version, else strings.
fn compare(left: &str, op: &str, right: &str) -> bool {
    match op {
        "in" => return right.contains(left),
        "not in" => return !right.contains(left),
        _ => {}
    }
    if let (Ok(set), Ok(v)) = (SpecifierSet::parse(&format!("{op}{right}")), Version::parse(left)) {
        return set.contains(&v, PrereleaseFlags { call: Some(true), ..Default::default() });
    }
    match op {
        "==" | "===" => left == right,
        "!=" => left != right,
        _ => false,
    }
}

fn tokenize(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' || c == ')' {
            out.push(c.to_string());
            chars.next();
        } else if c == '\'' || c == '"' {
            chars.next();
            let lit: String = chars.by_ref().take_while(|&x| x != c).collect();
            out.push(format!("{c}{lit}"));
        } else if "=!<>~".contains(c) {
            let op: String = std::iter::from_fn(|| chars.next_if(|x| "=!<>~".contains(*x))).collect();
            out.push(op);
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            let word: String = std::iter::from_fn(|| chars.next_if(|x| x.is_ascii_alphanumeric() || *x == '_' || *x == '.')).collect();
            out.push(word);
        } else {
            return Err(format!("unexpected `{c}` in marker `{text}`"));
        }
    }
    Ok(out)
}

fn parse_or(t: &[String], pos: &mut usize) -> Result<Marker, String> {
    let mut parts = vec![parse_and(t, pos)?];
    while t.get(*pos).is_some_and(|w| w == "or") {
        *pos += 1;
        parts.push(parse_and(t, pos)?);
    }
    Ok(if parts.len() == 1 { parts.remove(0) } else { Marker::Any(parts) })
}

fn parse_and(t: &[String], pos: &mut usize) -> Result<Marker, String> {
    let mut parts = vec![parse_atom(t, pos)?];
    while t.get(*pos).is_some_and(|w| w == "and") {
        *pos += 1;
        parts.push(parse_atom(t, pos)?);
    }
    Ok(if parts.len() == 1 { parts.remove(0) } else { Marker::All(parts) })
}

fn parse_atom(t: &[String], pos: &mut usize) -> Result<Marker, String> {
    if t.get(*pos).is_some_and(|w| w == "(") {
        *pos += 1;
        let m = parse_or(t, pos)?;
        if t.get(*pos).is_none_or(|w| w != ")") {
            return Err("`(` without `)` in a marker".into());
        }
        *pos += 1;
        return Ok(m);
    }
    let left = operand(t, pos)?;
    let op = match t.get(*pos).map(String::as_str) {
        Some("not") if t.get(*pos + 1).is_some_and(|w| w == "in") => {
            *pos += 2;
            "not in".to_string()
        }
        Some(o @ ("in" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "~=" | "===")) => {
            *pos += 1;
            o.to_string()
        }
        other => return Err(format!("expected a comparison, found {other:?}")),
    };
    let right = operand(t, pos)?;
    Ok(Marker::Compare(left, op, right))
}

fn operand(t: &[String], pos: &mut usize) -> Result<Operand, String> {
    let w = t.get(*pos).ok_or("a marker ends too early")?;
    *pos += 1;
    Ok(match w.chars().next() {
        Some(q @ ('\'' | '"')) => Operand::Literal(w[q.len_utf8()..].to_string()),
        _ => Operand::Variable(w.to_string()),
    })
}
