//! The contract that lets a training be reproduced in PyTorch (issue 11 §1): d-dimensional CSV data,
//! `init_params` in PyTorch's order, `data.shuffle = false` (file order, batch k = rows [kB, (k+1)B)), and
//! what `history[t].train_loss` and `history[t].batch_loss` are. The numbers themselves are pinned to
//! PyTorch by tests/train_golden.rs.

use optlab::train::csv::{self, MAX_FEATURES};
use optlab::train::report::{parse_specs, run_specs};
use optlab::train::trainer::evaluate;
use optlab::train::{TrainSpec, Trainer};

fn spec(json: &str) -> TrainSpec {
    TrainSpec::from_json(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// 11 rows of 3 features, 3 classes, in a fixed order.
fn csv3() -> String {
    let mut s = String::from("x1,x2,x3,label\n");
    for i in 0..11 {
        let v = i as f64;
        s += &format!("{},{},{},{}\n", 0.1 * v - 0.5, (0.7 * v).sin(), 1.0 - 0.05 * v * v, i % 3);
    }
    s
}

fn csv_spec(extra: &str) -> String {
    let text = serde_json::to_string(&csv3()).unwrap();
    format!(
        r#"{{"data": {{"kind": "csv", "csv": {text}, "noise": 0, "train_fraction": 1, "shuffle": false}},
            "model": {{"hidden": [4, 3], "activation": "tanh"}}, "optimizer": {{"kind": "sgd", "lr": 0.1}},
            "batch_size": 4, "steps": 7, "eval_every": 1{extra}}}"#
    )
}

#[test]
fn csv_rows_may_have_any_number_of_features() {
    let pts = csv::parse("a,b,c,label\n1,2,3,0\n# note\n 4 , 5 , 6 , 1 \n").unwrap();
    assert_eq!(pts.x, vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]]);
    assert_eq!((pts.y.clone(), pts.dim()), (vec![0, 1], 3));
    let one = csv::parse("0.5,0\n-1,1\n").unwrap();
    assert_eq!(one.dim(), 1);
    let e = csv::parse("1,2,3,0\n4,5,1\n").unwrap_err();
    assert_eq!(e.to_string(), "line 2: expected 4 fields x1,x2,x3,label, found 3");
    assert!(csv::parse("1,2,3,0\n4,5,x,1\n").unwrap_err().to_string().starts_with("line 2: x3 must be a number"));
    let wide = |d: usize| (0..2).map(|y| format!("{}{y}\n", "0.5,".repeat(d))).collect::<String>();
    assert_eq!(csv::parse(&wide(MAX_FEATURES)).unwrap().dim(), MAX_FEATURES);
    assert!(csv::parse(&wide(MAX_FEATURES + 1)).unwrap_err().reason.contains("at most 784 feature columns"));
    // the app draws the plane: its reader stays 2-D, with the same message as before
    let e = csv::parse_with("1,2,3,0\n4,5,6,1\n", 100, 8).unwrap_err();
    assert_eq!(e.to_string(), "line 1: expected 3 fields x1,x2,label, found 4");
    assert!(csv::parse_with("1,2,0\n4,5,1\n", 100, 8).is_ok());
}

#[test]
fn without_shuffle_the_rows_are_used_in_file_order_and_batches_are_consecutive() {
    let mut t = Trainer::new(&spec(&csv_spec(""))).unwrap();
    let rows = csv::parse(&csv3()).unwrap();
    assert_eq!(t.data().train, rows, "train_fraction 1, noise 0: the CSV's rows exactly, in order");
    assert_eq!(t.mlp().layers()[0].fan_in, 3, "one input per feature column");
    // 11 rows, batches of 4: [0,4), [4,8), [8,11), then again from row 0, every epoch alike
    let expected: [&[usize]; 7] = [&[0, 1, 2, 3], &[4, 5, 6, 7], &[8, 9, 10], &[0, 1, 2, 3], &[4, 5, 6, 7], &[8, 9, 10], &[0, 1, 2, 3]];
    for (k, want) in expected.iter().enumerate() {
        t.step_n(1);
        assert_eq!(t.last_batch(), *want, "step {}", k + 1);
    }
    assert_eq!(t.epoch(), 2);
    // with a test split, the first round(f·n) rows train and the rest test, in order
    let s = csv_spec("").replace(r#""train_fraction": 1"#, r#""train_fraction": 0.7"#);
    let t = Trainer::new(&spec(&s)).unwrap();
    assert_eq!(t.data().train.x, rows.x[..8].to_vec());
    assert_eq!(t.data().test.x, rows.x[8..].to_vec());
    // the default still shuffles
    let t = Trainer::new(&spec(&csv_spec("").replace(r#", "shuffle": false"#, ""))).unwrap();
    assert_ne!(t.data().train, rows);
}

#[test]
fn init_params_are_the_initial_weights_in_pytorch_order_and_a_wrong_count_is_refused() {
    // 3-4-3-3: W1 4×3, b1 4, W2 3×4, b2 3, W3 3×3, b3 3 = 12+4 + 12+3 + 9+3 = 43
    let p: Vec<f64> = (0..43).map(|i| (i as f64 * 0.37).sin() * 0.5).collect();
    let t = Trainer::new(&spec(&csv_spec(&format!(r#", "init_params": {p:?}"#)))).unwrap();
    assert_eq!(t.params(), &p[..]);
    // the first layer's weight is row-major fan_out × fan_in (PyTorch's Linear.weight), then its bias
    assert_eq!(t.weight(0)[[1, 2]], p[5]);
    assert_eq!(&t.params()[t.mlp().layers()[0].bias_range()], &p[12..16]);
    let short = spec(&csv_spec(&format!(r#", "init_params": {:?}"#, &p[..42])));
    let e = Trainer::new(&short).err().unwrap();
    assert_eq!(
        e.to_string(),
        "init_params: expected 43 numbers (3-4-3-3 network, per layer fan_out×fan_in weights then fan_out biases: \
         4×3+4 + 3×4+3 + 3×3+3), got 42"
    );
    // through the command line: exit code 2 and the same line
    let dir = std::env::temp_dir().join(format!("optlab-train-contract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("short.json");
    std::fs::write(&path, csv_spec(&format!(r#", "init_params": {:?}"#, &p[..42]))).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_optlab")).arg("train").arg(&path).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), format!("error: {e}"));
    // not finite: named by index
    let e = TrainSpec::from_json(&csv_spec(r#", "init_params": [0, 1e400]"#)).err();
    assert!(e.is_some());
    let e = TrainSpec::from_json(&csv_spec(r#", "init_params": [0, 2e6]"#)).unwrap_err();
    assert_eq!(e.path, "init_params[1]");
}

#[test]
fn history_holds_the_full_training_loss_after_t_steps_and_the_loss_of_step_ts_batch() {
    // Replays plain SGD by hand with the same evaluate(): history[t].train_loss is the mean loss over all
    // training rows at the weights after t steps, history[t].batch_loss the loss of step t's batch at the
    // weights before step t (null at step 0).
    let p: Vec<f64> = (0..43).map(|i| (i as f64 * 0.61).cos() * 0.4).collect();
    let s = spec(&csv_spec(&format!(r#", "init_params": {p:?}"#)));
    let report = run_specs(std::slice::from_ref(&s)).unwrap();
    let h = &report.runs[0].history;
    assert_eq!(h.len(), 8);
    let t = Trainer::new(&s).unwrap();
    let (mlp, train) = (t.mlp().clone(), t.data().train.clone());
    let mut ws = mlp.workspace(64);
    let mut w = p.clone();
    let mut g = vec![0.0; w.len()];
    assert_eq!(h[0].batch_loss, None);
    for step in 0..=7 {
        let (full, acc) = evaluate(&mlp, &w, &mut ws, &train, None, None);
        assert_eq!((h[step].step, h[step].train_loss, h[step].train_accuracy), (step, full, acc), "step {step}");
        if step == 7 {
            break;
        }
        let batch: Vec<usize> = (4 * (step % 3)..(4 * (step % 3) + 4).min(11)).collect();
        let (loss, _) = evaluate(&mlp, &w, &mut ws, &train, Some(&batch), Some(&mut g));
        assert_eq!(h[step + 1].batch_loss, Some(loss), "step {}", step + 1);
        for (wi, gi) in w.iter_mut().zip(&g) {
            *wi -= 0.1 * gi;
        }
    }
}

#[test]
fn the_new_fields_keep_the_json_shape_and_old_specs_unchanged() {
    let s = spec(&csv_spec(r#", "init_params": [0.5, -0.25]"#));
    assert_eq!((s.shuffle(), s.init_params()), (false, Some(&[0.5, -0.25][..])));
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["data"]["shuffle"], serde_json::json!(false));
    assert_eq!(v["init_params"], serde_json::json!([0.5, -0.25]));
    assert!(v["model"].get("init_params").is_none() && v["model"].get("shuffle").is_none());
    assert_eq!(parse_specs(&v.to_string()).unwrap(), vec![s]);
    // a spec without them writes neither (links and saved specs read as before)
    let d = serde_json::to_value(TrainSpec::default()).unwrap();
    assert!(d.get("init_params").is_none() && d["data"].get("shuffle").is_none());
    assert!(TrainSpec::default().shuffle());
    // they are read where the contract puts them, not elsewhere
    let e = TrainSpec::from_json(r#"{"model": {"init_params": [1]}}"#).unwrap_err();
    assert!(e.path == "model.init_params" && e.message.contains("unknown field"), "{e}");
    let e = TrainSpec::from_json(r#"{"model": {"shuffle": false}}"#).unwrap_err();
    assert!(e.path == "model.shuffle" && e.message.contains("unknown field"), "{e}");
    assert!(TrainSpec::from_json(r#"{"data": {"shufle": false}}"#).unwrap_err().message.contains("unknown field"));
    // runs of a comparison must share them
    let a = spec(&csv_spec(""));
    let mut b = a.clone();
    b.model.shuffle = true;
    assert_eq!(optlab::train::compare(&[a.clone(), b]).err().unwrap().path, "[1].data.shuffle");
    let mut c = a.clone();
    c.model.init_params = Some(vec![0.0; 43]);
    assert_eq!(optlab::train::compare(&[a, c]).err().unwrap().path, "[1].init_params");
}

#[test]
fn a_784_feature_csv_trains_through_the_command_line_path() {
    // 12 rows of a 28×28 "image" each, 3 classes: the input layer has 784 units
    let mut text = String::new();
    for r in 0..12 {
        let row: Vec<String> = (0..784).map(|j| format!("{:.3}", (((r * 31 + j * 7) % 97) as f64) / 97.0)).collect();
        text += &format!("{},{}\n", row.join(","), r % 3);
    }
    let json = serde_json::json!({
        "data": {"kind": "csv", "csv": text, "noise": 0, "train_fraction": 1, "shuffle": false},
        "model": {"hidden": [6], "activation": "relu"}, "optimizer": {"kind": "adam", "lr": 0.01},
        "batch_size": 5, "steps": 6, "eval_every": 1
    });
    let specs = parse_specs(&json.to_string()).unwrap();
    let report = run_specs(&specs).unwrap();
    assert_eq!(report.runs[0].history.len(), 7);
    assert!(report.runs[0].history.iter().all(|m| m.train_loss.is_finite()));
    let t = Trainer::new(&specs[0]).unwrap();
    assert_eq!((t.mlp().layers()[0].fan_in, t.mlp().n_params()), (784, 784 * 6 + 6 + 6 * 3 + 3));
}
