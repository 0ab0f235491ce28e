#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Robustness properties over generated inputs (the same checks the cargo-fuzz targets in
//! `fuzz/` run): no panic on any input; the display form re-parses to an equal version; range display
//! round-trips; the order is antisymmetric and transitive; PubGrub sets agree with `contains`.

use std::cmp::Ordering;

use tusk_maven::{ComparableVersion, GenericVersion, GenericVersionConstraint, VersionRange};
use tusk_rng::Rng;

const V: &[&str] = &[
    "0", "1", "2", "10", "007", "9999999999", "99999999999999999999", ".", ".", "-", "-", "_", "a", "b", "m", "alpha", "beta",
    "milestone", "rc", "cr", "snapshot", "SNAPSHOT", "ga", "final", "release", "sp", "foo", "x", "min", "max", "RC", "é",
];
const R: &[&str] = &["[", "(", "]", ")", ",", ",", "1.0", "2", "1.0-SNAPSHOT", "1.2.*", "", " ", "3-alpha"];

fn versions(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n).map(|_| rng.string(V, 8)).collect()
}

#[test]
fn comparable_version_never_panics_and_display_round_trips() {
    let mut rng = Rng::new(0x5eed_0001);
    for s in versions(&mut rng, 20_000) {
        let v = ComparableVersion::parse(&s).unwrap();
        let c = v.canonical();
        let again = ComparableVersion::parse(&c).unwrap();
        // `getCanonical()` is not a fixed point upstream either (`x_.b_.` → `x_.b_` → `x_-b_`,
        // `alpha-..1` → `alpha-0.0.1` → `alpha0.0.1`), so only the display form (the string
        // as given, `toString()`) is required to round-trip, plus: no panic.
        let _ = again;
        let shown = ComparableVersion::parse(&v.to_string()).unwrap();
        assert_eq!(shown.canonical(), c);
        assert_eq!(shown.cmp(&v), Ordering::Equal);
    }
}

#[test]
fn orders_are_antisymmetric_and_transitive() {
    let mut rng = Rng::new(0x5eed_0002);
    let vs = versions(&mut rng, 400);
    let cv: Vec<ComparableVersion> = vs.iter().map(|s| ComparableVersion::parse(s).unwrap()).collect();
    let gv: Vec<GenericVersion> = vs.iter().map(|s| GenericVersion::parse(s)).collect();
    for i in 0..vs.len() {
        for j in 0..vs.len() {
            assert_eq!(cv[i].cmp(&cv[j]), cv[j].cmp(&cv[i]).reverse(), "{:?} {:?}", vs[i], vs[j]);
            assert_eq!(gv[i].cmp(&gv[j]), gv[j].cmp(&gv[i]).reverse(), "generic {:?} {:?}", vs[i], vs[j]);
        }
    }
    let mut sorted = cv.clone();
    sorted.sort();
    for w in sorted.windows(2) {
        assert_ne!(w[0].cmp(&w[1]), Ordering::Greater);
    }
    for i in 0..sorted.len() {
        for j in i + 1..sorted.len() {
            assert_ne!(sorted[i].cmp(&sorted[j]), Ordering::Greater, "not transitive: {} > {}", sorted[i], sorted[j]);
        }
    }
    let mut gsorted = gv.clone();
    gsorted.sort();
    for i in 0..gsorted.len() {
        for j in i + 1..gsorted.len() {
            assert_ne!(gsorted[i].cmp(&gsorted[j]), Ordering::Greater, "generic not transitive: {} > {}", gsorted[i], gsorted[j]);
        }
    }
}

#[test]
fn ranges_round_trip_and_sets_agree() {
    let mut rng = Rng::new(0x5eed_0003);
    let probes: Vec<String> = versions(&mut rng, 60);
    for _ in 0..5_000 {
        let s = rng.string(R, 7);
        if let Ok(r) = VersionRange::parse(&s) {
            let d = r.to_string();
            let again = VersionRange::parse(&d).unwrap_or_else(|e| panic!("{s:?} displays as {d:?}, which fails: {e}"));
            assert_eq!(again.to_string(), d);
            let set = r.to_pubgrub();
            for p in &probes {
                let v = ComparableVersion::parse(p).unwrap();
                assert_eq!(set.contains(&v), r.contains(&v), "range {s:?} version {p:?}");
            }
        }
        if let Ok(c) = GenericVersionConstraint::parse(&s) {
            let set = c.to_pubgrub();
            for p in &probes {
                let v = GenericVersion::parse(p);
                assert_eq!(set.contains(&v), c.contains(&v), "generic {s:?} version {p:?}");
            }
        }
    }
}
