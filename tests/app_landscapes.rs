//! The landscapes chapter: each run's end point is named from the gradient and Hessian computed there
//! (minimum, saddle point, flat region, not stationary), and Newton reaching a saddle is flagged.

use optlab::app::{chapter, compute_raw, Readout, Scene};
use std::collections::BTreeMap;

fn scene(pairs: &[(&str, &str)]) -> Scene {
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    compute_raw(chapter("landscapes").expect("landscapes chapter"), &raw).1
}

fn end_point<'a>(s: &'a Scene, name: &str) -> &'a Readout {
    s.readout
        .iter()
        .find(|r| r.label.starts_with(&format!("{name}: end point")))
        .unwrap_or_else(|| panic!("no end point of {name}: {:?}", s.readout))
}

#[test]
fn newton_ends_at_the_minimum_of_a_quadratic_and_at_the_saddle_of_x2_minus_y2() {
    let s = scene(&[]);
    let r = end_point(&s, "Newton");
    assert!(r.value.starts_with("a minimum") && r.claims.len() == 3 && r.claims.iter().all(|c| c.holds()), "{r:?}");
    // the smallest eigenvalue shown is μ = L/κ = 1/20
    assert!(r.claims.iter().any(|c| (c.rhs - 0.05).abs() < 1e-12), "{r:?}");
    assert!(!s.messages.iter().any(|m| m.text.contains("attracted to saddles")));
    // gradient descent has not reached 1e-6 in gradient norm after 100 steps at κ = 20
    assert!(end_point(&s, "gradient descent").value.starts_with("not stationary"));

    let s = scene(&[("problem", "saddle"), ("x0", "0.7,-0.4")]);
    assert!(end_point(&s, "Newton").value.starts_with("a saddle point"));
    assert!(s.messages.iter().any(|m| m.level == "warn" && m.text.contains("attracted to saddles")), "{:?}", s.messages);
}

#[test]
fn newton_on_the_plateau_goes_to_the_flat_region() {
    // from (3, 0) the plateau's curvature along x is negative; Newton's step goes outward, to where f is flat
    let s = scene(&[("problem", "plateau"), ("x0", "3,0")]);
    let r = end_point(&s, "Newton");
    assert!(r.value.starts_with("a flat region"), "{r:?}");
    let end = s.report.as_ref().unwrap().runs[1].params.last().unwrap().clone();
    assert!(end[0] > 3.0, "{end:?}");
    assert!(end_point(&s, "gradient descent").value.starts_with("a minimum"));
}

#[test]
fn on_the_saddle_axis_a_large_step_overshoots_instead_of_walking_in() {
    let s = scene(&[("problem", "saddle"), ("x0", "-1.5,0"), ("lr", "1.6")]);
    let m = s.messages.iter().find(|m| m.text.starts_with("Started on the x-axis")).expect("saddle message");
    assert!(m.text.contains("overshoots and grows") && m.claim.is_some_and(|c| c.holds() && c.lhs > 1.0), "{m:?}");
    let s = scene(&[("problem", "saddle"), ("x0", "-1.5,0"), ("lr", "0.3")]);
    let m = s.messages.iter().find(|m| m.text.starts_with("Started on the x-axis")).expect("saddle message");
    assert!(m.text.contains("walks into the saddle point"), "{m:?}");
}

#[test]
fn newtons_convergence_near_its_limit_is_faster_than_linear() {
    let c = optlab::app::chapter("landscapes").unwrap();
    let raw = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (_, s) = optlab::app::compute_raw(c, &raw(&[("problem", "rosenbrock")]));
    let line = &s.readout.iter().find(|r| r.label.starts_with("Newton's order")).unwrap().value;
    let p: f64 = line.trim_start_matches("p ≈ ").split_whitespace().next().unwrap().parse().unwrap();
    assert!(p > 1.4, "{line}");
    let chart = s
        .charts
        .iter()
        .find_map(|(id, ch)| match ch {
            optlab::app::Chart::Lines(l) if *id == "order" => Some(l),
            _ => None,
        })
        .unwrap();
    let newton = &chart.series.iter().find(|x| x.name.starts_with("Newton")).unwrap().points;
    // faster than linear: the last step shrinks the error the most, by more than 1000×
    assert!(newton.len() >= 2, "{newton:?}");
    let factors: Vec<f64> = newton.iter().map(|(a, b)| b - a).collect();
    // (the early steps are far from the limit and need not shrink it at all)
    let last = *factors.last().unwrap();
    assert!(factors[..factors.len() - 1].iter().all(|f| last < *f) && last < -3.0, "log factors {factors:?}");
    // on the quadratic, one step lands on x*
    let (_, s) = optlab::app::compute_raw(c, &raw(&[]));
    assert!(s.readout.iter().any(|r| r.value.starts_with("Newton lands on its limit in one step")));
}

/// The quasi-Newton comparison (issue 8 §3): L-BFGS on the order chart with its steps and evaluations;
/// a longer memory needs fewer steps on Rosenbrock; on the saddle it says it did not converge.
#[test]
fn lbfgs_is_compared_with_newton() {
    let run = |pairs: &[(&str, &str)]| {
        let (_, s) = optlab::app::compute_raw(
            optlab::app::chapter("landscapes").unwrap(),
            &pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        );
        s
    };
    let steps = |s: &optlab::app::Scene| -> usize {
        let r = s.readout.iter().find(|r| r.label.starts_with("L-BFGS")).expect("L-BFGS readout");
        r.value
            .split("after ")
            .nth(1)
            .and_then(|v| v.split(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{}", r.value))
    };
    let s5 = run(&[("problem", "rosenbrock")]);
    let s1 = run(&[("problem", "rosenbrock"), ("lbfgs_m", "1")]);
    assert!(steps(&s5) < steps(&s1), "m = 5: {} steps, m = 1: {}", steps(&s5), steps(&s1));
    let order = s5.charts.iter().find(|(id, _)| *id == "order").unwrap();
    assert!(
        matches!(order.1, optlab::app::Chart::Lines(ref c) if c.series.iter().any(|x| x.name == "L-BFGS (m = 5)" && x.points.len() >= 3))
    );
    let saddle = run(&[("problem", "saddle")]);
    let r = saddle.readout.iter().find(|r| r.label.starts_with("L-BFGS")).unwrap();
    assert!(r.value.contains("not converged") || r.value.contains("stopped"), "{}", r.value);
    let cost = s5.readout.iter().find(|r| r.label.starts_with("cost per step")).unwrap();
    assert!(cost.value.contains("4mN = 2.00e7") && cost.value.contains("2mN = 1.00e7"), "{}", cost.value);
}

/// L-BFGS itself: Armijo keeps the loss non-increasing, it reaches Rosenbrock's minimum (1, 1) and an
/// 8-dimensional quadratic's minimizer, and gives up without a panic on a landscape unbounded below.
#[test]
fn lbfgs_converges_and_never_increases_the_loss() {
    use optlab::analysis::lbfgs;
    use optlab::problems::ProblemSpec;
    let rb = ProblemSpec::rosenbrock().build(0).unwrap();
    let t = lbfgs(rb.as_ref(), &[-1.2, 1.0], 5, 200, 1e-10);
    assert!(t.loss.windows(2).all(|w| w[1] <= w[0]), "loss increased");
    let end = t.params.last().unwrap();
    assert!((end[0] - 1.0).abs() < 1e-8 && (end[1] - 1.0).abs() < 1e-8, "{end:?}");
    let n: usize = 8;
    let a: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == j {
                        1.0 + i as f64
                    } else if i.abs_diff(j) == 1 {
                        0.3
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let q = ProblemSpec::quadratic(a, vec![1.0; n]).build(0).unwrap();
    let t = lbfgs(q.as_ref(), &vec![0.0; n], 10, 200, 1e-12);
    let mut g = vec![0.0; n];
    q.grad(t.params.last().unwrap(), &mut g);
    assert!(g.iter().map(|v| v * v).sum::<f64>().sqrt() <= 1e-12, "{g:?}");
    let s = ProblemSpec::saddle().build(0).unwrap();
    let t = lbfgs(s.as_ref(), &[1.0, 1e-3], 5, 3000, 1e-10);
    assert!(t.loss.iter().all(|f| f.is_finite()) && *t.loss.last().unwrap() < -1e6, "{:?}", t.loss.last());
}

/// On the default quadratic (κ = 20, L = 1, so μ = 0.05; η = 1.6) gradient descent's f − f* shrinks by
/// max over the eigenvalues λ of (1 − ηλ)² = (1 − 0.08)² = 0.8464 per step once the fast mode (0.36) has died
/// out: the rate line, a fit over the last third of the run, reads it to its three digits (a fit over the
/// whole run read 0.844).
#[test]
fn the_rate_line_is_the_slowest_modes_rate_on_a_quadratic() {
    let s = scene(&[]);
    let line = s.readout.iter().find(|r| r.label == "gradient descent: measured rate at the end").expect("a rate line");
    let rate: f64 = line.value.split(' ').next().unwrap().parse().unwrap();
    assert!((rate - 0.92f64.powi(2)).abs() < 1e-3, "{}", line.value);
    assert!(line.value.ends_with("(fit over steps 67–100)"), "{}", line.value);
}
