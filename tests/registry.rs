//! The optimizer registry (`optlab::optim::KINDS`) is the one list of optimizer kinds: every kind reads,
//! writes and builds from its defaults; the README's optimizer table lists exactly these kinds, in this
//! order, with their real defaults; and every kind has a golden fixture from PyTorch.

use optlab::optim::{OptimizerSpec, KINDS};
use serde_json::Value;
use std::collections::BTreeSet;

#[test]
fn every_kind_round_trips_and_builds_from_its_defaults() {
    let mut seen = BTreeSet::new();
    for k in KINDS {
        assert!(seen.insert(k.kind), "{} listed twice", k.kind);
        let spec = k.default_spec();
        assert_eq!(spec.kind(), k.kind);
        assert_eq!(spec.info().label, k.label);
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["kind"], k.kind, "{json}");
        assert_eq!(json.get("inner").is_some(), k.wrapper, "{}: wrapper flag vs an inner field", k.kind);
        let back: OptimizerSpec = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{}: {e}", k.kind));
        assert_eq!(back, spec);
        for shape in [(2, 1), (3, 4)] {
            spec.build(shape, "optimizer").unwrap_or_else(|e| panic!("{} on {shape:?}: {e}", k.kind));
        }
    }
    // an unknown kind names the registry's kinds
    let err = optlab::Spec::from_json(r#"{"problem": {"kind": "rosenbrock"}, "x0": [0, 0], "runs": [{"optimizer": {"kind": "nope"}}]}"#)
        .unwrap_err()
        .to_string();
    assert!(KINDS.iter().all(|k| err.contains(k.kind)), "{err}");
}

/// The rows `| `kind` | fields | convention |` of the README's optimizer table.
fn readme_rows() -> Vec<(String, String)> {
    let readme = include_str!("../README.md");
    let start = readme.find("## Optimizers and their conventions").expect("README has the optimizer section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            (cells[0].trim_start_matches("| ").trim_matches('`').to_string(), cells[1].to_string())
        })
        .collect()
}

/// `name=value` pairs of a README fields cell (`as adam, weight_decay=0.01` inherits adam's row).
fn fields_of(cell: &str, rows: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in cell.split(", ") {
        let part = part.trim();
        if let Some(base) = part.strip_prefix("as ") {
            let row = rows.iter().find(|(k, _)| k == base).unwrap_or_else(|| panic!("README: 'as {base}' names no row"));
            out.extend(fields_of(&row.1, rows));
        } else if let Some((name, value)) = part.split_once('=') {
            out.retain(|(n, _)| n != name);
            out.push((name.to_string(), value.trim_matches('"').to_string()));
        }
    }
    out
}

fn same(value: &Value, text: &str) -> bool {
    match value {
        Value::Number(n) => {
            let v = n.as_f64().unwrap();
            let t = match text {
                "1/3" => 1.0 / 3.0,
                _ => text.parse::<f64>().unwrap_or(f64::NAN),
            };
            v == t
        }
        Value::Bool(b) => b.to_string() == text,
        Value::String(s) => s == text,
        _ => false,
    }
}

#[test]
fn the_readme_table_lists_every_kind_with_its_defaults() {
    let rows = readme_rows();
    let kinds: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    let registry: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
    assert_eq!(kinds, registry, "the README's optimizer table and the registry differ");
    for (k, cell) in &rows {
        let spec = KINDS.iter().find(|i| i.kind == k).unwrap().default_spec();
        let Value::Object(defaults) = serde_json::to_value(&spec).unwrap() else { unreachable!() };
        let listed = fields_of(cell, &rows);
        for (name, value) in &defaults {
            if name == "kind" || value.is_object() {
                continue;
            }
            let shown =
                listed.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("README row {k}: field {name} (default {value}) missing"));
            assert!(same(value, &shown.1), "README row {k}: {name}={} but the default is {value}", shown.1);
        }
        for (name, value) in &listed {
            if defaults.contains_key(name.as_str()) {
                continue;
            }
            // a field left out of the default JSON (Newton's damping = 0) must still be a field, and its default
            let text = format!(r#"{{"kind": "{k}", "{name}": {value}}}"#);
            let parsed: OptimizerSpec =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("README row {k}: {name}={value} is not a field of {k}: {e}"));
            assert_eq!(parsed, spec, "README row {k}: {name}={value} is not the default");
        }
    }
}

/// Every optimizer kind in a spec value (runs' optimizers and their `inner`s).
fn kinds_in(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (key, val) in m {
                if (key == "optimizer" || key == "inner") && val.get("kind").is_some() {
                    out.insert(val["kind"].as_str().unwrap_or_default().to_string());
                }
                kinds_in(val, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| kinds_in(x, out)),
        _ => {}
    }
}

#[test]
fn every_kind_has_a_golden_fixture() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/fixtures");
    let mut found = BTreeSet::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        kinds_in(&v["spec"], &mut found);
    }
    let missing: Vec<&str> = KINDS.iter().map(|k| k.kind).filter(|k| !found.contains(*k)).collect();
    assert!(missing.is_empty(), "no golden fixture runs these optimizer kinds: {missing:?}");
}
