//! The weight-decay chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::{first_number, readout, scene, Scenario};
use optlab::app::Scene;

const ID: &str = "weight-decay";

fn dist(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt()
}

/// `(x*, x̃*)` as the readout shows them, recomputed: the chosen quadratic's minimum and the penalised one.
fn minima(problem: &str, lambda: f64) -> ([f64; 2], [f64; 2]) {
    let (a, x_star): ([[f64; 2]; 2], [f64; 2]) = match problem {
        "isotropic" => ([[1.0, 0.0], [0.0, 1.0]], [2.0, -1.0]),
        "rotated" => ([[1.65, 1.35], [1.35, 1.65]], [2.0, -0.5]),
        _ => ([[3.0, 0.0], [0.0, 0.3]], [1.5, -1.5]),
    };
    let b = [a[0][0] * x_star[0] + a[0][1] * x_star[1], a[1][0] * x_star[0] + a[1][1] * x_star[1]];
    let p = [[a[0][0] + lambda, a[0][1]], [a[1][0], a[1][1] + lambda]];
    let det = p[0][0] * p[1][1] - p[0][1] * p[1][0];
    (x_star, [(p[1][1] * b[0] - p[0][1] * b[1]) / det, (p[0][0] * b[1] - p[1][0] * b[0]) / det])
}

fn ends(s: &Scene) -> Vec<Vec<f64>> {
    s.report.as_ref().unwrap().runs.iter().map(|t| t.params.last().unwrap().clone()).collect()
}

fn zero_lambda() {
    let s = scene(ID, &[("weight_decay", "0")]);
    let r = s.report.as_ref().unwrap();
    assert_eq!(r.runs[2].params, r.runs[3].params, "Adam + L2 and AdamW differ at λ = 0");
    assert_eq!(first_number(&readout(&s, "end points: Adam + L2 vs AdamW").value), Some(0.0));
    let (x_star, _) = minima("aligned", 0.0);
    for (e, t) in ends(&s).iter().zip(&r.runs) {
        assert!(dist(e, &x_star) < 1e-3, "{} ends at {e:?}, x* = {x_star:?}", t.label);
    }
}

fn raise_lambda() {
    for lambda in ["0.5", "1", "2"] {
        let s = scene(ID, &[("weight_decay", lambda)]);
        let (_, x_pen) = minima("aligned", lambda.parse().unwrap());
        let e = ends(&s);
        assert!(dist(&e[0], &x_pen) < 1e-6 && dist(&e[2], &x_pen) < 1e-6, "λ = {lambda}: SGD + L2 {:?}, Adam + L2 {:?}, x̃* = {x_pen:?}", e[0], e[2]);
        assert!(dist(&e[3], &x_pen) > 0.1, "λ = {lambda}: AdamW ends at {:?}, at x̃* = {x_pen:?}", e[3]);
    }
}

fn dashed_on_top() {
    for problem in ["aligned", "rotated", "isotropic"] {
        for lambda in ["0", "0.5", "2"] {
            for lr in ["0.001", "0.1", "0.5", "3"] {
                let s = scene(ID, &[("problem", problem), ("weight_decay", lambda), ("lr", lr)]);
                let r = s.report.as_ref().unwrap();
                let (l2, pen) = (&r.runs[0], &r.runs[1]);
                // a diverging pair blows up together (a run stops at the first step past 1e100, which rounding
                // can move by one step)
                assert!(l2.params.len().abs_diff(pen.params.len()) <= 1, "{problem} λ = {lambda} η = {lr}: {} vs {} steps", l2.params.len(), pen.params.len());
                assert_eq!(l2.diverged.is_some(), pen.diverged.is_some());
                for (p, q) in l2.params.iter().zip(&pen.params) {
                    assert!(dist(p, q) <= 1e-12 * (1.0 + p[0].abs() + p[1].abs()), "{problem} λ = {lambda} η = {lr}: {p:?} vs {q:?}");
                }
            }
        }
    }
}

fn momentum_chart() {
    for beta in ["0.5", "0.9"] {
        let s = scene(ID, &[("sgd_momentum", beta)]);
        let chart = s
            .charts
            .iter()
            .find_map(|(id, c)| match c {
                optlab::app::Chart::Lines(c) if *id == "momentum" => Some(c),
                _ => None,
            })
            .expect("momentum chart");
        // without momentum: distance 0 (drawn at the 1e-16 floor) at every step
        assert!(chart.series[0].points.iter().all(|p| p.1 <= 1e-16), "β = 0 runs differ");
        assert!(chart.series[1].points.last().unwrap().1 > 0.1, "β = {beta}: the momentum runs end together");
        let b: f64 = beta.parse().unwrap();
        let (_, x_pen) = minima("aligned", 0.5);
        let (_, x_hat) = minima("aligned", 0.5 * (1.0 - b));
        let at = |label: &str| {
            let v = &readout(&s, label).value;
            let d = |key: &str| first_number(v.split(key).nth(1).expect(key)).expect("a distance");
            (d("distance to x̃* = "), d("to x̂ = "))
        };
        let (l2_pen, _) = at(&format!("SGD (β = {}) + L2: end point", if beta == "0.5" { "0.500" } else { "0.900" }));
        let (_, dec_hat) = at(&format!("SGD (β = {}), decoupled decay: end point", if beta == "0.5" { "0.500" } else { "0.900" }));
        assert!(l2_pen < 1e-6 && dec_hat < 1e-6, "β = {beta}: L2 {l2_pen} from x̃*, decoupled {dec_hat} from x̂");
        let apart = first_number(&readout(&s, "end points of L2 vs decoupled").value).unwrap();
        assert!((apart - dist(&x_pen, &x_hat)).abs() < 2e-3, "β = {beta}: {apart} vs {}", dist(&x_pen, &x_hat));
    }
}

fn isotropic() {
    let d = |problem: &str| first_number(&readout(&scene(ID, &[("problem", problem)]), "end points: Adam + L2 vs AdamW").value).expect("a distance");
    let (aligned, iso) = (d("aligned"), d("isotropic"));
    assert!(iso < aligned && iso > 0.05, "isotropic {iso}, aligned {aligned}");
}

pub const SCENARIOS: &[Scenario] = &[
    ("Set λ = 0", zero_lambda),
    ("Raise λ and compare the end points", raise_lambda),
    ("Watch the dashed path", dashed_on_top),
    ("In the momentum chart", momentum_chart),
    ("Switch to the isotropic quadratic", isotropic),
];
