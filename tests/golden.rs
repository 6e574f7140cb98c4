//! Golden trajectories against PyTorch.
//!
//! Every file in `tests/golden/fixtures/` was written by `tests/golden/gen_fixtures.py` (PyTorch in float64:
//! `torch.optim`, `torch.optim.lr_scheduler`, and float64 re-implementations of the Lookahead, SAM and Muon
//! reference code; each file's `provenance` says which). A fixture holds an optlab spec and the trajectory
//! PyTorch produced for each of its runs; here the spec goes through `Spec::from_json` and `run::run`
//! exactly as `optlab run` does, and loss, parameters, learning rates and gradient norms must agree
//! elementwise to `|a − b| ≤ 1e-9·max(1, |b|)`.
//!
//! Regenerate with `python3 tests/golden/gen_fixtures.py` (needs torch; CI only reads the fixtures).

use optlab::run::{run, Trace};
use optlab::spec::Spec;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Relative tolerance (absolute below magnitude 1).
const TOL: f64 = 1e-9;

/// The least the fixtures must contain, so that the test cannot pass on an empty directory.
const MIN_FIXTURES: usize = 30;
const MIN_RUNS: usize = 200;
const MIN_VALUES: usize = 40_000;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/fixtures")
}

/// What one comparison saw.
#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    values: usize,
    /// Largest `|a − b| / max(1, |b|)`.
    worst: f64,
}

impl Stats {
    fn merge(&mut self, o: Stats) {
        self.values += o.values;
        self.worst = self.worst.max(o.worst);
    }
}

/// Compares one series elementwise; the error names where it first disagrees.
fn compare_series(what: &str, got: &[f64], want: &[Value]) -> Result<Stats, String> {
    if got.len() != want.len() {
        return Err(format!("{what}: length {} but the fixture has {}", got.len(), want.len()));
    }
    let mut stats = Stats::default();
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        let b = b.as_f64().ok_or_else(|| format!("{what}[{i}]: the fixture holds {b}, not a number"))?;
        let err = (a - b).abs() / b.abs().max(1.0);
        if err.is_nan() || err > TOL {
            return Err(format!("{what}[{i}]: got {a:e}, want {b:e} (|a − b| = {:e}, relative {err:e})", (a - b).abs()));
        }
        stats.values += 1;
        stats.worst = stats.worst.max(err);
    }
    Ok(stats)
}

/// Compares one run's trace with its expected JSON (`{"label", "loss", "params", "lr", "grad_norm"}`).
fn compare_run(got: &Trace, want: &Value) -> Result<Stats, String> {
    if let Some(d) = &got.diverged {
        return Err(format!("the run stopped at step {}: {}", d.step, d.reason));
    }
    let field =
        |name: &str| -> Result<&Vec<Value>, String> { want[name].as_array().ok_or_else(|| format!("the fixture has no array `{name}`")) };
    let mut stats = Stats::default();
    stats.merge(compare_series("loss", &got.loss, field("loss")?)?);
    stats.merge(compare_series("lr", &got.lr, field("lr")?)?);
    stats.merge(compare_series("grad_norm", &got.grad_norm, field("grad_norm")?)?);
    let params = field("params")?;
    if got.params.len() != params.len() {
        return Err(format!("params: {} iterates but the fixture has {}", got.params.len(), params.len()));
    }
    for (t, (x, w)) in got.params.iter().zip(params).enumerate() {
        let w = w.as_array().ok_or_else(|| format!("params[{t}] is not an array"))?;
        stats.merge(compare_series(&format!("params[{t}]"), x, w)?);
    }
    Ok(stats)
}

/// Runs one fixture and compares every run; errors name the run by label.
fn check_fixture(fixture: &Value) -> Result<(usize, Stats), String> {
    let spec_text = serde_json::to_string(&fixture["spec"]).map_err(|e| e.to_string())?;
    let spec = Spec::from_json(&spec_text).map_err(|e| format!("spec rejected: {e}"))?;
    let report = run(&spec).map_err(|e| format!("run failed: {e}"))?;
    let want = fixture["expected"]["runs"].as_array().ok_or("the fixture has no expected.runs")?;
    if want.len() != report.runs.len() {
        return Err(format!("{} runs, but the fixture expects {}", report.runs.len(), want.len()));
    }
    let mut stats = Stats::default();
    for (got, w) in report.runs.iter().zip(want) {
        if w["label"].as_str() != Some(got.label.as_str()) {
            return Err(format!("run label {:?}, but the fixture expects {}", got.label, w["label"]));
        }
        let s = compare_run(got, w).map_err(|e| format!("run {:?}: {e}", got.label))?;
        stats.merge(s);
    }
    Ok((report.runs.len(), stats))
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/golden/fixtures exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_fixture_matches_pytorch() {
    let mut failures = Vec::new();
    let (mut fixtures, mut runs, mut total) = (0, 0, Stats::default());
    let mut worst_where = String::new();
    for path in fixture_paths() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let fixture = load(&path);
        assert!(
            fixture["provenance"].as_str().is_some_and(|p| p.contains("torch")),
            "{name}: every fixture must say how it was made (provenance)"
        );
        match check_fixture(&fixture) {
            Ok((n, s)) => {
                fixtures += 1;
                runs += n;
                if s.worst > total.worst {
                    worst_where = name.clone();
                }
                total.merge(s);
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} fixture(s) disagree with PyTorch:\n{}", failures.len(), failures.join("\n"));
    eprintln!("golden: {fixtures} fixtures, {runs} runs, {} values, worst relative error {:e} ({worst_where})", total.values, total.worst);
    assert!(fixtures >= MIN_FIXTURES, "only {fixtures} fixtures checked (want ≥ {MIN_FIXTURES})");
    assert!(runs >= MIN_RUNS, "only {runs} runs checked (want ≥ {MIN_RUNS})");
    assert!(total.values >= MIN_VALUES, "only {} values compared (want ≥ {MIN_VALUES})", total.values);
}

/// Every optimizer kind, every schedule kind and every problem the issue names is covered by some fixture.
#[test]
fn fixtures_cover_every_optimizer_schedule_and_problem() {
    fn kinds(v: &Value, out: &mut Vec<String>) {
        if let Some(k) = v["kind"].as_str() {
            out.push(k.to_string());
        }
        if let Some(inner) = v.get("inner") {
            kinds(inner, out);
        }
        if let Some(list) = v["schedulers"].as_array() {
            list.iter().for_each(|s| kinds(s, out));
        }
    }
    let (mut opts, mut scheds, mut problems) = (Vec::new(), Vec::new(), Vec::new());
    for path in fixture_paths() {
        let f = load(&path);
        problems.push(f["spec"]["problem"]["kind"].as_str().unwrap_or_default().to_string());
        for r in f["spec"]["runs"].as_array().into_iter().flatten() {
            kinds(&r["optimizer"], &mut opts);
            if r.get("schedule").is_some() {
                kinds(&r["schedule"], &mut scheds);
            }
        }
    }
    // the registry's kinds (tests/registry.rs also checks this, counting wrappers' inner optimizers)
    for k in optlab::optim::KINDS.iter().map(|k| k.kind) {
        assert!(opts.iter().any(|o| o == k), "no golden fixture runs optimizer {k}");
    }
    for k in ["constant", "step", "exponential", "cosine", "linear", "sequential"] {
        assert!(scheds.iter().any(|s| s == k), "no golden fixture uses schedule {k}");
    }
    for k in ["quadratic", "rosenbrock", "matrix_least_squares"] {
        assert!(problems.iter().any(|p| p == k), "no golden fixture is on problem {k}");
    }
}

/// The comparison itself can fail: perturb one expected value of a real fixture in each field and check
/// that the mismatch is reported with its field and index; the unperturbed fixture passes.
#[test]
fn comparison_detects_a_perturbed_value() {
    let path = fixtures_dir().join("adam_quad2.json");
    let fixture = load(&path);
    check_fixture(&fixture).expect("the unperturbed fixture matches");

    let perturb = |edit: &dyn Fn(&mut Value)| -> String {
        let mut f = fixture.clone();
        edit(&mut f["expected"]["runs"][1]);
        check_fixture(&f).expect_err("a perturbed fixture must not match")
    };
    let bump = |v: &mut Value, rel: f64| {
        let x = v.as_f64().unwrap();
        *v = Value::from(x + rel * x.abs().max(1.0));
    };
    let e = perturb(&|r| bump(&mut r["params"][7][1], 1e-8));
    assert!(e.contains("adam amsgrad") && e.contains("params[7][1]"), "{e}");
    let e = perturb(&|r| bump(&mut r["loss"][3], 5e-9));
    assert!(e.contains("loss[3]"), "{e}");
    let e = perturb(&|r| bump(&mut r["lr"][0], 2e-9));
    assert!(e.contains("lr[0]"), "{e}");
    let e = perturb(&|r| bump(&mut r["grad_norm"][40], 1e-6));
    assert!(e.contains("grad_norm[40]"), "{e}");
    let e = perturb(&|r| {
        r["loss"].as_array_mut().unwrap().pop();
    });
    assert!(e.contains("loss: length"), "{e}");
    let e = perturb(&|r| r["label"] = Value::from("another label"));
    assert!(e.contains("label"), "{e}");

    // A hyperparameter changed in the spec (not the expectation) is caught too.
    let mut f = fixture.clone();
    f["spec"]["runs"][1]["optimizer"]["beta2"] = Value::from(0.9985);
    let e = check_fixture(&f).expect_err("a different beta2 must not match");
    assert!(e.contains("adam amsgrad"), "{e}");

    // Inside the tolerance still passes.
    let mut f = fixture.clone();
    bump(&mut f["expected"]["runs"][1]["params"][7][1], 5e-10);
    check_fixture(&f).expect("a change below 1e-9 is within tolerance");
}

#[test]
fn compare_series_uses_the_relative_and_absolute_tolerance() {
    let want = |v: &[f64]| v.iter().map(|x| Value::from(*x)).collect::<Vec<_>>();
    // Relative above 1 in magnitude…
    assert!(compare_series("x", &[1000.0 + 5e-7], &want(&[1000.0])).is_ok());
    assert!(compare_series("x", &[1000.0 + 2e-6], &want(&[1000.0])).is_err());
    // …absolute below it.
    assert!(compare_series("x", &[1e-3 + 5e-10], &want(&[1e-3])).is_ok());
    assert!(compare_series("x", &[1e-3 + 2e-9], &want(&[1e-3])).is_err());
    assert!(compare_series("x", &[f64::NAN], &want(&[0.0])).is_err());
    let e = compare_series("loss", &[0.0, 1.0, 2.0], &want(&[0.0, 1.0, 2.5])).unwrap_err();
    assert!(e.starts_with("loss[2]"), "{e}");
}
