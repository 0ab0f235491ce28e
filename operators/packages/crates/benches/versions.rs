//! Parse and compare throughput for Cargo versions and requirements.
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use tusk_crates::{Requirement, Version};

const VERSIONS: [&str; 4] = ["1.2.3", "0.10.0-rc.1", "2.0.0+build.5", "1.0.0-alpha.beta.1"];

fn bench(c: &mut Criterion) {
    c.bench_function("crates/parse_version", |b| b.iter(|| for v in VERSIONS { black_box(Version::parse(black_box(v)).ok()); }));
    let parsed: Vec<Version> = VERSIONS.iter().filter_map(|v| Version::parse(v).ok()).collect();
    c.bench_function("crates/compare", |b| b.iter(|| for w in parsed.windows(2) { black_box(w[0].cmp(&w[1])); }));
    c.bench_function("crates/parse_requirement", |b| b.iter(|| black_box(Requirement::parse(black_box(">=1.2.3, <2.0.0")).ok())));
    if let Ok(r) = Requirement::parse("^1.2.3") {
        c.bench_function("crates/to_set", |b| b.iter(|| black_box(r.to_set())));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
