//! Version-semantics conformance: every record of every `*.jsonl` file in
//! `fixtures/conformance/versions` (see its PROVENANCE.md) is one trial named
//! `<file>:<line>`, run through `tusk_packages::schemes::scheme_for`. The record kinds
//! and options are defined in that directory's README.md.
//!
//! `TUSK_CONFORMANCE_DIR` overrides the data directory. Known failures are listed, with a
//! reason, in `tests/conformance-allowlist.toml`; an allow-listed case that passes fails.

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::PathBuf;
use tusk_packages::schemes::scheme_for;
use tusk_versions::{Ecosystem, SchemeOptions, VersionScheme};

fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("TUSK_CONFORMANCE_DIR") {
        return PathBuf::from(d);
    }
    // operators/packages -> repository root
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/conformance/versions")
}

#[derive(serde::Deserialize)]
struct AllowList {
    #[serde(default)]
    allow: Vec<Allow>,
}
#[derive(serde::Deserialize)]
struct Allow {
    case: String,
    reason: String,
}

fn main() {
    let args = Arguments::from_args();
    let dir = data_dir();
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "jsonl")).collect(),
        Err(e) => {
            eprintln!(
                "error: conformance data not found at {}: {e}\nhint: the data is part of the repository (fixtures/conformance/versions); restore it with git, or set TUSK_CONFORMANCE_DIR to point elsewhere",
                dir.display()
            );
            std::process::exit(2);
        }
    };
    entries.sort();
    if entries.is_empty() {
        eprintln!("error: no *.jsonl files in {}", dir.display());
        std::process::exit(2);
    }

    let allow_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-allowlist.toml");
    let allow: BTreeMap<String, String> = match std::fs::read_to_string(&allow_path) {
        Ok(text) => match toml::from_str::<AllowList>(&text) {
            Ok(list) => {
                let mut map = BTreeMap::new();
                for a in list.allow {
                    if a.reason.trim().is_empty() {
                        eprintln!("error: {}: allow-list entry {} has no reason", allow_path.display(), a.case);
                        std::process::exit(2);
                    }
                    map.insert(a.case, a.reason);
                }
                map
            }
            Err(e) => {
                eprintln!("error: {}: {e}", allow_path.display());
                std::process::exit(2);
            }
        },
        Err(_) => BTreeMap::new(),
    };

    // cargo-nextest runs every trial in its own process; 10,371 processes take many minutes on
    // a small machine. Under nextest (it sets NEXTEST_RUN_ID while listing and running) the
    // records of one file form one trial, whose failure lists every failing `<file>:<line>`.
    // TUSK_CONFORMANCE_PER_RECORD=1 keeps one trial per record there too.
    let grouped = std::env::var_os("NEXTEST_RUN_ID").is_some() && std::env::var_os("TUSK_CONFORMANCE_PER_RECORD").is_none();
    let mut trials = Vec::new();
    for path in entries {
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: reading {}: {e}", path.display());
                std::process::exit(2);
            }
        };
        let eco_name = file.split('.').next().unwrap_or_default().to_string();
        let file_kind = file.split('.').nth(1).unwrap_or_default().to_string();
        if grouped {
            let allow = allow.clone();
            let kind = eco_name.clone();
            trials.push(Trial::test(file.clone(), move || run_file(&file, &eco_name, &file_kind, &text, &allow)).with_kind(kind));
            continue;
        }
        for (i, line) in text.split('\n').enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let name = format!("{file}:{}", i + 1);
            let record: Result<Value, _> = serde_json::from_str(line);
            let allowed = allow.get(&name).cloned();
            let eco_name = eco_name.clone();
            let file_kind = file_kind.clone();
            let kind = eco_name.clone();
            trials.push(
                Trial::test(name, move || {
                    let record = record.map_err(|e| Failed::from(format!("bad JSON: {e}")))?;
                    let result = run_record(&eco_name, &file_kind, &record);
                    match (result, allowed) {
                        (Ok(()), None) => Ok(()),
                        (Err(e), None) => Err(Failed::from(format!("{e}\nrecord: {record}"))),
                        (Err(_), Some(_)) => Ok(()),
                        (Ok(()), Some(reason)) => Err(Failed::from(format!(
                            "allow-listed ({reason}) but passes now: remove it from tests/conformance-allowlist.toml"
                        ))),
                    }
                })
                .with_kind(kind),
            );
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

/// One trial for a whole file (under nextest): the same check per record, all failures named.
fn run_file(file: &str, eco_name: &str, file_kind: &str, text: &str, allow: &BTreeMap<String, String>) -> Result<(), Failed> {
    let mut failures = Vec::new();
    let mut count = 0;
    for (i, line) in text.split('\n').enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        count += 1;
        let name = format!("{file}:{}", i + 1);
        let result = serde_json::from_str::<Value>(line)
            .map_err(|e| format!("bad JSON: {e}"))
            .and_then(|record| run_record(eco_name, file_kind, &record).map_err(|e| format!("{e}\nrecord: {record}")));
        match (result, allow.get(&name)) {
            (Ok(()), None) | (Err(_), Some(_)) => {}
            (Err(e), None) => failures.push(format!("---- {name} ----\n{e}")),
            (Ok(()), Some(reason)) => {
                failures.push(format!("---- {name} ----\nallow-listed ({reason}) but passes now: remove it from tests/conformance-allowlist.toml"))
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failed::from(format!("{} of {count} records fail:\n{}", failures.len(), failures.join("\n"))))
    }
}

fn options(record: &Value) -> SchemeOptions {
    let mut o = SchemeOptions::default();
    if let Some(map) = record.get("options").and_then(Value::as_object) {
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            o.flags.insert(k.clone(), text);
            match (k.as_str(), v) {
                ("includePrerelease", Value::Bool(b)) => o.include_prerelease = *b,
                ("loose", Value::Bool(b)) => o.loose = *b,
                ("prereleases", Value::Bool(true)) => o.include_prerelease = true,
                ("prereleases", Value::Bool(false)) => o.exclude_prerelease = true,
                ("scheme", Value::String(s)) => o.mode = Some(s.clone()),
                ("strict", Value::Bool(true)) => o.mode = Some("strict".into()),
                ("cmp_precedence", Value::Bool(true)) => o.mode = Some("precedence".into()),
                _ => {}
            }
        }
    }
    o
}

fn s<'a>(r: &'a Value, key: &str) -> Result<&'a str, String> {
    r.get(key).and_then(Value::as_str).ok_or_else(|| format!("record has no string `{key}`"))
}

fn strings(r: &Value, key: &str) -> Result<Vec<String>, String> {
    r.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("record has no array `{key}`"))?
        .iter()
        .map(|v| v.as_str().map(str::to_string).ok_or_else(|| format!("`{key}` holds a non-string")))
        .collect()
}

/// A `range` that is a string, or (RubyGems) an array of requirements that must all hold,
/// passed joined with ", " (RubyGems' own conjunction syntax).
fn range(r: &Value) -> Result<String, String> {
    match r.get("range") {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Array(_)) => Ok(strings(r, "range")?.join(", ")),
        _ => Err("record has no `range`".into()),
    }
}

fn cmp_of(n: i64) -> Result<Ordering, String> {
    match n {
        -1 => Ok(Ordering::Less),
        0 => Ok(Ordering::Equal),
        1 => Ok(Ordering::Greater),
        _ => Err(format!("bad cmp {n}")),
    }
}

fn run_record(eco_name: &str, file_kind: &str, r: &Value) -> Result<(), String> {
    let eco: Ecosystem = eco_name.parse().map_err(|e| format!("{e}"))?;
    let scheme: &dyn VersionScheme = scheme_for(eco).ok_or_else(|| format!("not implemented: no version scheme for {eco} yet"))?;
    let o = options(r);
    match file_kind {
        "order" => {
            let (a, b) = (s(r, "a")?, s(r, "b")?);
            let want = cmp_of(r.get("cmp").and_then(Value::as_i64).ok_or("no cmp")?)?;
            let got = scheme.compare(a, b, &o).map_err(|e| e.to_string())?;
            let back = scheme.compare(b, a, &o).map_err(|e| e.to_string())?;
            if got != want || back != want.reverse() {
                return Err(format!("compare({a:?}, {b:?}) = {got:?}, reverse {back:?}; upstream says {want:?}"));
            }
            Ok(())
        }
        "satisfies" => {
            let range = range(r)?;
            let version = s(r, "version")?;
            let want = r.get("ok").and_then(Value::as_bool).ok_or("no ok")?;
            let got = scheme.satisfies(&range, version, &o);
            let got_bool = matches!(got, Ok(true));
            if got_bool != want {
                return Err(format!("satisfies({range:?}, {version:?}) = {got:?}; upstream says {want}"));
            }
            if let Some(by_set) = scheme.satisfies_by_set(&range, version, &o) {
                let set_bool = matches!(by_set, Ok(true));
                if set_bool != want {
                    return Err(format!("version set of {range:?} contains {version:?} = {by_set:?}; upstream says {want}"));
                }
            }
            Ok(())
        }
        "invalid" | "valid" => {
            // RubyGems requirement lists are arrays (all must hold), joined like `range`.
            let input = match r.get("input") {
                Some(Value::Array(_)) => strings(r, "input")?.join(", "),
                _ => s(r, "input")?.to_string(),
            };
            let input = input.as_str();
            let what = s(r, "kind")?;
            let got = match what {
                "version" => scheme.parse(input, &o).map(|p| p.normalized),
                "range" => scheme.parse_range(input, &o),
                k => return Err(format!("unknown kind {k}")),
            };
            match (file_kind, got) {
                ("invalid", Ok(n)) => Err(format!("accepted {what} {input:?} (as {n:?}); upstream rejects it")),
                ("valid", Err(e)) => Err(format!("rejected {what} {input:?}: {e}; upstream accepts it")),
                _ => Ok(()),
            }
        }
        "normalize" => {
            let input = s(r, "input")?;
            let what = s(r, "kind")?;
            let op = r.get("op").and_then(Value::as_str);
            let want = r.get("output").and_then(Value::as_str);
            let got = scheme
                .normalize(what, op, input, &o)
                .ok_or_else(|| format!("not implemented: formatter {what}/{}", op.unwrap_or("canonical")))?;
            let got = got.ok().flatten();
            if got.as_deref() != want {
                return Err(format!("normalize {what}/{} of {input:?} = {got:?}; upstream says {want:?}", op.unwrap_or("canonical")));
            }
            Ok(())
        }
        "filter" => {
            let range = range(r)?;
            let versions = strings(r, "versions")?;
            let want = strings(r, "expected")?;
            let got = scheme.filter(&range, &versions, &o).map_err(|e| e.to_string())?;
            if got != want {
                return Err(format!("filter({range:?}) = {got:?}; upstream says {want:?}"));
            }
            Ok(())
        }
        "best_match" => {
            let range = range(r)?;
            let versions = strings(r, "versions")?;
            let want = r.get("expected").and_then(Value::as_str);
            let got = scheme.max_satisfying(&range, &versions, &o).map_err(|e| e.to_string())?;
            let got = match got {
                Some(v) => Some(scheme.parse(&v, &o).map_err(|e| e.to_string())?.normalized),
                None => None,
            };
            if got.as_deref() != want {
                return Err(format!("best match of {range:?} = {got:?}; upstream says {want:?}"));
            }
            Ok(())
        }
        "sort" => {
            let input = strings(r, "input")?;
            let want = strings(r, "output")?;
            let mut got = scheme.sort(&input, &o).map_err(|e| e.to_string())?;
            if o.flag_bool("reverse") == Some(true) {
                got.reverse();
            }
            if got != want {
                return Err(format!("sort = {got:?}; upstream says {want:?}"));
            }
            Ok(())
        }
        "compare" => {
            let (a, op, b) = (s(r, "a")?, s(r, "op")?, s(r, "b")?);
            let want = r.get("result").and_then(Value::as_bool).ok_or("no result")?;
            let got = scheme.compare_op(a, op, b, &o).ok_or_else(|| format!("not implemented: operator {op}"))?;
            if !matches!(got, Ok(x) if x == want) {
                return Err(format!("{a:?} {op} {b:?} = {got:?}; upstream says {want}"));
            }
            Ok(())
        }
        "outside" => {
            let range = range(r)?;
            let version = s(r, "version")?;
            let dir = match s(r, "direction")? {
                ">" => Ordering::Greater,
                "<" => Ordering::Less,
                d => return Err(format!("bad direction {d}")),
            };
            let want = r.get("ok").and_then(Value::as_bool).ok_or("no ok")?;
            let got = scheme.outside(&range, version, dir, &o).ok_or("not implemented: outside (gtr/ltr)")?;
            if matches!(got, Ok(true)) != want {
                return Err(format!("outside({range:?}, {version:?}, {dir:?}) = {got:?}; upstream says {want}"));
            }
            Ok(())
        }
        k => Err(format!("unknown record kind {k}")),
    }
}
