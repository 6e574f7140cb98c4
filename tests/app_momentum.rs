//! The momentum chapter: measured rates against the theory, the rate map, divergence, clicks.

use optlab::analysis::{fit_linear_rate, heavy_ball_optimal, heavy_ball_optimal_rate, heavy_ball_rate, nesterov_rate};
use optlab::app::{chapter, compute_raw, Chart, Field, Scene};
use optlab::spec::Spec;
use std::collections::BTreeMap;

fn scene(pairs: &[(&str, &str)]) -> Scene {
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    compute_raw(chapter("momentum").expect("momentum chapter"), &raw).1
}

fn readout<'a>(s: &'a Scene, label: &str) -> &'a str {
    &s.readout.iter().find(|r| r.label.contains(label)).unwrap_or_else(|| panic!("no readout {label}: {:?}", s.readout)).value
}

/// Per-step factor of ‖x − x*‖ fitted over a run of SGD (momentum β, Nesterov or not) on the chapter's quadratic.
fn measured_rate(kappa: f64, eta: f64, beta: f64, nesterov: bool, steps: usize) -> f64 {
    let json = format!(
        r#"{{"problem": {{"kind": "conditioned_quadratic", "kappa": {kappa}, "angle": 30, "l_max": 1}},
            "x0": [-1.5, 1.0], "steps": {steps},
            "runs": [{{"optimizer": {{"kind": "sgd", "lr": {eta}, "momentum": {beta}, "nesterov": {nesterov}}}}}]}}"#
    );
    let report = optlab::run::run(&Spec::from_json(&json).expect("valid spec")).expect("runs");
    fit_linear_rate(&report.runs[0].loss, 0.0, 1e-12).expect("enough points").sqrt()
}

#[test]
fn heavy_ball_at_polyak_parameters_reaches_the_optimal_rate() {
    for kappa in [10.0, 50.0, 200.0, 1000.0] {
        let (eta, beta) = heavy_ball_optimal(1.0, 1.0 / kappa);
        let json = format!(
            r#"{{"problem": {{"kind": "conditioned_quadratic", "kappa": {kappa}, "angle": 30, "l_max": 1}},
                "x0": [-1.5, 1.0], "steps": 2000,
                "runs": [{{"optimizer": {{"kind": "sgd", "lr": {eta}, "momentum": {beta}}}}}]}}"#
        );
        let report = optlab::run::run(&Spec::from_json(&json).expect("valid spec")).expect("runs");
        let loss = &report.runs[0].loss;
        let theory = heavy_ball_optimal_rate(kappa);
        // at Polyak's point both modes are critically damped (a double root), so ‖x_t‖ ~ t·ρᵗ and
        // f − f* ~ t²ρ²ᵗ: a plain fit reads a slower rate, the fit of (f − f*)/t² reads ρ itself
        let plain = fit_linear_rate(loss, 0.0, 1e-12).unwrap().sqrt();
        assert!(plain > theory && plain < theory + 0.06, "κ = {kappa}: plain fit {plain} vs {theory}");
        let adjusted: Vec<f64> = loss.iter().enumerate().skip(1).map(|(t, f)| if *f > 1e-12 { f / (t * t) as f64 } else { 0.0 }).collect();
        let m = fit_linear_rate(&adjusted, 0.0, 1e-300).unwrap().sqrt();
        assert!((m - theory).abs() < 0.01, "κ = {kappa}: measured {m} vs (√κ−1)/(√κ+1) = {theory}");
    }
}

#[test]
fn measured_rates_match_the_heavy_ball_and_nesterov_polynomials() {
    for &(eta, beta) in &[(1.0, 0.8), (0.5, 0.5), (2.0, 0.3), (0.2, 0.95)] {
        for nesterov in [false, true] {
            let theory = if nesterov { nesterov_rate(eta, beta, &[1.0, 0.02]) } else { heavy_ball_rate(eta, beta, &[1.0, 0.02]) };
            if theory >= 0.995 {
                continue;
            }
            let m = measured_rate(50.0, eta, beta, nesterov, 600);
            assert!((m - theory).abs() < 0.01, "η = {eta}, β = {beta}, nesterov = {nesterov}: measured {m} vs {theory}");
        }
    }
}

#[test]
fn the_readout_sets_measured_beside_theory_and_the_optima() {
    let s = scene(&[]);
    let hb = readout(&s, "heavy ball: rate of ‖x − x*‖");
    let parts: Vec<f64> = hb.split(|c: char| !(c.is_ascii_digit() || c == '.')).filter_map(|p| p.parse().ok()).collect();
    // "0.895 (f − f* factor 0.801) vs ρ = 0.894"
    assert!((parts[0] - parts[2]).abs() < 0.01, "{hb}");
    assert!(readout(&s, "best heavy ball (Polyak)").starts_with("0.752"), "{:?}", s.readout);
    assert!(readout(&s, "best gradient descent").starts_with("0.961"), "{:?}", s.readout);
}

#[test]
fn a_huge_step_size_diverges_with_the_two_over_l_message() {
    let s = scene(&[("lr", "8"), ("momentum", "0.5")]);
    let bad: Vec<_> = s.readout.iter().filter(|r| r.tone == "bad").collect();
    assert_eq!(bad.len(), 2, "{:?}", s.readout);
    // each run names the bound of its own method (issue 8: heavy ball's message used gradient descent's 2/L)
    assert!(bad[0].value.contains("diverged at step") && bad[0].value.contains("gradient descent: η = 8.00 > 2/L = 2.00"), "{bad:?}");
    assert!(bad[1].value.contains("diverged at step") && bad[1].value.contains("heavy ball: η = 8.00 > 2(1+β)/L = 3.00"), "{bad:?}");
    assert!(readout(&s, "heavy ball: rate of").contains("(diverges)"));
    // the plots keep what was computed
    let report = s.report.as_ref().unwrap();
    assert!(report.runs.iter().all(|t| t.loss.len() > 1));
}

#[test]
fn the_rate_map_is_grey_exactly_where_the_theory_diverges() {
    for nesterov in ["false", "true"] {
        let s = scene(&[("nesterov", nesterov), ("kappa", "20")]);
        let (map, values, w, h) = s
            .charts
            .iter()
            .find_map(|(id, c)| match c {
                Chart::Map(m, Field::Grid { values, width, height }) if *id == "rates" => Some((m, values, *width, *height)),
                _ => None,
            })
            .expect("rate map");
        let (x0, x1, y0, y1) = map.bounds;
        let mut grey = 0;
        for j in 0..h {
            let beta = y1 - (j as f64 + 0.5) / h as f64 * (y1 - y0);
            for i in 0..w {
                let eta = 10f64.powf(x0 + (i as f64 + 0.5) / w as f64 * (x1 - x0));
                let rho =
                    if nesterov == "true" { nesterov_rate(eta, beta, &[1.0, 0.05]) } else { heavy_ball_rate(eta, beta, &[1.0, 0.05]) };
                let v = values[j * w + i];
                assert_eq!(v >= 1.0, rho >= 1.0, "cell ({i}, {j}) η = {eta}, β = {beta}: value {v}, ρ = {rho}");
                grey += (v >= 1.0) as usize;
            }
        }
        assert!(grey > w * h / 10 && grey < w * h / 2, "{grey} grey cells");
        // the current point is marked
        assert!(map.markers.iter().any(|(x, y, l, _)| l == "now" && (*x - 0.0).abs() < 1e-12 && (*y - 0.8).abs() < 1e-12));
    }
}

#[test]
fn clicks_set_the_start_or_the_step_size_and_momentum() {
    let c = chapter("momentum").unwrap();
    let st = compute_raw(c, &BTreeMap::new()).0;
    let set = c.click("rates", (-1.0, 0.9), &st);
    assert_eq!(set, vec![("lr".to_string(), "0.1".to_string()), ("momentum".to_string(), "0.9".to_string())]);
    // η rounded to three digits away from the optimum
    let set = c.click("rates", (0.3, 0.3), &st);
    assert_eq!(set, vec![("lr".to_string(), "2".to_string()), ("momentum".to_string(), "0.3".to_string())]);
    let set = c.click("rates", (0.5873, 0.3), &st);
    assert_eq!(set[0], ("lr".to_string(), "3.87".to_string()));
    // next to Polyak's marker (κ = 50) the click snaps to η*, β* exactly (no rounded value reaches them)
    let (eta, beta) = heavy_ball_optimal(1.0, 1.0 / 50.0);
    let set = c.click("rates", (0.4873 + 0.05, 0.5661 - 0.02), &st);
    assert_eq!(set.len(), 2);
    assert_eq!(set[0].1.parse::<f64>().unwrap(), eta);
    assert_eq!(set[1].1.parse::<f64>().unwrap(), beta);
    let set = c.click("map", (0.514, -1.2), &st);
    assert_eq!(set, vec![("x0".to_string(), "0.51,-1.2".to_string())]);
}

#[test]
fn nesterov_with_zero_momentum_falls_back_to_gradient_descent_with_a_note() {
    let s = scene(&[("nesterov", "true"), ("momentum", "0")]);
    assert!(s.messages.iter().any(|m| m.text.contains("Nesterov needs momentum")));
    assert!(s.messages.iter().all(|m| m.level != "error"), "{:?}", s.messages);
    let r = s.report.unwrap();
    assert_eq!(r.runs[0].loss, r.runs[1].loss);
}

#[test]
fn the_unrolled_sum_reproduces_the_run_and_its_weights_are_partial_sums_of_the_powers() {
    for nesterov in ["false", "true"] {
        for (beta, lr) in [("0.5", "1"), ("0.9", "0.3"), ("0.99", "0.05"), ("0", "1")] {
            let s = scene(&[("momentum", beta), ("lr", lr), ("nesterov", nesterov), ("steps", "300")]);
            // the unrolled form x₀ − η Σ wᵢ∇f(xᵢ) recomputed here from the run's iterates
            let t = &s.report.as_ref().unwrap().runs[1];
            let (b, eta): (f64, f64) = (beta.parse().unwrap(), lr.parse().unwrap());
            let nag = nesterov == "true" && b > 0.0;
            let n = t.params.len() - 1;
            let mut x = t.params[0].clone();
            let (kappa, angle) = (50.0f64, 30f64.to_radians());
            // the chapter's quadratic: eigenvalues 1 and 1/κ along directions rotated by the angle
            let (c, sn) = (angle.cos(), angle.sin());
            let h = [[c * c + sn * sn / kappa, c * sn * (1.0 - 1.0 / kappa)], [c * sn * (1.0 - 1.0 / kappa), sn * sn + c * c / kappa]];
            for (i, p) in t.params[..n].iter().enumerate() {
                let age = (n - 1 - i) as i32;
                let w = if b == 0.0 { 1.0 } else { (1.0 - b.powi(age + if nag { 2 } else { 1 })) / (1.0 - b) };
                for k in 0..2 {
                    x[k] -= eta * w * (h[k][0] * p[0] + h[k][1] * p[1]);
                }
            }
            let last = t.params.last().unwrap();
            let err = ((x[0] - last[0]).powi(2) + (x[1] - last[1]).powi(2)).sqrt();
            assert!(err <= 1e-12 * (1.0 + last[0].abs() + last[1].abs()), "β = {beta}, nesterov = {nesterov}: {x:?} vs {last:?}");
            let r = s.readout.iter().find(|r| r.label.contains("from the unrolled sum")).expect("unrolled readout");
            let shown: f64 = r.value.split_whitespace().nth(2).unwrap().parse().unwrap();
            assert!(shown <= 1e-12 * (1.0 + last[0].abs() + last[1].abs()), "{r:?}");
            // the chart: weight in the move = partial sums of the weights in the step (one more for Nesterov)
            let c = match s.charts.iter().find(|(id, _)| *id == "unrolled") {
                Some((_, Chart::Lines(c))) => c,
                _ => panic!("no unrolled chart"),
            };
            let step = &c.series[0].points;
            let mv = &c.series[1].points;
            let mut acc = if nag { 1.0 } else { 0.0 };
            for (k, (age, w)) in mv.iter().enumerate() {
                acc += step.iter().find(|p| p.0 == *age).map_or(0.0, |p| p.1 * if nag { b } else { 1.0 });
                if b == 0.0 {
                    assert_eq!(*w, 1.0);
                } else {
                    assert!((w - acc).abs() <= 1e-9 * acc, "β = {beta} age {k}: {w} vs {acc}");
                }
            }
        }
    }
}

#[test]
fn heavy_ball_is_stable_up_to_its_own_bound_not_gradient_descents() {
    // β = 0.8 on L = 1: heavy ball is stable for η < 2(1+β)/L = 3.6, gradient descent only for η < 2
    let s = scene(&[("lr", "3"), ("momentum", "0.8")]);
    let runs = &s.report.as_ref().unwrap().runs;
    assert!(runs[0].diverged.is_some(), "gradient descent at η = 3 > 2/L diverges");
    assert!(runs[1].diverged.is_none(), "heavy ball at η = 3 < 3.6 converges: {:?}", runs[1].diverged);
    assert!(runs[1].loss.last().unwrap() < &1e-6, "{:?}", runs[1].loss.last());
    let s = scene(&[("lr", "5"), ("momentum", "0.8")]);
    let hb = s.readout.iter().find(|r| r.label == "heavy ball" && r.tone == "bad").expect("heavy ball diverged");
    assert!(hb.value.contains("2(1+β)/L = 3.60") && hb.claims.iter().all(|c| c.holds()), "{hb:?}");
    assert!(!hb.value.contains("2/L = 2"), "{hb:?}");
}

#[test]
fn each_run_sets_its_rate_beside_the_theory_in_place_of_the_generic_rate_line() {
    let s = scene(&[]);
    let labels: Vec<&str> = s.readout.iter().map(|r| r.label.as_str()).collect();
    assert!(!labels.iter().any(|l| l.contains("measured rate at the end")), "{labels:?}");
    let steps: Vec<usize> = labels.iter().enumerate().filter(|(_, l)| l.contains("steps to f − f*")).map(|(i, _)| i).collect();
    assert_eq!(steps.len(), 2, "two runs: {labels:?}");
    for i in steps {
        // the run's lines in convergence's order: steps to the tolerance, the rate, the final gap
        let run = labels[i].split(": ").next().unwrap();
        assert_eq!(labels[i + 1], format!("{run}: rate of ‖x − x*‖ per step, measured vs theory"), "{labels:?}");
        assert_eq!(labels[i + 2], format!("{run}: final f − f*"), "{labels:?}");
    }
}
