//! The schedules chapter: the drawn η_t is the one the run used, the schedule lowers the noise floor of
//! mini-batch SGD at the defaults, and without noise it does not help.

use optlab::app::{chapter, compute_raw, Chart, Scene};
use std::collections::BTreeMap;

fn scene(pairs: &[(&str, &str)]) -> Scene {
    let c = chapter("schedules").expect("chapter registered");
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (_, s) = compute_raw(c, &raw);
    assert!(s.messages.iter().all(|m| m.level != "error"), "{:?}", s.messages);
    s
}

fn readout(s: &Scene, label: &str) -> f64 {
    let r = s.readout.iter().find(|r| r.label == label).unwrap_or_else(|| panic!("no readout {label}: {:?}", s.readout));
    r.value.parse().unwrap_or_else(|_| panic!("{r:?}"))
}

#[test]
fn the_drawn_schedule_is_the_one_the_run_used() {
    for sched in ["warmup_cosine", "cosine", "step", "exponential", "linear"] {
        let s = scene(&[("schedule", sched), ("steps", "400")]);
        let Some((_, Chart::Lines(lr))) = s.charts.iter().find(|(id, _)| *id == "lr") else { panic!("lr chart") };
        let run = &s.report.as_ref().unwrap().runs[0];
        assert_eq!(run.lr.len(), 400);
        for (t, (p, used)) in lr.series[0].points.iter().zip(&run.lr).enumerate() {
            assert_eq!(p.0, (t + 1) as f64);
            assert!((p.1 - used).abs() <= 1e-15, "{sched}: step {}: drawn {} used {used}", t + 1, p.1);
        }
        // the comparison run is constant at the base rate
        assert!(s.report.as_ref().unwrap().runs[1].lr.iter().all(|&v| v == 0.05));
    }
}

#[test]
fn step_and_exponential_share_gamma_per_interval() {
    let step = scene(&[("schedule", "step"), ("gamma", "0.3"), ("step_size", "40"), ("steps", "200")]);
    let exp = scene(&[("schedule", "exponential"), ("gamma", "0.3"), ("step_size", "40"), ("steps", "200")]);
    let (a, b) = (&step.report.as_ref().unwrap().runs[0].lr, &exp.report.as_ref().unwrap().runs[0].lr);
    for k in 0..5 {
        let want = 0.05 * 0.3f64.powi(k);
        // step t = 40k + 1 has had 40k scheduler steps
        assert!((a[40 * k as usize] - want).abs() < 1e-15 && (b[40 * k as usize] - want).abs() < 1e-12 * want.max(1e-300) * 1e3);
    }
    // in between, exponential decays smoothly and step keeps its level
    assert!(b[20] < a[20] && b[20] > a[40]);
}

#[test]
fn warm_up_then_cosine_reaches_the_base_rate_and_anneals() {
    let s = scene(&[]);
    let lr = &s.report.as_ref().unwrap().runs[0].lr;
    assert!((lr[0] - 0.05 * 0.01).abs() < 1e-15, "warm-up starts at start_factor·η: {}", lr[0]);
    assert!((lr[30] - 0.05).abs() < 1e-15, "after 30 warm-up steps η_t = η: {}", lr[30]);
    assert!(lr[999] < 1e-4 * 0.05, "cosine ends near η_min = 0: {}", lr[999]);
}

#[test]
fn the_schedule_lowers_the_noise_floor_of_minibatch_sgd() {
    for seed in ["0", "1", "2"] {
        for sched in ["warmup_cosine", "step", "exponential"] {
            let s = scene(&[("seed", seed), ("schedule", sched)]);
            let names: Vec<String> = s.report.as_ref().unwrap().runs.iter().map(|r| r.label.clone()).collect();
            let scheduled = readout(&s, &format!("{}: mean f − f* over the last 10 % of steps", names[0]));
            let constant = readout(&s, &format!("{}: mean f − f* over the last 10 % of steps", names[1]));
            assert!(scheduled < constant / 3.0, "seed {seed} {sched}: scheduled {scheduled} vs constant {constant}");
        }
    }
}

#[test]
fn without_noise_both_runs_converge() {
    let s = scene(&[("noise", "0"), ("batch", "64")]);
    let hits: Vec<_> = s.readout.iter().filter(|r| r.label.ends_with("steps to f − f* ≤ 1e-6")).collect();
    assert_eq!(hits.len(), 2, "{:?}", s.readout);
    assert!(hits.iter().all(|r| r.value.parse::<usize>().is_ok()), "{hits:?}");
}

#[test]
fn a_huge_rate_is_reported_as_divergence() {
    let s = scene(&[("lr", "3"), ("schedule", "step")]);
    assert!(s.readout.iter().any(|r| r.tone == "bad" && r.value.contains("diverged at step")), "{:?}", s.readout);
}

/// The two-well landscape: the sharp well is the poor minimum (higher f, curvature above the limit of
/// SGD + momentum at η = 0.5) and the wide one the good minimum; the readouts name where each run ends, and
/// the schedule's limit is taken at its largest rate.
#[test]
fn two_wells_poor_sharp_and_good_wide() {
    let (_, s) = compute_raw(
        chapter("schedules").unwrap(),
        &[("landscape", "two_wells"), ("x0", "-1.3,0.5"), ("lr", "0.5")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    );
    let spec = s.spec.as_ref().unwrap();
    let p = spec.problem.build(0).unwrap();
    let value = |label: &str| s.readout.iter().find(|r| r.label == label).unwrap_or_else(|| panic!("no {label}")).value.clone();
    assert!(value("poor (sharp) minimum").contains("λ_max = 15.1"), "{}", value("poor (sharp) minimum"));
    // f and the Hessian at the two minima, recomputed
    let (poor, good) = ([-0.98587, 0.0], [1.3607, 0.0]);
    let mut g = vec![0.0; 2];
    for m in [poor, good] {
        p.grad(&m, &mut g);
        assert!(g[0].abs() < 1e-2 && g[1].abs() < 1e-9, "{m:?}: {g:?}"); // (positions to 5 digits)
    }
    assert!(p.value(&poor) > p.value(&good) + 0.2);
    let lam = |x: [f64; 2]| optlab::linalg::symmetric_eigenvalues(p.hessian(&x).unwrap().view())[0];
    assert!(lam(poor) > 2.0 * 1.9 / 0.5 && lam(good) < 2.0 * 1.9 / 0.5, "{} {}", lam(poor), lam(good));
    // the runs' ends as the readouts say
    let runs = &s.report.as_ref().unwrap().runs;
    assert!(value(&format!("{}: ends in", runs[0].label)).starts_with("the good (wide) minimum"));
    assert!(value(&format!("{}: ends in", runs[1].label)).starts_with("the poor (sharp) minimum"));
    // a warm-up schedule's largest rate is the base rate (the limit is stated there, not at the tiny start)
    let lim = s.readout.iter().find(|r| r.label.starts_with(&runs[0].label) && r.label.contains("largest rate")).unwrap();
    assert!((lim.claims[0].rhs - 2.0 * 1.9 / 0.5).abs() < 1e-9, "{lim:?}");
}
