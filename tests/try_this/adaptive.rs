//! The adaptive chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::{first_number, readout, scene, Scenario};
use optlab::analysis::steps_to_tolerance;
use optlab::app::{Chart, Scene};

const ID: &str = "adaptive";

/// The effective-step series of `name` ("AdaGrad (x)") from the lower chart.
fn steps(s: &Scene, name: &str) -> Vec<f64> {
    match s.charts.iter().find(|(id, _)| *id == "steps") {
        Some((_, Chart::Lines(c))) => c.series.iter().find(|x| x.name == name).unwrap_or_else(|| panic!("no series {name}")).points.iter().map(|p| p.1).collect(),
        _ => panic!("no steps chart"),
    }
}

fn last_quarter_spread(v: &[f64]) -> f64 {
    let tail = &v[3 * v.len() / 4..];
    let (lo, hi) = tail.iter().fold((f64::INFINITY, 0f64), |(a, b), x| (a.min(*x), b.max(*x)));
    hi / lo - 1.0
}

fn watch_steps() {
    let s = scene(ID, &[]);
    for c in ["x", "y"] {
        let ada = steps(&s, &format!("AdaGrad ({c})"));
        assert!(ada.windows(2).all(|w| w[1] <= w[0]), "AdaGrad ({c}) grew");
        assert!(*ada.last().unwrap() < 0.5 * ada[0]);
        assert!(last_quarter_spread(&ada) < 0.01, "AdaGrad ({c}) still changing: {}", last_quarter_spread(&ada));
        let rms = steps(&s, &format!("RMSProp ({c})"));
        assert!(*rms.last().unwrap() > 2.0 * rms[0], "RMSProp ({c}): {} → {}", rms[0], rms.last().unwrap());
    }
    // the readout's words say the same, backed by claims that hold
    let r = readout(&s, "RMSProp: effective step");
    assert!(r.value.contains("x rises at every step") && r.claims.iter().all(|c| c.holds()), "{r:?}");
    assert!(readout(&s, "AdaGrad: effective step").value.contains("x levels off"));
}

fn long_run() {
    let s = scene(ID, &[("steps", "2000")]);
    let kappa = 50.0;
    for (c, lam) in [("x", 1.0), ("y", 1.0 / kappa)] {
        let rms = steps(&s, &format!("RMSProp ({c})"));
        let tail = &rms[3 * rms.len() / 4..];
        assert!(tail.iter().all(|e| (e * lam / 2.0 - 1.0).abs() < 0.02), "RMSProp ({c}) not within 2 % of 2/λ = {}", 2.0 / lam);
    }
    let loss = &s.report.as_ref().unwrap().runs[1].loss;
    let best = loss.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(best < 1e-100 && *loss.last().unwrap() > 1e-6, "RMSProp's loss: best {best}, final {}", loss.last().unwrap());
    assert!(readout(&s, "RMSProp: effective step").value.contains("x levels off; ") || readout(&s, "RMSProp: effective step").value.contains("x levels off ("));
}

fn bias_correction() {
    let on = scene(ID, &[]);
    let off = scene(ID, &[("bias_correction", "false")]);
    let predicted = (1.0 - 0.9) / (1.0f64 - 0.999).sqrt();
    let first_move = |s: &Scene, k: usize| {
        let p = &s.report.as_ref().unwrap().runs[2].params;
        p[1][k] - p[0][k]
    };
    for k in 0..2 {
        let ratio = first_move(&off, k) / first_move(&on, k);
        assert!((ratio / predicted - 1.0).abs() < 1e-4, "coordinate {k}: ratio {ratio} vs {predicted}");
    }
    assert!((predicted - 3.16).abs() < 0.01);
}

/// `(f − f* over the last tenth, RMS error of the rare weights)` per method, from the readouts.
fn sparse(s: &Scene, method: &str) -> (f64, f64) {
    let v = &readout(s, &format!("sparse features, {method}: best η")).value;
    let parts: Vec<&str> = v.split("; ").collect();
    let tail = parts[1].parse().expect("a number");
    let rare = first_number(parts[2].split("rare ").nth(1).unwrap()).unwrap();
    (tail, rare)
}

fn sparse_features() {
    let s = scene(ID, &[]);
    // the readouts are the chart's curves: the tail mean of each plotted series
    let chart = match s.charts.iter().find(|(id, _)| *id == "sparse") {
        Some((_, Chart::Lines(c))) => c,
        _ => panic!("no sparse chart"),
    };
    for (series, method) in chart.series.iter().zip(["SGD", "AdaGrad", "Adam"]) {
        assert!(series.name.starts_with(method));
        let k = series.points.len() / 10;
        let tail = series.points[series.points.len() - k..].iter().map(|p| p.1).sum::<f64>() / k as f64;
        let shown = sparse(&s, method).0;
        assert!((shown / tail - 1.0).abs() < 0.01, "{method}: shown {shown}, chart {tail}");
    }
    let (sgd, ada, adam) = (sparse(&s, "SGD"), sparse(&s, "AdaGrad"), sparse(&s, "Adam"));
    assert!(ada.0 < 0.1 * sgd.0, "AdaGrad {} vs SGD {}", ada.0, sgd.0);
    assert!(adam.0 < sgd.0, "Adam {} vs SGD {}", adam.0, sgd.0);
    assert!(ada.1 < 0.5 * sgd.1, "rare weights: AdaGrad {} vs SGD {}", ada.1, sgd.1);
    let dense = scene(ID, &[("rare", "0.9")]);
    let (sgd, ada, adam) = (sparse(&dense, "SGD"), sparse(&dense, "AdaGrad"), sparse(&dense, "Adam"));
    assert!(sgd.0 < ada.0 && sgd.0 < adam.0, "p = 0.9: SGD {}, AdaGrad {}, Adam {}", sgd.0, ada.0, adam.0);
}

fn rotate() {
    let aligned = scene(ID, &[]);
    let rotated = scene(ID, &[("angle", "45")]);
    for m in ["AdaGrad", "RMSProp", "Adam"] {
        let ratio = |s: &Scene| steps(s, &format!("{m} (y)")).last().unwrap() / steps(s, &format!("{m} (x)")).last().unwrap();
        assert!(ratio(&aligned) > 10.0, "{m} aligned: y/x = {}", ratio(&aligned));
        assert!((0.5..2.0).contains(&ratio(&rotated)), "{m} rotated: y/x = {}", ratio(&rotated));
    }
    for run in [1, 2] {
        let hit = |s: &Scene| steps_to_tolerance(&s.report.as_ref().unwrap().runs[run].loss, 0.0, 1e-6).unwrap_or(usize::MAX);
        assert!(hit(&rotated) > hit(&aligned), "run {run}: {} vs {}", hit(&rotated), hit(&aligned));
    }
}

fn rosenbrock() {
    let s = scene(ID, &[("problem", "rosenbrock"), ("steps", "2000")]);
    let r = s.report.as_ref().unwrap();
    let last = |i: usize| *r.runs[i].loss.last().unwrap();
    let (ada, rms, adam) = (last(0), last(1), last(2));
    assert!(adam < rms && rms < ada, "final f − f*: AdaGrad {ada}, RMSProp {rms}, Adam {adam}");
    for c in ["x", "y"] {
        let e = |m: &str| *steps(&s, &format!("{m} ({c})")).last().unwrap();
        assert!(e("AdaGrad") < 0.1 * e("RMSProp") && e("AdaGrad") < 0.1 * e("Adam"), "{c}: {} {} {}", e("AdaGrad"), e("RMSProp"), e("Adam"));
    }
}

pub const SCENARIOS: &[Scenario] = &[
    ("Watch the effective step sizes", watch_steps),
    ("Set T = 2000: RMSProp's effective step levels off", long_run),
    ("Turn bias correction off", bias_correction),
    ("In the sparse-features chart", sparse_features),
    ("Rotate the quadratic to 45°", rotate),
    ("Switch to Rosenbrock and set T = 2000", rosenbrock),
];
