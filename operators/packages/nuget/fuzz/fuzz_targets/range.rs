#![no_main]
//! VersionRange: no panic in parsing, formatting or best-match; the normalized string
//! round-trips; the PubGrub set agrees with Satisfies.
use libfuzzer_sys::fuzz_target;
use tusk_nuget::{NuGetVersion, VersionRange};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let Ok(r) = VersionRange::parse(&s) else { return };
    let n = r.to_normalized_string();
    let again = VersionRange::parse(&n).expect("normalized re-parses");
    assert_eq!(again.to_normalized_string(), n);
    let _ = (r.pretty_print(), r.to_legacy_string(), r.to_legacy_short_string(), r.format("NDTSAPLU"), r.to_non_snapshot_range());
    let probes: Vec<NuGetVersion> =
        ["0.0.0", "1.0.0-beta", "1.0.0", "1.0.1-rc.1", "1.2.3.4", "2.0.0"].iter().filter_map(|p| NuGetVersion::parse(p).ok()).collect();
    let set = r.to_pubgrub();
    for p in &probes {
        assert_eq!(set.contains(p), r.satisfies(p));
    }
    let _ = r.find_best_match(&probes);
});
