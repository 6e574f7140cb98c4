//! Chapter 2 — hard landscapes: ill-conditioning, a saddle, a plateau, Rosenbrock's valley, and Newton's
//! step with its cost.

use super::common::{bounds_for, convergence, loss_chart, paths, run_report, sig, spec_of};
use super::{Canvas, Chapter, Chart, Control, Field, Formula, Readout, Scene, State};
use crate::optim::config::{NewtonSpec, Sgd};
use crate::optim::OptimizerSpec;
use crate::plot::field::MapChart;
use crate::problems::ProblemSpec;

pub struct Landscapes;

/// The problem chosen by the controls.
fn problem(st: &State) -> ProblemSpec {
    let json = match st.get("problem") {
        "rosenbrock" => serde_json::json!({"kind": "rosenbrock"}),
        "saddle" => serde_json::json!({"kind": "saddle"}),
        "plateau" => serde_json::json!({"kind": "plateau", "width": 1.0}),
        _ => serde_json::json!({"kind": "conditioned_quadratic", "kappa": st.f64("kappa"), "angle": st.f64("angle"), "l_max": 1.0}),
    };
    serde_json::from_value(json).expect("chapter builds valid problem json")
}

impl Chapter for Landscapes {
    fn id(&self) -> &'static str {
        "landscapes"
    }
    fn title(&self) -> &'static str {
        "Hard landscapes and Newton's step"
    }
    fn intro(&self) -> &'static str {
        "Plain gradient descent struggles when curvature differs a lot between directions (a high condition \
         number κ): it jitters across the steep direction while crawling along the shallow one. Plateaus and \
         saddle points have tiny gradients, so small learning rates stall there. Newton's step x − H⁻¹∇f uses \
         the curvature and solves a quadratic in one step, but needs the Hessian: O(N²) memory and O(N³) work."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Raise κ to 200 and compare the number of gradient steps with Newton's single step.",
            "Push η above 2/L (shown in the readout) and watch the run diverge.",
            "Pick the saddle and start on the x-axis (click the map at y = 0): gradient descent walks into the saddle.",
            "Pick the plateau, start far out, and lower η: how many steps until the path moves?",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula { caption: "gradient descent", tex: r"x_{t+1} = x_t - \eta\,\nabla f(x_t),\quad \eta = {lr}" },
            Formula { caption: "Newton's step", tex: r"x_{t+1} = x_t - H(x_t)^{-1}\nabla f(x_t)" },
            Formula { caption: "stable step sizes on a quadratic", tex: r"\eta < 2/L = {two_over_l}" },
        ]
    }
    fn controls(&self) -> Vec<Control> {
        vec![
            Control::select(
                "problem",
                "landscape",
                vec![
                    ("conditioned_quadratic", "ill-conditioned quadratic"),
                    ("rosenbrock", "Rosenbrock valley"),
                    ("saddle", "saddle x² − y²"),
                    ("plateau", "plateau"),
                ],
                "conditioned_quadratic",
            ),
            Control::log_range("kappa", "condition number κ", 1.0, 1000.0, 20.0)
                .unit("κ")
                .help("ratio of the largest to the smallest curvature")
                .when("problem", vec!["conditioned_quadratic"]),
            Control::range("angle", "rotation", -90.0, 90.0, 30.0).unit("°").when("problem", vec!["conditioned_quadratic"]),
            Control::log_range("lr", "learning rate η", 1e-4, 10.0, 1.6).unit("η"),
            Control::int("steps", "steps T", 1, 1000, 100),
            Control::point("x0", "start x₀ (click the map)", (-1.5, 1.0), -5.0, 5.0),
            Control::toggle("newton", "show Newton's method", true),
            Control::log_range("n_params", "model size N (cost comparison)", 1e2, 1e10, 1e6).unit("parameters"),
        ]
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas { id: "map", label: "level sets of the landscape with the paths of gradient descent and Newton's method", aspect: 0.75, clickable: true },
            Canvas { id: "loss", label: "loss against step for each method", aspect: 0.6, clickable: false },
        ]
    }

    fn compute(&self, st: &State) -> Scene {
        let mut scene = Scene::default();
        let prob = problem(st);
        let (x, y) = st.point("x0");
        let lr = st.f64("lr");
        let mut runs = vec![("gradient descent".to_string(), OptimizerSpec::Sgd(Sgd { lr, ..Sgd::default() }))];
        if st.bool("newton") {
            runs.push(("Newton".to_string(), OptimizerSpec::Newton(NewtonSpec::default())));
        }
        let spec = spec_of(prob.clone(), vec![x, y], runs, st.usize("steps"), 0);
        let built = match spec.problem.build(0) {
            Ok(p) => p,
            Err(e) => {
                scene.messages.push(super::Message::error(e.to_string()));
                return scene;
            }
        };
        let (f_star, l) = (built.minimum(), built.smoothness());
        let report = match run_report(&spec, false) {
            Ok(r) => r,
            Err(m) => {
                scene.messages.push(m);
                return scene;
            }
        };
        let colors = [0, 1];
        let bounds = bounds_for(&prob, (x, y));
        let mut map = MapChart {
            title: "landscape and paths".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            bounds,
            paths: paths(&report, &colors),
            ..Default::default()
        };
        map.markers.push((x, y, "x₀".into(), usize::MAX));
        scene.charts.push(("map", Chart::Map(map, Field::Landscape(prob.clone(), 0))));
        scene.charts.push(("loss", Chart::Lines(loss_chart("loss per step", &report, f_star, &colors))));
        for (i, t) in report.runs.iter().enumerate() {
            let lr_i = if i == 0 { Some(lr) } else { None };
            scene.readout.extend(convergence(t, f_star, l, lr_i));
        }
        if let Some(l) = l {
            scene.readout.push(Readout::new("largest curvature L; stable η < 2/L", format!("L = {}, 2/L = {}", sig(l), sig(2.0 / l))));
            scene.values.push(("two_over_l".into(), sig(2.0 / l)));
        } else {
            scene.values.push(("two_over_l".into(), "2/\\sup\\lambda_{\\max}".into()));
        }
        let n = st.f64("n_params");
        scene.readout.push(Readout::new(
            format!("cost per step at N = {}", sig(n)),
            format!(
                "gradient ≈ {} operations; Newton ≈ N³ = {} operations and N² = {} stored numbers ({} bytes)",
                sig(n),
                sig(n.powi(3)),
                sig(n * n),
                sig(8.0 * n * n)
            ),
        ));
        scene.values.push(("lr".into(), sig(lr)));
        scene.spec = Some(spec);
        scene.report = Some(report);
        scene
    }

    fn click(&self, canvas: &str, (x, y): (f64, f64), _st: &State) -> Vec<(String, String)> {
        if canvas == "map" {
            vec![("x0".into(), format!("{},{}", super::controls::fmt_num((x * 100.0).round() / 100.0), super::controls::fmt_num((y * 100.0).round() / 100.0)))]
        } else {
            Vec::new()
        }
    }
}
