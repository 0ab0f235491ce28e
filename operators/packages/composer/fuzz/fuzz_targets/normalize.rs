#![no_main]
//! VersionParser::normalize / parseStability / normalizeBranch: no panic; normalize reaches a
//! fixed point after a second application.
use libfuzzer_sys::fuzz_target;
use tusk_composer::{normalize, normalize_branch, parse_stability};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = (parse_stability(&s), normalize_branch(&s));
    if let Ok(n) = normalize(&s) {
        let n2 = normalize(&n).expect("normalized re-normalizes");
        assert_eq!(normalize(&n2).expect("twice"), n2);
    }
});
