//! The landscapes chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::{first_number, readout, scene, Scenario};
use optlab::analysis::steps_to_tolerance;

const ID: &str = "landscapes";

fn raise_kappa() {
    let s = scene(ID, &[("kappa", "200")]);
    let r = s.report.as_ref().unwrap();
    let (gd, newton) = (&r.runs[0], &r.runs[1]);
    assert_eq!(steps_to_tolerance(&newton.loss, 0.0, 1e-6), Some(1), "Newton: {:?}", &newton.loss[..2]);
    assert_eq!(steps_to_tolerance(&gd.loss, 0.0, 1e-6), None, "gradient descent reached 1e-6 within T = 100");
    // the readout shows both: Newton's single step, gradient descent not within the 100 steps
    assert_eq!(first_number(&readout(&s, "Newton: steps to").value), Some(1.0));
    assert_eq!(readout(&s, "gradient descent: steps to").value, "not within 100 steps");
    // and with more steps it needs hundreds
    let long = scene(ID, &[("kappa", "200"), ("steps", "1000")]);
    let hit = steps_to_tolerance(&long.report.as_ref().unwrap().runs[0].loss, 0.0, 1e-6).expect("within 1000 steps");
    assert!(hit > 100, "{hit}");
}

fn push_lr() {
    let s = scene(ID, &[]);
    let two_over_l = readout(&s, "2/L").value.split("2/L = ").nth(1).and_then(first_number).expect("2/L");
    // the loss grows geometrically above 2/L (the readout's measured rate is above 1) and shrinks below
    for (factor, grows) in [(1.05, true), (0.95, false)] {
        let s = scene(ID, &[("lr", &(two_over_l * factor).to_string())]);
        let t = &s.report.as_ref().unwrap().runs[0];
        let rate = first_number(&readout(&s, "gradient descent: measured rate at the end").value).expect("a rate");
        assert_eq!(rate > 1.0, grows, "η = {factor}·2/L: measured rate {rate}");
        assert_eq!(t.loss.last().unwrap() > &t.loss[0], grows, "η = {factor}·2/L: loss {} → {}", t.loss[0], t.loss.last().unwrap());
    }
}

fn saddle() {
    let on_axis = scene(ID, &[("problem", "saddle"), ("lr", "0.1"), ("x0", "-1.5,0")]);
    let r = on_axis.report.as_ref().unwrap();
    let end = r.runs[0].params.last().unwrap();
    assert!(end[0].abs() < 1e-6 && end[1] == 0.0, "gradient descent ends at {end:?}");
    let gd_end = readout(&on_axis, "gradient descent: end point");
    assert!(gd_end.value.starts_with("a saddle point") && gd_end.claims.iter().all(|c| c.holds()) && gd_end.claims.len() == 3, "{gd_end:?}");
    let off = scene(ID, &[("problem", "saddle"), ("lr", "0.1"), ("x0", "-1.5,0.01")]);
    let t = &off.report.as_ref().unwrap().runs[0];
    let (first, last) = (&t.params[0], t.params.last().unwrap());
    assert!(last[1].abs() > 1000.0 * first[1].abs(), "|y| {} → {}", first[1], last[1]);
    assert!(t.loss.windows(2).all(|w| w[1] < w[0]) && *t.loss.last().unwrap() < -1.0, "f did not fall without bound");
    let m = off.messages.iter().find(|m| m.text.contains("escapes the saddle")).expect("escape message");
    assert!(m.claim.is_some_and(|c| c.holds()));
    // Newton: one step to (0, 0), a saddle, said so
    let n = &off.report.as_ref().unwrap().runs[1];
    assert_eq!(n.params[1], vec![0.0, 0.0]);
    let w = off.messages.iter().find(|m| m.text.contains("Newton's method is attracted to saddles")).expect("Newton warning");
    assert!(w.claim.is_some_and(|c| c.holds() && c.lhs < 0.0));
}

fn plateau_steps(lr: &str, steps: &str) -> Option<f64> {
    let s = scene(ID, &[("problem", "plateau"), ("x0", "3,0"), ("lr", lr), ("steps", steps)]);
    let value = &readout(&s, "steps until it has covered").value;
    if value.starts_with("not within") {
        return None;
    }
    let n = first_number(value).expect("a count");
    // the count is where the path first got 0.3 (a tenth of the way) from x₀
    let t = &s.report.as_ref().unwrap().runs[0];
    let k = n as usize;
    assert!((t.params[k][0] - 3.0).hypot(t.params[k][1]) >= 0.3 && (t.params[k - 1][0] - 3.0).hypot(t.params[k - 1][1]) < 0.3);
    Some(n)
}

fn plateau() {
    let fast = plateau_steps("1.6", "100").expect("moves at η = 1.6");
    let slow = plateau_steps("0.16", "100").expect("moves at η = 0.16");
    assert!(slow >= 5.0 * fast, "steps until the path moves: {fast}, {slow}");
    // ten times smaller again: not within the default 100 steps; with T = 1000 the count shows
    assert_eq!(plateau_steps("0.016", "100"), None);
    let slower = plateau_steps("0.016", "1000").expect("moves within 1000 steps");
    assert!(slower >= 5.0 * slow, "{slow}, {slower}");
}

fn saddles_in_high_dimension() {
    let s = crate::common::scene("landscapes", &[]);
    let chart = s
        .charts
        .iter()
        .find_map(|(id, c)| match c {
            optlab::app::Chart::Lines(l) if *id == "saddles" => Some(l),
            _ => None,
        })
        .expect("the saddles chart");
    let measured = &chart.series.iter().find(|x| x.name.starts_with("measured")).unwrap().points;
    let at = |n: f64| measured.iter().find(|p| p.0 == n).map_or(0.0, |p| p.1);
    assert!((at(1.0) - 0.5).abs() < 0.05, "N = 1: {}", at(1.0));
    assert!((at(2.0) - 0.15).abs() < 0.03, "N = 2: {}", at(2.0));
    assert!(measured.iter().all(|p| p.0 < 6.0), "none from N = 6 on: {measured:?}");
    for p in measured.iter().filter(|p| p.0 >= 3.0) {
        assert!(p.1 < 0.5f64.powf(p.0), "N = {}: {} is not below 2^−N", p.0, p.1);
    }
}

pub const SCENARIOS: &[Scenario] = &[
    ("Raise κ to 200", raise_kappa),
    ("Push η above 2/L", push_lr),
    ("Pick the saddle, set η = 0.1", saddle),
    ("Pick the plateau, start far out", plateau),
    ("Read the last chart: at N = 1 about half", saddles_in_high_dimension),
];
