//! Bounds on manifest input, checked before the YAML parser sees it: a size cap, a nesting cap
//! (libyaml's scanner is quadratic in flow nesting depth: 200,000 `[` take minutes before
//! serde_yaml's own recursion limit is reached), duplicate mapping keys (serde keeps the last
//! one silently; kubectl refuses them), and names that would leave their URL path segment.
//! Cases: fixtures/hostile/ (tests/e2e/hostile.rs).

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::io::Read;

/// Largest manifest file (or stdin) read: the API server takes objects up to ~1.5 MiB (etcd's
/// request limit), so 64 MiB is dozens of maximal objects, and parsing costs several times the
/// size in memory.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Deepest `[`/`{` nesting accepted; serde_yaml stops at 128 levels anyway, this only makes
/// the refusal fast and says why.
pub const MAX_FLOW_DEPTH: usize = 1000;

/// Reads at most [`MAX_FILE_BYTES`] (+1, to tell that there was more) from `r`.
pub fn read_capped(r: impl Read, what: &str) -> std::io::Result<String> {
    tusk_registry::fsutil::read_text_capped(r, MAX_FILE_BYTES)
        .map_err(|e| e.into_io(|| format!("{what} is larger than {} MiB, the most tusk reads as manifests (an API object is at most ~1.5 MiB)", MAX_FILE_BYTES >> 20)))
}

/// The 1-based line (within `text`) where unquoted `[`/`{` nesting first exceeds
/// [`MAX_FLOW_DEPTH`], if it does. Quoted strings and comments are skipped; block scalars are
/// not recognised, so a literal block holding over a thousand unbalanced brackets would be
/// refused too (no real manifest has one).
pub fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut line) = (0usize, 1usize);
    let mut quote: Option<u8> = None;
    let mut prev = b'\n';
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        if b == b'\n' {
            line += 1;
        }
        match quote {
            Some(b'"') if b == b'\\' => {
                bytes.next();
            }
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' if matches!(prev, b' ' | b'\t' | b'\n' | b'[' | b'{' | b',' | b':') => quote = Some(b),
                b'#' if matches!(prev, b' ' | b'\t' | b'\n') => {
                    for c in bytes.by_ref() {
                        if c == b'\n' {
                            line += 1;
                            break;
                        }
                    }
                    prev = b'\n';
                    continue;
                }
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Some(line);
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        prev = b;
    }
    None
}

/// Deserializes anything and fails on the first mapping that has a key twice, with the
/// deserializer's location of the second one.
pub struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Check)
    }
}

struct Check;

impl<'de> Visitor<'de> for Check {
    type Value = NoDuplicateKeys;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i128<E>(self, _: i128) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u128<E>(self, _: u128) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        NoDuplicateKeys::deserialize(d)
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        // A tagged value (`!tag x`): check what is inside.
        let (_, variant): (serde_yaml::Value, _) = data.variant()?;
        de::VariantAccess::newtype_variant::<NoDuplicateKeys>(variant)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen: Vec<serde_yaml::Value> = Vec::new();
        while let Some(key) = map.next_key::<serde_yaml::Value>()? {
            if seen.contains(&key) {
                let shown = serde_yaml::to_string(&key).unwrap_or_default();
                return Err(de::Error::custom(format!("duplicate key `{}`", shown.trim_end())));
            }
            map.next_value::<NoDuplicateKeys>()?;
            seen.push(key);
        }
        Ok(NoDuplicateKeys)
    }
}

/// The line of the second `key:` at or after `from` (the mapping's first line), for block
/// mappings; `None` when it is not on a line of its own (flow mappings, JSON).
pub fn duplicate_line(text: &str, from: usize, key: &str) -> Option<usize> {
    let starts = |l: &str| {
        let t = l.trim_start().trim_start_matches("- ");
        [format!("{key}:"), format!("\"{key}\":"), format!("'{key}':")].iter().any(|k| t.starts_with(k.as_str()))
    };
    text.lines().enumerate().skip(from.saturating_sub(1)).filter(|(_, l)| starts(l)).nth(1).map(|(i, _)| i + 1)
}

/// Why `name` cannot be an object's name or namespace, if it cannot: both become URL path
/// segments (`/api/v1/namespaces/<ns>/configmaps/<name>`), so the API server refuses `.`, `..`,
/// `/`, `%` (its path-segment rule) and tusk refuses control characters as well, which it
/// could not show.
pub fn bad_path_segment(name: &str) -> Option<String> {
    if name == "." || name == ".." {
        return Some(format!("{name:?} may not be `.` or `..`"));
    }
    if let Some(c) = name.chars().find(|c| *c == '/' || *c == '%' || c.is_control()) {
        return Some(format!("{name:?} may not contain {c:?} (it becomes a URL path segment)"));
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_counted_outside_strings_and_comments() {
        assert_eq!(too_deep(&format!("a: {}{}", "[".repeat(1000), "]".repeat(1000))), None);
        assert_eq!(too_deep(&format!("x: 1\na: {}", "[".repeat(1001))), Some(2));
        assert_eq!(too_deep(&format!("a: \"{}\"\nb: '{}'\n# {}\n", "[".repeat(2000), "{".repeat(2000), "[".repeat(2000))), None);
        assert_eq!(too_deep(&format!("a: {}\n", "x[".repeat(2000))), Some(1));
    }

    #[test]
    fn duplicate_keys_are_found_at_any_depth() {
        assert!(serde_yaml::from_str::<NoDuplicateKeys>("a: 1\nb: {c: [1, {d: 2}]}\n").is_ok());
        let e = serde_yaml::from_str::<NoDuplicateKeys>("a: 1\nb:\n  c: 1\n  c: 2\n").err().unwrap();
        assert!(e.to_string().contains("duplicate key `c`"), "{e}");
        // serde_yaml places errors of a mapping at its start; `duplicate_line` finds the key.
        assert_eq!(e.location().map(|l| l.line()), Some(3));
        assert_eq!(duplicate_line("a: 1\nb:\n  c: 1\n  c: 2\n", 3, "c"), Some(4));
        assert_eq!(duplicate_line("{\"c\": 1, \"c\": 2}", 1, "c"), None);
    }

    #[test]
    fn path_segments() {
        assert_eq!(bad_path_segment("web-1"), None);
        assert!(bad_path_segment("..").is_some());
        assert!(bad_path_segment("../x").is_some());
        assert!(bad_path_segment("a\0b").unwrap().contains("\\0"));
    }
}
