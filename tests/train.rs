//! Small trainings: gradient check, accuracy reached by each optimizer family, fair comparison, CSV
//! rejection, sharpness, spec validation, counters and the command line.

use optlab::linalg::{msign::msign_svd, singular_values, symmetric_eigenvalues};
use optlab::train::csv::{self, MAX_ROWS};
use optlab::train::data::Points;
use optlab::train::sharpness::{fd_hessian, lambda_max};
use optlab::train::trainer::{dropout_mask, dropout_rng, evaluate, evaluate_in};
use optlab::train::{compare, Activation, Bounds, Init, Loss, Mlp, Mode, PowerOptions, TrainSpec, Trainer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn spec(json: &str) -> TrainSpec {
    TrainSpec::from_json(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

// ---------------------------------------------------------------------------------------------------
// Gradient

/// The gradient checks' cases: 23 labelled points in [−1.5, 1.5]² with 3 classes, and for each activation and loss
/// a 2-5-4-3-3 network with He weights and biases drawn by `bias`.
fn gradient_cases(seed: u64, bias: fn(&mut ChaCha8Rng) -> f64, mut check: impl FnMut(Activation, Loss, Mlp, Vec<f64>, &Points)) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let pts = Points {
        x: (0..23).map(|_| vec![rng.gen_range(-1.5..1.5), rng.gen_range(-1.5..1.5)]).collect(),
        y: (0..23).map(|_| rng.gen_range(0..3)).collect(),
    };
    for act in [Activation::Tanh, Activation::Relu, Activation::Gelu] {
        for loss in [Loss::CrossEntropy, Loss::Squared] {
            let mlp = Mlp::new(2, &[5, 4, 3], 3, act, loss);
            let mut w = mlp.init(Init::He, &mut rng);
            for l in mlp.layers() {
                for b in &mut w[l.bias_range()] {
                    *b = bias(&mut rng);
                }
            }
            check(act, loss, mlp, w, &pts);
        }
    }
}

#[test]
fn gradient_matches_finite_differences_for_every_activation_and_loss() {
    gradient_cases(
        7,
        |rng| rng.gen_range(-0.3..0.3),
        |act, loss, mlp, w, pts| {
            // 23 rows in chunks of 7: the accumulated gradient must not depend on the chunking.
            let mut ws = mlp.workspace(7);
            let mut g = vec![0.0; w.len()];
            evaluate(&mlp, &w, &mut ws, pts, None, Some(&mut g));
            let mut fd = vec![0.0; w.len()];
            let h = 1e-6;
            for i in 0..w.len() {
                let mut wp = w.clone();
                wp[i] += h;
                let fp = evaluate(&mlp, &wp, &mut ws, pts, None, None).0;
                wp[i] -= 2.0 * h;
                let fm = evaluate(&mlp, &wp, &mut ws, pts, None, None).0;
                fd[i] = (fp - fm) / (2.0 * h);
            }
            let diff: Vec<f64> = g.iter().zip(&fd).map(|(a, b)| a - b).collect();
            let rel = norm(&diff) / norm(&g);
            assert!(rel < 1e-6, "{act:?} {loss:?}: relative error {rel:e}");
            let mut ws_big = mlp.workspace(256);
            let mut g_one = vec![0.0; w.len()];
            evaluate(&mlp, &w, &mut ws_big, pts, None, Some(&mut g_one));
            let chunk_diff: f64 = g.iter().zip(&g_one).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            assert!(chunk_diff < 1e-15, "{act:?} {loss:?}: chunking changed the gradient by {chunk_diff:e}");
        },
    );
}

/// With a dropout mask the gradient is that of the dropped-out network's loss (the mask held fixed), for every
/// activation and loss, chunked or not; factors of 1 everywhere give the network without dropout, bit for bit.
#[test]
fn dropout_gradient_matches_finite_differences_of_the_dropped_out_loss() {
    // biases away from 0: a row whose units into a layer are all dropped would sit on ReLU's kink
    let bias = |rng: &mut ChaCha8Rng| rng.gen_range(0.05..0.3) * if rng.gen::<bool>() { 1.0 } else { -1.0 };
    gradient_cases(11, bias, |act, loss, mlp, w, pts| {
        let mut mask = Vec::new();
        dropout_mask(&mut dropout_rng(3), 0.4, pts.len(), mlp.hidden_units(), &mut mask);
        assert_eq!(mask.len(), 23 * 12);
        let dropped = mask.iter().filter(|&&f| f == 0.0).count();
        assert!(dropped > 0 && mask.iter().all(|&f| f == 0.0 || f == 1.0 / 0.6), "{dropped} of {}", mask.len());
        let mut ws = mlp.workspace(7);
        let mut g = vec![0.0; w.len()];
        let (l0, _) = evaluate_in(&mlp, &w, &mut ws, pts, None, Some(&mut g), Mode::Train(Some(&mask)));
        let (full, _) = evaluate(&mlp, &w, &mut ws, pts, None, None);
        assert!((l0 - full).abs() > 1e-6, "{act:?} {loss:?}: the mask changed nothing");
        let h = 1e-6;
        let fd: Vec<f64> = (0..w.len())
            .map(|i| {
                let mut wp = w.clone();
                wp[i] += h;
                let fp = evaluate_in(&mlp, &wp, &mut ws, pts, None, None, Mode::Train(Some(&mask))).0;
                wp[i] -= 2.0 * h;
                let fm = evaluate_in(&mlp, &wp, &mut ws, pts, None, None, Mode::Train(Some(&mask))).0;
                (fp - fm) / (2.0 * h)
            })
            .collect();
        let diff: Vec<f64> = g.iter().zip(&fd).map(|(a, b)| a - b).collect();
        let rel = norm(&diff) / norm(&g);
        assert!(rel < 1e-6, "{act:?} {loss:?}: relative error {rel:e}");
        let mut ws_big = mlp.workspace(64);
        let mut g_one = vec![0.0; w.len()];
        evaluate_in(&mlp, &w, &mut ws_big, pts, None, Some(&mut g_one), Mode::Train(Some(&mask)));
        assert_eq!(g, g_one, "{act:?} {loss:?}: chunking changed the gradient");
        let ones = vec![1.0; mask.len()];
        let (mut g1, mut g2) = (vec![0.0; w.len()], vec![0.0; w.len()]);
        let a = evaluate_in(&mlp, &w, &mut ws, pts, None, Some(&mut g1), Mode::Train(Some(&ones)));
        let b = evaluate(&mlp, &w, &mut ws, pts, None, Some(&mut g2));
        assert_eq!((a, &g1), (b, &g2), "{act:?} {loss:?}");
    });
}

/// The masks keep each unit with probability 1 − p (4,000 rows of 16 units at p = 0.3: within 4 standard
/// deviations), are the same for every optimizer of a comparison, and change the training only when p > 0.
#[test]
fn dropout_keeps_units_at_its_rate_and_is_the_same_for_every_run_of_a_comparison() {
    let mut mask = Vec::new();
    dropout_mask(&mut dropout_rng(0), 0.3, 4000, 16, &mut mask);
    let kept = mask.iter().filter(|&&f| f > 0.0).count() as f64 / mask.len() as f64;
    let sd = (0.3f64 * 0.7 / mask.len() as f64).sqrt();
    assert!((kept - 0.7).abs() < 4.0 * sd, "kept {kept}");
    let base = r#"{"data": {"kind": "moons", "n": 200}, "steps": 50, "eval_every": 50"#;
    let with = |p: f64, opt: &str| spec(&format!(r#"{base}, "model": {{"dropout": {p}}}, "optimizer": {opt}}}"#));
    let sgd = r#"{"kind": "sgd", "lr": 0.1}"#;
    let (mut plain, mut zero) =
        (Trainer::new(&spec(&format!("{base}, \"optimizer\": {sgd}}}"))).unwrap(), Trainer::new(&with(0.0, sgd)).unwrap());
    plain.step_n(50);
    zero.step_n(50);
    assert_eq!(plain.params(), zero.params(), "dropout 0 is no dropout");
    let mut dropped = Trainer::new(&with(0.5, sgd)).unwrap();
    dropped.step_n(50);
    assert_ne!(plain.params(), dropped.params());
    // batch losses are the dropped-out network's, evaluations the whole network's
    let last = dropped.history().last().unwrap().clone();
    let mut again = Trainer::new(&with(0.5, sgd)).unwrap();
    again.step_n(50);
    assert_eq!(again.params(), dropped.params(), "the masks come from the seed");
    assert_eq!(dropped.metrics().train_loss, last.train_loss);
    // a comparison: SAM asks for two gradients a step, SGD for one; both runs still see the same masks, so
    // SAM with ρ = 0 steps exactly as SGD does
    let sam = r#"{"kind": "sam", "rho": 0, "inner": {"kind": "sgd", "lr": 0.1}}"#;
    let mut runs = compare(&[with(0.5, sgd), with(0.5, sam)]).unwrap();
    for r in &mut runs {
        r.step_n(50);
    }
    assert_eq!(runs[0].params(), runs[1].params());
    assert_eq!(runs[0].params(), dropped.params());
}

#[test]
fn dropout_is_refused_out_of_range_and_with_newton() {
    for bad in ["-0.1", "0.95", "1"] {
        let e = TrainSpec::from_json(&format!(r#"{{"model": {{"dropout": {bad}}}}}"#)).and_then(|s| s.validate().map(|_| s)).unwrap_err();
        assert!(e.to_string().contains("model.dropout"), "{bad}: {e}");
    }
    let s = spec(r#"{"model": {"dropout": 0.2}, "optimizer": {"kind": "newton", "lr": 1, "damping": 0.1}}"#);
    let e = Trainer::new(&s).err().expect("refused");
    assert!(e.path == "model.dropout" && e.message.contains("not built"), "{e}");
    // written specs leave dropout 0 out and keep any other value
    assert!(!serde_json::to_string(&TrainSpec::default()).unwrap().contains("dropout"));
    assert!(serde_json::to_string(&spec(r#"{"model": {"dropout": 0.25}}"#)).unwrap().contains(r#""dropout":0.25"#));
}

/// With batch normalisation the gradient of a training pass is that of the batch-normalised loss (the batch's
/// mean and variance depending on every row), with and without a dropout mask; an evaluation's is that of the
/// network with the running statistics held fixed, chunked or not. γ, β and the output bias are drawn at random
/// (away from their initial 1 and 0).
#[test]
fn batch_norm_gradient_matches_finite_differences_in_training_and_in_evaluation() {
    let bias = |rng: &mut ChaCha8Rng| rng.gen_range(-0.3..0.3);
    gradient_cases(13, bias, |act, loss, mlp, _, pts| {
        let mut mlp = mlp.with_batch_norm();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut w = mlp.init(Init::He, &mut rng);
        for l in mlp.layers() {
            let fo = l.fan_out;
            for (k, v) in w[l.norm_range()].iter_mut().enumerate() {
                *v = if k < fo { rng.gen_range(0.5..1.5) } else { rng.gen_range(-0.5..0.5) };
            }
            for b in &mut w[l.bias_range()] {
                *b = bias(&mut rng);
            }
        }
        assert_eq!(mlp.n_params(), w.len());
        assert!(mlp.layers()[..3].iter().all(|l| l.norm && l.bias_range().is_empty()) && !mlp.layers()[3].norm);
        let mut mask = Vec::new();
        dropout_mask(&mut dropout_rng(3), 0.3, pts.len(), mlp.hidden_units(), &mut mask);
        let fd_check = |mlp: &Mlp, ws: &mut optlab::train::mlp::Workspace, mode: Mode<'_>, what: &str| {
            let mut g = vec![0.0; w.len()];
            let l0 = evaluate_in(mlp, &w, ws, pts, None, Some(&mut g), mode).0;
            let h = 1e-6;
            let fd: Vec<f64> = (0..w.len())
                .map(|i| {
                    let mut wp = w.clone();
                    wp[i] += h;
                    let fp = evaluate_in(mlp, &wp, ws, pts, None, None, mode).0;
                    wp[i] -= 2.0 * h;
                    let fm = evaluate_in(mlp, &wp, ws, pts, None, None, mode).0;
                    (fp - fm) / (2.0 * h)
                })
                .collect();
            let diff: Vec<f64> = g.iter().zip(&fd).map(|(a, b)| a - b).collect();
            let rel = norm(&diff) / norm(&g);
            assert!(rel < 1e-6, "{act:?} {loss:?} {what}: relative error {rel:e}");
            (l0, g)
        };
        let mut ws = mlp.workspace(32);
        let (train, _) = fd_check(&mlp, &mut ws, Mode::Train(None), "training");
        fd_check(&mlp, &mut ws, Mode::Train(Some(&mask)), "training with dropout");
        // the running statistics after one training pass, then evaluations with them, in chunks of 7 rows and whole
        evaluate_in(&mlp, &w, &mut ws, pts, None, None, Mode::Train(None));
        let before = mlp.running_stats().to_vec();
        mlp.update_running_stats(&ws);
        assert!(mlp.running_stats().iter().zip(&before).all(|(a, b)| a != b), "{act:?} {loss:?}: running statistics unmoved");
        let (eval, g_chunked) = fd_check(&mlp, &mut mlp.workspace(7), Mode::Eval, "evaluation");
        let (_, g_whole) = fd_check(&mlp, &mut ws, Mode::Eval, "evaluation, one pass");
        let chunk_diff = g_chunked.iter().zip(&g_whole).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(chunk_diff < 1e-15, "{act:?} {loss:?}: chunking changed the gradient by {chunk_diff:e}");
        assert!((train - eval).abs() > 1e-6, "{act:?} {loss:?}: training and evaluation gave the same loss {train}");
    });
}

/// The running statistics move once per step, with the step's first gradient: SAM with ρ = 0 (two gradients a
/// step) steps exactly as SGD, its running statistics included; batch normalisation changes the training.
#[test]
fn batch_norm_moves_the_running_statistics_once_per_step() {
    let base = r#""data": {"kind": "moons", "n": 200}, "steps": 30, "eval_every": 10, "model": {"batch_norm": true}"#;
    let sgd = spec(&format!(r#"{{{base}, "optimizer": {{"kind": "sgd", "lr": 0.1}}}}"#));
    let sam = spec(&format!(r#"{{{base}, "optimizer": {{"kind": "sam", "rho": 0, "inner": {{"kind": "sgd", "lr": 0.1}}}}}}"#));
    let (mut a, mut b) = (Trainer::new(&sgd).unwrap(), Trainer::new(&sam).unwrap());
    a.step_n(30);
    b.step_n(30);
    assert_eq!(a.params(), b.params());
    assert_eq!(a.mlp().running_stats(), b.mlp().running_stats());
    assert_eq!(a.history(), b.history());
    // mean 0, variance 1 at the start; 8 + 8 units' means then variances
    let fresh = Trainer::new(&sgd).unwrap();
    let r = fresh.mlp().running_stats();
    assert_eq!(r.len(), 32);
    assert!(r[..8].iter().all(|&v| v == 0.0) && r[8..16].iter().all(|&v| v == 1.0), "{r:?}");
    // per layer: the same numbers, split as (means, variances) of each hidden layer's units
    let per: Vec<(&[f64], &[f64])> = a.mlp().running_per_layer().collect();
    let r = a.mlp().running_stats();
    assert_eq!(per, [(&r[..8], &r[8..16]), (&r[16..24], &r[24..32])]);
    assert!(per.iter().all(|(m, v)| m.iter().any(|&x| x != 0.0) && v.iter().any(|&x| x != 1.0)), "moved after 30 steps");
    let mut plain =
        Trainer::new(&spec(r#"{"data": {"kind": "moons", "n": 200}, "steps": 30, "optimizer": {"kind": "sgd", "lr": 0.1}}"#)).unwrap();
    plain.step_n(30);
    assert!(plain.mlp().running_stats().is_empty());
    assert_ne!(plain.history().last().unwrap().train_loss, a.history().last().unwrap().train_loss);
}

#[test]
fn batch_norm_is_refused_with_one_point_batches_and_with_newton() {
    // moons of 200 points, half for training: 100 training points
    let with = |extra: &str| spec(&format!(r#"{{"data": {{"kind": "moons", "n": 200}}, "model": {{"batch_norm": true}}{extra}}}"#));
    for (batch, why) in [(1, "at least 2"), (3, "last batch of each epoch with one point"), (9, "does not divide 99")] {
        let e = Trainer::new(&with(&format!(r#", "batch_size": {batch}"#))).err().expect("refused");
        assert!(e.path == "batch_size" && e.message.contains(why), "{batch}: {e}");
    }
    for batch in [2, 10, 100] {
        assert!(Trainer::new(&with(&format!(r#", "batch_size": {batch}"#))).is_ok(), "{batch}");
    }
    let big = spec(r#"{"data": {"kind": "moons", "n": 4000}, "model": {"batch_norm": true}, "batch_size": 2000}"#);
    let e = Trainer::new(&big).err().expect("refused");
    assert!(e.path == "batch_size" && e.message.contains("at most 1024"), "{e}");
    let e = Trainer::new(&with(r#", "optimizer": {"kind": "newton", "lr": 1, "damping": 0.1}"#)).err().expect("refused");
    assert!(e.path == "model.batch_norm" && e.message.contains("not built"), "{e}");
    // written specs leave batch_norm false out and keep true
    assert!(!serde_json::to_string(&TrainSpec::default()).unwrap().contains("batch_norm"));
    assert!(serde_json::to_string(&with("")).unwrap().contains(r#""batch_norm":true"#));
}

// ---------------------------------------------------------------------------------------------------
// Training reaches a stated accuracy

/// Final test accuracy after `steps` steps of seed 0. The thresholds sit a little below what was measured
/// (given beside each case) so that a regression, not rounding, fails them.
fn final_test_accuracy(json: &str) -> f64 {
    let mut t = Trainer::new(&spec(json)).unwrap();
    t.run_to_end();
    assert!(t.diverged().is_none(), "{json}: {:?}", t.diverged());
    t.metrics().test_accuracy.unwrap()
}

#[test]
fn every_optimizer_family_learns_two_moons() {
    // Moons: 500 points, noise 0.1, half for training; tanh 2-8-8-2, batch 10, 2000 steps, seed 0.
    let cases = [
        (r#"{"kind": "sgd", "lr": 0.05, "momentum": 0.9}"#, 0.97), // measured 0.988
        (r#"{"kind": "sgd", "lr": 0.1}"#, 0.97),                   // 1.000
        (r#"{"kind": "adam", "lr": 0.01}"#, 0.97),                 // 0.996
        (r#"{"kind": "adamw", "lr": 0.01}"#, 0.97),                // 0.996
        (r#"{"kind": "rmsprop", "lr": 0.003}"#, 0.97),             // 1.000
        (r#"{"kind": "adagrad", "lr": 0.05}"#, 0.97),              // 0.992
        (r#"{"kind": "muon", "lr": 0.02}"#, 0.97),                 // 1.000 (AdamW lr 0.01)
        (r#"{"kind": "sam", "rho": 0.05, "inner": {"kind": "sgd", "lr": 0.05, "momentum": 0.9}}"#, 0.97), // 0.992
        (r#"{"kind": "lookahead", "inner": {"kind": "adam", "lr": 0.01}}"#, 0.97), // 0.996
    ];
    for (opt, want) in cases {
        let json =
            format!(r#"{{"data": {{"kind": "moons"}}, "optimizer": {opt}, "adamw": {{"lr": 0.01}}, "steps": 2000, "eval_every": 2000}}"#);
        let acc = final_test_accuracy(&json);
        assert!(acc >= want, "{opt}: test accuracy {acc} < {want}");
    }
}

#[test]
fn sgd_momentum_adam_and_muon_learn_spirals() {
    // Two spirals of 1.75 turns, 500 points, noise 0.03; ReLU 2-32-32-2, batch 10, 3000 steps, seed 0.
    let cases = [
        (r#"{"kind": "sgd", "lr": 0.05, "momentum": 0.9}"#, 0.95), // measured 0.968
        (r#"{"kind": "adam", "lr": 0.01}"#, 0.95),                 // 0.976
        (r#"{"kind": "muon", "lr": 0.02}"#, 0.95),                 // 0.972 (AdamW lr 0.01)
    ];
    for (opt, want) in cases {
        let json = format!(
            r#"{{"data": {{"kind": "spirals", "noise": 0.03}}, "model": {{"hidden": [32, 32], "activation": "relu"}},
                "optimizer": {opt}, "adamw": {{"lr": 0.01}}, "steps": 3000, "eval_every": 3000}}"#
        );
        let acc = final_test_accuracy(&json);
        assert!(acc >= want, "{opt}: test accuracy {acc} < {want}");
    }
}

// ---------------------------------------------------------------------------------------------------
// Muon on the hidden matrices, AdamW elsewhere

#[test]
fn muon_steps_hidden_matrices_and_adamw_the_rest() {
    let s = spec(
        r#"{"model": {"hidden": [4, 3]}, "optimizer": {"kind": "muon", "lr": 0.02, "ns": "svd"},
            "adamw": {"lr": 0.01, "weight_decay": 0.01}}"#,
    );
    let mut t = Trainer::new(&s).unwrap();
    let w0 = t.params().to_vec();
    t.step_n(1);
    let mlp = t.mlp().clone();
    let mut ws = mlp.workspace(256);
    let mut g = vec![0.0; w0.len()];
    evaluate(&mlp, &w0, &mut ws, &t.data().train, Some(t.last_batch()), Some(&mut g));
    let update = t.last_update();
    // Hidden layer 1 (3 × 4): first Muon step is −lr·msign(G) (momentum only rescales G; shape factor 1).
    let hidden = mlp.layers()[1];
    let gm = ndarray::ArrayView2::from_shape((3, 4), &g[hidden.weight_range()]).unwrap();
    let want = msign_svd(gm) * -0.02;
    for (a, b) in t.weight_update(1).iter().zip(want.iter()) {
        assert!((a - b).abs() < 1e-12, "muon update {a} vs {b}");
    }
    let sv = singular_values(t.weight_update(1));
    assert!(sv.iter().all(|s| (s - 0.02).abs() < 1e-12), "singular values {sv:?}");
    // Everything else: AdamW's first step −lr·(g/(|g| + ε) + wd·w).
    for (l, layer) in mlp.layers().iter().enumerate() {
        let mut ranges = vec![layer.bias_range()];
        if l != 1 {
            ranges.push(layer.weight_range());
        }
        for r in ranges {
            for i in r {
                let want = -0.01 * (g[i] / (g[i].abs() + 1e-8) + 0.01 * w0[i]);
                assert!((update[i] - want).abs() < 1e-15, "layer {l}, parameter {i}: {} vs {want}", update[i]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Fair comparison

#[test]
fn comparison_uses_identical_weights_data_and_batches() {
    let base = r#""data": {"kind": "circles", "n": 256, "label_noise": 0.1}, "batch_size": 16, "seed": 5"#;
    let specs: Vec<TrainSpec> = [
        r#"{"kind": "sgd", "lr": 0.1, "momentum": 0.9}"#,
        r#"{"kind": "adam", "lr": 0.01}"#,
        r#"{"kind": "muon"}"#,
        r#"{"kind": "sam", "inner": {"kind": "sgd", "lr": 0.1}}"#,
    ]
    .iter()
    .map(|o| spec(&format!(r#"{{{base}, "optimizer": {o}}}"#)))
    .collect();
    let mut ts = compare(&specs).unwrap();
    for t in &ts[1..] {
        assert_eq!(t.params(), ts[0].params(), "initial weights differ");
        // one data set, held once for the comparison (not a copy per run) …
        assert!(std::ptr::eq(t.data(), ts[0].data()), "each run holds its own copy of the data");
    }
    for _ in 0..40 {
        for t in ts.iter_mut() {
            t.step_n(1);
        }
        for t in &ts[1..] {
            assert_eq!(t.last_batch(), ts[0].last_batch(), "batches differ at step {}", t.step());
            assert_eq!((t.epoch(), t.samples()), (ts[0].epoch(), ts[0].samples()));
        }
        assert_eq!(ts[0].last_batch().len(), 16);
    }
    // The optimizers did act differently (so the equalities above are not vacuous) …
    assert_ne!(ts[0].params(), ts[1].params());
    // … and another seed gives other weights and batches.
    let mut other =
        Trainer::new(&spec(&format!(r#"{{{}, "optimizer": {{"kind": "adam"}}}}"#, base.replace("\"seed\": 5", "\"seed\": 6")))).unwrap();
    assert_ne!(other.params(), ts[1].params());
    other.step_n(1);
    let mut again = Trainer::new(&specs[1]).unwrap();
    // … that is the data each run would build alone
    assert_eq!(again.data(), ts[1].data(), "data differ");
    again.step_n(1);
    assert_ne!(other.last_batch(), again.last_batch());
    // Unfair pairs are refused, naming the field.
    let mut bad = specs.clone();
    bad[2].data.noise = 0.2;
    assert_eq!(compare(&bad).err().unwrap().path, "[2].data");
    bad = specs.clone();
    bad[1].batch_size = 8;
    assert_eq!(compare(&bad).err().unwrap().path, "[1].batch_size");
}

#[test]
fn same_spec_same_run() {
    let s = spec(r#"{"data": {"kind": "xor"}, "optimizer": {"kind": "sgd", "lr": 0.1}, "steps": 300, "eval_every": 100}"#);
    let (mut a, mut b) = (Trainer::new(&s).unwrap(), Trainer::new(&s).unwrap());
    a.run_to_end();
    b.step_n(123);
    b.step_n(177);
    assert_eq!(a.history(), b.history());
    assert_eq!(a.params(), b.params());
}

// ---------------------------------------------------------------------------------------------------
// Counters, batches, data

#[test]
fn counters_count_steps_epochs_and_samples() {
    // 100 points, half for training: batches of 15 are 15, 15, 15, 5 per epoch.
    let s = spec(r#"{"data": {"n": 100, "train_fraction": 0.5}, "batch_size": 15, "eval_every": 4}"#);
    let mut t = Trainer::new(&s).unwrap();
    let mut seen = Vec::new();
    for k in 1..=8 {
        t.step_n(1);
        seen.extend_from_slice(t.last_batch());
        assert_eq!(t.step(), k);
        let (epoch, samples) = match k {
            1..=3 => (0, 15 * k),
            4 => (1, 50),
            5..=7 => (1, 50 + 15 * (k - 4)),
            _ => (2, 100),
        };
        assert_eq!((t.epoch(), t.samples()), (epoch, samples), "after step {k}");
        if k % 4 == 0 {
            let mut epoch_idx = seen.clone();
            epoch_idx.sort_unstable();
            assert_eq!(epoch_idx, (0..50).collect::<Vec<_>>(), "an epoch must visit every training point once");
            seen.clear();
        }
    }
    let steps: Vec<usize> = t.history().iter().map(|m| m.step).collect();
    assert_eq!(steps, [0, 4, 8]);
    assert_eq!(t.history()[1].epoch, 1);
}

#[test]
fn label_noise_flips_exactly_the_stated_fraction_of_training_labels_only() {
    let clean = Trainer::new(&spec(r#"{"data": {"kind": "blobs", "classes": 4, "n": 400}}"#)).unwrap();
    let noisy = Trainer::new(&spec(r#"{"data": {"kind": "blobs", "classes": 4, "n": 400, "label_noise": 0.2}}"#)).unwrap();
    let (c, n) = (clean.data(), noisy.data());
    assert_eq!(c.train.x, n.train.x);
    assert_eq!(c.test, n.test, "test labels must stay clean");
    let differ: Vec<usize> = (0..c.train.len()).filter(|&i| c.train.y[i] != n.train.y[i]).collect();
    assert_eq!(differ.len(), 40); // round(0.2 · 200)
    assert_eq!(differ, n.flipped);
    assert!(n.train.y.iter().all(|&y| y < 4));
}

#[test]
fn every_generated_set_has_its_size_and_classes() {
    for (kind, classes) in [("moons", 2), ("circles", 2), ("spirals", 3), ("xor", 2), ("blobs", 5)] {
        let t = Trainer::new(&spec(&format!(r#"{{"data": {{"kind": "{kind}", "n": 301, "classes": {classes}, "train_fraction": 0.7}}}}"#)))
            .unwrap();
        let d = t.data();
        assert_eq!((d.train.len(), d.test.len(), d.classes), (211, 90, classes), "{kind}");
        for k in 0..classes {
            assert!(d.train.y.iter().chain(&d.test.y).any(|&y| y == k), "{kind}: class {k} missing");
        }
        assert_eq!(t.mlp().classes(), classes);
    }
}

// ---------------------------------------------------------------------------------------------------
// CSV

#[test]
fn csv_rows_are_parsed_with_header_comments_spaces_and_crlf() {
    let pts = csv::parse("x1,x2,label\r\n# a comment\r\n 0.5 , -1e-1 , 1\r\n\r\n2,3,0\r\n").unwrap();
    assert_eq!(pts.x, vec![[0.5, -0.1], [2.0, 3.0]]);
    assert_eq!(pts.y, vec![1, 0]);
}

#[test]
fn bad_csv_rows_are_rejected_with_their_line_numbers() {
    let cases = [
        ("x1,x2,label\n0,0,0\n1,1\n", 3, "expected 3 fields"),
        ("0,0,0\n1,abc,1\n", 2, "x2 must be a number"),
        ("0,0,0\n\n# note\n1,1,9\n", 4, "label must be an integer from 0 to 7"),
        ("0,0,0\n1,1,-1\n", 2, "label must be an integer"),
        ("0,0,0\n1,1,1.0\n", 2, "label must be an integer"),
        ("0,0,0\n1,NaN,1\n", 2, "x2 must be a finite number"),
        ("0,0,0\n1e7,1,1\n", 2, "x1 must be a finite number"),
        ("0,0,0\n1,1,1,1\n", 2, "found 4"),
        ("x1,x2,label\nx1,x2,label\n", 2, "x1 must be a number"),
        ("0,0,0\n=cmd|' /C calc'!A0,1,1\n", 2, "x1 must be a number"),
    ];
    for (text, line, why) in cases {
        let e = csv::parse(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(e.reason.contains(why), "{text:?}: {e}");
        assert!(e.to_string().starts_with(&format!("line {line}: ")));
    }
    assert!(csv::parse("0,0,1\n1,1,1\n").unwrap_err().reason.contains("two classes"));
    assert!(csv::parse("# only a comment\n").unwrap_err().reason.contains("no data rows"));
    let mut big = String::from("x1,x2,label\n");
    for i in 0..=MAX_ROWS {
        big += &format!("{i},0,{}\n", i % 2);
    }
    assert_eq!(csv::parse(&big).unwrap_err().line, MAX_ROWS + 2);
    // Through the spec the message keeps the line and names the field.
    let s: TrainSpec = optlab::spec::parse_json(r#"{"data": {"kind": "csv", "csv": "0,0,0\n1,1,1\n2,x,0"}}"#).unwrap();
    let e = Trainer::new(&s).err().unwrap();
    assert_eq!(e.path, "data.csv");
    assert!(e.message.starts_with("line 3: x2"), "{e}");
}

#[test]
fn csv_data_train() {
    let mut text = String::from("x1,x2,label\n");
    for i in 0..200 {
        let (x, y) = ((i % 20) as f64 / 10.0 - 1.0, (i / 20) as f64 / 5.0 - 1.0);
        text += &format!("{x},{y},{}\n", (x + y > 0.0) as u8);
    }
    let json = serde_json::json!({"data": {"kind": "csv", "csv": text, "noise": 0.0}, "steps": 1500, "eval_every": 1500});
    let acc = final_test_accuracy(&json.to_string());
    assert!(acc >= 0.95, "linearly separable CSV data: test accuracy {acc}"); // measured 0.97
}

// ---------------------------------------------------------------------------------------------------
// Sharpness

#[test]
fn power_iteration_matches_the_top_eigenvalue_of_the_hessian() {
    let s = spec(
        r#"{"data": {"n": 40, "train_fraction": 1.0}, "model": {"hidden": [3], "activation": "tanh"},
                     "optimizer": {"kind": "adam", "lr": 0.05}, "batch_size": 8}"#,
    );
    let mut t = Trainer::new(&s).unwrap();
    for k in 0..3 {
        if k > 0 {
            t.step_n(150);
        }
        let (mlp, w, train) = (t.mlp().clone(), t.params().to_vec(), t.data().train.clone());
        let mut ws = mlp.workspace(256);
        let mut grad = |p: &[f64], out: &mut [f64]| {
            evaluate(&mlp, p, &mut ws, &train, None, Some(out));
        };
        let h = fd_hessian(&mut grad, &w);
        let top = symmetric_eigenvalues(h.view())[0];
        let got = t.sharpness(&PowerOptions { max_iters: 5000, tol: 1e-9, seed: 1 });
        assert!(got.converged, "{got:?}");
        let rel = (got.lambda_max - top).abs() / top.abs();
        assert!(rel < 1e-6, "step {}: power iteration {} vs eigenvalue {top} (rel {rel:e})", t.step(), got.lambda_max);
    }
}

#[test]
fn finite_difference_hessian_matches_the_exact_hessian_of_a_linear_model() {
    // No hidden layer and the squared loss: L = mean ½‖Wx + b − onehot(y)‖², whose Hessian is
    // I_k ⊗ mean([x; 1][x; 1]ᵀ) in the layout W (k × 2, row-major), then b.
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let k = 3;
    let pts = Points {
        x: (0..30).map(|_| vec![rng.gen_range(-2.0..2.0), rng.gen_range(-1.0..1.0)]).collect(),
        y: (0..30).map(|_| rng.gen_range(0..k)).collect(),
    };
    let mlp = Mlp::new(2, &[], k, Activation::Tanh, Loss::Squared);
    let w: Vec<f64> = (0..mlp.n_params()).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let mut ws = mlp.workspace(256);
    let mut grad = |p: &[f64], out: &mut [f64]| {
        evaluate(&mlp, p, &mut ws, &pts, None, Some(out));
    };
    let h = fd_hessian(&mut grad, &w);
    let n = pts.len() as f64;
    let feat = |p: &[f64], m: usize| if m < 2 { p[m] } else { 1.0 };
    let index = |j: usize, m: usize| if m < 2 { j * 2 + m } else { 2 * k + j };
    let mut worst: f64 = 0.0;
    for j in 0..k {
        for jj in 0..k {
            for m in 0..3 {
                for mm in 0..3 {
                    let exact = if j == jj { pts.x.iter().map(|p| feat(p, m) * feat(p, mm)).sum::<f64>() / n } else { 0.0 };
                    worst = worst.max((h[[index(j, m), index(jj, mm)]] - exact).abs());
                }
            }
        }
    }
    assert!(worst < 1e-8, "largest entry error {worst:e}");
}

#[test]
fn lambda_max_is_the_largest_eigenvalue_even_when_a_negative_one_dominates() {
    // f = ½ Σ dᵢ xᵢ² with d = (−5, 1, 2, 0.5): power iteration alone finds −5.
    let d = [-5.0, 1.0, 2.0, 0.5];
    let mut grad = |x: &[f64], out: &mut [f64]| {
        for i in 0..4 {
            out[i] = d[i] * x[i];
        }
    };
    let s = lambda_max(&mut grad, &[0.3, -0.2, 0.1, 1.0], &PowerOptions { max_iters: 10_000, tol: 1e-12, seed: 3 });
    assert!((s.dominant + 5.0).abs() < 1e-6, "{s:?}");
    assert!((s.lambda_max - 2.0).abs() < 1e-6, "{s:?}");
}

#[test]
fn loss_slice_passes_through_the_weights_along_a_filter_normalised_direction() {
    let mut t = Trainer::new(&spec(r#"{"model": {"hidden": [6, 5]}}"#)).unwrap();
    t.step_n(200);
    let slice = t.loss_slice(1.0, 21, 9);
    assert_eq!(slice.alpha.len(), 21);
    assert_eq!(slice.alpha[10], 0.0);
    let m = t.metrics();
    assert!((slice.train_loss[10] - m.train_loss).abs() < 1e-15);
    assert!((slice.test_loss[10] - m.test_loss.unwrap()).abs() < 1e-15);
    for (l, layer) in t.mlp().layers().iter().enumerate() {
        assert!(slice.direction[layer.bias_range()].iter().all(|&v| v == 0.0));
        let w = t.weight(l);
        let d = ndarray::ArrayView2::from_shape((layer.fan_out, layer.fan_in), &slice.direction[layer.weight_range()]).unwrap();
        for (dr, wr) in d.rows().into_iter().zip(w.rows()) {
            let (nd, nw) = (norm(&dr.to_vec()), norm(&wr.to_vec()));
            assert!((nd - nw).abs() < 1e-12 * nw.max(1.0), "filter norms {nd} vs {nw}");
        }
    }
    assert!(slice.train_loss[0] > slice.train_loss[10] && slice.train_loss[20] > slice.train_loss[10]);
}

// ---------------------------------------------------------------------------------------------------
// Heat map

#[test]
fn predict_grid_gives_probabilities_row_0_at_the_top() {
    let mut t = Trainer::new(&spec(r#"{"data": {"kind": "blobs", "classes": 3}}"#)).unwrap();
    t.step_n(100);
    let b = Bounds { x_min: -2.0, x_max: 2.0, y_min: -1.0, y_max: 3.0 };
    let grid = t.predict_grid(4, 2, b);
    assert_eq!(grid.len(), 4 * 2 * 3);
    for cell in grid.chunks(3) {
        assert!((cell.iter().sum::<f64>() - 1.0).abs() < 1e-12 && cell.iter().all(|&p| p > 0.0));
    }
    // Cell (row 0, col 1) is centred at (−0.5, 2): its probabilities equal a one-point grid there.
    let one = t.predict_grid(1, 1, Bounds { x_min: -0.6, x_max: -0.4, y_min: 1.9, y_max: 2.1 });
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
    assert!(close(&grid[3..6], &one));
    let bottom = t.predict_grid(1, 1, Bounds { x_min: -0.6, x_max: -0.4, y_min: -0.1, y_max: 0.1 });
    assert!(close(&grid[(4 + 1) * 3..(4 + 1) * 3 + 3], &bottom));
    assert!(!close(&one, &bottom), "top and bottom cells should differ");
}

// ---------------------------------------------------------------------------------------------------
// Spec validation

#[test]
fn spec_errors_name_the_field() {
    let cases = [
        (r#"{"model": {"hidden": [8, 100]}}"#, "model.hidden[1]"),
        (r#"{"model": {"hidden": [8, 8, 8, 8, 8]}}"#, "model.hidden"),
        (r#"{"model": {"activation": "sigmoid"}}"#, "model.activation"),
        (r#"{"model": {"depth": 3}}"#, "model.depth"),
        (r#"{"data": {"noise": -1}}"#, "data.noise"),
        (r#"{"data": {"label_noise": 1.5}}"#, "data.label_noise"),
        (r#"{"data": {"train_fraction": 0}}"#, "data.train_fraction"),
        (r#"{"data": {"n": 20000}}"#, "data.n"),
        (r#"{"data": {"kind": "moons", "classes": 3}}"#, "data.classes"),
        (r#"{"data": {"kind": "spirals", "classes": 9}}"#, "data.classes"),
        (r#"{"data": {"kind": "csv"}}"#, "data.csv"),
        (r#"{"data": {"kind": "moons", "csv": "0,0,0"}}"#, "data.csv"),
        (r#"{"data": {"kind": "ring"}}"#, "data.kind"),
        (r#"{"batch_size": 0}"#, "batch_size"),
        (r#"{"batch_size": 300}"#, "batch_size"),
        (r#"{"eval_every": 0}"#, "eval_every"),
        (r#"{"steps": 2000000}"#, "steps"),
        (r#"{"optimizer": {"kind": "adam", "lr": -1}}"#, "optimizer.lr"),
        (r#"{"optimizer": {"kind": "sam", "inner": {"kind": "sgd", "momentum": 2}}}"#, "optimizer.inner.momentum"),
        (r#"{"optimizer": {"kind": "muon"}, "adamw": {"beta2": 1.0}}"#, "adamw.beta2"),
        (r#"{"optimizer": {"kind": "muon"}, "model": {"hidden": [8]}}"#, "optimizer"),
        (r#"{"schedule": {"kind": "cosine", "t_max": 0}}"#, "schedule.t_max"),
        (r#"{"label": 3}"#, "label"),
    ];
    for (json, path) in cases {
        let err = optlab::spec::parse_json::<TrainSpec>(json).and_then(|s| Trainer::new(&s).map(|_| ()));
        let e = err.expect_err(json);
        assert_eq!(e.path, path, "{json}: {e}");
    }
    // A spec with every default is valid.
    assert!(Trainer::new(&spec("{}")).is_ok());
}

#[test]
fn specs_round_trip_through_json() {
    for json in [
        "{}",
        r#"{"label": "m", "data": {"kind": "csv", "csv": "0,0,0\n1,1,1\n2,2,0\n3,3,1\n", "noise": 0},
            "model": {"hidden": [4, 4, 4], "activation": "gelu", "loss": "squared", "init": "he"},
            "optimizer": {"kind": "sam", "rho": 0.1, "inner": {"kind": "muon", "lr": 0.05}},
            "adamw": {"lr": 0.003, "weight_decay": 0.1},
            "schedule": {"kind": "cosine", "t_max": 100}, "batch_size": 2, "steps": 100, "seed": 9, "eval_every": 7}"#,
    ] {
        let s = spec(json);
        let back = spec(&serde_json::to_string(&s).unwrap());
        assert_eq!(s, back, "{json}");
    }
}

// ---------------------------------------------------------------------------------------------------
// Command line

#[test]
fn optlab_train_prints_metrics_and_rejects_bad_specs() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let run = |args: &[&str], input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_optlab"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&["train", "-"], r#"{"steps": 100, "eval_every": 40}"#);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps: Vec<u64> = v["runs"][0]["history"].as_array().unwrap().iter().map(|m| m["step"].as_u64().unwrap()).collect();
    assert_eq!(steps, [0, 40, 80, 100]);
    let out = run(&["train", "-", "--format", "csv"], r#"[{"label": "a"}, {"label": "b", "optimizer": {"kind": "sgd"}}]"#);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("label,step,epoch,samples,lr,batch_loss,train_loss,train_accuracy,test_loss,test_accuracy,diverged\n"));
    assert_eq!(text.lines().count(), 1 + 2 * 21);
    let out = run(&["train", "-"], r#"[{}, {"data": {"noise": 0.3}}]"#);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1);
    assert!(err.starts_with("error: [1].data: "), "{err}");
}

// ---------------------------------------------------------------------------------------------------
// The initial weights' scale (`model.init_gain`)

#[test]
fn init_gain_scales_the_drawn_weights_and_nothing_else() {
    let base = r#"{"data": {"kind": "moons"}, "model": {"hidden": [8, 8]MORE}, "optimizer": {"kind": "sgd", "lr": 0.1}, "steps": 10}"#;
    let one = Trainer::new(&spec(&base.replace("MORE", ""))).unwrap();
    let mlp = one.mlp().clone();
    for gain in [0.01, 0.5, 3.0, 100.0] {
        let t = Trainer::new(&spec(&base.replace("MORE", &format!(r#", "init_gain": {gain}"#)))).unwrap();
        for l in mlp.layers() {
            for i in l.weight_range() {
                assert_eq!(t.params()[i], one.params()[i] * gain, "gain {gain}: weight {i} is the same draw times the gain");
            }
            for i in l.bias_range() {
                assert_eq!(t.params()[i], 0.0, "biases start at 0");
            }
        }
        // the data and the batches are the gain's neighbours' (the same streams)
        assert_eq!(t.data().train.len(), one.data().train.len());
    }
    // 1 is the default: left out when written, and a spec without it reads as 1
    let s = spec(&base.replace("MORE", ""));
    assert_eq!(s.model.init_gain, 1.0);
    let written = serde_json::to_string(&s).unwrap();
    assert!(!written.contains("init_gain"), "{written}");
    let half = spec(&base.replace("MORE", r#", "init_gain": 0.5"#));
    let written = serde_json::to_string(&half).unwrap();
    assert!(written.contains(r#""init_gain":0.5"#), "{written}");
    assert_eq!(spec(&written), half, "a written gain reads back");
}

#[test]
fn init_gain_outside_its_range_is_refused_by_name() {
    for bad in ["0", "0.001", "1000", "-1"] {
        let json =
            format!(r#"{{"data": {{"kind": "moons"}}, "model": {{"init_gain": {bad}}}, "optimizer": {{"kind": "sgd", "lr": 0.1}}}}"#);
        let e = TrainSpec::from_json(&json).and_then(|s| s.validate().map(|_| s)).err().unwrap_or_else(|| panic!("gain {bad} accepted"));
        assert!(e.to_string().contains("model.init_gain"), "gain {bad}: {e}");
    }
}
