//! The web layer in headless Chrome (wasm-bindgen-test): for every chapter in `optlab::app::chapters()`,
//! the wasm API the JS shell uses (`chapters`, `normalize`, `Session`) draws non-blank canvases, reacts to
//! a control change, round-trips its state through a URL query string, maps clicks, and exports a spec
//! that `optlab run` accepts.
//!
//! Run (the web-test profile optimises the wasm; unoptimised, a run takes too long for chromedriver):
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --profile web-test --target wasm32-unknown-unknown --no-default-features --test web`

#![cfg(target_arch = "wasm32")]

use optlab::app::controls::fmt_num;
use optlab::app::{chapters, Chapter, Control, ControlKind};
use optlab::plot::field::{spread_cells, stretch_cells};
use optlab::web::{draw_cells, image_canvas, normalize, Cells, Session};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, UrlSearchParams};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "shared/digest.rs"]
mod digest;

const W: u32 = 640;
const H: u32 = 480;

type Raw = BTreeMap<String, String>;

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Creates (or finds) the chapter's canvases in the test page, `W`×`H` device pixels each, with the ids
/// the shell uses (`cv-CHAPTER-CANVAS`).
fn mount(c: &dyn Chapter) -> Vec<(String, HtmlCanvasElement)> {
    let doc = document();
    let body = doc.body().unwrap();
    c.canvases()
        .iter()
        .map(|cv| {
            let id = format!("cv-{}-{}", c.id(), cv.id);
            let el: HtmlCanvasElement = match doc.get_element_by_id(&id) {
                Some(e) => e.dyn_into().unwrap(),
                None => {
                    let e: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
                    e.set_id(&id);
                    body.append_child(&e).unwrap();
                    e
                }
            };
            el.set_width(W);
            el.set_height(H);
            (cv.id.to_string(), el)
        })
        .collect()
}

fn unmount(canvases: Vec<(String, HtmlCanvasElement)>) {
    for (_, el) in canvases {
        el.remove();
    }
}

fn pixels(el: &HtmlCanvasElement) -> Vec<u8> {
    let ctx: CanvasRenderingContext2d = el.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    ctx.get_image_data(0.0, 0.0, el.width() as f64, el.height() as f64).unwrap().data().0
}

/// Number of distinct RGBA colours, the share of pixels that differ from the most common one, and the
/// number of clearly coloured pixels (max − min channel > 50). Axes, grid and text are grey in every
/// theme; data (Okabe–Ito series, viridis fields) is coloured, so an empty chart has almost none.
fn colour_stats(px: &[u8]) -> (usize, f64, usize) {
    let mut counts: HashMap<[u8; 4], usize> = HashMap::new();
    let mut chromatic = 0;
    for p in px.chunks_exact(4) {
        *counts.entry([p[0], p[1], p[2], p[3]]).or_default() += 1;
        let (hi, lo) = (p[0].max(p[1]).max(p[2]), p[0].min(p[1]).min(p[2]));
        if p[3] > 0 && hi - lo > 50 {
            chromatic += 1;
        }
    }
    let n = px.len() / 4;
    let top = counts.values().copied().max().unwrap_or(0);
    (counts.len(), (n - top) as f64 / n.max(1) as f64, chromatic)
}

fn js_raw(raw: &Raw) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in raw {
        js_sys::Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v)).unwrap();
    }
    o.into()
}

fn from_js(v: JsValue) -> Value {
    serde_wasm_bindgen::from_value(v).expect("the wasm API returns plain JSON-like objects")
}

/// What one render returned, parsed.
struct Out {
    state: Raw,
    readout: Vec<(String, String)>,
    messages: Vec<(String, String)>,
    json: Value,
}

/// Steps a live chapter (a training) takes before it is checked: the same number every time, so two
/// renders of one state are comparable.
const LIVE_STEPS: usize = 300;

/// Renders a chapter; a live chapter starts its run afresh and advances it `LIVE_STEPS` steps first.
fn render(session: &mut Session, chapter: &str, raw: &Raw, theme: &str) -> Out {
    let live = optlab::app::chapter(chapter).is_some_and(|c| c.is_live());
    let json = if live {
        session.reset_live();
        from_js(session.tick(chapter, js_raw(raw), theme, 1.0, LIVE_STEPS, 1e9))
    } else {
        from_js(session.render(chapter, js_raw(raw), theme, 1.0))
    };
    let state = json["state"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    let pairs = |key: &str, a: &str, b: &str| -> Vec<(String, String)> {
        json[key]
            .as_array()
            .map(|xs| {
                xs.iter().map(|x| (x[a].as_str().unwrap_or_default().to_string(), x[b].as_str().unwrap_or_default().to_string())).collect()
            })
            .unwrap_or_default()
    };
    let readout = pairs("readout", "label", "value");
    let messages = pairs("messages", "level", "text");
    Out { state, readout, messages, json }
}

fn normalized(chapter: &str, raw: &Raw) -> (Raw, Vec<String>) {
    let v = from_js(normalize(chapter, js_raw(raw)));
    let state = v["state"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();
    let msgs = v["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap_or_default().to_string()).collect();
    (state, msgs)
}

/// A valid value for `ctl` clearly different from `current`.
fn other_value(ctl: &Control, current: &str) -> String {
    match &ctl.kind {
        ControlKind::Range { min, max, log, .. } => {
            let d: f64 = current.parse().unwrap_or(*min);
            let v = if *log {
                if d * 4.0 <= *max {
                    d * 4.0
                } else {
                    d / 4.0
                }
            } else {
                let span = max - min;
                if d + 0.25 * span <= *max {
                    d + 0.25 * span
                } else {
                    d - 0.25 * span
                }
            };
            fmt_num(v.clamp(*min, *max))
        }
        ControlKind::Int { min, max, .. } => {
            let d: i64 = current.parse().unwrap_or(*min);
            let step = ((max - min) / 4).max(1);
            (if d + step <= *max { d + step } else { d - step }).clamp(*min, *max).to_string()
        }
        ControlKind::Select { options, .. } => {
            options.iter().map(|(v, _)| v.to_string()).find(|v| v != current).unwrap_or_else(|| current.to_string())
        }
        ControlKind::Toggle { .. } => (current != "true").to_string(),
        // a text box is left as it is: what it may hold is up to the chapter (e.g. CSV rows)
        ControlKind::Text { .. } => current.to_string(),
        ControlKind::Point { min, max, .. } => {
            let mut it = current.split(',').map(|p| p.trim().parse::<f64>().unwrap_or(0.0));
            let (x, y) = (it.next().unwrap_or(0.0), it.next().unwrap_or(0.0));
            let shift = 0.2 * (max - min);
            let mv = |v: f64, s: f64| if v + s <= *max { v + s } else { v - s };
            format!("{},{}", fmt_num(mv(x, shift)), fmt_num(mv(y, -shift)))
        }
    }
}

fn visible(ctl: &Control, st: &Raw) -> bool {
    ctl.when.as_ref().is_none_or(|(name, values)| st.get(*name).is_some_and(|v| values.contains(&v.as_str())))
}

/// Lets the browser's event loop run (a macrotask), so the WebDriver polling the page gets answers
/// between chapters; a page busy for minutes makes chromedriver give up ("Timed out receiving message
/// from renderer").
async fn yield_to_browser() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Runs `check` for every chapter and fails once at the end with every chapter's problems, so one broken
/// chapter does not hide another's.
async fn for_every_chapter(check: impl Fn(&dyn Chapter, &mut Vec<String>)) {
    assert!(!chapters().is_empty(), "no chapters");
    let mut problems = Vec::new();
    for c in chapters() {
        let t0 = now();
        let mut p = Vec::new();
        check(c, &mut p);
        console_log!("  {}: {:.0} ms, {} problem(s)", c.id(), now() - t0, p.len());
        problems.extend(p.into_iter().map(|s| format!("{}: {s}", c.id())));
        yield_to_browser().await;
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

fn now() -> f64 {
    js_sys::Date::now()
}

#[wasm_bindgen_test]
fn the_chapter_list_matches_the_core() {
    let listed = from_js(optlab::web::chapters());
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    let core: Vec<&str> = chapters().iter().map(|c| c.id()).collect();
    assert_eq!(ids, core);
    // the list gives ids and titles; chapter_info(id) the whole description of one chapter
    assert!(optlab::web::chapter_info("no-such-chapter").is_null());
    for entry in listed.as_array().unwrap() {
        let id = entry["id"].as_str().unwrap();
        let c = &from_js(optlab::web::chapter_info(id));
        assert_eq!(c["id"].as_str(), Some(id));
        assert_eq!(c["title"], entry["title"], "{id}: the same title in the list and the description");
        assert!(!c["title"].as_str().unwrap_or_default().is_empty(), "{id}: title");
        assert!(!c["canvases"].as_array().unwrap().is_empty(), "{id}: no canvas");
        assert!(!c["controls"].as_array().unwrap().is_empty(), "{id}: no control");
        let names: Vec<&str> = c["controls"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
        let unique: HashSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "{id}: duplicate control names {names:?}");
        for n in names {
            assert!(!["chapter", "embed", "theme", "hide"].contains(&n), "{id}: control {n} collides with a shell URL key");
        }
    }
}

#[wasm_bindgen_test]
async fn every_chapter_draws_non_blank_canvases_and_a_readout() {
    for_every_chapter(|c, p| {
        let canvases = mount(c);
        let mut s = Session::new();
        let out = render(&mut s, c.id(), &Raw::new(), "light");
        for (level, text) in &out.messages {
            if level == "error" {
                p.push(format!("error message at defaults: {text}"));
            }
        }
        if out.readout.is_empty() {
            p.push("empty readout".into());
        }
        for (label, value) in &out.readout {
            if label.trim().is_empty() || value.trim().is_empty() {
                p.push(format!("empty readout line ({label:?}, {value:?})"));
            }
            if value.contains("NaN") {
                p.push(format!("NaN in readout {label}: {value}"));
            }
        }
        for (id, el) in &canvases {
            let (colours, ink, chromatic) = colour_stats(&pixels(el));
            console_log!("{}/{id}: {colours} colours, {:.1}% non-background, {chromatic} coloured pixels", c.id(), 100.0 * ink);
            // axes and labels alone give some grey ink; a chart with data has coloured lines or a field
            if colours < 8 || ink < 0.01 || chromatic < 300 {
                p.push(format!(
                    "canvas {id} looks blank: {colours} colours, {:.2}% non-background, {chromatic} coloured pixels",
                    100.0 * ink
                ));
            }
        }
        if c.is_live() {
            let done = out.json["progress"][0].as_u64().unwrap_or(0) as usize;
            let total = out.json["progress"][1].as_u64().unwrap_or(0) as usize;
            if total == 0 || done != LIVE_STEPS.min(total) {
                p.push(format!("live run progress {:?} after {LIVE_STEPS} steps", out.json["progress"]));
            }
        }
        for k in ["compute_ms", "draw_ms"] {
            if !out.json[k].as_f64().is_some_and(|t| t.is_finite() && t >= 0.0) {
                p.push(format!("{k} is {:?}", out.json[k]));
            }
        }
        unmount(canvases);
    })
    .await;
}

#[wasm_bindgen_test]
async fn every_chapter_reacts_to_a_control_change() {
    for_every_chapter(|c, p| {
        let canvases = mount(c);
        let mut s = Session::new();
        let base = render(&mut s, c.id(), &Raw::new(), "light");
        let before: Vec<Vec<u8>> = canvases.iter().map(|(_, e)| pixels(e)).collect();
        let controls = c.controls();
        // lr first (every chapter's main knob), then the rest in order
        let mut order: Vec<&Control> = controls.iter().filter(|k| k.name == "lr").collect();
        order.extend(controls.iter().filter(|k| k.name != "lr"));
        let mut changed_canvas = None;
        let mut inert = Vec::new();
        for ctl in order {
            if !visible(ctl, &base.state) {
                continue;
            }
            let cur = base.state.get(ctl.name).cloned().unwrap_or_default();
            let v = other_value(ctl, &cur);
            if v == cur {
                continue;
            }
            let mut raw = base.state.clone();
            raw.insert(ctl.name.to_string(), v.clone());
            // as the shell does: a preset option also sets the controls it implies
            for (k, val) in ctl.settings_of(&v) {
                raw.insert(k.to_string(), val.to_string());
            }
            let out = render(&mut s, c.id(), &raw, "light");
            if out.state.get(ctl.name) != Some(&v) {
                p.push(format!("{}={v} was not kept: state has {:?}", ctl.name, out.state.get(ctl.name)));
            }
            let moved: Vec<&str> =
                canvases.iter().zip(&before).filter(|((_, e), b)| pixels(e) != **b).map(|((id, _), _)| id.as_str()).collect();
            if moved.is_empty() && out.readout == base.readout {
                inert.push(format!("{}={v}", ctl.name));
            }
            if changed_canvas.is_none() && !moved.is_empty() {
                changed_canvas = Some(format!("{}={v} changed {}", ctl.name, moved.join(", ")));
            }
            if ctl.name == "lr" && moved.is_empty() {
                p.push(format!("lr {cur} → {v} changed no canvas"));
            }
        }
        // back to the defaults: the same pixels as at first (nothing leaks from one render to the next)
        render(&mut s, c.id(), &base.state, "light");
        let again: Vec<Vec<u8>> = canvases.iter().map(|(_, e)| pixels(e)).collect();
        if again != before {
            p.push("rendering the defaults again after the changes did not give the same pixels".into());
        }
        match &changed_canvas {
            Some(what) => console_log!("{}: {what}", c.id()),
            None => p.push("no control change altered any canvas".into()),
        }
        if !inert.is_empty() {
            // not a failure by itself (a control may only matter in combination with others), but shown
            console_log!("{}: changes that altered neither a canvas nor the readout: {}", c.id(), inert.join(", "));
        }
        unmount(canvases);
    })
    .await;
}

/// `?chapter=ID&name=value…` as the shell writes it, parsed back the way the shell reads it.
fn through_url(chapter: &str, st: &Raw) -> (String, Raw) {
    let q = UrlSearchParams::new().unwrap();
    q.append("chapter", chapter);
    for (k, v) in st {
        q.append(k, v);
    }
    let url = format!("?{}", String::from(q.to_string()));
    let back = UrlSearchParams::new_with_str(&url).unwrap();
    let mut raw = Raw::new();
    for entry in js_sys::try_iter(&back).unwrap().unwrap() {
        let pair = js_sys::Array::from(&entry.unwrap());
        raw.insert(pair.get(0).as_string().unwrap(), pair.get(1).as_string().unwrap());
    }
    assert_eq!(raw.remove("chapter").as_deref(), Some(chapter), "{url}");
    (url, raw)
}

#[wasm_bindgen_test]
async fn every_chapter_state_round_trips_through_a_url() {
    for_every_chapter(|c, p| {
        let canvases = mount(c);
        let (defaults, msgs) = normalized(c.id(), &Raw::new());
        if !msgs.is_empty() {
            p.push(format!("defaults give messages: {msgs:?}"));
        }
        // the defaults, and a state where every control differs from its default
        let mut changed = defaults.clone();
        for ctl in c.controls() {
            let cur = defaults.get(ctl.name).cloned().unwrap_or_default();
            changed.insert(ctl.name.to_string(), other_value(&ctl, &cur));
        }
        let (changed, msgs) = normalized(c.id(), &changed);
        if !msgs.is_empty() {
            p.push(format!("valid values gave messages: {msgs:?}"));
        }
        for st in [defaults, changed] {
            let (url, raw) = through_url(c.id(), &st);
            let (back, msgs) = normalized(c.id(), &raw);
            if back != st {
                p.push(format!("{url} came back as {back:?}"));
            }
            if !msgs.is_empty() {
                p.push(format!("{url} gave messages {msgs:?}"));
            }
            // the link reproduces the view: same readout and the same pixels from a fresh session
            let mut s1 = Session::new();
            let a = render(&mut s1, c.id(), &st, "light");
            let pa: Vec<Vec<u8>> = canvases.iter().map(|(_, e)| pixels(e)).collect();
            let mut s2 = Session::new();
            let b = render(&mut s2, c.id(), &raw, "light");
            let pb: Vec<Vec<u8>> = canvases.iter().map(|(_, e)| pixels(e)).collect();
            if a.readout != b.readout || a.state != b.state {
                p.push(format!("{url}: the link renders a different readout/state"));
            }
            if pa != pb {
                p.push(format!("{url}: the link draws different pixels"));
            }
        }
        unmount(canvases);
    })
    .await;
}

#[wasm_bindgen_test]
async fn bad_values_and_unknown_chapters_give_messages_not_nan() {
    for_every_chapter(|c, p| {
        let canvases = mount(c);
        let mut raw = Raw::new();
        for ctl in c.controls() {
            let garbage = match ctl.kind {
                ControlKind::Range { .. } => "abc".to_string(),
                ControlKind::Int { .. } => "1e999".to_string(),
                ControlKind::Select { .. } => "<b>nope</b>".to_string(),
                ControlKind::Toggle { .. } => "maybe".to_string(),
                ControlKind::Point { .. } => "1;2".to_string(),
                ControlKind::Text { max_chars, .. } => "x".repeat(max_chars + 1),
            };
            raw.insert(ctl.name.to_string(), garbage.to_string());
        }
        let mut s = Session::new();
        let out = render(&mut s, c.id(), &raw, "light");
        let (defaults, _) = normalized(c.id(), &Raw::new());
        if out.state != defaults {
            p.push(format!("garbage did not fall back to the defaults: {:?}", out.state));
        }
        let warned = out.messages.iter().filter(|(l, _)| l == "warn").count();
        if warned < c.controls().len() {
            p.push(format!("{} garbage values but {warned} warnings: {:?}", c.controls().len(), out.messages));
        }
        let text = out.json.to_string();
        if text.contains("NaN") || text.contains("null") {
            p.push(format!("NaN/null in the render output: {text}"));
        }
        unmount(canvases);
    })
    .await;
    let mut s = Session::new();
    let out = render(&mut s, "nope", &Raw::new(), "light");
    assert!(out.messages.iter().any(|(l, t)| l == "error" && t.contains("nope")), "{:?}", out.messages);
    let (st, msgs) = normalized("nope", &Raw::new());
    assert!(st.is_empty() && msgs.iter().any(|t| t.contains("nope")));
    // a click or an export before any render does nothing (and does not panic)
    let s = Session::new();
    assert_eq!(s.spec_json(), "");
    assert_eq!(s.export("csv"), "");
    assert_eq!(from_js(s.click("landscapes", "map", 10.0, 10.0, js_raw(&Raw::new()))), serde_json::json!({}));
}

#[wasm_bindgen_test]
async fn themes_draw_differently() {
    for_every_chapter(|c, p| {
        let canvases = mount(c);
        let mut s = Session::new();
        let mut seen: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
        for theme in ["light", "dark", "projector"] {
            let out = render(&mut s, c.id(), &Raw::new(), theme);
            if out.messages.iter().any(|(l, _)| l == "error") {
                p.push(format!("{theme}: {:?}", out.messages));
            }
            seen.push((theme.to_string(), canvases.iter().map(|(_, e)| pixels(e)).collect()));
        }
        for i in 0..seen.len() {
            for j in i + 1..seen.len() {
                for (k, (id, _)) in canvases.iter().enumerate() {
                    if seen[i].1[k] == seen[j].1[k] {
                        p.push(format!("canvas {id}: themes {} and {} draw the same pixels", seen[i].0, seen[j].0));
                    }
                }
            }
        }
        unmount(canvases);
    })
    .await;
}

#[wasm_bindgen_test]
async fn clicks_inside_a_clickable_canvas_set_valid_controls() {
    for_every_chapter(|c, p| {
        let canvases = mount(c);
        let mut s = Session::new();
        let base = render(&mut s, c.id(), &Raw::new(), "light");
        for cv in c.canvases() {
            let raw = js_raw(&base.state);
            let outside = from_js(s.click(c.id(), cv.id, 0.0, 0.0, raw.clone()));
            if outside.as_object().is_some_and(|o| !o.is_empty()) {
                p.push(format!("{}: a click at the corner (outside the plot) set {outside}", cv.id));
            }
            if !cv.clickable {
                continue;
            }
            let upd = from_js(s.click(c.id(), cv.id, W as f64 * 0.55, H as f64 * 0.45, raw));
            let Some(upd) = upd.as_object().filter(|o| !o.is_empty()) else {
                p.push(format!("{}: clickable, but a click in the middle set nothing", cv.id));
                continue;
            };
            let mut st = base.state.clone();
            for (k, v) in upd {
                if !base.state.contains_key(k) {
                    p.push(format!("{}: the click set {k}, which is not a control", cv.id));
                }
                st.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
            }
            let (after, msgs) = normalized(c.id(), &st);
            if !msgs.is_empty() || after != st {
                p.push(format!("{}: the click set invalid values {upd:?}: {msgs:?}", cv.id));
            }
            if after == base.state {
                p.push(format!("{}: the click did not change the state", cv.id));
            }
        }
        unmount(canvases);
    })
    .await;
}

/// Every clickable canvas says where its point is drawn (`handles`, where a finger grabs it), and a click there
/// sets what the state holds already (x₀ to 0.01; momentum's η and β to the rate map's rounding, 2 %); a
/// canvas that is not clickable has none.
#[wasm_bindgen_test]
async fn a_click_on_a_clickable_canvas_handle_keeps_its_point() {
    for_every_chapter(|c, p| {
        let canvases = mount(c);
        let mut s = Session::new();
        let base = render(&mut s, c.id(), &Raw::new(), "light");
        let later = from_js(s.draw_stale(true, 1e9))["handles"].clone();
        if later != base.json["handles"] {
            p.push(format!("draw_stale's handles {later} differ from the render's {}", base.json["handles"]));
        }
        for h in base.json["handles"].as_array().into_iter().flatten() {
            if !c.canvases().iter().any(|cv| cv.clickable && h[0] == cv.id) {
                p.push(format!("a point to grab on {h}, which is not a clickable canvas"));
            }
        }
        for cv in c.canvases().iter().filter(|cv| cv.clickable) {
            let handles = base.json["handles"].as_array().cloned().unwrap_or_default();
            let Some(h) =
                handles.iter().find(|h| h[0] == cv.id).map(|h| [h[1].as_f64().unwrap_or(f64::NAN), h[2].as_f64().unwrap_or(f64::NAN)])
            else {
                p.push(format!("{}: clickable, but the render says nothing of where its point is", cv.id));
                continue;
            };
            let upd = from_js(s.click(c.id(), cv.id, h[0], h[1], js_raw(&base.state)));
            let Some(upd) = upd.as_object().filter(|o| !o.is_empty()) else {
                p.push(format!("{}: a click on its point ({h:?}) set nothing", cv.id));
                continue;
            };
            for (k, v) in upd {
                let nums = |t: &str| t.split(',').map(|x| x.trim().parse::<f64>().unwrap_or(f64::NAN)).collect::<Vec<_>>();
                let (now, was) = (nums(v.as_str().unwrap_or_default()), nums(base.state.get(k).map_or("", String::as_str)));
                let close = now.len() == was.len() && now.iter().zip(&was).all(|(a, b)| (a - b).abs() <= 0.0051_f64.max(0.02 * b.abs()));
                if !close {
                    p.push(format!("{}: a click on its point set {k} = {v}, the state holds {:?}", cv.id, base.state.get(k)));
                }
            }
        }
        unmount(canvases);
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_spec_and_exports_of_a_render_are_usable() {
    for_every_chapter(|c, p| {
        let canvases = mount(c);
        let mut s = Session::new();
        render(&mut s, c.id(), &Raw::new(), "light");
        let spec = s.spec_json();
        if !spec.is_empty() && c.is_live() {
            // a training copies what `optlab train` accepts
            if let Err(e) = optlab::train::report::parse_specs(&spec) {
                p.push(format!("copy spec is not a valid training spec: {e}"));
            }
        } else if !spec.is_empty() {
            match optlab::Spec::from_json(&spec) {
                Ok(sp) => {
                    if let Err(e) = sp.validate() {
                        p.push(format!("copy spec gives a spec that does not validate: {e}"));
                    }
                }
                Err(e) => p.push(format!("copy spec is not a valid optlab spec: {e}")),
            }
        }
        let json = s.export("json");
        let csv = s.export("csv");
        if !json.is_empty() {
            match serde_json::from_str::<Value>(&json) {
                Ok(v) => {
                    if v.to_string().contains("NaN") {
                        p.push("NaN in the JSON export".into());
                    }
                }
                Err(e) => p.push(format!("JSON export does not parse: {e}")),
            }
            if csv.lines().count() < 2 {
                p.push(format!("CSV export has {} line(s)", csv.lines().count()));
            }
        }
        if spec.is_empty() != json.is_empty() {
            console_log!(
                "{}: spec {} but export {}",
                c.id(),
                if spec.is_empty() { "empty" } else { "present" },
                if json.is_empty() { "empty" } else { "present" }
            );
        }
        unmount(canvases);
    })
    .await;
}

/// The slide-deck `set`'s check through the wasm API, with the texts the shell makes of the values a deck
/// sends (String(NaN), a point that is no point, an out-of-range number, an unknown name): invalid ones are
/// named with the reason (the shell keeps the current value), out-of-range ones are clamped with the reason.
#[wasm_bindgen_test]
fn classify_judges_the_values_a_deck_sends() {
    use optlab::web::classify;
    let out = |name: &str, v: &str| from_js(classify("momentum", name, v));
    assert_eq!(out("lr", "0.5"), serde_json::json!({"outcome": "ok", "value": "0.5"}));
    for (name, v) in [("lr", "NaN"), ("lr", "abc"), ("x0", "abc"), ("x0", "1"), ("steps", "1,2")] {
        let o = out(name, v);
        assert_eq!(o["outcome"], "invalid", "{name}={v}: {o}");
        assert!(!o["reason"].as_str().unwrap().contains("default"), "{o}");
    }
    let o = out("momentum", "5");
    assert_eq!((o["outcome"].as_str(), o["value"].as_str()), (Some("adjusted"), Some("0.999")), "{o}");
    assert!(o["reason"].as_str().unwrap().contains("outside"), "{o}");
    assert!(classify("momentum", "bogus", "1").is_null());
    assert!(classify("no-such-chapter", "lr", "1").is_null());
}

/// A duration as the readout writes it ("12.3 µs" or "1.20 ms"), in milliseconds.
fn dur_ms(num: &str, unit: &str) -> f64 {
    let v: f64 = num.parse().unwrap_or_else(|_| panic!("not a number: {num}"));
    match unit {
        "µs" => v / 1000.0,
        "ms" => v,
        _ => panic!("unit {unit}"),
    }
}

/// The Muon chapter times Newton–Schulz against the exact SVD at W's shape in this browser, in pieces the
/// shell runs when idle; the readout then shows finite times, and its relation and verdict follow them.
#[wasm_bindgen_test]
async fn the_muon_chapter_times_newton_schulz_against_the_svd() {
    let c = optlab::app::chapter("muon").unwrap();
    let canvases = mount(c);
    let mut s = Session::new();
    for (rows, features, steps) in [("8", "16", "5"), ("16", "16", "10"), ("1", "3", "2")] {
        let raw: Raw =
            [("rows", rows), ("features", features), ("ns_steps", steps)].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let label = format!("msign of a {rows}×{features} matrix: measured in this browser");
        let find = |o: &Out, label: &str| o.readout.iter().find(|(l, _)| l == label).map(|(_, v)| v.clone());
        let first = render(&mut s, "muon", &raw, "light");
        assert_eq!(first.json["measuring"], Value::Bool(true), "{rows}×{features}: a render asks for the timing");
        assert!(find(&first, &label).is_some_and(|v| v.contains("being measured")), "{:?}", first.readout);
        let (r, f): (usize, usize) = (rows.parse().unwrap(), features.parse().unwrap());
        let counted =
            find(&first, &format!("msign of a {rows}×{features} matrix: operations counted (p = {}, q = {})", r.min(f), r.max(f)));
        assert!(counted.is_some_and(|v| v.contains("flops")), "{:?}", first.readout);
        let mut pieces = 0;
        loop {
            let r = s.measure(4.0);
            pieces += 1;
            if r == "done" {
                break;
            }
            assert_eq!(r, "more");
            assert!(pieces < 100_000, "the timing ends");
            if pieces % 16 == 0 {
                yield_to_browser().await;
            }
        }
        assert!(pieces > 1, "the timing is spread over several idle pieces");
        assert_eq!(s.measure(4.0), "idle");
        let second = render(&mut s, "muon", &raw, "light");
        assert!(second.json.get("measuring").is_none(), "measured once per shape: {}", second.json["measuring"]);
        let v = find(&second, &label).expect("the measured line");
        let (times, verdict) = v.split_once(" per call: ").unwrap_or_else(|| panic!("{v}"));
        let t: Vec<&str> = times.split_whitespace().collect();
        let i = t.iter().position(|w| *w == "<" || *w == "≥").unwrap_or_else(|| panic!("no relation in {v}"));
        let (ns, svd) = (dur_ms(t[i - 2], t[i - 1]), dur_ms(t[i + 3], t[i + 4]));
        assert!(ns.is_finite() && svd.is_finite() && ns > 0.0 && svd > 0.0, "{v}");
        if t[i] == "<" {
            assert!(ns < svd && verdict.starts_with("Newton–Schulz is"), "{v}");
        } else {
            assert!(ns >= svd && verdict.starts_with("the SVD is"), "{v}");
        }
        let ratio = if ns < svd { svd / ns } else { ns / svd };
        if ratio >= 1.1 {
            let shown: f64 =
                verdict.split_whitespace().nth(if ns < svd { 2 } else { 3 }).and_then(|w| w.trim_end_matches('×').parse().ok()).unwrap();
            // the shown times are rounded to 3 digits, so their ratio is within 1 % of the one shown
            assert!((shown / ratio - 1.0).abs() < 0.01, "{v}: ratio shown {shown}, of the shown times {ratio}");
        } else {
            assert!(verdict.contains("about as fast as"), "{v}");
        }
        web_sys::console::log_1(&format!("{rows}×{features}, k = {steps}: {v}").into());
    }
    unmount(canvases);
}

/// The kernels' two-lane tanh as the page runs it (wasm simd128: `tanh2`, and `tanh_slice`'s blocks of
/// eight) against the scalar `tanh`, bit for bit: 2 million points over [−30, 30], every float within 300
/// ulps of the branch edges ±0.625 and ±22, powers of ten from 1e-320 to 1e308, ±0, ±inf, NaNs and half a
/// million random bit patterns, each beside its neighbour and beside a far one (so lanes of different
/// branches meet). NaN in gives NaN with the input's sign out of both. The native build's SSE2 lanes have
/// the same test in the kernels crate (`tanh2_is_tanh_bit_for_bit`).
#[wasm_bindgen_test]
fn two_lane_tanh_is_the_scalar_tanh_bit_for_bit() {
    use optlab::train::mlp::{tanh, tanh2, tanh_slice};
    let xs = optlab::train::mlp::tanh_test_points(2_000_000, 500_000);
    let n = xs.len();
    let same = |x: f64, t: f64| {
        let s = tanh(x);
        if x.is_nan() {
            assert!(t.is_nan() && s.is_nan() && t.is_sign_negative() == x.is_sign_negative(), "tanh of NaN {:#x}", x.to_bits());
        } else {
            assert_eq!(t.to_bits(), s.to_bits(), "two-lane {t:e}, scalar {s:e} at x = {x:e} ({:#x})", x.to_bits());
        }
    };
    // (in u64: wasm32's usize would overflow)
    let far: Vec<f64> = (0..n as u64).map(|i| xs[((i * 7919 + n as u64 / 2) % n as u64) as usize]).collect();
    for i in 0..n {
        for pair in [[xs[i], xs[(i + 1) % n]], [xs[i], far[i]]] {
            let t = tanh2(pair);
            same(pair[0], t[0]);
            same(pair[1], t[1]);
        }
    }
    let mut out = vec![0.0; n];
    for z in [&xs[..], &far[..], &far[3..]] {
        tanh_slice(z, &mut out[..z.len()]);
        for (x, t) in z.iter().zip(&out) {
            same(*x, *t);
        }
    }
}

/// The page's worker draws on `OffscreenCanvas`es it was handed ([`Session::attach_canvas`]), computing first
/// and drawing after ([`Session::compute`], [`Session::draw_visible`]); without a worker the session draws on the
/// page's canvas elements ([`Session::render`]). Both ways give every chapter's charts the same pixels, bit for
/// bit, and the same readouts.
#[wasm_bindgen_test]
async fn offscreen_canvases_show_what_canvas_elements_show() {
    for_every_chapter(|c, failures| {
        let canvases = mount(c);
        let mut direct = Session::new();
        let a = render(&mut direct, c.id(), &Raw::new(), "dark");
        let mut worker = Session::new();
        let offs: Vec<(String, web_sys::OffscreenCanvas)> = canvases
            .iter()
            .map(|(id, _)| {
                let off = web_sys::OffscreenCanvas::new(W, H).unwrap();
                worker.attach_canvas(&format!("cv-{}-{id}", c.id()), off.clone().into());
                (id.clone(), off)
            })
            .collect();
        let steps = if c.is_live() { LIVE_STEPS } else { 0 };
        let b = from_js(worker.compute(c.id(), js_raw(&Raw::new()), "dark", 1.0, steps, 1e9));
        if b["draw_parts"].as_array().map(Vec::len) != Some(0) {
            failures.push(format!("{}: compute drew {:?}", c.id(), b["draw_parts"]));
        }
        if b["readout"] != a.json["readout"] {
            failures.push(format!("{}: compute's readout {} differs from render's {}", c.id(), b["readout"], a.json["readout"]));
        }
        let drawn = from_js(worker.draw_visible());
        if drawn["draw_parts"].as_array().map(Vec::len) != Some(canvases.len()) {
            failures.push(format!("{}: draw_visible drew {:?} of {} charts", c.id(), drawn["draw_parts"], canvases.len()));
        }
        for ((id, el), (_, off)) in canvases.iter().zip(&offs) {
            let ctx: CanvasRenderingContext2d = off.get_context("2d").unwrap().unwrap().unchecked_into();
            let theirs = ctx.get_image_data(0.0, 0.0, W as f64, H as f64).unwrap().data().0;
            let ours = pixels(el);
            let differ = ours.chunks_exact(4).zip(theirs.chunks_exact(4)).filter(|(p, q)| p != q).count();
            if differ > 0 {
                failures.push(format!("{}/{id}: {differ} pixels differ between the canvas element and the OffscreenCanvas", c.id()));
            }
        }
        unmount(canvases);
    })
    .await;
}

/// Setting a canvas's size clears it. A canvas resized while off screen and then back to the size its chart was
/// drawn at (a phone's page widening for a moment) must be drawn again when it is due, not taken for one that
/// still shows its chart (the session remembers what each canvas shows to skip redrawing an unchanged chart).
#[wasm_bindgen_test]
fn a_canvas_resized_off_screen_and_back_is_drawn_again() {
    let c = chapters().into_iter().find(|c| c.id() == "momentum").expect("the momentum chapter");
    let canvases = mount(c);
    let mut s = Session::new();
    render(&mut s, c.id(), &Raw::new(), "light");
    for (id, _) in &canvases {
        s.set_visible(&format!("cv-{}-{id}", c.id()), false);
    }
    for (_, el) in &canvases {
        el.set_width(W / 2);
        el.set_height(H / 2);
    }
    render(&mut s, c.id(), &Raw::new(), "light");
    for (_, el) in &canvases {
        el.set_width(W);
        el.set_height(H);
    }
    render(&mut s, c.id(), &Raw::new(), "light");
    for (id, _) in &canvases {
        s.set_visible(&format!("cv-{}-{id}", c.id()), true);
    }
    let left = from_js(s.draw_stale(true, 1e9))["stale"].as_u64();
    let mut blank = Vec::new();
    for (id, el) in &canvases {
        let (_, _, chromatic) = colour_stats(&pixels(el));
        if chromatic < 300 {
            blank.push(format!("{id}: {chromatic} coloured pixels"));
        }
    }
    unmount(canvases);
    assert_eq!(left, Some(0));
    assert!(blank.is_empty(), "blank after the resize and back: {blank:?}");
}

/// A field's image holds one pixel per sample (a landscape, every `step` pixels) or per cell (a grid, stretched
/// over the area); the canvas scales it without smoothing. That must be, pixel for pixel, what `spread_cells`
/// and `stretch_cells` compute, including a landscape's last, partly shown column and row, and nothing may be
/// drawn outside the `w × h` area.
#[wasm_bindgen_test]
fn a_field_image_is_spread_over_its_pixels_exactly() {
    let doc = document();
    let el: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    let (cw, ch) = (1000usize, 800usize);
    el.set_width(cw as u32);
    el.set_height(ch as u32);
    let ctx: CanvasRenderingContext2d = el.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    let landscapes: [(usize, (usize, usize), (usize, usize)); 4] =
        [(2, (7, 5), (81, 60)), (3, (10, 3), (100, 83)), (2, (0, 0), (1000, 800)), (3, (4, 4), (2, 1))];
    // grids: the training's 64 × 64 regions and the rate maps' grids over plotting areas of the page's sizes
    let grids: [((usize, usize), (usize, usize), (usize, usize)); 5] = [
        ((64, 64), (3, 9), (438, 372)),
        ((64, 64), (0, 0), (876, 744)),
        ((64, 64), (5, 5), (991, 781)),
        ((41, 31), (1, 2), (517, 389)),
        ((3, 2), (7, 5), (7, 5)),
    ];
    let cases = landscapes
        .iter()
        .map(|&(step, at, (w, h))| (Cells::Step(step), (w.div_ceil(step), h.div_ceil(step)), at, (w, h)))
        .chain(grids.iter().map(|&(g, at, size)| (Cells::Stretch, g, at, size)));
    for (cells, (gw, gh), (x, y), (w, h)) in cases {
        ctx.set_fill_style_str("rgb(1,2,3)");
        ctx.fill_rect(0.0, 0.0, cw as f64, ch as f64);
        // distinct colours for neighbouring samples, opaque
        let img_px: Vec<u8> = (0..gw * gh).flat_map(|k| [(k * 37 % 251) as u8, (k * 91 % 241) as u8, (k % 7 * 30) as u8, 255]).collect();
        let img = image_canvas(&img_px, gw, gh).unwrap();
        draw_cells(&ctx, img.unchecked_ref(), (x as f64, y as f64), (w, h), cells);
        let want = match cells {
            Cells::Step(step) => spread_cells(&img_px, step, w, h),
            Cells::Stretch => stretch_cells(&img_px, gw, gh, w, h),
        };
        let got = pixels(&el);
        let mut wrong = Vec::new();
        for py in 0..ch {
            for px in 0..cw {
                let o = (py * cw + px) * 4;
                let inside = px >= x && px < x + w && py >= y && py < y + h;
                let expect: [u8; 4] = if inside {
                    let k = ((py - y) * w + (px - x)) * 4;
                    [want[k], want[k + 1], want[k + 2], want[k + 3]]
                } else {
                    [1, 2, 3, 255]
                };
                if got[o..o + 4] != expect {
                    wrong.push((px, py));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{cells:?} {gw}×{gh} over {w}×{h} at ({x}, {y}): {} pixels differ, first {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(5)]
        );
    }
}

/// The browser computes what the native build computes (`tests/portable.rs` holds the native half): every line
/// series of every chapter at its defaults, and of the cases where a seeded path depends on a control, against
/// `tests/golden/portable.txt` to 1e-9. Seeded draws must be the same streams in wasm (32-bit `usize`) and
/// natively.
#[wasm_bindgen_test]
fn the_browser_computes_what_the_native_build_computes() {
    // the page fetches the digits when a digits view opens and hands them over; here the test does
    optlab::train::digits::provide(include_bytes!("../www/assets/digits.bin")).expect("the digits asset");
    let want = digest::from_text(include_str!("golden/portable.txt"));
    assert!(want.len() >= 60, "only {} series in the fixture", want.len());
    let bad = digest::differences(&digest::digest(), &want);
    assert!(bad.is_empty(), "{} differences from the native build:\n{}", bad.len(), bad.join("\n"));
}

/// A tick takes the steps it is asked for while its budget lasts, also when the run takes fewer per call: a
/// big network's calls are capped (STEP_BUDGET; the digits preset's Muon-and-AdamW pair takes one step per
/// call), and until 7 December 2026 a tick stopped after that first call, so the digits trained one step per
/// frame whatever the speed.
#[wasm_bindgen_test]
fn a_tick_takes_its_steps_when_the_run_takes_fewer_per_call() {
    optlab::train::digits::provide(include_bytes!("../www/assets/digits.bin")).expect("the digits asset");
    let raw: Raw = [
        ("dataset", "digits"),
        ("layers", "2"),
        ("width", "64"),
        ("activation", "relu"),
        ("optimizer", "muon"),
        ("compare", "adamw"),
        ("batch_size", "64"),
        ("steps", "1500"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut s = Session::new();
    let first = from_js(s.advance("training", js_raw(&raw), 1, 1e9));
    assert_eq!(first, serde_json::json!([1, 1500]), "one step");
    let after = from_js(s.advance("training", js_raw(&raw), 10, 1e9));
    assert_eq!(after, serde_json::json!([11, 1500]), "ten more steps in one call with an unbounded budget");
    let json = from_js(s.tick("training", js_raw(&raw), "light", 1.0, 5, 1e9));
    assert_eq!(json["progress"], serde_json::json!([16, 1500]), "five more in a tick");
}
