//! Parse and compare throughput for npm versions and ranges.
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use tusk_npm::{Options, Range, Version};

const VERSIONS: [&str; 4] = ["1.2.3", "0.10.0-rc.1", "v2.0.0+build.5", "1.0.0-alpha.beta.1"];

fn bench(c: &mut Criterion) {
    c.bench_function("npm/parse_version", |b| b.iter(|| for v in VERSIONS { black_box(Version::parse(black_box(v), false).ok()); }));
    let parsed: Vec<Version> = VERSIONS.iter().filter_map(|v| Version::parse(v, false).ok()).collect();
    c.bench_function("npm/compare", |b| b.iter(|| for w in parsed.windows(2) { black_box(w[0].cmp(&w[1])); }));
    c.bench_function("npm/parse_range_uncached", |b| b.iter(|| black_box(Range::parse_uncached(black_box("^1.2.3 || >=2.0.0-rc.1 <3"), Options::default()).ok())));
    c.bench_function("npm/parse_range_cached", |b| b.iter(|| black_box(Range::parse(black_box("^1.2.3 || >=2.0.0-rc.1 <3"), Options::default()).ok())));
    if let (Ok(r), Ok(v)) = (Range::parse("^1.2.3 || >=2.0.0-rc.1 <3", Options::default()), Version::parse("2.5.0", false)) {
        c.bench_function("npm/satisfies", |b| b.iter(|| black_box(r.test(black_box(&v)))));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
