#![no_main]
//! Versions and ranges: no panic on any input; display re-parses to the same value; the
//! PubGrub version set agrees with the matcher (tusk_crates::fuzzing::check).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Err(e) = tusk_crates::fuzzing::check(&s) {
        panic!("{e}");
    }
});
