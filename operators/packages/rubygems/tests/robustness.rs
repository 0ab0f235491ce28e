#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Robustness properties over generated inputs (the same checks the cargo-fuzz targets in
//! `fuzz/` run): no panic; `to_s` re-parses to the same version; requirement display
//! round-trips; the order is antisymmetric and transitive; the PubGrub set agrees with
//! `satisfied_by?`, including `~>` around prereleases of the bump.

use std::cmp::Ordering;

use tusk_rng::Rng;
use tusk_rubygems::{GemVersion, Requirement};

const V: &[&str] = &["0", "1", "2", "9", "10", "00", "99999999999999999999", ".", ".", ".", "-", "a", "A", "b", "pre", "rc", "Z", " "];
const R: &[&str] = &["=", "!=", ">", "<", ">=", "<=", "~>", " ", ", ", "1", "1.2", "2.0.a", "0", "1.0.0.1", "3.x", "a", "1..2"];

#[test]
fn versions_round_trip_and_order_is_total() {
    let mut rng = Rng::new(0x5eed_0201);
    let mut vs: Vec<GemVersion> = Vec::new();
    for _ in 0..30_000 {
        let s = rng.string(V, 9);
        if let Ok(v) = GemVersion::parse(&s) {
            // `-` becomes `.pre.`, so `1--a` shows as `1.pre..pre.a` and `1-a-` as
            // `1.pre.a.pre.`, which RubyGems itself rejects; every other `to_s` must re-parse
            // to the same version.
            if !v.as_str().contains("..") && !v.as_str().ends_with('.') {
                let again = GemVersion::parse(v.as_str()).unwrap_or_else(|e| panic!("{s:?} → {:?} fails: {e}", v.as_str()));
                assert_eq!(again.as_str(), v.as_str());
                assert_eq!(again.cmp(&v), Ordering::Equal);
            }
            if vs.len() < 300 {
                vs.push(v);
            }
        }
    }
    for a in &vs {
        for b in &vs {
            assert_eq!(a.cmp(b), b.cmp(a).reverse(), "{a} {b}");
        }
    }
    vs.sort();
    for i in 0..vs.len() {
        for j in i + 1..vs.len() {
            assert_ne!(vs[i].cmp(&vs[j]), Ordering::Greater, "not transitive: {} > {}", vs[i], vs[j]);
        }
    }
}

#[test]
fn requirements_round_trip_and_sets_agree() {
    let mut rng = Rng::new(0x5eed_0202);
    let mut probes: Vec<GemVersion> = Vec::new();
    while probes.len() < 80 {
        if let Ok(v) = GemVersion::parse(&rng.string(V, 7)) {
            probes.push(v);
        }
    }
    for extra in ["2", "2.a", "2.A.A", "1.99", "1.99.z", "2.0.0.1", "3"] {
        probes.push(GemVersion::parse(extra).unwrap());
    }
    for _ in 0..20_000 {
        let s = rng.string(R, 6);
        let Ok(r) = Requirement::parse(&s) else { continue };
        let d = r.to_string();
        if !r.constraints.iter().any(|(_, v)| v.as_str().contains("..") || v.as_str().ends_with('.')) {
            let again = Requirement::parse(&d).unwrap_or_else(|e| panic!("{s:?} displays as {d:?}, which fails: {e}"));
            assert_eq!(again.to_string(), d);
        }
        let set = r.to_pubgrub();
        for p in &probes {
            assert_eq!(set.contains(p), r.satisfied_by(p), "requirement {s:?} version {p}");
        }
    }
}

/// Regression: cargo-fuzz crash 9a9b0d02. Repeated dashes are a valid version, shown with
/// `.pre.` for every dash, which (as in RubyGems) is not itself a valid version.
#[test]
fn fuzz_crash_repeated_dashes() {
    let input = format!("2.3522222.1{}", "-".repeat(39));
    let r = Requirement::parse(&input).unwrap();
    let shown = r.to_string();
    assert!(shown.starts_with("= 2.3522222.1.pre..pre."), "{shown}");
    assert!(Requirement::parse(&shown).is_err());
    assert!(r.satisfied_by(&GemVersion::parse(&input).unwrap()));
}
