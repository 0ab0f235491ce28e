#![no_main]
//! parseConstraints: no panic; the PubGrub set agrees with Semver::satisfies.
use libfuzzer_sys::fuzz_target;
use tusk_composer::{ComposerVersion, normalize, parse_constraints};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let Ok(c) = parse_constraints(&s) else { return };
    let _ = c.to_string();
    let set = c.to_pubgrub();
    for p in ["0", "1.0", "1.0-beta2", "1.2.3", "2.0.x-dev", "dev-master", "dev-foo", "3.0-patch1"] {
        let n = normalize(p).expect("probe");
        assert_eq!(set.contains(&ComposerVersion::from_normalized(&n)), c.matches_version(&n));
    }
});
