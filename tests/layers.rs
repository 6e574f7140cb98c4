//! The crate's layers, checked on the source: the leaf module `checks` imports nothing of the crate, the core
//! (`problems`, `optim`, `linalg`) never imports `spec` (the experiment spec sits above them), and only
//! `src/web/` knows about the browser.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `(file, line)` of every line in `dir` containing one of `needles` (comments included: a doc link is a
/// dependency of the reader too).
fn offending(dir: &str, needles: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut files);
    assert!(!files.is_empty(), "no files under {dir}");
    let mut hits = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            if needles.iter().any(|n| line.contains(n)) {
                hits.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn the_checks_module_is_a_leaf() {
    let hits = offending("src/checks", &["use crate::", "use super::super", "crate::"]);
    // its module doc names crate::spec as the layer above; that is a mention, not an import
    let hits: Vec<_> = hits.into_iter().filter(|h| !h.contains("//!")).collect();
    assert!(hits.is_empty(), "src/checks must import nothing of the crate:\n{}", hits.join("\n"));
}

#[test]
fn the_core_does_not_import_the_spec() {
    for dir in ["src/problems", "src/optim", "src/linalg", "crates/kernels/src"] {
        let hits = offending(dir, &["crate::spec"]);
        assert!(hits.is_empty(), "{dir} imports crate::spec:\n{}", hits.join("\n"));
    }
}

#[test]
fn only_the_web_layer_touches_the_browser() {
    for dir in ["src/app", "src/optim", "src/problems", "src/linalg", "src/train", "src/plot", "src/checks", "crates/kernels/src"] {
        let hits = offending(dir, &["wasm_bindgen", "web_sys", "js_sys"]);
        assert!(hits.is_empty(), "{dir} uses browser crates:\n{}", hits.join("\n"));
    }
}

#[test]
fn chapters_read_typed_parameters_not_strings() {
    // a chapter's settings are fields of its Params struct (checked by the compiler), never `st.f64("kappa")`
    let hits = offending("src/app", &["st.f64(\"", "st.usize(\"", "st.bool(\"", "st.point(\"", "st.get(\"", "eff.f64(\"", "eff.get(\""]);
    // controls.rs defines the State accessors and tests them on its own controls
    let hits: Vec<_> = hits.into_iter().filter(|h| !h.contains("src/app/controls.rs")).collect();
    assert!(hits.is_empty(), "string-keyed parameter lookups in src/app:\n{}", hits.join("\n"));
    for c in optlab::app::chapters() {
        c.check_params().unwrap_or_else(|e| panic!("{}: {e}", c.id()));
    }
}

#[test]
fn each_chapter_lives_in_the_file_its_id_names() {
    // the convention: chapter id = file name with '-' for '_' (Rust module names cannot hold '-'), so
    // `weight-decay` is src/app/weight_decay.rs and a chapter of several files is src/app/<name>/mod.rs
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
    for c in optlab::app::chapters() {
        let m = c.id().replace('-', "_");
        assert!(
            root.join(format!("{m}.rs")).exists() || root.join(&m).join("mod.rs").exists(),
            "chapter {} has no src/app/{m}.rs or src/app/{m}/mod.rs",
            c.id()
        );
        assert!(c.id().chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'), "chapter id {} is not lowercase-with-dashes", c.id());
    }
}

/// Every chapter keeps its model and view apart: its `compute` is `compute_model` over its `Model` impl
/// (typed params → runs → scene), so no chapter computes and draws in one function.
#[test]
fn every_chapter_computes_through_its_model() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app"), &mut files);
    let mut chapters = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let Some(at) = text.find("    fn compute(&self, st: &State) -> Scene {") else { continue };
        chapters += 1;
        let body: Vec<&str> = text[at..].lines().skip(1).take(2).map(str::trim).collect();
        assert!(
            body.len() == 2 && body[0].starts_with("super::compute_model::<") && body[1] == "}",
            "{}: compute must be `super::compute_model::<Self>(st)`, found {body:?}",
            f.display()
        );
        assert!(text.contains("Model for "), "{}: no Model impl", f.display());
    }
    assert_eq!(chapters, optlab::app::chapters().len(), "one compute per chapter");
}
