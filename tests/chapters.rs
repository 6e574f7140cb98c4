//! Every chapter of the app, natively: default and edge states compute a scene whose charts render to SVG
//! with data and without NaN, and bad URL values come back as messages.

use optlab::app::{chapters, compute_raw, draw_chart, Chart, ControlKind};
use optlab::plot::{to_svg, Theme};
use std::collections::BTreeMap;

fn svg_of(chart: &Chart) -> String {
    to_svg(640, 480, |root| draw_chart(root, chart, &Theme::by_name("light", 1.0), &mut |_| {})).expect("chart draws")
}

fn raw(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

#[test]
fn every_chapter_renders_its_defaults() {
    assert!(!chapters().is_empty());
    for c in chapters() {
        let (_, scene) = compute_raw(c, &BTreeMap::new());
        assert!(scene.messages.iter().all(|m| m.level != "error"), "{}: {:?}", c.id(), scene.messages);
        assert_eq!(scene.charts.len(), c.canvases().len(), "{}: one chart per canvas", c.id());
        for ((id, chart), canvas) in scene.charts.iter().zip(c.canvases()) {
            assert_eq!(*id, canvas.id);
            let svg = svg_of(chart);
            assert!(!svg.contains("NaN"), "{}/{id}: NaN in svg", c.id());
            let marks = svg.matches("<polyline").count() + svg.matches("<path").count() + svg.matches("<circle").count();
            assert!(marks >= 1, "{}/{id}: no data drawn", c.id());
        }
        assert!(!scene.readout.is_empty(), "{}: empty readout", c.id());
        assert!(c.intro().len() > 80 && !c.try_this().is_empty(), "{}: intro and try-this", c.id());
    }
}

#[test]
fn every_control_survives_its_extremes_and_garbage() {
    for c in chapters() {
        for ctl in c.controls() {
            let values: Vec<String> = match &ctl.kind {
                ControlKind::Range { min, max, .. } => vec![min.to_string(), max.to_string(), "1e308".into(), "nan".into(), "-inf".into()],
                ControlKind::Int { min, max, .. } => vec![min.to_string(), max.to_string(), "99999999".into(), "2.5".into()],
                ControlKind::Select { options, .. } => {
                    options.iter().map(|(v, _)| v.to_string()).chain(["<img src=x>".to_string()]).collect()
                }
                ControlKind::Toggle { .. } => vec!["true".into(), "false".into(), "maybe".into()],
                ControlKind::Point { min, max, .. } => vec![format!("{min},{max}"), format!("{max},{min}"), "1;2".into(), "1e999,0".into()],
                ControlKind::Text { max_chars, .. } => vec![
                    String::new(),
                    "<img src=x>\n1,2".into(),
                    "x1,x2,label\n0,0,0\n1,1,1\n0,1,1\n1,0,0".into(),
                    "1e999,0,0\nnan,1,1\n\u{0},,".into(),
                    "0,0,0\n".repeat(max_chars / 6 + 1),
                ],
            };
            for v in values {
                let (_, scene) = compute_raw(c, &raw(&[(ctl.name, v.clone())]));
                for (id, chart) in &scene.charts {
                    let svg = svg_of(chart);
                    assert!(!svg.contains("NaN"), "{}/{id} with {}={v}: NaN", c.id(), ctl.name);
                }
                for r in &scene.readout {
                    assert!(!r.value.contains("NaN") && !r.value.contains("inf"), "{} {}={v}: readout {r:?}", c.id(), ctl.name);
                }
            }
        }
    }
}

#[test]
fn a_bad_url_value_is_reported_and_replaced() {
    let c = optlab::app::chapter("landscapes").unwrap();
    let (st, scene) = compute_raw(c, &raw(&[("lr", "fast".into())]));
    assert_eq!(st.get("lr"), "1.6");
    assert!(scene.messages.iter().any(|m| m.text.contains("learning rate") && m.text.contains("not a number")));
}

#[test]
fn a_diverging_setting_says_where_and_why() {
    let c = optlab::app::chapter("landscapes").unwrap();
    let (_, scene) = compute_raw(c, &raw(&[("lr", "5".into()), ("newton", "false".into())]));
    let bad: Vec<_> = scene.readout.iter().filter(|r| r.tone == "bad").collect();
    assert_eq!(bad.len(), 1, "{:?}", scene.readout);
    assert!(bad[0].value.contains("diverged at step") && bad[0].value.contains("2/L = 2.00"), "{:?}", bad[0]);
}

#[test]
fn every_chart_has_a_text_alternative_that_follows_its_data() {
    for c in chapters() {
        let (_, scene) = compute_raw(c, &BTreeMap::new());
        for (id, chart) in &scene.charts {
            let d = chart.describe();
            let title = match chart {
                Chart::Lines(l) => &l.title,
                Chart::Map(m, _) => &m.title,
            };
            assert!(d.starts_with(title.as_str()) && d.len() > title.len() + 20, "{}/{id}: {d}", c.id());
            assert!(!d.contains("NaN") && !d.contains("undefined"), "{}/{id}: {d}", c.id());
            // the text names numbers read from the chart
            // (or, before a training has run, that there is nothing yet)
            assert!(d.chars().any(|ch| ch.is_ascii_digit()) || d.contains("yet."), "{}/{id}: {d}", c.id());
        }
    }
    // it changes with the controls, as the picture does
    let c = optlab::app::chapter("momentum").unwrap();
    let describe = |lr: &str| -> Vec<String> {
        compute_raw(c, &raw(&[("lr", lr.to_string())])).1.charts.iter().map(|(_, ch)| ch.describe()).collect()
    };
    let (a, b) = (describe("0.1"), describe("0.3"));
    assert_eq!(a.len(), b.len());
    assert!(a.iter().zip(&b).filter(|(x, y)| x != y).count() >= 2, "{a:?}\n{b:?}");
}

#[test]
fn every_linear_slider_has_its_default_on_its_grid() {
    // a slider moved away and back must land on the default again: (default − min)/step is a whole number, and
    // the step is a round 1, 2 or 5 × 10^k of at most 1/200 of the range
    let mut seen = 0;
    for c in chapters() {
        for ctl in c.controls() {
            if let (ControlKind::Range { min, max, log: false, default }, Some(step)) = (ctl.kind, ctl.kind.step()) {
                let k = (default - min) / step;
                assert!((k - k.round()).abs() < 1e-6, "{}/{}: default {default} is not on the grid {min} + k·{step}", c.id(), ctl.name);
                assert!(step <= (max - min) / 200.0 * (1.0 + 1e-9), "{}/{}: step {step} coarser than range/200", c.id(), ctl.name);
                let m = step / 10f64.powf(step.log10().floor());
                assert!(
                    [1.0, 2.0, 5.0].iter().any(|r| (m - r).abs() < 1e-9),
                    "{}/{}: step {step} is not 1, 2 or 5 × 10^k",
                    c.id(),
                    ctl.name
                );
                seen += 1;
            }
        }
    }
    assert!(seen >= 20, "only {seen} linear sliders");
}

/// A live value a formula names never follows a TeX command that takes no argument (`\cdot{x}`): the shell
/// reads `\cmd{name}` as a command's argument (the {n} of \tfrac{m}{n}), so the value's name, not its number,
/// was shown, as italic letters (the race chapter's "√2·ns_sigma η" until 4 December 2026).
#[test]
fn every_formula_value_is_in_placeholder_position() {
    const NO_ARGUMENT: [&str; 13] = ["cdot", "times", "quad", "qquad", "approx", "le", "ge", "lt", "gt", "to", "cdots", "ldots", "pm"];
    for c in chapters() {
        let (st, scene) = compute_raw(c, &BTreeMap::new());
        let names: Vec<&str> = scene.values.iter().map(|(k, _)| k.as_str()).chain(st.values.keys().map(|k| k.as_str())).collect();
        for f in c.formulas() {
            for name in &names {
                for (at, _) in f.tex.match_indices(&format!("{{{name}}}")) {
                    let head = &f.tex[..at];
                    let word: String =
                        head.chars().rev().take_while(|ch| ch.is_ascii_alphabetic()).collect::<Vec<_>>().into_iter().rev().collect();
                    let is_command = !word.is_empty() && head[..head.len() - word.len()].ends_with('\\');
                    assert!(
                        !(is_command && NO_ARGUMENT.contains(&word.as_str())),
                        "{}: {{{name}}} right after \\{word} in {:?} is read as an argument: its name is shown, not its value",
                        c.id(),
                        f.tex
                    );
                }
            }
        }
    }
}

#[test]
fn a_formula_shown_only_for_some_values_names_a_select_and_its_options() {
    let mut conditional = 0;
    for c in chapters() {
        let controls = c.controls();
        for f in c.formulas() {
            for (name, values) in f.when {
                conditional += 1;
                let ctl = controls
                    .iter()
                    .find(|k| k.name == *name)
                    .unwrap_or_else(|| panic!("{}: {:?} names no control {name}", c.id(), f.caption));
                let ControlKind::Select { options, .. } = &ctl.kind else { panic!("{}: {name} is not a select", c.id()) };
                for v in *values {
                    assert!(options.iter().any(|(o, _)| o == v), "{}: {name} has no option {v} ({:?})", c.id(), f.caption);
                }
            }
        }
    }
    assert!(conditional >= 10, "{conditional} conditions");
}

#[test]
fn the_training_chapter_shows_the_formulas_of_the_optimizers_and_loss_it_runs() {
    let c = chapters().into_iter().find(|c| c.id() == "training").expect("training chapter");
    let shown = |pairs: &[(&str, &str)]| -> Vec<&'static str> {
        let (st, _) = compute_raw(c, &raw(&pairs.iter().map(|(k, v)| (*k, v.to_string())).collect::<Vec<_>>()));
        c.formulas()
            .into_iter()
            .filter(|f| f.shown(|n| st.values.get(n).cloned()))
            .map(|f| f.caption.split([':', ' ']).next().unwrap_or(""))
            .collect()
    };
    assert_eq!(shown(&[("optimizer", "adam")]), ["mini-batch", "softmax", "sharpness", "loss"]);
    assert_eq!(shown(&[("optimizer", "sam"), ("loss", "squared")]), ["mini-batch", "squared", "SAM", "sharpness", "loss"]);
    assert_eq!(shown(&[("optimizer", "newton"), ("compare", "muon")]), ["mini-batch", "softmax", "Muon", "Newton", "sharpness", "loss"]);
    assert_eq!(shown(&[("optimizer", "lookahead"), ("compare", "lookahead")]), ["mini-batch", "softmax", "Lookahead", "sharpness", "loss"]);
    assert_eq!(shown(&[("batch_norm", "on")]), ["mini-batch", "batch", "softmax", "sharpness", "loss"]);
}

/// The batch normalisation formula writes the trainer's constants as TeX text (the running statistics' 0.9 and
/// 0.1, ε = 10⁻⁵): a change of `BN_MOMENTUM` or `BN_EPS` that leaves the formula as it was fails here.
#[test]
fn the_batch_normalisation_formula_states_the_trainers_constants() {
    use optlab::train::mlp::{BN_EPS, BN_MOMENTUM};
    let c = chapters().into_iter().find(|c| c.id() == "training").expect("training chapter");
    let f = c.formulas().into_iter().find(|f| f.caption.starts_with("batch normalisation")).expect("its formula");
    let (keep, take) = (1.0 - BN_MOMENTUM, BN_MOMENTUM);
    for update in
        [format!(r"\mu \leftarrow {keep}\,\mu + {take}\,\mu_{{\mathcal B}}"), format!(r"\sigma^2 \leftarrow {keep}\,\sigma^2 + {take}\,")]
    {
        assert!(f.tex.contains(&update), "{update} in {}", f.tex);
    }
    let eps = format!("{BN_EPS:e}");
    let exponent = eps.strip_prefix("1e").unwrap_or_else(|| panic!("ε = {eps} is written as a power of ten"));
    assert!(f.tex.contains(&format!(r"\epsilon = 10^{{{exponent}}}")), "ε = {eps} in {}", f.tex);
}

/// Every live value a shown formula names has a value in every state the selects and toggles reach (each option
/// and each preset on its own): a name without one was typeset as itself, in italic letters (the training
/// chapter's "λ_max ≈ lambda_max" while the digits were loading, until 5 December 2026).
#[test]
fn every_shown_formula_has_its_live_values() {
    let mut checked = 0;
    for c in chapters() {
        let controls = c.controls();
        let mut states: Vec<BTreeMap<String, String>> = vec![BTreeMap::new()];
        for ctl in &controls {
            match &ctl.kind {
                ControlKind::Select { options, sets, .. } => {
                    for (o, _) in options.iter() {
                        let mut s = raw(&[(ctl.name, o.to_string())]);
                        if let Some((_, pairs)) = sets.iter().find(|(p, _)| p == o) {
                            s.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
                        }
                        states.push(s);
                    }
                }
                ControlKind::Toggle { default } => states.push(raw(&[(ctl.name, (!default).to_string())])),
                _ => {}
            }
        }
        for s in &states {
            let (st, scene) = compute_raw(c, s);
            for f in c.formulas() {
                let shown = f.when.is_empty() || f.when.iter().any(|(k, vs)| st.values.get(*k).is_some_and(|v| vs.contains(&v.as_str())));
                if !shown {
                    continue;
                }
                // the shell's placeholder: `{name}` not right after a letter, `}`, `^` or `_` (app.js PLACEHOLDER)
                let b = f.tex.as_bytes();
                for (at, _) in f.tex.match_indices('{') {
                    let Some(len) = f.tex[at + 1..].find('}') else { continue };
                    let name = &f.tex[at + 1..at + 1 + len];
                    let is_name = !name.is_empty() && name.bytes().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == b'_');
                    let after_arg = at > 0 && (b[at - 1].is_ascii_alphabetic() || matches!(b[at - 1], b'}' | b'^' | b'_'));
                    if !is_name || after_arg {
                        continue;
                    }
                    checked += 1;
                    let has = scene.values.iter().any(|(k, _)| k == name) || st.values.contains_key(name);
                    assert!(has, "{}: {{{name}}} of {:?} has no value in state {s:?}", c.id(), f.caption);
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} placeholders checked");
}

#[test]
fn the_schedules_introduction_names_its_charts_in_their_order() {
    // "The first chart is the schedule η_t; the next, on the same steps, the loss …": the page shows the
    // canvases in this order (side by side on a wide screen, one above the other on a narrow one)
    let c = chapters().into_iter().find(|c| c.id() == "schedules").expect("the schedules chapter");
    assert!(c.intro().contains("The first chart is the schedule η_t; the next"), "{}", c.intro());
    let ids: Vec<_> = c.canvases().iter().map(|cv| cv.id).collect();
    assert_eq!(&ids[..2], ["lr", "loss"]);
    assert!(c.canvases()[1].label.contains("learning-rate chart"), "{}", c.canvases()[1].label);
}
