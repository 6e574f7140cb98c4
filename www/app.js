// optlab's thin shell: builds each chapter's controls from the descriptions the wasm core gives, keeps the
// state in the URL, and asks the core to compute and draw on every change (at most once per frame).
// No optimizer math lives here. Text from the URL is only ever shown as text (textContent), never run.

const SHELL_KEYS = new Set(["chapter", "embed", "theme", "hide"]);
const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
};

const app = {
  wasm: null, session: null, infos: [], chapter: null, state: {}, hide: new Set(),
  embed: false, theme: "auto", pending: false, urlPending: false, lastRender: null, renders: 0, playing: false,
  // messages about the link that opened the chapter (bad values, unknown chapter): shown on every render
  // (a resize re-renders at once) until the user changes a control
  notes: [],
};
window.optlab = app; // for tests and slide decks

function query() {
  const q = new URLSearchParams(location.search);
  const raw = {};
  for (const [k, v] of q) raw[k] = v;
  return raw;
}

function effectiveTheme() {
  if (app.theme === "auto") return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  return app.theme;
}

function applyTheme() {
  const t = effectiveTheme();
  if (document.documentElement.dataset.theme !== t) {
    for (const d of document.querySelectorAll(".intro details")) d.open = t !== "projector";
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
  urlTimer = setTimeout(writeUrl, 200);
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
  for (const c of app.chapter.controls) if (!tooLongForLink(c, app.state[c.name])) q.set(c.name, app.state[c.name]);
  const search = "?" + queryText(q);
  if (search !== location.search) history.replaceState(null, "", search);
}

// Commas need no escaping in a query string: "x0=1,1" and CSV rows stay readable (and short) in a link.
function queryText(q) { return q.toString().replace(/%2C/gi, ","); }
// A text box's content travels in the link only while its encoding is at most the control's url_max.
function linkLength(c, v) { return queryText(new URLSearchParams([[c.name, v || ""]])).length - c.name.length - 1; }
function tooLongForLink(c, v) { return c.kind.type === "text" && linkLength(c, v) > c.kind.url_max; }

// Sliders for log ranges move in log10 space; everything else holds the value itself.
function toSlider(c, v) {
  const k = c.kind;
  if (k.type === "range" && k.log) return Math.log10(Math.max(Number(v), k.min));
  return v;
}
function fromSlider(c, s) {
  const k = c.kind;
  if (k.type === "range" && k.log) return String(Number(Math.pow(10, Number(s)).toPrecision(3)));
  return String(s);
}
function showValue(c, v) {
  const n = Number(v);
  if (c.kind.type === "range" && Number.isFinite(n)) {
    const a = Math.abs(n);
    return (a !== 0 && (a < 1e-3 || a >= 1e5)) ? n.toExponential(2) : String(Number(n.toPrecision(4)));
  }
  if (c.kind.type === "toggle") return v === "true" ? "on" : "off";
  if (c.kind.type === "select") return "";
  if (c.kind.type === "text") {
    const lines = String(v || "").split("\n").filter((l) => l.trim()).length;
    return lines ? `${lines} line${lines === 1 ? "" : "s"}` : "empty";
  }
  return v;
}

function controlRow(c) {
  const id = `ctl-${c.name}`;
  const k = c.kind;
  if (k.type === "text") return textRow(c, id);
  let input;
  if (k.type === "range" || k.type === "int") {
    const log = k.type === "range" && k.log;
    input = el("input", {
      type: "range", id, name: c.name,
      min: log ? Math.log10(k.min) : k.min, max: log ? Math.log10(k.max) : k.max,
      step: k.type === "int" ? 1 : k.step,
    });
  } else if (k.type === "select") {
    input = el("select", { id, name: c.name });
    for (const [v, label] of k.options) input.append(el("option", { value: v, text: label }));
  } else if (k.type === "toggle") {
    input = el("input", { type: "checkbox", id, name: c.name });
  } else {
    input = el("input", { type: "text", id, name: c.name, inputmode: "decimal", autocomplete: "off", spellcheck: "false" });
  }
  const out = el("output", { for: id, class: "value", "aria-live": "off" });
  const range = k.type === "range" ? `${fmt(k.min)} to ${fmt(k.max)}${k.log ? " (log scale)" : ""}`
    : k.type === "int" ? `${k.min} to ${k.max}` : k.type === "point" ? `x, y in [${k.min}, ${k.max}]` : "";
  const hint = el("span", { class: "hint", text: [c.unit, range, c.help].filter(Boolean).join(" · ") });
  const row = el("div", { class: "control", "data-name": c.name },
    el("label", { for: id }, el("span", { class: "label", text: c.label }), out), input, hint);
  if (k.type === "toggle") row.classList.add("toggle");
  const onChange = () => {
    let v;
    if (k.type === "toggle") v = input.checked ? "true" : "false";
    else if (k.type === "range" || k.type === "int") v = fromSlider(c, input.value);
    else v = input.value;
    setValue(c, v);
    app.notes = [];
    out.textContent = showValue(c, v);
    if (input.type === "range") input.setAttribute("aria-valuetext", valueText(c, v)); // now, not a frame late
    schedule();
  };
  input.addEventListener(k.type === "point" ? "change" : "input", onChange);
  return row;
}

// A text box (e.g. CSV rows) with a button that loads a file's text into it. The core checks the text
// (`normalize`) a moment after typing stops, or at once for a file: valid text becomes the state; otherwise
// the error is shown under the box (as text) and the last valid text stays in use, so nothing else is lost.
function textRow(c, id) {
  const k = c.kind;
  const input = el("textarea", { id, name: c.name, rows: k.rows, placeholder: k.placeholder, spellcheck: "false",
    autocomplete: "off", "aria-describedby": `${id}-status ${id}-hint` });
  const out = el("output", { for: id, class: "value", "aria-live": "off" });
  const status = el("p", { id: `${id}-status`, class: "text-status", role: "status", "aria-live": "polite" });
  const note = el("p", { class: "text-note" });
  const file = el("input", { type: "file", accept: ".csv,.txt,text/csv,text/plain", class: "visually-hidden" });
  const load = el("label", { class: "file-button" }, el("span", { text: "Load from a file…" }), file);
  const row = el("div", { class: "control text", "data-name": c.name },
    el("label", { for: id }, el("span", { class: "label", text: c.label }), out), input,
    el("div", { class: "text-tools" }, load), status, note,
    el("span", { class: "hint", id: `${id}-hint`, text: [c.unit, `at most ${k.max_chars} characters`, c.help].filter(Boolean).join(" · ") }));
  const say = (level, text) => { status.className = `text-status ${level}`; status.textContent = text; };
  let timer = 0;
  const commit = (text) => {
    clearTimeout(timer);
    const n = app.wasm.normalize(app.chapter.id, { [c.name]: text });
    if (n.messages.length) {
      row.dataset.draft = "1";
      say("error", `${n.messages.map((m) => m.text).join(" ")} The last valid text stays in use.`);
      return;
    }
    delete row.dataset.draft;
    say("", "");
    if (app.state[c.name] === text) return;
    app.state[c.name] = text;
    app.notes = [];
    out.textContent = showValue(c, text);
    schedule();
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => commit(input.value), 400); });
  input.addEventListener("change", () => commit(input.value));
  file.addEventListener("change", async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    file.value = ""; // so that loading the same file again fires a change
    if (f.size > 4 * k.max_chars) {
      row.dataset.draft = "1";
      say("error", `The file “${f.name}” has ${f.size} bytes; this box takes at most ${k.max_chars} characters. The last valid text stays in use.`);
      return;
    }
    input.value = await f.text();
    commit(input.value);
  });
  return row;
}

// A text box shows its state unless it holds a draft the core refused (or the user is typing in it); the
// note says when the text is too long to travel in a link.
function syncText(c, row, v) {
  const box = $("textarea", row);
  if (!row.dataset.draft && document.activeElement !== box && box.value !== v) box.value = v;
  const len = linkLength(c, v);
  $(".text-note", row).textContent = len > c.kind.url_max
    ? `Too long to share by link (${len} characters once encoded; a link carries at most ${c.kind.url_max}): it stays in this page but not in the link, which opens without it. “Copy spec” holds all of it.`
    : "";
}

// A preset option of a select also sets the controls it implies (the core's `sets`), which then show those
// values; any of them may be changed afterwards (the core then shows the select's default, e.g. "custom").
function presetOf(c, v) { return c.kind.type === "select" && (c.kind.sets || []).find(([o]) => o === v); }
function setValue(c, v) {
  app.state[c.name] = v;
  const preset = presetOf(c, v);
  if (preset) for (const [name, value] of preset[1]) app.state[name] = value;
}

// A slider's value as a screen reader should read it: "learning rate η = 1.05, log scale".
function valueText(c, v) {
  return `${c.label} = ${showValue(c, v) || v}${c.kind.type === "range" && c.kind.log ? ", log scale" : ""}`;
}

function fmt(x) { return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(0) : String(x); }

function syncControls() {
  for (const c of app.chapter.controls) {
    const row = $(`.control[data-name="${c.name}"]`);
    if (!row) continue;
    if (c.kind.type === "text") {
      syncText(c, row, app.state[c.name]);
      $("output", row).textContent = showValue(c, app.state[c.name]);
      row.hidden = (c.when && !c.when[1].includes(app.state[c.when[0]])) || app.hide.has(c.name);
      continue;
    }
    const input = $("input,select", row);
    const v = app.state[c.name];
    if (c.kind.type === "toggle") input.checked = v === "true";
    else if (document.activeElement !== input) input.value = toSlider(c, v);
    $("output", row).textContent = showValue(c, v);
    const visible = !c.when || c.when[1].includes(app.state[c.when[0]]);
    row.hidden = !visible || app.hide.has(c.name);
    // only sliders take aria-valuetext (a select or checkbox announces its own value)
    if (input.type === "range") input.setAttribute("aria-valuetext", valueText(c, v));
  }
}

// A live value in TeX: "1.00e-8" is written 1.00×10⁻⁸ (KaTeX would set "e" as a variable and "-" as a minus).
function texValue(v) {
  const m = /^(-?[\d.]+)e([+-]?)(\d+)$/i.exec(String(v));
  return m ? `${m[1]}\\times 10^{${m[2] === "-" ? "-" : ""}${Number(m[3])}}` : v;
}

function renderFormulas(values) {
  const map = Object.fromEntries(values || []);
  const live = (k) => (k in map ? map[k] : (k in app.state ? app.state[k] : null));
  for (const f of document.querySelectorAll(".formula")) {
    // captions may name live values too (as plain text)
    $(".caption", f).textContent = f.dataset.caption.replace(/\{([a-z_0-9]+)\}/g, (m, k) => live(k) ?? m);
    // A brace group right after a command, another group, ^ or _ is a TeX argument (\tfrac{m}{n}, x^{k},
    // \mathrm{sign}), never a placeholder, even when a control has that name.
    const tex = f.dataset.tex.replace(/(?<![A-Za-z}^_])\{([a-z_0-9]+)\}/g, (m, k) => (live(k) === null ? m : texValue(live(k))));
    // typesetting costs ~1 ms a formula: only formulas whose live values changed are typeset again
    if (f.dataset.shown === tex) continue;
    const target = $(".tex", f);
    if (window.katex) {
      try {
        target.replaceChildren(...typeset(tex));
        f.dataset.shown = tex;
        continue;
      } catch (e) { /* fall through */ }
    }
    target.textContent = tex;
  }
}

// KaTeX's output by TeX string, cloned on reuse: a slider moved back and forth, or a chapter opened again,
// shows strings already typeset (typesetting costs ~1 ms a formula, a clone a few µs).
const texCache = new Map();
function typeset(tex) {
  let node = texCache.get(tex);
  if (!node) {
    node = document.createElement("span");
    window.katex.render(tex, node, { throwOnError: false, trust: false, displayMode: false });
    if (texCache.size >= 500) texCache.clear();
    texCache.set(tex, node);
  }
  return [...node.cloneNode(true).childNodes];
}

function sizeCanvases() {
  const dpr = window.devicePixelRatio || 1;
  for (const cv of document.querySelectorAll("canvas.plot")) {
    const w = Math.max(200, cv.clientWidth);
    const h = Math.round(w * Number(cv.dataset.aspect || 0.6));
    cv.style.height = h + "px";
    const W = Math.round(w * dpr), H = Math.round(h * dpr);
    if (cv.width !== W || cv.height !== H) { cv.width = W; cv.height = H; }
  }
  return dpr;
}

function schedule() {
  if (app.pending) return;
  app.pending = true;
  requestAnimationFrame(() => { app.pending = false; render(); });
}

function render() { show(null); }

// Draws the chapter; for a live chapter, `steps` > 0 first advances its run (bounded to ~10 ms).
function show(steps) {
  const t0 = performance.now();
  const dpr = sizeCanvases();
  const r = steps
    ? app.session.tick(app.chapter.id, app.state, effectiveTheme(), dpr, steps, 10)
    : app.session.render(app.chapter.id, app.state, effectiveTheme(), dpr);
  if (r.progress) showProgress(r.progress);
  app.state = Object.assign({}, app.state, r.state);
  syncControls();
  const ro = $("#readout");
  ro.replaceChildren();
  for (const line of r.readout) {
    ro.append(el("dt", { text: line.label }), el("dd", { text: line.value, class: line.tone }));
  }
  // replaced only when its text changes, so that a screen reader does not announce the same note at every step
  const msgs = $("#messages");
  const notes = [...app.notes, ...r.messages];
  const key = notes.map((m) => `${m.level}:${m.text}`).join("\n");
  if (msgs.dataset.key !== key) {
    msgs.dataset.key = key;
    msgs.replaceChildren(...notes.map((m) => el("p", { class: `msg ${m.level}`, text: m.text })));
  }
  renderFormulas(r.values);
  // for the speed bench: ms from navigation to the frame that shows the page's first plots
  if (!app.renders) requestAnimationFrame(() => { app.firstDrawMs = performance.now(); });
  updateUrl();
  app.renders += 1;
  app.lastRender = { compute_ms: r.compute_ms, draw_ms: r.draw_ms, draw_parts: r.draw_parts, fields_computed: r.fields_computed, total_ms: performance.now() - t0 };
  $("#timing").textContent = `computed in ${r.compute_ms.toFixed(1)} ms, drawn in ${r.draw_ms.toFixed(1)} ms`;
  if (window.parent !== window) {
    window.parent.postMessage({ type: "optlab:rendered", chapter: app.chapter.id, state: app.state }, "*");
  }
}

// Live chapters (training): play / pause / step / reset, advancing in bounded slices per animation frame.
function showProgress([done, total]) {
  const p = $("#progress");
  if (!p) return;
  p.max = Math.max(1, total);
  p.value = done;
  $("#progress-text").textContent = `step ${done} of ${total}`;
  if (done >= total && app.playing) setPlaying(false);
}
function setPlaying(on) {
  app.playing = on;
  const b = $("#play");
  if (b) { b.textContent = on ? "Pause" : "Play"; b.setAttribute("aria-pressed", String(on)); }
  if (on) requestAnimationFrame(liveLoop);
}
// With prefers-reduced-motion the plots are redrawn twice a second instead of every frame.
const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
let lastLiveDraw = 0;
function liveLoop(now) {
  if (!app.playing || !app.chapter.live) return;
  if (!reducedMotion.matches || !now || now - lastLiveDraw >= 500) {
    lastLiveDraw = now || performance.now();
    show(Math.max(1, Number(app.state.speed) || 10) * (reducedMotion.matches ? 30 : 1));
  }
  if (app.playing) requestAnimationFrame(liveLoop);
}
function liveBar() {
  return el("div", { class: "live", role: "group", "aria-label": "training" },
    el("button", { type: "button", id: "play", "aria-pressed": "false", text: "Play", onclick: () => setPlaying(!app.playing) }),
    el("button", { type: "button", text: "Step", onclick: () => { setPlaying(false); show(1); } }),
    el("button", { type: "button", text: "Restart", onclick: () => { setPlaying(false); app.session.reset_live(); render(); } }),
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
}

function buildChapter(info) {
  const main = $("#chapter");
  main.replaceChildren();
  // In projector mode the introduction and the try-this list start folded, so that a 1280×720 screen shows the
  // plots; elsewhere they start open (applyTheme keeps this in step with the theme).
  const folded = effectiveTheme() === "projector";
  const head = el("section", { class: "intro" },
    el("h1", { text: info.title }),
    el("details", { class: "about", ...(folded ? {} : { open: "" }) }, el("summary", { text: "About this chapter" }), el("p", { text: info.intro })));
  const tryList = el("ul");
  for (const t of info.try_this) tryList.append(el("li", { text: t }));
  head.append(el("details", { class: "try", ...(folded ? {} : { open: "" }) }, el("summary", { text: "Try this" }), tryList));
  // scrollable, so reachable by keyboard
  const formulas = el("div", { class: "formulas", tabindex: "0", role: "region", "aria-label": "formulas with the live values" });
  for (const f of info.formulas) {
    formulas.append(el("div", { class: "formula", "data-tex": f.tex, "data-caption": f.caption },
      el("span", { class: "caption", text: f.caption }), el("span", { class: "tex" })));
  }
  const controls = el("form", { class: "controls", "aria-label": "controls", onsubmit: (e) => e.preventDefault() });
  for (const c of info.controls) controls.append(controlRow(c));
  const plots = el("div", { class: "plots" });
  for (const cv of info.canvases) {
    const canvas = el("canvas", {
      id: `cv-${info.id}-${cv.id}`, class: "plot", role: "img", "aria-label": cv.label, "data-aspect": cv.aspect,
    });
    if (cv.clickable) {
      canvas.classList.add("clickable");
      canvas.addEventListener("click", (e) => {
        const rect = canvas.getBoundingClientRect();
        const k = canvas.width / rect.width;
        const upd = app.session.click(info.id, cv.id, (e.clientX - rect.left) * k, (e.clientY - rect.top) * k, app.state);
        if (Object.keys(upd).length) { Object.assign(app.state, upd); app.notes = []; schedule(); }
      });
    }
    const png = el("button", { type: "button", class: "small", text: "PNG", "aria-label": `export ${cv.id} as PNG`,
      onclick: () => canvas.toBlob((b) => { const a = el("a", { href: URL.createObjectURL(b), download: `optlab-${info.id}-${cv.id}.png` }); document.body.append(a); a.click(); a.remove(); }) });
    plots.append(el("figure", {}, canvas, el("figcaption", {}, el("span", { text: cv.label }), png)));
  }
  const tools = el("div", { class: "tools" },
    el("button", { type: "button", text: "Copy link", onclick: () => { writeUrl(); copy(location.href, "Link"); } }),
    el("button", { type: "button", text: "Copy spec", title: `the JSON that \`optlab ${info.live ? "train" : "run"}\` accepts`, onclick: () => copy(app.session.spec_json(), "Spec") }),
    el("button", { type: "button", text: "Export CSV", onclick: () => download(`optlab-${info.id}.csv`, app.session.export("csv"), "text/csv") }),
    el("button", { type: "button", text: "Export JSON", onclick: () => download(`optlab-${info.id}.json`, app.session.export("json"), "application/json") }),
    el("button", { type: "button", text: "Reset", onclick: () => { app.state = {}; start(info.id, {}, true); } }));
  const side = el("aside", { class: "side" }, formulas, controls, tools);
  if (info.live) side.prepend(liveBar());
  const results = el("section", { class: "results", "aria-label": "results" },
    el("div", { id: "messages", role: "status", "aria-live": "polite" }),
    plots,
    el("h2", { text: "Convergence" }),
    el("dl", { id: "readout", class: "readout" }),
    el("p", { id: "timing", class: "timing" }));
  main.append(head, el("div", { class: "layout" }, side, results));
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
  // projector mode shows the list on one scrolling row: bring the current chapter into view
  const cur = $('#nav a[aria-current="page"]');
  if (cur && nav.scrollWidth > nav.clientWidth) nav.scrollLeft = Math.max(0, cur.offsetLeft - nav.offsetLeft - nav.clientWidth / 3);
}

// Opens a chapter. `moveFocus` (a chapter change or Reset, not the first load) puts focus on its heading, so
// that keyboard and screen-reader users land in the new chapter instead of on <body>.
function start(id, raw, moveFocus = false) {
  setPlaying(false);
  const info = app.infos.find((c) => c.id === id) || app.infos[0];
  const notes = [];
  if (id && info.id !== id) notes.push({ level: "warn", text: `There is no chapter “${id}”; showing “${info.title}”.` });
  app.chapter = info;
  const n = app.wasm.normalize(info.id, raw);
  app.state = n.state;
  app.notes = [...notes, ...n.messages];
  buildNav();
  buildChapter(info);
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
  render();
  document.title = `${info.title} · optlab`;
  if (moveFocus) {
    const h = $("#chapter h1");
    if (h) { h.setAttribute("tabindex", "-1"); h.focus({ preventScroll: false }); }
  }
}

// The slide-deck API: {type: "optlab:set", values: {name: value}} sets controls and is answered with
// {type: "optlab:applied", state, rejected: [{name, reason}], adjusted: [{name, from, to, reason}]}: an unknown
// name, an array or object, or a value that is no value of the control (checked by the core) is rejected and
// the control keeps its current value; an out-of-range value is clamped. {type: "optlab:get"} replies with
// {type: "optlab:state"}. Anything else is ignored.
window.addEventListener("message", (e) => {
  const d = e.data;
  if (!d || typeof d !== "object" || !app.chapter) return;
  if (d.type === "optlab:set" && d.values && typeof d.values === "object" && !Array.isArray(d.values)) {
    const rejected = [], adjusted = [];
    const names = new Set(app.chapter.controls.map((c) => c.name));
    for (const name of Object.keys(d.values).slice(0, 200)) {
      if (!names.has(name)) rejected.push({ name: String(name).slice(0, 80), reason: `${app.chapter.id} has no control of that name` });
    }
    // presets first, so that values given beside a preset win over the ones it implies
    const given = app.chapter.controls.filter((c) => Object.hasOwn(d.values, c.name));
    given.sort((a, b) => Number(!presetOf(a, String(d.values[a.name]))) - Number(!presetOf(b, String(d.values[b.name]))));
    for (const c of given) {
      const v = d.values[c.name];
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
    app.notes = [...rejected.map((x) => ({ level: "warn", text: x.reason })), ...adjusted.map((x) => ({ level: "warn", text: x.reason }))];
    schedule();
    if (e.source) e.source.postMessage({ type: "optlab:applied", chapter: app.chapter.id, state: { ...app.state }, rejected, adjusted }, "*");
  } else if (d.type === "optlab:get" && e.source) {
    e.source.postMessage({ type: "optlab:state", chapter: app.chapter.id, state: app.state }, "*");
  }
});

function boot() {
  app.wasm = window.wasmBindings;
  app.session = new app.wasm.Session();
  app.infos = app.wasm.chapters();
  const raw = query();
  app.embed = raw.embed === "1" || raw.embed === "true";
  app.theme = ["light", "dark", "projector", "auto"].includes(raw.theme) ? raw.theme : "auto";
  app.hide = new Set((raw.hide || "").split(",").map((s) => s.trim()).filter(Boolean));
  document.body.classList.toggle("embed", app.embed);
  applyTheme();
  $("#theme").addEventListener("change", (e) => { app.theme = e.target.value; applyTheme(); schedule(); });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => { applyTheme(); schedule(); });
  new ResizeObserver(() => schedule()).observe($("#chapter"));
  const controls = {};
  for (const [k, v] of Object.entries(raw)) if (!SHELL_KEYS.has(k)) controls[k] = v;
  start(raw.chapter, controls);
  document.body.dataset.ready = "true";
}

if (window.wasmBindings) boot();
else window.addEventListener("TrunkApplicationStarted", boot, { once: true });
