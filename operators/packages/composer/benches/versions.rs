//! Parse and compare throughput for Composer versions and constraints.
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use tusk_composer::{normalize, parse_constraints, php};

const VERSIONS: [&str; 4] = ["1.2.3", "v2.0.0-beta2", "1.0.0-RC1", "dev-master"];

fn bench(c: &mut Criterion) {
    c.bench_function("composer/normalize", |b| b.iter(|| for v in VERSIONS { black_box(normalize(black_box(v)).ok()); }));
    let parsed: Vec<String> = VERSIONS.iter().filter_map(|v| normalize(v).ok()).collect();
    c.bench_function("composer/version_compare", |b| b.iter(|| for w in parsed.windows(2) { black_box(php::version_compare(&w[0], &w[1])); }));
    c.bench_function("composer/parse_constraints", |b| b.iter(|| black_box(parse_constraints(black_box("^1.2 || >=2.0,<2.5")).ok())));
    if let Ok(cs) = parse_constraints("^1.2") {
        c.bench_function("composer/matches", |b| b.iter(|| for v in &parsed { black_box(cs.matches_version(v)); }));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
