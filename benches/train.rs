//! Time of one training step of the small-trainings chapter, per sample, natively.
//!
//! The reference is TensorFlow Playground: about 3.8 µs per sample for its default 2-8-8-1 tanh network
//! trained with batch 10. `train_step/*` time `Trainer::step_n(1)`: batch sampling, forward, backward, the
//! optimizer step and the divergence check, with evaluation switched off (`eval_every` huge). Criterion's
//! throughput is in samples (the batch size), so its "elem/s" is samples per second.
//! `mlp_pass/*` times only the network's forward + backward + a plain SGD update at the `Mlp` level, for
//! the exact 2-8-8-1 shape (one output, squared loss) of the Playground.
//!
//! Run: `cargo bench --bench train` (median per step in target/criterion/*/*/new/estimates.json).
//! Criterion measures wall-clock time: on a machine shared with other jobs it includes time spent
//! descheduled, so compare medians taken under similar load.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use optlab::train::data::Points;
use optlab::train::trainer::evaluate;
use optlab::train::{Activation, Init, Loss, Mlp, TrainSpec, Trainer};
use rand::{Rng, SeedableRng};
use std::time::Duration;

fn trainer(json: &str) -> Trainer {
    let spec = TrainSpec::from_json(json).expect("valid bench spec");
    Trainer::new(&spec).expect("valid bench spec")
}

fn train_step(c: &mut Criterion) {
    let mut g = c.benchmark_group("train_step");
    g.measurement_time(Duration::from_secs(4)).sample_size(60);
    let cases = [
        ("tanh_2-8-8-2_ce_b10_sgd", 10, r#"{"model": {"hidden": [8, 8]}, "optimizer": {"kind": "sgd", "lr": 0.03}}"#),
        (
            "tanh_2-8-8-2_squared_b10_sgd",
            10,
            r#"{"model": {"hidden": [8, 8], "loss": "squared"}, "optimizer": {"kind": "sgd", "lr": 0.03}}"#,
        ),
        ("tanh_2-8-8-2_ce_b10_adam", 10, r#"{"model": {"hidden": [8, 8]}, "optimizer": {"kind": "adam", "lr": 0.01}}"#),
        ("tanh_2-8-8-2_ce_b10_muon", 10, r#"{"model": {"hidden": [8, 8]}, "optimizer": {"kind": "muon"}}"#),
        ("relu_2-32-32-2_ce_b32_adam", 32, r#"{"model": {"hidden": [32, 32], "activation": "relu"}, "optimizer": {"kind": "adam"}}"#),
        (
            "relu_2-64x4-2_ce_b64_adam",
            64,
            r#"{"model": {"hidden": [64, 64, 64, 64], "activation": "relu"}, "optimizer": {"kind": "adam"}}"#,
        ),
    ];
    for (name, batch, model) in cases {
        let json = model.replacen(
            '{',
            &format!(r#"{{"batch_size": {batch}, "eval_every": 1000000, "data": {{"kind": "spirals", "n": 1000}}, "#),
            1,
        );
        let mut t = trainer(&json);
        g.throughput(Throughput::Elements(batch));
        g.bench_function(name, |b| b.iter(|| t.step_n(1)));
        assert!(t.diverged().is_none(), "{name}: {:?}", t.diverged());
    }
    g.finish();
}

fn mlp_pass(c: &mut Criterion) {
    let mut g = c.benchmark_group("mlp_pass");
    g.measurement_time(Duration::from_secs(4)).sample_size(60);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let pts = Points { x: (0..10).map(|_| vec![rng.gen_range(-1.0..1.0), rng.gen_range(-1.0..1.0)]).collect(), y: vec![0; 10] };
    let mlp = Mlp::new(2, &[8, 8], 1, Activation::Tanh, Loss::Squared);
    let mut w = mlp.init(Init::Xavier, &mut rng);
    let mut grad = vec![0.0; w.len()];
    let mut ws = mlp.workspace(10);
    g.throughput(Throughput::Elements(10));
    g.bench_function("tanh_2-8-8-1_squared_b10_sgd", |b| {
        b.iter(|| {
            evaluate(&mlp, &w, &mut ws, &pts, None, Some(&mut grad));
            for (wi, gi) in w.iter_mut().zip(&grad) {
                *wi -= 0.03 * gi;
            }
        })
    });
    g.finish();
}

/// One animation frame of the training chapter as the browser runs it at the defaults (speed 10: `advance`
/// in slices of 8 and 2, then `scene`), and its parts: the steps alone, the heat map's grid of predictions,
/// and the scene after the steps. A run that finishes is restarted outside the timed part.
fn training_frame(c: &mut Criterion) {
    use optlab::app::{chapter, controls::normalize, LiveRun};
    use std::time::Instant;
    let mut g = c.benchmark_group("training_frame");
    g.measurement_time(Duration::from_secs(4)).sample_size(40);
    let ch = chapter("training").expect("training chapter");
    for (name, pairs) in [
        ("defaults", vec![]),
        ("compare_adamw", vec![("compare", "adamw")]),
        ("relu_4x64_n1000_b128", vec![("layers", "4"), ("width", "64"), ("activation", "relu"), ("n", "1000"), ("batch_size", "128")]),
    ] {
        let raw = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let (st, _) = normalize(&ch.controls(), &raw);
        let mut run = ch.start_live(&st).expect("starts");
        let frame = |run: &mut Box<dyn LiveRun>, parts: &str| {
            if run.progress().0 >= run.progress().1 {
                *run = ch.start_live(&st).expect("starts");
            }
            let t0 = Instant::now();
            if parts != "scene" {
                run.advance(8);
                run.advance(2);
            }
            let t1 = Instant::now();
            if parts != "advance" {
                std::hint::black_box(run.scene(&st));
            }
            (t1 - t0, t1.elapsed())
        };
        for parts in ["frame", "advance"] {
            g.bench_function(format!("{name}/{parts}"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let (a, s) = frame(&mut run, parts);
                        total += if parts == "advance" { a } else { a + s };
                    }
                    total
                })
            });
        }
        // the scene right after steps (its grid and spectra recomputed), timed apart from the steps
        g.bench_function(format!("{name}/scene_after_steps"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| frame(&mut run, "frame").1).sum())
        });
    }
    g.finish();
}

criterion_group!(benches, train_step, mlp_pass, training_frame);
criterion_main!(benches);
