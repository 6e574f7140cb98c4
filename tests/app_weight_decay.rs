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
