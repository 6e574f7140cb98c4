//! The scene of a live training: decision regions with the data, loss and accuracy curves, λ_max over
//! time, the loss slice, the singular values of the last update, and the readout. Everything heavy is
//! cached (the heat map per step and view, the spectra per step) or measured at checkpoints (λ_max, the
//! slice), so building a scene costs little more than copying the curves.

use super::live::{row_cost, TrainingRun};
use super::regions;
use crate::app::common::{sig, Sig};
use crate::app::{Chart, Field, Readout, Scene, State};
use crate::linalg::singular_values;
use crate::optim::OptimizerSpec;
use crate::plot::field::MapChart;
use crate::plot::{LineChart, Mark, Series};
use crate::train::early::{early_stop, EarlyStop};
use crate::train::groups::uses_muon;
use crate::train::report::{TrainReport, TrainTrace};

/// Palette indices of the classes on the map: the Okabe–Ito colours in order, the grey (index 6) last, so
/// the app's 7 classes of user data each get their own colour.
pub const CLASS_COLORS: [usize; 7] = [0, 1, 2, 3, 4, 5, 6];
/// Palette indices of run A and run B in every chart (apart from the class colours).
pub const RUN_COLORS: [usize; 2] = [2, 3];
/// Native nanoseconds (see [`row_cost`]) the map may take per step shown. The network is evaluated on a
/// coarse grid of cell centres (a side between [`MIN_GRID`] and [`MAX_GRID`] that fits `GRID_BUDGET`: 31
/// for the default 2-8-8-2 tanh network) and interpolated bilinearly to `MAX_GRID` cells a side; then the
/// cells whose interpolation sources disagree on the class are evaluated exactly, when they fit
/// `REFINE_BUDGET` (else the map stays interpolated and its title says so). Measured on trained networks,
/// this shows the same classes as evaluating every cell up to a few cells, where a 51×51 grid
/// interpolated (the previous map, 2.6 times the rows) differed in more.
pub const GRID_BUDGET: f64 = 0.45e6;
pub const REFINE_BUDGET: f64 = 0.5e6;
pub const MIN_GRID: usize = 24;
pub const MAX_GRID: usize = 64;

/// Text of a divergence reason without `NaN`/`inf` spellings.
fn clean(s: &str) -> String {
    s.replace("-inf", "−∞").replace("inf", "∞").replace("NaN", "not a number")
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1}%", 100.0 * v)
    } else {
        "—".into()
    }
}

/// The hidden weight matrix whose update spectrum is shown: `W₂` (the first hidden-to-hidden matrix,
/// which Muon trains) when there are two hidden layers or more, else `W₁`.
fn spectrum_layer(run: &TrainingRun) -> usize {
    if run.runs[0].trainer.mlp().layers().len() >= 3 {
        1
    } else {
        0
    }
}

/// Stability threshold of gradient descent (with heavy-ball momentum μ) on a quadratic: 2(1 + μ)/η.
fn gd_threshold(spec: &OptimizerSpec) -> Option<f64> {
    match spec {
        OptimizerSpec::Sgd(s) if !s.nesterov => Some(2.0 * (1.0 + s.momentum)),
        _ => None,
    }
}

pub fn build(run: &mut TrainingRun, st: &State) -> Scene {
    let p = &match super::Params::of(st) {
        Ok(p) => p,
        Err(e) => return Scene::error(e),
    };
    let mut scene = Scene { messages: run.setup.messages.clone(), ..Scene::default() };
    let view = if p.view.as_str() == "second" && run.runs.len() > 1 { 1 } else { 0 };
    if p.view.as_str() == "second" && run.runs.len() == 1 {
        scene.messages.push(crate::app::Message::info("the map shows run A: choose a second optimizer under “compare with” to see run B"));
    }
    let dim = run.runs[0].trainer.data().dim();
    let mut extra = Vec::new();
    if dim == 2 {
        scene.charts.push(("regions", regions(run, view)));
    } else {
        scene.charts.push(("regions", confusion(run, view, &mut extra)));
    }
    let spectrum = spectrum_chart(run);
    let run: &TrainingRun = run;
    // where early stopping stops each run: read once by both curves and the readout
    let early: Vec<Option<EarlyStop>> = run.runs.iter().map(|r| early_stop(r.trainer.history(), p.patience)).collect();
    scene.charts.push(("loss", curves(run, true, &early)));
    scene.charts.push(("accuracy", curves(run, false, &early)));
    scene.charts.push(("sharpness", sharpness_chart(run)));
    scene.charts.push(("slice", slice_chart(run)));
    scene.charts.push(("spectrum", spectrum));
    scene.charts.push(("bound", super::bound::chart(run)));
    scene.charts.push(("gradients", gradient_chart(run)));
    readout(run, p.patience, &early, &mut scene);
    super::bound::readout(run, &mut scene);
    scene.readout.append(&mut extra);
    scene.train = Some((run.setup.specs.clone(), report(run)));
    scene
}

/// The runs' metric histories so far, as `optlab train` prints them (its spec is `run.setup.specs`).
fn report(run: &TrainingRun) -> TrainReport {
    let runs = run
        .runs
        .iter()
        .map(|r| TrainTrace {
            label: r.trainer.spec().label(),
            history: r.trainer.history().to_vec(),
            diverged: r.trainer.diverged().cloned(),
        })
        .collect();
    TrainReport { runs }
}

fn regions(run: &mut TrainingRun, view: usize) -> Chart {
    let r = &mut run.runs[view];
    let bounds = r.trainer.data().bounds();
    let side = ((GRID_BUDGET / row_cost(r.trainer.mlp())).sqrt() as usize).clamp(MIN_GRID, MAX_GRID);
    let key = (r.trainer.step(), view, side);
    if run.cache.grid_key != Some(key) {
        let k = r.trainer.mlp().classes().max(1);
        r.trainer.predict_grid_into(side, side, bounds, &mut run.cache.grid);
        run.cache.probs = regions::upsample(&run.cache.grid, k, side, MAX_GRID);
        let cells = if side < MAX_GRID { regions::boundary_cells(&run.cache.grid, k, side, MAX_GRID) } else { Vec::new() };
        run.cache.refined = None;
        if !cells.is_empty() && cells.len() as f64 * row_cost(r.trainer.mlp()) <= REFINE_BUDGET {
            let (dx, dy) = ((bounds.x_max - bounds.x_min) / MAX_GRID as f64, (bounds.y_max - bounds.y_min) / MAX_GRID as f64);
            let centre = |c: usize| [bounds.x_min + ((c % MAX_GRID) as f64 + 0.5) * dx, bounds.y_max - ((c / MAX_GRID) as f64 + 0.5) * dy];
            let mut exact = Vec::with_capacity(cells.len() * k);
            r.trainer.predict_into(cells.iter().map(|&c| centre(c)), &mut exact);
            for (&c, p) in cells.iter().zip(exact.chunks(k)) {
                run.cache.probs[c * k..(c + 1) * k].copy_from_slice(p);
            }
            run.cache.refined = Some(cells.len());
        } else if cells.is_empty() {
            run.cache.refined = Some(0);
        }
        run.cache.grid_key = Some(key);
    }
    let probs = run.cache.probs.clone();
    let classes = r.trainer.mlp().classes().max(1);
    let data = r.trainer.data();
    let mut points: Vec<(f64, f64, usize, bool)> =
        data.train.x.iter().zip(&data.train.y).map(|(p, &y)| (p[0], p[1], class_color(y), true)).collect();
    points.extend(data.test.x.iter().zip(&data.test.y).map(|(p, &y)| (p[0], p[1], class_color(y), false)));
    let label = r.trainer.spec().label.clone();
    run.cache.map_note = match run.cache.refined {
        _ if side >= MAX_GRID => format!("the network evaluated at each of the {MAX_GRID}×{MAX_GRID} cells"),
        Some(n) => format!(
            "the network evaluated on a {side}×{side} grid, interpolated to {MAX_GRID}×{MAX_GRID} cells, and exactly at the {n} cells along class boundaries"
        ),
        None => format!("the network evaluated on a {side}×{side} grid, interpolated to {MAX_GRID}×{MAX_GRID} cells (too many boundary cells to evaluate exactly within a frame)"),
    };
    let what = if r.trainer.mlp().loss == crate::train::Loss::Squared { "highest score" } else { "predicted class" };
    let map = MapChart {
        title: format!("{label} at step {}: {what} (colour) and confidence (shade); ● training, ○ test", r.trainer.step()),
        x_label: "x₁".into(),
        y_label: "x₂".into(),
        bounds: (bounds.x_min, bounds.x_max, bounds.y_min, bounds.y_max),
        points,
        ..Default::default()
    };
    let colors = (0..classes).map(class_color).collect();
    Chart::Map(map, Field::Classes { probs, classes, colors, width: MAX_GRID, height: MAX_GRID })
}

/// Most misclassified test inputs drawn as images beside the confusion matrix.
pub const MAX_SHOWN_ERRORS: usize = 40;

/// For inputs of d > 2 features (no plane to draw): the confusion matrix of the shown run on the test set
/// (rows: true class, columns: predicted; each row coloured by the fraction of that class, viridis), and
/// when d is a square (8×8 digits, 28×28 images) the first misclassified test inputs drawn as images to its
/// right, in a grid of 4 columns. One field image; its readout lines give the numbers.
fn confusion(run: &mut TrainingRun, view: usize, readout: &mut Vec<Readout>) -> Chart {
    let r = &mut run.runs[view];
    // the predictions are refreshed with the metrics (every `eval_every` steps, and at the end)
    let at = r.trainer.history().last().map_or(0, |m| m.step);
    let key = (at, view);
    if run.cache.pred_key != Some(key) {
        if let Some((step, pred)) = r.trainer.test_predictions().filter(|(s, _)| *s == at) {
            // the spread-out evaluation of that step already predicted every test row
            run.cache.test_pred = pred.to_vec();
            run.cache.pred_key = Some((step, view));
        }
    }
    if run.cache.pred_key != Some(key) {
        let k = r.trainer.mlp().classes().max(1);
        let test = r.trainer.data().test.x.clone();
        let mut out = Vec::with_capacity(test.len() * k);
        r.trainer.predict_into(test.iter(), &mut out);
        run.cache.test_pred = out.chunks(k).map(|p| (0..k).fold(0, |best, j| if p[j] > p[best] { j } else { best })).collect();
        run.cache.pred_key = Some(key);
    }
    let data = r.trainer.data();
    let k = data.classes.max(1);
    let (truth, pred) = (&data.test.y, &run.cache.test_pred);
    let mut m = vec![0usize; k * k];
    for (&t, &p) in truth.iter().zip(pred) {
        m[t * k + p.min(k - 1)] += 1;
    }
    let d = data.dim();
    let side = (d as f64).sqrt().round() as usize;
    let square = side * side == d && side >= 2;
    let errors: Vec<usize> = (0..truth.len()).filter(|&i| truth[i] != pred[i]).collect();
    let shown: Vec<usize> = if square { errors.iter().copied().take(MAX_SHOWN_ERRORS).collect() } else { Vec::new() };
    // the image: the k×k matrix, each cell `cell` pixels wide; then a grey gap; then the error images
    let cell = if square { side } else { 1 };
    let cols = 4;
    let tile = side + 1;
    let rows_img = shown.len().div_ceil(cols);
    let width = k * cell + if shown.is_empty() { 0 } else { cell.max(1) + cols * tile };
    let height = (k * cell).max(rows_img * tile);
    let mut values = vec![1.0; width * height]; // ≥ 1 is grey (background)
    for t in 0..k {
        let total = (0..k).map(|p| m[t * k + p]).sum::<usize>().max(1);
        for p in 0..k {
            let v = (m[t * k + p] as f64 / total as f64).min(0.999);
            for yy in 0..cell {
                for xx in 0..cell {
                    values[(t * cell + yy) * width + p * cell + xx] = v;
                }
            }
        }
    }
    let x0 = k * cell + cell.max(1);
    for (n, &i) in shown.iter().enumerate() {
        let (gx, gy) = (x0 + (n % cols) * tile, (n / cols) * tile);
        let img = &data.test.x[i];
        let (lo, hi) = img.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let span = if hi > lo { hi - lo } else { 1.0 };
        for yy in 0..side {
            for xx in 0..side {
                values[(gy + yy) * width + gx + xx] = ((img[yy * side + xx] - lo) / span).clamp(0.0, 0.999);
            }
        }
    }
    let label = r.trainer.spec().label.clone();
    let correct: usize = (0..k).map(|c| m[c * k + c]).sum();
    let n = truth.len();
    let per_class: Vec<String> = (0..k)
        .map(|c| {
            let total: usize = (0..k).map(|p| m[c * k + p]).sum();
            if total == 0 {
                format!("{c}: —")
            } else {
                format!("{c}: {}", pct(m[c * k + c] as f64 / total as f64))
            }
        })
        .collect();
    readout.push(Readout::new(format!("{label}: per-class test accuracy (step {at})"), crate::checks::join_strs(&per_class, " · ")));
    let worst = (0..k)
        .flat_map(|t| (0..k).filter(move |&p| p != t).map(move |p| (t, p)))
        .max_by_key(|&(t, p)| (m[t * k + p], std::cmp::Reverse((t, p))))
        .filter(|&(t, p)| m[t * k + p] > 0);
    readout.push(Readout::new(
        format!("{label}: misclassified test inputs"),
        match worst {
            Some((t, p)) => format!(
                "{} of {n} ({}); the most frequent confusion: true {t} predicted as {p}, {} times{}",
                errors.len(),
                pct(errors.len() as f64 / n.max(1) as f64),
                m[t * k + p],
                if shown.is_empty() {
                    String::new()
                } else {
                    let pairs: Vec<String> = shown.iter().map(|&i| format!("{}→{}", truth[i], pred[i])).collect();
                    format!("; drawn right of the matrix (true→predicted, row by row): {}", crate::checks::join_strs(&pairs, " "))
                }
            ),
            None if n == 0 => "no test set (training fraction 1)".into(),
            None => format!("none of {n}"),
        },
    ));
    let title = if shown.is_empty() {
        format!("{label}, step {}: confusion matrix on the {n} test inputs ({} correct)", r.trainer.step(), correct)
    } else {
        format!("{label}, step {at}: confusion matrix ({correct} of {n} test inputs correct) and {} misclassified inputs", shown.len())
    };
    // (which axis is the true class is said by the axis labels: in the title too it ran past its two lines)
    let map = MapChart {
        title,
        x_label: "predicted class 0 … 9 (left); misclassified test images (right)".into(),
        y_label: "true class (0 at the top)".into(),
        bounds: (0.0, width as f64, 0.0, height as f64),
        scale: Some(crate::plot::field::ColorScale { label: "fraction of the row".into(), low: "0".into(), high: "1".into(), extra: None }),
        no_ticks: true,
        ..Default::default()
    };
    run.cache.map_note = format!("confusion matrix of {label} on the test set (inputs have {d} features, so there is no plane to draw)");
    Chart::Map(map, Field::Grid { values, width, height })
}

/// The palette index of class `y`, on the map's regions and points alike.
pub fn class_color(y: usize) -> usize {
    CLASS_COLORS.get(y).copied().unwrap_or(y)
}

/// Loss (log scale) or accuracy (%) against step: training solid, test dashed, one colour per run; where early
/// stopping (`early`, one entry per run) has stopped a run, a marker at its stop and a point at the step it keeps.
fn curves(run: &TrainingRun, loss: bool, early: &[Option<EarlyStop>]) -> Chart {
    let mut series = Vec::new();
    let mut markers = Vec::new();
    for (r, e) in run.runs.iter().zip(early) {
        let h = r.trainer.history();
        let letter = letter(r.color);
        type Pts = Vec<(f64, f64)>;
        let (train, test): (Pts, Pts) = if loss {
            (
                h.iter().map(|m| (m.step as f64, m.train_loss)).collect(),
                h.iter().filter_map(|m| Some((m.step as f64, m.test_loss?))).collect(),
            )
        } else {
            (
                h.iter().map(|m| (m.step as f64, 100.0 * m.train_accuracy)).collect(),
                h.iter().filter_map(|m| Some((m.step as f64, 100.0 * m.test_accuracy?))).collect(),
            )
        };
        series.push(Series::line(format!("{letter} training"), RUN_COLORS[r.color], train));
        series.push(Series::line(format!("{letter} test"), RUN_COLORS[r.color], test).with_mark(Mark::Dashed));
        if let Some(EarlyStop { best, stop: Some(stop) }) = e {
            let y = if loss { best.test_loss } else { best.test_accuracy.map(|a| 100.0 * a) };
            let kept = y.map_or(vec![], |y| vec![(best.step as f64, y)]);
            series.push(Series::line(format!("{letter} early stopping keeps"), RUN_COLORS[r.color], kept).with_mark(Mark::Points));
            markers.push((stop.step as f64, format!("{letter} stops early")));
        }
        if let Some(d) = r.trainer.diverged() {
            markers.push((d.step as f64, format!("{letter} diverged")));
        }
    }
    let c = LineChart {
        title: if loss { "loss (mean over the set)".into() } else { "accuracy".into() },
        x_label: "optimizer step t".into(),
        y_label: if loss { "loss".into() } else { "accuracy (%)".into() },
        y_log: loss,
        x_range: Some((0.0, run.total as f64)),
        y_range: if loss { None } else { Some((0.0, 100.0)) },
        series,
        markers,
        ..Default::default()
    };
    Chart::Lines(c)
}

fn letter(i: usize) -> &'static str {
    ["A", "B"].get(i).copied().unwrap_or("?")
}

fn sharpness_chart(run: &TrainingRun) -> Chart {
    let mut series = Vec::new();
    for r in &run.runs {
        let pts = r.lambdas.iter().map(|l| (l.step as f64, l.value)).collect();
        series.push(Series::line(format!("{} λ_max", letter(r.color)), RUN_COLORS[r.color], pts).with_mark(Mark::LinePoints));
        if let Some(f) = gd_threshold(&r.trainer.spec().optimizer) {
            let pts: Vec<(f64, f64)> = r.trainer.history().iter().filter_map(|m| Some((m.step as f64, f / m.lr?))).collect();
            if !pts.is_empty() {
                let name = if f == 2.0 { "2/η" } else { "2(1+μ)/η" };
                series.push(Series::line(format!("{} {name}", letter(r.color)), RUN_COLORS[r.color], pts).with_mark(Mark::Dashed));
            }
        }
    }
    Chart::Lines(LineChart {
        title: "sharpness λ_max of the training loss (Lanczos on Hessian-vector products)".into(),
        x_label: "optimizer step t".into(),
        y_label: "λ_max (log scale)".into(),
        y_log: true,
        x_range: Some((0.0, run.total as f64)),
        series,
        ..Default::default()
    })
}

/// ‖∂L/∂W_l‖ of each layer against the step (run A solid with points, run B dashed), one colour per layer.
fn gradient_chart(run: &TrainingRun) -> Chart {
    let mut series = Vec::new();
    // a log scale has no place for an exact 0 (every weight gradient of a network whose ReLUs all died)
    let zeros = run.runs.iter().any(|r| r.grads.iter().any(|g| g.1.contains(&0.0)));
    for r in &run.runs {
        let layers = r.grads.first().map_or(0, |g| g.1.len());
        for l in 0..layers {
            let pts: Vec<(f64, f64)> =
                r.grads.iter().filter(|g| g.1[l].is_finite() && g.1[l] > 0.0).map(|g| (g.0 as f64, g.1[l])).collect();
            let line = Series::line(format!("{} W{}", letter(r.color), sub(l + 1)), class_color(l), pts);
            series.push(line.with_mark(if r.color == 0 { Mark::LinePoints } else { Mark::Dashed }));
        }
    }
    Chart::Lines(LineChart {
        title: format!("gradient per layer, ‖∂L/∂W_l‖ (W₁ takes the input{})", if zeros { "; zeros not drawn" } else { "" }),
        x_label: "optimizer step t".into(),
        y_label: "‖∂L/∂W_l‖ (log scale)".into(),
        y_log: true,
        x_range: Some((0.0, run.total as f64)),
        series,
        ..Default::default()
    })
}

/// The readout of a run's gradient per layer at its last checkpoint: the norms, the first layer's against the
/// last's, and at step 0 with a weight scale g ≠ 1 each layer's against the same draw at g = 1.
fn gradient_lines(r: &super::live::Run, label: &str, readout: &mut Vec<Readout>) {
    let Some((step, norms)) = r.grads.last() else {
        readout.push(Readout::new(format!("{label}: gradient per layer"), "measured from the first step on (press Play or Step)"));
        return;
    };
    let n = r.trainer.data().train.len();
    let over = if r.grad_rows == n {
        format!("all {n} training points")
    } else {
        format!("{} of the {n} training points, evenly spread", r.grad_rows)
    };
    let shown: Vec<String> = norms.iter().map(|g| Sig(*g).to_string()).collect();
    readout.push(Readout::new(
        format!("{label}: ‖∂L/∂W_l‖ per layer, input → output (step {step})"),
        format!("{} (the mean loss's gradient over {over})", crate::checks::join_strs(&shown, " · ")),
    ));
    let (Some(&first), Some(&last)) = (norms.first(), norms.last()) else { return };
    let l = norms.len();
    if l >= 2 && first.is_finite() && last.is_finite() && last > 0.0 {
        readout.push(Readout::new(format!("{label}: ‖∂L/∂W₁‖ / ‖∂L/∂W{}‖ (step {step})", sub(l)), Sig(first / last).to_string()));
    }
    // the scale's own effect: the same draw at g = 1, at step 0 (kept for the whole run)
    if let (Some((0, norms)), Some(unscaled)) = (r.grads.first(), r.grads_unscaled.as_ref()) {
        let gain = r.trainer.spec().model.init_gain;
        let ratios: Vec<String> =
            norms.iter().zip(unscaled).map(|(a, b)| if *b > 0.0 { Sig(a / b).to_string() } else { "—".into() }).collect();
        readout.push(Readout::new(
            format!("{label}: each layer's gradient against the same weights at scale 1 (step 0)"),
            format!(
                "× {} (scale g = {}: a linear network with small outputs would give g^{} = {} for every layer, one g for each of the other {} weight matrices)",
                crate::checks::join_strs(&ratios, " · "),
                crate::app::controls::fmt_num(gain),
                l - 1,
                Sig(gain.powi(l as i32 - 1)),
                l - 1
            ),
        ));
    }
}

fn slice_chart(run: &TrainingRun) -> Chart {
    let mut series = Vec::new();
    let mut steps = Vec::new();
    for r in &run.runs {
        let Some((step, s)) = &r.slice else { continue };
        steps.push(format!("{} at step {step}", letter(r.color)));
        let l = letter(r.color);
        series.push(Series::line(
            format!("{l} training"),
            RUN_COLORS[r.color],
            s.alpha.iter().copied().zip(s.train_loss.iter().copied()).collect(),
        ));
        if !s.test_loss.is_empty() {
            let pts = s.alpha.iter().copied().zip(s.test_loss.iter().copied()).collect();
            series.push(Series::line(format!("{l} test"), RUN_COLORS[r.color], pts).with_mark(Mark::Dashed));
        }
    }
    Chart::Lines(LineChart {
        title: format!(
            "loss along a random filter-normalised direction d ({})",
            if steps.is_empty() {
                if run.runs.iter().any(|r| r.measure_skipped) {
                    "not measured for this network and data, see the readout".into()
                } else {
                    "none yet".into()
                }
            } else {
                crate::checks::join_strs(&steps, ", ")
            }
        ),
        x_label: "α in L(w + α·d)".into(),
        y_label: "loss".into(),
        y_log: true,
        series,
        ..Default::default()
    })
}

fn spectrum_chart(run: &mut TrainingRun) -> Chart {
    let l = spectrum_layer(run);
    // recomputed at most once per evaluation interval (and at the end): two SVDs of a 64×64 update every frame
    // would cost the digits view a dropped frame
    let every = run.runs[0].trainer.spec().eval_every.max(1);
    let due = match run.cache.spectra_step {
        None => true,
        Some(s) => run.step != s && (run.step >= s + every || run.stopped()),
    };
    if run.cache.spectra.len() != run.runs.len() {
        run.cache.spectra = vec![Vec::new(); run.runs.len()];
        run.cache.spectra_steps = vec![0; run.runs.len()];
    }
    if due || run.cache.spectra_pending.is_some() {
        // one run's SVD per frame: the runs' spectra are taken on consecutive frames (each labelled with its step)
        let i = run.cache.spectra_pending.unwrap_or(0);
        let r = &run.runs[i];
        run.cache.spectra[i] = if r.trainer.step() == 0 { Vec::new() } else { nonzero_singular_values(r.trainer.weight_update(l)) };
        run.cache.spectra_steps[i] = r.trainer.step();
        run.cache.spectra_pending = (i + 1 < run.runs.len()).then_some(i + 1);
        if due {
            run.cache.spectra_step = Some(run.step);
        }
        // small matrices (up to 32×32: well under a millisecond) take every run's at once
        let layer = run.runs[0].trainer.mlp().layers()[l];
        if run.stopped() || layer.fan_in * layer.fan_out <= 1024 {
            for (j, r) in run.runs.iter().enumerate().skip(i + 1) {
                run.cache.spectra[j] = if r.trainer.step() == 0 { Vec::new() } else { nonzero_singular_values(r.trainer.weight_update(l)) };
                run.cache.spectra_steps[j] = r.trainer.step();
            }
            run.cache.spectra_pending = None;
        }
    }
    let layer = run.runs[0].trainer.mlp().layers()[l];
    let series = run
        .runs
        .iter()
        .zip(&run.cache.spectra)
        .map(|(r, s)| {
            let pts = s.iter().enumerate().filter(|(_, v)| v.is_finite() && **v > 0.0).map(|(i, v)| ((i + 1) as f64, *v)).collect();
            let at = run.cache.spectra_steps.get(r.color).copied().unwrap_or(0);
            Series::line(format!("{} step {at}", letter(r.color)), RUN_COLORS[r.color], pts).with_mark(Mark::LinePoints)
        })
        .collect();
    Chart::Lines(LineChart {
        title: format!("singular values of the last update of W{} ({}×{}; zeros not drawn)", sub(l + 1), layer.fan_out, layer.fan_in),
        x_label: "index i (largest first)".into(),
        y_label: "σᵢ(ΔW)".into(),
        y_log: true,
        series,
        ..Default::default()
    })
}

/// The singular values of `m` after dropping its all-zero rows and columns (which only add zero singular
/// values): an update with many exact zeros — dead ReLU units — otherwise sends the SVD down a path that
/// takes 50–90 ms for a 64×64 matrix instead of about 1 ms (measured natively).
fn nonzero_singular_values(m: ndarray::ArrayView2<'_, f64>) -> Vec<f64> {
    let rows: Vec<usize> = (0..m.nrows()).filter(|&i| m.row(i).iter().any(|x| *x != 0.0)).collect();
    let cols: Vec<usize> = (0..m.ncols()).filter(|&j| m.column(j).iter().any(|x| *x != 0.0)).collect();
    if rows.is_empty() || cols.is_empty() {
        return Vec::new();
    }
    // (copied entry by entry: `select` concatenates, and ndarray's concatenate was 4 KB of the wasm)
    let t = ndarray::Array2::from_shape_fn((rows.len(), cols.len()), |(i, j)| m[[rows[i], cols[j]]]);
    singular_values(t.view())
}

fn sub(i: usize) -> String {
    i.to_string().chars().map(|c| char::from_u32(0x2080 + c.to_digit(10).unwrap_or(0)).unwrap_or(c)).collect()
}

/// Where early stopping on the test loss with `patience` steps stops run `r` (`early`, its [`early_stop`]) and
/// what the step it keeps gives (see [`crate::train::early`]).
fn early_line(r: &super::live::Run, patience: usize, early: Option<&EarlyStop>, readout: &mut Vec<Readout>) {
    let h = r.trainer.history();
    let label = format!("{}: early stopping, patience {patience} steps (the test set as the validation set)", r.trainer.spec().label);
    let both = |m: &crate::train::Metrics| format!("{} / {}", m.test_loss.map_or("—".into(), sig), m.test_accuracy.map_or("—".into(), pct));
    let (Some(e), Some(last)) = (early, h.last()) else {
        return readout.push(Readout::new(label, "no finite test loss to watch yet"));
    };
    let b = e.best;
    readout.push(Readout::new(
        label,
        match e.stop {
            Some(s) => format!(
                "stops at step {}, {} steps after the lowest test loss up to then (step {}); step {}'s weights give test loss / accuracy {}, \
                 against {} at step {}",
                s.step,
                s.step - b.step,
                b.step,
                b.step,
                both(b),
                both(last),
                last.step
            ),
            None if b.step == last.step => format!("not stopped by step {}: its test loss is the lowest so far (test loss / accuracy {})", last.step, both(b)),
            None => format!(
                "not stopped by step {}: the lowest test loss so far is step {}'s, {} steps before it (test loss / accuracy {} against {})",
                last.step,
                b.step,
                last.step - b.step,
                both(b),
                both(last)
            ),
        },
    ));
}

/// What dropout does in these runs (nothing without it): p, the units, and how many the last step's mask zeroed.
fn dropout_line(run: &TrainingRun, readout: &mut Vec<Readout>) {
    let t = &run.runs[0].trainer;
    let (p, hidden) = (t.spec().model.dropout, &t.spec().model.hidden);
    if p <= 0.0 {
        return;
    }
    let units = t.mlp().hidden_units();
    let layers = if hidden.len() == 1 { "1 hidden layer".to_string() } else { format!("{} hidden layers", hidden.len()) };
    let mask = t.last_dropout_mask();
    let last = if mask.is_empty() {
        "no step taken yet".to_string()
    } else {
        let zeroed = mask.iter().filter(|f| **f == 0.0).count();
        format!(
            "step {}'s batch had {zeroed} of its {} unit outputs zeroed ({})",
            t.step(),
            mask.len(),
            pct(zeroed as f64 / mask.len() as f64)
        )
    };
    readout.push(Readout::new(
        format!("dropout p = {}", crate::app::controls::fmt_num(p)),
        format!(
            "in each training step each unit of the {layers} ({units} units) is zeroed with probability p and the others are scaled by \
             1/(1 − p) = {}; {last}. The losses, accuracies and map are the whole network's (no dropout, as after model.eval()){}",
            Sig(1.0 / (1.0 - p)),
            if run.runs.len() > 1 { "; both runs drop the same units" } else { "" }
        ),
    ));
}

/// What batch normalisation does in run A (nothing without it): its γ and β and its running statistics now (the
/// label names run A when there are two).
fn batch_norm_line(run: &TrainingRun, readout: &mut Vec<Readout>) {
    let t = &run.runs[0].trainer;
    if !t.mlp().batch_norm() {
        return;
    }
    // one value where the range is one (at the start: every γ 1, β 0, running mean 0 and variance 1)
    let span = |v: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
        if lo == hi {
            Sig(lo).to_string()
        } else {
            format!("{} to {}", Sig(lo), Sig(hi))
        }
    };
    let (b, n) = (t.spec().batch_size, t.data().train.len());
    // (the batch's noise, which lets it act as a regulariser, is there unless the batch is the whole training set)
    let batch = match n % b {
        _ if b == n => {
            format!("B = {b}: the whole training set, so every step normalises by the same statistics and the batch adds no noise")
        }
        0 => format!("B = {b} points; each point's output depends on which points share its batch"),
        r => format!("B = {b} points, the last of each epoch {r}; each point's output depends on which points share its batch"),
    };
    let (params, mlp) = (t.params(), t.mlp());
    let norms = || mlp.layers().iter().filter(|l| l.norm);
    let gamma = span(&mut norms().flat_map(|l| params[l.norm_range()][..l.fan_out].iter().copied()));
    let beta = span(&mut norms().flat_map(|l| params[l.norm_range()][l.fan_out..].iter().copied()));
    let means = span(&mut mlp.running_per_layer().flat_map(|(m, _)| m.iter().copied()));
    let vars = span(&mut mlp.running_per_layer().flat_map(|(_, v)| v.iter().copied()));
    // the figures are run A's; in a comparison run B has γ, β and running statistics of its own
    let label = if run.runs.len() > 1 { format!("batch normalisation ({})", t.spec().label) } else { "batch normalisation".into() };
    readout.push(Readout::new(
        label,
        format!(
            "in each training step every hidden unit is normalised by the mean and variance over the step's batch ({batch}), then \
             scaled by γ and shifted by β ({}: γ {gamma}, β {beta}). The losses, accuracies, map, λ_max, loss slice and gradients per \
             layer use the running statistics instead (as model.eval()), moved {:.0} % of the way to each step's batch statistics: \
             running means {means}, variances {vars}",
            if t.step() == 0 { "at the start".to_string() } else { format!("after step {}", t.step()) },
            100.0 * crate::train::mlp::BN_MOMENTUM,
        ),
    ));
}

fn readout(run: &TrainingRun, patience: usize, early: &[Option<EarlyStop>], scene: &mut Scene) {
    let setup = &run.setup;
    scene.readout.push(Readout::new("data", setup.data_line.clone()));
    scene.readout.push(Readout::new("map", run.cache.map_note.clone()));
    let lead = run.runs.iter().max_by_key(|r| r.trainer.step()).expect("a run has at least one trainer");
    let t = &lead.trainer;
    let n_train = t.data().train.len();
    scene.readout.push(Readout::new("optimizer steps", format!("{} of {}", run.step, run.total)));
    scene.readout.push(Readout::new(format!("epochs (complete passes over the {n_train} training points)"), t.epoch().to_string()));
    scene.readout.push(Readout::new(format!("training samples used (batch size {})", t.spec().batch_size), t.samples().to_string()));
    dropout_line(run, &mut scene.readout);
    batch_norm_line(run, &mut scene.readout);
    for (r, e) in run.runs.iter().zip(early) {
        let label = r.trainer.spec().label.clone();
        if let Some(d) = r.trainer.diverged() {
            scene.readout.push(Readout::bad(label.clone(), format!("diverged at step {}: {}", d.step, clean(&d.reason))));
        }
        if let Some(m) = r.trainer.history().last() {
            scene.readout.push(Readout::new(
                format!("{label}: training loss / accuracy (step {})", m.step),
                format!("{} / {}", Sig(m.train_loss), pct(m.train_accuracy)),
            ));
            scene.readout.push(Readout::new(
                format!("{label}: test loss / accuracy (step {})", m.step),
                format!("{} / {}", m.test_loss.map_or("—".into(), sig), m.test_accuracy.map_or("—".into(), pct)),
            ));
        }
        early_line(r, patience, e.as_ref(), &mut scene.readout);
        match r.lambdas.last() {
            Some(l) => {
                let how = if l.converged {
                    format!("{} (Lanczos, {} Hessian-vector products)", Sig(l.value), l.products)
                } else {
                    format!("≈ {} (Lanczos stopped after {} products; residual {}%)", Sig(l.value), l.products, Sig(100.0 * l.rel_residual))
                };
                let thr = gd_threshold(&r.trainer.spec().optimizer).and_then(|f| {
                    let lr = r.trainer.history().iter().rev().find(|m| m.step <= l.step).and_then(|m| m.lr)?;
                    Some(format!("; {} = {}", if f == 2.0 { "2/η" } else { "2(1+μ)/η" }, Sig(f / lr)))
                });
                let relu = if r.trainer.mlp().activation == crate::train::Activation::Relu {
                    "; with ReLU the finite differences can straddle kinks, so take it as an estimate"
                } else {
                    ""
                };
                scene
                    .readout
                    .push(Readout::new(format!("{label}: λ_max at step {}", l.step), format!("{how}{}{relu}", thr.unwrap_or_default())));
            }
            None if r.measure_skipped => scene.readout.push(Readout::new(
                format!("{label}: λ_max and the loss slice"),
                format!(
                    "not measured here: one Hessian-vector product (two gradients over the {} training points) takes about {} ms \
                     natively, more than a frame allows (the limit is {} ms)",
                    r.trainer.data().train.len(),
                    Sig(r.hvp_cost() / 1e6),
                    Sig(super::live::MAX_MEASURE_UNIT / 1e6)
                ),
            )),
            None => scene.readout.push(Readout::new(
                format!("{label}: λ_max"),
                if r.measuring() { "being measured" } else { "measured from the first step on (press Play or Step)" },
            )),
        }
    }
    for r in &run.runs {
        gradient_lines(r, &r.trainer.spec().label, &mut scene.readout);
    }
    if run.runs.iter().any(|r| uses_muon(&r.trainer.spec().optimizer)) {
        let s = &setup.specs[0];
        scene.readout.push(Readout::new(
            "Muon's parameter groups",
            format!(
                "Muon applies to the hidden-to-hidden weight matrices; AdamW (η = {}, weight decay {}) to the biases and the first and last layers",
                crate::app::controls::fmt_num(s.adamw.lr),
                crate::app::controls::fmt_num(s.adamw.weight_decay)
            ),
        ));
    }
    for r in run.runs.iter().filter(|r| crate::train::groups::newton_of(&r.trainer.spec().optimizer).is_some()) {
        let n = r.trainer.mlp().n_params();
        let shift = r
            .trainer
            .optimizer_internals()
            .into_iter()
            .find(|(k, _)| k.what == crate::optim::Internal::Shift)
            .and_then(|(_, v)| v.first().copied());
        let shift = match shift {
            Some(s) if r.trainer.step() > 0 => format!("; the last step added τ = {} to H", Sig(s)),
            _ => String::new(),
        };
        scene.readout.push(Readout::new(
            format!("{}: cost of a Newton step", r.trainer.spec().label),
            format!(
                "N = {n} parameters: the {n}×{n} batch Hessian from {} gradients, its eigenvalues and a solve, O(N³) ≈ {} operations \
                 (a gradient step: O(N)){shift}",
                2 * n,
                Sig((n as f64).powi(3))
            ),
        ));
    }
    let flipped = t.data().flipped.len();
    if flipped > 0 {
        scene.readout.push(Readout::new("flipped training labels", format!("{flipped} of {n_train} (label noise); test labels are clean")));
    }
    if t.data().classes >= 10 || t.spec().data.kind == crate::train::DataKind::Digits {
        let target = super::setup::DIGITS_TARGET;
        for r in &run.runs {
            let h = r.trainer.history();
            let reached = h.iter().find(|m| m.test_accuracy.is_some_and(|a| a >= target));
            let every = r.trainer.spec().eval_every;
            scene.readout.push(Readout::new(
                format!("{}: steps to {} test accuracy", r.trainer.spec().label, pct(target)),
                match reached {
                    Some(m) => format!("{} (first evaluation at or above it; test accuracy measured every {every} steps)", m.step),
                    None => format!(
                        "not reached in {} steps (best so far {})",
                        r.trainer.step(),
                        pct(h.iter().filter_map(|m| m.test_accuracy).fold(0.0, f64::max))
                    ),
                },
            ));
        }
    }
    if run.runs.len() > 1 {
        let masks = if t.spec().model.dropout > 0.0 { ", with the same dropout masks" } else { "" };
        scene.readout.push(Readout::new(
            "fair comparison",
            format!("both runs start from the same weights and see the same mini-batches in the same order{masks}"),
        ));
    }
    let lam = run.runs[0].lambdas.last().map_or(r"\text{(being measured)}".to_string(), |l| sig(l.value));
    scene.values.push(("lambda_max".into(), lam));
}
