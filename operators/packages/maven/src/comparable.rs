//! maven-artifact's `ComparableVersion`: the order `mvn` uses for versions in POMs and ranges.
//!
//! The version string is lower-cased and split into a tree of items: numbers, qualifier
//! strings, "combinations" (`alpha1`: a qualifier glued to a number) and sub-lists (a `-`, or a
//! transition between digits and letters, opens a nested list). Each list is then normalised
//! (trailing zero/empty items dropped) and lists compare item by item, padding the shorter
//! side with "nothing". Every rule below mirrors one branch of the upstream Java class.

use std::cmp::Ordering;
use std::fmt;

/// Upstream rejects longer strings (`MAX_VERSION_LENGTH`, counted in UTF-16 units).
pub const MAX_VERSION_LENGTH: usize = 256;

/// Why a string is not a `ComparableVersion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong(pub usize);

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "version string is too long ({} > {MAX_VERSION_LENGTH} characters)", self.0)
    }
}

/// One item of the parsed tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Item {
    /// A number, leading zeros stripped (`"0"` for zero). Upstream's Int/Long/BigInteger items
    /// are a size split of the same thing; comparing (length, digits) gives the same order.
    Num(String),
    /// A qualifier, after the `a1`→`alpha` and `cr`→`rc` aliases.
    Str(String),
    /// A qualifier followed by a number (`alpha1`, `rc-2`).
    Comb(String, Box<Item>),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_QUALIFIERS: [&str; 3] = ["ga", "final", "release"];

/// Upstream maps each qualifier to a string and compares those lexically:
/// known ones to their index, unknown ones to `"7-<qualifier>"`.
fn comparable_qualifier(q: &str) -> String {
    if RELEASE_QUALIFIERS.contains(&q) {
        return "5".to_string();
    }
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

/// Java `String.compareTo`: UTF-16 code unit order.
fn java_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn new_string_item(value: &str, followed_by_digit: bool) -> String {
    let v = if followed_by_digit && value.chars().count() == 1 {
        match value {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        }
    } else {
        value
    };
    if v == "cr" { "rc".to_string() } else { v.to_string() }
}

fn is_java_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

fn strip_leading_zeros(s: &str) -> String {
    let t = s.trim_start_matches('0');
    if t.is_empty() { "0".to_string() } else { t.to_string() }
}

fn parse_item(is_combination: bool, is_digit: bool, buf: &str) -> Item {
    if is_combination {
        let buf: String = buf.chars().filter(|c| *c != '-').collect();
        let index = buf.char_indices().find(|(_, c)| is_java_digit(*c)).map(|(i, _)| i).unwrap_or(0);
        let (s, d) = buf.split_at(index);
        Item::Comb(new_string_item(s, true), Box::new(parse_item(false, true, d)))
    } else if is_digit {
        Item::Num(strip_leading_zeros(buf))
    } else {
        Item::Str(new_string_item(buf, false))
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Num(n) => n == "0",
            Item::Str(s) => s.is_empty(),
            Item::Comb(..) => false,
            Item::List(l) => l.is_empty(),
        }
    }

    fn is_list(&self) -> bool {
        matches!(self, Item::List(_))
    }

    /// `compareTo(item)`, where `None` is upstream's `null` (the padding item).
    pub(crate) fn cmp_opt(&self, other: Option<&Item>) -> Ordering {
        use Item::*;
        match self {
            Num(a) => match other {
                None => {
                    if a == "0" { Ordering::Equal } else { Ordering::Greater }
                }
                Some(Num(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
                Some(_) => Ordering::Greater,
            },
            Str(a) => match other {
                None => java_cmp(&comparable_qualifier(a), "5"),
                Some(Num(_)) => Ordering::Less,
                Some(Str(b)) => java_cmp(&comparable_qualifier(a), &comparable_qualifier(b)),
                Some(Comb(bs, bd)) => {
                    let r = self.cmp_opt(Some(&Str(bs.clone())));
                    if r == Ordering::Equal {
                        if self.cmp_opt(None) == Ordering::Equal {
                            return bd.cmp_opt(None).reverse();
                        }
                        return Ordering::Less;
                    }
                    r
                }
                Some(l @ List(_)) => l.cmp_opt(Some(self)).reverse(),
            },
            Comb(s, d) => {
                let sp = Str(s.clone());
                match other {
                    None => {
                        let r = sp.cmp_opt(None);
                        if r == Ordering::Equal { d.cmp_opt(None) } else { r }
                    }
                    Some(Num(_)) => Ordering::Less,
                    Some(o @ Str(_)) => {
                        let r = sp.cmp_opt(Some(o));
                        if r == Ordering::Equal {
                            if sp.cmp_opt(None) == Ordering::Equal {
                                return d.cmp_opt(None);
                            }
                            return Ordering::Greater;
                        }
                        r
                    }
                    Some(l @ List(_)) => l.cmp_opt(Some(self)).reverse(),
                    Some(Comb(os, od)) => {
                        let r = sp.cmp_opt(Some(&Str(os.clone())));
                        if r == Ordering::Equal { d.cmp_opt(Some(od)) } else { r }
                    }
                }
            }
            List(items) => match other {
                None => {
                    for i in items {
                        let r = i.cmp_opt(None);
                        if r != Ordering::Equal {
                            return r;
                        }
                    }
                    Ordering::Equal
                }
                Some(Num(_)) => Ordering::Less,
                Some(o @ (Str(_) | Comb(..))) => {
                    let mut r = match items.first() {
                        None => o.cmp_opt(None).reverse(),
                        Some(first) => first.cmp_opt(Some(o)),
                    };
                    let mut i = 1;
                    while r == Ordering::Equal && i < items.len() {
                        r = items[i].cmp_opt(None);
                        i += 1;
                    }
                    r
                }
                Some(List(others)) => {
                    let n = items.len().max(others.len());
                    for i in 0..n {
                        let r = match (items.get(i), others.get(i)) {
                            (None, None) => Ordering::Equal,
                            (None, Some(r)) => r.cmp_opt(None).reverse(),
                            (Some(l), r) => l.cmp_opt(r),
                        };
                        if r != Ordering::Equal {
                            return r;
                        }
                    }
                    Ordering::Equal
                }
            },
        }
    }

    fn write_canonical(&self, out: &mut String) {
        match self {
            Item::Num(n) => out.push_str(n),
            Item::Str(s) => out.push_str(s),
            Item::Comb(s, d) => {
                out.push_str(s);
                d.write_canonical(out);
            }
            Item::List(items) => {
                let mut first = true;
                for it in items {
                    if !first {
                        out.push(if it.is_list() { '-' } else { '.' });
                    }
                    let before = out.len();
                    it.write_canonical(out);
                    // Upstream tests "buffer.length() > 0", so an empty first item adds no separator.
                    first = first && out.len() == before;
                }
            }
        }
    }
}

fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            let remove = if i == list.len() - 1 {
                true
            } else {
                match &list[i + 1] {
                    Item::Str(_) => true,
                    Item::List(next) => matches!(next.first(), Some(Item::Comb(..) | Item::Str(_))),
                    _ => false,
                }
            };
            if remove {
                list.remove(i);
            }
        }
    }
    if list.len() == 1
        && list[0].is_list()
        && let Some(Item::List(inner)) = list.pop()
    {
        *list = inner;
    }
}

/// A Maven version, ordered exactly like `org.apache.maven.artifact.versioning.ComparableVersion`.
#[derive(Debug, Clone)]
pub struct ComparableVersion {
    value: String,
    items: Item,
}

impl ComparableVersion {
    /// Parses any string of at most 256 UTF-16 units (upstream's only rejection).
    pub fn parse(version: &str) -> Result<Self, TooLong> {
        if version.len() <= MAX_VERSION_LENGTH && version.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Ok(Self::parse_numeric(version));
        }
        Self::parse_general(version)
    }

    /// Digits and dots only (`1.2.3`, the common case): a flat list of numbers, an empty part
    /// reads as 0, trailing zeros dropped — what the general parser produces for such input.
    fn parse_numeric(version: &str) -> Self {
        let mut items: Vec<Item> = version.split('.').map(|p| Item::Num(strip_leading_zeros(p))).collect();
        while items.last().is_some_and(Item::is_null) {
            items.pop();
        }
        ComparableVersion { value: version.to_string(), items: Item::List(items) }
    }

    fn parse_general(version: &str) -> Result<Self, TooLong> {
        let len = version.encode_utf16().count();
        if len > MAX_VERSION_LENGTH {
            return Err(TooLong(len));
        }
        let lower = version.to_lowercase();
        let chars: Vec<char> = lower.chars().collect();
        let sub = |a: usize, b: usize| -> String { chars[a..b].iter().collect() };
        // The innermost open list is last; each list is the last element of its parent.
        let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
        let mut is_digit = false;
        let mut is_combination = false;
        let mut start = 0usize;
        let n = chars.len();
        let mut i = 0usize;
        while i < n {
            let c = chars[i];
            let top = stack.len() - 1;
            if c == '.' {
                if i == start {
                    stack[top].push(Item::Num("0".into()));
                } else {
                    stack[top].push(parse_item(is_combination, is_digit, &sub(start, i)));
                }
                is_combination = false;
                start = i + 1;
            } else if c == '-' {
                if i == start {
                    stack[top].push(Item::Num("0".into()));
                } else {
                    if !is_digit && i != n - 1 && is_java_digit(chars[i + 1]) {
                        is_combination = true;
                        i += 1;
                        continue;
                    }
                    stack[top].push(parse_item(is_combination, is_digit, &sub(start, i)));
                }
                start = i + 1;
                if !stack[top].is_empty() {
                    stack.push(Vec::new());
                }
                is_combination = false;
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    is_combination = true;
                    if !stack[top].is_empty() {
                        stack.push(Vec::new());
                    }
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    stack[top].push(parse_item(is_combination, true, &sub(start, i)));
                    start = i;
                    stack.push(Vec::new());
                    is_combination = false;
                }
                is_digit = false;
            }
            i += 1;
        }
        if n > start {
            let top = stack.len() - 1;
            if !is_digit && !stack[top].is_empty() {
                stack.push(Vec::new());
            }
            let top = stack.len() - 1;
            stack[top].push(parse_item(is_combination, is_digit, &sub(start, n)));
        }
        let mut child: Option<Vec<Item>> = None;
        while let Some(mut list) = stack.pop() {
            if let Some(c) = child.take() {
                list.push(Item::List(c));
            }
            normalize(&mut list);
            child = Some(list);
        }
        Ok(ComparableVersion { value: version.to_string(), items: Item::List(child.unwrap_or_default()) })
    }

    /// The string as given.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// `getCanonical()`: the normalised item tree, `.` between items and `-` before sub-lists.
    pub fn canonical(&self) -> String {
        let mut s = String::new();
        self.items.write_canonical(&mut s);
        s
    }

    /// Whether a qualifier that sorts before the release occurs anywhere (alpha, beta,
    /// milestone, rc/cr, snapshot); unknown qualifiers and `sp` sort after the release.
    pub fn is_prerelease(&self) -> bool {
        fn pre(item: &Item) -> bool {
            match item {
                Item::Num(_) => false,
                Item::Str(s) | Item::Comb(s, _) => java_cmp(&comparable_qualifier(s), "5") == Ordering::Less,
                Item::List(items) => items.iter().any(pre),
            }
        }
        pre(&self.items)
    }

    /// Whether this is a `-SNAPSHOT` version.
    pub fn is_snapshot(&self) -> bool {
        self.value.to_ascii_uppercase().ends_with("SNAPSHOT")
    }

    pub(crate) fn items(&self) -> &Item {
        &self.items
    }
}

impl PartialEq for ComparableVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for ComparableVersion {}
impl PartialOrd for ComparableVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ComparableVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.items.cmp_opt(Some(&other.items))
    }
}

impl fmt::Display for ComparableVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl std::str::FromStr for ComparableVersion {
    type Err = TooLong;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ComparableVersion {
        ComparableVersion::parse(s).unwrap()
    }

    #[test]
    fn qualifier_order() {
        let seq = ["1-alpha1", "1-beta1", "1-milestone1", "1-rc1", "1-snapshot", "1", "1-sp1", "1-abc", "1.0.1"];
        for w in seq.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn aliases_and_trailing_zeros() {
        assert_eq!(v("1.0.0"), v("1"));
        assert_eq!(v("1-ga"), v("1"));
        assert_eq!(v("1-final"), v("1"));
        assert_eq!(v("1a1"), v("1-alpha-1"));
        assert_eq!(v("1cr1"), v("1-rc1"));
        assert_eq!(v("1.0-RC1"), v("1.0-rc1"));
        assert!(v("1.0.RC2") < v("1.0-RC3"));
        assert!(v("1.0-RC3") < v("1.0.1"));
    }

    #[test]
    fn canonical() {
        assert_eq!(v("0.x").canonical(), "x");
        assert_eq!(v("1.0.0-alpha-1").canonical(), "1-alpha1");
        assert_eq!(v("1.2-SNAPSHOT").canonical(), "1.2-snapshot");
    }

    #[test]
    fn prerelease_flag() {
        for p in ["1.0-alpha-1", "1-SNAPSHOT", "2.0.0.RC1", "1.0-m2", "1.0.0-cr1"] {
            assert!(v(p).is_prerelease(), "{p}");
        }
        for r in ["1.0", "1.0-sp1", "1.0-ga", "1.0-foo", "1.0.1"] {
            assert!(!v(r).is_prerelease(), "{r}");
        }
    }

    #[test]
    fn numeric_fast_path_equals_general_parser() {
        let mut inputs: Vec<String> = ["", ".", "..", "1", "1.", ".1", "1..2", "1.0.0", "0.0", "007.000.1", "1.2.3.4.5.0.0", "10.0.0010"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // every string of up to 5 characters over {0, 1, .}
        let mut frontier = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for s in &frontier {
                for c in ['0', '1', '.'] {
                    next.push(format!("{s}{c}"));
                }
            }
            inputs.extend(next.iter().cloned());
            frontier = next;
        }
        for s in inputs {
            let fast = ComparableVersion::parse_numeric(&s);
            let slow = ComparableVersion::parse_general(&s).unwrap();
            assert_eq!(fast.items, slow.items, "{s:?}");
            assert_eq!(fast.canonical(), slow.canonical(), "{s:?}");
        }
    }

    #[test]
    fn too_long_is_rejected() {
        assert!(ComparableVersion::parse(&"1".repeat(257)).is_err());
        assert!(ComparableVersion::parse(&"1".repeat(256)).is_ok());
    }
}
