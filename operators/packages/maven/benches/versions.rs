//! Parse and compare throughput for Maven versions (both schemes) and ranges.
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use tusk_maven::{ComparableVersion, GenericVersion, GenericVersionConstraint, VersionRange};

const VERSIONS: [&str; 4] = ["1.2.3", "2.0.0-SNAPSHOT", "1.0-alpha-1", "3.2.1.RELEASE"];

fn bench(c: &mut Criterion) {
    c.bench_function("maven/parse_version", |b| b.iter(|| for v in VERSIONS { black_box(ComparableVersion::parse(black_box(v)).ok()); }));
    let parsed: Vec<ComparableVersion> = VERSIONS.iter().filter_map(|v| ComparableVersion::parse(v).ok()).collect();
    c.bench_function("maven/compare", |b| b.iter(|| for w in parsed.windows(2) { black_box(w[0].cmp(&w[1])); }));
    c.bench_function("maven/parse_generic", |b| b.iter(|| for v in VERSIONS { black_box(GenericVersion::parse(black_box(v))); }));
    let generic: Vec<GenericVersion> = VERSIONS.iter().map(|v| GenericVersion::parse(v)).collect();
    c.bench_function("maven/compare_generic", |b| b.iter(|| for w in generic.windows(2) { black_box(w[0].cmp(&w[1])); }));
    c.bench_function("maven/parse_range", |b| b.iter(|| black_box(VersionRange::parse(black_box("[1.0,2.0),[3.0,)")).ok())));
    c.bench_function("maven/parse_constraint", |b| b.iter(|| black_box(GenericVersionConstraint::parse(black_box("[1.0,2.0)")).ok())));
}

criterion_group!(benches, bench);
criterion_main!(benches);
