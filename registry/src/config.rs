//! Layered configuration.
//!
//! Sources, lowest precedence first: built-in defaults, the user's
//! `$XDG_CONFIG_HOME/tusk/config.toml`, the project's `tusk.toml` (found by walking up from the
//! working directory, or given by `--config`/`TUSK_CONFIG`), `TUSK_<SECTION>__<KEY>`
//! environment variables, then flags (applied by the CLI and by operators for their own
//! flags). Each operator owns a typed section (`[kubernetes]`, `[packages]`…) and reads it
//! with [`Config::section`], which validates every source separately so that an error can
//! name the file, line and key (or the environment variable) it came from.

use crate::error::{Error, Result};
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The project config file name.
pub const PROJECT_FILE: &str = "tusk.toml";
/// Prefix of per-key environment overrides: `TUSK_KUBERNETES__CONTEXT=dev` sets
/// `kubernetes.context`; `__` separates levels, so single underscores stay in key names.
pub const ENV_PREFIX: &str = "TUSK_";
const ENV_SEPARATOR: &str = "__";

/// Global keys (outside any operator section) and their defaults.
pub const GLOBAL_KEYS: &[(&str, &str)] = &[("output", "text"), ("color", "auto"), ("progress", "true")];

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "lowercase")]
pub enum Origin {
    Default,
    User(PathBuf),
    Project(PathBuf),
    Env(String),
    Flag(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::User(p) => write!(f, "user config {}", p.display()),
            Origin::Project(p) => write!(f, "project config {}", p.display()),
            Origin::Env(v) => write!(f, "environment {v}"),
            Origin::Flag(v) => write!(f, "flag {v}"),
        }
    }
}

#[derive(Debug, Clone)]
struct Source {
    origin: Origin,
    /// File text, kept so errors can point at lines.
    text: Option<String>,
    table: toml::Table,
    /// For env sources: dotted key -> variable name.
    env_vars: BTreeMap<String, String>,
}

/// One merged value and where it came from, for `tusk config show`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub key: String,
    pub value: toml::Value,
    pub origin: Origin,
}

/// The merged configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    sources: Vec<Source>,
    merged: toml::Table,
    origins: BTreeMap<String, Origin>,
}

impl Config {
    /// An empty configuration (defaults only).
    pub fn empty() -> Self {
        let mut c = Config::default();
        c.rebuild();
        c
    }

    /// Loads user, project and environment layers.
    ///
    /// `explicit` replaces project discovery (`--config FILE`); it must exist.
    pub fn load(user_file: &Path, explicit: Option<&Path>, cwd: &Path, env: &[(String, String)]) -> Result<Config> {
        let mut c = Config::default();
        if user_file.is_file() {
            c.sources.push(read_file(user_file, Origin::User(user_file.to_path_buf()))?);
        }
        match explicit {
            Some(path) => {
                if !path.is_file() {
                    return Err(Error::usage(format!("config file {} does not exist", path.display()))
                        .at(path.display().to_string())
                        .with_hint("check the path given to --config or TUSK_CONFIG"));
                }
                c.sources.push(read_file(path, Origin::Project(path.to_path_buf()))?);
            }
            None => {
                if let Some(found) = find_project_file(cwd) {
                    c.sources.push(read_file(&found, Origin::Project(found.clone()))?);
                }
            }
        }
        let env_source = env_layer(env);
        if !env_source.table.is_empty() {
            c.sources.push(env_source);
        }
        c.rebuild();
        Ok(c)
    }

    /// Sets a value from a flag (highest precedence). `key` is dotted.
    pub fn set_flag(&mut self, key: &str, value: toml::Value, flag: &str) {
        let mut table = toml::Table::new();
        insert_dotted(&mut table, key, value);
        self.sources.push(Source { origin: Origin::Flag(flag.to_string()), text: None, table, env_vars: BTreeMap::new() });
        self.rebuild();
    }

    fn rebuild(&mut self) {
        let mut merged = toml::Table::new();
        let mut origins = BTreeMap::new();
        for (k, v) in GLOBAL_KEYS {
            let value = match *v {
                "true" => toml::Value::Boolean(true),
                other => toml::Value::String(other.to_string()),
            };
            merged.insert((*k).to_string(), value);
            origins.insert((*k).to_string(), Origin::Default);
        }
        for s in &self.sources {
            merge_into(&mut merged, &s.table, "", &s.origin, &mut origins);
            // Name the exact variable for values that came from the environment.
            for (key, var) in &s.env_vars {
                origins.insert(key.clone(), Origin::Env(var.clone()));
            }
        }
        self.merged = merged;
        self.origins = origins;
    }

    /// The project config file in use, if any.
    pub fn project_file(&self) -> Option<&Path> {
        self.sources.iter().find_map(|s| match &s.origin {
            Origin::Project(p) => Some(p.as_path()),
            _ => None,
        })
    }

    /// The config files read, lowest precedence first.
    pub fn files(&self) -> Vec<&Path> {
        self.sources
            .iter()
            .filter_map(|s| match &s.origin {
                Origin::User(p) | Origin::Project(p) => Some(p.as_path()),
                _ => None,
            })
            .collect()
    }

    /// A global (top-level) string value such as `output` or `color`.
    pub fn global_str(&self, key: &str) -> Option<(&str, &Origin)> {
        let v = self.merged.get(key)?.as_str()?;
        Some((v, self.origins.get(key).unwrap_or(&Origin::Default)))
    }

    pub fn global_bool(&self, key: &str) -> Option<bool> {
        match self.merged.get(key)? {
            toml::Value::Boolean(b) => Some(*b),
            toml::Value::String(s) => match s.as_str() {
                "1" | "true" | "yes" => Some(true),
                "0" | "false" | "no" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// Every merged leaf value with its origin, sorted by key.
    pub fn entries(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        flatten(&self.merged, "", &mut out, &self.origins);
        out
    }

    /// Top-level keys present in any source (for unknown-section warnings).
    pub fn top_level_keys(&self) -> Vec<(String, Origin)> {
        let mut out = Vec::new();
        for s in &self.sources {
            for k in s.table.keys() {
                if !out.iter().any(|(seen, _): &(String, Origin)| seen == k) {
                    out.push((k.clone(), s.origin.clone()));
                }
            }
        }
        out
    }

    /// Reads and validates an operator's section. Every field of `T` should be optional or
    /// defaulted: sections are merged key by key across sources. Unknown keys are warned
    /// about (through `tracing`), invalid values are errors naming file, line and key.
    pub fn section<T: DeserializeOwned + Default>(&self, name: &str) -> Result<T> {
        for s in &self.sources {
            if !s.table.contains_key(name) {
                continue;
            }
            match (&s.text, &s.origin) {
                (Some(text), Origin::User(path) | Origin::Project(path)) => {
                    validate_file_section::<T>(text, path, name)?;
                }
                _ => validate_table_section::<T>(s, name)?,
            }
        }
        match self.merged.get(name) {
            None => Ok(T::default()),
            Some(v) => v.clone().try_into::<T>().map_err(|e| {
                Error::usage(format!("invalid [{name}] configuration: {}", e.message().trim()))
                    .with_hint("run `tusk config show` to see every value and where it came from")
            }),
        }
    }
}

/// Largest config file read. Every verb reads the project's `tusk.toml`, often in a repository
/// someone else wrote, and TOML parsing costs over ten times the file's size in memory.
pub const MAX_CONFIG_BYTES: u64 = 4 << 20;

fn read_file(path: &Path, origin: Origin) -> Result<Source> {
    let text = read_capped(path)
        .map_err(|e| Error::usage(format!("cannot read config file {}: {e}", path.display())).at(path.display().to_string()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| toml_error(&e, &text, path, "invalid TOML"))?;
    Ok(Source { origin, text: Some(text), table, env_vars: BTreeMap::new() })
}

fn read_capped(path: &Path) -> std::io::Result<String> {
    crate::fsutil::read_text_capped(std::fs::File::open(path)?, MAX_CONFIG_BYTES)
        .map_err(|e| e.into_io(|| format!("larger than {} MiB, the most tusk reads as a config file", MAX_CONFIG_BYTES >> 20)))
}

/// Turns a toml error into ours, with `file:line:col` as the location.
fn toml_error(e: &toml::de::Error, text: &str, path: &Path, what: &str) -> Error {
    let location = match e.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            format!("{}:{line}:{col}", path.display())
        }
        None => path.display().to_string(),
    };
    let snippet = e.span().map(|s| line_of(text, s.start)).unwrap_or_default();
    let mut err = Error::usage(format!("{what} in {location}: {}", e.message().trim())).at(location);
    if !snippet.is_empty() {
        err = err.with_hint(format!("the line reads: {snippet}"));
    }
    err
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

/// The line holding `offset`, trimmed; a line longer than [`SNIPPET_CHARS`] is cut to that many
/// characters around the offset (a hostile file's single line can be megabytes long).
fn line_of(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let end = text[start..].find('\n').map(|i| start + i).unwrap_or(text.len());
    let line = &text[start..end];
    if line.chars().count() <= SNIPPET_CHARS {
        return line.trim().to_string();
    }
    let before = text[start..offset].chars().count();
    let skip = before.saturating_sub(SNIPPET_CHARS / 2);
    let cut: String = line.chars().skip(skip).take(SNIPPET_CHARS).collect();
    let head = if skip > 0 { "…" } else { "" };
    let tail = if skip + SNIPPET_CHARS < line.chars().count() { "…" } else { "" };
    format!("{head}{}{tail}", cut.trim())
}

const SNIPPET_CHARS: usize = 120;

/// Line number of `key` inside `[section]` in a file, best effort, for unknown-key warnings.
fn find_key_line(text: &str, section: &str, key: &str) -> Option<usize> {
    let mut in_section = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            let name = t.trim_matches(|c| c == '[' || c == ']').trim();
            in_section = name == section || name.starts_with(&format!("{section}."));
            continue;
        }
        let k = t.split('=').next().unwrap_or("").trim().trim_matches('"');
        if in_section && k == key {
            return Some(i + 1);
        }
        if !in_section && (k == format!("{section}.{key}")) {
            return Some(i + 1);
        }
    }
    None
}

fn validate_file_section<T: DeserializeOwned>(text: &str, path: &Path, name: &str) -> Result<()> {
    let de = toml::Deserializer::parse(text).map_err(|e| toml_error(&e, text, path, "invalid TOML"))?;
    let mut unknown = Vec::new();
    let seed = SectionSeed::<T> { name, unknown: &mut unknown, _t: std::marker::PhantomData };
    seed.deserialize(de).map_err(|e| toml_error(&e, text, path, &format!("invalid value in [{name}]")))?;
    for key in unknown {
        let first = key.split('.').next().unwrap_or(&key);
        let at = match find_key_line(text, name, first) {
            Some(line) => format!("{}:{line}", path.display()),
            None => path.display().to_string(),
        };
        tracing::warn!("unknown key `{name}.{key}` in {at} (ignored)");
    }
    Ok(())
}

fn validate_table_section<T: DeserializeOwned>(s: &Source, name: &str) -> Result<()> {
    let Some(value) = s.table.get(name) else { return Ok(()) };
    let mut unknown = Vec::new();
    let res: std::result::Result<T, _> = serde_ignored::deserialize(value.clone(), |p| unknown.push(p.to_string()));
    let var_for = |key: &str| s.env_vars.get(&format!("{name}.{key}")).cloned();
    if let Err(e) = res {
        // Name the variables of this section so the user can find the bad one.
        let vars: Vec<&String> = s.env_vars.iter().filter(|(k, _)| k.starts_with(&format!("{name}."))).map(|(_, v)| v).collect();
        let names = vars.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ");
        return Err(Error::usage(format!("invalid value for [{name}] from {}: {}", s.origin, e.message().trim()))
            .at(if names.is_empty() { s.origin.to_string() } else { names }));
    }
    for key in unknown {
        let at = var_for(&key).unwrap_or_else(|| s.origin.to_string());
        tracing::warn!("unknown key `{name}.{key}` from {at} (ignored)");
    }
    Ok(())
}

/// Deserializes only `[name]` out of a whole document so that toml keeps real spans.
struct SectionSeed<'a, T> {
    name: &'a str,
    unknown: &'a mut Vec<String>,
    _t: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for SectionSeed<'_, T> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for SectionSeed<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML table")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == self.name {
                map.next_value_seed(Ignoring::<T> { unknown: &mut *self.unknown, _t: std::marker::PhantomData })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Ignoring<'a, T> {
    unknown: &'a mut Vec<String>,
    _t: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Ignoring<'_, T> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        let unknown = self.unknown;
        let _: T = serde_ignored::deserialize(d, |p| unknown.push(p.to_string()))?;
        Ok(())
    }
}

fn find_project_file(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(PROJECT_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// Builds the environment layer from `TUSK_<SECTION>__<KEY>[__<KEY>…]` variables, and the
/// global `TUSK_OUTPUT`/`TUSK_COLOR`. Values are read as TOML scalars when they parse as
/// one (`3`, `true`, `[\"a\"]`), else as strings.
fn env_layer(env: &[(String, String)]) -> Source {
    let mut table = toml::Table::new();
    let mut env_vars = BTreeMap::new();
    for (var, raw) in env {
        let Some(rest) = var.strip_prefix(ENV_PREFIX) else { continue };
        let key = if rest.contains(ENV_SEPARATOR) {
            rest.split(ENV_SEPARATOR).map(|p| p.to_ascii_lowercase()).collect::<Vec<_>>().join(".")
        } else if matches!(rest, "OUTPUT" | "COLOR") {
            rest.to_ascii_lowercase()
        } else {
            continue;
        };
        if key.split('.').any(str::is_empty) {
            continue;
        }
        insert_dotted(&mut table, &key, env_value(raw));
        env_vars.insert(key, var.clone());
    }
    Source { origin: Origin::Env("TUSK_*".to_string()), text: None, table, env_vars }
}

fn env_value(raw: &str) -> toml::Value {
    let probe = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&probe) {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

fn insert_dotted(table: &mut toml::Table, key: &str, value: toml::Value) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut cur = table;
    for p in parts {
        let entry = cur.entry(p.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(t) = entry else { return };
        cur = t;
    }
    cur.insert(last.to_string(), value);
}

fn merge_into(dst: &mut toml::Table, src: &toml::Table, prefix: &str, origin: &Origin, origins: &mut BTreeMap<String, Origin>) {
    for (k, v) in src {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match (dst.get_mut(k), v) {
            (Some(toml::Value::Table(d)), toml::Value::Table(s)) => merge_into(d, s, &path, origin, origins),
            _ => {
                if let toml::Value::Table(s) = v {
                    let mut fresh = toml::Table::new();
                    merge_into(&mut fresh, s, &path, origin, origins);
                    dst.insert(k.clone(), toml::Value::Table(fresh));
                } else {
                    dst.insert(k.clone(), v.clone());
                    origins.insert(path, origin.clone());
                }
            }
        }
    }
}

fn flatten(t: &toml::Table, prefix: &str, out: &mut Vec<Entry>, origins: &BTreeMap<String, Origin>) {
    for (k, v) in t {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(inner) => flatten(inner, &path, out, origins),
            _ => out.push(Entry { key: path.clone(), value: v.clone(), origin: origins.get(&path).cloned().unwrap_or(Origin::Default) }),
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    #[serde(default)]
    struct Kube {
        context: Option<String>,
        timeout_secs: Option<u32>,
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn precedence_env_over_project_over_user() {
        let d = tempfile::tempdir().unwrap();
        let user = write(d.path(), "user.toml", "[kubernetes]\ncontext = \"user\"\ntimeout_secs = 5\n");
        write(d.path(), PROJECT_FILE, "[kubernetes]\ncontext = \"project\"\n");
        let env = vec![("TUSK_KUBERNETES__TIMEOUT_SECS".to_string(), "9".to_string())];
        let c = Config::load(&user, None, d.path(), &env).unwrap();
        let k: Kube = c.section("kubernetes").unwrap();
        assert_eq!(k, Kube { context: Some("project".into()), timeout_secs: Some(9) });
        let e = c.entries();
        let timeout = e.iter().find(|e| e.key == "kubernetes.timeout_secs").unwrap();
        assert_eq!(timeout.origin, Origin::Env("TUSK_KUBERNETES__TIMEOUT_SECS".into()));
    }

    #[test]
    fn invalid_value_names_file_line_and_key() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), PROJECT_FILE, "# c\n[kubernetes]\ntimeout_secs = \"soon\"\n");
        let c = Config::load(Path::new("/nonexistent"), Some(&p), d.path(), &[]).unwrap();
        let err = c.section::<Kube>("kubernetes").unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::Usage);
        let loc = err.location.unwrap();
        assert!(loc.ends_with("tusk.toml:3:16"), "{loc}");
    }

    #[test]
    fn syntax_error_has_location() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), PROJECT_FILE, "[kubernetes\n");
        let err = Config::load(Path::new("/nonexistent"), Some(&p), d.path(), &[]).unwrap_err();
        assert!(err.location.unwrap().contains("tusk.toml:1:"));
    }
}
