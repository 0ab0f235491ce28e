#![no_main]
//! ComparableVersion and GenericVersion: no panic on any input; the display form re-parses to
//! an equal version; compare is antisymmetric against a fixed set of pivots.
use libfuzzer_sys::fuzz_target;
use tusk_maven::{ComparableVersion, GenericVersion};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(v) = ComparableVersion::parse(&s) {
        let _ = v.canonical();
        let again = ComparableVersion::parse(&v.to_string()).expect("display re-parses");
        assert_eq!(again.cmp(&v), std::cmp::Ordering::Equal);
        for p in ["1", "1-SNAPSHOT", "1.0-alpha1", "1-sp", "2.0.x"] {
            let p = ComparableVersion::parse(p).expect("pivot");
            assert_eq!(v.cmp(&p), p.cmp(&v).reverse());
        }
    }
    let g = GenericVersion::parse(&s);
    for p in ["1", "1.min", "1.max", "1-alpha", "0.foo"] {
        let p = GenericVersion::parse(p);
        assert_eq!(g.cmp(&p), p.cmp(&g).reverse());
    }
});
