#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Runs every record of `fixtures/conformance/versions/maven.*.jsonl` (upstream maven-artifact
//! and maven-resolver test cases) through this crate. Each mismatch is reported as
//! `file:line`, so it points at the upstream case. The operator crate's harness runs the same
//! records through `scheme_for`; this one keeps the crate testable on its own.

use std::cmp::Ordering;
use std::path::PathBuf;

use serde_json::Value;
use tusk_maven::{ComparableVersion, GenericVersionConstraint, SCHEME};
use tusk_versions::{SchemeOptions, VersionScheme};

fn conformance_dir() -> PathBuf {
    if let Ok(d) = std::env::var("TUSK_CONFORMANCE_DIR") {
        return PathBuf::from(d);
    }
    // operators/packages/maven -> repository root
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../fixtures/conformance/versions")
}

fn records(kind: &str) -> Vec<(String, Value)> {
    let path = conformance_dir().join(format!("maven.{kind}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read {} ({e}); the conformance data is part of the repository at fixtures/conformance/versions (or set TUSK_CONFORMANCE_DIR)", path.display())
    });
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (format!("maven.{kind}.jsonl:{}", i + 1), serde_json::from_str(l).expect("valid JSON line")))
        .collect()
}

fn opts(rec: &Value) -> SchemeOptions {
    let o = &rec["options"];
    let mode = match (o["scheme"].as_str(), o["parse_as"].as_str()) {
        (Some("generic"), Some("range")) => Some("generic-range".to_string()),
        (Some("generic"), _) => Some("generic".to_string()),
        _ => None,
    };
    SchemeOptions { mode, ..Default::default() }
}

fn s<'a>(rec: &'a Value, k: &str) -> &'a str {
    rec[k].as_str().expect("string field")
}

fn check(failures: &mut Vec<String>, at: &str, ok: bool, msg: String) {
    if !ok {
        failures.push(format!("{at}: {msg}"));
    }
}

fn finish(failures: Vec<String>, total: usize) {
    assert!(failures.is_empty(), "{} of {total} records failed:\n{}", failures.len(), failures.join("\n"));
}

fn ord(i: i64) -> Ordering {
    i.cmp(&0)
}

#[test]
fn order() {
    let recs = records("order");
    let mut f = Vec::new();
    for (at, r) in &recs {
        let o = opts(r);
        let want = ord(r["cmp"].as_i64().unwrap_or(9));
        let got = SCHEME.compare(s(r, "a"), s(r, "b"), &o);
        check(&mut f, at, got == Ok(want), format!("{} vs {}: got {got:?}, want {want:?}", r["a"], r["b"]));
        let back = SCHEME.compare(s(r, "b"), s(r, "a"), &o);
        check(&mut f, at, back == Ok(want.reverse()), format!("reverse {} vs {}: got {back:?}", r["b"], r["a"]));
    }
    finish(f, recs.len());
}

#[test]
fn satisfies() {
    let recs = records("satisfies");
    let mut f = Vec::new();
    for (at, r) in &recs {
        let got = SCHEME.satisfies(s(r, "range"), s(r, "version"), &opts(r));
        let want = r["ok"].as_bool();
        check(&mut f, at, got.as_ref().ok().copied() == want, format!("{} ∋ {}: got {got:?}", r["range"], r["version"]));
    }
    finish(f, recs.len());
}

#[test]
fn valid_and_invalid() {
    let mut f = Vec::new();
    let mut n = 0;
    for (kind, want_ok) in [("valid", true), ("invalid", false)] {
        for (at, r) in records(kind) {
            n += 1;
            assert_eq!(s(&r, "kind"), "range", "{at}: only range records exist for maven");
            let got = SCHEME.parse_range(s(&r, "input"), &opts(&r));
            check(&mut f, &at, got.is_ok() == want_ok, format!("{}: got {got:?}", r["input"]));
        }
    }
    finish(f, n);
}

#[test]
fn normalize() {
    let recs = records("normalize");
    let mut f = Vec::new();
    for (at, r) in &recs {
        let input = s(r, "input");
        let want = r["output"].as_str().map(str::to_string);
        let got = match (r["op"].as_str(), s(r, "kind")) {
            (Some("getCanonical"), "version") => ComparableVersion::parse(input).ok().map(|v| v.canonical()),
            (None, "range") => GenericVersionConstraint::parse(input).ok().map(|c| c.to_string()),
            other => {
                f.push(format!("{at}: unhandled normalize record {other:?}"));
                continue;
            }
        };
        check(&mut f, at, got == want, format!("{input:?}: got {got:?}, want {want:?}"));
    }
    finish(f, recs.len());
}
