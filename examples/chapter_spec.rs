//! Prints a chapter's "Copy spec" (the JSON `optlab run` / `optlab train` takes) for its default state or
//! the given controls: `cargo run --example chapter_spec -- CHAPTER [name=value ...]`.

use optlab::app::{chapter, compute_raw};
use std::collections::BTreeMap;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(c) = args.first().and_then(|id| chapter(id)) else {
        eprintln!("usage: chapter_spec CHAPTER [name=value ...]");
        std::process::exit(2);
    };
    let raw: BTreeMap<String, String> =
        args[1..].iter().filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (_, scene) = compute_raw(c, &raw);
    match scene.spec_json() {
        Some(s) => println!("{s}"),
        None => {
            eprintln!("chapter {} has no spec", c.id());
            std::process::exit(1);
        }
    }
}
