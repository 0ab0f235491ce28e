#![no_main]
//! Gem::Version: no panic; to_s re-parses to the same version (except the `-`→`.pre.` spellings
//! RubyGems itself cannot re-read).
use libfuzzer_sys::fuzz_target;
use tusk_rubygems::GemVersion;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let Ok(v) = GemVersion::parse(&s) else { return };
    let _ = (v.release(), v.bump(), v.approximate_recommendation());
    if !v.as_str().contains("..") && !v.as_str().ends_with('.') {
        let again = GemVersion::parse(v.as_str()).expect("to_s re-parses");
        assert_eq!(again.cmp(&v), std::cmp::Ordering::Equal);
    }
});
