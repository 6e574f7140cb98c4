//! The weight-decay chapter: SGD + L2 and SGD on the penalised objective agree at every step; Adam + L2
//! ends at the penalised minimum while AdamW does not; a huge η is reported as a divergence.

use optlab::app::{chapter, compute_raw, Scene};
use std::collections::BTreeMap;

fn scene(pairs: &[(&str, &str)]) -> Scene {
    let c = chapter("weight-decay").expect("chapter registered");
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (_, s) = compute_raw(c, &raw);
    assert!(s.messages.iter().all(|m| m.level != "error"), "{:?}", s.messages);
    s
}

fn dist(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt()
}

/// (A, b) of the axis-aligned default: A = diag(3, 0.3), x* = (1.5, −1.5).
fn penalised_minimum(lambda: f64) -> [f64; 2] {
    [3.0 * 1.5 / (3.0 + lambda), 0.3 * -1.5 / (0.3 + lambda)]
}

#[test]
fn sgd_l2_is_sgd_on_the_penalised_objective_at_every_step() {
    for (wd, lr) in [("0.5", "0.1"), ("2", "0.3"), ("0.05", "0.01")] {
        let s = scene(&[("weight_decay", wd), ("lr", lr)]);
        let r = s.report.expect("report");
        let (l2, pen) = (&r.runs[0], &r.runs[1]);
        assert_eq!(l2.params.len(), pen.params.len());
        for (t, (p, q)) in l2.params.iter().zip(&pen.params).enumerate() {
            assert!(dist(p, q) <= 1e-12 * (1.0 + p[0].abs() + p[1].abs()), "wd={wd} lr={lr} step {t}: {p:?} vs {q:?}");
        }
    }
}

#[test]
fn adam_l2_ends_at_the_penalised_minimum_and_adamw_does_not() {
    let s = scene(&[]);
    let r = s.report.expect("report");
    let target = penalised_minimum(0.5);
    let adam = r.runs[2].params.last().unwrap();
    let adamw = r.runs[3].params.last().unwrap();
    assert!(dist(adam, &target) < 1e-6, "Adam + L2 ends at {adam:?}, x̃* = {target:?}");
    assert!(dist(adamw, &target) > 0.1, "AdamW ends at {adamw:?}, too close to x̃* = {target:?}");
    // SGD + L2 ends there as well.
    assert!(dist(r.runs[0].params.last().unwrap(), &target) < 1e-6);
    let line = s.readout.iter().find(|l| l.label == "end points: Adam + L2 vs AdamW").expect("pair readout");
    let d: f64 = line.value.split(' ').next().unwrap().parse().expect("a number first");
    assert!((d - dist(adam, adamw)).abs() < 0.01 && d > 0.1, "{line:?}");
}

#[test]
fn without_decay_adam_l2_and_adamw_are_one_run() {
    let s = scene(&[("weight_decay", "0")]);
    let r = s.report.expect("report");
    assert_eq!(r.runs[2].params, r.runs[3].params);
    for t in &r.runs {
        assert!(dist(t.params.last().unwrap(), &[1.5, -1.5]) < 1e-3, "{}: {:?}", t.label, t.params.last());
    }
}

#[test]
fn a_huge_step_size_diverges_with_the_penalised_bound() {
    let s = scene(&[("lr", "3")]);
    let bad: Vec<_> = s.readout.iter().filter(|r| r.tone == "bad").collect();
    assert_eq!(bad.len(), 2, "{:?}", s.readout);
    // L of the penalised objective is 3 + 0.5, so 2/L = 0.571.
    assert!(bad.iter().all(|r| r.value.contains("diverged at step") && r.value.contains("2/L = 0.571")), "{bad:?}");
    assert!(s.readout.iter().any(|r| r.value.starts_with("both diverged")));
}

/// SGD with momentum and decoupled decay written out (PyTorch-style buffer, no dampening): b₀ = g₀,
/// b_t = βb_{t−1} + ∇f(x_t), x_{t+1} = x_t − η(b_t + λx_t); f = ½xᵀAx − bᵀx with A = diag(3, 0.3).
fn decoupled_by_hand(x0: [f64; 2], lr: f64, beta: f64, lambda: f64, steps: usize) -> Vec<[f64; 2]> {
    let (a, target) = ([3.0, 0.3], [1.5, -1.5]);
    let mut x = x0;
    let mut buf: Option<[f64; 2]> = None;
    let mut out = vec![x];
    for _ in 0..steps {
        let g = [a[0] * (x[0] - target[0]), a[1] * (x[1] - target[1])];
        let b = match buf {
            None => g,
            Some(b) => [b[0] * beta + g[0], b[1] * beta + g[1]],
        };
        buf = Some(b);
        x = [x[0] - lr * (b[0] + lambda * x[0]), x[1] - lr * (b[1] + lambda * x[1])];
        out.push(x);
    }
    out
}

#[test]
fn sgd_l2_and_decoupled_decay_are_one_run_without_momentum_and_part_with_it() {
    for (beta, lambda, lr) in [("0.9", "0.5", "0.1"), ("0.5", "2", "0.05"), ("0.99", "0.2", "0.01")] {
        let s = scene(&[("sgd_momentum", beta), ("weight_decay", lambda), ("lr", lr), ("steps", "3000")]);
        let (b, l, eta): (f64, f64, f64) = (beta.parse().unwrap(), lambda.parse().unwrap(), lr.parse().unwrap());
        let line = |label: &str| {
            s.readout.iter().find(|r| r.label.starts_with(label)).unwrap_or_else(|| panic!("no {label}: {:?}", s.readout)).value.clone()
        };
        // without momentum: one run, bit for bit
        assert!(line("SGD without momentum: L2 vs decoupled").starts_with("0 over 3000 steps"));
        // with momentum: the chart's distance is that of the hand-written decoupled run and the L2 run
        let by_hand = decoupled_by_hand([-1.5, 1.0], eta, b, l, 3000);
        let x_hat = [3.0 * 1.5 / (3.0 + (1.0 - b) * l), 0.3 * -1.5 / (0.3 + (1.0 - b) * l)];
        let end = by_hand.last().unwrap();
        assert!(dist(end, &x_hat) < 1e-6, "β = {beta}: decoupled ends at {end:?}, x̂ = {x_hat:?}");
        let target = [3.0 * 1.5 / (3.0 + l), 0.3 * -1.5 / (0.3 + l)];
        let d: f64 = line(&format!("SGD with momentum β = {beta}")).split(' ').next().unwrap().parse().unwrap();
        assert!(
            (d - dist(&target, &x_hat)).abs() < 0.01 * d.max(1e-3) && d > 0.05,
            "β = {beta}: shown {d}, x̃* to x̂ {}",
            dist(&target, &x_hat)
        );
        let chart = s
            .charts
            .iter()
            .find_map(|(id, c)| match c {
                optlab::app::Chart::Lines(c) if *id == "momentum" => Some(c),
                _ => None,
            })
            .expect("momentum chart");
        let gap = &chart.series[1].points;
        // the chart's distance at every step is that between `optlab run`'s SGD (momentum β, weight_decay λ)
        // and the hand-written decoupled run
        let json = format!(
            r#"{{"problem": {{"kind": "quadratic", "a": [[3, 0], [0, 0.3]], "b": [4.5, -0.45]}}, "x0": [-1.5, 1.0], "steps": 3000,
                "runs": [{{"optimizer": {{"kind": "sgd", "lr": {lr}, "momentum": {beta}, "weight_decay": {lambda}}}}}]}}"#
        );
        let l2 = optlab::run::run(&optlab::spec::Spec::from_json(&json).expect("valid spec")).expect("runs");
        let l2 = &l2.runs[0].params;
        assert_eq!(l2.len(), gap.len());
        for (t, ((_, g), (p, q))) in gap.iter().zip(l2.iter().zip(&by_hand)).enumerate() {
            let d = dist(p, q).max(1e-16);
            assert!((g - d).abs() <= 1e-9 * d.max(1e-9), "β = {beta} step {t}: chart {g}, recomputed {d}");
        }
        assert!(gap.iter().skip(1).any(|p| p.1 > 1e-3));
    }
}
