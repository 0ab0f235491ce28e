#![no_main]
//! NuGetVersion (lenient and strict): no panic; ToFullString re-parses to an equal version.
use libfuzzer_sys::fuzz_target;
use tusk_nuget::NuGetVersion;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    for parsed in [NuGetVersion::parse(&s), NuGetVersion::parse_strict(&s)] {
        if let Ok(v) = parsed {
            let full = v.to_full_string();
            let again = NuGetVersion::parse(&full).expect("full string re-parses");
            assert_eq!(again.to_full_string(), full);
            assert_eq!(again.cmp(&v), std::cmp::Ordering::Equal);
            let _ = (v.to_display_string(), v.format("N V F R M x y z r"));
        }
    }
});
