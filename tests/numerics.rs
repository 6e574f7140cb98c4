//! Extreme but valid inputs give finite output or a clear message (issue 9): msign of huge, tiny and zero
//! matrices, SAM's p-norm ascent as p → 1, a start whose loss is already beyond the divergence bound, and
//! CSV numbers that stay short.

use ndarray::arr2;
use optlab::linalg::msign::{msign, NsVariant};
use optlab::linalg::singular_values;
use optlab::optim::dual_ascent;
use optlab::run::{csv_num, run, to_csv};
use optlab::Spec;

#[test]
fn msign_scales_before_squaring() {
    // the Frobenius norm of [[1e154]*2]*2 overflowed to ∞ and Newton–Schulz returned zeros
    let m = arr2(&[[1e154, 1e154], [1e154, 1e154]]);
    let exact = msign(m.view(), NsVariant::Svd, 0, 1e-7);
    assert!(exact.iter().all(|v| (v - 0.5).abs() < 1e-12), "{exact:?}");
    let k = msign(m.view(), NsVariant::KellerQuintic, 5, 1e-7);
    // rank one: its one singular value, 1 after the normalisation, goes where five Keller steps take 1
    let p5 = optlab::linalg::msign::scalar_map(NsVariant::KellerQuintic, 5, 1.0);
    assert!(k.iter().all(|v| (v - 0.5 * p5).abs() < 1e-12), "{k:?} vs {}", 0.5 * p5);
    assert!((singular_values(m.view())[0] - 2e154).abs() < 1e140);
    // the same matrix at ordinary scale gives the same answer (scale invariance survives the rescaling)
    let small = msign(arr2(&[[1.0, 1.0], [1.0, 1.0]]).view(), NsVariant::KellerQuintic, 5, 0.0);
    assert!(k.iter().zip(small.iter()).all(|(a, b)| (a - b).abs() < 1e-12));
    for m in [
        arr2(&[[1e-160, 0.0], [0.0, 3e-160]]),
        arr2(&[[0.0, 0.0], [0.0, 0.0]]),
        arr2(&[[1e300, 0.0], [0.0, 1e-300]]),
        arr2(&[[1e200, 2e200], [3e200, -1e200]]),
    ] {
        for v in NsVariant::ALL {
            let o = msign(m.view(), v, 5, 1e-7);
            assert!(o.iter().all(|x| x.is_finite()), "{v:?} on {m:?}: {o:?}");
        }
        assert!(singular_values(m.view()).iter().all(|s| s.is_finite()), "{m:?}");
    }
    // exact msign of a huge full-rank matrix is orthogonal
    let o = msign(arr2(&[[1e200, 2e200], [3e200, -1e200]]).view(), NsVariant::Svd, 0, 0.0);
    let sv = singular_values(o.view());
    assert!(sv.iter().all(|s| (s - 1.0).abs() < 1e-12), "{sv:?}");
}

#[test]
fn sams_dual_ascent_is_stable_as_p_goes_to_one() {
    let g = [10.0, -1.0, 0.5];
    for p in [1.0000001, 1.001, 1.004, 1.005, 1.5] {
        let e = dual_ascent(&g, 0.05, p);
        assert!(e.iter().all(|v| v.is_finite()), "p = {p}: {e:?}");
        // ‖ε̂‖_p = ρ (the dual-norm maximiser lies on the sphere)
        let norm = e.iter().map(|v| v.abs().powf(p)).sum::<f64>().powf(1.0 / p);
        assert!((norm - 0.05).abs() < 1e-9, "p = {p}: ‖ε̂‖_p = {norm}");
    }
    // p → 1: all the budget goes to the largest |g| (a corner of the ℓ1 ball)
    let e = dual_ascent(&g, 0.05, 1.0000001);
    assert!((e[0] - 0.05).abs() < 1e-12 && e[1].abs() < 1e-12 && e[2].abs() < 1e-12, "{e:?}");
    // the stable branch and the textbook formula agree where both are fine (q = 100 and just beyond)
    let textbook = |p: f64| {
        let q = p / (p - 1.0);
        let s: f64 = g.iter().map(|v| v.abs().powf(q)).sum::<f64>().powf(1.0 / p) + 1e-12;
        g.iter().map(|v| 0.05 * v.signum() * v.abs().powf(q - 1.0) / s).collect::<Vec<_>>()
    };
    for p in [1.0101, 1.0099] {
        for (a, b) in dual_ascent(&g, 0.05, p).iter().zip(textbook(p)) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-300), "p = {p}: {a} vs {b}");
        }
    }
    // a SAM run with p = 1.0000001 is finite
    let spec = Spec::from_json(
        r#"{"problem": {"kind": "quadratic", "a": [[10, 0], [0, 1]], "b": [0, 0]}, "x0": [1, 1],
        "runs": [{"optimizer": {"kind": "sam", "p": 1.0000001, "inner": {"kind": "sgd", "lr": 0.05}}}], "steps": 20}"#,
    )
    .unwrap();
    let r = run(&spec).unwrap();
    assert!(r.runs[0].diverged.is_none() && r.runs[0].loss.iter().all(|v| v.is_finite()));
}

#[test]
fn a_start_beyond_the_divergence_bound_is_reported_at_step_zero() {
    let spec = Spec::from_json(r#"{"problem": {"kind": "quadratic", "a": [[10, 0], [0, 1]], "b": [-1e308, 0]}, "x0": [1, 1],
        "runs": [{"optimizer": {"kind": "adam", "lr": 0.01}}, {"optimizer": {"kind": "sam", "inner": {"kind": "sgd", "lr": 0.01}}}], "steps": 5}"#).unwrap();
    let r = run(&spec).unwrap();
    for t in &r.runs {
        let d = t.diverged.as_ref().expect("diverged");
        assert_eq!(d.step, 0, "{d:?}");
        assert!(d.reason.contains("1e308") && d.reason.contains("x0"), "{d:?}");
        assert!(t.loss.is_empty());
    }
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("null"), "{json}");
}

#[test]
fn csv_numbers_stay_short_and_read_back_exactly() {
    for v in [1e308, -1e308, 1e-7, 1e16, 123.25, 0.1, 5e-324, 0.0, 1.0000000000000002] {
        let t = csv_num(v);
        assert!(t.len() <= 24, "{t}");
        assert_eq!(t.parse::<f64>().unwrap(), v, "{t}");
    }
    let spec = Spec::from_json(
        r#"{"problem": {"kind": "quadratic", "a": [[10, 0], [0, 1]], "b": [-1e150, 0]}, "x0": [1, 1e-9],
        "runs": [{"optimizer": {"kind": "sgd", "lr": 1e-160}}], "steps": 2}"#,
    );
    if let Ok(spec) = spec {
        let csv = to_csv(&run(&spec).unwrap());
        assert!(csv.lines().all(|l| l.len() < 200), "{csv}");
    }
}

/// A minimum far from the origin is no explosion: gradient descent below 2/L walks ‖x‖ from 0 to 1e7 and
/// converges (before the fix the run was stopped at step 1: "‖x‖ grew to 5.00e6 (more than 1e6 × max(‖x₀‖,
/// 1))"), while above 2/L the same problem is still stopped long before its loss nears 1e100.
#[test]
fn a_far_minimum_is_not_an_explosion() {
    let spec = |a: &str, b: &str, lr: f64, steps: usize| {
        Spec::from_json(&format!(
            r#"{{"problem": {{"kind": "quadratic", "a": {a}, "b": {b}}}, "x0": [0, 0],
            "runs": [{{"optimizer": {{"kind": "sgd", "lr": {lr}}}}}], "steps": {steps}}}"#
        ))
        .unwrap()
    };
    // isotropic: x* = (1e7, 0), one step of η = 0.5 halves the distance
    let r = run(&spec("[[1, 0], [0, 1]]", "[1e7, 0]", 0.5, 60)).unwrap();
    let t = &r.runs[0];
    assert!(t.diverged.is_none(), "{:?}", t.diverged);
    let end = t.params.last().unwrap();
    assert!((end[0] - 1e7).abs() <= 1e-9 * 1e7 && end[1] == 0.0, "{end:?}");
    // κ = 1e4, the minimum (1, 1e7) along the flat direction: slow but stable at η = 1.9e-4 < 2/L = 2e-4
    let r = run(&spec("[[1e4, 0], [0, 1]]", "[1e4, 1e7]", 1.9e-4, 3000)).unwrap();
    let t = &r.runs[0];
    assert!(t.diverged.is_none(), "{:?}", t.diverged);
    assert!(t.loss.windows(2).all(|w| w[1] <= w[0]), "gradient descent below 2/L descends");
    // above 2/L the steep coordinate doubles its error per step: stopped as exploding, not near overflow
    let r = run(&spec("[[1e4, 0], [0, 1]]", "[1e4, 1e7]", 3e-4, 3000)).unwrap();
    let t = &r.runs[0];
    let d = t.diverged.as_ref().expect("diverges above 2/L");
    assert!(d.step < 60 && d.reason.contains("1e6"), "{d:?}");
    assert!(t.loss.iter().all(|f| f.abs() < 1e30), "{:?}", t.loss.last());
}

/// Adam's first step has length ≈ η whatever the gradient: from a start near the minimum it lands far above
/// the start's loss and then converges. Judged from x₀ alone (1e6 × max(|f(x₀) − f*|, 1)) the run was stopped
/// at step 1 as exploding for η = 100, 1e4 and 1e6; the first step now sets the scale too.
#[test]
fn adams_long_first_step_is_no_explosion() {
    for lr in [100.0, 1e4, 1e6] {
        let spec = Spec::from_json(&format!(
            r#"{{"problem": {{"kind": "quadratic", "a": [[10000, 0], [0, 1]], "b": [0, 0]}}, "x0": [0.001, 0.001],
            "runs": [{{"optimizer": {{"kind": "adam", "lr": {lr}}}}}], "steps": 2000}}"#
        ))
        .unwrap();
        let t = &run(&spec).unwrap().runs[0];
        assert!(t.diverged.is_none(), "η = {lr}: {:?}", t.diverged);
        let (peak, last) = (t.loss.iter().copied().fold(0.0, f64::max), *t.loss.last().unwrap());
        assert!(peak > 1e6 * t.loss[0] && last < 1e-60, "η = {lr}: peak {peak:e}, last {last:e}");
    }
    // gradient descent at η = 3 on κ = 50 (2/L = 0.04) is still stopped within a few steps
    let spec = Spec::from_json(
        r#"{"problem": {"kind": "quadratic", "a": [[50, 0], [0, 1]], "b": [0, 0]}, "x0": [1, 1],
        "runs": [{"optimizer": {"kind": "sgd", "lr": 3}}], "steps": 150}"#,
    )
    .unwrap();
    let t = &run(&spec).unwrap().runs[0];
    let d = t.diverged.as_ref().expect("diverges");
    assert!(d.step <= 3 && d.reason.contains("more than 1e6"), "{d:?}");
}

/// Finite gradient entries whose norm is beyond the largest double: reported at step 0 like any other bad
/// start (before: `"grad_norm":[null]` in JSON and `inf` in CSV, then a divergence at step 1); and a reason
/// prints its learning rate short (before: `lr = 0.000…0001`, 300 digits, for 1e-300).
#[test]
fn a_gradient_norm_beyond_the_largest_double_is_a_bad_start() {
    let spec = Spec::from_json(
        r#"{"problem": {"kind": "quadratic", "a": [[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]], "b": [-1e308, -1e308, -1e308, -1e308]},
        "x0": [0, 0, 0, 0], "runs": [{"optimizer": {"kind": "sgd", "lr": 1e-300}}], "steps": 3}"#,
    )
    .unwrap();
    let r = run(&spec).unwrap();
    let d = r.runs[0].diverged.as_ref().expect("a bad start");
    assert_eq!(d.step, 0, "{d:?}");
    assert!(d.reason.contains("norm beyond the largest double"), "{d:?}");
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("null"), "{json}");
    assert!(!to_csv(&r).contains("inf"), "{}", to_csv(&r));
    // two such entries still have a finite norm (1.41e308): the run starts, and its first step overflows f
    let spec = Spec::from_json(
        r#"{"problem": {"kind": "quadratic", "a": [[1, 0], [0, 1]], "b": [-1e308, -1e308]},
        "x0": [0, 0], "runs": [{"optimizer": {"kind": "sgd", "lr": 1e-300}}], "steps": 3}"#,
    )
    .unwrap();
    let r = run(&spec).unwrap();
    let t = &r.runs[0];
    let d = t.diverged.as_ref().expect("f overflows at step 1");
    assert_eq!((d.step, t.grad_norm.len()), (1, 1), "{d:?}");
    assert!(t.grad_norm[0].is_finite() && d.reason.ends_with("(lr = 1e-300)"), "{d:?}");
    assert!(!serde_json::to_string(&r).unwrap().contains("null"));
}
