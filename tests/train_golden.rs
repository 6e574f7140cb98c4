//! Golden trainings against PyTorch (issue 11 §1).
//!
//! Every file in `tests/golden/train_fixtures/` was written by `tests/golden/gen_train_fixtures.py`: small MLP
//! trainings run by PyTorch in float64 (`nn.Sequential`, `nn.CrossEntropyLoss` or the halved squared loss,
//! `DataLoader(shuffle=False)`, `torch.optim` and the float64 re-implementations of Lion, Muon, SAM and
//! Lookahead of `gen_fixtures.py`, Newton with torch's autograd Hessian; each file's `provenance` says how).
//! A run holds an optlab train spec (with `init_params` and `data.shuffle = false`) and what PyTorch
//! recorded. Here the spec goes through `parse_specs` and `run_specs` exactly as `optlab train` does, and
//! every recorded number of the history (step, epoch, samples, lr, batch_loss, train_loss,
//! train_accuracy, test_loss, test_accuracy) and the parameter vectors saved along the way must agree to
//! `|a − b| ≤ 1e-9·max(1, |b|)` (counts exactly, nulls where PyTorch has none).
//!
//! Regenerate with `/work/venv/bin/python tests/golden/gen_train_fixtures.py` (needs torch; CI only reads
//! the fixtures).

use optlab::train::report::{parse_specs, run_specs, TrainTrace};
use optlab::train::Trainer;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Relative tolerance (absolute below magnitude 1).
const TOL: f64 = 1e-9;

/// What the generator wrote (its output line says so): 13 files, 75 runs. The test refuses fewer.
const FIXTURE_FILES: usize = 13;
const FIXTURE_RUNS: usize = 75;
/// Steps of every run (the contract asks for at least 50).
const MIN_STEPS: usize = 50;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/train_fixtures")
}

fn fixture_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/golden/train_fixtures exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Values compared and the largest `|a − b| / max(1, |b|)`, with where it was.
#[derive(Debug, Default, Clone)]
struct Stats {
    values: usize,
    worst: f64,
    worst_at: String,
}

impl Stats {
    fn merge(&mut self, o: Stats) {
        self.values += o.values;
        if o.worst > self.worst || self.worst_at.is_empty() {
            self.worst = o.worst.max(self.worst);
            if o.worst >= self.worst {
                self.worst_at = o.worst_at;
            }
        }
    }
    fn number(&mut self, what: &str, got: f64, want: &Value) -> Result<(), String> {
        let b = want.as_f64().ok_or_else(|| format!("{what}: the fixture holds {want}, not a number"))?;
        let err = (got - b).abs() / b.abs().max(1.0);
        if err.is_nan() || err > TOL {
            return Err(format!("{what}: got {got:e}, want {b:e} (|a − b| = {:e}, relative {err:e})", (got - b).abs()));
        }
        self.values += 1;
        if err > self.worst || self.worst_at.is_empty() {
            self.worst = err;
            self.worst_at = what.to_string();
        }
        Ok(())
    }
    fn option(&mut self, what: &str, got: Option<f64>, want: &Value) -> Result<(), String> {
        match (got, want.is_null()) {
            (None, true) => Ok(()),
            (Some(a), false) => self.number(what, a, want),
            (None, false) => Err(format!("{what}: optlab has none, the fixture has {want}")),
            (Some(a), true) => Err(format!("{what}: optlab has {a:e}, the fixture has null")),
        }
    }
    fn count(&mut self, what: &str, got: usize, want: &Value) -> Result<(), String> {
        if want.as_u64() != Some(got as u64) {
            return Err(format!("{what}: got {got}, want {want}"));
        }
        self.values += 1;
        Ok(())
    }
}

fn compare_history(got: &TrainTrace, want: &[Value]) -> Result<Stats, String> {
    if let Some(d) = &got.diverged {
        return Err(format!("the run stopped at step {}: {}", d.step, d.reason));
    }
    if got.history.len() != want.len() {
        return Err(format!("history: {} records but the fixture has {}", got.history.len(), want.len()));
    }
    let mut s = Stats::default();
    for (t, (m, w)) in got.history.iter().zip(want).enumerate() {
        let at = |f: &str| format!("history[{t}].{f}");
        s.count(&at("step"), m.step, &w["step"])?;
        s.count(&at("epoch"), m.epoch, &w["epoch"])?;
        s.count(&at("samples"), m.samples, &w["samples"])?;
        s.option(&at("lr"), m.lr, &w["lr"])?;
        s.option(&at("batch_loss"), m.batch_loss, &w["batch_loss"])?;
        s.number(&at("train_loss"), m.train_loss, &w["train_loss"])?;
        s.number(&at("train_accuracy"), m.train_accuracy, &w["train_accuracy"])?;
        s.option(&at("test_loss"), m.test_loss, &w["test_loss"])?;
        s.option(&at("test_accuracy"), m.test_accuracy, &w["test_accuracy"])?;
    }
    Ok(s)
}

/// Runs one fixture run through the command line's path and compares its history, then steps a
/// [`Trainer`] of the same spec to every saved step and compares the parameters.
fn check_run(run: &Value) -> Result<Stats, String> {
    let text = serde_json::to_string(&run["spec"]).map_err(|e| e.to_string())?;
    let specs = parse_specs(&text).map_err(|e| format!("spec rejected: {e}"))?;
    let report = run_specs(&specs).map_err(|e| format!("run failed: {e}"))?;
    let want = run["expected"]["history"].as_array().ok_or("the run has no expected.history")?;
    let mut stats = compare_history(&report.runs[0], want)?;
    let saved = run["expected"]["params"].as_object().ok_or("the run has no expected.params")?;
    if saved.is_empty() {
        return Err("the run saves no parameters".into());
    }
    let mut steps: Vec<(usize, &Value)> = saved.iter().map(|(k, v)| (k.parse().expect("a step number"), v)).collect();
    steps.sort_by_key(|s| s.0);
    let mut t = Trainer::new(&specs[0]).map_err(|e| e.to_string())?;
    for (step, w) in steps {
        t.step_n(step - t.step());
        let w = w.as_array().ok_or("saved params are not a list")?;
        if w.len() != t.params().len() {
            return Err(format!("params after {step} steps: {} numbers, the fixture has {}", t.params().len(), w.len()));
        }
        for (i, (a, b)) in t.params().iter().zip(w).enumerate() {
            stats.number(&format!("params after {step} steps [{i}]"), *a, b)?;
        }
        // batch normalisation's running means and variances (PyTorch's buffers), when the fixture has them
        if let Some(r) = run["expected"]["running"].get(step.to_string()) {
            let r = r.as_array().ok_or("saved running statistics are not a list")?;
            let got = t.mlp().running_stats();
            if r.len() != got.len() {
                return Err(format!("running statistics after {step} steps: {} numbers, the fixture has {}", got.len(), r.len()));
            }
            for (i, (a, b)) in got.iter().zip(r).enumerate() {
                stats.number(&format!("running statistics after {step} steps [{i}]"), *a, b)?;
            }
        }
    }
    if run["spec"]["model"]["batch_norm"] == true && run["expected"]["running"].as_object().is_none_or(|r| r.is_empty()) {
        return Err("a run with batch normalisation saves no running statistics".into());
    }
    Ok(stats)
}

/// Every run of one file; errors name the run.
fn check_file(f: &Value) -> Result<(usize, Stats), String> {
    let runs = f["runs"].as_array().ok_or("no runs")?;
    let mut stats = Stats::default();
    for r in runs {
        let name = r["name"].as_str().unwrap_or("?");
        let s = check_run(r).map_err(|e| format!("run {name:?}: {e}"))?;
        stats.merge(Stats { worst_at: format!("{name}: {}", s.worst_at), ..s });
    }
    Ok((runs.len(), stats))
}

#[test]
fn every_training_matches_pytorch() {
    let (mut files, mut runs, mut total) = (0, 0, Stats::default());
    let mut failures = Vec::new();
    for path in fixture_paths() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let f = load(&path);
        assert!(f["provenance"].as_str().is_some_and(|p| p.contains("torch")), "{name}: no provenance");
        match check_file(&f) {
            Ok((n, s)) => {
                eprintln!("  {name}: {n} runs, {} values, worst relative error {:e}", s.values, s.worst);
                files += 1;
                runs += n;
                total.merge(Stats { worst_at: format!("{name}/{}", s.worst_at), ..s });
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} file(s) disagree with PyTorch:\n{}", failures.len(), failures.join("\n"));
    eprintln!(
        "train golden: {files} files, {runs} runs, {} values, worst relative error {:e} at {}",
        total.values, total.worst, total.worst_at
    );
    assert!(files >= FIXTURE_FILES, "only {files} fixture files checked (the generator wrote {FIXTURE_FILES})");
    assert!(runs >= FIXTURE_RUNS, "only {runs} runs checked (the generator wrote {FIXTURE_RUNS})");
    assert!(total.values >= FIXTURE_RUNS * MIN_STEPS * 9, "only {} values compared", total.values);
}

/// Every kind of the registry, every activation, both losses and both batch modes appear, every kind
/// with both losses and every activation, four schedules, and every run is long enough.
#[test]
fn fixtures_cover_every_kind_activation_loss_and_batch_mode() {
    fn kinds(v: &Value, out: &mut Vec<String>) {
        if let Some(k) = v["kind"].as_str() {
            out.push(k.to_string());
        }
        if let Some(inner) = v.get("inner") {
            kinds(inner, out);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for path in fixture_paths() {
        for r in load(&path)["runs"].as_array().into_iter().flatten() {
            let s = &r["spec"];
            assert!(s["steps"].as_u64().unwrap() as usize >= MIN_STEPS, "{}: too short", r["name"]);
            let n_train = r["expected"]["history"][1]["samples"].as_u64().unwrap(); // = the first batch
            let full = s["batch_size"].as_u64() == Some(n_train) && r["expected"]["history"][1]["epoch"].as_u64() == Some(1);
            let (act, loss) = (s["model"]["activation"].as_str().unwrap(), s["model"]["loss"].as_str().unwrap());
            let mut ks = Vec::new();
            kinds(&s["optimizer"], &mut ks);
            let dropout = s["model"]["dropout"].as_f64().is_some_and(|p| p > 0.0);
            let features = [("dropout", dropout), ("batch_norm", s["model"]["batch_norm"] == true)];
            let features: Vec<&str> = features.iter().filter(|f| f.1).map(|f| f.0).collect();
            for k in ks {
                for &f in &features {
                    seen.insert((f, format!("kind {k}")));
                }
                seen.insert(("kind+loss", format!("{k} {loss}")));
                seen.insert(("kind+act", format!("{k} {act}")));
            }
            if let Some(k) = s["schedule"]["kind"].as_str() {
                seen.insert(("schedule", k.to_string()));
            }
            for f in features {
                seen.extend([(f, format!("{act} {loss}")), (f, format!("mode {}", if full { "full" } else { "mini" }))]);
            }
            seen.insert(("act", act.to_string()));
            seen.insert(("loss", loss.to_string()));
            seen.insert(("mode", if full { "full" } else { "mini" }.to_string()));
        }
    }
    for k in optlab::optim::KINDS.iter().map(|k| k.kind) {
        for loss in ["cross_entropy", "squared"] {
            assert!(seen.contains(&("kind+loss", format!("{k} {loss}"))), "no golden training runs {k} with {loss}");
        }
        for act in ["tanh", "relu", "gelu"] {
            assert!(seen.contains(&("kind+act", format!("{k} {act}"))), "no golden training runs {k} with {act}");
        }
    }
    // the schedules scale each param group from its own base lr (Muon's AdamW group too)
    for k in ["cosine", "step", "linear", "exponential"] {
        assert!(seen.contains(&("schedule", k.to_string())), "no golden training uses schedule {k}");
    }
    for mode in ["full", "mini"] {
        assert!(seen.contains(&("mode", mode.to_string())), "no {mode}-batch golden training");
    }
    // dropout and batch normalisation: each with every activation, both losses, both batch modes, and SAM (whose
    // two gradients a step share one mask, and move the running statistics once)
    for f in ["dropout", "batch_norm"] {
        let has = |prefix: &str, suffix: &str| seen.iter().any(|(k, v)| *k == f && v.starts_with(prefix) && v.ends_with(suffix));
        for act in ["tanh", "relu", "gelu"] {
            assert!(has(act, ""), "no golden training with {f} and {act}");
        }
        for loss in ["cross_entropy", "squared"] {
            assert!(has("", loss), "no golden training with {f} and {loss}");
        }
        for mode in ["full", "mini"] {
            assert!(has(&format!("mode {mode}"), ""), "no {mode}-batch golden training with {f}");
        }
        for k in ["sam", "sgd", "adam", "lookahead", "muon"] {
            assert!(has(&format!("kind {k}"), ""), "no golden training with {f} under {k}");
        }
    }
}

/// The dropout masks' stream is the one the generator re-implemented: `dropout_rng(0)`'s first words are the
/// fixture's (so a mismatch in a dropout run is the network's, not the random numbers').
#[test]
fn dropout_masks_come_from_the_stream_the_generator_reimplemented() {
    use rand::RngCore;
    let f = load(&fixtures_dir().join("dropout.json"));
    let want: Vec<u64> = f["dropout_words"].as_array().expect("dropout_words").iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(want.len(), 80);
    let mut rng = optlab::train::trainer::dropout_rng(0);
    let got: Vec<u64> = (0..want.len()).map(|_| u64::from(rng.next_u32())).collect();
    assert_eq!(got, want);
}

/// The comparison can fail: moving one expected value of a real run by 1e-9 of its scale (away from what
/// optlab computes, see [`moved_away`]) in each kind of field is reported with its place; the unperturbed
/// run passes.
#[test]
fn a_1e_9_perturbation_fails() {
    let f = load(&fixtures_dir().join("adam.json"));
    let run = f["runs"][1].clone(); // mini-batch, with a test split
    check_run(&run).expect("the unperturbed run matches");
    // what optlab computes, to push the fixture away from it
    let specs = parse_specs(&serde_json::to_string(&run["spec"]).unwrap()).unwrap();
    let got = run_specs(&specs).unwrap().runs.remove(0);
    let mut t = Trainer::new(&specs[0]).unwrap();
    t.step_n(20);
    let p20 = t.params().to_vec();
    let cases = [
        ("/expected/history/17/train_loss", got.history[17].train_loss, "history[17].train_loss"),
        ("/expected/history/33/batch_loss", got.history[33].batch_loss.unwrap(), "history[33].batch_loss"),
        ("/expected/history/5/test_loss", got.history[5].test_loss.unwrap(), "history[5].test_loss"),
        ("/expected/history/60/train_accuracy", got.history[60].train_accuracy, "history[60].train_accuracy"),
        ("/expected/history/59/test_accuracy", got.history[59].test_accuracy.unwrap(), "history[59].test_accuracy"),
        ("/expected/history/9/lr", got.history[9].lr.unwrap(), "history[9].lr"),
        ("/expected/params/20/11", p20[11], "params after 20 steps [11]"),
    ];
    for (pointer, computed, place) in cases {
        let mut r = run.clone();
        let v = r.pointer_mut(pointer).unwrap();
        let x = v.as_f64().unwrap();
        *v = Value::from(moved_away(x, computed));
        let e = check_run(&r).expect_err("a perturbed fixture must not match");
        assert!(e.contains(place), "{place}: {e}");
    }
    // a count, a null and the length are checked too
    let mut r = run.clone();
    r["expected"]["history"][4]["epoch"] = Value::from(2);
    assert!(check_run(&r).unwrap_err().contains("history[4].epoch"));
    let mut r = run.clone();
    r["expected"]["history"][0]["batch_loss"] = Value::from(1.0);
    assert!(check_run(&r).unwrap_err().contains("history[0].batch_loss"));
    let mut r = run.clone();
    r["expected"]["history"].as_array_mut().unwrap().pop();
    assert!(check_run(&r).unwrap_err().contains("records"));
    // and a changed spec (not the expectation)
    let mut r = run.clone();
    r["spec"]["init_params"][3] = Value::from(r["spec"]["init_params"][3].as_f64().unwrap() + 1e-6);
    assert!(check_run(&r).is_err());
}

/// `x` moved by 1e-9 of its scale `max(1, |x|)` away from `computed`; where rounding leaves the moved value
/// a hair inside the tolerance (when `x` equals `computed`, e.g. an accuracy), by the few ulps more that
/// put it at 1e-9.
fn moved_away(x: f64, computed: f64) -> f64 {
    let (scale, up) = (x.abs().max(1.0), x >= computed);
    let mut y = if up { x + 1e-9 * scale } else { x - 1e-9 * scale };
    while (y - computed).abs() / scale <= TOL {
        y = if up { y.next_up() } else { y.next_down() };
    }
    assert!(((y - x).abs() / scale - 1e-9).abs() < 1e-15, "a 1e-9 perturbation");
    y
}

/// The command line prints the very numbers the library path computed (one run per file).
#[test]
fn optlab_train_prints_the_same_history() {
    let dir = std::env::temp_dir().join(format!("optlab-train-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for path in fixture_paths() {
        let f = load(&path);
        let run = &f["runs"][0];
        let spec_path = dir.join("spec.json");
        std::fs::write(&spec_path, serde_json::to_string(&run["spec"]).unwrap()).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_optlab")).arg("train").arg(&spec_path).output().unwrap();
        assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
        let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
        let specs = parse_specs(&serde_json::to_string(&run["spec"]).unwrap()).unwrap();
        let lib = serde_json::to_value(run_specs(&specs).unwrap()).unwrap();
        assert_eq!(printed, lib, "{}", path.display());
        let history: Vec<Value> = printed["runs"][0]["history"].as_array().unwrap().clone();
        let trace: TrainTrace =
            TrainTrace { label: String::new(), history: run_specs(&specs).unwrap().runs.remove(0).history, diverged: None };
        assert_eq!(history.len(), trace.history.len());
        compare_history(&trace, run["expected"]["history"].as_array().unwrap()).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
