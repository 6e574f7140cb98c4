//! The lookahead chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::{scene, Scenario};
use optlab::app::{Chart, Scene};

const ID: &str = "lookahead";

fn alpha_one() {
    for pairs in [&[("alpha", "1")][..], &[("k", "1"), ("alpha", "1")][..]] {
        let r = scene(ID, pairs).report.expect("report");
        assert_eq!(r.runs[0].params, r.runs[1].params, "{pairs:?}: Lookahead with α = 1 is the inner optimizer");
    }
}

fn past_the_bound() {
    let r = scene(ID, &[("inner", "sgd"), ("lr", "2.1")]).report.expect("report");
    let (la, alone) = (&r.runs[0], &r.runs[1]);
    assert!(alone.diverged.is_some(), "SGD alone at η = 2.1 > 2/L = 2 diverges");
    assert!(la.diverged.is_none(), "Lookahead converges: {:?}", la.diverged);
    assert!(la.loss.last().unwrap() < &(la.loss[0] * 1e-3), "Lookahead's loss falls: {:?}", la.loss.last());
    let r = scene(ID, &[("inner", "sgd"), ("lr", "2.5")]).report.expect("report");
    let (la, alone) = (r.runs[0].diverged.as_ref().expect("Lookahead diverges at 2.5"), r.runs[1].diverged.as_ref().expect("SGD diverges"));
    assert!(la.step > alone.step, "Lookahead diverges later: {} vs {}", la.step, alone.step);
}

fn map_arrows(s: &Scene) -> Vec<((f64, f64), (f64, f64), usize)> {
    s.charts
        .iter()
        .find_map(|(id, c)| match c {
            Chart::Map(m, _) if *id == "map" => Some(m.arrows.clone()),
            _ => None,
        })
        .expect("map")
}

fn large_k() {
    let s = scene(ID, &[("k", "20"), ("alpha", "0.5")]);
    let arrows = map_arrows(&s);
    assert!(!arrows.is_empty(), "the map shows jumps back");
    // each arrow ends at the fast weights right after a synchronisation (steps 20, 40, …), half-way back
    let fast = &s.report.as_ref().unwrap().runs[0].params;
    for (from, to, _) in &arrows {
        let j = (1..fast.len()).find(|&t| t % 20 == 0 && (fast[t][0] - to.0).abs() < 1e-12 && (fast[t][1] - to.1).abs() < 1e-12);
        assert!(j.is_some(), "arrow end {to:?} is not a synchronised point");
        let dist = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
        assert!(dist(*from, *to) > 0.0, "a jump moves the weights");
    }
}

fn noisy_least_squares() {
    let s = scene(ID, &[("problem", "finite_sum")]);
    let spec = s.spec.as_ref().unwrap();
    let p = spec.problem.build(spec.seed).unwrap();
    let f_star = p.minimum().unwrap();
    let r = s.report.as_ref().unwrap();
    // the slow weights are the fast weights at every k-th step (k = 5)
    let slow_last = r.runs[0].params.iter().enumerate().filter(|(t, _)| t % 5 == 0).map(|(_, x)| x).next_back().unwrap();
    let alone_last = r.runs[1].params.last().unwrap();
    let (a, b) = (p.value(slow_last) - f_star, p.value(alone_last) - f_star);
    assert!(a * 3.0 < b, "slow weights end at f − f* = {a}, the inner optimizer alone at {b}");
}

pub const SCENARIOS: &[Scenario] = &[
    ("Set α = 1 (or k = 1 and α = 1)", alpha_one),
    ("Pick SGD as the inner optimizer and raise η just past 2/L", past_the_bound),
    ("Make k large (20) with α = 0.5 and follow the arrows", large_k),
    ("Switch to the noisy least-squares problem", noisy_least_squares),
];
