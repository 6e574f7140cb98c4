//! The momentum chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::{chap, first_number, readout, scene, state_scene, Scenario};
use optlab::analysis::{gd_optimal_rate, heavy_ball_optimal_rate};
use optlab::app::{Chart, Field, Scene};
use optlab::plot::field::MapChart;

const ID: &str = "momentum";

fn rate_map(s: &Scene) -> (&MapChart, &[f64], usize, usize) {
    s.charts
        .iter()
        .find_map(|(id, c)| match c {
            Chart::Map(m, Field::Grid { values, width, height }) if *id == "rates" => Some((m, values.as_slice(), *width, *height)),
            _ => None,
        })
        .expect("rate map")
}

fn click_polyak() {
    for kappa in ["50", "500"] {
        let (st, s) = state_scene(ID, &[("kappa", kappa)]);
        let (map, ..) = rate_map(&s);
        let &(mx, my, ..) = map.markers.iter().find(|m| m.2 == "Polyak").expect("Polyak marker");
        // a click a little beside the marker (2 % of the map's width to the right, 1 % below)
        let set = chap(ID).click("rates", (mx + 0.02 * 4.0, my - 0.01), &st);
        let pairs: Vec<(&str, &str)> = set.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain([("kappa", kappa)]).collect();
        let s = scene(ID, &pairs);
        let measured = first_number(&readout(&s, "heavy ball: rate of").value).expect("a measured rate");
        let theory = heavy_ball_optimal_rate(kappa.parse().unwrap());
        assert!((measured - theory).abs() < 0.01, "κ = {kappa}: measured {measured} vs (√κ−1)/(√κ+1) = {theory}; {set:?}");
    }
}

fn raise_beta() {
    let s = scene(ID, &[("momentum", "0.95")]);
    let hb = &s.report.as_ref().unwrap().runs[1];
    let norms: Vec<f64> = hb.params.iter().map(|p| p[0].hypot(p[1])).collect();
    // overshoot: the distance to x* = 0 grows again many times
    let rises = norms.windows(2).filter(|w| w[1] > w[0]).count();
    assert!(rises >= 10, "‖x_t‖ rose {rises} times");
    // swinging through x* = 0: the component along x₀ changes sign again and again
    let x0 = &hb.params[0];
    let along: Vec<f64> = hb.params.iter().map(|p| p[0] * x0[0] + p[1] * x0[1]).collect();
    let swings = along.windows(2).filter(|w| w[0] * w[1] < 0.0).count();
    assert!(swings >= 4, "{swings} passes through x*");
    // and the loss rises and falls
    let loss_rises = hb.loss.windows(2).filter(|w| w[1] > w[0]).count();
    assert!(loss_rises >= 10, "loss rose {loss_rises} times");
    // gradient descent at the same η neither overshoots nor turns
    let gd = &s.report.as_ref().unwrap().runs[0];
    assert!(gd.params.windows(2).all(|w| w[1][0].hypot(w[1][1]) <= w[0][0].hypot(w[0][1])));
}

/// The smallest η (log₁₀) of a grey cell in each row of the rate map, by β.
fn divergence_edges(s: &Scene) -> Vec<(f64, f64)> {
    let (map, values, w, h) = rate_map(s);
    let (x0, x1, y0, y1) = map.bounds;
    (0..h)
        .filter_map(|j| {
            let beta = y1 - (j as f64 + 0.5) / h as f64 * (y1 - y0);
            let i = (0..w).find(|&i| values[j * w + i] >= 1.0)?;
            Some((beta, x0 + (i as f64 + 0.5) / w as f64 * (x1 - x0)))
        })
        .collect()
}

fn nesterov_grey() {
    let hb = divergence_edges(&scene(ID, &[("momentum", "0.9")]));
    let nag = divergence_edges(&scene(ID, &[("momentum", "0.9"), ("nesterov", "true")]));
    assert_eq!(hb.len(), nag.len());
    let mut strictly = 0;
    for ((b, e_hb), (_, e_nag)) in hb.iter().zip(&nag) {
        assert!(e_nag <= e_hb, "β = {b}: Nesterov's grey starts at log η = {e_nag}, heavy ball's at {e_hb}");
        strictly += (e_nag < e_hb) as usize;
    }
    assert!(strictly > hb.len() * 9 / 10, "{strictly} of {} rows", hb.len());
}

fn unrolled() {
    let s = scene(ID, &[("momentum", "0.95")]);
    let c = match s.charts.iter().find(|(id, _)| *id == "unrolled") {
        Some((_, Chart::Lines(c))) => c,
        _ => panic!("no unrolled chart"),
    };
    let in_move = &c.series.iter().find(|x| x.name.starts_with("in the move")).expect("weights in the move").points;
    // grows with age, towards 1/(1 − β) = 20, and the oldest of 150 gradients counts 20 times (to 1e-3)
    assert!(in_move.windows(2).all(|w| w[1].1 > w[0].1 && w[1].1 < 20.0));
    assert!((in_move.last().unwrap().1 - 20.0).abs() < 1e-2, "{:?}", in_move.last());
    let eff = readout(&s, "effective step of a constant gradient");
    assert_eq!(first_number(eff.value.split("η/(1 − β) = ").nth(1).unwrap()), Some(20.0), "{eff:?}");
}

fn raise_kappa() {
    for kappa in [50.0, 500.0] {
        let s = scene(ID, &[("kappa", &kappa.to_string())]);
        let gd = first_number(&readout(&s, "best gradient descent").value).unwrap();
        let hb = first_number(&readout(&s, "best heavy ball").value).unwrap();
        assert!((gd - gd_optimal_rate(kappa)).abs() < 1e-3 && (hb - heavy_ball_optimal_rate(kappa)).abs() < 1e-3);
        if kappa == 500.0 {
            // closer to 1 than at κ = 50, by the predicted amounts (to the readout's 3 digits)
            assert!(((1.0 - gd) * kappa / 2.0 - 1.0).abs() < 0.1, "GD {gd}");
            assert!(((1.0 - hb) * kappa.sqrt() / 2.0 - 1.0).abs() < 0.1, "HB {hb}");
            assert!(gd > 0.99 && hb > 0.9 && hb < gd);
        }
    }
}

pub const SCENARIOS: &[Scenario] = &[
    ("Click the (η, β) map at the marked optimum", click_polyak),
    ("Raise β to 0.95", raise_beta),
    ("Turn on Nesterov with β = 0.9", nesterov_grey),
    ("In the unrolled chart", unrolled),
    ("Raise κ to 500", raise_kappa),
];
