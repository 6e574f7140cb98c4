//! Optimizer state can be saved and restored (PyTorch's `state_dict`): for every optimizer kind of the
//! registry, and for wrappers around stateful optimizers, running 100 steps gives bit for bit the same
//! parameters as running 50, saving the state (through JSON), loading it into a freshly built optimizer
//! and running 50 more. A state of another optimizer or size is refused.

use optlab::optim::{OptState, Optimizer, OptimizerSpec, Oracle, KINDS};
use optlab::problems::{Problem, ProblemSpec};

struct Full<'a>(&'a dyn Problem);

impl Oracle for Full<'_> {
    fn grad(&mut self, x: &[f64], out: &mut [f64]) {
        self.0.grad(x, out)
    }
    fn hessian(&mut self, x: &[f64]) -> Option<ndarray::Array2<f64>> {
        self.0.hessian(x)
    }
}

fn problem() -> Box<dyn Problem> {
    let spec: ProblemSpec = serde_json::from_str(
        r#"{"kind": "random_matrix_least_squares", "rows": 3, "features": 4, "samples": 24, "kappa": 20, "noise": 0.1}"#,
    )
    .unwrap();
    spec.build(7).unwrap()
}

fn steps(opt: &mut dyn Optimizer, p: &dyn Problem, x: &mut [f64], from: usize, n: usize) {
    let mut g = vec![0.0; x.len()];
    for t in from..from + n {
        p.grad(x, &mut g);
        // a decaying lr, so that a wrongly restored step count would show
        let lr = 1.0 / (1.0 + 0.01 * t as f64);
        opt.step(x, &g, lr, &mut Full(p)).unwrap();
    }
}

/// The specs checked: every kind at its defaults with a working lr, and wrappers around stateful optimizers.
fn specs() -> Vec<OptimizerSpec> {
    let mut out: Vec<OptimizerSpec> = Vec::new();
    for k in KINDS {
        let mut v = serde_json::to_value(k.default_spec()).unwrap();
        if v.get("lr").is_some() {
            v["lr"] = serde_json::json!(if k.kind == "newton" { 0.5 } else { 0.01 });
        }
        if let Some(inner) = v.get_mut("inner") {
            *inner = serde_json::json!({"kind": "adam", "lr": 0.01, "amsgrad": true});
        }
        out.push(serde_json::from_value(v).unwrap());
    }
    let extra = [
        r#"{"kind": "sgd", "lr": 0.01, "momentum": 0.9, "nesterov": true}"#,
        r#"{"kind": "adagrad", "lr": 0.05, "lr_decay": 0.01}"#,
        r#"{"kind": "rmsprop", "lr": 0.01, "centered": true, "momentum": 0.5}"#,
        r#"{"kind": "lookahead", "k": 7, "inner": {"kind": "sam", "rho": 0.05, "inner": {"kind": "sgd", "lr": 0.01, "momentum": 0.9}}}"#,
        r#"{"kind": "sam", "inner": {"kind": "muon", "lr": 0.01, "momentum_form": "sum", "nesterov": false}}"#,
        r#"{"kind": "lookahead", "k": 3, "inner": {"kind": "lookahead", "k": 5, "inner": {"kind": "lion", "lr": 0.001}}}"#,
    ];
    out.extend(extra.iter().map(|s| serde_json::from_str::<OptimizerSpec>(s).unwrap()));
    out
}

#[test]
fn every_optimizer_resumes_bit_for_bit_from_a_saved_state() {
    let p = problem();
    let x0: Vec<f64> = (0..p.dim()).map(|i| 0.3 * ((i * 7 % 5) as f64) - 0.6).collect();
    for spec in specs() {
        let name = serde_json::to_string(&spec).unwrap();
        let mut whole = spec.build(p.shape(), "optimizer").unwrap();
        let mut x_whole = x0.clone();
        steps(whole.as_mut(), p.as_ref(), &mut x_whole, 0, 100);

        let mut first = spec.build(p.shape(), "optimizer").unwrap();
        let mut x = x0.clone();
        steps(first.as_mut(), p.as_ref(), &mut x, 0, 50);
        let saved = serde_json::to_string(&first.state()).unwrap();
        let loaded: OptState = serde_json::from_str(&saved).unwrap();
        let mut second = spec.build(p.shape(), "optimizer").unwrap();
        second.load_state(loaded).unwrap_or_else(|e| panic!("{name}: {e}"));
        steps(second.as_mut(), p.as_ref(), &mut x, 50, 50);

        assert!(x.iter().all(|v| v.is_finite()), "{name}: {x:?}");
        assert_eq!(x, x_whole, "{name}: resumed run differs from the uninterrupted one");
        // and the state matters: a fresh optimizer continuing from the same x differs (for kinds that keep
        // numbers between steps: not Newton, not SGD without momentum)
        if first.state().numbers_per_parameter(x.len()) > 0.0 {
            let mut fresh = spec.build(p.shape(), "optimizer").unwrap();
            let mut y = x0.clone();
            let mut warm = spec.build(p.shape(), "optimizer").unwrap();
            steps(warm.as_mut(), p.as_ref(), &mut y, 0, 50);
            steps(fresh.as_mut(), p.as_ref(), &mut y, 50, 50);
            assert_ne!(y, x_whole, "{name}: the state made no difference, so this test could not fail");
        }
    }
}

#[test]
fn a_state_of_another_optimizer_or_size_is_refused() {
    let p = problem();
    let adam: OptimizerSpec = serde_json::from_str(r#"{"kind": "adam"}"#).unwrap();
    let sgd: OptimizerSpec = serde_json::from_str(r#"{"kind": "sgd", "momentum": 0.9}"#).unwrap();
    let saved = adam.build(p.shape(), "o").unwrap().state();
    let err = sgd.build(p.shape(), "o").unwrap().load_state(saved.clone()).unwrap_err();
    assert!(err.0.contains("cannot load"), "{}", err.0);
    let err = adam.build((5, 5), "o").unwrap().load_state(saved).unwrap_err();
    assert!(err.0.contains("12 numbers") && err.0.contains("25"), "{}", err.0);
    let la: OptimizerSpec = serde_json::from_str(r#"{"kind": "lookahead"}"#).unwrap();
    assert!(la.build(p.shape(), "o").unwrap().load_state(OptState::Newton).is_err());
}

#[test]
fn optimizer_memory_is_read_from_the_state() {
    // the lecture's memory comparison (SGD 0, momentum 1, Adam 2, Muon 1 state per parameter), measured
    use optlab::optim::NoOracle;
    let shape = (3, 4);
    let per = |json: &str| {
        let spec: OptimizerSpec = serde_json::from_str(json).unwrap();
        let mut opt = spec.build(shape, "o").unwrap();
        let mut x = vec![0.5; 12];
        let g: Vec<f64> = (0..12).map(|i| i as f64 - 5.5).collect();
        opt.step(&mut x, &g, 0.01, &mut NoOracle).unwrap();
        opt.state().numbers_per_parameter(12)
    };
    assert_eq!(per(r#"{"kind": "sgd"}"#), 0.0);
    assert_eq!(per(r#"{"kind": "sgd", "momentum": 0.9}"#), 1.0);
    assert_eq!(per(r#"{"kind": "adam"}"#), 2.0);
    assert_eq!(per(r#"{"kind": "adam", "amsgrad": true}"#), 3.0);
    assert_eq!(per(r#"{"kind": "adagrad"}"#), 1.0);
    assert_eq!(per(r#"{"kind": "rmsprop"}"#), 1.0);
    assert_eq!(per(r#"{"kind": "rmsprop", "centered": true}"#), 2.0);
    assert_eq!(per(r#"{"kind": "muon"}"#), 1.0);
    assert_eq!(per(r#"{"kind": "lion"}"#), 1.0);
    assert_eq!(per(r#"{"kind": "lookahead", "inner": {"kind": "adam"}}"#), 3.0);
}

#[test]
fn nested_wrappers_keep_their_internals_apart() {
    // Lookahead inside Lookahead: two sets of slow weights, one per depth, never merged under one key
    use optlab::optim::{Internal, Key};
    let p = problem();
    let spec: OptimizerSpec = serde_json::from_str(
        r#"{"kind": "lookahead", "k": 2, "inner": {"kind": "lookahead", "k": 3, "inner": {"kind": "sgd", "lr": 0.01, "momentum": 0.9}}}"#,
    )
    .unwrap();
    let mut opt = spec.build(p.shape(), "o").unwrap();
    let mut x = vec![0.1; p.dim()];
    steps(opt.as_mut(), p.as_ref(), &mut x, 0, 7);
    let keys: Vec<Key> = opt.internals().into_iter().map(|(k, _)| k).collect();
    assert!(keys.contains(&Key { what: Internal::Slow, depth: 0, group: 0 }), "{keys:?}");
    assert!(keys.contains(&Key { what: Internal::Slow, depth: 1, group: 0 }), "{keys:?}");
    assert!(keys.contains(&Key { what: Internal::Momentum, depth: 2, group: 0 }), "{keys:?}");
    let mut unique = keys.clone();
    unique.sort_by_key(|k| format!("{k:?}"));
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "no two series share a key: {keys:?}");
}
