//! PEP 508 environment markers: parsing and evaluation against a target environment.

use std::collections::BTreeMap;

/// The values of marker variables for one target (`--python 3.12 --platform
/// manylinux_2_28_x86_64`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerEnv {
    pub vars: BTreeMap<&'static str, String>,
}

impl MarkerEnv {
    /// A CPython environment of `python` (`3.12` or `3.12.4`) on a platform tag.
    pub fn new(python: &str, platform: &str) -> MarkerEnv {
        let parts: Vec<&str> = python.split('.').collect();
        let short = parts.iter().take(2).cloned().collect::<Vec<_>>().join(".");
        let full = if parts.len() >= 3 { python.to_string() } else { format!("{short}.0") };
        let p = platform.to_ascii_lowercase();
        let machine = if p.contains("aarch64") || p.contains("arm64") {
            "aarch64"
        } else if p.contains("x86_64") || p.contains("amd64") {
            "x86_64"
        } else if p.contains("i686") || p.contains("win32") {
            "i686"
        } else {
            "x86_64"
        };
        let (sys_platform, system, os_name) = if p.starts_with("macosx") {
            ("darwin", "Darwin", "posix")
        } else if p.starts_with("win") {
            ("win32", "Windows", "nt")
        } else {
            ("linux", "Linux", "posix")
        };
        let machine = if sys_platform == "darwin" && machine == "aarch64" {
            "arm64"
        } else if sys_platform == "win32" && machine == "x86_64" {
            "AMD64"
        } else {
            machine
        };
        let mut vars = BTreeMap::new();
        vars.insert("python_version", short);
        vars.insert("python_full_version", full.clone());
        vars.insert("implementation_version", full);
        vars.insert("implementation_name", "cpython".into());
        vars.insert("platform_python_implementation", "CPython".into());
        vars.insert("sys_platform", sys_platform.into());
        vars.insert("platform_system", system.into());
        vars.insert("os_name", os_name.into());
        vars.insert("platform_machine", machine.into());
        vars.insert("platform_release", String::new());
        vars.insert("platform_version", String::new());
        MarkerEnv { vars }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Marker {
    And(Vec<Marker>),
    Or(Vec<Marker>),
    Cmp { left: Value, op: String, right: Value },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Var(String),
    Str(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Str(String),
    Word(String),
    Op(String),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::LParen);
            i += 1;
        } else if c == ')' {
            out.push(Tok::RParen);
            i += 1;
        } else if c == '\'' || c == '"' {
            let end = cs[i + 1..].iter().position(|x| *x == c).ok_or_else(|| format!("unterminated string in marker `{s}`"))?;
            out.push(Tok::Str(cs[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
        } else if "<>=!~".contains(c) {
            let mut j = i;
            while j < cs.len() && "<>=!~".contains(cs[j]) {
                j += 1;
            }
            out.push(Tok::Op(cs[i..j].iter().collect()));
            i = j;
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            let mut j = i;
            while j < cs.len() && (cs[j].is_ascii_alphanumeric() || cs[j] == '_' || cs[j] == '.') {
                j += 1;
            }
            out.push(Tok::Word(cs[i..j].iter().collect()));
            i = j;
        } else {
            return Err(format!("unexpected `{c}` in marker `{s}`"));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    src: String,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn or(&mut self) -> Result<Marker, String> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Word("or".into())) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Marker::Or(items) })
    }
    fn and(&mut self) -> Result<Marker, String> {
        let mut items = vec![self.atom()?];
        while self.peek() == Some(&Tok::Word("and".into())) {
            self.pos += 1;
            items.push(self.atom()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Marker::And(items) })
    }
    fn value(&mut self) -> Result<Value, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Value::Str(s)),
            Some(Tok::Word(w)) => Ok(Value::Var(w)),
            other => Err(format!("expected a variable or a string in marker `{}`, found {other:?}", self.src)),
        }
    }
    fn atom(&mut self) -> Result<Marker, String> {
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let m = self.or()?;
            if self.next() != Some(Tok::RParen) {
                return Err(format!("missing `)` in marker `{}`", self.src));
            }
            return Ok(m);
        }
        let left = self.value()?;
        let op = match self.next() {
            Some(Tok::Op(o)) => o,
            Some(Tok::Word(w)) if w == "in" => "in".into(),
            Some(Tok::Word(w)) if w == "not" => match self.next() {
                Some(Tok::Word(w2)) if w2 == "in" => "not in".into(),
                _ => return Err(format!("expected `not in` in marker `{}`", self.src)),
            },
            other => return Err(format!("expected an operator in marker `{}`, found {other:?}", self.src)),
        };
        let right = self.value()?;
        Ok(Marker::Cmp { left, op, right })
    }
}

impl Marker {
    pub fn parse(s: &str) -> Result<Marker, String> {
        let mut p = Parser { toks: lex(s)?, pos: 0, src: s.to_string() };
        let m = p.or()?;
        if p.pos != p.toks.len() {
            return Err(format!("unexpected text at the end of marker `{s}`"));
        }
        Ok(m)
    }

    /// Evaluates against `env`, with `extra` the extra being asked about (None: none).
    pub fn eval(&self, env: &MarkerEnv, extra: Option<&str>) -> bool {
        match self {
            Marker::And(v) => v.iter().all(|m| m.eval(env, extra)),
            Marker::Or(v) => v.iter().any(|m| m.eval(env, extra)),
            Marker::Cmp { left, op, right } => {
                let is_extra = |v: &Value| matches!(v, Value::Var(n) if n == "extra");
                if is_extra(left) || is_extra(right) {
                    let Some(extra) = extra else { return false };
                    let other = if is_extra(left) { right } else { left };
                    let Value::Str(s) = other else { return false };
                    let eq = tusk_index::pypi::normalize(s) == tusk_index::pypi::normalize(extra);
                    return match op.as_str() {
                        "==" => eq,
                        "!=" => !eq,
                        _ => false,
                    };
                }
                let resolve = |v: &Value| -> String {
                    match v {
                        Value::Str(s) => s.clone(),
                        Value::Var(n) => env.vars.get(n.as_str()).cloned().unwrap_or_default(),
                    }
                };
                let (l, r) = (resolve(left), resolve(right));
                match op.as_str() {
                    "in" => r.contains(&l),
                    "not in" => !r.contains(&l),
                    "===" => l == r,
                    _ => {
                        let version_var = |v: &Value| matches!(v, Value::Var(n) if n.ends_with("_version"));
                        if version_var(left) || version_var(right) {
                            // PEP 440 comparison: `python_version >= "3.8"`.
                            let (var_side, lit, op) = if version_var(left) { (l.clone(), r.clone(), op.clone()) } else { (r.clone(), l.clone(), flip(op)) };
                            // packaging evaluates these with `contains(prereleases=True)`.
                            if let (Ok(spec), Ok(v)) = (tusk_pypi::Specifier::parse(&format!("{op}{lit}")), tusk_pypi::Version::parse(&var_side)) {
                                return spec.matches(&v);
                            }
                        }
                        match op.as_str() {
                            "==" => l == r,
                            "!=" => l != r,
                            "<" => l < r,
                            "<=" => l <= r,
                            ">" => l > r,
                            ">=" => l >= r,
                            _ => false,
                        }
                    }
                }
            }
        }
    }

    /// Whether the marker mentions `extra` at all.
    pub fn mentions_extra(&self) -> bool {
        match self {
            Marker::And(v) | Marker::Or(v) => v.iter().any(Marker::mentions_extra),
            Marker::Cmp { left, right, .. } => [left, right].iter().any(|v| matches!(v, Value::Var(n) if n == "extra")),
        }
    }
}

fn flip(op: &str) -> String {
    match op {
        "<" => ">",
        ">" => "<",
        "<=" => ">=",
        ">=" => "<=",
        o => o,
    }
    .to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_markers() {
        let env = MarkerEnv::new("3.12", "manylinux_2_28_x86_64");
        let t = |s: &str, extra: Option<&str>| Marker::parse(s).unwrap().eval(&env, extra);
        assert!(t("python_version >= '3.8'", None));
        assert!(!t("python_version < '3.10'", None));
        assert!(t("sys_platform == 'linux' and platform_machine == 'x86_64'", None));
        assert!(!t("sys_platform == 'win32' or (os_name == 'nt')", None));
        assert!(t("extra == 'socks'", Some("socks")));
        assert!(!t("extra == 'socks'", None));
        assert!(t("python_version >= \"3.9\" and extra == \"SOCKS\"", Some("socks")));
        assert!(t("'linux' in sys_platform", None));
        assert!(t("python_full_version >= '3.12.0'", None));
        assert!(Marker::parse("python_version >").is_err());
        let mac = MarkerEnv::new("3.11", "macosx_14_0_arm64");
        assert!(Marker::parse("platform_machine == 'arm64'").unwrap().eval(&mac, None));
    }
}
