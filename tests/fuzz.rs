//! Fuzzing the inputs a stranger controls (proptest-driven, so it runs on stable Rust in the normal test
//! command): the experiment spec parser and `run` on whatever it accepts, the URL state of every chapter,
//! and the CSV reader. Each property is "no panic, and whatever is produced is finite". The test command runs
//! a short pass (`FUZZ_CASES`, default 48 per property); a long pass is `FUZZ_CASES=20000 cargo test --release
//! --test fuzz`. Failures found are kept by proptest in `tests/fuzz.proptest-regressions` and replayed first.

use optlab::app::{chapters, compute_raw};
use optlab::run::run;
use optlab::Spec;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
}

/// Valid specs to mutate: each problem family and optimizer kind appears.
fn templates() -> Vec<Value> {
    let mut out = vec![
        json!({"problem": {"kind": "quadratic", "a": [[10, 0], [0, 1]], "b": [0, 0]}, "x0": [1.0, 1.0],
               "runs": [{"label": "adam", "optimizer": {"kind": "adam", "lr": 0.01}, "schedule": {"kind": "cosine", "t_max": 50, "eta_min": 0.001}},
                        {"label": "sam", "optimizer": {"kind": "sam", "rho": 0.05, "p": 1.5, "inner": {"kind": "sgd", "lr": 0.05, "momentum": 0.9}}}],
               "steps": 60, "seed": 0}),
        json!({"problem": {"kind": "rosenbrock"}, "x0": [-1.0, 1.5], "runs": [{"optimizer": {"kind": "newton", "damping": 1.0}},
               {"optimizer": {"kind": "lookahead", "k": 3, "inner": {"kind": "rmsprop", "lr": 0.001, "centered": true}}}], "steps": 40}),
        json!({"problem": {"kind": "random_matrix_least_squares", "rows": 3, "features": 4, "samples": 20, "kappa": 10, "noise": 0.1},
               "x0": [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
               "runs": [{"optimizer": {"kind": "muon", "lr": 0.05, "ns": "cubic", "ns_steps": 3}}, {"optimizer": {"kind": "lion", "lr": 0.01}}], "steps": 30}),
        json!({"problem": {"kind": "finite_sum", "samples": 50, "dim": 3, "noise": 0.5, "batch": 4, "kappa": 5}, "x0": [1, 1, 1],
               "runs": [{"optimizer": {"kind": "adagrad", "lr": 0.1}, "schedule": {"kind": "sequential", "schedulers": [{"kind": "linear", "total_iters": 5}, {"kind": "step", "step_size": 10}], "milestones": [5]}}], "steps": 40}),
        json!({"problem": {"kind": "saddle"}, "x0": [1.0, 0.001], "runs": [{"optimizer": {"kind": "sgd", "lr": 0.1}}], "steps": 50}),
        json!({"problem": {"kind": "flat_sharp"}, "x0": [0.5, 0.5], "runs": [{"optimizer": {"kind": "adamw", "lr": 0.05, "amsgrad": true}}], "steps": 50}),
        json!({"problem": {"kind": "plateau", "width": 2.0}, "x0": [3.0, 3.0], "runs": [{"optimizer": {"kind": "sgd", "lr": 1.0, "nesterov": true, "momentum": 0.5}}], "steps": 50}),
    ];
    out.extend(out.clone().into_iter().map(|mut v| {
        v["seed"] = json!(7);
        v
    }));
    out
}

/// Values a hostile or careless spec may hold.
fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            2.0,
            1e-300,
            5e-324,
            1e154,
            1e300,
            1.7976931348623157e308,
            -1e308,
            1e6,
            1e-12,
            3.0,
            100000.0,
            1.0000001
        ])
        .prop_map(|v| json!(v)),
        any::<i64>().prop_map(|v| json!(v)),
        (-1e6f64..1e6).prop_map(|v| json!(v)),
        prop::sample::select(vec![
            "",
            "inf",
            "nan",
            "<img src=x onerror=alert(1)>",
            "sgd",
            "adam",
            "1e999",
            "-1",
            "keller_quintic",
            "svd",
            "quadratic"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every path (object keys and array indices) of a JSON value.
fn paths(v: &Value, here: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| paths(x, [here.clone(), vec![k.clone()]].concat(), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| paths(x, [here.clone(), vec![i.to_string()]].concat(), out)),
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match v {
        Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
        other => &mut other[k.as_str()],
    })
}

/// A template with a few of its values replaced.
fn arb_spec() -> impl Strategy<Value = String> {
    let t = templates();
    (0..t.len(), prop::collection::vec((any::<prop::sample::Index>(), arb_value(), 0..4u8), 1..4), any::<bool>()).prop_map(
        move |(i, edits, cut)| {
            let mut v = t[i].clone();
            for (idx, value, how) in edits {
                let mut ps = Vec::new();
                paths(&v, Vec::new(), &mut ps);
                let p = idx.get(&ps).clone();
                if p.is_empty() {
                    continue;
                }
                let (parent, key) = p.split_at(p.len() - 1);
                match (how, at(&mut v, parent)) {
                    (0, Value::Object(m)) => {
                        m.remove(&key[0]);
                    }
                    (1, Value::Object(m)) => {
                        m.insert(format!("{}x", key[0]), value);
                    }
                    _ => *at(&mut v, &p) = value,
                }
            }
            let text = v.to_string();
            if cut {
                text
            } else {
                text.chars().take(text.len() * 9 / 10).collect()
            }
        },
    )
}

/// Work a spec asks for, so that the fuzzer runs only cheap ones (the caps allow far more).
fn cheap(spec: &Spec) -> bool {
    let v = serde_json::to_value(spec).unwrap();
    let dim = v["x0"].as_array().map_or(1, |a| a.iter().map(|r| r.as_array().map_or(1, Vec::len)).sum::<usize>());
    let samples = v["problem"]["samples"].as_u64().unwrap_or(1) as usize;
    spec.steps * dim.max(1) * spec.runs.len() * samples.max(1) <= 400_000
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn the_spec_parser_and_run_never_panic_and_print_only_finite_numbers(text in arb_spec()) {
        if let Ok(spec) = Spec::from_json(&text) {
            if cheap(&spec) {
                let report = run(&spec).expect("a validated spec runs");
                for t in &report.runs {
                    let bad = t.loss.iter().chain(&t.lr).chain(&t.grad_norm).chain(t.params.iter().flatten()).find(|v| !v.is_finite());
                    prop_assert!(bad.is_none(), "{text}: run {} recorded {bad:?}", t.label);
                    if let Some(d) = &t.diverged {
                        prop_assert!(!d.reason.is_empty() && !d.reason.contains('\n'), "{text}: {:?}", d.reason);
                    }
                }
                let json = serde_json::to_string(&report).unwrap();
                prop_assert!(!json.contains("null") || json.matches("null").count() == json.matches("\"diverged\":null").count(), "{text}: null in {json:.300}");
            }
        }
    }

    #[test]
    fn every_chapter_takes_any_url_state(
        chapter in 0..chapters().len(),
        values in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec![
            "", "-1", "0", "1e999", "-1e308", "nan", "inf", "1e-320", "2.5", "999999999", "true", "1,1", "1e308,-1e308", ",",
            "<img src=x onerror=alert(1)>", "x1,x2,label\n0,0,0\n1,1,1", "0,0,9\n1,1,1",
        ])), 0..6),
        unknown in "[a-z]{0,6}",
    ) {
        let c = chapters()[chapter];
        let controls = c.controls();
        let mut raw: BTreeMap<String, String> = values.into_iter().map(|(i, v)| (i.get(&controls).name.to_string(), v.to_string())).collect();
        raw.insert(unknown, "1".into());
        // a training capped to a few steps so the property stays cheap
        if c.id() == "training" {
            raw.insert("steps".into(), "20".into());
        }
        let (_, scene) = compute_raw(c, &raw);
        for r in &scene.readout {
            prop_assert!(!r.value.contains("NaN") && !r.value.contains("inf"), "{}: {raw:?}: {r:?}", c.id());
        }
        for m in &scene.messages {
            prop_assert!(!m.text.contains("NaN"), "{}: {raw:?}: {m:?}", c.id());
        }
    }

    #[test]
    fn the_csv_reader_takes_any_text(lines in prop::collection::vec(prop::collection::vec(prop::sample::select(vec![
        "0", "1", "-2.5", "1e308", "1e999", "nan", "", " ", "x1", "label", "6", "7", "3.5", "#", "\u{0}", "é", "1e-320",
    ]), 0..5), 0..12)) {
        let text: String = lines.iter().map(|l| l.join(",")).collect::<Vec<_>>().join("\n");
        if let Ok(points) = optlab::train::csv::parse_with(&text, 1000, 7) {
            prop_assert!(points.y.iter().all(|&y| y < 7), "{text:?}");
            prop_assert_eq!(points.y.len(), points.len());
        }
    }
}
