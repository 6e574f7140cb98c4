//! The divergence line of every chapter (`app::common::convergence`) blames the step size a run actually
//! used: with a schedule the largest η_t up to the step that failed (a warm-up may never reach the base
//! rate), at step 0 (a bad start, no step taken) none; within the method's bound it says so with a claim;
//! a method without a closed-form bound says that it has none.

use optlab::app::common::{convergence, largest_lr};
use optlab::app::Rel;
use optlab::run::run;
use optlab::Spec;

fn spec(b: &str, x0: &str, optimizer: &str, schedule: &str, steps: usize) -> Spec {
    Spec::from_json(&format!(
        r#"{{"problem": {{"kind": "quadratic", "a": [[1, 0], [0, 0.5]], "b": {b}}}, "x0": {x0},
        "runs": [{{"optimizer": {optimizer}, "schedule": {schedule}}}], "steps": {steps}}}"#
    ))
    .unwrap()
}

#[test]
fn a_warm_up_is_blamed_for_the_rate_it_reached_not_the_base_rate() {
    // η_t = 10·(0.25 + 0.75·t/400): 2.5 > 2/L = 2 at the start, far below 10 when the run explodes
    let s =
        spec("[0, 0]", "[1, 1]", r#"{"kind": "sgd", "lr": 10}"#, r#"{"kind": "linear", "start_factor": 0.25, "total_iters": 400}"#, 200);
    let r = run(&s).unwrap();
    let t = &r.runs[0];
    let d = t.diverged.as_ref().expect("diverges once η_t passes 2");
    let used = d.lr.expect("the failed step's rate is recorded");
    assert!(used > 2.0 && used < 9.0, "{d:?}");
    assert_eq!(largest_lr(t, Some(&s.runs[0].optimizer)), used);
    let line = &convergence(t, Some(0.0), Some(1.0), Some(&s.runs[0].optimizer))[0];
    assert!(line.value.contains("largest η_t") && line.value.contains("> 2/L = 2.00"), "{}", line.value);
    assert!(!line.value.contains("= 10"), "the base rate was never used: {}", line.value);
    assert_eq!(line.claims.len(), 1);
    assert!(line.claims[0].holds() && line.claims[0].lhs == used && line.claims[0].rel == Rel::Gt);
}

#[test]
fn a_bad_start_blames_no_step_size() {
    let s = spec("[-1e308, 0]", "[1, 1]", r#"{"kind": "sgd", "lr": 10}"#, r#"{"kind": "constant"}"#, 5);
    let r = run(&s).unwrap();
    let t = &r.runs[0];
    assert_eq!(t.diverged.as_ref().map(|d| d.step), Some(0));
    let line = &convergence(t, Some(0.0), Some(1.0), Some(&s.runs[0].optimizer))[0];
    assert!(line.value.starts_with("diverged at step 0: the loss at x0") && !line.value.contains("2/L"), "{}", line.value);
    assert!(line.claims.is_empty());
}

#[test]
fn within_the_bound_the_line_says_so_and_without_one_it_says_there_is_none() {
    // constant η = 1 < 2/L = 2 on the quadratic, but the chapter may judge against a larger curvature: the
    // run is stopped by the 1e6 rule only if it explodes, so build the diverged trace from one that does
    let s = spec("[0, 0]", "[1, 1]", r#"{"kind": "sgd", "lr": 2.5}"#, r#"{"kind": "constant"}"#, 200);
    let r = run(&s).unwrap();
    let t = &r.runs[0];
    assert!(t.diverged.is_some());
    // judged against L = 0.5 (bound 4 > 2.5): the line states η ≤ bound with its claim, and the reason
    let line = &convergence(t, Some(0.0), Some(0.5), Some(&s.runs[0].optimizer))[0];
    assert!(line.value.contains("η = 2.50 ≤ 2/L = 4.00") && line.value.contains("1e6"), "{}", line.value);
    assert_eq!(line.claims[0].rel, Rel::Le);
    assert!(line.claims[0].holds());
    // Adam on the saddle x² − y² (unbounded below, no curvature bound): it slides off along y by ≈ η per step
    // until the loss has fallen 1e6 × its first step's; no bound, and the line says so
    let s = Spec::from_json(
        r#"{"problem": {"kind": "saddle"}, "x0": [1, 1], "runs": [{"optimizer": {"kind": "adam", "lr": 100}}], "steps": 1000}"#,
    )
    .unwrap();
    let r = run(&s).unwrap();
    let t = &r.runs[0];
    assert!(t.diverged.as_ref().is_some_and(|d| d.reason.contains("loss fell")), "{:?}", t.diverged);
    let line = &convergence(t, None, None, Some(&s.runs[0].optimizer))[0];
    assert!(line.value.contains("no closed-form step-size bound for Adam"), "{}", line.value);
    assert!(line.claims.is_empty());
}

/// The race table names each diverged racer's own bound on the quadratic (before, its rows gave only the
/// run's reason), and says so for racers without one.
#[test]
fn the_race_names_each_methods_own_bound() {
    let c = optlab::app::chapter("race").unwrap();
    let raw = [("lr_scale", "100")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (_, s) = optlab::app::compute_raw(c, &raw);
    let bad: Vec<_> = s.readout.iter().filter(|r| r.tone == "bad").collect();
    for r in &bad {
        assert!(r.value.starts_with("diverged at step"), "{}: {}", r.label, r.value);
        assert!(r.claims.iter().all(|c| c.holds()), "{}: {}", r.label, r.value);
    }
    let sgd = bad.iter().find(|r| r.label == "SGD").expect("SGD diverges at 100× its rate");
    assert!(sgd.value.contains("gradient descent: η = ") && sgd.value.contains("> 2/L"), "{}", sgd.value);
    assert!(bad.iter().any(|r| r.value.contains("no closed-form step-size bound for")), "{bad:?}");
    // Newton on the quadratic: the error is multiplied by 1 − η, stable iff η < 2
    let n = bad.iter().find(|r| r.label == "Newton").expect("Newton at its capped rate 10 diverges");
    assert!(n.value.contains("(Newton: η = 10.0 > 2)"), "{}", n.value);
}
