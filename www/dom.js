// Small DOM helpers shared by the shell's modules (app.js, controls.js, formulas.js).

export const $ = (sel, root = document) => root.querySelector(sel);
export const el = (tag, attrs = {}, ...kids) => {
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

// Writes `text` only when it differs, into the element's one text node where it has one: Chromium then updates
// that node's layout in place instead of tearing it down and building a new one (a change of a readout value
// otherwise relaid out ~70 objects).
export function setText(e, text) {
  const t = e.firstChild;
  if (t && t === e.lastChild && t.nodeType === Node.TEXT_NODE) { if (t.data !== text) t.data = text; }
  else if (e.textContent !== text) e.textContent = text;
}

// Idle-time work in pieces: `f(ms)` gets a budget of 1–8 ms (5 where the browser has no requestIdleCallback).
export const idle = window.requestIdleCallback
  ? (f) => requestIdleCallback((d) => f(Math.max(1, Math.min(8, d.timeRemaining()))), { timeout: 1000 })
  : (f) => setTimeout(() => f(5), 30);
