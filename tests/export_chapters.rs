//! Every chapter's "PyTorch" text is what `optlab export-torch` writes for the chapter's "Copy spec" (the
//! page hands the scene's own spec to the exporter; the command line reads it back from JSON).

use optlab::app::{chapter, compute_raw};
use std::collections::BTreeMap;

#[test]
fn every_chapter_exports_what_the_cli_exports_for_its_spec() {
    let mut exported = 0;
    for c in optlab::app::chapters() {
        let (_, scene) = compute_raw(c, &BTreeMap::new());
        let Some(spec) = scene.spec_json() else { continue };
        let page = scene.torch_script().expect("a scene with a spec has a script").unwrap_or_else(|e| panic!("{}: {e}", c.id()));
        let cli = optlab::export::export_json(&spec, None).unwrap_or_else(|e| panic!("{}: {e}", c.id()));
        if page != cli {
            let line = page.lines().zip(cli.lines()).position(|(a, b)| a != b).unwrap_or(0);
            panic!(
                "{}: the page's script and the CLI's differ at line {}:\n{}\n{}",
                c.id(),
                line + 1,
                page.lines().nth(line).unwrap_or(""),
                cli.lines().nth(line).unwrap_or("")
            );
        }
        let _ = chapter(c.id());
        exported += 1;
    }
    assert!(exported >= 5, "only {exported} chapters have a script");
}
