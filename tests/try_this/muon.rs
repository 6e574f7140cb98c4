//! The Muon chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::{first_number, readout, scene, Scenario};
use optlab::app::Scene;

const ID: &str = "muon";

/// `[lo, hi]` of the "σ in" readout.
fn band(s: &Scene) -> (f64, f64) {
    let v = &readout(s, "σ in").value;
    let inner = v.trim_start_matches('[');
    let mut it = inner.split([',', ']']).map(|x| x.trim().parse::<f64>().unwrap());
    (it.next().unwrap(), it.next().unwrap())
}

fn ns_steps() {
    let bands: Vec<(f64, f64)> = ["0", "1", "2", "5"].iter().map(|k| band(&scene(ID, &[("ns_steps", k)]))).collect();
    for w in bands.windows(2) {
        assert!(w[1].0 > w[0].0, "the smallest σ rises at every step: {bands:?}");
    }
    assert!(bands[0].1 < 1.0, "before NS every σ is below 1 (normalised by ‖M‖_F)");
    for (lo, hi) in &bands[1..] {
        assert!(*hi > 1.0 && *hi <= 1.2 + 5e-3, "the largest passes 1 and stays within 20 %: [{lo}, {hi}]");
    }
}

fn keller_vs_lecture() {
    let (klo, khi) = band(&scene(ID, &[("ns", "keller_quintic"), ("ns_steps", "5")]));
    let (llo, lhi) = band(&scene(ID, &[("ns", "lecture_quintic"), ("ns_steps", "5")]));
    assert!((klo - 0.68).abs() < 0.005 && (khi - 1.13).abs() < 0.005, "keller: [{klo}, {khi}]");
    assert!(lhi <= 1.0 + 1e-9 && (llo - 0.34).abs() < 0.005, "lecture: [{llo}, {lhi}]");
}

fn loss_scale() {
    for (ns, through) in [("keller_quintic", 50usize), ("svd", 100)] {
        let s = scene(ID, &[("loss_scale", "2.5"), ("ns", ns)]);
        let sgd = s.readout.iter().find(|r| r.label.starts_with("SGD on 2.5·f")).expect("SGD on λ·f readout");
        assert_eq!(sgd.tone, "bad", "SGD on 2.5·f diverges: {sgd:?}");
        let muon = &readout(&s, "Muon: ‖W_t(λ·f) − W_t(f)‖").value;
        if ns == "svd" {
            assert!(muon.starts_with("at most") && first_number(muon).unwrap() < 1e-12, "{muon}");
        } else {
            let t: usize = muon.rsplit("first above 1e-4 at step ").next().and_then(|x| x.parse().ok()).unwrap_or(101);
            assert!(t > through, "first above 1e-4 at step {t}: {muon}");
        }
    }
}

fn final_gap(s: &Scene, who: &str) -> f64 {
    let r = s.readout.iter().find(|r| r.label.starts_with(who) && r.label.ends_with("final f − f*")).expect("final gap readout");
    first_number(&r.value).unwrap()
}

fn kappa() {
    let (a, b) = (scene(ID, &[("kappa", "100")]), scene(ID, &[("kappa", "10000")]));
    let ratio = |who: &str| final_gap(&b, who) / final_gap(&a, who);
    assert!(ratio("SGD") > 1.4, "SGD's final loss rises: ×{}", ratio("SGD"));
    for who in ["Muon", "AdamW"] {
        let r = ratio(who);
        assert!((0.75..1.25).contains(&r), "{who}'s final loss changes by less than 25 %: ×{r}");
    }
}

pub const SCENARIOS: &[Scenario] = &[
    ("Set the Newton–Schulz steps to 0, then 1, 2, 5", ns_steps),
    ("Compare keller_quintic with lecture_quintic at 5 steps", keller_vs_lecture),
    ("Raise the loss scale λ above 2", loss_scale),
    ("Raise κ from 100 to 10⁴", kappa),
];
