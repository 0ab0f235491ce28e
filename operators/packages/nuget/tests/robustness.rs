#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Robustness properties over generated inputs (the same checks the cargo-fuzz targets in
//! `fuzz/` run): no panic; `ToFullString` re-parses to an equal version with the same full
//! string; normalized ranges round-trip; the order is antisymmetric and transitive; the
//! PubGrub set agrees with `Satisfies`.

use std::cmp::Ordering;

use tusk_nuget::{NuGetVersion, VersionRange};
use tusk_rng::Rng;

const V: &[&str] = &["0", "1", "2", "01", "10", "2147483647", "2147483648", ".", ".", ".", "-", "-", "+", "a", "B", "rc", "beta", "Z9", " ", "*"];
const R: &[&str] = &["[", "(", "]", ")", ",", ", ", "1.0", "2.0.0", "1.0.0-beta", "1.*", "1.0.*", "*", "-*", "*-*", "-rc*", "1.0.0-", " "];

#[test]
fn versions_round_trip() {
    let mut rng = Rng::new(0x5eed_0101);
    for _ in 0..30_000 {
        let s = rng.string(V, 9);
        for strict in [false, true] {
            let parsed = if strict { NuGetVersion::parse_strict(&s) } else { NuGetVersion::parse(&s) };
            if let Ok(v) = parsed {
                let full = v.to_full_string();
                let again = NuGetVersion::parse(&full).unwrap_or_else(|e| panic!("{s:?} → {full:?} fails: {e}"));
                assert_eq!(again.to_full_string(), full);
                assert_eq!(again.cmp(&v), Ordering::Equal);
            }
        }
    }
}

#[test]
fn order_is_total() {
    let mut rng = Rng::new(0x5eed_0102);
    let mut vs: Vec<NuGetVersion> = Vec::new();
    while vs.len() < 300 {
        if let Ok(v) = NuGetVersion::parse(&rng.string(V, 9)) {
            vs.push(v);
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
fn ranges_round_trip_and_sets_agree() {
    let mut rng = Rng::new(0x5eed_0103);
    let mut probes: Vec<NuGetVersion> = Vec::new();
    while probes.len() < 60 {
        if let Ok(v) = NuGetVersion::parse(&rng.string(V, 7)) {
            probes.push(v);
        }
    }
    for _ in 0..20_000 {
        let s = rng.string(R, 6);
        let Ok(r) = VersionRange::parse(&s) else { continue };
        let n = r.to_normalized_string();
        let again = VersionRange::parse(&n).unwrap_or_else(|e| panic!("{s:?} normalizes to {n:?}, which fails: {e}"));
        assert_eq!(again.to_normalized_string(), n, "{s:?}");
        let _ = (r.pretty_print(), r.to_legacy_string(), r.to_legacy_short_string(), r.to_short_string(), r.to_non_snapshot_range());
        let set = r.to_pubgrub();
        for p in &probes {
            assert_eq!(set.contains(p), r.satisfies(p), "range {s:?} version {p}");
        }
        let _ = r.find_best_match(&probes);
    }
}
