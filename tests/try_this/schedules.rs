//! The schedules chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::{scene, Scenario};
use optlab::run::Trace;

const ID: &str = "schedules";

/// (scheduled run, constant run) of a scene.
fn runs(pairs: &[(&str, &str)]) -> (Trace, Trace, f64) {
    let s = scene(ID, pairs);
    let r = s.report.expect("report");
    let f_star = optlab::problems::Problem::minimum(s.spec.expect("spec").problem.build(0).unwrap().as_ref()).unwrap();
    (r.runs[0].clone(), r.runs[1].clone(), f_star)
}

fn tail_mean(t: &Trace, f_star: f64) -> f64 {
    let n = t.loss.len();
    let tail = &t.loss[n - n / 10..];
    tail.iter().map(|f| (f - f_star).max(0.0)).sum::<f64>() / tail.len() as f64
}

fn noise_then_none() {
    let (sched, constant, f) = runs(&[]);
    let (a, b) = (tail_mean(&sched, f), tail_mean(&constant, f));
    assert!(a * 10.0 < b, "under noise the decaying η ends far lower: {a} vs {b}");
    for pairs in [&[("noise", "0")][..], &[("batch", "64")][..]] {
        let (sched, constant, f) = runs(pairs);
        for t in [&sched, &constant] {
            assert!(tail_mean(t, f) < 1e-12, "{pairs:?}: {} ends at {}", t.label, tail_mean(t, f));
        }
    }
}

fn step_decay() {
    let (t, _, f) = runs(&[("schedule", "step"), ("gamma", "0.1")]);
    let mean = |a: usize, b: usize| t.loss[a..b].iter().map(|x| (x - f).max(0.0)).sum::<f64>() / (b - a) as f64;
    // η_t drops at every multiple of the step size 200, and the loss level after each drop is lower
    for k in [200, 400] {
        assert!(t.lr[k] < t.lr[k - 1] * 0.11, "η drops at {k}: {} → {}", t.lr[k - 1], t.lr[k]);
        let (before, after) = (mean(k - 100, k), mean(k + 100, k + 200));
        assert!(after < before / 3.0, "after the drop at {k} the loss settles lower: {before} → {after}");
    }
}

fn large_eta() {
    let (sched, constant, _) = runs(&[("lr", "1.5")]);
    assert!(constant.diverged.is_some(), "the constant run diverges");
    assert!(sched.diverged.is_none(), "the warmed-up decaying run does not: {:?}", sched.diverged);
    // the noiseless bound of heavy ball on this quadratic is above 1.5: the divergence is the noise's
    let s = scene(ID, &[("lr", "1.5")]);
    let stable = s.readout.iter().find(|r| r.label.contains("stable iff")).expect("stability readout");
    assert!(stable.claims.iter().all(|c| c.lhs == 1.5 && c.holds() && c.rhs > 1.5), "{stable:?}");
    let (sched, _, _) = runs(&[("lr", "1.5"), ("total_iters", "1")]);
    assert!(sched.diverged.is_some(), "without the warm-up it diverges too");
}

fn cosine_restarts() {
    let (t, _, _) = runs(&[("schedule", "cosine"), ("t_max", "300")]);
    // lr[i] is η_t at t = i
    assert!(t.lr[300] < 1e-12, "η_300 = {}", t.lr[300]);
    assert!((t.lr[600] - 0.05).abs() < 1e-12, "η_600 = {}", t.lr[600]);
    assert!(t.lr[300..=600].windows(2).all(|w| w[1] >= w[0]), "η_t rises from 300 to 600");
}

pub const SCENARIOS: &[Scenario] = &[
    ("Compare the two “last 10 % of steps” readouts", noise_then_none),
    ("Pick step decay and lower γ to 0.1", step_decay),
    ("Raise η to 1.5", large_eta),
    ("Choose cosine annealing with T_max = 300", cosine_restarts),
    ("Switch to the two wells, start in the poor minimum", two_wells),
];

/// Distance from `p` to the point `q`.
fn dist(p: &[f64], q: [f64; 2]) -> f64 {
    (p[0] - q[0]).hypot(p[1] - q[1])
}

fn two_wells() {
    // the minima of the landscape (the chapter's numbers are checked in tests/app_schedules.rs)
    let (poor, good) = ([-0.986, 0.0], [1.362, 0.0]);
    let at = |lr: &str, opt: &str| scene("schedules", &[("landscape", "two_wells"), ("x0", "-0.99,0.01"), ("lr", lr), ("optimizer", opt)]);
    let s = at("0.5", "sgd");
    let r = s.report.as_ref().unwrap();
    let (sched, constant) = (&r.runs[0], &r.runs[1]);
    assert!(dist(sched.params.last().unwrap(), good) < 0.01, "scheduled ends at {:?}", sched.params.last());
    assert!(dist(constant.params.last().unwrap(), poor) < 0.01, "constant ends at {:?}", constant.params.last());
    // the poor minimum's limit for SGD + momentum (β = 0.9) from its curvature in the readout's claim
    let limit_readout = s.readout.iter().find(|x| x.label.contains("the poor minimum at its largest rate")).unwrap();
    let lambda = limit_readout.claims[0].lhs;
    let eta_limit = 2.0 * 1.9 / lambda;
    // it stays while η_t is below the limit and leaves only after η_t passed it
    let passed = sched.lr.iter().position(|v| *v > eta_limit).expect("η_t passes the limit");
    let left = sched.params.iter().position(|p| dist(p, poor) > 0.6).expect("it leaves the poor minimum");
    assert!(left > passed, "left at step {left}, η_t passed {eta_limit} at step {passed}");
    assert!(sched.params[..=passed].iter().all(|p| dist(p, poor) < 0.05), "moved before η_t passed the limit");
    // η = 0.2 < limit: the schedule stays; Adam: both stay
    for (lr, opt) in [("0.2", "sgd"), ("0.5", "adam")] {
        assert!(0.2 < eta_limit);
        for t in &at(lr, opt).report.as_ref().unwrap().runs {
            assert!(dist(t.params.last().unwrap(), poor) < 0.01, "{opt} η = {lr}: {} ends at {:?}", t.label, t.params.last());
        }
    }
}
