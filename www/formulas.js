// The chapter's formulas: KaTeX typesetting of the lecture's TeX with the live values put in, done so that a
// change of a value rewrites that value alone (pieces, shapes and in-place patches), and the loading of KaTeX
// itself after the first plots. Values are set as TeX numbers; text from the page is never run.

import { $, el, idle, setText } from "./dom.js";
import { app } from "./state.js";

// A live value in TeX: "1.00e-8" is written 1.00×10⁻⁸ (KaTeX would set "e" as a variable and "-" as a minus).
function texValue(v) {
  const m = /^(-?[\d.]+)e([+-]?)(\d+)$/i.exec(String(v));
  return m ? `${m[1]}\\times 10^{${m[2] === "-" ? "-" : ""}${Number(m[3])}}` : v;
}

// A formula's TeX split at its live values: [TeX, name, TeX, name, …, TeX] (a `{name}` right after a command,
// another group, ^ or _ is a TeX argument such as the {n} of \tfrac{m}{n}, never a placeholder), or null when a
// piece would not be TeX on its own (a value inside a group, e.g. \text{{x}}, or between \left and \right).
const PLACEHOLDER = /(?<![A-Za-z}^_])\{([a-z_0-9]+)\}/g;
function splitTex(tex) {
  const parts = tex.split(PLACEHOLDER);
  const balanced = (s) => {
    let depth = 0;
    for (let i = 0; i < s.length; i++) {
      if (s[i] === "\\") i++;
      else if (s[i] === "{") depth++;
      else if (s[i] === "}" && --depth < 0) return false;
    }
    return depth === 0;
  };
  // \left … \right and \begin … \end pairs within one piece are fine (SAM's dual-norm formula), a pair split
  // between pieces is not
  const paired = (s) => ["left", "begin"].every((open) => {
    let depth = 0;
    for (const m of s.matchAll(/\\(left|right|begin|end)(?![A-Za-z])/g)) {
      if (m[1] === open) depth++;
      else if (m[1] === (open === "left" ? "right" : "end") && --depth < 0) return false;
    }
    return depth === 0;
  });
  const whole = (p, i) => i % 2 === 1 || (balanced(p) && paired(p));
  return parts.length > 1 && parts.every(whole) ? parts : null;
}

// The spans of a formula's TeX: each fixed piece typeset once, each live value in its own small span, so a
// change of η from 0.300 to 0.310 typesets and lays out "0.310" alone instead of the whole formula (about 200
// KaTeX elements). The pieces are glued with empty groups ({}), which give an =, + or × at a piece's edge the
// spacing it has inside the whole formula. A formula that cannot be split is one span, typeset whole.
// A line may also break after a comma and its quad (KaTeX breaks only after relations and operators): the part
// after it ("ε = 1e-8") moves to the next line instead of widening the formula's box.
function breakable(tex) { return tex.replace(/,\\(q?quad)(?![A-Za-z])/g, ",\\$1\\allowbreak "); }
export function formulaPieces(tex) {
  const parts = splitTex(tex);
  if (!parts) return [el("span", { class: "piece", "data-whole": breakable(tex) })];
  const last = parts.length - 1;
  // The punctuation right after a value is typeset with the value ("1.00,"): a line may break between two
  // pieces, and so after an = (as inside KaTeX) but never before the comma or bracket that follows a value.
  const after = parts.map((p, i) => (i % 2 === 0 && i > 0 ? /^[,;.)\]]*/.exec(p)[0] : ""));
  return parts.flatMap((p, i) => {
    if (i % 2) return [el("span", { class: "piece given", "data-name": p, "data-after": after[i + 1] })];
    const fixed = breakable(p.slice(after[i].length));
    if (!fixed.trim()) return [];
    return [el("span", { class: "piece", "data-fixed": `${i > 0 ? "{}" : ""}${fixed}${i < last ? "{}" : ""}` })];
  });
}

// Whether a formula is shown: one that belongs to some settings only (the training chapter's SAM, Lookahead,
// Muon and Newton steps, its two losses) while one of the controls it names has one of its values.
export function formulaShown(f) {
  return f.optlabWhen.length === 0 || f.optlabWhen.some(([name, values]) => values.includes(String(app.state[name])));
}

// Hides or shows an element that keeps its boxes while hidden (content-visibility in style.css: a formula of
// other settings, a value's earlier shapes): aria-hidden takes it out of the accessibility tree.
function keepHidden(e, hidden) {
  e.hidden = hidden;
  if (hidden) e.setAttribute("aria-hidden", "true");
  else e.removeAttribute("aria-hidden");
}
// A hidden formula is also no tab stop, even if it was a wide one.
export function hideFormula(f, hidden) {
  keepHidden(f, hidden);
  if (hidden) f.removeAttribute("tabindex");
}

const PENDING_TEX = "\\text{…}";
export function renderFormulas(values) {
  const map = Object.fromEntries(values || []);
  const live = (k) => (k in map ? map[k] : (k in app.state ? app.state[k] : null));
  // a value the core has not given (its answer while the digits load has none) shows as an ellipsis, not as
  // its name in italic letters
  const fill = (tex) => tex.replace(PLACEHOLDER, (m, k) => (live(k) === null ? PENDING_TEX : texValue(live(k))));
  let typesetAny = false, came = false, went = false;
  for (const f of document.querySelectorAll(".formula")) {
    const hidden = !formulaShown(f);
    if (f.hidden !== hidden) { hideFormula(f, hidden); if (hidden) went = true; else came = true; }
    // a hidden formula's fixed pieces are typeset while the page is idle (readyHiddenLater), its values when it
    // is shown; all wait for KaTeX (formulasNow)
    if (hidden || !app.katexState) continue;
    // captions may name live values too (as plain text)
    setText($(".caption", f), f.dataset.caption.replace(/\{([a-z_0-9]+)\}/g, (m, k) => live(k) ?? "…"));
    for (const piece of f.optlabPieces) {
      const d = piece.dataset;
      const k = d.name;
      const value = () => `${live(k) === null ? PENDING_TEX : texValue(live(k))}${d.after ? `${d.after}{}` : ""}`;
      if (k !== undefined ? showVariant(piece, value()) : showTex(piece, d.fixed ?? fill(d.whole))) typesetAny = true;
    }
  }
  if (typesetAny) checkWideLater();
  // A formula that went while none came (batch normalisation off, Lookahead back to a plain optimizer) leaves
  // the panel shorter: it starts a new floor (see formulaFloor), which observing the panel again reports after
  // the next layout. A formula that takes another's place (the training chapter's loss, SAM for Lookahead) keeps
  // the floor, so the taller of the two holds the controls where they were: the list just used stays under the
  // pointer, and Chromium repaints the formula, not the side column below it (training `loss`: 14.3, 14.8 ->
  // 11.8, 10.9 ms median per change, builds alternating in percontrol.mjs).
  const panel = $(".formulas");
  if (went && !came && panel) {
    panel.optlabFloor = 0;
    panel.style.minHeight = "";
    formulaFloor.unobserve(panel);
    formulaFloor.observe(panel);
  }
}

// A live value's piece keeps the last few shapes it has shown, each typeset in a span of its own, and shows one:
// a value whose TeX changes shape (Muon's momentum form, a Nesterov term that comes and goes) then shows a shape
// it had before by swapping two spans instead of building and laying out a new KaTeX subtree. A new value of the
// same shape as the one shown (η from 0.300 to 0.310) is written into it in place (patchChildren). A hidden
// shape keeps its boxes (content-visibility, style.css) and is out of the accessibility tree.
const SHAPES = 6;
function showVariant(piece, tex) {
  if (piece.dataset.shown === tex) return false;
  // (without KaTeX the TeX is shown as text, and the shapes are gone)
  const asText = () => { piece.optlabShapes = null; piece.optlabCurrent = null; return showTex(piece, tex); };
  if (!window.katex) return asText();
  const shapes = (piece.optlabShapes ??= new Map()); // TeX → span, least recently shown first
  const cur = piece.optlabCurrent;
  let v = shapes.get(tex);
  if (v) shapes.delete(tex);
  else if (cur && renumbered(cur, cur.optlabTex, tex)) {
    shapes.delete(cur.optlabTex);
    v = cur;
    v.optlabTex = tex;
  } else {
    let fresh;
    try { fresh = typeset(tex); } catch (e) { return asText(); }
    if (cur && sameShape(cur.childNodes, fresh)) {
      learnNumbers(cur, cur.optlabTex, tex, fresh);
      patchChildren(cur, fresh);
      shapes.delete(cur.optlabTex);
      v = cur;
    } else {
      if (!cur) piece.replaceChildren();
      v = el("span", { class: "shape" });
      v.append(...fresh);
      piece.append(v);
      if (shapes.size >= SHAPES) {
        const [oldTex, old] = shapes.entries().next().value;
        shapes.delete(oldTex);
        old.remove();
      }
    }
    v.optlabTex = tex;
  }
  shapes.set(tex, v);
  if (cur && cur !== v) keepHidden(cur, true);
  if (v.hidden) keepHidden(v, false);
  piece.optlabCurrent = v;
  piece.dataset.shown = tex;
  return true;
}
// Whether two lists of nodes have the same tree shape (node names and child counts), so that one can be patched
// into the other by rewriting texts and attributes.
function sameShape(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].nodeName !== b[i].nodeName || !sameShape(a[i].childNodes, b[i].childNodes)) return false;
  }
  return true;
}

// Typesets `tex` into `target` unless it shows it already (typesetting costs ~1 ms a formula); without KaTeX
// (its script failed to load) the TeX source is shown as text.
function showTex(target, tex) {
  if (target.dataset.shown === tex) return false;
  if (window.katex) {
    const was = target.dataset.shown;
    if (was !== undefined && renumbered(target, was, tex)) { target.dataset.shown = tex; return true; }
    try {
      const fresh = typeset(tex);
      if (was !== undefined && sameShape(target.childNodes, fresh)) learnNumbers(target, was, tex, fresh);
      patchChildren(target, fresh);
      target.dataset.shown = tex;
      return true;
    } catch (e) { /* fall through */ }
  }
  target.textContent = tex;
  return true;
}

// A formula is a tab stop (and then scrolls with the arrow keys) exactly while it is wider than its box: in most
// layouts none is, and Tab goes from the heading to the controls without a stop per formula. Checked after the frame that laid the formulas out (a new
// value, a new width, KaTeX's fonts), when reading their widths costs no layout of its own.
function checkWideLater() {
  if (app.wideCheck) return;
  app.wideCheck = requestAnimationFrame(() => setTimeout(() => {
    app.wideCheck = 0;
    const fs = [...document.querySelectorAll(".formula")];
    const wide = fs.map((f) => !f.hidden && f.scrollWidth > f.clientWidth + 1);
    fs.forEach((f, i) => {
      if (wide[i] === f.hasAttribute("tabindex")) return;
      if (wide[i]) f.setAttribute("tabindex", "0");
      else f.removeAttribute("tabindex");
    });
  }));
}
document.fonts?.addEventListener("loadingdone", checkWideLater);

// Makes `parent`'s children equal to the detached nodes `fresh`, keeping the nodes already there wherever the
// two trees have the same shape: a formula whose live value changed from 0.300 to 0.310 gets three text nodes
// and a few style attributes rewritten instead of a new subtree of ~200 KaTeX elements (which Chromium must
// style, build layout objects for and shape from scratch on every change).
function patchChildren(parent, fresh) {
  const old = parent.childNodes;
  if (old.length !== fresh.length) { parent.replaceChildren(...fresh); return; }
  for (let i = 0; i < fresh.length; i++) {
    const a = old[i], b = fresh[i];
    if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName || (a.nodeType !== Node.TEXT_NODE && a.nodeType !== Node.ELEMENT_NODE)) {
      parent.replaceChild(b, a);
    } else if (a.nodeType === Node.TEXT_NODE) {
      if (a.data !== b.data) a.data = b.data;
    } else {
      // (style through the CSSOM, as KaTeX sets it: the Content-Security-Policy refuses style attributes)
      for (const { name, value } of b.attributes) {
        // (compared as attribute text, which KaTeX's CSSOM writes produced on both sides: reading cssText
        // serialises the declarations anew on every call)
        if (name === "style") { if (a.getAttribute("style") !== value) a.style.cssText = value; }
        else if (a.getAttribute(name) !== value) a.setAttribute(name, value);
      }
      for (const name of a.getAttributeNames()) if (!b.hasAttribute(name)) a.removeAttribute(name);
      patchChildren(a, [...b.childNodes]);
    }
  }
}

// Most changes of a live value change only its digits (η from 0.300 to 0.310), and KaTeX's output then differs
// only in the text of the numbers' nodes: the MathML's and the HTML's, each in the TeX's order, and the TeX itself
// in the MathML's annotation. Such a change is written into the nodes directly, without typesetting (~0.5-1 ms a
// piece, most of a value's cost). Which TeX forms allow it is learnt, not assumed: the first time a form (the TeX
// with each number replaced by #) changes value, it is typeset as before, and the form is kept only if writing the
// new numbers into the old nodes gives exactly KaTeX's new output, compared as HTML, and its numbers are pairwise
// different (so that a node that took the wrong number would have shown). Digits all have the same height in
// KaTeX's fonts, so the boxes' struts do not depend on them; a sign, exponent or other change of form is typeset.
const NUMBER = /\d+(?:\.\d+)?|\.\d+/g;
const numberForm = (tex) => tex.replace(NUMBER, "#");
const byNumbers = new Set(); // forms whose output changes only in the numbers' text nodes
const notByNumbers = new Set(); // forms found not to (checked once)
// (the nodes are all found and counted before any is written: a false answer leaves `root` as it was)
function writeNumbers(root, tex) {
  const nums = tex.match(NUMBER) || [];
  const parts = root.querySelectorAll(".katex-mathml, .katex-html");
  if (!parts.length) return false;
  const writes = [];
  for (const part of parts) {
    let i = 0;
    const walk = document.createTreeWalker(part, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (n.parentNode.nodeName === "annotation") { writes.push([n, tex]); continue; }
      if (!/^[\d.]+$/.test(n.data)) continue;
      if (i >= nums.length) return false;
      writes.push([n, nums[i++]]);
    }
    if (i !== nums.length) return false;
  }
  for (const [n, text] of writes) if (n.data !== text) n.data = text;
  return true;
}
// Writes `tex`'s numbers into `root`, which shows `was`, when their form is one learnt (see learnNumbers).
function renumbered(root, was, tex) {
  const form = numberForm(tex);
  if (was === undefined || form !== numberForm(was) || !byNumbers.has(form) || !writeNumbers(root, tex)) return false;
  app.renumbered = (app.renumbered || 0) + 1; // (for the e2e test that compares them with KaTeX's own output)
  return true;
}
// Learns `tex`'s form when writing its numbers into a copy of `root` (showing `was`) gives `fresh`, KaTeX's output.
function learnNumbers(root, was, tex, fresh) {
  const form = numberForm(tex);
  if (was === undefined || byNumbers.has(form) || notByNumbers.has(form) || form !== numberForm(was)) return;
  const nums = tex.match(NUMBER) || [];
  if (!nums.length || new Set(nums).size !== nums.length) return; // (tried again at a later value)
  const copy = root.cloneNode(true);
  const same = writeNumbers(copy, tex) && copy.innerHTML === fresh.map((n) => n.outerHTML ?? n.data).join("");
  (same ? byNumbers : notByNumbers).add(form);
}

// KaTeX's output by TeX string, cloned on reuse: a slider moved back and forth, or a chapter opened again,
// shows strings already typeset (typesetting costs ~1 ms a formula, a clone a few µs). At most 500 strings,
// the least recently used dropped first (a Map keeps insertion order), so the heap levels off instead of
// swinging with a full clear.
const texCache = new Map();
function typeset(tex) {
  let node = texCache.get(tex);
  if (node) texCache.delete(tex);
  else {
    node = document.createElement("span");
    window.katex.render(tex, node, { throwOnError: false, trust: false, displayMode: false });
    if (texCache.size >= 500) texCache.delete(texCache.keys().next().value);
  }
  texCache.set(tex, node);
  return [...node.cloneNode(true).childNodes];
}

// The formula panel keeps the tallest height it has had at its width: a control whose formula gains or loses a
// line (Muon's Nesterov term, a landscape's longer f) would otherwise move every control below it, the one just
// clicked included, and make Chromium lay out and repaint the side column (Muon's Nesterov toggle: 26.4 -> 18.2 ms
// of main-thread time per change in a trace of 30). Read after layout (a ResizeObserver: no forced layout); a new
// width (a resize, another scale) starts again from the panel's own height.
export const formulaFloor = new ResizeObserver((entries) => {
  checkWideLater();
  for (const { target, borderBoxSize } of entries) {
    const { inlineSize: w, blockSize: h } = borderBoxSize[0];
    if (target.optlabFloorWidth !== w) {
      target.optlabFloorWidth = w;
      target.optlabFloor = 0;
      if (target.style.minHeight) { target.style.minHeight = ""; continue; }
    }
    // exactly: a floor 0.03 px short of the tallest height moves the controls by 0.03 px (a CI failure)
    if (h > target.optlabFloor) {
      target.optlabFloor = h;
      target.style.minHeight = `${h}px`;
    }
  }
});

// The formulas of other settings (hidden: the training chapter's SAM, Muon, Lookahead and Newton steps) are made
// ready in idle time once the chapter's own formulas are in: their fixed pieces typeset, then laid out once,
// invisibly (the class "warm" lifts content-visibility for that one forced layout, style.css), so that Chromium
// keeps their layout objects, styles and shaped text. The first choice of a preset that shows one then lays out
// the values that changed instead of typesetting, styling, building and shaping ~200 KaTeX elements in that
// change. One step (a piece's typesetting, a formula's layout) per idle period; live values are typeset when the
// formula is shown.
export function readyHiddenLater() {
  const gen = app.gen;
  if (!window.katex) return;
  // a piece's TeX: a fixed piece's, or that of a formula without live values (one piece)
  const fixed = ({ dataset: d }) => d.fixed ?? (d.whole !== undefined && d.whole.search(PLACEHOLDER) < 0 ? d.whole : undefined);
  const steps = [...document.querySelectorAll(".formula[hidden]")].flatMap((f) => [
    ...f.optlabPieces.filter((piece) => fixed(piece) !== undefined).map((piece) => () => showTex(piece, fixed(piece))),
    () => { f.classList.add("warm"); void f.offsetHeight; f.classList.remove("warm"); },
  ].map((step) => () => { if (f.hidden) step(); }));
  const work = () => {
    if (gen !== app.gen || app.panicked || !steps.length) return;
    steps.shift()();
    idle(work);
  };
  idle(work);
}

// KaTeX's script and stylesheet are fetched with the page (preload links in index.html) but applied only after
// the first plots are drawn: run before them, parsing the script and the stylesheet's rules costs the first
// frame 20-30 ms. Resolves when both are in, or when either failed (formulas then show their TeX as text).
export function loadKatex() {
  if (app.katexLoad) return app.katexLoad;
  const css = el("link", { rel: "stylesheet", href: "katex/katex.min.css" });
  const js = el("script", { src: "katex/katex.min.js" });
  const loaded = (e) => new Promise((ok, fail) => { e.addEventListener("load", ok); e.addEventListener("error", fail); });
  app.katexLoad = Promise.all([loaded(css), loaded(js)]).then(() => "ready", () => "failed").then((state) => { app.katexState = state; });
  document.head.append(css, js);
  return app.katexLoad;
}
