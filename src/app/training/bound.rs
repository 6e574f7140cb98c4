//! SAM's generalisation bound (the lecture's Theorem 2) for the network the training reached: its terms
//! against ρ (see [`crate::train::flatness`]), a chart and a readout whose words come from the values.
//!
//! Measured once per run when the training stops (or when [`super::live::TrainingRun::finish_measurements`]
//! is asked for), on the final weights: [`flatness::gradient_evaluations`] full-batch gradients, about as
//! much work as finishing one λ_max measurement, and skipped, with the reason, where λ_max is skipped
//! (one gradient over the training set costs more than a frame allows).

use super::live::{Run, TrainingRun};
use super::scene::RUN_COLORS;
use crate::app::common::Sig;
use crate::app::controls::fmt_num;
use crate::app::{Chart, Claim, Readout, Scene};
use crate::plot::{LineChart, Mark, Series};
use crate::train::flatness::{self, BoundPoint, BoundTerms, ASCENT_STEPS, BOUND_RHOS};
use crate::train::trainer::{evaluate, MIN_CHUNK};
use crate::train::Trainer;

/// The terms of the bound for the trainer's current weights (`None` after a divergence).
pub fn measure(trainer: &Trainer) -> Option<BoundTerms> {
    if trainer.diverged().is_some() {
        return None;
    }
    let (mlp, data) = (trainer.mlp(), trainer.data());
    let theta = trainer.params();
    let mut ws = mlp.workspace(MIN_CHUNK);
    let test = (!data.test.is_empty()).then(|| evaluate(mlp, theta, &mut ws, &data.test, None, None).0);
    let mut loss_grad = |p: &[f64], out: &mut [f64]| evaluate(mlp, p, &mut ws, &data.train, None, Some(out)).0;
    Some(flatness::bound_terms(&mut loss_grad, theta, test, trainer.step(), &BOUND_RHOS))
}

/// Measures the bound of every run whose weights changed since its last measurement (not where λ_max is
/// not measured either: see the module docs).
pub fn measure_all(run: &mut TrainingRun) {
    for r in &mut run.runs {
        if r.hvp_cost() > super::live::MAX_MEASURE_UNIT {
            continue;
        }
        if r.bound.as_ref().map(|b| b.step) != Some(r.trainer.step()) || (r.bound.is_none() && r.trainer.diverged().is_none()) {
            r.bound = measure(&r.trainer);
        }
    }
}

fn letter(r: &Run) -> &'static str {
    ["A", "B"].get(r.color).copied().unwrap_or("?")
}

/// Training loss, test loss, L_S + flatness and the flatness term against ρ (log axes), one colour per run.
pub fn chart(run: &TrainingRun) -> Chart {
    let mut series = Vec::new();
    let mut steps = Vec::new();
    let mut waiting = Vec::new();
    for r in &run.runs {
        let Some(b) = &r.bound else {
            // until the training stops: the two losses of the latest evaluation, flat in ρ (no flatness yet)
            let Some(m) = r.trainer.history().last() else { continue };
            let (l, c) = (letter(r), RUN_COLORS[r.color]);
            waiting.push(format!("{l} at step {}", m.step));
            series.push(Series::line(format!("{l} L_S(θ) training"), c, BOUND_RHOS.iter().map(|&x| (x, m.train_loss)).collect()));
            if let Some(t) = m.test_loss {
                series.push(
                    Series::line(format!("{l} test loss (L_D estimate)"), c, BOUND_RHOS.iter().map(|&x| (x, t)).collect())
                        .with_mark(Mark::Dashed),
                );
            }
            continue;
        };
        let (l, c) = (letter(r), RUN_COLORS[r.color]);
        steps.push(format!("{l} at step {}", b.step));
        let rhos: Vec<f64> = b.points.iter().map(|p| p.rho).collect();
        series.push(
            Series::line(format!("{l} L_S + flatness"), c, b.points.iter().map(|p| (p.rho, p.max_loss)).collect())
                .with_mark(Mark::LinePoints),
        );
        series.push(
            Series::line(format!("{l} flatness term"), c, b.points.iter().map(|p| (p.rho, p.flatness)).collect()).with_mark(Mark::Points),
        );
        series.push(Series::line(format!("{l} L_S(θ) training"), c, rhos.iter().map(|&x| (x, b.train_loss)).collect()));
        if let Some(t) = b.test_loss {
            series.push(
                Series::line(format!("{l} test loss (L_D estimate)"), c, rhos.iter().map(|&x| (x, t)).collect()).with_mark(Mark::Dashed),
            );
        }
    }
    let when = match (steps.is_empty(), waiting.is_empty()) {
        (true, true) => "measured when the training stops".to_string(),
        (false, true) => crate::checks::join_strs(&steps, ", "),
        // short: in an 800 px embed the chart is ~260 px wide and "losses so far; the flatness term once the
        // training stops" was cut by the title's two-line limit
        (true, false) => format!("{}; flatness once stopped", crate::checks::join_strs(&waiting, ", ")),
        (false, false) => {
            format!("{}; {}: losses so far", crate::checks::join_strs(&steps, ", "), crate::checks::join_strs(&waiting, ", "))
        }
    };
    // (the terms are spelled out in the caption: with them the title ran past its two lines and was cut)
    Chart::Lines(LineChart {
        title: format!("SAM's bound without h against ρ ({when})"),
        x_label: "radius ρ (log scale)".into(),
        y_label: "loss (log scale)".into(),
        x_log: true,
        y_log: true,
        series,
        ..Default::default()
    })
}

/// The readout: what was estimated and how, the argument of h, and at which ρ the terms without h already
/// exceed the measured test loss.
pub fn readout(run: &TrainingRun, scene: &mut Scene) {
    let any = run.runs.iter().any(|r| r.bound.is_some());
    if !any {
        let why = if run.runs.iter().any(|r| r.hvp_cost() > super::live::MAX_MEASURE_UNIT) {
            "not measured for this network and data (one gradient over the training set costs more than a frame allows, as for λ_max)"
        } else if run.runs.iter().all(|r| r.trainer.diverged().is_some()) {
            "not measured: the run diverged"
        } else {
            "measured on the final weights when the training stops"
        };
        scene.readout.push(Readout::new("SAM's generalisation bound (Theorem 2)", why));
        return;
    }
    scene.readout.push(Readout::new(
        "SAM's generalisation bound (Theorem 2): how it is measured",
        format!(
            "the theorem: with high probability L_D(θ) is at most L_S(θ) + [the largest L_S(θ+ε) with ‖ε‖₂ within ρ, minus L_S(θ)] + h(‖θ‖²/ρ²). L_S is the mean training loss, L_D is estimated by \
             the mean test loss; the maximum is estimated from SAM's first-order point ε̂ = ρ∇L_S/‖∇L_S‖ followed by {ASCENT_STEPS} steps of \
             projected gradient ascent on the sphere ‖ε‖ = ρ (the largest loss found: a lower estimate of the maximum). The lecture does not \
             say what h is (only that it is strictly increasing and falls with the number of samples), so h is not drawn or added: its \
             argument ‖θ‖²/ρ² is given below"
        ),
    ));
    for r in &run.runs {
        let Some(b) = &r.bound else { continue };
        let label = r.trainer.spec().label.clone();
        let first = b.points.first().expect("radii");
        let last = b.points.last().expect("radii");
        let gain = b.points.iter().map(|p| p.max_loss - p.first_order).fold(0.0, f64::max);
        scene.readout.push(Readout::new(
            format!("{label}: terms at step {} (ρ = {} … {})", b.step, fmt_num(first.rho), fmt_num(last.rho)),
            format!(
                "L_S(θ) = {}; flatness term {} … {}; ‖θ‖² = {}, so ‖θ‖²/ρ² = {} … {}; the ascent added at most {} to SAM's first-order estimate",
                Sig(b.train_loss),
                Sig(first.flatness),
                Sig(last.flatness),
                Sig(b.theta_sq),
                Sig(first.h_argument),
                Sig(last.h_argument),
                Sig(gain)
            ),
        ));
        let Some(test) = b.test_loss else {
            scene.readout.push(Readout::new(
                format!("{label}: the bound against the test loss"),
                "no test split (training fraction 1): nothing to compare",
            ));
            continue;
        };
        scene.readout.push(comparison(&label, b, test));
    }
}

/// Where `L_S + flatness` (the bound without h) stands against the measured test loss, over the radii.
fn comparison(label: &str, b: &BoundTerms, test: f64) -> Readout {
    let finite: Vec<&BoundPoint> = b.points.iter().filter(|p| p.max_loss.is_finite()).collect();
    let above: Vec<bool> = finite.iter().map(|p| p.max_loss >= test).collect();
    let rhos =
        |want: bool| -> Vec<String> { finite.iter().zip(&above).filter(|(_, a)| **a == want).map(|(p, _)| fmt_num(p.rho)).collect() };
    let (yes, no) = (rhos(true), rhos(false));
    // the two claims shown: the smallest radius where the terms reach the test loss, and the largest where they do not
    let first_yes = finite.iter().zip(&above).find(|(_, a)| **a).map(|(p, _)| *p);
    let last_no = finite.iter().zip(&above).rev().find(|(_, a)| !**a).map(|(p, _)| *p);
    let mut claims = Vec::new();
    let mut parts = Vec::new();
    if finite.len() < b.points.len() || !test.is_finite() {
        let bad: Vec<String> = b.points.iter().filter(|p| !p.max_loss.is_finite()).map(|p| fmt_num(p.rho)).collect();
        if !test.is_finite() {
            return Readout::new(
                format!("{label}: the bound against the test loss"),
                "the test loss is not a finite number: nothing to compare",
            );
        }
        parts.push(format!("the training loss is not a finite number within ρ = {} of θ", crate::checks::join_strs(&bad, ", ")));
    }
    if let Some(p) = first_yes {
        let c = Claim::new(p.max_loss, crate::app::Rel::Ge, test);
        parts.push(format!(
            "the bound without h is already above the test loss at ρ = {} (at ρ = {}: L_S + flatness = {} {} {})",
            crate::checks::join_strs(&yes, ", "),
            fmt_num(p.rho),
            Sig(p.max_loss),
            c.symbol(),
            Sig(test)
        ));
        claims.push(c);
    }
    if let Some(p) = last_no {
        let c = Claim::new(p.max_loss, crate::app::Rel::Lt, test);
        let gap = test - p.max_loss;
        parts.push(format!(
            "it is not at ρ = {} (at ρ = {}: {} {} {}), where h(‖θ‖²/ρ²) = h({}) must make up at least {} for the theorem to hold",
            crate::checks::join_strs(&no, ", "),
            fmt_num(p.rho),
            Sig(p.max_loss),
            c.symbol(),
            Sig(test),
            Sig(p.h_argument),
            Sig(gap)
        ));
        claims.push(c);
    }
    let gen_gap = test - b.train_loss;
    let value = format!("{}; the measured generalisation gap L_D − L_S is {}", crate::checks::join_strs(&parts, "; "), Sig(gen_gap));
    claims.into_iter().fold(Readout::new(format!("{label}: the bound against the test loss {}", Sig(test)), value), Readout::claiming)
}
