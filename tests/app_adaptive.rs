//! The adaptive-methods chapter: what the effective-step chart shows is the factor each method really
//! applies, AdaGrad's only shrinks, and bias correction changes Adam's first steps by (1−β₁)/√(1−β₂).
//! Defaults: the quadratic κ = 50 at angle 0 (L = 1 on x), x₀ = (−1.5, 1), η = 0.1.

use optlab::app::{chapter, compute_raw, Chart, Scene};
use optlab::problems::Problem;
use std::collections::BTreeMap;

fn scene(pairs: &[(&str, &str)]) -> Scene {
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    compute_raw(chapter("adaptive").expect("adaptive chapter"), &raw).1
}

/// The points of the effective-step series named `name` (e.g. "AdaGrad (x)").
fn steps_series(s: &Scene, name: &str) -> Vec<(f64, f64)> {
    let Some((_, Chart::Lines(c))) = s.charts.iter().find(|(id, _)| *id == "steps") else { panic!("no steps chart") };
    c.series.iter().find(|x| x.name == name).unwrap_or_else(|| panic!("no series {name}")).points.clone()
}

fn internal(s: &Scene, run: usize, what: optlab::optim::Internal) -> &Vec<Vec<f64>> {
    let t = &s.report.as_ref().unwrap().runs[run];
    &t.internals.iter().find(|(k, _)| *k == optlab::optim::Key::top(what)).unwrap_or_else(|| panic!("no internal {what:?}")).1
}

#[test]
fn the_effective_step_is_the_factor_each_method_applies() {
    for problem in ["conditioned_quadratic", "rosenbrock"] {
        let s = scene(&[("problem", problem), ("angle", "30"), ("steps", "60")]);
        let spec = s.spec.as_ref().unwrap();
        let prob: Box<dyn Problem> = spec.problem.build(spec.seed).unwrap();
        let report = s.report.as_ref().unwrap();
        for (run, name) in [(0, "AdaGrad"), (1, "RMSProp"), (2, "Adam")] {
            let t = &report.runs[run];
            assert!(t.diverged.is_none(), "{problem}/{name}");
            let ex = steps_series(&s, &format!("{name} (x)"));
            let ey = steps_series(&s, &format!("{name} (y)"));
            assert_eq!(ex.len(), 60);
            for step in 0..60 {
                // AdaGrad and RMSProp scale the gradient at x_t, Adam its first moment m_t
                let dir = if name == "Adam" {
                    internal(&s, run, optlab::optim::Internal::FirstMoment)[step].clone()
                } else {
                    let mut g = vec![0.0; 2];
                    prob.grad(&t.params[step], &mut g);
                    g
                };
                for (k, e) in [ex[step].1, ey[step].1].into_iter().enumerate() {
                    let moved = t.params[step + 1][k] - t.params[step][k];
                    let predicted = -e * dir[k];
                    assert!(
                        (moved - predicted).abs() <= 1e-12 * (1.0 + moved.abs()),
                        "{problem}/{name} step {step} coord {k}: moved {moved}, η·scale·direction = {predicted}"
                    );
                }
            }
        }
    }
}

#[test]
fn adagrad_steps_only_shrink_while_rmsprop_steps_can_grow() {
    for problem in ["conditioned_quadratic", "rosenbrock"] {
        let s = scene(&[("problem", problem), ("steps", "500")]);
        for coord in ["x", "y"] {
            let e = steps_series(&s, &format!("AdaGrad ({coord})"));
            assert!(e.windows(2).all(|w| w[1].1 <= w[0].1), "{problem}: AdaGrad ({coord}) grew");
            assert!(e.last().unwrap().1 < e[0].1, "{problem}: AdaGrad ({coord}) did not shrink");
        }
    }
    // on the default quadratic, RMSProp's average forgets the early large gradients: its step grows back
    let s = scene(&[]);
    let r = steps_series(&s, "RMSProp (x)");
    assert!(r.last().unwrap().1 > 2.0 * r[0].1, "{:?} → {:?}", r[0], r.last());
}

#[test]
fn bias_correction_changes_adams_first_step_by_the_predicted_factor() {
    for (b1, b2) in [("0.9", "0.999"), ("0.5", "0.99")] {
        let on = scene(&[("beta1", b1), ("beta2", b2), ("eps", "1e-12")]);
        let off = scene(&[("beta1", b1), ("beta2", b2), ("eps", "1e-12"), ("bias_correction", "false")]);
        let (beta1, beta2): (f64, f64) = (b1.parse().unwrap(), b2.parse().unwrap());
        let predicted = (1.0 - beta1) / (1.0 - beta2).sqrt();
        for coord in ["x", "y"] {
            let a = steps_series(&on, &format!("Adam ({coord})"))[0].1;
            let b = steps_series(&off, &format!("Adam ({coord})"))[0].1;
            // ε = 1e-12 is negligible next to √v (≥ 6e-4 here)
            assert!((b / a / predicted - 1.0).abs() < 1e-6, "β = ({b1}, {b2}) {coord}: ratio {} vs {predicted}", b / a);
        }
        // with correction Adam's first move is η·sign(g) per coordinate; RMSProp (no correction) moves
        // η/√(1−α)·sign(g)
        let rms = scene(&[("alpha", b2), ("eps", "1e-12")]);
        let x0 = [-1.5, 1.0];
        let sign_g = [-1.0, 1.0]; // the move is against the gradient at (−1.5, 1): towards 0
        let alpha: f64 = b2.parse().unwrap();
        for k in 0..2 {
            let adam = on.report.as_ref().unwrap().runs[2].params[1][k] - x0[k];
            let rmsprop = rms.report.as_ref().unwrap().runs[1].params[1][k] - x0[k];
            assert!((adam + 0.1 * sign_g[k]).abs() < 1e-9, "Adam's first move {adam}");
            assert!((rmsprop + 0.1 / (1.0 - alpha).sqrt() * sign_g[k]).abs() < 1e-7, "RMSProp's first move {rmsprop}");
        }
    }
}

#[test]
fn readouts_name_each_method_and_its_step_change() {
    let s = scene(&[]);
    for name in ["AdaGrad", "RMSProp", "Adam"] {
        assert!(s.readout.iter().any(|r| r.label == format!("{name}: final f − f*")), "{:?}", s.readout);
        assert!(s.readout.iter().any(|r| r.label.starts_with(&format!("{name}: effective step (x, y) at step 1 → step 200"))));
    }
    // a click on the map sets x0
    let c = chapter("adaptive").unwrap();
    assert_eq!(c.click("map", (0.123, -0.456), &Default::default()), vec![("x0".to_string(), "0.12,-0.46".to_string())]);
}
