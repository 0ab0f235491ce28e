//! Parse and compare throughput for NuGet versions and ranges.
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use tusk_nuget::{NuGetVersion, VersionRange};

const VERSIONS: [&str; 4] = ["1.2.3", "1.0.0-beta.2", "2.0.0+build.5", "1.2.3.4"];

fn bench(c: &mut Criterion) {
    c.bench_function("nuget/parse_version", |b| b.iter(|| for v in VERSIONS { black_box(NuGetVersion::parse(black_box(v)).ok()); }));
    let parsed: Vec<NuGetVersion> = VERSIONS.iter().filter_map(|v| NuGetVersion::parse(v).ok()).collect();
    c.bench_function("nuget/compare", |b| b.iter(|| for w in parsed.windows(2) { black_box(w[0].cmp(&w[1])); }));
    c.bench_function("nuget/parse_range", |b| b.iter(|| black_box(VersionRange::parse(black_box("[1.0.0, 2.0.0)")).ok())));
    c.bench_function("nuget/parse_floating_range", |b| b.iter(|| black_box(VersionRange::parse(black_box("1.*-rc*")).ok())));
    if let Ok(r) = VersionRange::parse("1.*") {
        c.bench_function("nuget/find_best_match", |b| b.iter(|| black_box(r.find_best_match(&parsed))));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
