//! What one control change costs natively: each chapter's `compute` at its defaults (the browser adds the
//! drawing and wasm's overhead; `tests/e2e/bench.mjs` measures that). Replaces the per-chapter timing
//! printouts that used to sit in the tests.

use criterion::{criterion_group, criterion_main, Criterion};
use optlab::app::{chapters, controls::normalize};
use std::collections::BTreeMap;

fn chapter_compute(c: &mut Criterion) {
    let mut group = c.benchmark_group("chapter_compute_defaults");
    group.sample_size(20);
    for ch in chapters() {
        let (st, _) = normalize(&ch.controls(), &BTreeMap::new());
        group.bench_function(ch.id(), |b| b.iter(|| std::hint::black_box(ch.compute(&st))));
    }
    group.finish();
}

criterion_group!(benches, chapter_compute);
criterion_main!(benches);
