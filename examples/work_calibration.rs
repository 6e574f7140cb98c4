//! Prints the work estimate of `optlab run` and `optlab train` next to the measured time for a set of specs
//! (the calibration table in docs/limits.md): `cargo run --release --example work_calibration [SPEC.json …]`.
//! Without arguments it times built-in specs that take about a second each.

use optlab::run::{run_on, work};
use optlab::spec::Spec;
use std::time::Instant;

fn quadratic(n: usize) -> serde_json::Value {
    let a: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == j {
                        4.0
                    } else if i.abs_diff(j) == 1 {
                        0.1
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    serde_json::json!({"kind": "quadratic", "a": a, "b": vec![1.0; n]})
}

fn builtin() -> Vec<(String, String)> {
    use serde_json::json;
    let run = |name: &str, v: serde_json::Value| (name.to_string(), v.to_string());
    vec![
        run(
            "newton, 256 parameters, damped",
            json!({"problem": quadratic(256), "x0": vec![0.0; 256], "runs": [{"optimizer": {"kind": "newton", "damping": 0.1}}], "steps": 20}),
        ),
        run(
            "newton, 256 parameters, undamped",
            json!({"problem": quadratic(256), "x0": vec![0.0; 256], "runs": [{"optimizer": {"kind": "newton"}}], "steps": 40}),
        ),
        run(
            "adam on a 200-d quadratic",
            json!({"problem": quadratic(200), "x0": vec![0.0; 200], "runs": [{"optimizer": {"kind": "adam", "lr": 0.01}}], "steps": 10000}),
        ),
        run(
            "nested SAM on a 20000×40 finite sum, B = 32",
            json!({"problem": {"kind": "finite_sum", "samples": 20000, "dim": 40, "batch": 32}, "x0": vec![0.0; 40],
            "runs": [{"optimizer": {"kind": "sam", "inner": {"kind": "sam", "inner": {"kind": "sgd", "lr": 0.01}}}}], "steps": 500}),
        ),
        run(
            "muon on 64×128 least squares",
            json!({"problem": {"kind": "random_matrix_least_squares", "rows": 64, "features": 128, "samples": 256},
            "x0": vec![vec![0.0; 128]; 64], "runs": [{"optimizer": {"kind": "muon", "lr": 0.01}}], "steps": 300}),
        ),
        run(
            "muon (svd) on 32×32 least squares",
            json!({"problem": {"kind": "random_matrix_least_squares", "rows": 32, "features": 32, "samples": 128},
            "x0": vec![vec![0.0; 32]; 32], "runs": [{"optimizer": {"kind": "muon", "lr": 0.01, "ns": "svd"}}], "steps": 300}),
        ),
        run(
            "lion on rosenbrock",
            json!({"problem": {"kind": "rosenbrock"}, "x0": [-1.0, 1.0], "runs": [{"optimizer": {"kind": "lion", "lr": 0.001}}], "steps": 100000}),
        ),
    ]
}

fn builtin_train() -> Vec<(String, String)> {
    use serde_json::json;
    vec![
        ("train: default 2-8-8-2 tanh, adam".into(), json!({"steps": 20000, "optimizer": {"kind": "adam", "lr": 0.01}}).to_string()),
        ("train: 2-64-64-2 gelu, muon, batch 64".into(),
            json!({"steps": 2000, "batch_size": 64, "model": {"hidden": [64, 64], "activation": "gelu"}, "optimizer": {"kind": "muon", "lr": 0.02}}).to_string()),
        ("train: 2-16-16-2 relu, SAM(sgd), eval every step".into(),
            json!({"steps": 3000, "eval_every": 1, "model": {"hidden": [16, 16], "activation": "relu"}, "optimizer": {"kind": "sam", "inner": {"kind": "sgd", "lr": 0.1}}}).to_string()),
    ]
}

fn main() {
    println!("| spec | estimate (s) | measured (s) | measured / estimate |\n|---|---:|---:|---:|");
    for (name, text) in builtin() {
        let spec = Spec::from_json(&text).expect("valid built-in spec");
        let problem = spec.validate().expect("valid");
        let est = work(&spec, problem.as_ref()) / 1e9;
        let t = Instant::now();
        std::hint::black_box(run_on(&spec, problem.as_ref(), false).expect("runs"));
        let s = t.elapsed().as_secs_f64();
        println!("| {name} | {est:.3} | {s:.3} | {:.2} |", s / est);
    }
    for (name, text) in builtin_train() {
        let specs = optlab::train::report::parse_specs(&text).expect("valid built-in training");
        let trainers = optlab::train::report::trainers(&specs).expect("builds");
        let est: f64 = trainers.iter().map(optlab::train::cost::remaining_work).sum::<f64>() / 1e9;
        let t = Instant::now();
        std::hint::black_box(optlab::train::report::run_trainers(trainers, &mut |_| {}));
        let s = t.elapsed().as_secs_f64();
        println!("| {name} | {est:.3} | {s:.3} | {:.2} |", s / est);
    }
}
