//! PHP's `version_compare()`, which Composer's constraints call on normalized versions.
//!
//! The string is canonicalized (`-`, `_`, `+` and other non-alphanumerics become `.`, and a
//! `.` is inserted at every digit/non-digit transition), split on `.`, and compared element
//! by element: numbers numerically; words by their "special form" rank — any other word -1,
//! `dev` 0, `alpha`/`a` 1, `beta`/`b` 2, `RC`/`rc` 3, a number 4, `pl`/`p` 5 (prefix match, in
//! that order); a number against a word compares rank 4 against the word. When one side runs
//! out, a remaining number makes it greater and a remaining word compares its rank with 4.
//!
//! That rule is a total order, captured by [`php_key`]: the elements followed by an end
//! marker that sorts between rank-3 words and numbers.

use std::cmp::Ordering;

/// One element of a canonicalized version as `(rank, value)`: a word is `(its rank, 0)`, a
/// number `(4, n)`, and the end of the shorter version `(4, -1)` — below every number, above
/// `dev`/`alpha`/`beta`/`RC`, below `p`/`pl`, exactly as PHP's tail rule decides.
pub type Elem = (i8, i64);

const END: Elem = (4, -1);

fn rank(word: &str) -> i8 {
    const FORMS: [(&str, i8); 10] =
        [("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3), ("#", 4), ("pl", 5), ("p", 5)];
    FORMS.iter().find(|(f, _)| word.starts_with(f)).map_or(-1, |(_, r)| *r)
}

fn canonicalize(v: &str) -> String {
    let b = v.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len() * 2);
    if b.is_empty() {
        return String::new();
    }
    let isdig = |c: u8| c.is_ascii_digit();
    let isndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    out.push(b[0]);
    let mut lp = b[0];
    for &c in &b[1..] {
        let lq = *out.last().unwrap_or(&0);
        if c == b'-' || c == b'_' || c == b'+' {
            if lq != b'.' {
                out.push(b'.');
            }
        } else if (isndig(lp) && isdig(c)) || (isdig(lp) && isndig(c)) {
            if lq != b'.' {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if lq != b'.' {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        lp = c;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn strtol(s: &str) -> i64 {
    let digits: &str = &s[..s.bytes().take_while(u8::is_ascii_digit).count()];
    let mut v: i64 = 0;
    for b in digits.bytes() {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    v
}

fn elem(part: &str) -> Elem {
    if part.as_bytes().first().is_some_and(u8::is_ascii_digit) { (4, strtol(part)) } else { (rank(part), 0) }
}

/// The sort key of a version under `version_compare`.
pub fn php_key(v: &str) -> Vec<Elem> {
    let c = if v.starts_with('#') { v.to_string() } else { canonicalize(v) };
    let mut key: Vec<Elem> = if c.is_empty() { Vec::new() } else { c.split('.').map(elem).collect() };
    key.push(END);
    key
}

/// `version_compare($a, $b)`.
pub fn version_compare(a: &str, b: &str) -> Ordering {
    // Empty strings: both empty are equal, otherwise the empty one is lower.
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    php_key(a).cmp(&php_key(b))
}

/// `version_compare($a, $b, $op)`; `None` for an unknown operator.
pub fn version_compare_op(a: &str, b: &str, op: &str) -> Option<bool> {
    let c = version_compare(a, b);
    Some(match op {
        "<" | "lt" => c == Ordering::Less,
        "<=" | "le" => c != Ordering::Greater,
        ">" | "gt" => c == Ordering::Greater,
        ">=" | "ge" => c != Ordering::Less,
        "==" | "=" | "eq" => c == Ordering::Equal,
        "!=" | "<>" | "ne" => c != Ordering::Equal,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_examples() {
        assert_eq!(version_compare("1.0", "1.0.0"), Ordering::Less);
        assert_eq!(version_compare("1.0.0.0-dev", "1.0.0.0"), Ordering::Less);
        assert_eq!(version_compare("1.0.0.0-patch1", "1.0.0.0"), Ordering::Greater);
        assert_eq!(version_compare("1.0.0.0-RC1", "1.0.0.0-beta2"), Ordering::Greater);
        assert_eq!(version_compare("1.25.0-beta2.1", "1.25.0-b.2.1"), Ordering::Equal);
        assert_eq!(version_compare("dev-foo", "1.0"), Ordering::Less);
        assert_eq!(version_compare("1.0.0.0-alpha", "1.0.0.0-a"), Ordering::Equal);
        assert_eq!(version_compare_op("2.0", "1.9", ">"), Some(true));
    }
}
