//! The browser adapter: the only code that knows about JS, the DOM and canvases. It hands the JS shell the
//! chapters' descriptions, computes scenes from control values, draws them on the chapter's canvases and maps
//! clicks back to data coordinates. Dense fields are rendered into an image of one pixel per sample or cell,
//! which the canvas scales over the plotting area without smoothing (`draw_cells`).
//!
//! The same module runs twice in a page: on the main thread for the shell's descriptions and checks
//! (`chapter_info`, `normalize`, `classify`), and in a worker (www/worker.js) that owns the [`Session`] and
//! draws on the canvases the page handed over as `OffscreenCanvas`es ([`Session::attach_canvas`]). Where a
//! browser cannot hand canvases to a worker, the session runs on the main thread and finds each canvas in the
//! document by its id (`<canvas id="cv-CHAPTER-CANVAS">`, sized by the shell in device pixels).
//!
//! Here: the functions the shell calls without a session, the panic hook and the bench's figures;
//! [`session`] the session and its drawing, [`cells`] field images, `fast_canvas` plotters' backend on a
//! canvas, `measure` the kernel timings done in idle time.

mod cells;
mod fast_canvas;
mod measure;
mod session;

pub use cells::{draw_cells, image_canvas, Cells};
pub use session::Session;

#[global_allocator]
static ALLOC: crate::alloc_count::Counting = crate::alloc_count::Counting;

use crate::app;
use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()` of the global scope: the window's, or the worker's.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

#[wasm_bindgen(start)]
pub fn start() {
    // A panic goes to the console with its cause (console_error_panic_hook) and to the page as the event
    // `optlab:panic`, whose handler (www/app.js) stops drawing and shows a banner with "Reload this state".
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        report_panic(&panic_text(info));
    }));
}

/// The banner's text of a panic: "panicked at FILE:LINE:COL:" and the message, or "panicked:" and the message
/// when the build leaves locations out (the release build, `-Zlocation-detail=none` in scripts/release-env.sh,
/// whose locations all read `<redacted>:0:0`).
fn panic_text(info: &std::panic::PanicHookInfo) -> String {
    let message = info.payload_as_str().unwrap_or("(a panic without a message)");
    match info.location() {
        Some(at) if at.line() > 0 => format!("panicked at {at}:\n{message}"),
        _ => format!("panicked:\n{message}"),
    }
}

/// Dispatches `optlab:panic` on the global scope (the window, or the worker, which passes it on to the page)
/// with the panic's message as `detail` (a string).
fn report_panic(message: &str) {
    let target: web_sys::EventTarget = js_sys::global().unchecked_into();
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&JsValue::from_str(message));
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("optlab:panic", &init) {
        let _ = target.dispatch_event(&event);
    }
}

/// Panics on purpose, for the end-to-end test of the panic banner (tests/e2e/hostile.test.mjs). Only script
/// running in the page can call it: no URL key, control or message reaches it.
#[wasm_bindgen]
pub fn debug_panic(message: &str) {
    panic!("debug_panic: {message}");
}

/// A value as the plain JS object its JSON describes, built by `JSON.parse` from serde_json's text: the
/// wasm then holds one serializer, serde_json's, which the spec and the exports need anyway, and not
/// serde-wasm-bindgen's too (its object building through JS calls, instantiated for every type sent: 3.2 KB
/// gzip). Every value sent is JSON-like (string keys, finite numbers), so the object is the one
/// `serde_wasm_bindgen::Serializer::json_compatible()` built before.
fn to_js<T: Serialize>(v: &T) -> JsValue {
    serde_json::to_string(v).ok().and_then(|s| js_sys::JSON::parse(&s).ok()).unwrap_or(JsValue::NULL)
}

/// Reads a JS object of string values (anything else is turned into its text) into a map.
fn raw_state(obj: &JsValue) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(o) = obj.dyn_ref::<js_sys::Object>() {
        for entry in js_sys::Object::entries(o).iter() {
            let pair = js_sys::Array::from(&entry);
            let k = pair.get(0).as_string().unwrap_or_default();
            let v = pair.get(1);
            let v = v.as_string().or_else(|| v.as_f64().map(|f| f.to_string())).or_else(|| v.as_bool().map(|b| b.to_string()));
            if let Some(v) = v {
                out.insert(k, v);
            }
        }
    }
    out
}

/// The file names of the PyTorch scripts' fixed parts under `assets/` ([`crate::export::ASSETS`]): the page
/// fetches them on the first PyTorch press and hands each to [`Session::provide_asset`].
#[wasm_bindgen]
pub fn export_assets() -> JsValue {
    to_js(&crate::export::ASSETS)
}

/// Every chapter's id and title, in order (the navigation). [`chapter_info`] describes one chapter whole: the
/// page asks for the chapter it opens only (all eleven descriptions cost a cold page 6-20 ms to hand over).
#[wasm_bindgen]
pub fn chapters() -> JsValue {
    #[derive(Serialize)]
    struct Entry {
        id: &'static str,
        title: &'static str,
    }
    to_js(&app::chapters().into_iter().map(|c| Entry { id: c.id(), title: c.title() }).collect::<Vec<_>>())
}

/// One chapter's id, title, intro, try-this list, formulas, controls and canvases; null for an unknown id.
#[wasm_bindgen]
pub fn chapter_info(id: &str) -> JsValue {
    app::chapter(id).map_or(JsValue::NULL, |c| to_js(&app::chapter_info(c)))
}

/// Validates raw control values for a chapter: `{state, messages}`.
#[wasm_bindgen]
pub fn normalize(chapter: &str, raw: JsValue) -> JsValue {
    #[derive(Serialize)]
    struct Out {
        state: BTreeMap<String, String>,
        messages: Vec<app::Message>,
    }
    match app::chapter(chapter) {
        Some(c) => {
            let (st, messages) = app::controls::normalize(&c.controls(), &raw_state(&raw));
            to_js(&Out { state: st.values, messages })
        }
        None => to_js(&Out { state: BTreeMap::new(), messages: vec![app::Message::error(format!("no chapter “{chapter}”"))] }),
    }
}

/// The slide-deck API's check of one value for one control (see [`app::controls::Control::classify`]):
/// `{outcome: "ok", value} | {outcome: "adjusted", value, reason} | {outcome: "invalid", reason}`,
/// or `null` when the chapter has no such control.
#[wasm_bindgen]
pub fn classify(chapter: &str, name: &str, value: &str) -> JsValue {
    match app::chapter(chapter).and_then(|c| c.controls().into_iter().find(|c| c.name == name)) {
        Some(c) => to_js(&c.classify(value)),
        None => JsValue::NULL,
    }
}

/// Milliseconds of the global scope's clock (the window's, or the worker's).
pub(crate) fn now() -> f64 {
    performance_now()
}

/// Microseconds per training sample in this browser: SGD steps on a 2-8-8-1-style tanh network (two
/// classes, so 2 outputs) with batches of 10, TensorFlow Playground's defaults, for `steps` steps after a
/// short warm-up. For the speed harness (`tests/e2e/bench.mjs`), not the UI.
#[wasm_bindgen]
pub fn bench_training_us_per_sample(steps: usize) -> f64 {
    let spec = crate::train::TrainSpec::playground_bench();
    let Ok(mut t) = crate::train::Trainer::new(&spec) else { return f64::NAN };
    t.step_n(50);
    let t0 = now();
    t.step_n(steps.max(1));
    let dt = now() - t0;
    dt * 1000.0 / (steps.max(1) * 10) as f64
}

/// Median milliseconds per run of kernel `kind` ("ns5" or "svd", see [`crate::linalg::timing`]) on the
/// seeded n × n matrix over `reps` samples, each a batch of runs of ≥ 2 ms; NaN for an unknown kind. For
/// the speed bench.
#[wasm_bindgen]
pub fn bench_kernel_ms(kind: &str, n: usize, reps: usize) -> f64 {
    crate::linalg::timing::median_ms(kind, n, reps, now).unwrap_or(f64::NAN)
}

/// Bytes of wasm linear memory (it only grows): the speed bench's memory figure.
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

/// The allocator's counters, `[bytes live, most bytes live at once since the last reset, allocations so
/// far]` (see `alloc_count.rs`); with `reset_peak` the peak restarts from what is live now. For the bench.
#[wasm_bindgen]
pub fn wasm_heap_stats(reset_peak: bool) -> Vec<f64> {
    let s = crate::alloc_count::stats();
    if reset_peak {
        crate::alloc_count::reset_peak();
    }
    s.to_vec()
}
