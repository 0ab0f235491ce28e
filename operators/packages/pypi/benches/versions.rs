//! Parse and compare throughput for PEP 440 versions and specifier sets.
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use tusk_pypi::{PrereleaseFlags, SpecifierSet, Version};

const VERSIONS: [&str; 4] = ["1.2.3", "2.0rc1", "1!2.0.post3.dev4", "1.0+ubuntu.1"];

fn bench(c: &mut Criterion) {
    c.bench_function("pypi/parse_version", |b| b.iter(|| for v in VERSIONS { black_box(Version::parse(black_box(v)).ok()); }));
    let parsed: Vec<Version> = VERSIONS.iter().filter_map(|v| Version::parse(v).ok()).collect();
    c.bench_function("pypi/compare", |b| b.iter(|| for w in parsed.windows(2) { black_box(w[0].cmp(&w[1])); }));
    c.bench_function("pypi/parse_specifiers", |b| b.iter(|| black_box(SpecifierSet::parse(black_box(">=1.0,<2.0,!=1.5.*")).ok())));
    if let (Ok(s), Ok(v)) = (SpecifierSet::parse(">=1.0,<2.0,!=1.5.*"), Version::parse("1.7.2")) {
        c.bench_function("pypi/contains", |b| b.iter(|| black_box(s.contains(black_box(&v), PrereleaseFlags::default()))));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
