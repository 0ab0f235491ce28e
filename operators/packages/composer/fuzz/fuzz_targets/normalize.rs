#![no_main]
//! VersionParser::normalize / parseStability / normalizeBranch: no panic; normalize reaches a
//! fixed point.
use libfuzzer_sys::fuzz_target;
use tusk_composer::{normalize, normalize_branch, parse_stability};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = (parse_stability(&s), normalize_branch(&s));
    // A normalized string always normalizes again, and repeating converges (each round can
    // only strip whitespace or one trailing `@flag`; fuzz crash 7d271bd7: `dev-1\x07||1^ @dev@dev`).
    if let Ok(mut n) = normalize(&s) {
        for _ in 0..=n.len() + 1 {
            let next = normalize(&n).expect("normalized re-normalizes");
            if next == n {
                return;
            }
            n = next;
        }
        panic!("normalize does not converge from {s:?}");
    }
});
