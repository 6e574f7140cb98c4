//! Helpers of the try-this scenarios: scenes from a chapter's defaults plus named settings, readout lookup.
#![allow(dead_code)]

use optlab::app::{chapter, compute_raw, Chapter, Readout, Scene, State};
use std::collections::BTreeMap;

/// A scenario: the start of the bullet it holds (its first words, as on the page) and the check.
pub type Scenario = (&'static str, fn());

/// The chapter id of a test module's name (`weight_decay` → `weight-decay`).
pub fn chapter_id(module: &str) -> String {
    let id = module.replace('_', "-");
    if optlab::app::chapter(&id).is_some() {
        id
    } else {
        module.to_string()
    }
}

/// Runs a chapter's scenarios after checking that there is exactly one per bullet, in the page's order, each
/// naming the start of its bullet.
pub fn check_chapter(id: &str, scenarios: &[Scenario]) {
    let c = chapter(id).unwrap_or_else(|| panic!("no chapter {id}"));
    let bullets = c.try_this();
    assert_eq!(
        scenarios.len(),
        bullets.len(),
        "{id}: {} try-this bullets but {} scenarios; every bullet needs one: {bullets:?}",
        bullets.len(),
        scenarios.len()
    );
    for (i, ((start, run), bullet)) in scenarios.iter().zip(bullets).enumerate() {
        assert!(!start.is_empty() && bullet.starts_with(start), "{id}: scenario {i} names “{start}” but bullet {i} reads “{bullet}”");
        run();
    }
}

pub fn chap(id: &str) -> &'static dyn Chapter {
    chapter(id).unwrap_or_else(|| panic!("no chapter {id}"))
}

/// The scene of chapter `id` at its defaults with `pairs` set; panics if a setting was not taken as given
/// (a scenario must use values the page accepts).
pub fn scene(id: &str, pairs: &[(&str, &str)]) -> Scene {
    let (st, sc) = state_scene(id, pairs);
    for (k, v) in pairs {
        let c = chap(id).controls().into_iter().find(|c| c.name == *k).unwrap_or_else(|| panic!("{id}: no control {k}"));
        assert!(c.same_value(st.get(k), v), "{id}: {k} = {v} was not accepted (state has {})", st.get(k));
    }
    sc
}

pub fn state_scene(id: &str, pairs: &[(&str, &str)]) -> (State, Scene) {
    let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    compute_raw(chap(id), &raw)
}

/// The first readout whose label contains `label`.
pub fn readout<'a>(s: &'a Scene, label: &str) -> &'a Readout {
    s.readout.iter().find(|r| r.label.contains(label)).unwrap_or_else(|| panic!("no readout “{label}”: {:#?}", s.readout))
}

/// The first number in a text (e.g. "0.818 per step" → 0.818; "not within 150 steps" → 150).
pub fn first_number(text: &str) -> Option<f64> {
    let mut cur = String::new();
    for ch in text.chars().chain(std::iter::once(' ')) {
        if ch.is_ascii_digit() || ch == '.' || ((ch == '-' || ch == 'e') && !cur.is_empty()) || (ch == '-' && cur.is_empty()) {
            cur.push(ch);
        } else if !cur.is_empty() {
            if let Ok(v) = cur.trim_end_matches(['e', '-', '.']).parse::<f64>() {
                return Some(v);
            }
            cur.clear();
        }
    }
    None
}
