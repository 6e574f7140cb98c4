//! The race chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::{scene, Scenario};
use optlab::app::race_settled;
use optlab::run::Trace;

const ID: &str = "race";

fn runs(pairs: &[(&str, &str)]) -> Vec<Trace> {
    std::sync::Arc::unwrap_or_clone(scene(ID, pairs).report.expect("report")).runs
}

fn by<'a>(r: &'a [Trace], name: &str) -> &'a Trace {
    r.iter().find(|t| t.label == name).unwrap_or_else(|| panic!("no racer {name}"))
}

fn settled(t: &Trace) -> Option<usize> {
    race_settled(&t.loss, 0.0)
}

fn kappa() {
    let (a, b) = (runs(&[("kappa", "20")]), runs(&[("kappa", "200")]));
    for name in ["SGD", "AdaGrad", "RMSProp"] {
        assert!(settled(by(&a, name)).is_some() && settled(by(&b, name)).is_none(), "{name}: {:?} → {:?}", settled(by(&a, name)), settled(by(&b, name)));
    }
    for name in ["momentum", "Nesterov", "Adam"] {
        let (x, y) = (settled(by(&a, name)).expect("κ = 20"), settled(by(&b, name)).expect("κ = 200"));
        assert!(y > x, "{name} settles later: {x} → {y}");
    }
}

fn lr_scale() {
    let r = runs(&[("lr_scale", "3")]);
    let red: Vec<&str> = r.iter().filter(|t| t.diverged.is_some()).map(|t| t.label.as_str()).collect();
    assert_eq!(red, ["SGD", "Nesterov", "Newton"]);
    let slow = runs(&[("lr_scale", "0.3")]);
    assert!(slow.iter().all(|t| t.diverged.is_none()));
    let one = runs(&[]);
    assert!(settled(by(&one, "SGD")).is_some() && settled(by(&slow, "SGD")).is_none());
    assert_eq!((settled(by(&one, "Newton")), settled(by(&slow, "Newton"))), (Some(1), Some(19)));
}

fn saddle_newton() {
    let r = runs(&[("problem", "saddle"), ("x0", "1,0.05")]);
    let newton = by(&r, "Newton");
    assert_eq!(newton.params[1], vec![0.0, 0.0], "Newton's first step lands on the saddle point");
    assert!(newton.params.iter().skip(1).all(|p| p == &vec![0.0, 0.0]));
    for t in r.iter().filter(|t| t.label != "Newton") {
        assert!(t.loss.last().unwrap() < &t.loss[0], "{} slides downhill", t.label);
        assert!(t.params.last().unwrap()[1].abs() > 0.05, "{} leaves along y", t.label);
    }
}

fn rosenbrock() {
    let r = runs(&[("problem", "rosenbrock")]);
    assert_eq!(settled(by(&r, "Newton")), Some(5));
    for t in r.iter().filter(|t| t.label != "Newton") {
        assert!(optlab::analysis::steps_to_tolerance(&t.loss, 0.0, 1e-6).is_none(), "{} reached the tolerance", t.label);
    }
}

pub const SCENARIOS: &[Scenario] = &[
    ("Read the table for the quadratic (κ = 20)", kappa),
    ("Move the lr scale to 3", lr_scale),
    ("On the saddle, click a start just above the x-axis", saddle_newton),
    ("On Rosenbrock, compare the number of steps to tolerance", rosenbrock),
];
