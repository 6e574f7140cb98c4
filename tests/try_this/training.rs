//! The training chapter's try-this bullets as scenarios (see tests/try_this.rs). The chapter is live: each
//! scenario runs the whole training as the page does when Play is pressed.

use crate::common::{chap, Scenario};
use optlab::app::controls::normalize;
use optlab::app::{Chart, Scene};
use optlab::plot::Series;
use std::collections::BTreeMap;

thread_local! {
    /// The scenes played so far (the overfitting setting is played by three scenarios; once is enough).
    static PLAYED: std::cell::RefCell<Vec<(BTreeMap<String, String>, Scene)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn played(pairs: &[(&str, &str)]) -> Scene {
    let c = chap("training");
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    if let Some(s) = PLAYED.with_borrow(|p| p.iter().find(|(k, _)| *k == raw).map(|(_, s)| s.clone())) {
        return s;
    }
    let (st, msgs) = normalize(&c.controls(), &raw);
    assert!(msgs.is_empty(), "{msgs:?}");
    let mut run = c.start_live(&st).expect("starts");
    while run.advance(1000) > 0 {}
    let scene = run.scene(&st);
    PLAYED.with_borrow_mut(|p| p.push((raw, scene.clone())));
    scene
}

fn series<'a>(s: &'a Scene, chart: &str, name: &str) -> &'a Series {
    s.charts
        .iter()
        .find_map(|(id, c)| match c {
            Chart::Lines(l) if *id == chart => l.series.iter().find(|x| x.name == name),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no series {chart}/{name}"))
}

fn last(s: &Series) -> f64 {
    s.points.last().unwrap().1
}

fn sam_preset() {
    let s = played(&[("preset", "sam_vs_sgd_label_noise")]);
    let (a, b) = (last(series(&s, "accuracy", "A test")), last(series(&s, "accuracy", "B test")));
    assert!(b > a + 3.0, "SAM ends with the higher test accuracy: {b} vs {a}");
    let (la, lb) = (last(series(&s, "sharpness", "A λ_max")), last(series(&s, "sharpness", "B λ_max")));
    assert!(lb >= la, "SAM's final λ_max is not the smaller one here: {lb} vs {la}");
}

fn ups(s: &Series) -> usize {
    s.points.windows(2).filter(|w| w[1].1 > w[0].1).count()
}

fn batch_sizes() {
    let (one, hundred) = (played(&[("batch_size", "1")]), played(&[("batch_size", "100")]));
    let epochs = |s: &Scene| s.readout.iter().find(|r| r.label.starts_with("epochs")).map(|r| r.value.clone()).unwrap();
    assert_eq!((epochs(&one), epochs(&hundred)), ("12".to_string(), "1000".to_string()));
    let (u1, u100) = (ups(series(&one, "loss", "A training")), ups(series(&hundred, "loss", "A training")));
    assert!(u1 * 10 > u100 * 13, "B = 1's training loss goes up between evaluations more often: {u1} vs {u100}");
}

fn muon_spectrum() {
    let s = played(&[("optimizer", "muon"), ("compare", "adamw")]);
    let spread = |name: &str| {
        let sv: Vec<f64> = series(&s, "spectrum", name).points.iter().map(|p| p.1).collect();
        let top = sv.iter().copied().fold(0.0, f64::max);
        (sv.iter().filter(|v| **v > 0.5 * top).count(), sv.len())
    };
    let (muon, n) = spread("A step 3000");
    let (adamw, _) = spread("B step 3000");
    assert!(muon > adamw, "Muon's update has more singular values near its largest: {muon} vs {adamw} of {n}");
}

fn sgd_eta() {
    let mut prev = f64::INFINITY;
    for lr in ["0.03", "0.3", "1"] {
        let s = played(&[("optimizer", "sgd"), ("lr", lr)]);
        let lam = last(series(&s, "sharpness", "A λ_max"));
        let edge = last(series(&s, "sharpness", "A 2/η"));
        assert!(lam < edge, "η = {lr}: λ_max {lam} stays below 2/η = {edge}");
        let loss = last(series(&s, "loss", "A training"));
        assert!(loss < prev, "η = {lr}: the final training loss falls with η: {loss} after {prev}");
        prev = loss;
    }
}

fn bound_against_rho() {
    let s = played(&[]);
    let sum = &series(&s, "bound", "A L_S + flatness").points;
    let flat = &series(&s, "bound", "A flatness term").points;
    let test = last(series(&s, "bound", "A test loss (L_D estimate)"));
    let at = |rho: f64| sum.iter().find(|p| (p.0 - rho).abs() < 1e-12 * rho).unwrap_or_else(|| panic!("no ρ = {rho}")).1;
    assert!(at(0.001) < test, "at ρ = 0.001 the bound without h is below the test loss: {} vs {test}", at(0.001));
    for p in sum.iter().filter(|p| p.0 >= 0.1 - 1e-12) {
        assert!(p.1 >= test, "at ρ = {} the bound without h is above the test loss: {} vs {test}", p.0, p.1);
    }
    assert!(flat.windows(2).all(|w| w[1].1 > w[0].1), "the flatness term grows with ρ: {flat:?}");
    // the readout says the same, from the same numbers
    let line = s.readout.iter().find(|r| r.label.contains("the bound against the test loss")).expect("a comparison line");
    assert!(line.value.contains("already above the test loss at ρ = 0.1, 0.3, 1, 3") && line.value.contains("it is not at ρ = 0.001"), "{}", line.value);
    assert!(s.readout.iter().any(|r| r.value.contains("The lecture does not say what h is")), "the page says h is unspecified");
}

/// Layer `l`'s series (1-based, W₁ first) of the gradient chart's run A, if the network has that layer.
fn layer_series(s: &Scene, l: u32) -> Option<&Series> {
    let name = format!("A W{}", char::from_u32(0x2080 + l).unwrap());
    s.charts.iter().find_map(|(id, c)| match c {
        Chart::Lines(lc) if *id == "gradients" => lc.series.iter().find(|x| x.name == name),
        _ => None,
    })
}

/// Each layer's ‖∂L/∂W_l‖ at step 0 (the points of the gradient chart's run-A series, W₁ first).
fn step0_grads(s: &Scene) -> Vec<f64> {
    (1..)
        .map_while(|l| layer_series(s, l))
        .map(|series| {
            let p = series.points.first().expect("a point at step 0");
            assert_eq!(p.0, 0.0, "{} starts at step 0", series.name);
            p.1
        })
        .collect()
}

const DEEP_SGD: [(&str, &str); 3] = [("optimizer", "sgd"), ("lr", "0.1"), ("layers", "4")];

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    DEEP_SGD.iter().copied().chain(extra.iter().copied()).collect()
}

fn small_init() {
    let (one, small) = (played(&with(&[])), played(&with(&[("init_gain", "0.1")])));
    let (g1, g01) = (step0_grads(&one), step0_grads(&small));
    assert_eq!((g1.len(), g01.len()), (5, 5), "5 weight matrices");
    for (l, (a, b)) in g01.iter().zip(&g1).enumerate() {
        let r = a / b;
        assert!((0.5e-4..2e-4).contains(&r), "layer {}: the gradient at scale 0.1 is about 1e-4 of scale 1's: {r}", l + 1);
    }
    let (l1, l01) = (last(series(&one, "loss", "A training")), last(series(&small, "loss", "A training")));
    assert!(l1 < 0.01, "scale 1 ends below 0.01: {l1}");
    assert!((l01 - std::f64::consts::LN_2).abs() < 0.005, "scale 0.1 is still at log 2 after 3000 steps: {l01}");
}

fn relu_large_init() {
    let one = played(&with(&[("activation", "relu")]));
    let big = played(&with(&[("activation", "relu"), ("init_gain", "3")]));
    for (l, (a, b)) in step0_grads(&big).iter().zip(&step0_grads(&one)).enumerate() {
        assert!(a / b > 100.0, "layer {}: the gradient at scale 3 is over 100× scale 1's: {}", l + 1, a / b);
    }
    // every weight matrix's gradient at every checkpoint after step 0 is exactly 0, and the loss stays near log 2
    let grads: Vec<&Series> = (1..=5).map(|l| layer_series(&big, l).expect("a series per layer")).collect();
    // (the chart leaves out zeros, which a log scale cannot show: after step 0 there is no point at all)
    for s in &grads {
        assert_eq!(s.points.len(), 1, "{}: only step 0 has a gradient above 0: {:?}", s.name, s.points);
    }
    let line = big.readout.iter().find(|r| r.label.contains("per layer, input → output (step 3000)")).expect("the last gradient line");
    assert!(line.value.starts_with("0 · 0 · 0 · 0 · 0 "), "every layer's gradient is exactly 0 at the end: {}", line.value);
    let loss = series(&big, "loss", "A training");
    let after: Vec<f64> = loss.points.iter().filter(|p| p.0 > 0.0).map(|p| p.1).collect();
    assert!(after.len() > 100 && after.iter().all(|v| (v - std::f64::consts::LN_2).abs() < 0.01), "the loss stays near log 2: {after:?}");
}

const OVERFIT: [(&str, &str); 3] = [("n", "100"), ("label_noise", "0.2"), ("width", "64")];

fn readout<'a>(s: &'a Scene, starts: &str) -> &'a str {
    s.readout.iter().find(|r| r.label.contains(starts)).map(|r| r.value.as_str()).unwrap_or_else(|| panic!("no readout line {starts}"))
}

fn markers<'a>(s: &'a Scene, chart: &str) -> &'a [(f64, String)] {
    s.charts
        .iter()
        .find_map(|(id, c)| match c {
            Chart::Lines(l) if *id == chart => Some(l.markers.as_slice()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no chart {chart}"))
}

fn early_stopping() {
    let s = played(&OVERFIT);
    let test = series(&s, "loss", "A test");
    let (best, min) = test.points.iter().fold((0.0, f64::INFINITY), |b, p| if p.1 < b.1 { *p } else { b });
    assert!((200.0..=400.0).contains(&best) && min < 0.3, "the test loss is lowest near step 300, below 0.3: {min} at step {best}");
    assert!(last(test) > 1.0, "the test loss ends above 1: {}", last(test));
    assert!(last(series(&s, "loss", "A training")) < 0.1, "the training loss falls below 0.1");
    assert_eq!(series(&s, "loss", "A early stopping keeps").points, vec![(best, min)], "early stopping keeps the lowest step");
    let stop: Vec<f64> = markers(&s, "loss").iter().filter(|m| m.1 == "A stops early").map(|m| m.0).collect();
    assert!(stop.len() == 1 && (best + 500.0..best + 550.0).contains(&stop[0]), "it stops near step 800, 500 after the best: {stop:?}");
    let kept = series(&s, "accuracy", "A early stopping keeps").points[0].1;
    let end = last(series(&s, "accuracy", "A test"));
    assert!(kept > end + 3.0, "the kept weights' test accuracy is higher than the last step's: {kept} vs {end}");
    let line = readout(&s, "early stopping, patience 500 steps");
    assert!(line.starts_with(&format!("stops at step {}", stop[0])), "{line}");
    let clean = played(&[("n", "100"), ("width", "64")]);
    assert!(readout(&clean, "early stopping").starts_with("not stopped by step 3000"), "without label noise it does not stop");
    assert!(markers(&clean, "loss").is_empty(), "no stop is marked: {:?}", markers(&clean, "loss"));
}

fn dropout() {
    let (plain, dropped) = (played(&OVERFIT), played(&with_pairs(&OVERFIT, &[("dropout", "0.5")])));
    let (l0, l5) = (last(series(&plain, "loss", "A training")), last(series(&dropped, "loss", "A training")));
    assert!(l0 < 0.1 && (0.3..0.5).contains(&l5), "the training loss ends near 0.4 instead of 0.05: {l5} vs {l0}");
    let (a0, a5) = (last(series(&plain, "accuracy", "A training")), last(series(&dropped, "accuracy", "A training")));
    assert!(a0 == 100.0 && a5 < 90.0, "training accuracy below 90 % instead of 100 %: {a5} vs {a0}");
    let (t0, t5) = (last(series(&plain, "loss", "A test")), last(series(&dropped, "loss", "A test")));
    assert!(t0 > 1.0 && t5 < 0.4, "the test loss at step 3000 ends below 0.4 instead of above 1: {t5} vs {t0}");
    assert_eq!(series(&dropped, "loss", "A test").points.last().unwrap().0, 3000.0);
    let line = readout(&dropped, "dropout p = 0.5");
    assert!(line.contains("the 2 hidden layers (128 units)") && line.contains("1/(1 − p) = 2.00"), "{line}");
}

const HIGH_RATE: [(&str, &str); 5] = [("optimizer", "sgd"), ("lr", "1"), ("layers", "4"), ("width", "16"), ("activation", "relu")];

fn batch_norm() {
    let (plain, normed) = (played(&HIGH_RATE), played(&with_pairs(&HIGH_RATE, &[("batch_norm", "on")])));
    let (l0, l1) = (series(&plain, "loss", "A training"), series(&normed, "loss", "A training"));
    let (a0, a1) = (last(series(&plain, "accuracy", "A test")), last(series(&normed, "accuracy", "A test")));
    let peak = |s: &Series| s.points.iter().map(|p| p.1).fold(0.0, f64::max);
    assert!(peak(l0) > 1.5, "without it the training loss jumps above 1.5: {}", peak(l0));
    assert!(last(l0) > std::f64::consts::LN_2 && last(l0) < 0.75, "and ends between log 2 and 0.75: {}", last(l0));
    assert!(a0 < 55.0, "with test accuracy below 55 %: {a0}");
    let start = l1.points[0].1;
    assert!(peak(l1) == start && (0.6..0.7).contains(&start), "with it the loss never rises above its start near 0.67: {} vs {start}", peak(l1));
    assert!(last(l1) < 0.05 && a1 > 99.0, "and ends below 0.05 with test accuracy above 99 %: {} {a1}", last(l1));
    let line = readout(&normed, "batch normalisation");
    assert!(line.contains("(B = 10 points; ") && line.contains("after step 3000: γ "), "{line}");
}

fn batch_norm_regularises() {
    let (plain, normed) = (played(&OVERFIT), played(&with_pairs(&OVERFIT, &[("batch_norm", "on")])));
    let whole = played(&with_pairs(&OVERFIT, &[("batch_norm", "on"), ("batch_size", "50")]));
    let ends = |s: &Scene| (last(series(s, "loss", "A training")), last(series(s, "loss", "A test")), last(series(s, "accuracy", "A test")));
    let ((l0, t0, a0), (l1, t1, a1), (l2, t2, _)) = (ends(&plain), ends(&normed), ends(&whole));
    assert!(l0 < 0.1 && (0.35..0.45).contains(&l1), "the training loss ends near 0.4 instead of 0.05: {l1} vs {l0}");
    assert!(t0 > 1.0 && t1 < 0.4, "the test loss at step 3000 below 0.4 instead of above 1: {t1} vs {t0}");
    assert!((a0, a1) == (80.0, 92.0), "test accuracy 92 % instead of 80 %: {a1} vs {a0}");
    assert_eq!(series(&normed, "loss", "A test").points.last().unwrap().0, 3000.0);
    assert!(l2 < 0.01 && t2 > 1.0, "with B = 50 it overfits as without: {l2} {t2}");
    let line = readout(&whole, "batch normalisation");
    assert!(line.contains("(B = 50: the whole training set, so every step normalises by the same statistics"), "{line}");
    let line = readout(&normed, "batch normalisation");
    assert!(line.contains("(B = 10 points; each point's output depends on which points share its batch)"), "{line}");
}

fn with_pairs(base: &[(&'static str, &'static str)], extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    base.iter().chain(extra).copied().collect()
}

pub const SCENARIOS: &[Scenario] = &[
    ("Pick the preset “SAM vs SGD, 20% label noise”", sam_preset),
    ("Train with B = 1 and then with B = 100", batch_sizes),
    ("Choose Muon, compare with AdamW", muon_spectrum),
    ("With plain SGD, raise η from 0.03 to 1", sgd_eta),
    ("With plain SGD (η = 0.1) and 4 hidden layers, set the initial weight scale to 0.1", small_init),
    ("Then choose ReLU and scale 3", relu_large_init),
    ("Let the default training finish and read SAM's bound", bound_against_rho),
    ("Overfit on purpose", early_stopping),
    ("Then set dropout p = 0.5", dropout),
    ("Batch normalisation allows a higher learning rate", batch_norm),
    ("Batch normalisation can act as a regulariser", batch_norm_regularises),
];
