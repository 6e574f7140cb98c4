//! The SAM chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::{scene, Scenario};
use optlab::app::{Chart, Scene};
use optlab::plot::field::MapChart;
use optlab::plot::LineChart;

const ID: &str = "sam";
const SHARP: [f64; 2] = [-0.98, 0.0];
const FLAT: [f64; 2] = [1.5, 0.0];

fn map(s: &Scene) -> &MapChart {
    s.charts.iter().find_map(|(id, c)| match c {
        Chart::Map(m, _) if *id == "map" => Some(m),
        _ => None,
    }).expect("map")
}

fn lines<'a>(s: &'a Scene, id: &str) -> &'a LineChart {
    s.charts.iter().find_map(|(i, c)| match c {
        Chart::Lines(l) if *i == id => Some(l),
        _ => None,
    }).expect("chart")
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

fn rho_zero() {
    let r = scene(ID, &[("rho", "0")]).report.expect("report");
    assert_eq!(r.runs[0].params, r.runs[1].params, "SAM with ρ = 0 is plain descent");
}

fn inspect_and_infinity() {
    for t in ["0", "40", "200"] {
        let s = scene(ID, &[("at_step", t), ("p_mode", "inf")]);
        let sam = &s.report.as_ref().unwrap().runs[1];
        let x_t = &sam.params[t.parse::<usize>().unwrap()];
        let m = map(&s);
        let (from, to, _) = m.arrows.last().expect("ε̂ drawn");
        assert!(dist(&[from.0, from.1], x_t) < 1e-12, "the arrow starts at SAM's x_t");
        // p = ∞: ε̂ = ρ·sign(g), a corner of the square of half-side ρ = 0.15
        let e = (to.0 - from.0, to.1 - from.1);
        assert!((e.0.abs() - 0.15).abs() < 1e-12 && (e.1.abs() - 0.15).abs() < 1e-12, "ε̂ = {e:?}");
        // the ball is that square: every point at ∞-distance ρ from x_t
        let ball = m.paths.iter().find(|p| p.dashed).expect("ball");
        assert!(ball.points.iter().all(|q| ((q.0 - from.0).abs().max((q.1 - from.1).abs()) - 0.15).abs() < 1e-9));
    }
}

fn starts_near_the_wells() {
    let s = scene(ID, &[("x0", "-1.5,0.8")]);
    let sam = &s.report.as_ref().unwrap().runs[1];
    let end = sam.params.last().unwrap();
    assert!(dist(end, &SHARP) < 0.15, "SAM falls into the sharp well: ends at {end:?}");
    // and keeps bouncing: over the last 100 steps it still moves, and y changes sign again and again
    let tail = &sam.params[sam.params.len() - 100..];
    let crossings = tail.windows(2).filter(|w| w[0][1] * w[1][1] < 0.0).count();
    assert!(crossings >= 10, "{crossings} crossings of y = 0 in the last 100 steps");
    let s = scene(ID, &[("x0", "-2.2,1.5")]);
    let sam = &s.report.as_ref().unwrap().runs[1];
    let end = sam.params.last().unwrap();
    assert!(dist(end, &SHARP) > 0.5 && dist(end, &FLAT) > 0.5, "neither minimum: {end:?}");
    // it stalls: for the last half of the run it stays within 0.05 of where it ends and its loss within 0.01
    let half = &sam.params[sam.params.len() / 2..];
    let wander = half.iter().map(|q| dist(q, end)).fold(0.0, f64::max);
    assert!(wander < 0.05, "SAM wanders {wander} over the last half");
    let l = &sam.loss[sam.loss.len() / 2..];
    let spread = l.iter().copied().fold(f64::NEG_INFINITY, f64::max) - l.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(spread < 0.01, "loss spread {spread}");
    // on the ridge between the wells: between them in x, where f curves down along x
    assert!(end[0] > SHARP[0] && end[0] < FLAT[0], "{end:?}");
    assert!(s.readout.iter().any(|r| r.label == "SAM: ends at" && r.value.contains("ridge")), "{:?}", s.readout);
}

fn worst_case_at_rho() {
    // the minimum of the worst-case loss near each well
    let lowest = |rho: &str| {
        let s = scene(ID, &[("rho", rho)]);
        let robust = lines(&s, "robust");
        let worst = robust.series.iter().find(|x| x.name.starts_with("max over the ρ-ball")).expect("robust loss");
        let near = |c: f64| worst.points.iter().filter(|p| (p.0 - c).abs() < 0.5).map(|p| p.1).fold(f64::INFINITY, f64::min);
        (near(SHARP[0]), near(FLAT[0]))
    };
    let (sharp, flat) = lowest("0.15");
    assert!(sharp < flat, "at the default ρ the sharp well's worst case is still lower: {sharp} vs {flat}");
    let (sharp, flat) = lowest("0.35");
    assert!(sharp > flat, "at ρ = 0.35 it lies above the flat one's: {sharp} vs {flat}");
}

pub const SCENARIOS: &[Scenario] = &[
    ("Set ρ to 0", rho_zero),
    ("Slide “inspect step t”", inspect_and_infinity),
    ("Click near (−1.5, 0.8)", starts_near_the_wells),
    ("Raise ρ to 0.35", worst_case_at_rho),
];
