//! The native half of the portability check: `tests/golden/portable.txt` is what this build computes for
//! `shared/digest.rs`'s cases (regenerate with `UPDATE_PORTABLE=1 cargo test --test portable`); the wasm test
//! `the_browser_computes_what_the_native_build_computes` (`tests/web.rs`) compares the browser's to it.

#[path = "shared/digest.rs"]
mod digest;

use std::path::Path;

#[test]
fn the_native_build_computes_the_committed_digest() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/portable.txt");
    let got = digest::digest();
    assert!(got.len() >= 60, "only {} series", got.len());
    if std::env::var("UPDATE_PORTABLE").is_ok() {
        std::fs::write(&file, digest::to_text(&got)).unwrap();
    }
    let want = digest::from_text(&std::fs::read_to_string(&file).expect("tests/golden/portable.txt"));
    let bad = digest::differences(&got, &want);
    assert!(bad.is_empty(), "{} differences (UPDATE_PORTABLE=1 rewrites the fixture):\n{}", bad.len(), bad.join("\n"));
}
