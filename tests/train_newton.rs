//! Newton's method on the small network: why plain Newton stops (its batch Hessian is singular and
//! indefinite, measured here), the damped step that trains, and the refusal of networks too big for it.

use optlab::app::{chapter, controls::normalize};
use optlab::train::sharpness::{fd_hessian, hvp};
use optlab::train::trainer::evaluate;
use optlab::train::{TrainSpec, Trainer};
use std::collections::BTreeMap;

fn spec(loss: &str, optimizer: &str, steps: usize) -> TrainSpec {
    TrainSpec::from_json(&format!(
        r#"{{"data": {{"kind": "moons", "n": 500}}, "model": {{"hidden": [8, 8], "loss": "{loss}"}},
            "optimizer": {optimizer}, "batch_size": 10, "steps": {steps}, "eval_every": 10}}"#
    ))
    .unwrap()
}

/// The batch Hessian at the initial weights (the first 10 training points) and its eigenvalues.
fn batch_hessian(t: &Trainer) -> (ndarray::Array2<f64>, Vec<f64>) {
    let (mlp, data, w) = (t.mlp().clone(), t.data().clone(), t.params().to_vec());
    let mut ws = mlp.workspace(256);
    let idx: Vec<usize> = (0..10).collect();
    let mut g = |p: &[f64], out: &mut [f64]| {
        evaluate(&mlp, p, &mut ws, &data.train, Some(&idx), Some(out));
    };
    let h = fd_hessian(&mut g, &w);
    let ev = optlab::linalg::symmetric_eigenvalues(h.view());
    (h, ev)
}

#[test]
fn the_batch_hessian_of_the_network_is_singular_and_indefinite() {
    for (loss, zeros_at_least) in [("cross_entropy", 9 + 10), ("squared", 10)] {
        let t = Trainer::new(&spec(loss, r#"{"kind": "sgd"}"#, 1)).unwrap();
        let (h, ev) = batch_hessian(&t);
        let n = ev.len();
        assert_eq!(n, 114);
        let scale = ev[0].abs().max(ev[n - 1].abs());
        let zeros = ev.iter().filter(|v| v.abs() < 1e-9 * scale).count();
        let negative = ev.iter().filter(|v| **v < -1e-9 * scale).count();
        // measured: 24 zeros and 42 negative (cross-entropy), 15 and 46 (squared)
        assert!(zeros >= zeros_at_least, "{loss}: {zeros} zero eigenvalues");
        assert!(negative >= 20, "{loss}: {negative} negative eigenvalues");
        if loss == "cross_entropy" {
            // the softmax's invariance: one vector added to both rows of W₃ (or one constant to both of b₃)
            // changes no loss, so these 8 + 1 directions are null vectors of the Hessian
            let last = t.mlp().layers()[2];
            let (w, b) = (last.weight_range(), last.bias_range());
            let mut dirs: Vec<Vec<f64>> = (0..last.fan_in)
                .map(|j| {
                    let mut v = vec![0.0; n];
                    v[w.start + j] = 1.0;
                    v[w.start + last.fan_in + j] = 1.0;
                    v
                })
                .collect();
            let mut vb = vec![0.0; n];
            vb[b.start] = 1.0;
            vb[b.start + 1] = 1.0;
            dirs.push(vb);
            for v in &dirs {
                let hv = h.dot(&ndarray::ArrayView1::from(v));
                let norm = hv.iter().map(|x| x * x).sum::<f64>().sqrt();
                assert!(norm < 1e-7 * scale, "‖Hv‖ = {norm:e} along a softmax-invariant direction");
            }
            // and a Hessian-vector product along a random direction is not small (the check can fail)
            let (mlp, data, w0) = (t.mlp().clone(), t.data().clone(), t.params().to_vec());
            let mut ws = mlp.workspace(256);
            let idx: Vec<usize> = (0..10).collect();
            let mut g = |p: &[f64], out: &mut [f64]| {
                evaluate(&mlp, p, &mut ws, &data.train, Some(&idx), Some(out));
            };
            let r: Vec<f64> = (0..n).map(|i| ((i * 37 % 11) as f64 - 5.0) / 5.0).collect();
            let (mut out, mut buf) = (vec![0.0; n], Vec::new());
            hvp(&mut g, &w0, &r, &mut out, &mut buf);
            assert!(out.iter().map(|x| x * x).sum::<f64>().sqrt() > 1e-3 * scale);
        }
    }
}

#[test]
fn plain_newton_stops_and_says_why() {
    let mut t = Trainer::new(&spec("cross_entropy", r#"{"kind": "newton", "lr": 1.0}"#, 20)).unwrap();
    t.run_to_end();
    let d = t.diverged().expect("plain Newton stops on the network");
    assert!(d.step <= 3, "stopped at step {}", d.step);
    assert!(d.reason.contains("singular") || d.reason.contains("reached"), "{}", d.reason);
    if d.reason.contains("singular") {
        assert!(d.reason.contains("Why: a network's batch Hessian is singular") && d.reason.contains("damping δ > 0"), "{}", d.reason);
    }
}

#[test]
fn damped_newton_trains_the_network() {
    let mut t = Trainer::new(&spec("cross_entropy", r#"{"kind": "newton", "lr": 1.0, "damping": 1.0}"#, 300)).unwrap();
    let start = t.history()[0].clone();
    let mut shifts = Vec::new();
    for _ in 0..300 {
        t.step_n(1);
        let s = t.optimizer_internals().into_iter().find(|(k, _)| k.what == optlab::optim::Internal::Shift).unwrap().1[0];
        shifts.push(s);
    }
    t.record();
    assert!(t.diverged().is_none(), "{:?}", t.diverged());
    let end = t.history().last().unwrap();
    // measured: test accuracy 0.776 → 1.0, training loss 0.561 → 0.016
    assert!(end.test_accuracy.unwrap() >= 0.95 && end.train_loss < 0.2 * start.train_loss, "{start:?} → {end:?}");
    // the batch Hessian needed a shift at every step (it is never positive definite at B = 10)
    assert!(shifts.iter().all(|&s| s >= 1.0), "τ ≥ δ when λ_min ≤ 0: {:?}", &shifts[..5]);
}

#[test]
fn newton_refuses_a_network_too_big_with_its_cost() {
    let s = TrainSpec::from_json(r#"{"model": {"hidden": [64, 64]}, "optimizer": {"kind": "newton", "damping": 1}}"#).unwrap();
    let e = Trainer::new(&s).err().expect("refused");
    assert_eq!(e.path, "optimizer");
    assert!(
        e.message.contains("N = 4482") && e.message.contains("O(N³) ≈ 9.0e10") && e.message.contains("up to N = 1024"),
        "{}",
        e.message
    );
}

fn app_state(pairs: &[(&str, &str)]) -> optlab::app::State {
    let c = chapter("training").unwrap();
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (st, msgs) = normalize(&c.controls(), &raw);
    assert!(msgs.is_empty(), "{msgs:?}");
    st
}

#[test]
fn the_app_trains_with_damped_newton_and_states_its_cost() {
    let c = chapter("training").unwrap();
    let st = app_state(&[("optimizer", "newton"), ("lr", "1"), ("damping", "1"), ("steps", "100")]);
    let mut r = c.start_live(&st).unwrap();
    while r.advance(8) > 0 {}
    let scene = r.scene(&st);
    let cost = scene.readout.iter().find(|x| x.label.ends_with("cost of a Newton step")).expect("cost line");
    assert!(
        cost.value.starts_with("N = 114 parameters: the 114×114 batch Hessian from 228 gradients") && cost.value.contains("added τ = "),
        "{}",
        cost.value
    );
    assert!(scene.readout.iter().all(|x| x.tone != "bad"), "{:?}", scene.readout);
    // a network over the app's limit is refused with the reason, naming O(N³)
    let big = app_state(&[("optimizer", "newton"), ("width", "16")]);
    let err = c.start_live(&big).err().expect("refused");
    assert!(err.text.contains("N = 354") && err.text.contains("O(N³)") && err.text.contains("up to N = 200"), "{}", err.text);
    // and plain Newton (δ at its smallest is still damped; the core's δ = 0 is `optlab train` only)
    let scene = c.compute(&app_state(&[("optimizer", "newton"), ("lr", "1"), ("damping", "0.001")]));
    assert!(scene.readout.iter().all(|x| !x.value.contains("NaN")));
}

/// The exact batch Hessian Newton uses (R-operator) against central differences of the backpropagated
/// gradient, for every activation and loss on a 3-feature network with biases, and against the closed form
/// of a linear model.
#[test]
fn the_exact_batch_hessian_matches_finite_differences_and_the_linear_closed_form() {
    use optlab::train::data::Points;
    use optlab::train::hessian::batch_hessian;
    use optlab::train::{Activation, Loss, Mlp};
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let pts =
        Points { x: (0..9).map(|_| (0..3).map(|_| rng.gen_range(-1.5..1.5)).collect()).collect(), y: (0..9).map(|i| i % 3).collect() };
    let idx = [0, 2, 3, 5, 8];
    for act in [Activation::Tanh, Activation::Relu, Activation::Gelu] {
        for loss in [Loss::CrossEntropy, Loss::Squared] {
            let mlp = Mlp::new(3, &[4, 3], 3, act, loss);
            let w: Vec<f64> = (0..mlp.n_params()).map(|_| rng.gen_range(-0.9..0.9)).collect();
            let exact = batch_hessian(&mlp, &w, &pts, Some(&idx));
            let mut ws = mlp.workspace(16);
            let mut g = |p: &[f64], out: &mut [f64]| {
                evaluate(&mlp, p, &mut ws, &pts, Some(&idx), Some(out));
            };
            let fd = fd_hessian(&mut g, &w);
            let scale = exact.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let worst = (&exact - &fd).iter().fold(0.0f64, |m, v| m.max(v.abs()));
            eprintln!("{act:?} {loss:?}: exact vs central differences {:e} of the largest entry", worst / scale);
            // measured: 1.4e-11 … 5.0e-11 of the largest entry (the differences' own error)
            assert!(worst < 1e-9 * scale, "{act:?} {loss:?}: exact vs central differences differ by {worst:e} (scale {scale:e})");
            assert!(scale > 0.05, "{act:?} {loss:?}: a Hessian of scale {scale:e} tests nothing");
            // and the check can fail: one entry moved by 1e-6 of the scale is seen
            let mut moved = exact.clone();
            moved[[3, 7]] += 1e-6 * scale;
            assert!((&moved - &fd).iter().fold(0.0f64, |m, v| m.max(v.abs())) > 1e-9 * scale);
        }
    }
    // linear model, squared loss: H = I_k ⊗ mean([x; 1][x; 1]ᵀ) in the layout W (k × 3 row-major), then b
    let k = 3;
    let mlp = Mlp::new(3, &[], k, Activation::Tanh, Loss::Squared);
    let w: Vec<f64> = (0..mlp.n_params()).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let h = batch_hessian(&mlp, &w, &pts, None);
    let feat = |p: &[f64], m: usize| if m < 3 { p[m] } else { 1.0 };
    let index = |j: usize, m: usize| if m < 3 { j * 3 + m } else { 3 * k + j };
    let mut worst: f64 = 0.0;
    for j in 0..k {
        for jj in 0..k {
            for m in 0..4 {
                for mm in 0..4 {
                    let want = if j == jj { pts.x.iter().map(|p| feat(p, m) * feat(p, mm)).sum::<f64>() / 9.0 } else { 0.0 };
                    worst = worst.max((h[[index(j, m), index(jj, mm)]] - want).abs());
                }
            }
        }
    }
    assert!(worst < 1e-14, "linear model: {worst:e}");
}
