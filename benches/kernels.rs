//! What the app's inner loops cost (criterion):
//! - `msign/*`: Newton–Schulz (Keller Jordan's quintic, 5 steps) against the exact msign by SVD, at the
//!   sizes of small hidden layers; at the Muon chapter's sizes, in place against ndarray's `dot`;
//! - `adam_step/10k`: one Adam step on 10,000 parameters;
//! - `run_200/*`: a whole 200-step run of each optimizer on the 2-D quadratic, spec parsing and validation
//!   included — what moving a slider costs before anything is drawn.
//!
//! `cargo bench --bench kernels -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use ndarray::Array2;
use optlab::linalg::msign::{msign_svd, newton_schulz, newton_schulz_in_place, NsVariant};
use optlab::optim::{OptimizerSpec, Oracle};
use optlab::run::run;
use optlab::Spec;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

fn gaussian(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| StandardNormal.sample(&mut rng))
}

fn msign_kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("msign");
    group.sample_size(10);
    let keller = NsVariant::KellerQuintic.coefficients().expect("polynomial");
    for n in [32usize, 128, 256] {
        let m = gaussian(n, n, n as u64);
        group.bench_with_input(BenchmarkId::new("keller_quintic_5", n), &m, |b, m| {
            b.iter(|| newton_schulz(black_box(m.view()), keller, 5, 1e-7))
        });
        group.bench_with_input(BenchmarkId::new("svd", n), &m, |b, m| b.iter(|| msign_svd(black_box(m.view()))));
    }
    // the app's Muon chapter (8×16 by default, 16×16 at most): Newton–Schulz in place, and ndarray's
    // allocating, packing products for the same iteration as a reference
    for (r, c) in [(8usize, 16usize), (16, 16)] {
        let m = gaussian(r, c, 7);
        let flat: Vec<f64> = m.iter().copied().collect();
        let id = format!("{r}x{c}");
        group.bench_with_input(BenchmarkId::new("keller_quintic_5_in_place", &id), &flat, |b, flat| {
            b.iter_batched_ref(|| flat.clone(), |u| newton_schulz_in_place(u, (r, c), keller, 5, 1e-7), criterion::BatchSize::SmallInput)
        });
        group.bench_with_input(BenchmarkId::new("keller_quintic_5_ndarray_dot", &id), &m, |b, m| {
            b.iter(|| ns_ndarray(black_box(m), keller, 5, 1e-7))
        });
    }
    group.finish();
}

/// Newton–Schulz written with ndarray's `dot` (what `newton_schulz` was before `linalg::dense`).
fn ns_ndarray(m: &Array2<f64>, (a, b, c): (f64, f64, f64), steps: usize, eps: f64) -> Array2<f64> {
    let mut x = m.to_owned();
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    x /= norm + eps;
    for _ in 0..steps {
        let gram = x.dot(&x.t());
        let poly = &gram * b + gram.dot(&gram) * c;
        x = &x * a + poly.dot(&x);
    }
    x
}

/// Chains never call the oracle; Adam only needs the gradient it is handed.
struct NoOracle;

impl Oracle for NoOracle {
    fn grad(&mut self, _x: &[f64], _out: &mut [f64]) {
        unreachable!("a chain does not ask for gradients")
    }
    fn hessian(&mut self, _x: &[f64]) -> Option<Array2<f64>> {
        None
    }
}

fn adam_step(c: &mut Criterion) {
    let n = 10_000;
    let spec: OptimizerSpec = serde_json::from_value(serde_json::json!({"kind": "adam", "lr": 1e-3})).expect("adam spec");
    let mut opt = spec.build((n, 1), "bench").expect("valid");
    let mut x: Vec<f64> = gaussian(n, 1, 1).into_iter().collect();
    let g: Vec<f64> = gaussian(n, 1, 2).into_iter().collect();
    c.bench_function("adam_step/10k", |b| b.iter(|| opt.step(black_box(&mut x), black_box(&g), 1e-3, &mut NoOracle).expect("finite step")));
}

fn runs_of_200_steps(c: &mut Criterion) {
    let optimizers = [
        ("sgd", serde_json::json!({"kind": "sgd", "lr": 0.05})),
        ("sgd_nesterov", serde_json::json!({"kind": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": true})),
        ("adagrad", serde_json::json!({"kind": "adagrad", "lr": 0.5})),
        ("rmsprop", serde_json::json!({"kind": "rmsprop", "lr": 0.01})),
        ("adam", serde_json::json!({"kind": "adam", "lr": 0.05})),
        ("adamw", serde_json::json!({"kind": "adamw", "lr": 0.05})),
        ("lookahead_adam", serde_json::json!({"kind": "lookahead", "inner": {"kind": "adam", "lr": 0.05}})),
        ("sam_sgd", serde_json::json!({"kind": "sam", "rho": 0.05, "inner": {"kind": "sgd", "lr": 0.05}})),
        ("muon", serde_json::json!({"kind": "muon", "lr": 0.02})),
        ("newton", serde_json::json!({"kind": "newton", "lr": 0.5})),
    ];
    let mut group = c.benchmark_group("run_200");
    for (name, opt) in optimizers {
        let text = serde_json::json!({
            "problem": {"kind": "quadratic", "a": [[10.0, 2.0], [2.0, 1.0]], "b": [1.0, 0.0]},
            "x0": [1.5, -1.0], "steps": 200, "runs": [{"optimizer": opt}],
        })
        .to_string();
        group.bench_function(name, |b| {
            b.iter(|| {
                let spec = Spec::from_json(black_box(&text)).expect("valid spec");
                run(&spec).expect("runs")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, msign_kernels, adam_step, runs_of_200_steps);
criterion_main!(benches);
