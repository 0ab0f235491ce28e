#![no_main]
//! VersionRange / generic constraints: no panic; display round-trips; the PubGrub set agrees
//! with containsVersion.
use libfuzzer_sys::fuzz_target;
use tusk_maven::{ComparableVersion, GenericVersion, GenericVersionConstraint, VersionRange};

const PROBES: [&str; 8] = ["0", "1", "1.0-SNAPSHOT", "1.1", "1.2-alpha", "2", "2.0.1", "10"];

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(r) = VersionRange::parse(&s) {
        let d = r.to_string();
        let again = VersionRange::parse(&d).expect("display re-parses");
        assert_eq!(again.to_string(), d);
        let set = r.to_pubgrub();
        for p in PROBES {
            let v = ComparableVersion::parse(p).expect("probe");
            assert_eq!(set.contains(&v), r.contains(&v));
        }
    }
    if let Ok(c) = GenericVersionConstraint::parse(&s) {
        let set = c.to_pubgrub();
        for p in PROBES {
            let v = GenericVersion::parse(p);
            assert_eq!(set.contains(&v), c.contains(&v));
        }
    }
});
