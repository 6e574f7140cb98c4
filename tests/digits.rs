//! The shipped 8×8 digits decode to the data `scripts/prepare_digits.py` read (its summary, written from
//! scikit-learn's copy of UCI optdigits), the asset stays within its size budget, and a training on them
//! runs through the ordinary spec.

use optlab::train::digits;
use serde_json::Value;

fn summary() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/digits_summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_asset_decodes_to_the_source_data() {
    let s = summary();
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/assets/digits.bin")).unwrap();
    assert_eq!(bytes.len() as u64, s["bytes"].as_u64().unwrap());
    assert!(s["gzip_bytes"].as_u64().unwrap() <= 40_000, "the asset must stay ≤ 40 KB gzip'd");
    let pts = digits::decode(&bytes).unwrap();
    assert_eq!(pts.len(), digits::IMAGES);
    assert!(pts.x.iter().all(|r| r.len() == digits::PIXELS));
    let raw = |v: f64| (v * 16.0).round() as u64;
    let mut counts = [0u64; 10];
    let mut by_class = [0u64; 10];
    for (x, &y) in pts.x.iter().zip(&pts.y) {
        counts[y] += 1;
        by_class[y] += x.iter().map(|&v| raw(v)).sum::<u64>();
        assert!(x.iter().all(|&v| (0.0..=1.0).contains(&v) && (v * 16.0).fract() == 0.0));
    }
    let want = |k: &str| s[k].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect::<Vec<_>>();
    assert_eq!(counts.to_vec(), want("class_counts"));
    assert_eq!(by_class.to_vec(), want("pixel_sum_by_class"));
    assert_eq!(pts.x.iter().flatten().filter(|&&v| v == 1.0).count() as u64, s["count_of_16"].as_u64().unwrap());
    assert_eq!(pts.x[0].iter().map(|&v| raw(v)).collect::<Vec<_>>(), want("first_image"));
    assert_eq!(pts.y[0] as u64, s["first_label"].as_u64().unwrap());
    assert_eq!(pts.x[digits::IMAGES - 1].iter().map(|&v| raw(v)).collect::<Vec<_>>(), want("last_image"));
    assert_eq!(pts.y[digits::IMAGES - 1] as u64, s["last_label"].as_u64().unwrap());
}

#[test]
fn broken_assets_are_refused_with_a_reason() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/assets/digits.bin")).unwrap();
    assert!(digits::decode(b"hello").unwrap_err().contains("DIG1"));
    assert!(digits::decode(&bytes[..bytes.len() - 3]).unwrap_err().contains("bytes"));
    let mut bad = bytes.clone();
    bad[6] = 63;
    assert!(digits::decode(&bad).is_err());
}

#[test]
fn a_digits_training_runs_through_the_spec() {
    let spec = r#"{"data": {"kind": "digits", "train_fraction": 0.75, "noise": 0},
        "model": {"hidden": [16, 16], "activation": "relu"}, "optimizer": {"kind": "adam", "lr": 0.01},
        "batch_size": 32, "steps": 150, "eval_every": 50, "seed": 0}"#;
    let specs = optlab::train::report::parse_specs(spec).unwrap();
    let report = optlab::train::report::run_specs(&specs).unwrap();
    let last = report.runs[0].history.last().unwrap();
    assert_eq!(last.step, 150);
    // 1,348 training and 449 test images; after 150 Adam steps the test accuracy is far above chance (10 %)
    let acc = last.test_accuracy.unwrap();
    assert!(acc > 0.5, "test accuracy {acc}");
}

/// The training chapter's digits preset: the learning rates are the ones the committed sweep chose, and the
/// view shows a confusion matrix with misclassified images (not a plane), per-class accuracy and the steps
/// to the target accuracy, all from the run.
#[test]
fn the_digits_preset_uses_the_sweep_and_shows_the_digits_view() {
    use optlab::app::training::setup::{DIGITS_ADAMW_LR, DIGITS_MUON_LR, PRESETS};
    use optlab::app::{chapter, compute_raw, Chart, Field};
    let sweep = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/digits_sweep.txt")).unwrap();
    let chosen = sweep.lines().find(|l| l.starts_with("chosen learning rates:")).expect("the sweep's last line");
    assert_eq!(chosen, format!("chosen learning rates: Muon {DIGITS_MUON_LR} (AdamW part {DIGITS_ADAMW_LR}), AdamW {DIGITS_ADAMW_LR}"));

    let preset = PRESETS.iter().find(|p| p.id == "muon_vs_adamw_digits").unwrap();
    let mut raw: std::collections::BTreeMap<String, String> = preset.settings.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    raw.insert("preset".into(), preset.id.into());
    let c = chapter("training").unwrap();
    assert_eq!(c.asset(&optlab::app::controls::normalize(&c.controls(), &raw).0), None, "natively the digits are bundled");
    let (_, scene) = compute_raw(c, &raw);
    assert!(scene.messages.iter().all(|m| m.level != "error"), "{:?}", scene.messages);
    let (_, chart) = scene.charts.iter().find(|(id, _)| *id == "regions").unwrap();
    let Chart::Map(map, Field::Grid { values, width, height }) = chart else { panic!("a confusion image, not a plane") };
    assert!(map.title.contains("confusion matrix") && map.title.contains("misclassified"), "{}", map.title);
    // its coordinates are the image's pixels (0 … 80 from the bottom, class 0 at the top): no tick labels
    assert!(map.no_ticks, "the confusion image's axes would be labelled with pixel coordinates");
    assert_eq!(values.len(), width * height);
    assert!(*width > 80 && *height >= 80, "{width}×{height}: 10×10 cells of 8 pixels, then the images");
    let text: Vec<String> = scene.readout.iter().map(|r| format!("{}: {}", r.label, r.value)).collect();
    let all = text.join("\n");
    assert!(all.contains("per-class test accuracy") && all.contains("0: ") && all.contains("9: "), "{all}");
    assert!(all.contains("misclassified test inputs"), "{all}");
    assert_eq!(text.iter().filter(|l| l.contains("steps to 97.0% test accuracy")).count(), 2, "{all}");
    assert!(all.contains("1348 training, 449 test"), "{all}");
    let (specs, _) = scene.train.as_ref().unwrap();
    assert_eq!(specs.len(), 2);
    assert_eq!(specs[0].model.hidden, vec![64, 64]);
}

/// The data box: a CSV of 64 features trains (confusion view with images), and a 784-column CSV of 1,000
/// rows (about 2–3 million characters) is refused with a message naming the cap, the rest of the state kept.
#[test]
fn wide_csv_rows_in_the_data_box() {
    use optlab::app::{chapter, compute_raw, Chart, Field};
    let c = chapter("training").unwrap();
    let pts = digits::get().unwrap();
    let mut text = String::new();
    for (x, y) in pts.x.iter().zip(&pts.y).filter(|(_, &y)| y < 3).take(150) {
        let row: Vec<String> = x.iter().map(|v| format!("{}", (v * 16.0).round())).collect();
        text += &format!("{},{y}\n", row.join(","));
    }
    let raw: std::collections::BTreeMap<String, String> =
        [("dataset", "csv"), ("csv", text.as_str()), ("steps", "60"), ("layers", "1"), ("width", "16")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    let (_, scene) = compute_raw(c, &raw);
    assert!(scene.messages.iter().all(|m| m.level != "error"), "{:?}", scene.messages);
    let data = scene.readout.iter().find(|r| r.label == "data").unwrap();
    assert!(data.value.contains("150 rows of 64 features, 3 classes"), "{}", data.value);
    let (_, chart) = scene.charts.iter().find(|(id, _)| *id == "regions").unwrap();
    assert!(matches!(chart, Chart::Map(m, Field::Grid { .. }) if m.title.contains("confusion matrix")));

    let row: String = (0..784).map(|i| ((i * 37) % 256).to_string()).collect::<Vec<_>>().join(",");
    let big: String = (0..1000).map(|i| format!("{row},{}\n", i % 3)).collect();
    let raw: std::collections::BTreeMap<String, String> =
        [("dataset", "csv"), ("csv", big.as_str()), ("lr", "0.02")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (st, msgs) = optlab::app::controls::normalize(&c.controls(), &raw);
    let msg = msgs.iter().map(|m| m.text.clone()).collect::<Vec<_>>().join("\n");
    assert!(
        msg.contains(&format!("the text has {} characters, more than the 100000 this box takes (not used)", big.chars().count())),
        "{msg}"
    );
    assert_eq!((st.get("csv"), st.get("lr")), ("", "0.02"), "the refused text is not used; the rest stays");
}

/// An evaluation spread over calls (the live page's, so that 1,797 images never take a whole frame) gives
/// the metrics of an evaluation at once, bit for bit; with batch normalisation too, where the steps taken while
/// it is spread move the running statistics and the evaluation must use those of its own step.
#[test]
fn a_deferred_evaluation_gives_the_same_metrics() {
    for model in [r#"{"hidden": [16, 16], "activation": "relu"}"#, r#"{"hidden": [16, 16], "activation": "relu", "batch_norm": true}"#] {
        deferred_equals_at_once(&format!(
            r#"{{"data": {{"kind": "digits", "train_fraction": 0.75, "noise": 0}},
            "model": {model}, "optimizer": {{"kind": "muon", "lr": 0.02}},
            "batch_size": 32, "steps": 60, "eval_every": 10, "seed": 3}}"#
        ));
    }
}

fn deferred_equals_at_once(spec: &str) {
    let spec = &optlab::train::report::parse_specs(spec).unwrap()[0];
    let mut at_once = optlab::train::Trainer::new(spec).unwrap();
    at_once.run_to_end();
    let mut spread = optlab::train::Trainer::new(spec).unwrap();
    spread.defer_evaluation(Some(300));
    let mut calls = 0;
    while spread.step() < 60 {
        spread.step_n(1);
        spread.eval_work();
        calls += 1;
    }
    spread.record();
    assert!(spread.evaluating(), "the last evaluation is still going on");
    spread.finish_evaluation();
    assert_eq!(calls, 60);
    assert_eq!(spread.history(), at_once.history());
    assert_eq!(spread.history().len(), 7);
    // and the training itself is untouched: the same weights and running statistics
    assert_eq!((spread.params(), spread.mlp().running_stats()), (at_once.params(), at_once.mlp().running_stats()));
}
