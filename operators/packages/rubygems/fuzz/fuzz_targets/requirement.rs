#![no_main]
//! Gem::Requirement: no panic; display round-trips; the PubGrub set agrees with satisfied_by?.
use libfuzzer_sys::fuzz_target;
use tusk_rubygems::{GemVersion, Requirement};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let Ok(r) = Requirement::parse(&s) else { return };
    let d = r.to_string();
    // `-` shows as `.pre.`, which RubyGems itself cannot re-read when dashes repeat or end
    // the version (fuzz crash 9a9b0d02: `2.3522222.1-----…`); everything else round-trips.
    if !r.constraints.iter().any(|(_, v)| v.as_str().contains("..") || v.as_str().ends_with('.')) {
        assert_eq!(Requirement::parse(&d).expect("display re-parses").to_string(), d);
    }
    let set = r.to_pubgrub();
    for p in ["0", "1", "1.2.a", "1.9", "2.a", "2.A.A", "2", "2.0.1", "10"] {
        let v = GemVersion::parse(p).expect("probe");
        assert_eq!(set.contains(&v), r.satisfied_by(&v));
    }
});
