//! The Lookahead chapter: the reconstructed fast weights before the first jump back are the inner
//! optimizer's own k-th iterate; α = 1 is the inner optimizer; the slow weights move every k steps.

use optlab::app::{chapter, compute_raw, Chart, Scene};
use std::collections::BTreeMap;

fn scene(pairs: &[(&str, &str)]) -> Scene {
    let c = chapter("lookahead").expect("chapter registered");
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (_, s) = compute_raw(c, &raw);
    assert!(s.messages.iter().all(|m| m.level != "error"), "{:?}", s.messages);
    s
}

fn map_path<'a>(s: &'a Scene, name_start: &str) -> &'a [(f64, f64)] {
    let Some((_, Chart::Map(m, _))) = s.charts.iter().find(|(id, _)| *id == "map") else { panic!("map") };
    &m.paths.iter().find(|p| p.name.starts_with(name_start)).unwrap_or_else(|| panic!("no path {name_start}")).points
}

#[test]
fn the_first_jump_back_starts_where_the_inner_optimizer_alone_got() {
    for inner in ["sgd_momentum", "sgd", "adam"] {
        for problem in ["conditioned_quadratic", "rosenbrock", "finite_sum"] {
            for k in ["3", "5"] {
                let lr = if inner == "adam" {
                    "0.05"
                } else if problem == "rosenbrock" {
                    "0.001"
                } else {
                    "0.3"
                };
                let s = scene(&[("inner", inner), ("problem", problem), ("k", k), ("lr", lr), ("alpha", "0.3")]);
                let r = s.report.as_ref().unwrap();
                let k: usize = k.parse().unwrap();
                let alone = &r.runs[1].params[k];
                // path: x0, x1, …, x_{k−1}, v_k (reconstructed), x_k, …
                let v = map_path(&s, "Lookahead(")[k];
                let err = ((v.0 - alone[0]).powi(2) + (v.1 - alone[1]).powi(2)).sqrt();
                assert!(err < 1e-10 * (1.0 + alone[0].abs() + alone[1].abs()), "{inner} {problem} k={k}: v = {v:?}, alone {alone:?}");
                // and the pulled-back point is α of the way from x0 to it
                let x0 = &r.runs[0].params[0];
                let xk = &r.runs[0].params[k];
                for i in 0..2 {
                    let want = 0.3 * [v.0, v.1][i] + 0.7 * x0[i];
                    assert!((xk[i] - want).abs() < 1e-10 * (1.0 + want.abs()));
                }
            }
        }
    }
}

#[test]
fn alpha_one_is_the_inner_optimizer() {
    let s = scene(&[("alpha", "1")]);
    let r = s.report.unwrap();
    assert_eq!(r.runs[0].params, r.runs[1].params);
}

#[test]
fn slow_weights_move_every_k_steps() {
    let s = scene(&[("k", "7"), ("steps", "100")]);
    let slow = map_path(&s, "Lookahead slow");
    assert_eq!(slow.len(), 1 + 100 / 7);
    let Some((_, Chart::Lines(loss))) = s.charts.iter().find(|(id, _)| *id == "loss") else { panic!("loss") };
    let series = loss.series.iter().find(|p| p.name.starts_with("Lookahead slow")).unwrap();
    let steps: Vec<f64> = series.points.iter().map(|p| p.0).collect();
    assert_eq!(steps, (0..=14).map(|i| (7 * i) as f64).collect::<Vec<_>>());
}

#[test]
fn at_the_defaults_lookahead_damps_the_oscillating_heavy_ball() {
    let s = scene(&[]);
    let r = s.report.unwrap();
    let (la, alone) = (r.runs[0].loss.last().unwrap(), r.runs[1].loss.last().unwrap());
    assert!(la * 10.0 < *alone, "Lookahead {la} vs heavy ball alone {alone}");
}

#[test]
fn a_diverging_inner_optimizer_is_reported() {
    let s = scene(&[("lr", "5")]);
    assert!(
        s.readout.iter().any(|r| r.tone == "bad" && r.label.contains("alone") && r.value.contains("diverged at step")),
        "{:?}",
        s.readout
    );
}
