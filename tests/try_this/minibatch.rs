//! The minibatch chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::{readout, scene, Scenario};
use optlab::app::{Chart, Rel, Scene};
use optlab::plot::LineChart;

const ID: &str = "minibatch";

fn lines<'a>(s: &'a Scene, id: &str) -> &'a LineChart {
    match s.charts.iter().find(|(c, _)| *c == id) {
        Some((_, Chart::Lines(c))) => c,
        _ => panic!("no line chart {id}"),
    }
}

fn series<'a>(c: &'a LineChart, prefix: &str) -> &'a [(f64, f64)] {
    &c.series.iter().find(|s| s.name.starts_with(prefix)).unwrap_or_else(|| panic!("no series {prefix}: {:?}", c.series.iter().map(|s| &s.name).collect::<Vec<_>>())).points
}

/// First T at which the SGD running mean differs from full batch's by more than a factor 2.
fn leaves_full_batch(s: &Scene) -> f64 {
    let c = lines(s, "rate");
    let (sgd, gd) = (series(c, "SGD"), series(c, "full batch"));
    sgd.iter().zip(gd).find(|((_, a), (_, b))| (a / b).ln().abs() > 2f64.ln()).map_or(f64::INFINITY, |((t, _), _)| *t)
}

fn raise_b() {
    let small = leaves_full_batch(&scene(ID, &[("batch", "1")]));
    let large = leaves_full_batch(&scene(ID, &[("batch", "64")]));
    assert!(small.is_finite(), "B = 1 never leaves the full-batch curve");
    assert!(large > 3.0 * small, "B = 64 leaves at T = {large}, B = 1 at T = {small}");
}

fn variance_points(s: &Scene) -> Vec<(f64, f64)> {
    series(lines(s, "variance"), "measured").to_vec()
}

fn zero_label_noise() {
    let s = scene(ID, &[("noise", "0")]);
    let away = variance_points(&s);
    let sigma2 = series(lines(&s, "variance"), "σ²(x₀)/B (with").iter().find(|p| p.0 == 1.0).expect("B = 1").1;
    assert!(sigma2 > 1.0, "σ²(x₀) = {sigma2} without label noise");
    for &(b, v) in &away {
        let without = sigma2 / b * (256.0 - b) / 255.0;
        assert!(v > 0.3 * without, "B = {b}: measured {v}, predicted {without}");
    }
    // x* of the noiseless fit, from the map
    let x_star = s
        .charts
        .iter()
        .find_map(|(_, c)| match c {
            Chart::Map(m, _) => m.markers.iter().find(|m| m.2 == "x*").map(|m| (m.0, m.1)),
            _ => None,
        })
        .expect("x* marker");
    let at = variance_points(&scene(ID, &[("noise", "0"), ("x0", &format!("{:.6},{:.6}", x_star.0, x_star.1))]));
    let least_away = away.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    assert!(at.iter().all(|&(_, v)| v < 1e-8 * least_away), "at x* (to the 6 decimals the control keeps): {at:?}");
}

fn raise_b_towards_n() {
    let s = scene(ID, &[("batch", "128")]);
    let c = lines(&s, "variance");
    // σ²(x₀) is the with-replacement line at B = 1
    let sigma2 = series(c, "σ²(x₀)/B (with").iter().find(|p| p.0 == 1.0).expect("B = 1").1;
    let n = 256.0;
    let large: Vec<(f64, f64)> = variance_points(&s).into_iter().filter(|p| p.0 >= n / 2.0).collect();
    assert!(large.len() >= 2, "{large:?}");
    for (b, v) in large {
        let without = sigma2 / b * (n - b) / (n - 1.0);
        assert!((v / without - 1.0).abs() < 0.3, "B = {b}: measured {v}, (N−B)/(N−1) prediction {without}");
        assert!(v < 0.6 * sigma2 / b, "B = {b}: measured {v} is not below σ²/B = {}", sigma2 / b);
    }
}

/// The running mean at T (last point of the SGD curve) and whether the readout says the run is at its floor.
fn end_and_regime(lr: &str) -> (f64, bool) {
    let s = scene(ID, &[("lr", lr)]);
    let end = series(lines(&s, "rate"), "SGD").last().expect("points").1;
    let r = readout(&s, "noise floor at fixed η");
    let regime = r.claims.first().expect("regime claim");
    assert!(regime.holds());
    (end, regime.rel == Rel::Le)
}

fn lower_lr() {
    let (default, at_floor) = end_and_regime("0.3");
    let (lower, lower_at_floor) = end_and_regime("0.1");
    let (lowest, lowest_at_floor) = end_and_regime("0.01");
    assert!(lower < default && at_floor && lower_at_floor, "η 0.3 → 0.1: {default} → {lower}");
    assert!(lowest > lower && !lowest_at_floor, "η 0.1 → 0.01: {lower} → {lowest}");
}

pub const SCENARIOS: &[Scenario] = &[
    ("Raise B from 1 to 64 on the rate chart", raise_b),
    ("Set the label noise σ to 0", zero_label_noise),
    ("Raise B towards N", raise_b_towards_n),
    ("Lower η at fixed B and T", lower_lr),
    ("On the sampling chart, every tenth sample is 10× steeper", sampling),
];

fn sampling() {
    let tails = |s: &Scene| readout(s, "mean f − f* over the last 10 % of steps").claims.clone();
    let s = scene(ID, &[]);
    let c = &tails(&s)[0];
    assert!(c.holds() && c.lhs * 100.0 < c.rhs, "importance {} vs uniform {}", c.lhs, c.rhs);
    let s = scene(ID, &[("lr", "0.05"), ("uneven", "100")]);
    assert!(readout(&s, "uniform sampling").value.contains("diverged in 8 of 8"), "{:?}", s.readout);
    assert!(s.readout.iter().all(|r| !r.label.starts_with("importance")), "importance sampling diverged: {:?}", s.readout);
    let curv = readout(&s, "per-sample curvature");
    assert!(curv.value.contains("ηL̄ = 0.62"), "{}", curv.value);
    let last = lines(&s, "sampling").series.iter().find(|x| x.name.starts_with("importance")).expect("importance series").points.clone();
    let tail = &last[last.len() - last.len() / 10..];
    let tail_max = tail.iter().map(|p| p.1).fold(0.0, f64::max);
    assert!(tail_max < last[0].1 / 2.0, "importance sampling's loss falls and stays down: {:?} → tail max {tail_max}", last[0]);
}
