//! No chapter states a relation its own numbers contradict. Over random legal settings of every control of
//! every chapter (seeded, so a failure is reproducible), each readout and message that shows a relation
//! symbol (≤, <, >, ≥) must carry the computed [`Claim`]s it was derived from, and every claim must hold.
//! Labels are not checked: they name thresholds ("steps to f − f* ≤ 1e-6"), they do not state results.

use optlab::app::{chapters, compute_raw, Chapter, Claim, ControlKind};
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

const SYMBOLS: [&str; 4] = ["≤", "<", ">", "≥"];

/// A random legal value for each control (text boxes stay empty).
fn random_state(c: &dyn Chapter, rng: &mut impl Rng) -> BTreeMap<String, String> {
    let mut raw = BTreeMap::new();
    for ctl in c.controls() {
        let v = match &ctl.kind {
            ControlKind::Range { min, max, log: true, .. } => {
                let (a, b) = (min.max(1e-300).log10(), max.log10());
                format!("{}", 10f64.powf(rng.gen_range(a..=b)).clamp(*min, *max))
            }
            ControlKind::Range { min, max, .. } => format!("{}", rng.gen_range(*min..=*max)),
            ControlKind::Int { min, max, .. } => {
                // step counts and sizes: mostly small, sometimes the cap
                let hi = if rng.gen_bool(0.8) { (*min + (*max - *min) / 4).max(*min) } else { *max };
                rng.gen_range(*min..=hi).to_string()
            }
            ControlKind::Select { options, .. } => options[rng.gen_range(0..options.len())].0.to_string(),
            ControlKind::Toggle { .. } => rng.gen_bool(0.5).to_string(),
            ControlKind::Point { min, max, .. } => {
                let (lo, hi) = (min.max(-4.0), max.min(4.0));
                format!("{},{}", rng.gen_range(lo..=hi), rng.gen_range(lo..=hi))
            }
            ControlKind::Text { .. } => continue,
        };
        raw.insert(ctl.name.to_string(), v);
    }
    raw
}

fn check(id: &str, raw: &BTreeMap<String, String>, text: &str, claims: &[Claim]) {
    let states = SYMBOLS.iter().any(|s| text.contains(s));
    assert!(!states || !claims.is_empty(), "{id}: “{text}” states a relation but carries no computed claim; settings {raw:?}");
    for c in claims {
        assert!(c.holds(), "{id}: “{text}” claims {} {} {}, which is false; settings {raw:?}", c.lhs, c.symbol(), c.rhs);
        assert!(!states || text.contains(c.symbol()), "{id}: “{text}” does not show its claim's {}; settings {raw:?}", c.symbol());
    }
}

fn cases_for(id: &str) -> usize {
    match std::env::var("OPTLAB_CLAIM_CASES").ok().and_then(|v| v.parse().ok()) {
        Some(n) => n,
        None if id == "training" => 6,
        None => 30,
    }
}

fn check_chapter(id: &str) {
    let c = optlab::app::chapter(id).unwrap_or_else(|| panic!("no chapter {id}"));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x0c1a_1305);
    for _ in 0..cases_for(id) {
        let raw = random_state(c, &mut rng);
        let (_, scene) = compute_raw(c, &raw);
        for r in &scene.readout {
            check(id, &raw, &r.value, &r.claims);
        }
        for m in &scene.messages {
            check(id, &raw, &m.text, m.claim.as_slice());
        }
    }
}

macro_rules! chapter_tests {
    ($($name:ident = $id:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check_chapter($id);
            }
        )*
        /// Every chapter has its test above.
        #[test]
        fn every_chapter_is_checked() {
            let ids: Vec<&str> = chapters().iter().map(|c| c.id()).collect();
            assert_eq!(ids, vec![$($id),*]);
        }
    };
}

chapter_tests!(
    minibatch = "minibatch",
    landscapes = "landscapes",
    momentum = "momentum",
    adaptive = "adaptive",
    weight_decay = "weight-decay",
    schedules = "schedules",
    lookahead = "lookahead",
    sam = "sam",
    muon = "muon",
    race = "race",
    training = "training",
);
