// The chapter's controls, built from the descriptions the wasm core gives (sliders, lists, boxes, text boxes),
// and the values they show: slider positions for log ranges, keyboard steps, presets that set other controls,
// and what a value is called in the link and for a screen reader. A change the user makes goes into the state
// and is drawn by the shell (`changed`, app.js). Text typed or loaded into a box is only ever shown as text.

import { $, el, setText } from "./dom.js";
import { fitControls } from "./fit.js";
import { app } from "./state.js";
// (app.js imports this module too: `changed` is one of its function declarations, which an import cycle of ES
// modules makes available from the start; nothing here calls it before a control changes)
import { changed } from "./app.js";

// Commas need no escaping in a query string: "x0=1,1" and CSV rows stay readable (and short) in a link.
export function queryText(q) { return q.toString().replace(/%2C/gi, ","); }
// A text box's content travels in the link only while its encoding is at most the control's url_max.
function linkLength(c, v) { return queryText(new URLSearchParams([[c.name, v || ""]])).length - c.name.length - 1; }
export function tooLongForLink(c, v) { return c.kind.type === "text" && linkLength(c, v) > c.kind.url_max; }

// Sliders for log ranges move in log10 space; everything else holds the value itself.
function toSlider(c, v) {
  const k = c.kind;
  if (k.type === "range" && k.log) return Math.log10(Math.max(Number(v), k.min));
  return v;
}
// A log slider's position becomes the roundest value within half a step of it (1, 2 or 3 significant digits):
// 10^-0.52 is 0.302, but 0.3 lies within half a step, so a slider moved back to 0.3 reads 0.3 again.
function fromSlider(c, s) {
  const k = c.kind;
  if (k.type === "range" && k.log) {
    const x = Math.pow(10, Number(s));
    for (const p of [1, 2, 3]) {
      const v = Number(x.toPrecision(p));
      if (Math.abs(Math.log10(v) - Number(s)) <= k.step / 2 + 1e-12) return String(v);
    }
    return String(Number(x.toPrecision(3)));
  }
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

export function controlRow(c) {
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
    app.keyed?.delete(input); // (the browser moved it: a step the keys left pending is overtaken)
    labelValue(c, input, out, v); // now, not a frame late
    setByUser(c, input, v);
  };
  input.addEventListener(k.type === "point" ? "change" : "input", onChange);
  if (input.type === "range" || input.type === "checkbox" || input.tagName === "SELECT") input.addEventListener("keydown", (e) => changeByKey(e, c, input, out));
  return row;
}

// A control changed by the keyboard. Left to the browser, a key moves a slider's thumb (or a list's choice, a
// box's tick) at once, in a frame of its own, and the drawing that answers the new value follows in the next
// frame: two frames of the page's work per change. With the worker, the page makes the change itself: the value
// goes to the core at once, and the control, the value shown beside its label and a slider's aria-valuetext
// change in the frame that shows the answer, or KEYED_MS after the key if the answer is slower (showKeyed). The
// keys and values are the browser's own: on a slider the arrow keys ± a step, Page Up/Down ± a tenth of the
// range, Home/End (the value clamped and rounded to the step by a slider of the same range); on a list the arrow
// keys the next or previous choice, Home/End the first or last (not on macOS, where the arrows open the list); on
// a box Space. tests/e2e/app.test.mjs checks them against controls the page leaves alone. In an embed, Page
// Up/Down go to the slide deck (onKey), as before; the pointer, typing a choice's first letters and assistive
// technology's increment and decrement are left to the browser.
const KEYED_MS = 50;
const STEP_KEYS = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 10, PageDown: -10, Home: -Infinity, End: Infinity };
const LIST_KEYS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: -Infinity, End: Infinity };
const ARROWS_OPEN_LISTS = /Mac|iPhone|iPad/.test(navigator.userAgentData?.platform || navigator.platform || "");
const stepper = document.createElement("input");
stepper.type = "range";
// What `key` makes of the control `input` now showing `from` (its value, choice or tick): the text to show,
// or null for no change.
function keyedValue(input, key, from) {
  if (input.type === "range") {
    const dir = STEP_KEYS[key];
    if (!dir) return null;
    const min = Number(input.min), max = Number(input.max), step = Number(input.step) || 1;
    const size = Math.abs(dir) === 10 ? Math.max((max - min) / 10, step) : step;
    Object.assign(stepper, { min: input.min, max: input.max, step: input.step });
    stepper.value = String(dir === Infinity ? max : dir === -Infinity ? min : Number(from) + Math.sign(dir) * size);
    return stepper.value; // (the browser's own clamping and rounding to the step)
  }
  if (input.tagName === "SELECT") {
    const dir = LIST_KEYS[key];
    if (!dir || ARROWS_OPEN_LISTS) return null;
    const open = [...input.options].filter((o) => !o.disabled && !o.hidden);
    const at = open.findIndex((o) => o.value === from);
    const to = dir === Infinity ? open.length - 1 : dir === -Infinity ? 0 : at < 0 ? -1 : at + dir;
    return to >= 0 && to < open.length ? open[to].value : null;
  }
  if (input.type === "checkbox" && key === " ") return from === "true" ? "false" : "true";
  return null;
}
function changeByKey(e, c, input, out) {
  if (!app.core.worker || e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return;
  if ((e.key === "PageUp" || e.key === "PageDown") && app.embed && window.parent !== window) return;
  const pending = app.keyed?.get(input);
  const from = pending ? pending.value : input.type === "checkbox" ? String(input.checked) : input.value;
  const value = keyedValue(input, e.key, from);
  if (value === null) return;
  e.preventDefault();
  if (value === from) return;
  const v = input.type === "range" ? fromSlider(c, value) : value;
  (app.keyed ??= new Map()).set(input, { c, out, value, v });
  if (!app.keyedLater) app.keyedLater = setTimeout(showKeyed, KEYED_MS);
  setByUser(c, input, v);
}
// A value the user set on control `c` (by `input`): into the state, and drawn.
function setByUser(c, input, v) {
  setValue(c, v);
  app.notes = [];
  input.optlabShown = undefined; // the input shows what the user set, not what syncControls last wrote
  changed();
}
// The value beside a control's label, and a slider's aria-valuetext, for value `v`.
function labelValue(c, input, out, v) {
  setText(out, showValue(c, v));
  if (input.type === "range") input.setAttribute("aria-valuetext", valueText(c, v));
}
// Shows the changes made by keys on their controls (see changeByKey).
export function showKeyed() {
  clearTimeout(app.keyedLater);
  app.keyedLater = 0;
  if (!app.keyed) return;
  for (const [input, { c, out, value, v }] of app.keyed) {
    if (app.state[c.name] !== v) continue; // (set since by other means: a deck's message)
    if (input.type === "checkbox") input.checked = value === "true";
    else if (input.value !== value) input.value = value;
    labelValue(c, input, out, v);
  }
  app.keyed = null;
}

// A text box (e.g. CSV rows) with a button that loads a file's text into it. The core checks the text
// (`normalize`) a moment after typing stops, or at once for a file: valid text becomes the state; otherwise
// the error is shown under the box (as text) and the last valid text stays in use, so nothing else is lost.
// Pastes of at least this many characters into a text box are checked by the core before they go in (textRow).
const LARGE_PASTE = 20000;

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
    changed();
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => commit(input.value), 400); });
  // A paste is checked before it reaches the box: the textarea's own insertion and layout are what froze the
  // page (a 4.3 MB paste 2.2 s, a 100,000-character one of 5,000 lines ~60 ms; tests/e2e/paste.mjs). Text that
  // would make the box longer than it takes is refused at once; a large paste (LARGE_PASTE characters or more)
  // goes in only when the core accepts the result (at most its row cap of lines, which the browser lays out
  // in a few ms), so the one that would be refused anyway never costs the layout.
  input.addEventListener("paste", (e) => {
    const pasted = e.clipboardData ? e.clipboardData.getData("text/plain") : "";
    const start = input.selectionStart, end = input.selectionEnd;
    const total = input.value.length - (end - start) + pasted.length;
    if (total > k.max_chars) {
      e.preventDefault();
      say("error", `Not pasted: the box would hold ${total} characters, more than the ${k.max_chars} it takes; larger data sets ` +
        "train with the command line (optlab train). The last valid text stays in use.");
      return;
    }
    if (pasted.length < LARGE_PASTE) return; // the browser inserts it as typed text
    const text = input.value.slice(0, start) + pasted + input.value.slice(end);
    const n = app.wasm.normalize(app.chapter.id, { [c.name]: text });
    if (n.messages.length) {
      e.preventDefault();
      say("error", `Not pasted: ${n.messages.map((m) => m.text).join(" ")} The last valid text stays in use.`);
    }
  });
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
  // (the length is kept with the text it was measured for: encoding a CSV on every change of another control
  // cost the training chapter 0.25 ms per change)
  if (row.optlabLink?.[0] !== v) row.optlabLink = [v, linkLength(c, v)];
  const len = row.optlabLink[1];
  setText($(".text-note", row), len > c.kind.url_max
    ? `Too long to share by link (${len} characters once encoded; a link carries at most ${c.kind.url_max}): it stays in this page but not in the link, which opens without it. “Copy spec” holds all of it.`
    : "");
}

// A preset option of a select also sets the controls it implies (the core's `sets`), which then show those
// values; any of them may be changed afterwards (the core then shows the select's default, e.g. "custom").
export function presetOf(c, v) { return c.kind.type === "select" && (c.kind.sets || []).find(([o]) => o === v); }
export function setValue(c, v) {
  app.state[c.name] = v;
  const preset = presetOf(c, v);
  if (preset) for (const [name, value] of preset[1]) app.state[name] = value;
}

// A slider's value as a screen reader should read it: "learning rate η = 1.05, log scale", "rotation = 30 °"
// (a unit that is the control's symbol, such as η, is not repeated after the value).
const SYMBOL = /^[\p{L}][\p{L}\p{N}₀-₉′_*]{0,5}$/u;
function valueText(c, v) {
  const unit = c.unit && !SYMBOL.test(c.unit) ? ` ${c.unit}` : "";
  return `${c.label} = ${showValue(c, v) || v}${unit}${c.kind.type === "range" && c.kind.log ? ", log scale" : ""}`;
}

function fmt(x) { return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(0) : String(x); }

export function syncControls() {
  let shown = false; // whether a control appeared or disappeared (an embed then lays out its controls again)
  for (const c of app.chapter.controls) {
    // each control's elements looked up once per chapter (a search of the page per control per change cost more)
    let found = app.rows.get(c.name);
    if (!found) {
      const row = $(`.control[data-name="${c.name}"]`);
      if (!row) continue;
      found = { row, input: $("input,select", row), out: $("output", row) };
      app.rows.set(c.name, found);
    }
    const { row, input, out } = found;
    if (c.kind.type === "text") {
      syncText(c, row, app.state[c.name]);
      setText(out, showValue(c, app.state[c.name]));
      const hidden = (c.when && !c.when[1].includes(app.state[c.when[0]])) || app.hide.has(c.name);
      if (row.hidden !== hidden) { row.hidden = hidden; shown = true; }
      continue;
    }
    const v = app.state[c.name];
    // written only when they differ: every write to the page costs style and layout in the next frame
    if (c.kind.type === "toggle") { if (input.checked !== (v === "true")) input.checked = v === "true"; }
    else if (document.activeElement !== input) {
      const to = String(toSlider(c, v));
      if (input.optlabShown !== to) { input.value = to; input.optlabShown = to; }
    }
    setText(out, showValue(c, v));
    const visible = !c.when || c.when[1].includes(app.state[c.when[0]]);
    const hidden = !visible || app.hide.has(c.name);
    if (row.hidden !== hidden) { row.hidden = hidden; shown = true; }
    if (input.type === "range") {
      const said = valueText(c, v);
      if (input.getAttribute("aria-valuetext") !== said) input.setAttribute("aria-valuetext", said);
    }
  }
  if (shown && app.embed) fitControls();
}
