//! Chapter 4 — adaptive methods: AdaGrad, RMSProp and Adam side by side, with the per-coordinate effective
//! step size each one takes over time.

use super::common::{convergence, loss_chart, paths, run_report, sig, spec_of};
use super::controls::fmt_num;
use super::{Canvas, Chapter, Chart, Claim, Control, Field, Formula, Readout, Rel, Scene, State};
use crate::optim::config::{Adagrad, Adam, Coupled, Rmsprop};
use crate::optim::OptimizerSpec;
use crate::plot::field::MapChart;
use crate::plot::{LineChart, Mark, Series};
use crate::problems::ProblemSpec;
use crate::run::Trace;

pub struct Adaptive;

/// Palette indices of AdaGrad, RMSProp and Adam (the same in every chart).
const COLORS: [usize; 3] = [0, 1, 2];

fn problem(st: &State) -> ProblemSpec {
    let json = match st.get("problem") {
        "rosenbrock" => serde_json::json!({"kind": "rosenbrock"}),
        _ => serde_json::json!({"kind": "conditioned_quadratic", "kappa": st.f64("kappa"), "angle": st.f64("angle"), "l_max": 1.0}),
    };
    serde_json::from_value(json).expect("chapter builds valid problem json")
}

/// The three optimizers with the controls' hyperparameters (PyTorch defaults for everything else).
fn optimizers(st: &State) -> Vec<(String, OptimizerSpec)> {
    let (lr, eps) = (st.f64("lr"), st.f64("eps"));
    let mut adam = Adam::<Coupled>::default();
    (adam.lr, adam.beta1, adam.beta2, adam.eps) = (lr, st.f64("beta1"), st.f64("beta2"), eps);
    adam.bias_correction = st.bool("bias_correction");
    vec![
        ("AdaGrad".into(), OptimizerSpec::Adagrad(Adagrad { lr, eps, ..Adagrad::default() })),
        ("RMSProp".into(), OptimizerSpec::Rmsprop(Rmsprop { lr, alpha: st.f64("alpha"), eps, ..Rmsprop::default() })),
        ("Adam".into(), OptimizerSpec::Adam(adam)),
    ]
}

/// `lr · step_scale` per coordinate and step: the factor each optimizer puts on its direction (the gradient
/// for AdaGrad and RMSProp, the first moment for Adam).
pub fn effective_steps(trace: &Trace, lr: f64) -> Vec<Vec<f64>> {
    trace
        .internals
        .iter()
        .find(|(n, _)| n == "step_scale")
        .map(|(_, per_step)| per_step.iter().map(|s| s.iter().map(|v| lr * v).collect()).collect())
        .unwrap_or_default()
}

/// Spread of the last quarter below which an effective step counts as levelled off.
const LEVEL: f64 = 0.05;

/// What one coordinate's effective step did over the run, in words derived from the series: over the last
/// quarter of the steps it levelled off (max/min − 1 ≤ 5 %), rose or fell at every step, or went up and
/// down; and the claim the words rest on when they state one.
pub fn step_trend(series: &[f64]) -> (String, Option<Claim>) {
    let n = series.len();
    if n < 4 {
        return ("too few steps to tell a trend".into(), None);
    }
    let tail = &series[3 * n / 4..];
    let (lo, hi) = tail.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    let spread = hi / lo - 1.0;
    if !(spread.is_finite() && lo > 0.0) {
        return ("—".into(), None);
    }
    let c = Claim::compare(spread, LEVEL);
    if c.rel == Rel::Le {
        return (format!("levels off (last quarter spread {} % {} {} %)", sig(100.0 * spread), c.symbol(), sig(100.0 * LEVEL)), Some(c));
    }
    let ratio = tail[tail.len() - 1] / tail[0];
    let word = if tail.windows(2).all(|w| w[1] >= w[0]) {
        "rises at every step"
    } else if tail.windows(2).all(|w| w[1] <= w[0]) {
        "falls at every step"
    } else {
        "goes up and down"
    };
    (format!("{word} over the last quarter (×{}, spread {} % {} {} %)", sig(ratio), sig(100.0 * spread), c.symbol(), sig(100.0 * LEVEL)), Some(c))
}

impl Chapter for Adaptive {
    fn id(&self) -> &'static str {
        "adaptive"
    }
    fn title(&self) -> &'static str {
        "Adaptive methods: AdaGrad, RMSProp, Adam"
    }
    fn intro(&self) -> &'static str {
        "The sign of a gradient says which way to go; its magnitude changes wildly during training and makes a \
         single learning rate hard to tune. Adaptive methods divide each coordinate by a running estimate of its \
         own magnitude: AdaGrad by the root of the sum of all past squared gradients (so its steps never grow), \
         RMSProp by the root of an exponential average, and Adam additionally replaces the gradient by its \
         exponential average (momentum) and corrects both averages for their start at zero."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Watch the effective step sizes in the lower chart: AdaGrad's never grows (its sum of squares only increases) and stops changing once the gradients vanish, while RMSProp's, which forgets old gradients, grows as they shrink.",
            "Set T = 2000: RMSProp's effective step levels off at 2/λ per coordinate (2 on x, 2κ = 100 on y), the edge of stability, and its loss bounces back up from below 1e-100.",
            "Turn bias correction off: Adam's first move grows by (1−β₁)/√(1−β₂) ≈ 3.2 (see the first-move readout).",
            "Rotate the quadratic to 45°: the valley no longer lines up with the rescaled coordinates, both get about the same effective step, and RMSProp and Adam need more steps.",
            "Switch to Rosenbrock and set T = 2000: Adam gets furthest along the curved valley and AdaGrad least, its effective step far below the others'.",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula { caption: "AdaGrad", tex: r"v_t = v_{t-1} + g_t^2,\qquad x_{t+1} = x_t - \frac{\eta}{\sqrt{v_t} + \epsilon}\, g_t,\quad \eta = {lr}" },
            Formula { caption: "RMSProp", tex: r"v_t = \alpha v_{t-1} + (1-\alpha)\, g_t^2,\qquad x_{t+1} = x_t - \frac{\eta}{\sqrt{v_t} + \epsilon}\, g_t,\quad \alpha = {alpha}" },
            Formula {
                caption: "Adam (PyTorch form: ε after the root)",
                tex: r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad \beta_1 = {beta1},\ \beta_2 = {beta2}",
            },
            Formula {
                caption: "Adam's step with bias correction (without it, both denominators are 1)",
                tex: r"x_{t+1} = x_t - \underbrace{\frac{\eta}{(1-\beta_1^t)\big(\sqrt{v_t/(1-\beta_2^t)} + \epsilon\big)}}_{\text{effective step size}}\; m_t,\quad \epsilon = {eps}",
            },
        ]
    }
    fn controls(&self) -> Vec<Control> {
        vec![
            Control::select(
                "problem",
                "landscape",
                vec![("conditioned_quadratic", "ill-conditioned quadratic"), ("rosenbrock", "Rosenbrock valley")],
                "conditioned_quadratic",
            ),
            Control::log_range("kappa", "condition number κ", 1.0, 1000.0, 50.0).unit("κ").when("problem", vec!["conditioned_quadratic"]),
            Control::range("angle", "rotation", -90.0, 90.0, 0.0).unit("°").when("problem", vec!["conditioned_quadratic"]),
            Control::log_range("lr", "learning rate η", 1e-4, 10.0, 0.1).unit("η"),
            Control::range("beta1", "Adam β₁ (momentum)", 0.0, 0.999, 0.9).unit("β₁"),
            Control::range("beta2", "Adam β₂ (second moment)", 0.0, 0.9999, 0.999).unit("β₂"),
            Control::range("alpha", "RMSProp α (second moment)", 0.0, 0.9999, 0.99).unit("α"),
            Control::log_range("eps", "ε (added to the root)", 1e-12, 1.0, 1e-8).unit("ε"),
            Control::toggle("bias_correction", "Adam bias correction", true),
            Control::int("steps", "steps T", 1, 2000, 200),
            Control::point("x0", "start x₀ (click the map)", (-1.5, 1.0), -5.0, 5.0),
        ]
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas { id: "map", label: "level sets of the landscape with the paths of AdaGrad, RMSProp and Adam", aspect: 0.75, clickable: true },
            Canvas { id: "loss", label: "loss against step for AdaGrad, RMSProp and Adam", aspect: 0.6, clickable: false },
            Canvas { id: "steps", label: "effective step size per coordinate against step, log scale", aspect: 0.6, clickable: false },
        ]
    }

    fn compute(&self, st: &State) -> Scene {
        let mut scene = Scene::default();
        let prob = problem(st);
        let (x, y) = st.point("x0");
        let lr = st.f64("lr");
        let spec = spec_of(prob.clone(), vec![x, y], optimizers(st), st.usize("steps"), 0);
        let (f_star, l) = match spec.problem.build(0) {
            Ok(p) => (p.minimum(), p.smoothness()),
            Err(e) => {
                scene.messages.push(super::Message::error(e.to_string()));
                return scene;
            }
        };
        let report = match run_report(&spec, true) {
            Ok(r) => r,
            Err(m) => {
                scene.messages.push(m);
                return scene;
            }
        };

        let mut map = MapChart {
            title: "paths of the three methods".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            bounds: super::momentum::view_bounds(&prob, (x, y), &report),
            paths: paths(&report, &COLORS),
            ..Default::default()
        };
        map.markers.push((x, y, "x₀".into(), usize::MAX));
        let x_star = if matches!(prob, ProblemSpec::Rosenbrock(_)) { (1.0, 1.0) } else { (0.0, 0.0) };
        map.markers.push((x_star.0, x_star.1, "x*".into(), usize::MAX));
        scene.charts.push(("map", Chart::Map(map, Field::Landscape(prob.clone(), 0))));
        let loss_title = if f_star.is_some() { "f − f* per step (log scale)" } else { "loss per step" };
        scene.charts.push(("loss", Chart::Lines(loss_chart(loss_title, &report, f_star, &COLORS))));

        // effective step sizes: coordinate x solid, y dashed, one colour per method
        let mut series = Vec::new();
        for (t, &c) in report.runs.iter().zip(&COLORS) {
            let eff = effective_steps(t, lr);
            for (k, (coord, mark)) in [("x", Mark::Line), ("y", Mark::Dashed)].into_iter().enumerate() {
                let pts: Vec<(f64, f64)> = eff.iter().enumerate().filter_map(|(s, v)| v.get(k).map(|e| ((s + 1) as f64, *e))).collect();
                series.push(Series::line(format!("{} ({coord})", t.label), c, pts).with_mark(mark));
            }
        }
        scene.charts.push((
            "steps",
            Chart::Lines(LineChart {
                title: "effective step size per coordinate (x solid, y dashed), log–log".into(),
                x_label: "step t".into(),
                y_label: "effective step size".into(),
                x_log: true,
                y_log: true,
                series,
                ..Default::default()
            }),
        ));

        for t in &report.runs {
            scene.readout.extend(convergence(t, f_star, l, None));
        }
        for t in &report.runs {
            let eff = effective_steps(t, lr);
            if let (Some(first), Some(last)) = (eff.first(), eff.last()) {
                let fmt = |v: &[f64]| v.iter().map(|e| sig(*e)).collect::<Vec<_>>().join(", ");
                let mut claims = Vec::new();
                let trends: Vec<String> = ["x", "y"]
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| first.len() > *k)
                    .map(|(k, c)| {
                        let series: Vec<f64> = eff.iter().filter_map(|v| v.get(k).copied()).collect();
                        let (words, claim) = step_trend(&series);
                        claims.extend(claim);
                        format!("{c} {words}")
                    })
                    .collect();
                let mut r = Readout::new(
                    format!("{}: effective step (x, y) at step 1 → step {}", t.label, eff.len()),
                    format!("({}) → ({}); {}", fmt(first), fmt(last), trends.join("; ")),
                );
                for c in claims {
                    r = r.claiming(c);
                }
                scene.readout.push(r);
            }
        }
        // each method's very first move is the same in every coordinate (ε aside): g/√(g²) = sign(g) scaled
        let (b1, b2, alpha) = (st.f64("beta1"), st.f64("beta2"), st.f64("alpha"));
        let adam_first = if st.bool("bias_correction") { lr } else { lr * (1.0 - b1) / (1.0 - b2).sqrt() };
        scene.readout.push(Readout::new(
            "first move per coordinate (ε aside)",
            format!(
                "AdaGrad η = {}, RMSProp η/√(1−α) = {}, Adam {} = {}",
                sig(lr),
                sig(lr / (1.0 - alpha).sqrt()),
                if st.bool("bias_correction") { "η (bias-corrected)" } else { "η(1−β₁)/√(1−β₂) (no correction)" },
                sig(adam_first)
            ),
        ));
        for (k, v) in [("lr", lr), ("alpha", st.f64("alpha")), ("beta1", st.f64("beta1")), ("beta2", st.f64("beta2")), ("eps", st.f64("eps"))] {
            scene.values.push((k.into(), sig(v)));
        }
        scene.spec = Some(spec);
        scene.report = Some(report);
        scene
    }

    fn click(&self, canvas: &str, (x, y): (f64, f64), _st: &State) -> Vec<(String, String)> {
        if canvas == "map" {
            vec![("x0".into(), format!("{},{}", fmt_num((x * 100.0).round() / 100.0), fmt_num((y * 100.0).round() / 100.0)))]
        } else {
            Vec::new()
        }
    }
}
