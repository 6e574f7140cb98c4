// optlab's thin shell: builds each chapter from the descriptions the wasm core gives, keeps the state in the
// URL, and asks the core to compute and draw on every change (at most once per frame), in a worker that holds
// the canvases where the browser allows it. Its rooms: state.js (what the page shows and is doing), controls.js
// (the controls and their values), formulas.js (KaTeX), fit.js (embeds' layout), dom.js (helpers), and this
// file: the core and its worker, drawing and showing its answers, live runs, chapters, links, messages from a
// slide deck, start-up. No optimizer math lives here. Text from the URL is only ever shown as text
// (textContent), never run.

import { fitPlots, fitControls, embedStrip } from "./fit.js";
import { $, el, idle, setText } from "./dom.js";
import { app } from "./state.js";
import { controlRow, presetOf, queryText, setValue, showKeyed, syncControls, tooLongForLink } from "./controls.js";
import { formulaFloor, formulaPieces, formulaShown, hideFormula, loadKatex, readyHiddenLater, renderFormulas } from "./formulas.js";

const SHELL_KEYS = new Set(["chapter", "embed", "theme", "hide", "layout", "scale", "worker"]);

window.optlab = app; // for tests and slide decks

// The core's Session, which computes and draws: in a worker (www/worker.js) when the browser can hand canvases
// to one (OffscreenCanvas), so that the main thread only reads the controls and writes text; else on this thread.
// Every call answers with a promise (at once, in the same task, on this thread), so the shell has one path.
const core = {
  worker: null, session: null, next: 1, calls: new Map(),
  /** Calls the Session's method (or one of worker.js's own ops) `op`: resolves to its result, rejects with its
   * error's text. `transfer`: objects to move to the worker (canvases, buffers). */
  call(op, args = [], transfer = []) {
    if (!this.worker) {
      try { return Promise.resolve(this.here(op, args)); } catch (e) { return Promise.reject(e); }
    }
    return this.callOn(this.worker, op, args, transfer);
  },
  /** The same call to a given worker (the one being replaced, see renew). */
  callOn(worker, op, args = [], transfer = []) {
    const id = this.next++;
    return new Promise((ok, fail) => {
      this.calls.set(id, [ok, fail]);
      worker.postMessage({ id, op, args }, transfer);
    });
  },
  /** A call whose answer nobody waits for (still in order with the others); a failure goes to the console. */
  post(op, args = []) { this.call(op, args).catch((e) => console.error(`optlab core ${op}: ${e}`)); },
  here(op, args) {
    const w = app.wasm, s = this.session;
    if (op === "bitmaps") return Promise.all(args.map((id) => { const cv = document.getElementById(id); return cv ? createImageBitmap(cv) : null; }));
    if (op === "stats") return [w.wasm_memory_bytes(), ...w.wasm_heap_stats(Boolean(args[0]))];
    if (op === "debug_panic") return w.debug_panic(String(args[0]));
    if (op === "provide_asset") return s.provide_asset(args[0], new Uint8Array(args[1]));
    return s[op](...args);
  },
  answer(d) {
    if (d.type === "panic") { showPanic(d.message); return; }
    if (d.type === "drawn") { drawn(d.id, d.value); return; }
    const call = this.calls.get(d.id);
    if (!call) return;
    this.calls.delete(d.id);
    if (Object.hasOwn(d, "error")) call[1](d.error); else call[0](d.value);
  },
};
app.core = core;

/** The backing store's size of a plot canvas, in device pixels (a canvas handed to the worker keeps the
 * size it had then; the worker's OffscreenCanvas has the real one). */
function backing(cv) { return cv.optlabSize || [cv.width, cv.height]; }
/** Sets it: on the canvas itself, or by a message to the worker that holds it. */
function setBacking(cv, W, H) {
  const [w, h] = backing(cv);
  if (w === W && h === H) return;
  if (cv.optlabSize) { cv.optlabSize = [W, H]; core.post("size", [cv.id, W, H]); } else { cv.width = W; cv.height = H; }
}
/** What each plot canvas of the chapter shows now, as ImageBitmaps (null for a canvas that has none). */
app.canvasImages = async () => {
  const ids = [...document.querySelectorAll("canvas.plot")].map((cv) => cv.id);
  const bitmaps = await core.call("bitmaps", ids);
  return ids.map((id, i) => ({ id, bitmap: bitmaps[i] }));
};

function query() {
  const q = new URLSearchParams(location.search);
  const raw = {};
  for (const [k, v] of q) raw[k] = v;
  return raw;
}

// a phone held sideways: the same query as style.css's layout for it
const sideways = matchMedia("(max-height: 520px) and (min-aspect-ratio: 5/4) and (max-width: 1100px)");
const darkScheme = matchMedia("(prefers-color-scheme: dark)"); // one query object, its answer kept up to date
let darkNow = darkScheme.matches;
darkScheme.addEventListener("change", (e) => { darkNow = e.matches; }); // (before the listener that redraws)
function effectiveTheme() {
  if (app.theme === "auto") return darkNow ? "dark" : "light";
  return app.theme;
}

function applyTheme() {
  const t = effectiveTheme();
  if (document.documentElement.dataset.theme !== t) {
    for (const d of document.querySelectorAll(".intro > details")) d.open = t !== "projector"; // (not a list's folded rest)
  }
  document.documentElement.dataset.theme = t;
  const sel = $("#theme");
  if (sel) sel.value = app.theme;
}

// history.replaceState costs tens of milliseconds in Chromium and is throttled (ignored) after ~200 calls in
// 10 s, i.e. during a few seconds of dragging a slider at 60 frames per second. So a render only schedules
// the write; it happens once the state has been still for a moment, and at once for "Copy link".
let urlTimer = 0;
function updateUrl() {
  app.urlPending = true;
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => { writeUrl(); showTiming(); }, 200);
}

function writeUrl() {
  clearTimeout(urlTimer);
  app.urlPending = false;
  if (!app.chapter) return;
  const q = new URLSearchParams();
  q.set("chapter", app.chapter.id);
  if (app.embed) q.set("embed", "1");
  if (app.theme !== "auto") q.set("theme", app.theme);
  if (app.hide.size) q.set("hide", [...app.hide].join(","));
  if (app.layout) q.set("layout", app.layout);
  if (app.scale !== 1) q.set("scale", String(app.scale));
  if (app.noWorker) q.set("worker", "0");
  for (const c of app.chapter.controls) if (!tooLongForLink(c, app.state[c.name])) q.set(c.name, app.state[c.name]);
  const search = "?" + queryText(q);
  if (search !== location.search) history.replaceState(null, "", search);
}


// The scale a link or a message asks for: a number in [SCALE_MIN, SCALE_MAX]. Returns {value} (with `reason`
// when it was clamped) or {reason} when it is no number (the caller keeps the current scale).
const SCALE_MIN = 0.5, SCALE_MAX = 4;
function readScale(v) {
  const shown = String(v).slice(0, 40);
  const x = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  if (!Number.isFinite(x)) return { reason: `scale: “${shown}” is not a number` };
  const c = Math.min(SCALE_MAX, Math.max(SCALE_MIN, x));
  return c === x ? { value: x } : { value: c, reason: `scale: ${shown} is outside [${SCALE_MIN}, ${SCALE_MAX}]; using ${c}` };
}

// Device pixels per CSS pixel of the canvases: the screen's ratio times the page's scale, at most 4 (memory).
function pixelRatio() { return Math.min(4, (window.devicePixelRatio || 1) * app.scale); }


// Sizes the canvases to their boxes (device pixels). Reading a box forces a layout, so the sizes are read only
// when they may have changed (a new chapter, a resize, a new pixel ratio or theme), not on every change; at
// the same time each canvas is told to the core as near the viewport or not (see `visibility` below).
function sizeCanvases() {
  const dpr = pixelRatio();
  // an embed fits its plots into the frame's height too (fit.js)
  if (app.embed && fitPlots($(".plots"), dpr, setBacking)) return dpr;
  const key = `${dpr}|${effectiveTheme()}`;
  if (app.sized === key) return dpr;
  app.sized = key;
  // every box read before any is written: one layout, not one per canvas
  const canvases = [...document.querySelectorAll("canvas.plot")];
  const widths = canvases.map((cv) => Math.max(200, cv.clientWidth));
  canvases.forEach((cv, i) => {
    const w = widths[i], h = Math.round(w * Number(cv.dataset.aspect || 0.6));
    if (cv.style.height !== h + "px") cv.style.height = h + "px";
    setBacking(cv, Math.round(w * dpr), Math.round(h * dpr));
  });
  // A chapter's first frame draws only the plots that show at least FIRST_SHOWN px inside the viewport (or, if
  // none does, those that show at all); a plot that shows only a sliver at the edge, and those just below the
  // viewport, follow a frame later (the observer below reports them near), so the first plots appear sooner.
  const rects = canvases.map((cv) => cv.getBoundingClientRect());
  const fresh = app.freshChapter;
  const strict = fresh && rects.some((r) => nearViewport(r.top, r.bottom, -FIRST_SHOWN));
  const margin = strict ? -FIRST_SHOWN : fresh ? 0 : MARGIN;
  canvases.forEach((cv, i) => core.post("set_visible", [cv.id, nearViewport(rects[i].top, rects[i].bottom, margin)]));
  return dpr;
}

// Charts off screen are not drawn in the frame of a change: the core keeps them as "stale" and draws them when
// their canvas comes near the viewport, or in idle time once the controls have been still for a moment (so a
// slider dragged at 60 changes a second pays only for the plots in view). A snapshot or a PNG draws them first.
const MARGIN = 200; // px around the viewport that count as in view
const FIRST_SHOWN = 120; // px of a plot inside the viewport for a chapter's first frame to wait for it
function nearViewport(top, bottom, margin = MARGIN) { return bottom > -margin && top < window.innerHeight + margin; }
const visibility = new IntersectionObserver((entries) => {
  let show = false;
  for (const en of entries) {
    if (!app.wasm) continue;
    core.post("set_visible", [en.target.id, en.isIntersecting]);
    show ||= en.isIntersecting;
  }
  if (show && app.stale) requestAnimationFrame(() => { if (app.stale) drawStale(false, 1e9); });
}, { rootMargin: `${MARGIN}px 0px` });
// Each call starts a new round and ends the one before, also a round whose idle work is already queued (a change
// during the idle drawing; the hand-over's drawing), so that charts off screen wait for the controls to be still.
let staleTimer = 0, staleRound = 0;
function drawStaleLater() {
  clearTimeout(staleTimer);
  const round = ++staleRound;
  if (!app.stale) return;
  const work = (budget) => {
    if (app.panicked || round !== staleRound || !app.stale) return;
    drawStale(true, budget).then(() => { if (app.stale && round === staleRound) idle(work); });
  };
  staleTimer = setTimeout(() => idle(work), 300);
}
// Draws the charts left for later (all, or those now in view) for about `budget` ms; resolves once drawn.
function drawStale(all, budget) {
  const gen = app.gen;
  // (a chart drawn now may show its point elsewhere: a map whose view follows the start point)
  return core.call("draw_stale", [all, budget]).then((d) => { if (gen === app.gen) { app.stale = d.stale; app.handles = d.handles; } }, () => {});
}
function drawAllNow() {
  return app.stale ? drawStale(true, 1e9) : Promise.resolve();
}

// On this thread a drawing waits for the next frame (once per frame however many changes came before it). The
// worker is asked as soon as the task that changed the state ends (changes within one task are drawn once): it
// computes while the page paints the control's own change, and the answer is shown in the frame after.
function schedule() {
  if (app.pending || app.panicked) return;
  app.pending = true;
  const go = () => { app.pending = false; render(); };
  if (core.worker) queueMicrotask(go); else requestAnimationFrame(go);
}

function render() { show(null); }

// A change of the state (by hand, link, click or message): redraw once, and tell the parent once it is drawn.
export function changed() { app.announce = true; schedule(); }

// A data file the state needs (e.g. the digits), fetched once when a view asks for it, never at start-up.
function loadAsset(name) {
  app.assets ??= {};
  if (app.assets[name]) return;
  app.assets[name] = fetch(`assets/${name}`)
    .then((res) => { if (!res.ok) throw new Error(`HTTP ${res.status}`); return res.arrayBuffer(); })
    .then((buf) => {
      // (on this thread the bytes are kept for the worker, which gets them at the hand-over: see useWorker; a
      // worker gets them moved, and the page keeps a copy for a worker that replaces it: see renew)
      if (!core.worker) (app.assetBytes ??= {})[name] = buf;
      else keepAsset(name, buf);
      return core.call("provide_asset", [name, buf], core.worker ? [buf] : []);
    })
    .then(() => schedule())
    .catch((e) => assetFailed(name, e));
}
function assetFailed(name, e) {
  app.notes = [{ level: "error", text: `could not load assets/${name}: ${String(e)}` }];
  schedule();
}

// Draws the chapter; for a live chapter, `steps` > 0 first advances its run (bounded to ~10 ms). One drawing
// is asked of the core at a time: a change while one is computed is drawn once it is answered (so a slider
// dragged faster than the core draws skips to its latest value, and the canvases show the previous picture
// until the new one is ready).
function show(steps) {
  if (app.panicked) return;
  if (app.inflight) { if (!steps) app.dirty = true; return; }
  const t0 = performance.now();
  if (!app.renders && !app.inflight) performance.mark("optlab:render");
  const dpr = sizeCanvases();
  const gen = app.gen;
  const args = [app.chapter.id, app.state, effectiveTheme(), dpr];
  app.inflight = true;
  const call = core.call(steps ? "tick" : "render", steps ? [...args, steps, 10] : args);
  app.drawCall = core.next - 1; // (the worker's "drawn" for this call carries its id)
  call.then((r) => {
    app.inflight = false;
    if (gen === app.gen && !app.panicked) { app.drawing = Boolean(core.worker); shown(r, t0); }
    if (app.dirty) { app.dirty = false; schedule(); }
  }, (err) => {
    app.inflight = false;
    if (app.panicked) return;
    app.notes = [{ level: "error", text: `could not draw: ${String(err)}` }];
    if (app.dirty) { app.dirty = false; schedule(); }
  });
}

// Shows what the core answered: readouts, messages, formulas and the controls' normalized values.
function shown(r, t0) {
  if (r.handles) app.handles = r.handles;
  if (r.progress) showProgress(r.progress);
  if (r.asset) loadAsset(r.asset);
  waitingForData(Boolean(r.asset));
  if (r.measuring) measureWhenIdle();
  // (a change made while this was computed is drawn next; its values stay as the user set them)
  // (the controls changed by keys show their latest values, also when a later change is still to be drawn)
  showKeyed();
  if (!app.dirty) {
    app.state = Object.assign({}, app.state, r.state);
    syncControls();
  }
  app.stale = r.stale || 0;
  drawStaleLater();
  // the readout's lines are rewritten in place (a rebuilt list costs a new layout tree on every change)
  // (lines are added or removed at the end only: a preset that adds a run's lines keeps the lines already there)
  const ro = $("#readout");
  const want = 2 * r.readout.length;
  while (ro.children.length > want) ro.lastChild.remove();
  if (ro.children.length < want) ro.append(...r.readout.slice(ro.children.length / 2).flatMap(() => [el("dt"), el("dd")]));
  r.readout.forEach((line, i) => {
    const dt = ro.children[2 * i], dd = ro.children[2 * i + 1];
    setText(dt, line.label);
    setText(dd, line.value);
    const tone = line.tone || "";
    if (dd.className !== tone) dd.className = tone;
  });
  // replaced only when the text changes: a live region that is rewritten is announced again
  const all = [...app.notes, ...r.messages];
  const said = all.map((m) => `${m.level}|${m.text}`).join("\n");
  const msgs = $("#messages");
  if (msgs.dataset.said !== said) {
    msgs.dataset.said = said;
    msgs.replaceChildren(...all.map((m) => el("p", { class: `msg ${m.level}`, text: m.text })));
  }
  announceResult(r.readout[0]);
  describePlots(r.descriptions);
  // for the speed bench: ms from navigation to the end of the frame that shows the page's first plots
  // (with the worker, the frame after its charts are drawn: see `drawn`)
  if (!app.renders) { if (core.worker) app.firstDrawWait = true; else markFirstDraw(); }
  // A chapter's first drawing shows its plots first: its formulas (KaTeX typesets them and Chromium lays out
  // ~1,000 elements, 20-60 ms on a page just loaded) are typeset right after that frame, and the parent is told
  // "rendered" once they are in.
  app.lastValues = r.values;
  // (while a later change waits to be drawn, the parent hears "rendered" for that one)
  const post = app.announce && !app.dirty && window.parent !== window;
  if (!app.dirty) app.announce = false;
  if (app.freshChapter || !app.katexState) {
    app.freshChapter = false;
    app.formulasLater = { post: post || Boolean(app.formulasLater && app.formulasLater.post) };
    requestAnimationFrame(() => setTimeout(formulasNow));
  } else {
    app.formulasLater = null;
    renderFormulas(r.values);
    if (post) postRendered();
  }
  updateUrl();
  app.renders += 1;
  app.lastRender = { compute_ms: r.compute_ms, draw_ms: r.draw_ms, draw_parts: r.draw_parts, stale: r.stale, fields_computed: r.fields_computed, total_ms: performance.now() - t0 };
  if (app.renders === 1) app.firstRender = app.lastRender; // (the bench's cold start reads it)
  // with the worker, the line waits for the drawing's times, and is written once the controls are still (with
  // the link), so that a change's frame lays out only what the change itself altered
  if (!core.worker) showTiming();
  if (app.handover === "ready") setTimeout(handOver);
  renewWhenIdle();
}

// While a data file the state needs is loading (the digits), the plots still show the previous setting's
// pictures (each titled with that setting): they are dimmed and marked busy until the data are in, so that
// nobody reads them as the new setting's.
function waitingForData(waiting) {
  const plots = $(".plots");
  if (!plots || plots.hasAttribute("aria-busy") === waiting) return;
  if (waiting) plots.setAttribute("aria-busy", "true"); else plots.removeAttribute("aria-busy");
}

// The worker drew the charts of drawing `id` (see worker.js): their times complete the last render's figures.
function drawn(id, d) {
  if (app.firstDrawWait) { app.firstDrawWait = false; markFirstDraw(); }
  if (id !== app.drawCall || !app.lastRender) return;
  app.handles = d.handles;
  app.drawing = false;
  Object.assign(app.lastRender, { draw_ms: d.draw_ms, draw_parts: d.draw_parts, stale: d.stale });
  app.stale = d.stale;
  if (!app.urlPending) showTiming();
}

function markFirstDraw() {
  performance.mark("optlab:drawn");
  requestAnimationFrame(() => setTimeout(() => { app.firstDrawMs = performance.now(); }));
}

function showTiming() {
  const r = app.lastRender;
  if (!r || app.drawing) return;
  const later = r.stale ? `; ${r.draw_parts.length} of ${r.draw_parts.length + r.stale} plots at that change (the others were off screen or only at its edge: drawn when in view or when the page is idle)` : "";
  setText($("#timing"), `computed in ${r.compute_ms.toFixed(1)} ms, drawn in ${r.draw_ms.toFixed(1)} ms${later}`);
}

// The formulas a chapter's first drawing left for after its frame (see show), typeset once KaTeX is in.
function formulasNow() {
  const later = app.formulasLater;
  if (!later || app.panicked) return;
  if (!app.katexState) { loadKatex().then(formulasNow); return; }
  app.formulasLater = null;
  renderFormulas(app.lastValues);
  if (!performance.getEntriesByName("optlab:formulas").length) performance.mark("optlab:formulas"); // (for the speed bench)
  if (later.post) postRendered();
  setTimeout(handOver);
  readyHiddenLater();
}

// one "rendered" per change (not per redraw: a resize or a training frame is no change of the state)
function postRendered() {
  window.parent.postMessage({ type: "optlab:rendered", chapter: app.chapter.id, state: app.state }, "*");
}

// Kernels a chapter times at its sizes (the Muon chapter: Newton–Schulz against the SVD) are measured while the
// page is idle, a few ms at a time, never in the frame of a control change; when they finish, the chapter is
// drawn again with the figures.
// The measuring starts once the controls have been still for 300 ms: while a slider moves, every change asks for
// new sizes, and timing the ones passed over would only take time from the frames.
let measureTimer = 0;
function measureWhenIdle() {
  clearTimeout(measureTimer);
  if (app.measuring) return;
  const work = (budget) => core.call("measure", [budget]).then((r) => {
    if (r === "more") return idle(work);
    app.measuring = false;
    if (r === "done") schedule();
  }, () => { app.measuring = false; });
  measureTimer = setTimeout(() => { app.measuring = true; idle(work); }, 300);
}

// Each plot's text alternative (what it shows now, from the core: Chart::describe), in a hidden paragraph the
// canvas names with aria-describedby; rewritten only when its text changes.
// A plot the answer has no chart for (a setting that cannot be computed: its message says why) does not keep
// showing the last setting's chart: its figure is marked empty, its canvas hidden and a note shown instead.
function describePlots(descriptions) {
  const have = new Set();
  for (const [id, text] of descriptions || []) {
    have.add(`cv-${app.chapter.id}-${id}`);
    const p = document.getElementById(`desc-${app.chapter.id}-${id}`);
    if (p) setText(p, text);
  }
  for (const canvas of document.querySelectorAll(".plots canvas.plot")) {
    const empty = !have.has(canvas.id);
    const fig = canvas.parentElement;
    if (empty !== fig.hasAttribute("data-empty")) fig.toggleAttribute("data-empty", empty);
  }
}

// One concise result line for screen readers (the first readout line), said once the controls are still.
let resultTimer = 0;
function announceResult(line) {
  clearTimeout(resultTimer);
  resultTimer = setTimeout(() => {
    const p = $("#result");
    const text = line ? `${line.label}: ${line.value}` : "";
    if (p) setText(p, text);
  }, 700);
}

// Live chapters (training): play / pause / step / reset, advancing in bounded slices per animation frame.
function showProgress([done, total]) {
  app.progress = [done, total];
  const p = $("#progress");
  if (!p) return;
  p.max = Math.max(1, total);
  p.value = done;
  setText($("#progress-text"), `step ${done} of ${total}`);
  if (done >= total && app.playing) setPlaying(false);
}
function setPlaying(on) {
  app.playing = on;
  const b = $("#play");
  if (b) { b.textContent = on ? "Pause" : "Play"; b.setAttribute("aria-pressed", String(on)); }
  if (on) requestAnimationFrame(liveLoop);
}
// With prefers-reduced-motion: reduce, the run still advances every frame but its plots (and progress) are
// drawn only twice a second, and at the end.
const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
let lastDrawn = 0;
function liveLoop(now) {
  if (!app.playing || !app.chapter.live) return;
  const steps = Math.max(1, Number(app.state.speed) || 10);
  if (app.inflight) {
    // the last frame's steps are still being computed
  } else if (reducedMotion.matches && now - lastDrawn < 500) {
    app.inflight = true;
    core.call("advance", [app.chapter.id, app.state, steps, 10]).then((p) => {
      app.inflight = false;
      if (p && p[0] >= p[1]) show(0);
    }, () => { app.inflight = false; });
  } else {
    lastDrawn = now;
    show(steps);
  }
  if (app.playing) requestAnimationFrame(liveLoop);
}
function liveBar() {
  return el("div", { class: "live", role: "group", "aria-label": "training" },
    el("button", { type: "button", id: "play", "aria-pressed": "false", text: "Play", onclick: () => setPlaying(!app.playing) }),
    el("button", { type: "button", text: "Step", onclick: () => { setPlaying(false); show(1); } }),
    el("button", { type: "button", text: "Restart", onclick: () => { setPlaying(false); core.call("reset_live").then(render); } }),
    el("progress", { id: "progress", max: "1", value: "0", "aria-label": "training progress" }),
    el("span", { id: "progress-text", class: "hint" }));
}

function download(name, text, type) {
  const a = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(a); a.click(); a.remove();
}

async function copy(text, what) {
  const status = $("#messages");
  try {
    await navigator.clipboard.writeText(text);
    status.prepend(el("p", { class: "msg info", text: `${what} copied to the clipboard.` }));
  } catch (e) {
    const box = el("textarea", { class: "copybox", readonly: "", "aria-label": what });
    box.value = text;
    status.prepend(el("p", { class: "msg info", text: `Copy the ${what.toLowerCase()} below:` }), box);
    box.select();
  }
  app.copies = (app.copies || 0) + 1; // (for the tests: the copy is done)
}

// "PyTorch": the exporter's script (or its one-line refusal) as text in the side panel, and on the clipboard.
function torchScript() {
  const box = $("#torch-box"), note = $("#torch-note"), text = $("#torch-text");
  box.hidden = false; box.open = true;
  // the exporter's fixed parts (its reference classes and the loops of the run and training scripts; the core
  // names them) are fetched the first time, not shipped in the wasm
  app.reference ??= Promise.all(app.wasm.export_assets().map((name) => fetch(`assets/${name}`)
    .then((res) => { if (!res.ok) throw new Error(`assets/${name}: HTTP ${res.status}`); return res.arrayBuffer(); })
    .then((buf) => core.call("provide_asset", [name, buf], core.worker ? [buf] : []))))
    .catch((e) => { app.reference = null; throw e; });
  app.reference.then(() => core.call("torch_script")).then((script) => {
    text.value = script;
    text.hidden = false;
    note.textContent = `${text.value.split("\n").length} lines; save as a .py file and run it with python3 (torch only).`;
    navigator.clipboard.writeText(text.value).then(() => { note.textContent += " Copied to the clipboard."; },
      () => { note.textContent += " Select the text below to copy it."; }).finally(() => { app.copies = (app.copies || 0) + 1; });
  }, (e) => {
    text.hidden = true;
    note.textContent = `No PyTorch script: ${String(e)}`;
    app.copies = (app.copies || 0) + 1;
  });
}

// Whether a finger at (clientX, clientY) is on the point canvas `id` sets (the core's handles: [id, x, y] in
// backend pixels).
const GRAB = 24;
function onHandle(canvas, id, { clientX, clientY }) {
  const h = app.handles.find((e) => e[0] === id);
  if (!h) return false;
  const rect = canvas.getBoundingClientRect();
  const k = backing(canvas)[0] / rect.width;
  return Math.hypot(clientX - rect.left - h[1] / k, clientY - rect.top - h[2] / k) <= GRAB;
}

// A chapter's canvas `cv` (one of info.canvases), with its click handler for a clickable plot.
function plotCanvas(info, cv) {
  const canvas = el("canvas", {
    id: `cv-${info.id}-${cv.id}`, class: "plot", role: "img", "aria-label": cv.label, "data-aspect": cv.aspect,
    "aria-describedby": `desc-${info.id}-${cv.id}`,
  });
  // (for style.css: a phone held sideways caps the first plot's width so that its height fits the screen)
  canvas.style.setProperty("--aspect", String(cv.aspect));
  if (cv.clickable) {
    canvas.classList.add("clickable");
    // A click (a tap) sets what the canvas sets (the start point, η and β); with a mouse or pen, pressing and
    // dragging sets it continuously. A finger that lands on the point itself (within GRAB px of where the core
    // last drew it: app.handles) drags it the same way; elsewhere a touch that moves scrolls the page as usual
    // (a finger on a map that fills a phone's screen is scrolling more often than aiming). One question at a
    // time goes to the core: moves made while one is answered are coalesced into the latest.
    let asking = false, next = null, pressed = null;
    const ask = ({ clientX, clientY }) => {
      if (asking) { next = { clientX, clientY }; return; }
      asking = true;
      const rect = canvas.getBoundingClientRect();
      const k = backing(canvas)[0] / rect.width;
      const gen = app.gen;
      core.call("click", [info.id, cv.id, (clientX - rect.left) * k, (clientY - rect.top) * k, app.state]).then((upd) => {
        if (gen === app.gen && Object.keys(upd).length) { Object.assign(app.state, upd); app.notes = []; changed(); }
      }, (err) => console.error(`optlab core click: ${err}`)).finally(() => {
        asking = false;
        if (next) { const at = next; next = null; ask(at); }
      });
    };
    canvas.addEventListener("pointerdown", (e) => {
      if (e.pointerType === "touch" ? !onHandle(canvas, cv.id, e) : e.button !== 0) return;
      pressed = e.pointerId;
      canvas.setPointerCapture(e.pointerId);
      ask(e);
    });
    // (a finger on the point: no scrolling for this touch, so that its moves reach pointermove)
    canvas.addEventListener("touchstart", (e) => {
      if (e.touches.length === 1 && onHandle(canvas, cv.id, e.touches[0])) e.preventDefault();
    }, { passive: false });
    canvas.addEventListener("pointermove", (e) => { if (e.pointerId === pressed) ask(e); });
    const release = (e) => { if (e.pointerId === pressed) pressed = null; };
    canvas.addEventListener("pointerup", release);
    canvas.addEventListener("pointercancel", release);
    // (a tap, or a click made by assistive technology: its click; a mouse's or pen's click was its press)
    canvas.addEventListener("click", (e) => { if (e.pointerType !== "mouse" && e.pointerType !== "pen") ask(e); });
  }
  return canvas;
}

// Hands the canvases of a chapter to `core.worker`, which draws them from now on.
function transferCanvases(canvases) {
  const offs = canvases.map((cv) => {
    const off = cv.transferControlToOffscreen();
    cv.optlabSize = [off.width, off.height];
    return [cv.id, off];
  });
  core.call("attach", [offs], offs.map(([, off]) => off)).catch((e) => console.error(`optlab core attach: ${e}`));
}

// From now on the worker computes and draws; the page's own Session is dropped.
function useWorker() {
  core.worker = pendingWorker;
  if (core.session) { core.session.free(); core.session = null; }
  // the data files this thread's Session was given (a link that opens the digits view fetches them before the
  // hand-over); the worker's instance has its own memory
  for (const [name, buf] of Object.entries(app.assetBytes || {})) {
    keepAsset(name, buf);
    core.call("provide_asset", [name, buf], [buf]).catch((e) => assetFailed(name, e));
  }
  app.assetBytes = null;
  // the exporter's parts, if this thread's Session was given them (a PyTorch press before the hand-over), are
  // fetched again for the worker at the next press
  app.reference = null;
  app.handover = "done";
}

// The hand-over. A page starts on its own thread: its first plots come ~100 ms sooner so (the worker's first
// drawing pays more of the cold start: lazily compiled wasm, its own font and canvas set-up). Once they are on
// screen and the worker is ready, each plot gets a fresh canvas that is handed to the worker; the worker draws
// the state as it is (every chart, in view or not), and then the fresh canvases replace the page's. Until then
// the page's canvases show the same picture, and changes meanwhile are drawn by the worker once it has them.
// A live chapter whose run has started keeps its run on this thread until the next chapter is opened.
let pendingWorker = null;
function handOver() {
  if (app.handover !== "ready" || app.panicked || !app.renders || app.formulasLater || app.inflight || app.pending) return;
  if (app.chapter.live && app.progress && app.progress[0] > 0) { app.handover = "deferred"; return; }
  useWorker();
  app.handover = "running"; // (until the worker has drawn on the fresh canvases; useWorker said "done")
  freshCanvases(() => { app.handover = "done"; noteSpare(); });
}

// Gives `core.worker` a fresh canvas for each plot, has it draw the state as it is (every chart, in view or not),
// then puts the fresh canvases in the place of the shown ones and calls `done` (also when the drawing failed).
// The caller has made sure that nothing is being drawn (the worker's first answer is this state's).
function freshCanvases(done) {
  const info = app.chapter, gen = app.gen;
  const olds = [...document.querySelectorAll("canvas.plot")];
  const fresh = olds.map((old) => {
    const cv = plotCanvas(info, info.canvases.find((c) => `cv-${info.id}-${c.id}` === old.id));
    cv.style.cssText = old.style.cssText;
    return cv;
  });
  const visible = olds.map((old) => { const r = old.getBoundingClientRect(); return nearViewport(r.top, r.bottom); });
  transferCanvases(fresh);
  fresh.forEach((cv, i) => { setBacking(cv, ...backing(olds[i])); core.post("set_visible", [cv.id, visible[i]]); });
  render();
  core.call("draw_stale", [true, 1e9]).then((d) => {
    if (gen === app.gen) app.handles = d.handles;
    done();
    if (gen !== app.gen) return; // another chapter was opened: its canvases went to the worker as it was built
    olds.forEach((old, i) => {
      visibility.unobserve(old);
      if (!app.embed) { observer.unobserve(old); observer.observe(fresh[i]); } // (see buildChapter)
      old.replaceWith(fresh[i]);
      visibility.observe(fresh[i]);
    });
    app.stale = 0;
  }, done);
}

// Renewing the worker. Linear memory only grows: a heavy state (the digits with four layers of 64 and a
// comparison) leaves the worker holding its peak for the rest of the page's life, whatever is shown later. Once
// the page has been still for RENEW_IDLE_MS, if the worker holds at least RENEW_SPARE more bytes that it does
// not use than it did after its first drawing, and nothing of the user's would be lost (no live run has taken a
// step, no kernel timing is half done), a fresh worker takes over the way the first one took over from this
// thread: it starts on the module compiled at load, gets the data files, the kernel timings measured so far and
// fresh canvases, draws the state as it is, the fresh canvases replace the shown ones, and the old worker is
// ended, which frees its memory. The one thing not carried over is the old worker's caches: the next change
// may compute what it would have found there.
const RENEW_IDLE_MS = 2000, RENEW_SPARE = 1 << 20;
let renewTimer = 0;
function renewWhenIdle() {
  clearTimeout(renewTimer);
  if (!core.worker || app.renewing) return;
  renewTimer = setTimeout(async () => {
    if (!quietForRenewal()) return;
    const [bytes, live, steps, timing] = await core.call("memory").catch(() => [0, 0, 1, 1]);
    const spare = bytes - live;
    if (app.workerSpare === null) { app.workerSpare = spare; return; } // (a worker that started without a hand-over)
    if (steps > 0 || timing > 0 || spare - app.workerSpare < RENEW_SPARE) return;
    renew();
  }, RENEW_IDLE_MS);
}
function quietForRenewal() {
  return core.worker && app.module && app.handover === "done" && !app.renewFailed && !app.panicked && !app.playing &&
    !app.busy() && !app.measuring; // (busy includes a renewal under way)
}
app.workerSpare = null; // bytes the worker reserved and did not use after its first drawing
function noteSpare() { return core.call("memory").then(([bytes, live]) => { app.workerSpare = bytes - live; }, () => {}); }
app.renewals = 0;
/** Starts a fresh worker and hands the chapter over to it (see above); resolves whether it did. Also for the
 * tests, which call it directly. */
async function renew() {
  if (!quietForRenewal()) return false;
  app.renewing = true;
  const old = core.worker;
  const worker = spawnWorker(app.glueUrl);
  const [ok, timings] = await Promise.all([startWorker(worker, app.glueUrl, app.module), core.call("timings").catch(() => "")]);
  const [, , steps, timing] = await core.call("memory").catch(() => [0, 0, 1, 1]);
  app.renewing = false;
  // (the user may have pressed Play, opened another chapter or changed a control meanwhile: then not now)
  if (!ok) app.renewFailed = true; // (a worker that cannot start now will not later: the old one stays)
  if (!ok || core.worker !== old || steps > 0 || timing > 0 || !quietForRenewal()) { worker.terminate(); return false; }
  app.renewing = true;
  core.worker = worker;
  core.post("restore_timings", [timings]);
  for (const [name, buf] of Object.entries(app.assetCopies || {})) {
    const copy = buf.slice(0);
    core.call("provide_asset", [name, copy], [copy]).catch((e) => assetFailed(name, e));
  }
  // the exporter's parts are fetched again for this worker at the next PyTorch press
  app.reference = null;
  await new Promise((resolve) => freshCanvases(resolve));
  // the old worker has answered everything asked of it before it was replaced: then it is ended
  await core.callOn(old, "stats").catch(() => {});
  old.terminate();
  await noteSpare();
  app.renewals += 1;
  app.renewing = false;
  return true;
}
app.renew = renew;
/** Keeps a copy of a data file's bytes for a worker that replaces this one. */
function keepAsset(name, buf) { (app.assetCopies ??= {})[name] = buf.slice(0); }

// A try-this list of more than TRY_ALL experiments shows its first TRY_SHOWN and then "n more experiments" (every
// chapter but the training one has at most six)
const TRY_ALL = 6, TRY_SHOWN = 4;

function buildChapter(info) {
  const main = $("#chapter");
  app.freshChapter = true;
  showKeyed();
  app.gen += 1;
  app.handles = [];
  // a chapter opened after the first goes to a worker that is ready without a hand-over
  if (app.renders && (app.handover === "ready" || app.handover === "deferred")) useWorker();
  visibility.disconnect();
  formulaFloor.disconnect();
  app.rows = new Map();
  app.sized = null;
  app.stale = 0;
  main.replaceChildren();
  // In projector mode the introduction and the try-this list start folded, so that a 1280×720 screen shows the
  // plots, and so on a phone held sideways (a screen 390 px tall showed only the introduction); elsewhere they
  // start open (applyTheme keeps this in step with the theme).
  const folded = effectiveTheme() === "projector" || sideways.matches;
  const head = el("section", { class: "intro" },
    el("h1", { id: "chapter-title", tabindex: "-1", text: info.title }),
    el("details", { class: "about", ...(folded ? {} : { open: "" }) }, el("summary", { text: "About this chapter" }), el("p", { text: info.intro })));
  // a long list shows its first experiments and folds the rest, so that the chapter's plots start on the first
  // screen (the training chapter's eleven filled all of it at 1280×900: its first plot began at 922 px)
  const items = info.try_this.map((t) => el("li", { text: t }));
  const shown = items.length > TRY_ALL ? TRY_SHOWN : items.length;
  const tryBox = el("details", { class: "try", ...(folded ? {} : { open: "" }) }, el("summary", { text: "Try this" }), el("ul", {}, ...items.slice(0, shown)));
  if (shown < items.length) {
    tryBox.append(el("details", { class: "more" }, el("summary", { text: `${items.length - shown} more experiments` }), el("ul", {}, ...items.slice(shown))));
  }
  head.append(tryBox);
  // a region of its own; each formula is a scroller of its own (a wide one scrolls alone, see style.css) and a tab
  // stop while it is wider than its box (see checkWideLater)
  const formulas = el("div", { class: "formulas", role: "region", "aria-label": "formulas with the live values" });
  for (const [i, f] of info.formulas.entries()) {
    const pieces = formulaPieces(f.tex);
    // named by its caption, which carries the live values
    const row = el("div", { class: "formula", role: "group", "aria-labelledby": `formula-caption-${i}`, "data-tex": f.tex, "data-caption": f.caption },
      el("span", { class: "caption", id: `formula-caption-${i}`, text: f.caption }), el("span", { class: "tex" }, ...pieces));
    row.optlabPieces = pieces;
    row.optlabWhen = f.when || [];
    hideFormula(row, !formulaShown(row));
    formulas.append(row);
  }
  formulaFloor.observe(formulas);
  const controls = el("form", { class: "controls", "aria-label": "controls", onsubmit: (e) => e.preventDefault() });
  for (const c of info.controls) controls.append(controlRow(c));
  const plots = el("div", { class: "plots" });
  for (const cv of info.canvases) {
    const canvas = plotCanvas(info, cv);
    const png = el("button", { type: "button", class: "small", text: "PNG", "aria-label": `export ${cv.id} as PNG`,
      onclick: async () => {
        await drawAllNow();
        const [bitmap] = await core.call("bitmaps", [canvas.id]);
        if (!bitmap) return;
        const out = el("canvas", { width: bitmap.width, height: bitmap.height });
        out.getContext("2d").drawImage(bitmap, 0, 0);
        out.toBlob((b) => { const a = el("a", { href: URL.createObjectURL(b), download: `optlab-${info.id}-${cv.id}.png` }); document.body.append(a); a.click(); a.remove(); });
      } });
    visibility.observe(canvas);
    plots.append(el("figure", {}, canvas, el("figcaption", {}, el("span", { text: cv.label }), png),
      // hidden: no layout or text shaping on each change; aria-describedby still reads a hidden element's text
      el("p", { id: `desc-${info.id}-${cv.id}`, hidden: "" })));
  }
  // with the worker, the canvases go to it (the ones from before are dropped); their size follows
  if (core.worker) transferCanvases([...plots.querySelectorAll("canvas.plot")]);
  const tools = el("div", { class: "tools" },
    el("button", { type: "button", text: "Copy link", onclick: () => { writeUrl(); copy(location.href, "Link"); } }),
    el("button", { type: "button", text: "Copy spec", title: `the JSON that \`optlab ${info.live ? "train" : "run"}\` accepts`, onclick: () => core.call("spec_json").then((t) => copy(t, "Spec")) }),
    el("button", { type: "button", text: "PyTorch", title: "a Python script (torch only, float64) that reruns this state and prints what the spec's optlab command prints", onclick: () => torchScript() }),
    el("button", { type: "button", text: "Export CSV", onclick: () => core.call("export", ["csv"]).then((t) => download(`optlab-${info.id}.csv`, t, "text/csv")) }),
    el("button", { type: "button", text: "Export JSON", onclick: () => core.call("export", ["json"]).then((t) => download(`optlab-${info.id}.json`, t, "application/json")) }),
    el("button", { type: "button", text: "Reset", onclick: () => { app.state = {}; start(info.id, {}, true); } }));
  const torchBox = el("details", { id: "torch-box", class: "torch-box", hidden: "" },
    el("summary", { text: "PyTorch script" }), el("p", { id: "torch-note", class: "hint" }),
    el("textarea", { id: "torch-text", class: "copybox", readonly: "", "aria-label": "PyTorch script" }));
  const side = el("aside", { class: "side" }, formulas, controls, tools, torchBox);
  const strip = app.embed ? embedStrip(side, info.live ? liveBar() : null) : null;
  if (info.live && !strip) side.prepend(liveBar());
  const results = el("section", { class: "results", "aria-label": "results" },
    el("div", { id: "messages", role: "status", "aria-live": "polite" }),
    el("p", { id: "result", class: "visually-hidden", "aria-live": "polite" }),
    plots,
    el("h2", { text: "Convergence" }),
    el("dl", { id: "readout", class: "readout" }),
    el("p", { id: "timing", class: "timing" }));
  main.append(head, ...(strip ? [strip] : []), el("div", { class: "layout" }, side, results));
  // (outside an embed the canvases are watched too: a screen that turns short and wide moves the plots into a
  // column of their own, which changes their width but not the chapter's)
  observer.disconnect();
  if (app.embed) { observer.observe(plots); observer.observe(main); } else { observer.observe(main); for (const cv of plots.querySelectorAll("canvas.plot")) observer.observe(cv); }
}

function buildNav() {
  const nav = $("#nav");
  nav.replaceChildren();
  app.infos.forEach((c, i) => {
    const a = el("a", { href: `?chapter=${c.id}`, text: `${i + 1}. ${c.title}` });
    a.addEventListener("click", (e) => { e.preventDefault(); start(c.id, {}, true); });
    if (app.chapter && c.id === app.chapter.id) a.setAttribute("aria-current", "page");
    nav.append(a);
  });
  // projector mode and phones show the list on one scrolling row: bring the current chapter into view
  const cur = $('#nav a[aria-current="page"]');
  // (centred, with the end of the chapter before it in view where there is room: the row visibly goes on)
  if (cur && nav.scrollWidth > nav.clientWidth) {
    const room = nav.clientWidth - cur.offsetWidth;
    nav.scrollLeft = Math.max(0, cur.offsetLeft - nav.offsetLeft - Math.min(Math.max(28, room / 2), Math.max(0, room)));
  }
}

// Opens a chapter. `moveFocus` (a chapter change or Reset, not the first load) puts focus on its heading, so
// that keyboard and screen-reader users land in the new chapter instead of on <body>.
// `draw` false leaves the first drawing to the caller (boot, when a deck's message is already waiting).
function start(id, raw, moveFocus = false, draw = true) {
  setPlaying(false);
  const info = app.wasm.chapter_info((app.infos.find((c) => c.id === id) || app.infos[0]).id);
  const notes = [];
  if (id && info.id !== id) notes.push({ level: "warn", text: `There is no chapter “${id}”; showing “${info.title}”.` });
  app.chapter = info;
  const n = app.wasm.normalize(info.id, raw);
  app.state = n.state;
  app.notes = [...notes, ...n.messages];
  buildNav();
  buildChapter(info);
  syncControls();
  fitControls();
  // a link's text that the core refused stays in its box as a draft, with the reason, so it can be fixed
  for (const c of info.controls) {
    if (c.kind.type !== "text" || raw[c.name] === undefined || raw[c.name] === app.state[c.name]) continue;
    const row = $(`.control[data-name="${c.name}"]`);
    row.dataset.draft = "1";
    $("textarea", row).value = raw[c.name];
    const why = n.messages.filter((m) => m.text.startsWith(`${c.label}:`)).map((m) => m.text).join(" ");
    Object.assign($(".text-status", row), { className: "text-status error", textContent: `${why} The text from the link is kept in the box.` });
  }
  syncControls();
  document.title = `${info.title} · optlab`;
  if (moveFocus) $("#chapter-title").focus();
  app.announce = true;
  if (draw) render();
}

// The slide-deck API (README, "Embedding in slides"). Only these shapes are accepted; anything else is ignored:
//   {type: "optlab:set", values: {name: value, …}, scale?, reset?} sets controls and is answered (to its sender)
//     with {type: "optlab:applied", chapter, state, scale, rejected: [{name, reason}], adjusted: [{name, from, to,
//     reason}]}: an unknown name, an array or object, or a value that is no value of the control (checked by the
//     core, Control::classify) is rejected and the control keeps its current value; an out-of-range value is
//     clamped. `reset: true` first returns to the state of the frame's own link, so a deck can send the whole
//     state of a slide (the values of every fragment shown so far) and land on the same view however it got
//     there. `scale` multiplies the canvases' resolution (see app.scale). `values` may be left out when
//     `scale` or `reset` is given;
//   {type: "optlab:get"} is answered with {type: "optlab:state", chapter, state, scale};
//   {type: "optlab:snapshot"} is answered, once the chapter is drawn, with {type: "optlab:snapshot", chapter,
//     state, png, width, height, alt}: the plots as one PNG (a data: URL) of width × height CSS pixels, and their
//     text alternatives (for a printed deck).
// The listener exists before the wasm starts (the page posts {type: "optlab:ready"} to its parent then);
// messages that arrive earlier wait in `early` and are applied once the chapter is shown.
const early = [];
const plainObject = (v) => !!v && typeof v === "object" && !Array.isArray(v);
function onMessage(e) {
  const d = e.data;
  if (!plainObject(d)) return;
  const set = d.type === "optlab:set" &&
    (plainObject(d.values) || (d.values === undefined && (Object.hasOwn(d, "scale") || d.reset === true)));
  if (!set && d.type !== "optlab:get" && d.type !== "optlab:snapshot") return;
  if (!app.chapter) { if (early.length < 100) early.push(e); return; }
  const reply = (m) => { if (e.source) e.source.postMessage(m, "*"); };
  if (d.type === "optlab:get") { reply({ type: "optlab:state", chapter: app.chapter.id, state: { ...app.state }, scale: app.scale }); return; }
  if (d.type === "optlab:snapshot") { whenDrawn(() => snapshot().then(reply)); return; }
  const values = d.values || {};
  const rejected = [], adjusted = [];
  if (d.reset === true) app.state = app.wasm.normalize(app.chapter.id, app.linkRaw).state;
  if (Object.hasOwn(d, "scale")) {
    const r = readScale(d.scale);
    if (r.value === undefined) rejected.push({ name: "scale", reason: `${r.reason}; kept ${app.scale}` });
    else {
      if (r.reason) adjusted.push({ name: "scale", from: String(d.scale).slice(0, 40), to: String(r.value), reason: r.reason });
      app.scale = r.value;
    }
  }
  const names = new Set(app.chapter.controls.map((c) => c.name));
  for (const name of Object.keys(values).slice(0, 200)) {
    if (!names.has(name)) rejected.push({ name: String(name).slice(0, 80), reason: `${app.chapter.id} has no control of that name` });
  }
  // presets first, so that values given beside a preset win over the ones it implies
  const given = app.chapter.controls.filter((c) => Object.hasOwn(values, c.name));
  given.sort((a, b) => Number(!presetOf(a, String(values[a.name]))) - Number(!presetOf(b, String(values[b.name]))));
  for (const c of given) {
    const v = values[c.name];
    if (v === null || v === undefined || typeof v === "object" || typeof v === "function") {
      rejected.push({ name: c.name, reason: `${c.label}: ${Array.isArray(v) ? "a list" : "that"} is not a value of this control; kept ${app.state[c.name]}` });
      continue;
    }
    const r = app.wasm.classify(app.chapter.id, c.name, String(v));
    if (!r) continue;
    if (r.outcome === "invalid") rejected.push({ name: c.name, reason: `${r.reason}; kept ${app.state[c.name]}` });
    else if (r.outcome === "adjusted") { adjusted.push({ name: c.name, from: String(v).slice(0, 80), to: r.value, reason: r.reason }); setValue(c, r.value); }
    else setValue(c, r.value);
  }
  if (d.reset === true) syncControls();
  // the page says what it did not take as asked, in one line (until the next change by hand)
  const why = [...rejected, ...adjusted].map((x) => x.reason);
  app.notes = why.length ? [{ level: "warn", text: `From the slides: ${why.join("; ")}.` }] : [];
  reply({ type: "optlab:applied", chapter: app.chapter.id, state: { ...app.state }, scale: app.scale, rejected, adjusted });
  changed();
}

// Calls `fn` once no redraw is waiting or being computed.
function whenDrawn(fn) {
  if (!app.pending && !app.inflight && !app.dirty && !app.drawing && app.handover !== "running") fn();
  else requestAnimationFrame(() => whenDrawn(fn));
}

// The plots as one PNG, laid out as on the page, on the page's background (for a printed deck).
async function snapshot() {
  await drawAllNow();
  const images = new Map((await app.canvasImages()).map((x) => [x.id, x.bitmap]));
  const plots = $(".plots");
  const box = plots.getBoundingClientRect();
  const k = pixelRatio();
  const out = document.createElement("canvas");
  out.width = Math.max(1, Math.round(box.width * k));
  out.height = Math.max(1, Math.round(box.height * k));
  const ctx = out.getContext("2d");
  ctx.fillStyle = getComputedStyle(document.body).backgroundColor || "#fff";
  ctx.fillRect(0, 0, out.width, out.height);
  const alt = [];
  for (const cv of plots.querySelectorAll("canvas.plot")) {
    const r = cv.getBoundingClientRect();
    const image = images.get(cv.id);
    if (!r.width || !r.height || !image) continue;
    ctx.drawImage(image, (r.left - box.left) * k, (r.top - box.top) * k, r.width * k, r.height * k);
    const desc = cv.getAttribute("aria-describedby") && document.getElementById(cv.getAttribute("aria-describedby"));
    alt.push(desc ? desc.textContent : cv.getAttribute("aria-label") || "");
  }
  return { type: "optlab:snapshot", chapter: app.chapter.id, state: { ...app.state }, png: out.toDataURL("image/png"),
    width: Math.round(box.width), height: Math.round(box.height), alt: alt.filter(Boolean).join(" ") };
}

// Keys in an embed: the ones the chapter does not use go to the deck ({type: "optlab:key", key, keyCode,
// shiftKey}), so that a presenter's remote and the arrows still move the slides. PageUp/PageDown always (a remote
// sends them); Space and the arrows when focus is on no control (the page, a plot: a focused slider keeps its
// arrows, a button its Space); Escape (unless it closes the controls drawer) also returns focus to the deck.
const FORWARDED = { " ": 32, PageUp: 33, PageDown: 34, Escape: 27, ArrowLeft: 37, ArrowUp: 38, ArrowRight: 39, ArrowDown: 40 };
const USES_KEYS = "input, select, textarea, button, summary, a[href], [contenteditable], .formula";
function onKey(e) {
  if (!app.embed || window.parent === window || e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey) return;
  if (!Object.hasOwn(FORWARDED, e.key)) return;
  const t = document.activeElement;
  const onControl = !!t && t !== document.body && t.matches(USES_KEYS);
  if (!["PageUp", "PageDown", "Escape"].includes(e.key) && onControl) return;
  e.preventDefault();
  if (e.key === "Escape" && t && t !== document.body) t.blur();
  window.parent.postMessage({ type: "optlab:key", key: e.key, keyCode: FORWARDED[e.key], shiftKey: e.shiftKey }, "*");
}
document.addEventListener("keydown", onKey);

window.addEventListener("message", onMessage);
if (window.parent !== window) window.parent.postMessage({ type: "optlab:ready" }, "*");

// The canvases' sizes follow the chapter's width only (a height change, e.g. a message appearing, needs no
// redraw); in an embed they follow the plots' box, whose size changes only with the frame or the controls row.
const seen = new WeakMap();
const observer = new ResizeObserver((entries) => {
  let redraw = false;
  for (const en of entries) {
    const key = app.embed ? `${en.contentRect.width}x${en.contentRect.height}` : String(en.contentRect.width);
    if (seen.get(en.target) === key) continue;
    // (a canvas's first report is its size when the chapter was built, which its first drawing used)
    const first = !seen.has(en.target) && en.target.tagName === "CANVAS";
    seen.set(en.target, key);
    if (first) continue;
    if (app.embed && en.target.id === "chapter") fitControls();
    redraw = true;
    app.sized = null;
  }
  if (redraw) schedule();
});

// A Rust panic (src/web's panic hook dispatches "optlab:panic" with the panic's message; the console has its
// cause) or any other WebAssembly trap leaves the core unusable: stop drawing, write the state into the link
// at once, and show a banner (text only) whose button reloads that link, so nothing the user set is lost.
function showPanic(message) {
  const first = !app.panicked;
  app.panicked = true;
  app.playing = false;
  try { writeUrl(); } catch (e) { /* the link keeps the state it last held */ }
  if (!first) return; // the trap that follows a panic keeps the panic's message
  const reload = () => { try { writeUrl(); } catch (e) { /* as above */ } location.reload(); };
  document.body.prepend(el("div", { id: "panic", class: "panic", role: "alert" },
    el("p", { text: "optlab hit an internal error and stopped drawing. Everything you set is kept in this page's link: " +
      "reload it to continue from the same state, and please report the message below together with the link." }),
    el("pre", { id: "panic-message", text: String(message) }),
    el("button", { type: "button", id: "panic-reload", text: "Reload this state", onclick: reload })));
  $("#panic-reload").focus();
}
window.addEventListener("optlab:panic", (e) => showPanic(e.detail));
const isTrap = (err) => typeof WebAssembly !== "undefined" && err instanceof WebAssembly.RuntimeError;
window.addEventListener("error", (e) => { if (isTrap(e.error)) showPanic(`WebAssembly stopped: ${e.error.message}`); });
window.addEventListener("unhandledrejection", (e) => { if (isTrap(e.reason)) showPanic(`WebAssembly stopped: ${e.reason.message}`); });

function boot(raw) {
  app.wasm = window.wasmBindings;
  core.session = new app.wasm.Session();
  app.infos = app.wasm.chapters();
  app.embed = raw.embed === "1" || raw.embed === "true";
  app.theme = ["light", "dark", "projector", "auto"].includes(raw.theme) ? raw.theme : "auto";
  app.hide = new Set((raw.hide || "").split(",").map((s) => s.trim()).filter(Boolean));
  app.layout = app.embed && raw.layout === "plots" ? "plots" : "";
  document.body.classList.toggle("embed", app.embed);
  document.body.classList.toggle("plots-only", app.layout === "plots");
  applyTheme();
  $("#theme").addEventListener("change", (e) => { app.theme = e.target.value; applyTheme(); changed(); });
  darkScheme.addEventListener("change", () => { applyTheme(); schedule(); });
  const controls = {};
  for (const [k, v] of Object.entries(raw)) if (!SHELL_KEYS.has(k)) controls[k] = v;
  app.linkRaw = { ...controls };
  let scaleNote = null;
  if (raw.scale !== undefined) {
    const r = readScale(raw.scale);
    app.scale = r.value === undefined ? 1 : r.value;
    if (r.reason) scaleNote = { level: "warn", text: r.value === undefined ? `${r.reason}; using 1` : r.reason };
  }
  // a deck's messages sent before the wasm started are applied before the first drawing, so that a frame that
  // reveal.js reloads draws (and says optlab:rendered) once, at the deck's state
  const waiting = early.splice(0);
  start(raw.chapter, controls, false, waiting.length === 0);
  if (scaleNote) app.notes.push(scaleNote);
  document.body.dataset.ready = "true";
  for (const e of waiting) onMessage(e);
  if (scaleNote && !waiting.length) render();
}

// This file is the page's only script besides KaTeX (the Content-Security-Policy in index.html allows no
// inline script): Trunk writes the tag that loads it, with the names of the wasm-bindgen glue and the wasm
// (Trunk.toml, pattern_script), and the wasm is started here, after the message listener above exists.
// The module is compiled once: this thread starts it for the chapters' descriptions and checks, and hands it to
// the worker that computes and draws (see `core`), which starts it too. `?worker=0` keeps everything on this
// thread (as in a browser without OffscreenCanvas).
async function load() {
  const tag = document.querySelector("script[data-js][data-wasm]");
  const raw = query();
  app.noWorker = raw.worker === "0";
  const canHandOver = typeof OffscreenCanvas === "function" && typeof Worker === "function" &&
    typeof HTMLCanvasElement.prototype.transferControlToOffscreen === "function";
  let worker = null;
  try {
    if (!tag) throw new Error("the page does not name its WebAssembly (build it with `trunk build --release`)");
    const js = new URL(tag.dataset.js, document.baseURI).href, wasmUrl = new URL(tag.dataset.wasm, document.baseURI);
    // (the worker script and the glue load while the wasm compiles)
    if (canHandOver && !app.noWorker) worker = spawnWorker(js);
    const glue = import(js);
    const module = await WebAssembly.compileStreaming(fetch(wasmUrl))
      .catch(async () => WebAssembly.compile(await (await fetch(wasmUrl)).arrayBuffer()));
    performance.mark("optlab:compiled"); // (marks of the start-up's steps, for the speed bench's cold start)
    if (worker) {
      Object.assign(app, { module, glueUrl: js }); // (for a worker that replaces this one: see renew)
      app.handover = "starting";
      startWorker(worker, js, module).then((ok) => {
        if (ok) { pendingWorker = worker; app.handover = "ready"; handOver(); } else { worker.terminate(); app.handover = "off"; }
      });
    }
    const bindings = await glue;
    await bindings.default({ module_or_path: module });
    window.wasmBindings = bindings;
    performance.mark("optlab:started");
  } catch (err) {
    const p = $("#loading");
    if (p) Object.assign(p, { className: "msg error", textContent: `The optimizers could not be loaded: ${err && err.message ? err.message : err}` });
    return;
  }
  boot(raw);
  performance.mark("optlab:booted");
}
// A worker that starts loading the wasm-bindgen glue `js` at once (startWorker then starts it on the module).
function spawnWorker(js) {
  const worker = new Worker(new URL("worker.js", document.baseURI), { type: "module" });
  worker.postMessage({ type: "glue", js });
  return worker;
}
// Resolves true once the worker has started the module, false if it cannot (the page then draws on this thread).
function startWorker(worker, js, module) {
  return new Promise((resolve) => {
    worker.onerror = (e) => { e.preventDefault(); resolve(false); };
    worker.onmessage = (e) => {
      const d = e.data;
      if (d && d.type === "ready") { worker.onmessage = (m) => core.answer(m.data); resolve(true); } else resolve(false);
    };
    worker.postMessage({ type: "init", js, module });
  });
}
load();
