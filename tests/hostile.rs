//! Issue 9's table of hostile and broken inputs, each with the exact message the user sees: JSON specs as
//! `optlab run`/`train` read them (every problem, one line each, the field path first), CSV text as the data
//! box of the training chapter reads it, and link values as the page's controls read them (the bad value
//! replaced, every other value kept). The page-side rows (the same link values and CSV texts in a real page,
//! and `postMessage`) are in `tests/e2e/hostile.test.mjs`.
//!
//! A message must name the field, show the bad value as text and say what is allowed or what to do.

use optlab::app::chapter;
use optlab::app::controls::{normalize, ControlKind};
use optlab::spec::Spec;
use optlab::train::report::parse_specs;
use std::collections::BTreeMap;

/// A run spec on a 2-D quadratic with one SGD run, with `runs` and extra top-level fields spliced in.
fn run_spec(problem: &str, x0: &str, runs: &str, extra: &str) -> String {
    format!(r#"{{"problem": {problem}, "x0": {x0}, "runs": {runs}{extra}}}"#)
}
const Q: &str = r#"{"kind": "quadratic", "a": [[2, 0], [0, 1]], "b": [0, 0]}"#;
const X: &str = "[1, 1]";
const SGD: &str = r#"[{"optimizer": {"kind": "sgd", "lr": 0.1}}]"#;

fn with_opt(opt: &str) -> String {
    run_spec(Q, X, &format!(r#"[{{"optimizer": {opt}}}]"#), "")
}

/// Every line `optlab run` would print for `text` (without its `error: ` prefix), or "accepted".
fn run_lines(text: &str) -> Vec<String> {
    match Spec::from_json(text) {
        Ok(_) => vec!["accepted".into()],
        Err(e) => e.lines(),
    }
}

fn train_lines(text: &str) -> Vec<String> {
    match parse_specs(text) {
        Ok(_) => vec!["accepted".into()],
        Err(e) => e.lines(),
    }
}

fn dump() -> bool {
    std::env::var("HOSTILE_DUMP").is_ok()
}

fn check_table(what: &str, rows: &[(String, Vec<String>, &[&str])]) {
    let mut bad = Vec::new();
    for (input, got, want) in rows {
        if dump() {
            println!("{what} {input:?}\n    => {got:?}");
        }
        if got != want {
            bad.push(format!("{what} {input:?}:\n  got  {got:?}\n  want {want:?}"));
        }
        for line in got {
            assert!(!line.contains('\n'), "{what} {input:?}: a message is one line: {line:?}");
        }
    }
    assert!(bad.is_empty(), "{} of {} rows differ:\n{}", bad.len(), rows.len(), bad.join("\n"));
}

#[test]
fn hostile_run_specs_get_their_exact_messages() {
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let seventeen = format!("[{}]", vec![r#"{"optimizer": {"kind": "sgd"}}"#; 17].join(","));
    let nested =
        (0..6).fold(r#"{"kind": "sgd", "lr": 0.1}"#.to_string(), |inner, _| format!(r#"{{"kind": "lookahead", "inner": {inner}}}"#));
    let rows: Vec<(String, &[&str])> = vec![
        ("not json".into(), &["spec: not valid JSON: expected ident at line 1 column 2"]),
        ("".into(), &["spec: not valid JSON: EOF while parsing a value at line 1 column 0"]),
        ("[]".into(), &["spec: must be a JSON object {\"problem\": …, \"x0\": […], \"runs\": […]}, got a list"]),
        (deep, &["spec: must be a JSON object {\"problem\": …, \"x0\": […], \"runs\": […]}, got a list"]),
        (format!("{} trailing", run_spec(Q, X, SGD, "")), &["spec: not valid JSON: trailing characters at line 1 column 139"]),
        (run_spec(Q, X, SGD, r#", "foo": 1"#), &["foo: unknown field `foo`, expected one of `problem`, `x0`, `runs`, `steps`, `seed` at line 1 column 143"]),
        (run_spec(Q, X, SGD, r#", "steps": 1e12"#), &["steps: invalid type: floating point `1000000000000.0`, expected a whole number ≥ 0 at line 1 column 151"]),
        (run_spec(Q, X, SGD, r#", "steps": 1000000000000"#), &["steps: must be in [0, 100000], got 1000000000000"]),
        (run_spec(Q, X, SGD, r#", "steps": -5"#), &["steps: invalid value: integer `-5`, expected a whole number ≥ 0 at line 1 column 149"]),
        (run_spec(Q, X, SGD, r#", "seed": "<script>alert(1)</script>""#), &["seed: invalid type: string \"<script>alert(1)</script>\", expected a whole number ≥ 0 at line 1 column 173"]),
        (run_spec(Q, X, "[]", ""), &["runs: must hold 1 to 16 runs, got 0"]),
        (run_spec(Q, X, &seventeen, ""), &["runs: must hold 1 to 16 runs, got 17"]),
        (
            run_spec(
                Q,
                X,
                &format!(r#"[{{"label": "{}", "optimizer": {{"kind": "sgd"}}}}]"#, "<img src=x onerror=alert(1)>".repeat(5)),
                "",
            ),
            &["runs[0].label: must be at most 120 characters, got 140"],
        ),
        (run_spec(Q, "[1, 2, 3]", SGD, ""), &["x0: must be a list of 2 numbers for problem quadratic, got a list of 3 numbers"]),
        (run_spec(Q, "[[1, 2], [3]]", SGD, ""), &["x0: must be a list of 2 numbers for problem quadratic, got rows of different lengths (row 0 has 2, row 1 has 1)"]),
        (run_spec(Q, r#"["1", 2]"#, SGD, ""), &["x0: must be a list of numbers, or a list of rows of numbers for a matrix problem at line 1 column 85"]),
        (run_spec(Q, "[1e999, 2]", SGD, ""), &["x0[0]: not valid JSON: number out of range at line 1 column 83 (a number may be at most about 1.8e308 in size)"]),
        (run_spec(r#"{"kind": "quadratic", "a": [[2, 1], [0, 1]], "b": [0, 0]}"#, X, SGD, ""), &["problem.a: must be symmetric, but a[1][0] = 0 and a[0][1] = 1"]),
        (run_spec(r#"{"kind": "quadratic", "a": [[1, 0], [0, -1]], "b": [0, 0]}"#, X, SGD, ""), &["problem.a: must be positive definite (all eigenvalues > 0)"]),
        (run_spec(r#"{"kind": "conditioned_quadratic", "kappa": 0}"#, X, SGD, ""), &["problem.kappa: must be in [1, 1000000], got 0"]),
        (run_spec(r#"{"kind": "rosenbrock", "a": 1e9}"#, X, SGD, ""), &["problem.a: must be in [-1000, 1000], got 1000000000"]),
        (run_spec(r#"{"kind": "<img src=x onerror=alert(1)>"}"#, X, SGD, ""), &["problem.kind: unknown variant `<img src=x onerror=alert(1)>`, expected one of `quadratic`, `conditioned_quadratic`, `rosenbrock`, `saddle`, `plateau`, `flat_sharp`, `matrix_least_squares`, `random_matrix_least_squares`, `finite_sum` at line 1 column 51"]),
        (run_spec(r#"{"kind": "finite_sum", "samples": 10, "dim": 2, "batch": 20}"#, X, SGD, ""), &["problem.batch: must be in [1, samples = 10], got 20"]),
        (with_opt(r#"{"kind": "adamax", "lr": 0.1}"#), &["runs[0].optimizer.kind: unknown variant `adamax`, expected one of `sgd`, `adagrad`, `rmsprop`, `adam`, `adamw`, `lookahead`, `sam`, `muon`, `lion`, `newton` at line 1 column 125"]),
        (with_opt(r#"{"lr": 0.1}"#), &["runs[0].optimizer: missing field `kind` at line 1 column 119"]),
        (with_opt(r#"{"kind": "sgd", "lr": "fast"}"#), &["runs[0].optimizer.lr: invalid type: string \"fast\", expected a number at line 1 column 136"]),
        (with_opt(r#"{"kind": "sgd", "lr": -1}"#), &["runs[0].optimizer.lr: must be in [0, 1000000], got -1"]),
        (with_opt(r#"{"kind": "sgd", "lr": 1e999}"#), &["runs[0].optimizer.lr: not valid JSON: number out of range at line 1 column 135 (a number may be at most about 1.8e308 in size)"]),
        (with_opt(r#"{"kind": "sgd", "lr": null}"#), &["runs[0].optimizer.lr: invalid type: null, expected a number at line 1 column 134"]),
        (with_opt(r#"{"kind": "sgd", "lr": 0.1, "nesterov": true}"#), &["runs[0].optimizer.nesterov: Nesterov momentum needs momentum > 0 and dampening = 0"]),
        (with_opt(r#"{"kind": "adam", "beta1": 1}"#), &["runs[0].optimizer.beta1: must be in [0, 1), got 1"]),
        (with_opt(r#"{"kind": "adam", "betas": [0.9, 0.99]}"#), &["runs[0].optimizer.betas: unknown field `betas`, expected one of `lr`, `beta1`, `beta2`, `eps`, `weight_decay`, `amsgrad`, `bias_correction` at line 1 column 132"]),
        (with_opt(r#"{"kind": "sam", "rho": 0.05, "p": 1, "inner": {"kind": "sgd"}}"#), &["runs[0].optimizer.p: must be > 1 or \"inf\", got 1"]),
        (with_opt(&nested), &["runs[0].optimizer.inner.inner.inner.inner.inner: optimizers may be nested at most 4 deep"]),
        (with_opt(r#"{"kind": "muon", "ns_steps": 100}"#), &["runs[0].optimizer.ns_steps: must be in [0, 50], got 100"]),
        (with_opt(r#"{"kind": "__proto__", "lr": 0.1}"#), &["runs[0].optimizer.kind: unknown variant `__proto__`, expected one of `sgd`, `adagrad`, `rmsprop`, `adam`, `adamw`, `lookahead`, `sam`, `muon`, `lion`, `newton` at line 1 column 128"]),
        (run_spec(Q, X, r#"[{"optimizer": {"kind": "sgd"}, "schedule": {"kind": "cosine", "t_max": 0}}]"#, ""), &["runs[0].schedule.t_max: must be in [1, 1000000], got 0"]),
        (
            run_spec(
                Q,
                X,
                r#"[{"optimizer": {"kind": "sgd"}, "schedule": {"kind": "sequential", "schedulers": [{"kind": "constant"}, {"kind": "constant"}], "milestones": [5, 3]}}]"#,
                "",
            ),
            &["runs[0].schedule.milestones: must have one entry fewer than schedulers (2 schedulers, 2 milestones)"],
        ),
        (
            run_spec(
                r#"{"kind": "conditioned_quadratic", "kappa": -1}"#,
                X,
                r#"[{"optimizer": {"kind": "adam", "lr": -1, "eps": 2}}, {"optimizer": {"kind": "sgd", "momentum": 1.5}, "schedule": {"kind": "step", "step_size": 0, "gamma": 1}}]"#,
                r#", "steps": 100001"#,
            ),
            &["problem.kappa: must be in [1, 1000000], got -1", "runs[0].optimizer.lr: must be in [0, 1000000], got -1", "runs[0].optimizer.eps: must be in [0, 1], got 2", "runs[1].optimizer.momentum: must be in [0, 1], got 1.5", "runs[1].schedule.step_size: must be in [1, 1000000], got 0", "steps: must be in [0, 100000], got 100001"],
        ),
    ];
    let rows: Vec<_> = rows.into_iter().map(|(t, w)| (t.chars().take(300).collect::<String>(), run_lines(&t), w)).collect();
    check_table("run", &rows);
}

#[test]
fn hostile_training_specs_get_their_exact_messages() {
    let rows: Vec<(&str, &[&str])> = vec![
        (r#"{"model": {"hidden": [8, 8, 8, 8, 8, 8, 8, 8, 8]}}"#, &["model.hidden: at most 4 hidden layers, got 9"]),
        (r#"{"model": {"hidden": [8, 1000]}}"#, &["model.hidden[1]: must be in [1, 64], got 1000"]),
        // a field of the wrong type no longer hides the range problems of the others
        (
            r#"{"batch_size": 0, "steps": -1}"#,
            &[
                "steps: invalid value: integer `-1`, expected a whole number ≥ 0 at line 1 column 29",
                "batch_size: must be in [1, 10000], got 0",
            ],
        ),
        (r#"{"data": {"kind": "csv"}}"#, &["data.csv: is required when kind is \"csv\""]),
        (
            r#"{"data": {"kind": "moons", "csv": "1,2,0"}}"#,
            &["data.csv: is only read when kind is \"csv\"; remove it or set kind to \"csv\""],
        ),
        (r#"{"data": {"kind": "spirals", "classes": 40}}"#, &["data.classes: must be in [2, 8], got 40"]),
        (
            r#"{"optimizer": {"kind": "muon", "lr": -0.1}, "adamw": {"lr": -2}}"#,
            &["optimizer.lr: must be in [0, 1000000], got -0.1", "adamw.lr: must be in [0, 1000000], got -2"],
        ),
        (r#"{"init_params": [1e300]}"#, &["init_params[0]: must be a finite number with |v| ≤ 1e6, got 1e300"]),
        (r#"{"data": {"noise": "lots"}}"#, &["data.noise: invalid type: string \"lots\", expected a number at line 1 column 25"]),
        (r#"[{"steps": 10}, {"steps": 10, "eval_every": 0, "label": "b"}]"#, &["[1].eval_every: must be in [1, 1000000], got 0"]),
    ];
    let rows: Vec<_> = rows.into_iter().map(|(t, w)| (t.to_string(), train_lines(t), w)).collect();
    check_table("train", &rows);
}

/// The messages the page shows for the values `raw` of `chapter`'s controls (a link's query, or the data box's
/// text), and the state it keeps.
fn page_read(chapter_id: &str, raw: &[(&str, &str)]) -> (BTreeMap<String, String>, Vec<String>) {
    let c = chapter(chapter_id).expect("chapter");
    let raw: BTreeMap<String, String> = raw.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (st, msgs) = normalize(&c.controls(), &raw);
    (st.values, msgs.into_iter().map(|m| format!("{}: {}", m.level, m.text)).collect())
}

/// The values of a select control, comma-separated, as its messages list them.
fn options(chapter_id: &str, name: &str) -> String {
    let c = chapter(chapter_id).expect("chapter").controls().into_iter().find(|c| c.name == name).expect("control");
    match c.kind {
        ControlKind::Select { options, .. } => options.iter().map(|(v, _)| *v).collect::<Vec<_>>().join(", "),
        _ => panic!("{name} is not a select"),
    }
}

#[test]
fn hostile_csv_text_in_the_data_box_gets_its_exact_message() {
    let many = (0..1001).map(|i| format!("{},{},{}", i % 7, i % 5, i % 2)).collect::<Vec<_>>().join("\n");
    let wide = format!("{},0\n{},1", vec!["0.5"; 785].join(","), vec!["0.5"; 785].join(","));
    let rows: Vec<(String, &[&str])> = vec![
        ("1,2,0\n3,4".into(), &["warn: your data: x1,…,xd,label rows: line 2: expected 3 fields x1,x2,label, found 2 (not used)"]),
        (
            "x1,x2,label\n1,zwei,0\n2,3,1".into(),
            &["warn: your data: x1,…,xd,label rows: line 2: x2 must be a number, got \"zwei\" (not used)"],
        ),
        (
            "1,2,9\n2,3,0".into(),
            &["warn: your data: x1,…,xd,label rows: line 1: label must be an integer from 0 to 6 (one per class), got \"9\" (not used)"],
        ),
        (
            "1e7,0,0\n1,1,1".into(),
            &["warn: your data: x1,…,xd,label rows: line 1: x1 must be a finite number with |x1| ≤ 1e6, got \"1e7\" (not used)"],
        ),
        (
            "NaN,0,0\n1,1,1".into(),
            &["warn: your data: x1,…,xd,label rows: line 1: x1 must be a finite number with |x1| ≤ 1e6, got \"NaN\" (not used)"],
        ),
        (
            "1,2,0\n3,4,0".into(),
            &["warn: your data: x1,…,xd,label rows: all rows have the same label; at least two classes are needed (not used)"],
        ),
        (many, &["warn: your data: x1,…,xd,label rows: line 1001: more than 1000 data rows (not used)"]),
        (wide, &["warn: your data: x1,…,xd,label rows: line 1: at most 784 feature columns and a label, found 786 fields (not used)"]),
        (
            "=cmd|' /C calc'!A0,1,0\n1,1,1".into(),
            &["warn: your data: x1,…,xd,label rows: line 1: x1 must be a number, got \"=cmd|' /C calc'!A0\" (not used)"],
        ),
        (
            "<img src=x onerror=alert(1)>,1,0\n1,1,1".into(),
            &["warn: your data: x1,…,xd,label rows: line 1: x1 must be a number, got \"<img src=x onerror=alert(1)>\" (not used)"],
        ),
        (
            "1,2,-1\n1,1,1".into(),
            &["warn: your data: x1,…,xd,label rows: line 1: label must be an integer from 0 to 6 (one per class), got \"-1\" (not used)"],
        ),
        (
            "1;2;0\n1;1;1".into(),
            &["warn: your data: x1,…,xd,label rows: line 1: expected at least 2 fields x1,…,xd,label, found 1 (not used)"],
        ),
    ];
    let rows: Vec<_> = rows
        .into_iter()
        .map(|(t, w)| {
            let (st, msgs) = page_read("training", &[("csv", &t)]);
            // the box's text is refused as a whole: the state keeps the control's default (the last valid text)
            assert_eq!(st["csv"], page_read("training", &[]).0["csv"], "{t:?}");
            (t.chars().take(120).collect::<String>(), msgs, w)
        })
        .collect();
    check_table("csv", &rows);
}

#[test]
fn hostile_link_values_get_their_exact_message_and_keep_every_other_value() {
    let nines = "9".repeat(5000);
    // a select's message lists the control's own options, in its order (the optimizer registry's)
    let opts = options("training", "optimizer");
    let opt_constructor = format!("warn: optimizer (run A): “constructor” is not one of {opts}; using the default adam");
    let opt_script = format!("warn: optimizer (run A): “<script>alert(1)</script>” is not one of {opts}; using the default adam");
    let (opt_constructor_str, opt_script_str) = (opt_constructor.as_str(), opt_script.as_str());
    let rows: Vec<(&str, &str, &str, &[&str])> = vec![
        ("momentum", "lr", "abc", &["warn: learning rate η: “abc” is not a number in [0.001, 10]; using the default 1"]),
        ("momentum", "lr", "1e999", &["warn: learning rate η: “1e999” is not a finite number in [0.001, 10]; using the default 1"]),
        ("momentum", "lr", "-1", &["warn: learning rate η: -1 is outside [0.001, 10]; using 0.001"]),
        ("momentum", "lr", "NaN", &["warn: learning rate η: “NaN” is not a number in [0.001, 10]; using the default 1"]),
        ("momentum", "lr", "0x10", &["warn: learning rate η: “0x10” is not a number in [0.001, 10]; using the default 1"]),
        ("momentum", "lr", &nines, &["warn: learning rate η: “9999999999999999999999999999999999999999…” is not a finite number in [0.001, 10]; using the default 1"]),
        ("momentum", "steps", "1e12", &["warn: steps T: 1e12 is outside [1, 1000]; using 1000"]),
        ("momentum", "steps", "2.5", &["warn: steps T: 2.5 is not a whole number in [1, 1000]; using 3"]),
        ("momentum", "nesterov", "maybe", &["warn: Nesterov momentum: “maybe” is not true or false; using the default false"]),
        ("momentum", "x0", "1,<script>", &["warn: start x₀ (click the map): “1,<script>” is not two finite numbers “x,y” in [-5, 5]; using the default -1.5,1"]),
        ("momentum", "x0", "1e999,0", &["warn: start x₀ (click the map): “1e999,0” is not two finite numbers “x,y” in [-5, 5]; using the default -1.5,1"]),
        ("race", "problem", "<img src=x onerror=alert(1)>", &["warn: landscape: “<img src=x onerror=alert(1)>” is not one of conditioned_quadratic, rosenbrock, saddle, plateau, flat_sharp; using the default conditioned_quadratic"]),
        ("training", "optimizer", "constructor", std::slice::from_ref(&opt_constructor_str)),
        ("training", "layers", "99", &["warn: hidden layers: 99 is outside [1, 4]; using 4"]),
        ("training", "optimizer", "<script>alert(1)</script>", std::slice::from_ref(&opt_script_str)),
    ];
    let rows: Vec<_> = rows
        .into_iter()
        .map(|(ch, key, v, w)| {
            let (defaults, _) = page_read(ch, &[]);
            // one good value beside the bad one: it must survive
            let (good_key, good) = if key == "steps" { ("angle", "12") } else { ("steps", "77") };
            let good_key = if ch == "training" { "steps" } else { good_key };
            let good = if ch == "training" { "123" } else { good };
            let (st, msgs) = page_read(ch, &[(key, v), (good_key, good)]);
            assert_eq!(st[good_key], good, "{ch} {key}={v}: the other value is kept");
            for (k, d) in &defaults {
                if k != key && k != good_key {
                    assert_eq!(&st[k], d, "{ch} {key}={v}: {k} untouched");
                }
            }
            (format!("{ch} {key}={}", v.chars().take(60).collect::<String>()), msgs, w)
        })
        .collect();
    check_table("link", &rows);
}
