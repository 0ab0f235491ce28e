//! Parse and compare throughput for Gem versions and requirements.
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use tusk_rubygems::{GemVersion, Requirement};

const VERSIONS: [&str; 4] = ["1.2.3", "1.0.0.rc1", "2.0.0-beta.2", "0.9.10"];

fn bench(c: &mut Criterion) {
    c.bench_function("rubygems/parse_version", |b| b.iter(|| for v in VERSIONS { black_box(GemVersion::parse(black_box(v)).ok()); }));
    let parsed: Vec<GemVersion> = VERSIONS.iter().filter_map(|v| GemVersion::parse(v).ok()).collect();
    c.bench_function("rubygems/compare", |b| b.iter(|| for w in parsed.windows(2) { black_box(w[0].cmp(&w[1])); }));
    c.bench_function("rubygems/parse_requirement", |b| b.iter(|| black_box(Requirement::parse(black_box("~> 1.2, >= 1.2.3")).ok())));
    if let Ok(r) = Requirement::parse("~> 1.2") {
        c.bench_function("rubygems/to_pubgrub", |b| b.iter(|| black_box(r.to_pubgrub())));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
