//! The landscapes chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::{first_number, readout, scene, Scenario};
use optlab::analysis::steps_to_tolerance;

const ID: &str = "landscapes";

fn raise_kappa() {
    let s = scene(ID, &[("kappa", "200"), ("steps", "1000")]);
    let r = s.report.as_ref().unwrap();
    let (gd, newton) = (&r.runs[0], &r.runs[1]);
    assert_eq!(steps_to_tolerance(&newton.loss, 0.0, 1e-6), Some(1), "Newton: {:?}", &newton.loss[..2]);
    let hit = steps_to_tolerance(&gd.loss, 0.0, 1e-6).expect("gradient descent within 1000 steps");
    assert!(hit > 100, "gradient descent took {hit} steps");
    // the readout shows both counts
    assert_eq!(first_number(&readout(&s, "gradient descent: steps to").value), Some(hit as f64));
    assert_eq!(first_number(&readout(&s, "Newton: steps to").value), Some(1.0));
}

fn push_lr() {
    let s = scene(ID, &[]);
    let two_over_l = readout(&s, "2/L").value.split("2/L = ").nth(1).and_then(first_number).expect("2/L");
    // the loss grows geometrically above 2/L (the readout's measured rate is above 1) and shrinks below
    for (factor, grows) in [(1.05, true), (0.95, false)] {
        let s = scene(ID, &[("lr", &(two_over_l * factor).to_string())]);
        let t = &s.report.as_ref().unwrap().runs[0];
        let rate = first_number(&readout(&s, "gradient descent: measured rate").value).expect("a rate");
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

fn plateau_steps(lr: &str) -> f64 {
    let s = scene(ID, &[("problem", "plateau"), ("x0", "3,0"), ("lr", lr), ("steps", "1000")]);
    let n = first_number(&readout(&s, "steps until it has covered").value).expect("a count");
    // the count is where the path first got 0.3 (a tenth of the way) from x₀
    let t = &s.report.as_ref().unwrap().runs[0];
    let k = n as usize;
    assert!((t.params[k][0] - 3.0).hypot(t.params[k][1]) >= 0.3 && (t.params[k - 1][0] - 3.0).hypot(t.params[k - 1][1]) < 0.3);
    n
}

fn plateau() {
    let (fast, slow, slower) = (plateau_steps("1.6"), plateau_steps("0.16"), plateau_steps("0.016"));
    assert!(slow >= 5.0 * fast && slower >= 5.0 * slow, "steps until the path moves: {fast}, {slow}, {slower}");
}

pub const SCENARIOS: &[Scenario] = &[
    ("Raise κ to 200", raise_kappa),
    ("Push η above 2/L", push_lr),
    ("Pick the saddle, set η = 0.1", saddle),
    ("Pick the plateau, start far out", plateau),
];
