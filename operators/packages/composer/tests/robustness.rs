#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Robustness properties over generated inputs (the same checks the cargo-fuzz targets in
//! `fuzz/` run): no panic; `normalize` reaches a fixed point; the `version_compare` order is
//! antisymmetric and transitive; the PubGrub set agrees with `Semver::satisfies` on every
//! generated constraint and version, branches included.

use std::cmp::Ordering;

use tusk_composer::{ComposerVersion, normalize, parse_constraints, php};
use tusk_rng::Rng;

const V: &[&str] = &[
    "0", "1", "2", "10", "01", "2010", "9999999", ".", ".", ".", "-", "_", "+", "v", "dev", "dev-", "master", "alpha", "a", "beta", "b", "RC",
    "rc", "p", "pl", "patch", "stable", "x", "*", "foo", " ", "@dev", " as ",
];
const C: &[&str] = &[
    "^", "~", ">=", "<", ">", "<=", "!=", "==", "<>", " ", ",", " || ", "|", "-", " - ", "@dev", "@stable", "*", "1", "1.2", "2.0.x", "1.x-dev",
    "dev-master", "dev-foo", "0", "1.0-beta2", "3", ".", "v",
];

#[test]
fn normalize_is_idempotent() {
    let mut rng = Rng::new(0x5eed_0301);
    for _ in 0..40_000 {
        let s = rng.string(V, 8);
        // Upstream is not idempotent in one step (dates: `2010-01-02` → `2010.01.02` →
        // `2010.01.02.0`; branches lose one trailing `@flag` and whitespace per round), so: a
        // normalized version always normalizes again, and repeating converges.
        if let Ok(n) = normalize(&s) {
            let mut cur = n;
            let mut steps = 0;
            loop {
                let next = normalize(&cur).unwrap_or_else(|e| panic!("{s:?} → {cur:?} fails: {e}"));
                if next == cur {
                    break;
                }
                cur = next;
                steps += 1;
                assert!(steps <= s.len() + 1, "normalize does not converge from {s:?}");
            }
        }
    }
}

#[test]
fn version_compare_is_a_total_order() {
    let mut rng = Rng::new(0x5eed_0302);
    let mut vs: Vec<String> = Vec::new();
    while vs.len() < 300 {
        if let Ok(n) = normalize(&rng.string(V, 8)) {
            vs.push(n);
        }
    }
    for a in &vs {
        for b in &vs {
            assert_eq!(php::version_compare(a, b), php::version_compare(b, a).reverse(), "{a} {b}");
        }
    }
    vs.sort_by(|a, b| php::version_compare(a, b));
    for i in 0..vs.len() {
        for j in i + 1..vs.len() {
            assert_ne!(php::version_compare(&vs[i], &vs[j]), Ordering::Greater, "not transitive: {} > {}", vs[i], vs[j]);
        }
    }
}

#[test]
fn sets_agree_with_satisfies() {
    let mut rng = Rng::new(0x5eed_0303);
    let mut probes: Vec<String> = Vec::new();
    while probes.len() < 80 {
        if let Ok(n) = normalize(&rng.string(V, 6)) {
            probes.push(n);
        }
    }
    for _ in 0..20_000 {
        let s = rng.string(C, 6);
        let Ok(c) = parse_constraints(&s) else { continue };
        let _ = c.to_string();
        let set = c.to_pubgrub();
        for p in &probes {
            let v = ComposerVersion::from_normalized(p);
            assert_eq!(set.contains(&v), c.matches_version(p), "constraint {s:?} ({c}) version {p}");
        }
    }
}

/// Regression: cargo-fuzz crash 7d271bd7. A branch name keeps `@dev` flags and whitespace that
/// the next round strips, so normalize needs several rounds to settle — as upstream does.
#[test]
fn fuzz_crash_branch_with_stacked_flags() {
    let input = "dev-1\x07||1^ @dev@dev\0\0\0";
    let n1 = normalize(input).unwrap();
    assert_eq!(n1, "dev-1\x07||1^ @dev");
    let n2 = normalize(&n1).unwrap();
    assert_eq!(n2, "dev-1\x07||1^ ");
    assert_eq!(normalize(&n2).unwrap(), "dev-1\x07||1^");
}
