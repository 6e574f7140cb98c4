//! The training chapter natively: its live run driven as the web layer drives it (slices of ≤ 8 steps),
//! accuracy reached, the fairness of the comparison, sharpness at checkpoints, presets, divergence, and its
//! charts rendered to SVG.

use optlab::app::training::{self, lanczos::Lanczos, live::TrainingRun};
use optlab::app::{chapter, controls::normalize, draw_chart, live_key, Chart, LiveRun, Scene, State};
use optlab::plot::{to_svg, Theme};
use optlab::train::PowerOptions;
use std::collections::BTreeMap;
use std::time::Instant;

fn state(pairs: &[(&str, &str)]) -> State {
    let c = chapter("training").expect("the training chapter is registered");
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (st, msgs) = normalize(&c.controls(), &raw);
    assert!(msgs.is_empty(), "{msgs:?}");
    st
}

fn run(pairs: &[(&str, &str)]) -> TrainingRun {
    training::start(&state(pairs)).unwrap_or_else(|m| panic!("{pairs:?}: {}", m.text))
}

/// Advances as `src/web` does, in slices of at most 8 steps, until nothing moves.
fn to_end(r: &mut dyn LiveRun) -> usize {
    let mut slices = 0;
    while r.advance(8) > 0 {
        slices += 1;
    }
    slices
}

fn readout<'a>(scene: &'a Scene, label_part: &str) -> &'a str {
    scene
        .readout
        .iter()
        .find(|r| r.label.contains(label_part))
        .map(|r| r.value.as_str())
        .unwrap_or_else(|| panic!("no readout containing “{label_part}” in {:?}", scene.readout))
}

/// "0.123 / 95.2%" → 0.952.
fn accuracy_of(value: &str) -> f64 {
    let pct = value.split('/').nth(1).expect("loss / accuracy").trim().trim_end_matches('%');
    pct.parse::<f64>().expect("a percentage") / 100.0
}

fn svg(chart: &Chart) -> String {
    to_svg(640, 480, |root| draw_chart(root, chart, &Theme::by_name("light", 1.0), &mut |_| {})).expect("chart draws")
}

#[test]
fn adam_on_moons_learns_through_the_live_run() {
    let c = chapter("training").unwrap();
    assert!(c.is_live());
    let st = state(&[("optimizer", "adam"), ("lr", "0.01"), ("steps", "2000")]);
    let mut live = c.start_live(&st).expect("defaults start");
    assert_eq!(live.progress(), (0, 2000));
    let first = live.scene(&st);
    assert_eq!(readout(&first, "optimizer steps"), "0 of 2000");
    let slices = to_end(live.as_mut());
    assert_eq!(slices, 250, "2000 steps in slices of 8");
    assert_eq!(live.progress(), (2000, 2000));
    assert_eq!(live.advance(8), 0, "a finished run takes no more steps");
    let scene = live.scene(&st);
    assert_eq!(readout(&scene, "optimizer steps"), "2000 of 2000");
    // 250 training points, batches of 10: 25 steps per epoch.
    assert_eq!(readout(&scene, "epochs"), "80");
    assert_eq!(readout(&scene, "training samples used"), "20000");
    let acc = accuracy_of(readout(&scene, "test loss / accuracy (step 2000)"));
    assert!(acc >= 0.97, "test accuracy {acc}"); // measured 0.996
                                                 // and it rose: the same run's test accuracy at step 0, from the history
    let mut r = run(&[("optimizer", "adam"), ("lr", "0.01"), ("steps", "2000")]);
    let before = r.runs[0].trainer.history()[0].test_accuracy.unwrap();
    to_end(&mut r);
    let after = r.runs[0].trainer.history().last().unwrap().test_accuracy.unwrap();
    assert!(before < 0.9 && after == acc, "test accuracy {before} → {after} (live run {acc})");
}

#[test]
fn the_comparison_starts_both_runs_from_the_same_weights_and_batches() {
    let mut r = run(&[("optimizer", "adam"), ("compare", "momentum"), ("compare_lr", "0.05"), ("steps", "400")]);
    assert_eq!(r.runs.len(), 2);
    let (a, b) = (&r.runs[0].trainer, &r.runs[1].trainer);
    assert_eq!(a.params(), b.params(), "identical initial weights");
    assert_eq!(a.data(), b.data(), "identical data");
    assert_ne!(a.spec().optimizer, b.spec().optimizer);
    for _ in 0..10 {
        r.advance(7);
        let (a, b) = (&r.runs[0].trainer, &r.runs[1].trainer);
        assert_eq!(a.step(), b.step());
        assert_eq!(a.last_batch(), b.last_batch(), "the same batch at step {}", a.step());
    }
    assert_ne!(r.runs[0].trainer.params(), r.runs[1].trainer.params(), "different optimizers move differently");
    // the same optimizer twice gives the same run, step for step
    let mut same = run(&[("optimizer", "sgd"), ("lr", "0.05"), ("compare", "sgd"), ("compare_lr", "0.05"), ("steps", "200")]);
    to_end(&mut same);
    assert_eq!(same.runs[0].trainer.params(), same.runs[1].trainer.params());
    assert_eq!(same.runs[0].lambdas, same.runs[1].lambdas);
}

#[test]
fn lambda_max_is_measured_at_checkpoints_and_at_the_end_and_agrees_with_power_iteration() {
    let mut r = run(&[("dataset", "circles"), ("optimizer", "sgd"), ("lr", "0.1"), ("steps", "900")]);
    assert_eq!(r.every, 36);
    to_end(&mut r);
    let steps: Vec<usize> = r.runs[0].lambdas.iter().map(|l| l.step).collect();
    // a checkpoint that arrives while the previous measurement is still going on is skipped
    assert!(steps.len() >= 8, "{steps:?}");
    assert!(steps.windows(2).all(|w| w[0] < w[1]) && steps.iter().all(|s| s % 36 == 0 || *s == 900), "{steps:?}");
    assert_eq!((steps[0], *steps.last().unwrap()), (0, 900));
    // the final estimate against a long cold-started power iteration (the core's reference)
    let last = *r.runs[0].lambdas.last().unwrap();
    assert!(last.converged && last.products <= 40, "{last:?}");
    let exact = r.runs[0].trainer.sharpness(&PowerOptions { max_iters: 5000, tol: 1e-10, seed: 1 });
    let rel = (last.value - exact.lambda_max).abs() / exact.lambda_max;
    assert!(rel < 1e-3, "Lanczos {} vs power iteration {} (rel {rel:e})", last.value, exact.lambda_max);
    // the slice of the last checkpoint passes through the final weights
    let (step, slice) = r.runs[0].slice.as_ref().unwrap();
    assert_eq!(*step, 900);
    let mid = slice.alpha.len() / 2;
    assert_eq!(slice.alpha[mid], 0.0);
    let m = r.runs[0].trainer.history().last().unwrap();
    assert_eq!(m.step, 900);
    assert!((slice.train_loss[mid] - m.train_loss).abs() < 1e-12);
    assert!((slice.test_loss[mid] - m.test_loss.unwrap()).abs() < 1e-12);
}

#[test]
fn lanczos_finds_the_largest_eigenvalue_even_below_a_dominant_negative_one() {
    // H = diag(−5, 1, 2, 0.5, 1.9, …): power iteration alone finds −5; λ_max = 2 lies close to 1.9.
    let d: Vec<f64> = [-5.0, 1.0, 2.0, 0.5, 1.9].into_iter().chain((0..45).map(|i| -1.0 + 0.04 * i as f64)).collect();
    let mut hv = |v: &[f64], out: &mut [f64]| {
        for i in 0..v.len() {
            out[i] = d[i] * v[i];
        }
    };
    let start: Vec<f64> = (0..d.len()).map(|i| 1.0 + (i as f64).sin()).collect();
    let r = Lanczos::new(start, 50, 1e-10).run(&mut hv);
    assert!(r.converged && (r.value - 2.0).abs() < 1e-9, "{r:?}");
    assert!(r.products < 50, "{} products", r.products);
    assert!(r.vector[2].abs() > 0.999, "the Ritz vector is e₃: {:?}", &r.vector[..5]);
}

#[test]
fn a_preset_sets_the_controls_it_implies_and_any_of_them_can_then_change() {
    let c = chapter("training").unwrap();
    let preset = c.controls().into_iter().find(|k| k.name == "preset").unwrap();
    // every preset's settings are valid values of existing controls (normalising them changes nothing)
    for p in training::setup::PRESETS.iter() {
        assert_eq!(preset.settings_of(p.id), p.settings);
        let (st, msgs) = normalized(p.settings);
        assert!(msgs.is_empty(), "{}: {msgs:?}", p.id);
        for (k, v) in p.settings {
            assert!(c.controls().iter().any(|x| x.name == *k), "{}: no control {k}", p.id);
            assert_eq!(st.get(k), *v, "{}: {k}", p.id);
        }
    }
    // a link with the preset alone opens the preset: its settings fill what the link lacks
    let st = state(&[("preset", "sam_vs_sgd_label_noise"), ("seed", "3")]);
    assert_eq!(st.get("preset"), "sam_vs_sgd_label_noise");
    assert_eq!((st.get("label_noise"), st.get("compare"), st.get("width"), st.get("seed")), ("0.2", "sam", "32", "3"));
    let r = training::start(&st).unwrap();
    assert_eq!(r.runs.len(), 2);
    let (a, b) = (r.runs[0].trainer.spec(), r.runs[1].trainer.spec());
    assert_eq!(a.data.label_noise, 0.2);
    assert_eq!((a.optimizer.kind(), b.optimizer.kind()), ("sgd", "sam"));
    assert_eq!(r.runs[0].trainer.data().flipped.len(), 30, "20% of 150 training labels");
    // the link the shell writes (every control spelled out, numbers as the sliders write them) keeps it
    let mut full: Vec<(String, String)> = st.values.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    full.iter_mut().filter(|(k, _)| k == "lr").for_each(|(_, v)| *v = "0.030".into());
    let pairs: Vec<(&str, &str)> = full.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(state(&pairs).get("preset"), "sam_vs_sgd_label_noise");
    // changing a control the preset set makes the state "custom", and the change is used
    let changed: Vec<(&str, &str)> = pairs.iter().map(|&(k, v)| if k == "label_noise" { (k, "0.3") } else { (k, v) }).collect();
    let st = state(&changed);
    assert_eq!((st.get("preset"), st.get("label_noise"), st.get("compare")), ("custom", "0.3", "sam"));
    let r = training::start(&st).unwrap();
    assert_eq!(r.runs[0].trainer.data().flipped.len(), 45, "30% of 150 training labels");
    // no claim text: the readout says what ran, never which optimizer is better
    for p in ["sam_vs_sgd_label_noise", "adam_vs_momentum", "muon_vs_adamw"] {
        let scene = c.compute(&state(&[("preset", p)]));
        assert!(scene.messages.iter().all(|m| m.level != "error"), "{p}: {:?}", scene.messages);
        assert!(scene.readout.iter().all(|r| !r.label.contains("preset") && !r.value.contains("better")), "{:?}", scene.readout);
    }
    let muon = c.compute(&state(&[("preset", "muon_vs_adamw")]));
    assert!(readout(&muon, "Muon's parameter groups").contains("hidden-to-hidden weight matrices"));
}

#[test]
fn a_diverging_run_says_where_and_the_other_run_goes_on() {
    let st = state(&[
        ("optimizer", "sgd"),
        ("lr", "1"),
        ("loss", "squared"),
        ("layers", "2"),
        ("width", "32"),
        ("activation", "relu"),
        ("compare", "adam"),
        ("compare_lr", "0.01"),
        ("steps", "200"),
    ]);
    let mut r = training::start(&st).unwrap();
    to_end(&mut r);
    let a = &r.runs[0].trainer;
    let d = a.diverged().expect("SGD at η = 1 on this network diverges").step;
    assert!(d < 200 && r.runs[1].trainer.step() == 200);
    assert_eq!(r.progress(), (200, 200));
    let scene = r.scene(&st);
    let bad: Vec<_> = scene.readout.iter().filter(|x| x.tone == "bad").collect();
    assert_eq!(bad.len(), 1, "{:?}", scene.readout);
    assert!(bad[0].value.starts_with(&format!("diverged at step {d}")), "{:?}", bad[0]);
    for x in &scene.readout {
        assert!(!x.value.contains("NaN") && !x.value.contains("inf"), "{x:?}");
    }
    for (id, chart) in &scene.charts {
        assert!(!svg(chart).contains("NaN"), "{id}");
    }
    // alone, the diverged run ends the progress bar at its last step
    let mut alone = training::start(&state(&[
        ("optimizer", "sgd"),
        ("lr", "1"),
        ("loss", "squared"),
        ("layers", "2"),
        ("width", "32"),
        ("activation", "relu"),
        ("steps", "200"),
    ]))
    .unwrap();
    to_end(&mut alone);
    assert_eq!(alone.progress(), (d, d));
}

#[test]
fn muon_without_a_hidden_matrix_is_refused_with_a_reason() {
    let c = chapter("training").unwrap();
    let err = c.start_live(&state(&[("optimizer", "muon"), ("layers", "1")])).err().expect("refused");
    assert!(err.text.contains("at least two hidden layers"), "{}", err.text);
    let scene = c.compute(&state(&[("optimizer", "muon"), ("layers", "1")]));
    assert!(scene.charts.is_empty() && scene.messages[0].level == "error");
}

#[test]
fn newton_with_dropout_is_refused_with_a_reason_and_dropout_is_in_the_readout() {
    let c = chapter("training").unwrap();
    let err = c.start_live(&state(&[("optimizer", "newton"), ("dropout", "0.2")])).err().expect("refused");
    assert!(err.text.starts_with("Newton's method with dropout p = 0.2 is not built"), "{}", err.text);
    let err = c.start_live(&state(&[("compare", "newton"), ("dropout", "0.2")])).err().expect("refused for run B too");
    assert!(err.text.contains("set dropout p to 0"), "{}", err.text);
    let scene = c.compute(&state(&[("dropout", "0.25"), ("compare", "sgd")]));
    let line = readout(&scene, "dropout p = 0.25");
    assert!(line.contains("1/(1 − p) = 1.33") && line.contains("both runs drop the same units"), "{line}");
    assert!(readout(&scene, "fair comparison").ends_with("with the same dropout masks"));
    assert!(!c.compute(&state(&[])).readout.iter().any(|r| r.label.contains("dropout")), "no dropout line without dropout");
    // at the control's top end, on one hidden layer: the words follow the computed mask
    let scene = c.compute(&state(&[("dropout", "0.9"), ("layers", "1")]));
    let line = readout(&scene, "dropout p = 0.9");
    assert!(line.contains("the 1 hidden layer (8 units)") && line.contains("1/(1 − p) = 10"), "{line}");
    let zeroed: f64 = line.split(" unit outputs zeroed (").nth(1).and_then(|t| t.split('%').next()).unwrap().parse().unwrap();
    assert!((80.0..=100.0).contains(&zeroed), "about 90 % zeroed: {line}");
    assert!(!line.contains("NaN"));
}

/// Batch normalisation: refused with Newton and with batches of one point, naming the controls; its readout line gives
/// the γ, β and running statistics the trainer holds.
#[test]
fn batch_norm_is_refused_where_it_cannot_train_and_its_readout_reads_the_trainer() {
    let c = chapter("training").unwrap();
    let err = c.start_live(&state(&[("optimizer", "newton"), ("batch_norm", "on")])).err().expect("refused");
    assert!(err.text.starts_with("Newton's method with batch normalisation is not built"), "{}", err.text);
    let err = c.start_live(&state(&[("compare", "newton"), ("batch_norm", "on")])).err().expect("refused for run B too");
    assert!(err.text.contains("set batch normalisation off"), "{}", err.text);
    let err = c.start_live(&state(&[("batch_size", "1"), ("batch_norm", "on")])).err().expect("refused");
    assert!(
        err.text.starts_with("batch normalisation needs two points or more in every batch: batch size B must be at least 2"),
        "{}",
        err.text
    );
    // 500 points, half for training: batches of 83 leave one point at the end of each epoch (250 = 3·83 + 1)
    let err = c.start_live(&state(&[("batch_size", "83"), ("batch_norm", "on")])).err().expect("refused");
    assert!(err.text.contains("leaves the last batch of each epoch with one point (250 training points)"), "{}", err.text);
    assert!(!c.compute(&state(&[])).readout.iter().any(|r| r.label.contains("batch normalisation")), "no line without it");
    let st = state(&[("batch_norm", "on"), ("steps", "200"), ("batch_size", "16")]);
    let mut live = c.start_live(&st).unwrap();
    to_end(live.as_mut());
    let scene = live.scene(&st);
    let line = readout(&scene, "batch normalisation");
    assert!(line.contains("(B = 16 points, the last of each epoch 10; each point") && line.contains("after step 200"), "{line}");
    // the γ range the line states is the trainer's: re-train the copied spec natively and read γ
    let spec = optlab::train::TrainSpec::from_json(&scene.spec_json().unwrap()).unwrap();
    let mut t = optlab::train::Trainer::new(&spec).unwrap();
    t.run_to_end();
    let gammas: Vec<f64> =
        t.mlp().layers().iter().filter(|l| l.norm).flat_map(|l| t.params()[l.norm_range()][..l.fan_out].to_vec()).collect();
    let lo = gammas.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = gammas.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(gammas.len() == 16 && lo != hi, "{gammas:?}");
    let want = format!("γ {} to {}", optlab::app::common::Sig(lo), optlab::app::common::Sig(hi));
    assert!(line.contains(&want), "{want} in {line}");
    assert!(!line.contains("NaN"), "{line}");
    // and so are the running means: the re-trained network's
    let means: Vec<f64> = t.mlp().running_per_layer().flat_map(|(m, _)| m.to_vec()).collect();
    let (lo, hi) = (means.iter().copied().fold(f64::INFINITY, f64::min), means.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    let want = format!("running means {} to {},", optlab::app::common::Sig(lo), optlab::app::common::Sig(hi));
    assert!(line.contains(&want) && line.contains("moved 10 % of the way"), "{want} in {line}");
    // at the start every γ is 1, β 0, every running mean 0 and variance 1: one value each, not "0 to 0"
    let st = state(&[("batch_norm", "on")]);
    let start = c.start_live(&st).unwrap().scene(&st);
    let line = readout(&start, "batch normalisation");
    assert!(line.contains("(at the start: γ 1.00, β 0)") && line.ends_with("running means 0, variances 1.00"), "{line}");
    // in a comparison the line says whose figures it gives
    let scene = c.compute(&state(&[("batch_norm", "on"), ("compare", "sgd")]));
    assert!(scene.readout.iter().any(|r| r.label.starts_with("batch normalisation (A · ")), "{:?}", scene.readout);
}

#[test]
fn speed_and_view_do_not_restart_the_run_but_the_rest_does() {
    let c = chapter("training").unwrap();
    let base = state(&[("compare", "adamw")]);
    let key = live_key(c, &base);
    let mut s = base.clone();
    s.set("speed", "50");
    s.set("view", "second");
    assert_eq!(live_key(c, &s), key);
    s.set("lr", "0.02");
    assert_ne!(live_key(c, &s), key);
}

#[test]
fn every_chart_of_a_comparison_renders_without_nan_and_the_map_follows_the_view() {
    let c = chapter("training").unwrap();
    let mut st =
        state(&[("optimizer", "muon"), ("compare", "adamw"), ("compare_lr", "0.01"), ("steps", "300"), ("layers", "3"), ("width", "16")]);
    let mut r = c.start_live(&st).unwrap();
    to_end(r.as_mut());
    for view in ["first", "second"] {
        st.set("view", view);
        let scene = r.scene(&st);
        assert_eq!(scene.charts.len(), c.canvases().len());
        for ((id, chart), canvas) in scene.charts.iter().zip(c.canvases()) {
            assert_eq!(*id, canvas.id);
            let s = svg(chart);
            assert!(!s.contains("NaN"), "{id}");
            let marks = s.matches("<polyline").count() + s.matches("<path").count() + s.matches("<circle").count();
            assert!(marks >= 1, "{id}: nothing drawn");
        }
        let Chart::Map(m, _) = &scene.charts[0].1 else { panic!("the first chart is the map") };
        let letter = if view == "first" { "A ·" } else { "B ·" };
        assert!(m.title.starts_with(letter), "{}", m.title);
        assert_eq!(m.points.len(), 500, "every point on the map");
        // both runs on the curves: training and test lines for each
        let Chart::Lines(loss) = &scene.charts[1].1 else { panic!() };
        assert_eq!(loss.series.len(), 4);
        // Muon's update of the 16×16 matrix W₂ is −η·msign(M) by Newton–Schulz (plus a decay η·λ·W of
        // order 1e-4 η): its largest singular value lies in the quintic's band around η = 0.01
        let Chart::Lines(spec) = &scene.charts[5].1 else { panic!() };
        let (muon, adamw) = (&spec.series[0].points, &spec.series[1].points);
        assert_eq!((muon.len(), adamw.len()), (16, 16));
        assert!((0.005..0.013).contains(&muon[0].1), "Muon's σ₁(ΔW) = {}", muon[0].1);
    }
}

#[test]
fn a_frame_stays_cheap() {
    // What one animation frame costs natively at the defaults: `advance` of 10 steps (speed) in slices of
    // 8, then `scene`. Printed for the report; asserted only loosely (debug builds are slow).
    let c = chapter("training").unwrap();
    let st = state(&[]);
    let mut r = c.start_live(&st).unwrap();
    let (mut adv, mut scn) = (Vec::new(), Vec::new());
    for _ in 0..60 {
        let t0 = Instant::now();
        r.advance(8);
        r.advance(2);
        let t1 = Instant::now();
        let _ = r.scene(&st);
        let t2 = Instant::now();
        adv.push((t1 - t0).as_secs_f64() * 1e3);
        scn.push((t2 - t1).as_secs_f64() * 1e3);
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let max = |v: &Vec<f64>| v.iter().cloned().fold(0.0, f64::max);
    let (ma, ms) = (med(&mut adv), med(&mut scn));
    println!(
        "frame at defaults: advance 10 steps median {ma:.3} ms (max {:.3}), scene median {ms:.3} ms (max {:.3})",
        max(&adv),
        max(&scn)
    );
    assert!(ms < 200.0 && ma < 500.0);
}

/// `n` rows of three well-separated clusters (labels 0, 1, 2), with a header line.
fn three_clusters(n: usize) -> String {
    let mut s = String::from("x1,x2,label\n");
    for i in 0..n {
        let c = i % 3;
        let t = 2.0 * std::f64::consts::PI * c as f64 / 3.0;
        // a deterministic spread of ±0.25 around each centre
        let (dx, dy) = (0.25 * ((i * 7 % 11) as f64 / 5.0 - 1.0), 0.25 * ((i * 5 % 13) as f64 / 6.0 - 1.0));
        s += &format!("{:.4},{:.4},{c}\n", t.cos() + dx, t.sin() + dy);
    }
    s
}

fn normalized(pairs: &[(&str, &str)]) -> (State, Vec<String>) {
    let c = chapter("training").unwrap();
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (st, msgs) = normalize(&c.controls(), &raw);
    (st, msgs.into_iter().map(|m| m.text).collect())
}

#[test]
fn your_csv_rows_are_trained_on_and_the_readout_says_what_they_are() {
    let text = three_clusters(90);
    let st = state(&[("dataset", "csv"), ("csv", &text), ("steps", "400"), ("layers", "1"), ("width", "8")]);
    assert_eq!(st.get("csv"), text, "the text is kept verbatim");
    let mut r = training::start(&st).unwrap();
    let d = r.runs[0].trainer.data();
    assert_eq!((d.train.len(), d.test.len(), d.classes), (45, 45, 3));
    assert_eq!(r.runs[0].trainer.mlp().classes(), 3, "one output per class");
    to_end(&mut r);
    let scene = r.scene(&st);
    assert_eq!(readout(&scene, "data"), "your data: 90 rows of 2 features, 3 classes → 45 training, 45 test points");
    let acc = accuracy_of(readout(&scene, "test loss / accuracy (step 400)"));
    assert!(acc >= 0.95, "three separated clusters: test accuracy {acc}");
    assert!(scene.messages.is_empty(), "{:?}", scene.messages);
    // the exported spec carries the rows
    assert_eq!(r.setup.specs[0].data.csv.as_deref(), Some(text.as_str()));
}

#[test]
fn a_bad_csv_line_is_named_and_the_text_is_not_used() {
    let cases: [(String, &str); 5] = [
        ("x1,x2,label\n0,0,0\n1,abc,1\n".into(), "line 3: x2 must be a number, got \"abc\""),
        ("0,0,0\n1,1,1\n2,2,7\n".into(), "line 3: label must be an integer from 0 to 6"),
        ("0,0,0\n1,1\n".into(), "line 2: expected 3 fields x1,x2,label, found 2"),
        ("0,0,0\n1,1,0\n".into(), "at least two classes are needed"),
        (three_clusters(1001), "line 1002: more than 1000 data rows"),
    ];
    for (text, why) in cases {
        let (st, msgs) = normalized(&[("dataset", "csv"), ("csv", &text), ("lr", "0.02")]);
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(
            msgs[0].starts_with("your data: x1,…,xd,label rows: ") && msgs[0].contains(why) && msgs[0].ends_with("(not used)"),
            "{}",
            msgs[0]
        );
        assert_eq!(st.get("csv"), "", "refused text is not used");
        assert_eq!((st.get("dataset"), st.get("lr")), ("csv", "0.02"), "nothing else is lost");
    }
    let long = "0,0,0\n".repeat(20_000);
    let (_, msgs) = normalized(&[("csv", &long)]);
    assert!(msgs[0].contains("120000 characters, more than the 100000"), "{msgs:?}");
}

#[test]
fn without_rows_the_run_uses_moons_and_says_so() {
    let scene = chapter("training").unwrap().compute(&state(&[("dataset", "csv")]));
    assert!(scene.messages.iter().any(|m| m.level == "info" && m.text.contains("“your data” is empty")), "{:?}", scene.messages);
    assert!(readout(&scene, "data").starts_with("two moons (instead of your data): 500 points"));
    assert_eq!(scene.charts.len(), 8);
    // far-off coordinates are trained on as they are, with a note
    let far = "0,0,0\n100,100,1\n0,100,0\n100,0,1\n";
    let scene = chapter("training").unwrap().compute(&state(&[("dataset", "csv"), ("csv", far), ("batch_size", "2")]));
    assert!(scene.messages.iter().any(|m| m.text.contains("|x| = 100") && m.text.contains("no rescaling")), "{:?}", scene.messages);
}

/// Every number of two metric records (JSON objects) agrees to 1e-9 relative; returns how many values.
fn same_metrics(app: &serde_json::Value, cli: &serde_json::Value, what: &str) -> usize {
    let (a, c) = (app.as_object().unwrap(), cli.as_object().unwrap());
    assert_eq!(a.keys().collect::<Vec<_>>(), c.keys().collect::<Vec<_>>(), "{what}");
    let mut n = 0;
    for (k, x) in a {
        let y = &c[k];
        match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => {
                assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0), "{what} {k}: app {x} vs optlab train {y}");
                n += 1;
            }
            _ => assert_eq!(x, y, "{what} {k}"),
        }
    }
    n
}

#[test]
fn the_copied_spec_run_by_optlab_train_reproduces_the_in_app_metrics() {
    let csv = three_clusters(60);
    let settings: [Vec<(&str, &str)>; 4] = [
        vec![
            ("optimizer", "momentum"),
            ("lr", "0.05"),
            ("compare", "sam"),
            ("compare_lr", "0.05"),
            ("label_noise", "0.1"),
            ("schedule", "warmup_cosine"),
            ("steps", "300"),
        ],
        vec![
            ("dataset", "csv"),
            ("csv", &csv),
            ("optimizer", "muon"),
            ("layers", "2"),
            ("width", "8"),
            ("compare", "adamw"),
            ("steps", "200"),
            ("batch_size", "7"),
        ],
        vec![
            ("dataset", "spirals"),
            ("activation", "relu"),
            ("loss", "squared"),
            ("optimizer", "lookahead"),
            ("inner", "adam"),
            ("schedule", "cosine"),
            ("steps", "250"),
            ("dropout", "0.3"),
            ("compare", "sam"),
        ],
        // batch normalisation: the evaluations with the running statistics, SAM moving them once a step
        vec![("batch_norm", "on"), ("optimizer", "sam"), ("inner", "adam"), ("compare", "muon"), ("layers", "3"), ("steps", "200")],
    ];
    let c = chapter("training").unwrap();
    for pairs in settings {
        let st = state(&pairs);
        let mut live = c.start_live(&st).unwrap();
        // copied in the middle of the run: the spec asks for every step, the histories so far must agree
        while live.progress().0 < live.progress().1 * 2 / 3 {
            live.advance(8);
        }
        let scene = live.scene(&st);
        let spec = scene.spec_json().expect("a training has a spec");
        assert!(scene.spec.is_none() && scene.export("csv").unwrap().starts_with("label,step,epoch"));
        let app: serde_json::Value = serde_json::from_str(&scene.export("json").unwrap()).unwrap();
        let file = std::env::temp_dir().join(format!("optlab-train-spec-{}.json", std::process::id()));
        std::fs::write(&file, &spec).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_optlab"))
            .args(["train", file.to_str().unwrap(), "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{pairs:?}: {}", String::from_utf8_lossy(&out.stderr));
        let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let (app_runs, cli_runs) = (app["runs"].as_array().unwrap(), cli["runs"].as_array().unwrap());
        assert_eq!(app_runs.len(), cli_runs.len());
        for (ra, rc) in app_runs.iter().zip(cli_runs) {
            assert_eq!(ra["label"], rc["label"]);
            let cli_at: BTreeMap<u64, &serde_json::Value> =
                rc["history"].as_array().unwrap().iter().map(|m| (m["step"].as_u64().unwrap(), m)).collect();
            let (mut steps, mut values) = (0, 0);
            for m in ra["history"].as_array().unwrap() {
                if let Some(cm) = cli_at.get(&m["step"].as_u64().unwrap()) {
                    values += same_metrics(m, cm, &format!("{} step {}", ra["label"], m["step"]));
                    steps += 1;
                }
            }
            assert!(steps >= 20 && values >= 20 * 8, "{}: {steps} common steps, {values} values", ra["label"]);
        }
        let _ = std::fs::remove_file(file);
    }
}

#[test]
fn the_map_colours_every_class_and_shades_by_confidence() {
    use optlab::app::training::regions::class_and_confidence;
    use optlab::app::Field;
    let c = chapter("training").unwrap();
    let st = state(&[("dataset", "blobs"), ("classes", "4"), ("steps", "600"), ("layers", "1")]);
    let mut r = c.start_live(&st).unwrap();
    to_end(r.as_mut());
    let scene = r.scene(&st);
    assert!(readout(&scene, "data").starts_with("Gaussian blobs: 500 points, 4 classes"));
    let Chart::Map(m, Field::Classes { probs, classes, colors, width, height }) = &scene.charts[0].1 else { panic!("class regions") };
    assert_eq!((*classes, colors.as_slice()), (4, [0, 1, 2, 3].as_slice()));
    assert_eq!(probs.len(), width * height * 4);
    for p in probs.chunks(4) {
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9 && p.iter().all(|v| (0.0..=1.0).contains(v)), "{p:?}");
    }
    // every point in its class's colour; every blob's centre predicted as its class, confidently
    assert!(m.points.iter().all(|&(_, _, col, _)| col < 4));
    assert_eq!(m.points.iter().map(|p| p.2).collect::<std::collections::BTreeSet<_>>().len(), 4);
    let (x0, x1, y0, y1) = m.bounds;
    for k in 0..4 {
        let t = 2.0 * std::f64::consts::PI * k as f64 / 4.0 + std::f64::consts::PI / 4.0;
        let (x, y) = (0.8 * t.cos(), 0.8 * t.sin());
        let (i, j) = (((x - x0) / (x1 - x0) * *width as f64) as usize, ((y1 - y) / (y1 - y0) * *height as f64) as usize);
        let cell = j * width + i;
        let (class, conf) = class_and_confidence(&probs[cell * 4..cell * 4 + 4]).unwrap();
        assert_eq!(class, k, "blob {k} at ({x:.2}, {y:.2})");
        assert!(conf > 0.5, "blob {k}: confidence {conf}");
    }
    let s = svg(&scene.charts[0].1);
    assert!(!s.contains("NaN"));
}

#[test]
fn each_run_keeps_one_colour_with_its_test_curves_dashed() {
    use optlab::plot::Mark;
    let c = chapter("training").unwrap();
    let st = state(&[("compare", "sgd"), ("steps", "200")]);
    let mut r = c.start_live(&st).unwrap();
    to_end(r.as_mut());
    let scene = r.scene(&st);
    for id in ["loss", "accuracy", "slice"] {
        let Some((_, Chart::Lines(ch))) = scene.charts.iter().find(|(i, _)| *i == id) else { panic!("{id}") };
        assert_eq!(ch.series.len(), 4, "{id}: training and test of two runs");
        for s in &ch.series {
            let (letter, kind) = s.name.split_once(' ').unwrap();
            let want = if kind == "test" { Mark::Dashed } else { Mark::Line };
            assert_eq!((kind == "test" || kind == "training", s.mark), (true, want), "{id}: {}", s.name);
            let train = ch.series.iter().find(|t| t.name == format!("{letter} training")).unwrap();
            assert_eq!(s.color, train.color, "{id}: {} shares run {letter}'s colour", s.name);
        }
        assert_ne!(ch.series[0].color, ch.series[2].color, "{id}: runs A and B differ");
    }
}

#[test]
fn the_map_shows_the_classes_of_an_exact_evaluation_of_every_cell() {
    use optlab::app::training::regions::class_and_confidence;
    use optlab::app::Field;
    for pairs in [
        vec![("steps", "3000")],
        vec![
            ("dataset", "spirals"),
            ("classes", "3"),
            ("layers", "3"),
            ("width", "32"),
            ("activation", "relu"),
            ("lr", "0.003"),
            ("steps", "3000"),
        ],
        vec![("dataset", "blobs"), ("classes", "5"), ("loss", "squared"), ("steps", "1000")],
    ] {
        let st = state(&pairs);
        let mut r = training::start(&st).unwrap();
        to_end(&mut r);
        let scene = r.scene(&st);
        let Chart::Map(m, Field::Classes { probs, classes, width, .. }) = &scene.charts[0].1 else { panic!("map") };
        let (x0, x1, y0, y1) = m.bounds;
        let b = optlab::train::Bounds { x_min: x0, x_max: x1, y_min: y0, y_max: y1 };
        let exact = r.runs[0].trainer.predict_grid(*width, *width, b);
        let k = *classes;
        let differ = probs
            .chunks(k)
            .zip(exact.chunks(k))
            .filter(|(a, e)| class_and_confidence(a).map(|x| x.0) != class_and_confidence(e).map(|x| x.0))
            .count();
        let refined = r.cache.refined;
        let note = readout(&scene, "map").to_string();
        println!("{pairs:?}: {differ} of {} cells differ from the exact map; {note}", width * width);
        match refined {
            // measured: 0 cells differ for the default network (31×31 grid + 370 boundary cells, where the
            // previous 51×51 interpolated map differed in 4); 5 blobs with the squared loss: 1
            Some(_) => {
                assert!(
                    note.contains("grid, interpolated to 64×64 cells, and exactly at the") && note.contains("cells along class boundaries"),
                    "{note}"
                );
                assert!(differ * 1000 <= width * width, "{differ} cells of {} show another class than the exact map", width * width);
            }
            // a big network: too many boundary cells for the budget, so the 24×24 grid is interpolated as
            // before, and the title says so (measured: 88 of 4096 cells differ, at the boundaries)
            None => {
                assert!(note.contains("24×24 grid, interpolated to 64×64 cells (too many boundary cells"), "{note}");
                assert!(differ * 25 <= width * width, "{differ} cells of {} show another class than the exact map", width * width);
            }
        }
    }
}

/// Every optimizer kind of the registry can be trained from the chapter's optimizer select (a new kind
/// that is not offered fails here).
#[test]
fn every_registry_kind_is_offered_by_the_optimizer_select() {
    use optlab::app::training::setup::{optimizer, optimizers};
    let mut st = optlab::app::State::default();
    for c in optlab::app::chapter("training").unwrap().controls() {
        st.set(c.name, c.default_text());
    }
    let p = optlab::app::training::Params::of(&st).unwrap();
    let mut offered = Vec::new();
    for (v, _) in optimizers() {
        let spec = optimizer(v, 0.01, &p);
        offered.push(spec.kind());
    }
    for k in optlab::optim::KINDS {
        assert!(offered.contains(&k.kind), "the training chapter does not offer {}", k.kind);
    }
}
