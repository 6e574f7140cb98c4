//! The [`Session`]: what survives between renders of a page (the live run, field images, stage caches, kernel
//! timings, which canvases are off screen and what each canvas shows), and the drawing of a chapter's scene on
//! its canvases: all of it in view at a change, the rest when it comes into view or the page is idle.

use super::cells::{draw_cells, image_canvas, Cells};
use super::fast_canvas::FastCanvas;
use super::{measure, now, raw_state, to_js, wasm_memory_bytes};
use crate::app::{self, Chart, Field};
use crate::plot::field::{grid_rgba, landscape_rgba, MapChart};
use crate::plot::{Frame, Theme};
use crate::small_map::SmallMap;
use plotters::prelude::{IntoDrawingArea, RGBColor};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

#[derive(Serialize)]
struct Rendered {
    state: BTreeMap<String, String>,
    readout: Vec<app::Readout>,
    messages: Vec<app::Message>,
    values: Vec<(String, String)>,
    /// `(canvas id, what its chart shows now)`: the canvases' text alternatives.
    descriptions: Vec<(String, String)>,
    /// Milliseconds spent computing the scene and drawing it.
    compute_ms: f64,
    draw_ms: f64,
    /// Milliseconds per canvas, in drawing order (what `draw_ms` is made of).
    draw_parts: Vec<(String, f64)>,
    /// Field images computed by this session so far.
    fields_computed: usize,
    /// For a live chapter: `[steps done, steps requested]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    progress: Option<(usize, usize)>,
    /// A data file under `assets/` the state needs and the core lacks (see [`app::Chapter::asset`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    asset: Option<String>,
    /// Kernels wait to be timed: the shell calls [`Session::measure`] when the page is idle.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    measuring: bool,
    /// Charts of this scene not drawn yet because their canvas is off screen (see [`Session::set_visible`]).
    stale: usize,
    /// See [`Session::handles_px`]; none in the answer of [`Session::compute`] (the charts are drawn after it).
    #[serde(skip_serializing_if = "Option::is_none")]
    handles: Option<Vec<(&'static str, f64, f64)>>,
}

/// Holds what survives between renders: field images (recomputed only when the problem or size changes)
/// and each canvas's frame for mapping clicks.
#[wasm_bindgen]
pub struct Session {
    /// Field images by problem, view and size, ready to copy onto a chart (each a canvas of its own: an
    /// `OffscreenCanvas` where the browser has one), with one pixel per sample or cell, and how each covers
    /// the plotting area (see [`draw_cells`]).
    fields: SmallMap<String, (JsValue, Cells)>,
    /// How many field images were computed so far (the rest of the renders reused one).
    fields_computed: usize,
    frames: SmallMap<String, Frame>,
    last: Option<(String, app::Scene)>,
    /// The chapter the stage caches ([`app::memo`]) were last filled for: computing another empties them.
    cached_for: String,
    /// The live run of a live chapter: `(chapter, key of the state that started it, run)`.
    live: Option<(String, String, Box<dyn app::LiveRun>)>,
    /// Kernels a chapter asked to time (see [`app::timed`]), measured in idle time by [`Session::measure`].
    timer: measure::Timer,
    /// Canvas ids the shell reported as off screen: their charts are drawn when they come into view (or when
    /// the page is idle), not in the frame of a change.
    hidden: SmallMap<String, ()>,
    /// Charts of the last scene whose canvas still shows an older one, and the theme and pixel ratio to draw
    /// them in.
    stale: Vec<String>,
    style: (String, f64),
    /// Canvases handed over by id (`cv-CHAPTER-CANVAS`): a worker's `OffscreenCanvas`es. An id not here is
    /// looked up in the document.
    canvases: SmallMap<String, JsValue>,
    /// What each canvas id shows now. A canvas whose chart, size and theme are those it last showed keeps its
    /// pixels; a new canvas under an old id (a rebuilt chapter) is always drawn.
    drawn: SmallMap<String, Drawn>,
}

/// What a canvas was last drawn with.
struct Drawn {
    canvas: JsValue,
    /// The canvas's size in device pixels when it was drawn.
    size: (u32, u32),
    /// The chart's fingerprint, the theme and the pixel ratio.
    signature: String,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl Session {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Session {
        Session {
            fields: SmallMap::new(),
            fields_computed: 0,
            frames: SmallMap::new(),
            last: None,
            cached_for: String::new(),
            live: None,
            timer: measure::Timer::default(),
            hidden: SmallMap::new(),
            stale: Vec::new(),
            style: ("light".into(), 1.0),
            canvases: SmallMap::new(),
            drawn: SmallMap::new(),
        }
    }

    /// Hands the session the canvas to draw under `canvas_id` (`cv-CHAPTER-CANVAS`): an `OffscreenCanvas` (in
    /// the worker) or a canvas element. Its size is set by whoever holds it, in device pixels.
    pub fn attach_canvas(&mut self, canvas_id: &str, canvas: JsValue) {
        self.drawn.remove(canvas_id);
        self.canvases.insert(canvas_id.to_string(), canvas);
    }

    /// Forgets every canvas handed over (a new chapter hands over its own).
    pub fn detach_canvases(&mut self) {
        self.canvases.clear();
        self.drawn.clear();
        self.frames.clear();
    }

    /// The shell's report that canvas `canvas_id` (`cv-CHAPTER-CANVAS`) is near the viewport or not. A canvas
    /// never reported counts as visible, so a page without the report draws everything at once.
    pub fn set_visible(&mut self, canvas_id: &str, visible: bool) {
        if visible {
            self.hidden.remove(canvas_id);
        } else {
            self.hidden.insert(canvas_id.to_string(), ());
        }
    }

    /// Draws charts of the last scene that were left for later (see [`Session::set_visible`]): with `all`,
    /// every one, else only those now visible; stops after the first chart that ends past `budget_ms`.
    /// Answers as [`Session::draw_visible`] (`stale`: how many are still left).
    pub fn draw_stale(&mut self, all: bool, budget_ms: f64) -> JsValue {
        self.draw_and_answer(all, budget_ms)
    }

    /// Draws the charts of the last [`Session::compute`] whose canvas is in view (the others wait, as after
    /// [`Session::render`]): `{draw_ms, draw_parts, stale, handles}`, as in `render`'s answer.
    pub fn draw_visible(&mut self) -> JsValue {
        self.draw_and_answer(false, f64::INFINITY)
    }

    /// Computes and draws a chapter. `theme` is light, dark or projector; `dpr` the device pixel ratio.
    /// A live chapter shows its run as it stands (starting a new one when a control that matters changed).
    pub fn render(&mut self, chapter: &str, raw: JsValue, theme: &str, dpr: f64) -> JsValue {
        self.advance_and_draw(chapter, raw, theme, dpr, 0, 0.0, Mode::Draw)
    }

    /// [`Session::tick`] (or, with `steps` 0, [`Session::render`]) without the drawing: the answer (no
    /// `draw_parts`) is ready before the charts are drawn, which [`Session::draw_visible`] then does. The worker
    /// sends the page the readouts first, so they are laid out while it draws.
    pub fn compute(&mut self, chapter: &str, raw: JsValue, theme: &str, dpr: f64, steps: usize, budget_ms: f64) -> JsValue {
        self.advance_and_draw(chapter, raw, theme, dpr, steps, budget_ms, Mode::Compute)
    }

    /// Advances a live chapter's run by at most `steps` steps or `budget_ms` milliseconds (whichever comes
    /// first, in slices, so a frame never freezes), then draws it.
    pub fn tick(&mut self, chapter: &str, raw: JsValue, theme: &str, dpr: f64, steps: usize, budget_ms: f64) -> JsValue {
        self.advance_and_draw(chapter, raw, theme, dpr, steps, budget_ms, Mode::Draw)
    }

    /// Like [`Session::tick`] without drawing: advances a live chapter's run and returns its progress
    /// `[done, requested]` (null for a chapter that is not live). With `prefers-reduced-motion`, the shell
    /// advances the run every frame but draws it only a few times a second.
    pub fn advance(&mut self, chapter: &str, raw: JsValue, steps: usize, budget_ms: f64) -> JsValue {
        self.advance_and_draw(chapter, raw, "light", 1.0, steps, budget_ms, Mode::Advance)
    }

    /// Hands a fetched data file (see [`app::Chapter::asset`]) to the core; throws why it is unusable.
    pub fn provide_asset(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        match name {
            crate::train::digits::ASSET => crate::train::digits::provide(bytes).map_err(|e| format!("{name}: {e}"))?,
            // the exporter's text: nothing drawn depends on it, so a live run goes on
            _ if crate::export::ASSETS.contains(&name) => return crate::export::provide(name, bytes),
            _ => return Err(format!("no data file called {name}")),
        }
        self.live = None;
        Ok(())
    }

    /// Times what the last rendered chapter asked for (see [`app::Chapter::timed_kernels`]) for about
    /// `budget_ms`: `"idle"` (nothing to time), `"more"` (call again when the page is idle) or `"done"` (just
    /// finished: render again to show the figures). The shell calls it from `requestIdleCallback`.
    pub fn measure(&mut self, budget_ms: f64) -> String {
        match self.timer.work(budget_ms, &now) {
            measure::Progress::Idle => "idle",
            measure::Progress::More => "more",
            measure::Progress::Done => "done",
        }
        .into()
    }

    /// What the shell weighs before it renews the worker (www/app.js, `renewWhenIdle`): `[bytes of linear
    /// memory, bytes live in the allocator, steps the live run has taken (0 without one), 1 while a kernel
    /// timing is under way (else 0)]`. Linear memory only grows; a fresh worker gives back what a heavy
    /// state made it reserve, and nothing is lost while no run has taken a step and no timing is half done.
    pub fn memory(&self) -> Vec<f64> {
        let steps = self.live.as_ref().map_or(0, |(_, _, run)| run.progress().0);
        vec![wasm_memory_bytes(), crate::alloc_count::stats()[0], steps as f64, f64::from(u8::from(self.timer.pending()))]
    }

    /// The kernel timings measured so far (as text, see `measure::Timer::export`), for the worker that takes
    /// over from this one.
    pub fn timings(&self) -> String {
        self.timer.export()
    }

    /// Takes over the timings of the worker this one replaces ([`Session::timings`]); lines of another shape
    /// are skipped.
    pub fn restore_timings(&mut self, text: &str) {
        self.timer.restore(text);
    }

    /// Drops the live run, so the next render starts afresh.
    pub fn reset_live(&mut self) {
        self.live = None;
    }

    /// A click at backend pixel `(x, y)` on a canvas: the control values it sets (`{name: value}`).
    pub fn click(&self, chapter: &str, canvas: &str, x: f64, y: f64, raw: JsValue) -> JsValue {
        let (Some(c), Some(frame)) = (app::chapter(chapter), self.frames.get(&format!("{chapter}/{canvas}"))) else {
            return to_js(&BTreeMap::<String, String>::new());
        };
        let clickable = c.canvases().iter().any(|cv| cv.id == canvas && cv.clickable);
        let inside = x >= frame.px.0 as f64 && x <= frame.px.1 as f64 && y >= frame.py.0 as f64 && y <= frame.py.1 as f64;
        if !clickable || !inside {
            return to_js(&BTreeMap::<String, String>::new());
        }
        let (st, _) = app::controls::normalize(&c.controls(), &raw_state(&raw));
        // inserted one by one (a later value for a name wins, as with `collect`): collecting into a map sorts
        // the pairs first, and that sort was a copy of the stable sort of its own in the wasm
        let mut updates = BTreeMap::new();
        for (name, value) in c.click(canvas, frame.to_data(x, y), &st) {
            updates.insert(name, value);
        }
        to_js(&updates)
    }

    /// The spec of the last render (pretty JSON) that `optlab run` accepts, or `optlab train` for a
    /// training (see [`app::Scene::spec_json`]); an empty string when there is none.
    pub fn spec_json(&self) -> String {
        self.last.as_ref().and_then(|(_, s)| s.spec_json()).unwrap_or_default()
    }

    /// The last render's spec as a PyTorch script (see [`app::Scene::torch_script`]); throws the exporter's
    /// one-line message when it cannot write one.
    pub fn torch_script(&self) -> Result<String, String> {
        match self.last.as_ref().and_then(|(_, s)| s.torch_script()) {
            Some(r) => r,
            None => Err("this chapter shows no run or training to export".into()),
        }
    }

    /// The traces of the last render as "json" or "csv" (see [`app::Scene::export`]).
    pub fn export(&self, format: &str) -> String {
        self.last.as_ref().and_then(|(_, s)| s.export(format)).unwrap_or_default()
    }
}

/// What [`Session::advance_and_draw`] does after computing: nothing (only advance a live run), draw the charts in
/// view, or leave every chart for [`Session::draw_visible`].
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Advance,
    Draw,
    Compute,
}

impl Session {
    /// Draws charts of the last scene left for later: with `all`, every one, else only those now visible; stops
    /// after the first chart that ends past `budget_ms`. Returns `(canvas, ms)` per chart drawn, and how many
    /// are still left.
    fn draw_due(&mut self, all: bool, budget_ms: f64) -> (Vec<(String, f64)>, usize) {
        let t0 = now();
        let Some((chapter, scene)) = self.last.take() else {
            self.stale.clear();
            return (Vec::new(), 0);
        };
        let (theme, dpr) = self.style.clone();
        let th = Theme::by_name(&theme, dpr);
        let mut left = Vec::new();
        let mut parts = Vec::new();
        for id in std::mem::take(&mut self.stale) {
            let due = now() - t0 < budget_ms && (all || !self.hidden.contains_key(&format!("cv-{chapter}-{id}")));
            match scene.charts.iter().find(|(c, _)| *c == id.as_str()) {
                Some((_, chart)) if due => {
                    let t = now();
                    if let Err(e) = self.draw(&chapter, &id, chart, &th, (&theme, dpr)) {
                        web_sys::console::error_1(&format!("could not draw {id}: {e}").into());
                    }
                    parts.push((id, now() - t));
                }
                Some(_) => left.push(id),
                None => {}
            }
        }
        self.stale = left;
        self.last = Some((chapter, scene));
        (parts, self.stale.len())
    }

    #[allow(clippy::too_many_arguments)]
    fn advance_and_draw(
        &mut self,
        chapter: &str,
        raw: JsValue,
        theme: &str,
        dpr: f64,
        steps: usize,
        budget_ms: f64,
        mode: Mode,
    ) -> JsValue {
        let draw = mode != Mode::Advance;
        let Some(c) = app::chapter(chapter) else {
            if !draw {
                return JsValue::NULL;
            }
            return to_js(&Rendered {
                state: BTreeMap::new(),
                readout: vec![],
                messages: vec![app::Message::error(format!("no chapter “{chapter}”"))],
                values: vec![],
                descriptions: vec![],
                compute_ms: 0.0,
                draw_ms: 0.0,
                draw_parts: vec![],
                fields_computed: self.fields_computed,
                progress: None,
                asset: None,
                measuring: false,
                stale: 0,
                handles: None,
            });
        };
        let t0 = now();
        if draw {
            // the last scene is replaced below: freed first, so the old and the new scene are never both live
            self.last = None;
        }
        if self.cached_for != chapter {
            // the page shows one chapter at a time: the last one's cached runs go before this one's are built
            app::memo::forget_all();
            self.cached_for = chapter.to_string();
        }
        let (st, mut msgs) = app::controls::normalize(&c.controls(), &raw_state(&raw));
        let mut progress = None;
        let mut scene = if c.is_live() {
            let key = app::live_key(c, &st);
            let fresh = !matches!(&self.live, Some((ch, k, _)) if ch == chapter && *k == key);
            if fresh {
                // the old run goes before the new one is built, so the two are never in memory at once (wasm
                // memory only grows, to the most ever live)
                self.live = None;
                self.live = match c.start_live(&st) {
                    Ok(run) => Some((chapter.to_string(), key, run)),
                    Err(m) => {
                        msgs.push(m);
                        None
                    }
                };
            }
            match &mut self.live {
                Some((_, _, run)) => {
                    // slices of at most 8 steps until `steps` are taken or the budget is spent; a run may take
                    // fewer than asked per call (a big network's calls are shorter: see STEP_BUDGET), and
                    // none once it has ended
                    let mut left = steps;
                    while left > 0 {
                        let took = run.advance(left.min(8));
                        left -= took.min(left);
                        if took == 0 || now() - t0 > budget_ms {
                            break;
                        }
                    }
                    progress = Some(run.progress());
                    if !draw {
                        return to_js(&progress);
                    }
                    run.scene(&st)
                }
                None if !draw => return JsValue::NULL,
                None => app::Scene::default(),
            }
        } else if !draw {
            return JsValue::NULL;
        } else {
            c.compute(&st)
        };
        msgs.append(&mut scene.messages);
        scene.messages = msgs;
        if let Some(req) = c.timed_kernels(&st) {
            scene.readout.extend(app::timed::readouts(&req, self.timer.result(&req)));
            self.timer.want(req);
        }
        let t1 = now();
        let th = Theme::by_name(theme, dpr);
        let mut draw_parts = Vec::with_capacity(scene.charts.len());
        self.stale.clear();
        self.style = (theme.to_string(), dpr);
        let mut hidden = 0;
        self.forget_resized();
        for (id, chart) in &scene.charts {
            let off_screen = self.hidden.contains_key(&format!("cv-{chapter}-{id}"));
            hidden += usize::from(off_screen);
            if off_screen || mode == Mode::Compute {
                self.stale.push(id.to_string());
                continue;
            }
            let t = now();
            if let Err(e) = self.draw(chapter, id, chart, &th, (theme, dpr)) {
                scene.messages.push(app::Message::error(format!("could not draw {id}: {e}")));
            }
            draw_parts.push((id.to_string(), now() - t));
        }
        let t2 = now();
        let mut out = Rendered {
            state: st.values.clone(),
            readout: scene.readout.clone(),
            messages: scene.messages.clone(),
            values: scene.values.clone(),
            descriptions: scene.charts.iter().map(|(id, chart)| (id.to_string(), chart.describe())).collect(),
            compute_ms: t1 - t0,
            draw_ms: t2 - t1,
            draw_parts,
            fields_computed: self.fields_computed,
            progress,
            asset: c.asset(&st).map(str::to_string),
            measuring: self.timer.pending(),
            stale: hidden,
            handles: None,
        };
        self.last = Some((chapter.to_string(), scene));
        // (from the scene just drawn)
        if mode == Mode::Draw {
            out.handles = Some(self.handles_px());
        }
        to_js(&out)
    }

    /// See [`Session::draw_stale`] and [`Session::draw_visible`].
    fn draw_and_answer(&mut self, all: bool, budget_ms: f64) -> JsValue {
        #[derive(Serialize)]
        struct Painted {
            draw_ms: f64,
            draw_parts: Vec<(String, f64)>,
            stale: usize,
            handles: Vec<(&'static str, f64, f64)>,
        }
        let t0 = now();
        let (draw_parts, stale) = self.draw_due(all, budget_ms);
        to_js(&Painted { draw_ms: now() - t0, draw_parts, stale, handles: self.handles_px() })
    }

    /// Where the point each map of the last scene sets by a click (its `grab`: x₀, momentum's (η, β)) is drawn, in
    /// the canvas's backend pixels as it was last drawn: `[(canvas, x, y), …]`, without canvases not drawn yet or
    /// whose point is off their plotting area. A finger that lands near it drags it instead of scrolling the page.
    fn handles_px(&self) -> Vec<(&'static str, f64, f64)> {
        let Some((chapter, scene)) = &self.last else { return Vec::new() };
        let mut out = Vec::new();
        for (id, chart) in &scene.charts {
            let (Chart::Map(MapChart { grab: Some((x, y)), .. }, _), Some(frame)) = (chart, self.frames.get(&format!("{chapter}/{id}")))
            else {
                continue;
            };
            if let Some((px, py)) = frame.to_px(*x, *y) {
                out.push((*id, px, py));
            }
        }
        out
    }

    /// Forgets what a canvas shows once its size is not the size it was drawn at: setting a canvas's size clears
    /// it, and a canvas resized while off screen and then back to its old size (a mobile page widening for a
    /// moment) would otherwise pass for one that still shows its chart. Called by every drawing, which is asked for
    /// right after the shell (or the worker) resizes its canvases.
    fn forget_resized(&mut self) {
        self.drawn.retain(|_, d| {
            let canvas: &HtmlCanvasElement = d.canvas.unchecked_ref();
            d.size == (canvas.width(), canvas.height())
        });
    }

    fn draw(&mut self, chapter: &str, id: &str, chart: &Chart, th: &Theme, (theme, dpr): (&str, f64)) -> Result<(), String> {
        let canvas_id = format!("cv-{chapter}-{id}");
        let object = match self.canvases.get(&canvas_id) {
            Some(c) => c.clone(),
            None => {
                let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
                let el = doc.get_element_by_id(&canvas_id).ok_or("canvas missing")?;
                el.dyn_into::<HtmlCanvasElement>().map_err(|_| "not a canvas")?.into()
            }
        };
        // An `OffscreenCanvas` has the canvas element's `width`, `height` and `getContext`, called by name.
        let canvas: &HtmlCanvasElement = object.unchecked_ref();
        let (size, signature) = ((canvas.width(), canvas.height()), format!("{:x}|{theme}|{dpr}", chart.fingerprint()));
        let same = matches!(self.drawn.get(&canvas_id), Some(d) if d.canvas == object && d.size == size && d.signature == signature);
        if same && self.frames.contains_key(&format!("{chapter}/{id}")) {
            return Ok(());
        }
        self.drawn.remove(&canvas_id);
        let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok().flatten().ok_or("no 2d context")?.unchecked_into();
        let backend = FastCanvas::new(ctx.clone(), (canvas.width(), canvas.height()));
        let root = backend.into_drawing_area();
        let fields = &mut self.fields;
        let computed = &mut self.fields_computed;
        let mut paint = |f: Frame| {
            let (w, h) = ((f.px.1 - f.px.0).max(1) as usize, (f.py.1 - f.py.0).max(1) as usize);
            let Chart::Map(m, field) = chart else { return };
            let key = match field {
                Field::Landscape(p, seed) => {
                    let (x0, x1, y0, y1) = m.bounds;
                    format!("{}|{seed}|{x0} {x1} {y0} {y1}|{w}x{h}", p.key())
                }
                Field::Grid { values, width, height } => {
                    // FNV-1a over the values: the grid is recoloured only when it changed
                    let hash = values.iter().fold(0xcbf29ce484222325u64, |h, v| (h ^ v.to_bits()).wrapping_mul(0x100000001b3));
                    format!("grid|{hash:x}|{width}x{height}|{w}x{h}")
                }
                Field::Classes { probs, classes, colors, width, height } => {
                    // the colours depend on the theme (background and palette) too
                    let hash = probs.iter().fold(0xcbf29ce484222325u64, |h, v| (h ^ v.to_bits()).wrapping_mul(0x100000001b3));
                    // (written out rather than as Debug text, which the wasm then does without)
                    let mut key = format!("classes|{hash:x}|{classes}|");
                    for c in colors {
                        let _ = write!(key, "{c},");
                    }
                    for RGBColor(r, g, b) in std::iter::once(&th.background).chain(&th.palette) {
                        let _ = write!(key, "{r} {g} {b},");
                    }
                    let _ = write!(key, "|{width}x{height}|{w}x{h}");
                    key
                }
            };
            if !fields.contains_key(&key) {
                let buf = match field {
                    Field::Landscape(p, seed) => p.build(*seed).ok().map(|prob| {
                        // level sets are smooth: a sample every 2 device pixels, upscaled, looks the same (a
                        // coarser step shows the contour lines as stairs on a HiDPI screen)
                        let step = (dpr.round() as usize).max(2);
                        let cells = landscape_rgba(|x, y| prob.value(&[x, y]), m.bounds, w, h, step, 14);
                        (cells, w.div_ceil(step).max(1), h.div_ceil(step).max(1), Cells::Step(step))
                    }),
                    Field::Grid { values, width, height } => {
                        Some((grid_rgba(values, *width, *height, [150, 150, 150]), *width, *height, Cells::Stretch))
                    }
                    Field::Classes { probs, classes, colors, width, height } => {
                        Some((app::training::regions::rgba(probs, *classes, colors, *width, *height, th), *width, *height, Cells::Stretch))
                    }
                };
                // the image is kept in a canvas of its own: later frames copy it with one drawImage
                if let Some((img, cells)) = buf.and_then(|(b, iw, ih, cells)| Some((image_canvas(&b, iw.max(1), ih.max(1))?, cells))) {
                    if fields.len() > 16 {
                        fields.clear();
                    }
                    *computed += 1;
                    fields.insert(key.clone(), (img, cells));
                }
            }
            if let Some((img, cells)) = fields.get(&key) {
                draw_cells(&ctx, img.unchecked_ref(), (f.px.0 as f64, f.py.0 as f64), (w, h), *cells);
            }
        };
        let frame = app::draw_chart(&root, chart, th, &mut paint)?;
        root.present().map_err(|e| format!("{e:?}"))?;
        self.frames.insert(format!("{chapter}/{id}"), frame);
        self.drawn.insert(canvas_id, Drawn { canvas: object, size, signature });
        Ok(())
    }
}
