//! composer/semver's `VersionParser`: `normalize`, `normalizeBranch`, `parseStability`,
//! `parseConstraints`. The regular expressions are upstream's, with PCRE's possessive
//! quantifiers written as plain ones (every one of them is followed by a character class it
//! cannot overlap with, so the matches are the same) and the lookaround-based AND split
//! written out by hand.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::ComposerError;
use crate::constraint::{Constraint, ConstraintSet, Op};

const MODIFIER: &str = r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?[0-9]+)*)?)?([.-]?dev)?";
const STABILITIES: &str = "stable|RC|beta|alpha|dev";
/// PCRE's `\s` (ASCII).
const S: &str = r"[\t\n\x0B\x0C\r ]";
const NS: &str = r"[^\t\n\x0B\x0C\r ]";

fn re(p: &str) -> Regex {
    // Patterns are constants of this file; a typo is caught by every test.
    Regex::new(p).unwrap_or_else(|e| unreachable!("bad built-in regex {p}: {e}"))
}

static ALIAS: LazyLock<Regex> = LazyLock::new(|| re(r"^([^,\t\n\x0B\x0C\r ]+) +as +([^,\t\n\x0B\x0C\r ]+)$"));
static FLAG_SUFFIX: LazyLock<Regex> = LazyLock::new(|| re(&format!("(?i)@(?:{STABILITIES})$")));
static BUILD_META: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"^([^,\t\n\x0B\x0C\r +]+)\+{NS}+$")));
static CLASSICAL: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"(?i)^v?([0-9]{{1,5}})(\.[0-9]+)?(\.[0-9]+)?(\.[0-9]+)?{MODIFIER}$")));
static DATE: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"(?i)^v?([0-9]{{4}}(?:[.:-]?[0-9]{{2}}){{1,6}}(?:[.:-]?[0-9]{{1,3}}){{0,2}}){MODIFIER}$")));
static DEV_BRANCH: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)(.*?)[.-]?dev$"));
static BRANCH: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^v?([0-9]+)(\.(?:[0-9]+|[xX*]))?(\.(?:[0-9]+|[xX*]))?(\.(?:[0-9]+|[xX*]))?$"));
static STABILITY_TAIL: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i){MODIFIER}(?:\+.*)?$")));
static HASH_TAIL: LazyLock<Regex> = LazyLock::new(|| re(r"#.+$"));
static OR_SPLIT: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"{S}*\|\|?{S}*")));
static C_FLAG: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)^([^,\t\n\x0B\x0C\r ]*?)@({STABILITIES})$")));
static C_REF: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(dev-[^,\t\n\x0B\x0C\r @]+?|[^,\t\n\x0B\x0C\r @]+?\.x-dev)#.+$"));
static C_WILDCARD: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^(v)?[xX*](\.[xX*])*$"));
fn version_regex() -> String {
    format!(r"v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:\.([0-9]+))?(?:{MODIFIER}|\.([xX*][.-]?dev))(?:\+{NS}+)?")
}
static C_TILDE: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)^~>?{}$", version_regex())));
static C_CARET: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)^\^{}()$", version_regex())));
static C_XRANGE: LazyLock<Regex> = LazyLock::new(|| re(r"^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:\.[xX*])+$"));
static C_HYPHEN: LazyLock<Regex> = LazyLock::new(|| {
    let v = version_regex();
    re(&format!(r"(?i)^(?P<from>{v}) +- +(?P<to>{v})()$"))
});
static C_BASIC: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"^(<>|!=|>=?|<=?|==?)?{S}*(.*)")));
static C_DASH_MODIFIER: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"-{MODIFIER}$")));
static RECOVER_DEV: LazyLock<Regex> = LazyLock::new(|| re(r"^[0-9a-zA-Z./-]+$"));

/// PHP `trim()`: space, tab, LF, CR, NUL, VT.
pub fn php_trim(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0B'))
}

/// A capture as PHP sees it: unmatched groups are empty strings.
fn g<'a>(c: &Captures<'a>, i: usize) -> &'a str {
    c.get(i).map_or("", |m| m.as_str())
}

/// PHP `empty()` on a capture: `""` and `"0"` are empty.
fn empty(s: &str) -> bool {
    s.is_empty() || s == "0"
}

fn expand_stability(s: &str) -> String {
    let l = s.to_ascii_lowercase();
    match l.as_str() {
        "a" => "alpha".into(),
        "b" => "beta".into(),
        "p" | "pl" => "patch".into(),
        "rc" => "RC".into(),
        _ => l,
    }
}

/// The common case without a regex: `v?N(.N){0,3}` with a first part of at most five digits
/// is exactly what the classical pattern pads to four parts (no alias, flag, branch, metadata
/// or modifier can be present in such a string).
fn normalize_plain(s: &str) -> Option<String> {
    let t = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let mut parts = t.split('.');
    let first = parts.next()?;
    if first.is_empty() || first.len() > 5 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = String::with_capacity(t.len() + 6);
    out.push_str(first);
    let mut n = 1;
    for p in parts {
        if n == 4 || p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push('.');
        out.push_str(p);
        n += 1;
    }
    for _ in n..4 {
        out.push_str(".0");
    }
    Some(out)
}

/// `VersionParser::normalize`.
pub fn normalize(input: &str) -> Result<String, ComposerError> {
    let bad = || ComposerError::InvalidVersion(input.to_string());
    if let Some(fast) = normalize_plain(php_trim(input)) {
        return Ok(fast);
    }
    let mut version: String = php_trim(input).to_string();
    if let Some(c) = ALIAS.captures(&version) {
        version = g(&c, 1).to_string();
    }
    if let Some(m) = FLAG_SUFFIX.find(&version) {
        version.truncate(m.start());
    }
    if matches!(version.as_str(), "master" | "trunk" | "default") {
        version = format!("dev-{version}");
    }
    if version.len() >= 4 && version.is_char_boundary(4) && version[..4].eq_ignore_ascii_case("dev-") {
        return Ok(format!("dev-{}", &version[4..]));
    }
    if let Some(c) = BUILD_META.captures(&version) {
        version = g(&c, 1).to_string();
    }
    let matched = if let Some(c) = CLASSICAL.captures(&version) {
        let mut v = g(&c, 1).to_string();
        for i in 2..=4 {
            v.push_str(if g(&c, i).is_empty() { ".0" } else { g(&c, i) });
        }
        Some((v, c, 5))
    } else if let Some(c) = DATE.captures(&version) {
        let v: String = g(&c, 1).chars().map(|ch| if ch.is_ascii_digit() { ch } else { '.' }).collect();
        Some((v, c, 2))
    } else {
        None
    };
    if let Some((mut v, c, index)) = matched {
        let stab = g(&c, index);
        if !empty(stab) {
            if stab == "stable" {
                return Ok(v);
            }
            v.push('-');
            v.push_str(&expand_stability(stab));
            v.push_str(g(&c, index + 1).trim_start_matches(['.', '-']));
        }
        if !empty(g(&c, index + 2)) {
            v.push_str("-dev");
        }
        return Ok(v);
    }
    if let Some(c) = DEV_BRANCH.captures(&version)
        && let Ok(n) = normalize_branch(g(&c, 1))
        && !n.contains("dev-")
    {
        return Ok(n);
    }
    Err(bad())
}

/// `VersionParser::normalizeBranch`.
pub fn normalize_branch(name: &str) -> Result<String, ComposerError> {
    let name = php_trim(name);
    if let Some(c) = BRANCH.captures(name) {
        let mut v = String::new();
        for i in 1..5 {
            match c.get(i) {
                Some(m) => v.push_str(&m.as_str().replace(['*', 'X'], "x")),
                None => v.push_str(".x"),
            }
        }
        return Ok(format!("{}-dev", v.replace('x', "9999999")));
    }
    Ok(format!("dev-{name}"))
}

/// A package stability, least stable last (Composer's numeric values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stability {
    Stable = 0,
    RC = 5,
    Beta = 10,
    Alpha = 15,
    Dev = 20,
}

impl Stability {
    pub fn as_str(self) -> &'static str {
        match self {
            Stability::Stable => "stable",
            Stability::RC => "RC",
            Stability::Beta => "beta",
            Stability::Alpha => "alpha",
            Stability::Dev => "dev",
        }
    }

    /// `normalizeStability` then lookup; `None` for an unknown name.
    pub fn parse(s: &str) -> Option<Stability> {
        Some(match normalize_stability(s).as_str() {
            "stable" => Stability::Stable,
            "RC" => Stability::RC,
            "beta" => Stability::Beta,
            "alpha" => Stability::Alpha,
            "dev" => Stability::Dev,
            _ => return None,
        })
    }
}

/// `VersionParser::normalizeStability`.
pub fn normalize_stability(s: &str) -> String {
    let l = s.to_lowercase();
    if l == "rc" { "RC".into() } else { l }
}

/// `VersionParser::parseStability`.
pub fn parse_stability(version: &str) -> Stability {
    let version = HASH_TAIL.replace(version, "");
    if version.starts_with("dev-") || version.ends_with("-dev") {
        return Stability::Dev;
    }
    let lower = version.to_lowercase();
    let Some(c) = STABILITY_TAIL.captures(&lower) else { return Stability::Stable };
    if !empty(g(&c, 3)) {
        return Stability::Dev;
    }
    match g(&c, 1) {
        "beta" | "b" => Stability::Beta,
        "alpha" | "a" => Stability::Alpha,
        "rc" => Stability::RC,
        _ => Stability::Stable,
    }
}

/// The AND split `(?<!^|as|[=>< ,]) *(?<!-)[, ](?!-) *(?!,|as|$)`, by hand (the regex crate
/// has no lookaround). Returns the pieces between matches.
fn and_split(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let n = b.len();
    let mut pieces = Vec::new();
    let mut last = 0;
    let mut p = 0;
    'outer: while p <= n {
        let ok_before = p > 0 && !(p >= 2 && &b[p - 2..p] == b"as") && !matches!(b[p - 1], b'=' | b'>' | b'<' | b' ' | b',');
        if ok_before {
            let spaces = b[p..].iter().take_while(|c| **c == b' ').count();
            for k in (0..=spaces).rev() {
                let q = p + k;
                if q >= n || !matches!(b[q], b',' | b' ') {
                    continue;
                }
                let before_q = if q > 0 { b[q - 1] } else { 0 };
                if q == 0 || before_q == b'-' {
                    continue;
                }
                if q + 1 < n && b[q + 1] == b'-' {
                    continue;
                }
                let trailing = b[q + 1..].iter().take_while(|c| **c == b' ').count();
                for m in (0..=trailing).rev() {
                    let r = q + 1 + m;
                    let at_end = r >= n;
                    let next_comma = !at_end && b[r] == b',';
                    let next_as = r + 2 <= n && &b[r..r + 2] == b"as";
                    if !at_end && !next_comma && !next_as {
                        pieces.push(&s[last..p]);
                        last = r;
                        p = r;
                        continue 'outer;
                    }
                }
            }
        }
        p += 1;
    }
    pieces.push(&s[last..]);
    pieces
}

/// PHP integer arithmetic on a version part (`"09" + 1` is `10`).
fn increment(part: &str) -> String {
    let t = part.trim_start_matches('0');
    let mut v: Vec<u8> = if t.is_empty() { vec![b'0'] } else { t.bytes().collect() };
    let mut i = v.len();
    loop {
        if i == 0 {
            v.insert(0, b'1');
            break;
        }
        i -= 1;
        if v[i] == b'9' {
            v[i] = b'0';
        } else {
            v[i] += 1;
            break;
        }
    }
    String::from_utf8(v).unwrap_or_default()
}

/// `manipulateVersionString($matches, $position, $increment)` with parts 1..=4.
fn manipulate(parts: [&str; 4], position: usize, increment_it: bool) -> String {
    let mut out: [String; 4] = parts.map(str::to_string);
    for i in (1..=4).rev() {
        if i > position {
            out[i - 1] = "0".into();
        } else if i == position && increment_it {
            out[i - 1] = increment(&out[i - 1]);
        }
    }
    out.join(".")
}

fn parse_constraint(input: &str) -> Result<Vec<ConstraintSet>, ComposerError> {
    let fail = |why: &str| ComposerError::InvalidConstraint { input: input.to_string(), reason: why.to_string() };
    let mut constraint: String = input.to_string();
    if let Some(c) = ALIAS.captures(&constraint) {
        constraint = g(&c, 1).to_string();
    }
    let mut stability_modifier: Option<String> = None;
    if let Some(c) = C_FLAG.captures(&constraint) {
        let m1 = g(&c, 1).to_string();
        if g(&c, 2) != "stable" {
            stability_modifier = Some(g(&c, 2).to_string());
        }
        constraint = if m1.is_empty() { "*".into() } else { m1 };
    }
    if let Some(c) = C_REF.captures(&constraint) {
        constraint = g(&c, 1).to_string();
    }
    if let Some(c) = C_WILDCARD.captures(&constraint) {
        if !empty(g(&c, 1)) || !empty(g(&c, 2)) {
            return Ok(vec![ConstraintSet::One(Constraint::new(Op::Ge, "0.0.0.0-dev"))]);
        }
        return Ok(vec![ConstraintSet::All]);
    }
    if let Some(c) = C_TILDE.captures(&constraint) {
        if constraint.starts_with("~>") {
            return Err(fail("invalid operator \"~>\", you probably meant to use the \"~\" operator"));
        }
        let mut position: usize = if !g(&c, 4).is_empty() {
            4
        } else if !g(&c, 3).is_empty() {
            3
        } else if !g(&c, 2).is_empty() {
            2
        } else {
            1
        };
        if !empty(g(&c, 8)) {
            position += 1;
        }
        let suffix = if empty(g(&c, 5)) && empty(g(&c, 7)) && empty(g(&c, 8)) { "-dev" } else { "" };
        let low = normalize(&format!("{}{suffix}", &constraint[1..])).map_err(|e| fail(&e.to_string()))?;
        let high_position = position.saturating_sub(1).max(1);
        let high = format!("{}-dev", manipulate([g(&c, 1), g(&c, 2), g(&c, 3), g(&c, 4)], high_position, true));
        return Ok(vec![
            ConstraintSet::One(Constraint::new(Op::Ge, &low)),
            ConstraintSet::One(Constraint::new(Op::Lt, &high)),
        ]);
    }
    if let Some(c) = C_CARET.captures(&constraint) {
        let position = if g(&c, 1) != "0" || g(&c, 2).is_empty() {
            1
        } else if g(&c, 2) != "0" || g(&c, 3).is_empty() {
            2
        } else {
            3
        };
        let suffix = if empty(g(&c, 5)) && empty(g(&c, 7)) && empty(g(&c, 8)) { "-dev" } else { "" };
        let low = normalize(&format!("{}{suffix}", &constraint[1..])).map_err(|e| fail(&e.to_string()))?;
        let high = format!("{}-dev", manipulate([g(&c, 1), g(&c, 2), g(&c, 3), g(&c, 4)], position, true));
        return Ok(vec![
            ConstraintSet::One(Constraint::new(Op::Ge, &low)),
            ConstraintSet::One(Constraint::new(Op::Lt, &high)),
        ]);
    }
    if let Some(c) = C_XRANGE.captures(&constraint) {
        let position = if !g(&c, 3).is_empty() {
            3
        } else if !g(&c, 2).is_empty() {
            2
        } else {
            1
        };
        let parts = [g(&c, 1), g(&c, 2), g(&c, 3), ""];
        let low = format!("{}-dev", manipulate(parts, position, false));
        let high = format!("{}-dev", manipulate(parts, position, true));
        if low == "0.0.0.0-dev" {
            return Ok(vec![ConstraintSet::One(Constraint::new(Op::Lt, &high))]);
        }
        return Ok(vec![
            ConstraintSet::One(Constraint::new(Op::Ge, &low)),
            ConstraintSet::One(Constraint::new(Op::Lt, &high)),
        ]);
    }
    if let Some(c) = C_HYPHEN.captures(&constraint) {
        let low_suffix = if empty(g(&c, 6)) && empty(g(&c, 8)) && empty(g(&c, 9)) { "-dev" } else { "" };
        let from = c.name("from").map_or("", |m| m.as_str());
        let to = c.name("to").map_or("", |m| m.as_str());
        let low = normalize(from).map_err(|e| fail(&e.to_string()))?;
        let lower = Constraint::new(Op::Ge, &format!("{low}{low_suffix}"));
        // upstream's $empty(): only "" (and unset) are empty here, "0" is a value
        let e = |s: &str| s.is_empty();
        let upper = if (!e(g(&c, 12)) && !e(g(&c, 13))) || !empty(g(&c, 15)) || !empty(g(&c, 17)) || !empty(g(&c, 18)) {
            Constraint::new(Op::Le, &normalize(to).map_err(|e| fail(&e.to_string()))?)
        } else {
            normalize(to).map_err(|e| fail(&e.to_string()))?;
            let pos = if e(g(&c, 12)) { 1 } else { 2 };
            Constraint::new(Op::Lt, &format!("{}-dev", manipulate([g(&c, 11), g(&c, 12), g(&c, 13), g(&c, 14)], pos, true)))
        };
        return Ok(vec![ConstraintSet::One(lower), ConstraintSet::One(upper)]);
    }
    if let Some(c) = C_BASIC.captures(&constraint) {
        let op_str = g(&c, 1);
        let rest = g(&c, 2);
        let version = match normalize(rest) {
            Ok(v) => Ok(v),
            Err(e) => {
                if rest.ends_with("-dev") && RECOVER_DEV.is_match(rest) {
                    normalize(&format!("dev-{}", &rest[..rest.len() - 4]))
                } else {
                    Err(e)
                }
            }
        };
        if let Ok(mut version) = version {
            let op = if op_str.is_empty() { "=" } else { op_str };
            if op != "==" && op != "=" && stability_modifier.is_some() && parse_stability(&version) == Stability::Stable {
                version.push('-');
                version.push_str(stability_modifier.as_deref().unwrap_or_default());
            } else if (op == "<" || op == ">=")
                && !C_DASH_MODIFIER.is_match(&rest.to_lowercase())
                && !rest.starts_with("dev-")
            {
                version.push_str("-dev");
            }
            let op = Op::parse(op).ok_or_else(|| fail("unknown operator"))?;
            return Ok(vec![ConstraintSet::One(Constraint::new(op, &version))]);
        }
    }
    Err(fail("not a version, a range or a known operator followed by a version"))
}

/// `VersionParser::parseConstraints`.
pub fn parse_constraints(input: &str) -> Result<ConstraintSet, ComposerError> {
    let trimmed = php_trim(input);
    let mut or_groups = Vec::new();
    for or_part in OR_SPLIT.split(trimmed) {
        let and_parts = and_split(or_part);
        let mut objects: Vec<ConstraintSet> = Vec::new();
        for a in &and_parts {
            objects.extend(parse_constraint(a)?);
        }
        let group = if objects.len() == 1 { objects.pop().unwrap_or(ConstraintSet::All) } else { ConstraintSet::And(objects) };
        or_groups.push(group);
    }
    Ok(ConstraintSet::create_or(or_groups))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_examples() {
        assert_eq!(normalize("1.0.0RC1dev").unwrap(), "1.0.0.0-RC1-dev");
        assert_eq!(normalize("v1.13.11-beta.0").unwrap(), "1.13.11.0-beta0");
        assert_eq!(normalize("2010-01-02-10-20-30.0.3").unwrap(), "2010.01.02.10.20.30.0.3");
        assert_eq!(normalize("master").unwrap(), "dev-master");
        assert_eq!(normalize("1.x-dev").unwrap(), "1.9999999.9999999.9999999-dev");
        assert_eq!(normalize("dev-master as 1.0.0").unwrap(), "dev-master");
        for bad in ["foo", "", "1.0.0-meh", "1.0.2.5.5", "feature-foo"] {
            assert!(normalize(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn and_split_rules() {
        assert_eq!(and_split(">2.0 <=3.0"), vec![">2.0", "<=3.0"]);
        assert_eq!(and_split(">2.0 , <=3.0"), vec![">2.0", "<=3.0"]);
        assert_eq!(and_split("foobar-dev as 2.1.0"), vec!["foobar-dev as 2.1.0"]);
        assert_eq!(and_split("1.2.3 - 2.3.4.5"), vec!["1.2.3 - 2.3.4.5"]);
        assert_eq!(and_split("> 2.0"), vec!["> 2.0"]);
    }

    #[test]
    fn constraint_display() {
        assert_eq!(parse_constraints("~1.2").unwrap().to_string(), "[>= 1.2.0.0-dev < 2.0.0.0-dev]");
        assert_eq!(parse_constraints("^0.0.3").unwrap().to_string(), "[>= 0.0.3.0-dev < 0.0.4.0-dev]");
        assert_eq!(parse_constraints("1 - 2.0").unwrap().to_string(), "[>= 1.0.0.0-dev < 2.1.0.0-dev]");
        assert_eq!(parse_constraints("*").unwrap().to_string(), "*");
        assert!(parse_constraints("~>1.2").is_err());
        assert!(parse_constraints("^2.0.*").is_err());
    }

    #[test]
    fn stability() {
        assert_eq!(parse_stability("3.1.2-p1"), Stability::Stable);
        assert_eq!(parse_stability("1.2_a1"), Stability::Alpha);
        assert_eq!(parse_stability("v2.0.x-dev#trunk/@123"), Stability::Dev);
    }
}
