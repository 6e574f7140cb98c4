//! The heaviest chapters stay within a memory budget: the most bytes live at once while one state is computed
//! (its runs built, trained for the first steps, measured and turned into a scene). Linear memory in the
//! browser only grows, to the largest amount ever live plus fragmentation, so this peak sets the page's wasm
//! memory.
//! - Training: the digits with 4 hidden layers of 64 units and a comparison run, the first state computed (so
//!   its peak includes decoding the digits, as in the page): 8.03 MB with a workspace of 256 rows
//!   (`train::trainer::CHUNK`), 6.34 MB with 128, 5.41 MB once the decoded digits were kept as bytes (0.11 MB)
//!   instead of f64 features (0.96 MB, which every later state also held underneath it), 4.54 MB with one
//!   workspace for both runs instead of one each. At the default batch of 10 (the digits already decoded),
//!   4.13 MB with a workspace of the batch's rows, at least `MIN_CHUNK` = 32 (5.41 MB with 128 rows whatever
//!   the batch), 3.89 MB with the workspace shared.
//! - Muon at its largest settings: 4.30 MB while its cached runs were copied out of their cache (and into the
//!   scene), 2.22 MB shared; what the cache keeps (2.1 MB) is freed when the page opens another chapter.
//!
//! The counters are global, so the tests take turns (`ONE_AT_A_TIME`).

use optlab::alloc_count::{reset_peak, stats, Counting};
use optlab::app::{chapters, compute_raw, memo};
use std::collections::BTreeMap;

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes live now.
fn live() -> usize {
    stats()[0] as usize
}

/// The most bytes live at once since the last [`reset_peak`].
fn peak() -> usize {
    stats()[1] as usize
}

/// Computes `chapter`'s scene at `raw` (which must have no error) and drops it: the bytes live before, and the
/// most bytes live at once beyond them while it was computed.
fn peak_of(chapter: &str, raw: &BTreeMap<String, String>) -> (usize, usize) {
    let c = chapters().into_iter().find(|c| c.id() == chapter).unwrap();
    let base = live();
    reset_peak();
    let (_, scene) = compute_raw(c, raw);
    let peak = peak() - base;
    assert!(scene.messages.iter().all(|m| m.level != "error"), "{raw:?}: {:?}", scene.messages);
    (base, peak)
}

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn mb(b: usize) -> f64 {
    b as f64 / (1 << 20) as f64
}

/// The training budget: 5 MB live at once (4.54 MB measured; 5.41 MB with a workspace per run).
const BUDGET: usize = 5 << 20;
/// With the default batch of 10 (the digits decoded already): 4 MB (3.89 MB measured; 4.13 MB with a workspace
/// per run, 5.41 MB with a workspace of 128 rows whatever the batch).
const SMALL_BATCH_BUDGET: usize = 4 << 20;

#[test]
fn the_heaviest_training_states_stay_within_their_memory_budget() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // the most live at once over all states, and over those with the default batch of 10
    let (mut worst, mut worst_small) = ((0, String::new()), 0);
    // what the page keeps of the digits once they are loaded, under every later state of every chapter
    let before = live();
    assert!(optlab::train::digits::loaded());
    let kept = live().saturating_sub(before);
    assert!(kept < 200 << 10, "{:.2} MB kept for the digits", mb(kept));
    // the largest batch first, so that its peak includes decoding the digits (the page's worst case)
    for (dataset, batch) in [("digits", "128"), ("digits", "10"), ("spirals", "10")] {
        for (optimizer, compare) in [("sam", "adam"), ("adam", "muon"), ("muon", "sam")] {
            let raw: BTreeMap<String, String> = [
                ("dataset", dataset),
                ("n", "1000"),
                ("classes", "7"),
                ("layers", "4"),
                ("width", "64"),
                ("optimizer", optimizer),
                ("compare", compare),
                ("batch_size", batch),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            let (_, peak) = peak_of("training", &raw);
            eprintln!("{dataset}, batch {batch}, {optimizer} vs {compare}: {:.2} MB live at once", mb(peak));
            if peak > worst.0 {
                worst = (peak, format!("{raw:?}"));
            }
            if batch == "10" {
                worst_small = worst_small.max(peak);
            }
        }
    }
    assert!(worst.0 <= BUDGET, "{:.2} MB live at once (budget {:.2} MB) for {}", mb(worst.0), mb(BUDGET), worst.1);
    // and the states are heavy: a budget far above them would test nothing
    assert!(worst.0 >= BUDGET / 2, "only {:.2} MB for {}", mb(worst.0), worst.1);
    // a small batch has a small workspace
    assert!(worst_small <= SMALL_BATCH_BUDGET, "{:.2} MB live at once with a batch of 10", mb(worst_small));
}

/// The Muon budget: 3 MB live at once.
const MUON_BUDGET: usize = 3 << 20;

#[test]
fn muon_at_its_largest_settings_stays_within_its_budget_and_its_cache_is_freed_on_leaving() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let muon = chapters().into_iter().find(|c| c.id() == "muon").unwrap();
    // every slider at its largest value: 16×16, 64 samples, 150 steps, λ ≠ 1 (so the runs on λ·f are computed too)
    let raw: BTreeMap<String, String> = muon
        .controls()
        .into_iter()
        .filter_map(|c| match c.kind {
            optlab::app::controls::ControlKind::Range { max, .. } => Some((c.name.to_string(), max.to_string())),
            optlab::app::controls::ControlKind::Int { max, .. } => Some((c.name.to_string(), max.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!((raw["rows"].as_str(), raw["features"].as_str(), raw["steps"].as_str()), ("16", "16", "150"));
    assert_ne!(raw["loss_scale"], "1");
    memo::forget_all();
    let (base, peak) = peak_of("muon", &raw);
    let held = live().saturating_sub(base);
    memo::forget_all();
    let left = live().saturating_sub(base);
    assert!(peak <= MUON_BUDGET, "{:.2} MB live at once (budget {:.2} MB)", mb(peak), mb(MUON_BUDGET));
    // the states are heavy (the runs are kept between changes), and leaving the chapter frees them
    assert!(held >= 1 << 20, "only {:.2} MB kept between changes", mb(held));
    assert!(left < 64 << 10, "{:.3} MB still live after forgetting the caches", mb(left));
}
