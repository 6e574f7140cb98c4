//! The race chapter: every optimizer kind of the registry run from one start with their tuned rates times `lr_scale`;
//! Newton solves the quadratic in one step; Muon's vector step is a normalised step; the saddle's loss lines
//! stay on the chart; a huge scale is reported as divergence.

use optlab::app::{chapter, compute_raw, Chart, Scene};
use optlab::optim::OptimizerSpec;
use std::collections::BTreeMap;

fn scene(pairs: &[(&str, &str)]) -> Scene {
    let c = chapter("race").expect("chapter registered");
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (_, s) = compute_raw(c, &raw);
    assert!(s.messages.iter().all(|m| m.level != "error"), "{:?}", s.messages);
    s
}

/// The kinds of the registry's racers, in their order (each family declares its racers; SGD has three).
fn racer_kinds() -> Vec<&'static str> {
    optlab::optim::racers().iter().map(|r| (r.build)(0.1).kind()).collect()
}

#[test]
fn racers_follow_the_registry_order() {
    let kinds = racer_kinds();
    assert_eq!(&kinds[..4], ["sgd", "sgd", "sgd", "adagrad"]);
    let mut order: Vec<&str> = kinds.clone();
    order.dedup();
    let registry: Vec<&str> = optlab::optim::KINDS.iter().map(|k| k.kind).collect();
    assert_eq!(order, registry, "one group of racers per kind, in the registry's order");
}

/// Every optimizer kind of the registry races (a new kind without a racer fails here).
#[test]
fn every_registry_kind_has_a_racer() {
    let s = scene(&[]);
    let raced: Vec<&str> = s.spec.as_ref().unwrap().runs.iter().map(|r| r.optimizer.kind()).collect();
    for k in optlab::optim::KINDS {
        assert!(raced.contains(&k.kind), "optimizer kind {} has no racer", k.kind);
    }
}

#[test]
fn every_optimizer_runs_from_the_same_start_for_the_same_steps() {
    for problem in ["conditioned_quadratic", "rosenbrock", "saddle", "plateau", "flat_sharp"] {
        let s = scene(&[("problem", problem), ("steps", "50"), ("x0", "0.5,-0.7")]);
        let spec = s.spec.as_ref().unwrap();
        let kinds: Vec<&str> = spec.runs.iter().map(|r| r.optimizer.kind()).collect();
        assert_eq!(kinds, racer_kinds());
        let r = s.report.as_ref().unwrap();
        for t in &r.runs {
            assert_eq!(t.params[0], vec![0.5, -0.7], "{problem} {}", t.label);
            assert!(t.steps() == 50 || t.diverged.is_some(), "{problem} {}: {} steps", t.label, t.steps());
        }
        assert_eq!(s.readout.len(), racer_kinds().len(), "one table row per optimizer");
        let Some((_, Chart::Lines(loss))) = s.charts.iter().find(|(id, _)| *id == "loss") else { panic!() };
        assert_eq!(loss.series.len(), racer_kinds().len());
    }
}

#[test]
fn lr_scale_multiplies_every_rate() {
    let base = scene(&[]);
    let scaled = scene(&[("lr_scale", "3")]);
    let (a, b) = (base.spec.unwrap(), scaled.spec.unwrap());
    for (x, y) in a.runs.iter().zip(&b.runs) {
        let (p, q) = (x.optimizer.base_lr(), y.optimizer.base_lr());
        assert!((q - 3.0 * p).abs() < 1e-12 * q, "{}: {p} → {q}", x.label);
    }
    // Newton's step is capped at 10
    let big = scene(&[("lr_scale", "100")]).spec.unwrap();
    assert_eq!(big.runs.last().unwrap().optimizer.base_lr(), 10.0);
}

#[test]
fn newton_solves_the_quadratic_in_one_step() {
    let s = scene(&[]);
    let row = s.readout.iter().find(|r| r.label == "Newton").unwrap();
    assert!(row.value.contains("from step 1 on"), "{row:?}");
}

#[test]
fn muon_on_a_column_takes_a_normalised_step_along_minus_the_gradient() {
    let s = scene(&[("steps", "1")]);
    let spec = s.spec.as_ref().unwrap();
    let i = spec.runs.iter().position(|r| r.optimizer.kind() == "muon").expect("Muon races");
    let OptimizerSpec::Muon(m) = &spec.runs[i].optimizer else { unreachable!() };
    let t = &s.report.as_ref().unwrap().runs[i];
    let (x0, x1) = (&t.params[0], &t.params[1]);
    let step = [x1[0] - x0[0], x1[1] - x0[1]];
    // gradient of the default quadratic at x0, from a finite difference of the loss along each axis
    let prob = spec.problem.build(0).unwrap();
    let mut g = vec![0.0; 2];
    prob.grad(x0, &mut g);
    let (ns, gs) = (step[0].hypot(step[1]), g[0].hypot(g[1]));
    let cos = -(step[0] * g[0] + step[1] * g[1]) / (ns * gs);
    assert!(cos > 1.0 - 1e-9, "the step is along −g: cos = {cos}");
    // length lr·√2 (shape scale for 2×1) times the Newton–Schulz image of σ = 1, inside the quintic's band
    let rel = ns / (m.lr * 2f64.sqrt());
    assert!((0.6..=1.25).contains(&rel), "step length / (lr·√2) = {rel}");
}

#[test]
fn the_saddle_chart_keeps_its_lines_on_the_chart() {
    let s = scene(&[("problem", "saddle")]);
    let Some((_, Chart::Lines(loss))) = s.charts.iter().find(|(id, _)| *id == "loss") else { panic!() };
    assert!(loss.series.iter().flat_map(|s| &s.points).all(|p| p.1 >= -10.0 && p.1.is_finite()));
    let bad: Vec<_> = s.readout.iter().filter(|r| r.tone == "bad").collect();
    assert!(!bad.is_empty() && bad.iter().all(|r| r.value.contains("no minimum")), "{bad:?}");
}

#[test]
fn a_huge_scale_is_reported_as_divergence() {
    let s = scene(&[("lr_scale", "100")]);
    let bad: Vec<_> = s.readout.iter().filter(|r| r.tone == "bad").collect();
    assert!(bad.iter().any(|r| r.label == "SGD" && r.value.starts_with("diverged at step")), "{:?}", s.readout);
}

#[test]
fn the_muon_formula_states_what_newton_schulz_does_to_a_column() {
    // issue 8: "msign(v) = v/‖v‖ approximately, after Newton–Schulz" hid that five Keller steps map σ = 1 to ~0.70
    let (_, s) = optlab::app::compute_raw(optlab::app::chapter("race").unwrap(), &Default::default());
    let get = |k: &str| s.values.iter().find(|(n, _)| n == k).map(|(_, v)| v.parse::<f64>().unwrap()).unwrap();
    let sigma = get("ns_sigma");
    assert!((sigma - 0.70).abs() < 0.02, "{sigma}");
    // and the step Muon takes on the column is √2·σ·η·v/‖v‖: measured on the racer's first step
    let r = s.report.unwrap();
    let muon = r.runs.iter().find(|t| t.label.starts_with("Muon")).unwrap();
    let (x0, x1) = (&muon.params[0], &muon.params[1]);
    let step = (x1[0] - x0[0]).hypot(x1[1] - x0[1]);
    assert!((step / muon.lr[0] - get("ns_step")).abs() < 2e-3, "step {step} at η = {}", muon.lr[0]);
}

/// Each row's rate is the fit over the end of its run (`analysis::end_rate`: the last third of the steps with
/// f − f* > 1e-12), with its window; a run already below 1e-12 after a step or two (Newton) shows none. On the
/// default quadratic f* = 0.
#[test]
fn each_rows_rate_is_the_fit_over_the_end_of_its_run() {
    let s = scene(&[]);
    for t in &s.report.as_ref().unwrap().runs {
        let row = &s.readout.iter().find(|r| r.label == t.label).unwrap_or_else(|| panic!("no row {}", t.label)).value;
        match optlab::analysis::end_rate(&t.loss, 0.0, 1e-12) {
            Some((r, a, b)) => {
                assert!(3 * a >= 2 * b && b <= t.steps(), "{}: window {a}–{b}", t.label);
                let shown: f64 = row.split("rate ").nth(1).and_then(|x| x.split('/').next()).and_then(|x| x.parse().ok()).expect(row);
                assert!((shown - r).abs() <= 5e-3 * r, "{}: {row} vs {r}", t.label);
                assert!(row.contains(&format!("/step over steps {a}–{b}")), "{row}");
            }
            None => assert!(!row.contains("rate "), "{row}"),
        }
    }
}
