//! The SAM chapter: from its default start plain descent ends in the sharp minimum and SAM in the flat one;
//! the arrow drawn is the ε̂ the optimizer really used; ρ = 0 is plain descent; the sharpness and the
//! worst-case loss behave as the text says.

use optlab::app::{chapter, compute_raw, Chart, Scene};
use optlab::run::run_with;
use std::collections::BTreeMap;

fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn scene(pairs: &[(&str, &str)]) -> Scene {
    let (_, s) = compute_raw(chapter("sam").expect("sam chapter"), &raw(pairs));
    assert!(s.messages.iter().all(|m| m.level != "error"), "{:?}", s.messages);
    s
}

fn readout<'a>(s: &'a Scene, label: &str) -> &'a str {
    &s.readout.iter().find(|r| r.label == label).unwrap_or_else(|| panic!("no readout {label}: {:?}", s.readout)).value
}

fn ends(s: &Scene) -> (Vec<f64>, Vec<f64>) {
    let r = s.report.as_ref().unwrap();
    (r.runs[0].params.last().unwrap().clone(), r.runs[1].params.last().unwrap().clone())
}

fn dist(a: &[f64], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

#[test]
fn from_the_default_start_descent_ends_sharp_and_sam_ends_flat() {
    let s = scene(&[]);
    let (gd, sam) = ends(&s);
    // the minima of the chapter's landscape (Newton from the well centres): sharp ≈ (−0.98, 0), flat ≈ (1.5, 0)
    assert!(dist(&gd, [-0.98, 0.0]) < 0.02, "plain descent ends at {gd:?}");
    assert!(dist(&sam, [1.5, 0.0]) < 0.05, "SAM ends at {sam:?}");
    assert!(readout(&s, "plain descent: ends at").contains("the sharp minimum"));
    assert!(readout(&s, "SAM: ends at").contains("the flat minimum"));
    // and the sharp one is the deeper one: descent reached the lower loss
    let r = s.report.as_ref().unwrap();
    assert!(r.runs[0].loss.last().unwrap() < &(r.runs[1].loss.last().unwrap() - 0.3));
    // the run is reproducible from the exported spec
    let again = run_with(s.spec.as_ref().unwrap(), false).unwrap();
    assert_eq!(&again, &**r);
}

#[test]
fn the_outcome_is_not_a_knife_edge_around_the_default() {
    // a small neighbourhood of the default start and radius gives the same split
    for (x0, rho) in [("-1.85,1.45", "0.14"), ("-1.85,1.45", "0.16"), ("-1.83,1.45", "0.15"), ("-1.85,1.47", "0.15")] {
        let s = scene(&[("x0", x0), ("rho", rho)]);
        let (gd, sam) = ends(&s);
        assert!(dist(&gd, [-0.98, 0.0]) < 0.02 && dist(&sam, [1.5, 0.0]) < 0.05, "x0 {x0}, ρ {rho}: {gd:?} {sam:?}");
    }
}

#[test]
fn rho_zero_is_plain_descent() {
    let s = scene(&[("rho", "0")]);
    let r = s.report.as_ref().unwrap();
    assert_eq!(r.runs[0].params, r.runs[1].params);
}

#[test]
fn the_arrow_is_the_eps_hat_the_optimizer_used() {
    for (p_mode, p, adaptive) in
        [("2", "3", "false"), ("inf", "3", "false"), ("custom", "3", "false"), ("custom", "1.5", "true"), ("2", "3", "true")]
    {
        for t in ["0", "7", "150"] {
            let s = scene(&[("p_mode", p_mode), ("p", p), ("adaptive", adaptive), ("at_step", t), ("steps", "200")]);
            let Some((_, Chart::Map(m, _))) = s.charts.iter().find(|(id, _)| *id == "map") else { panic!("no map") };
            let (from, to, _) = m.arrows[0];
            let traced = run_with(s.spec.as_ref().unwrap(), true).unwrap();
            let sam = &traced.runs[1];
            let t: usize = t.parse().unwrap();
            // the optimizer's ε̂ of step t + 1 is taken at x_t
            assert_eq!(sam.params[t], vec![from.0, from.1]);
            let eps = &sam.internals.iter().find(|(k, _)| k.what == optlab::optim::Internal::EpsHat && k.depth == 0).unwrap().1[t];
            assert!(
                (to.0 - from.0 - eps[0]).abs() < 1e-12 && (to.1 - from.1 - eps[1]).abs() < 1e-12,
                "{p_mode} {p} {adaptive} t={t}: {eps:?}"
            );
            // its p-norm is ρ (in the rescaled space for ASAM)
            let pv: f64 = match p_mode {
                "2" => 2.0,
                "inf" => f64::INFINITY,
                _ => p.parse().unwrap(),
            };
            let scaled: Vec<f64> =
                if adaptive == "true" { eps.iter().zip(&sam.params[t]).map(|(e, x)| e / x.abs()).collect() } else { eps.clone() };
            let norm = if pv.is_infinite() {
                scaled.iter().fold(0.0f64, |a, v| a.max(v.abs()))
            } else {
                scaled.iter().map(|v| v.abs().powf(pv)).sum::<f64>().powf(1.0 / pv)
            };
            assert!((norm - 0.15).abs() < 1e-9, "‖ε̂‖ = {norm}");
            // the ball is drawn through the arrow's tip and closes there
            let ball = m.paths.last().unwrap();
            assert!(ball.dashed && ball.points.first() == ball.points.last());
            let tip = ball.points[0];
            assert!((tip.0 - to.0).abs() < 1e-9 && (tip.1 - to.1).abs() < 1e-9, "ball starts at {tip:?}, arrow ends at {to:?}");
        }
    }
}

#[test]
fn sharpness_chart_tracks_the_minima_curvatures() {
    let s = scene(&[]);
    let Some((_, Chart::Lines(c))) = s.charts.iter().find(|(id, _)| *id == "sharpness") else { panic!("no sharpness chart") };
    let last = |name: &str| c.series.iter().find(|x| x.name == name).unwrap().points.last().unwrap().1;
    let (gd, sam) = (last("plain descent"), last("SAM"));
    // curvature ≈ depth/width²: 1/0.09 ≈ 11 at the sharp minimum, 0.8/2.25 ≈ 0.36 at the flat one
    assert!((gd - 11.2).abs() < 0.2, "{gd}");
    assert!((sam - 0.356).abs() < 0.02, "{sam}");
    // 2/η = 22 is drawn: descent with η = 0.09 can rest in the sharp minimum (ηλ ≈ 1 < 2)
    assert!(c.series.iter().any(|x| x.name == "2/η" && (x.points[0].1 - 2.0 / 0.09).abs() < 1e-9));
}

#[test]
fn worst_case_loss_prefers_the_flat_minimum_only_for_a_large_enough_rho() {
    // the try-this text says the sharp well's worst case rises above the flat one's at about ρ = 0.3
    let at_minimum = |s: &Scene, x: f64| {
        let Some((_, Chart::Lines(c))) = s.charts.iter().find(|(id, _)| *id == "robust") else { panic!("no robust chart") };
        let robust = &c.series[1].points;
        robust.iter().min_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs())).unwrap().1
    };
    let small = scene(&[("rho", "0.15")]);
    assert!(at_minimum(&small, -0.98) < at_minimum(&small, 1.5));
    let large = scene(&[("rho", "0.35")]);
    assert!(at_minimum(&large, -0.98) > at_minimum(&large, 1.5));
}

#[test]
fn edge_settings_keep_a_scene_without_errors() {
    for pairs in [
        vec![("lr", "1"), ("steps", "2000")],
        vec![("rho", "1"), ("p_mode", "custom"), ("p", "1.05")],
        vec![("x0", "5,5"), ("adaptive", "true")],
        vec![("x0", "0,0"), ("adaptive", "true"), ("at_step", "2000")],
        vec![("inner", "sgd_momentum"), ("momentum", "0.99"), ("lr", "1")],
        vec![("sharp_width", "0.1"), ("sharp_width", "0.6")],
    ] {
        let s = scene(&pairs);
        assert_eq!(s.charts.len(), 4, "{pairs:?}");
        for r in &s.readout {
            assert!(!r.value.contains("NaN") && !r.value.contains("undefined"), "{pairs:?}: {r:?}");
        }
    }
}

#[test]
fn the_try_this_starts_do_what_the_text_says() {
    // "Click near (−1.5, 0.8): SAM falls in too and keeps bouncing across it."
    let s = scene(&[("x0", "-1.5,0.8")]);
    let (gd, sam) = ends(&s);
    assert!(dist(&gd, [-0.98, 0.0]) < 0.02 && dist(&sam, [-0.98, 0.0]) < 0.3 && dist(&sam, [-0.98, 0.0]) > 1e-3, "{gd:?} {sam:?}");
    assert!(readout(&s, "SAM: ends at").contains("the sharp minimum"));
    let p = &s.report.as_ref().unwrap().runs[1].params;
    let jump = |a: &[f64], b: &[f64]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    assert!(p.windows(2).rev().take(20).all(|w| jump(&w[0], &w[1]) > 0.1), "SAM still jumps across the well at the end");
    // "Click near (−2.2, 1.5): SAM stalls on the ridge between the wells."
    let s = scene(&[("x0", "-2.2,1.5")]);
    assert!(readout(&s, "plain descent: ends at").contains("the sharp minimum"));
    assert!(readout(&s, "SAM: ends at").contains("on the ridge between the wells"), "{:?}", s.readout);
}

#[test]
fn the_sharpness_line_is_the_inner_optimizers_own_bound() {
    // issue 8: with SGD momentum β = 0.9 at η = 0.2 the limit is 2(1+β)/η = 19, not 2/η = 10 (ηλ = 2.24 at the
    // sharp minimum, yet stable)
    let s = scene(&[("inner", "sgd_momentum"), ("lr", "0.2"), ("momentum", "0.9")]);
    let chart = s
        .charts
        .iter()
        .find_map(|(id, c)| match c {
            optlab::app::Chart::Lines(l) if *id == "sharpness" => Some(l),
            _ => None,
        })
        .unwrap();
    let line = chart.series.iter().find(|x| x.name.contains("/η")).expect("the dashed line");
    assert_eq!(line.name, "2(1+β)/η");
    assert!((line.points[0].1 - 19.0).abs() < 1e-9, "{:?}", line.points);
    let value = |s: &Scene, k: &str| s.values.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
    assert_eq!((value(&s, "rest_bound").as_str(), value(&s, "rest_edge").as_str()), (r"2(1+\beta)", "19.0"));
    assert_eq!(value(&s, "rest_beta"), ", β = 0.900");
    let s = scene(&[("lr", "0.2")]);
    assert_eq!((value(&s, "rest_bound").as_str(), value(&s, "rest_edge").as_str(), value(&s, "rest_beta").as_str()), ("2", "10.0", ""));
}

/// SAM's ascent step has length ρ however small the gradient, so it rests beside the flat minimum, not in it:
/// from the default start its loss passes below the tolerance and ends above it. The readout names the first
/// step below (not "steps to", which reads as "and stays") and says that it ends above; plain descent, which
/// stays below, keeps "steps to".
#[test]
fn a_run_that_passes_below_the_tolerance_and_ends_above_says_so() {
    let s = scene(&[]);
    let sam_steps = s.report.as_ref().unwrap().runs[1].loss.len();
    let line = readout(&s, "SAM: first step with f − f* ≤ 1e-6");
    assert!(line.contains("at the end f − f* > 1e-6 again"), "{line}");
    let first: usize = line.split(';').next().unwrap().parse().unwrap();
    assert!(first < sam_steps, "{line}");
    let end: f64 = readout(&s, "SAM: final f − f*").parse().unwrap();
    assert!(end > 1e-6, "SAM ends at f − f* = {end}");
    assert!(readout(&s, "plain descent: steps to f − f* ≤ 1e-6").parse::<usize>().is_ok());
    assert!(!s.readout.iter().any(|r| r.label == "SAM: steps to f − f* ≤ 1e-6"), "{:?}", s.readout);
}

/// The rate line fits the end of each run (the last third of its steps above 1e-12). SAM levels off beside
/// the flat minimum, and its rate at the end is 1 to 1e-3; a fit over the whole run mixed its descent with
/// its rest (0.969 per step). Plain descent's last third is its fall into the sharp well after the plateau
/// it starts on, faster than its whole run's (0.981 per step).
#[test]
fn the_rate_line_reads_the_end_of_each_run() {
    let s = scene(&[]);
    let rate = |label: &str| -> f64 {
        let v = readout(&s, &format!("{label}: measured rate at the end"));
        v.split(' ').next().unwrap().parse().unwrap_or_else(|_| panic!("{v}"))
    };
    let report = s.report.as_ref().unwrap();
    let sam = rate("SAM");
    assert!((sam - 1.0).abs() < 1e-3, "SAM at the end {sam}");
    assert!(readout(&s, "SAM: measured rate at the end").contains(&format!("fit over steps 400–{}", report.runs[1].steps())));
    // plain descent ends at its minimum to rounding (final f − f* = 0), so its last loss is its f*
    let gd = &report.runs[0].loss;
    let whole = optlab::analysis::fit_linear_rate(gd, *gd.last().unwrap(), 1e-12);
    let plain = rate("plain descent");
    assert!(whole.is_some_and(|w| plain < w - 0.05), "plain descent at the end {plain}, over the whole run {whole:?}");
}
