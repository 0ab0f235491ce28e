//! In-tree stand-in for the cargo-fuzz target (which needs a nightly toolchain): the same
//! properties (tusk_npm::fuzzing::check) over grammar-biased pseudo-random inputs, plus every
//! input in fuzz_regressions.txt (one per line, JSON string literals).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tusk_rng::{Rng, VERSION_PIECES};

/// The same stream every run (the seed is fixed), so a failure reproduces.
fn inputs(n: usize) -> impl Iterator<Item = String> {
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    (0..n).map(move |_| rng.string(VERSION_PIECES, 11))
}

#[test]
fn properties_hold_on_generated_inputs() {
    let mut failures = Vec::new();
    // TUSK_FUZZ_N=1000000 runs a longer session.
    let n = std::env::var("TUSK_FUZZ_N").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
    for s in inputs(n) {
        if let Err(e) = tusk_npm::fuzzing::check(&s) {
            failures.push(format!("{s:?}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{} failures, first ones:\n{}", failures.len(), failures[..failures.len().min(10)].join("\n"));
}

#[test]
fn regressions() {
    let text = include_str!("fuzz_regressions.txt");
    for line in text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let input: String = serde_json::from_str(line).unwrap_or_else(|e| panic!("bad regression line {line}: {e}"));
        if let Err(e) = tusk_npm::fuzzing::check(&input) {
            panic!("{input:?}: {e}");
        }
    }
}
