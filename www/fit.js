// Fit mode for embeds (?embed=1): the chapter lays itself out inside the iframe's width and height with no
// scrolling. The visible controls sit in a compact row on top; when that row would take too much of the
// height (or holds a text box), they move into a drawer opened by a "Controls" button. The plots share the
// height that is left: `fitPlots` picks the number of columns that gives them the most area at their own
// aspect ratios. `layout=plots` shows the plots only. Layout only: no math of the lecture lives here.

/** Sizes the canvases of `plots` (CSS and device pixels) to share its box; returns true when it did (the
 * shell then draws at those sizes). `setSize(canvas, width, height)` sets a canvas's device pixels. */
export function fitPlots(plots, dpr, setSize) {
  const canvases = [...plots.querySelectorAll("canvas.plot")];
  const W = plots.clientWidth, H = plots.clientHeight, gap = 6, n = canvases.length;
  if (!n || W < 20 || H < 20) return false;
  let best = null;
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const cw = (W - gap * (cols - 1)) / cols, ch = (H - gap * (rows - 1)) / rows;
    if (cw <= 0 || ch <= 0) continue;
    const sizes = canvases.map((cv) => {
      const a = Number(cv.dataset.aspect || 0.6);
      const w = Math.floor(Math.min(cw, ch / a));
      return [w, Math.floor(w * a)];
    });
    // the most area, but a plot under ~160 px on a side is too small to read: such layouts lose
    const area = sizes.reduce((s, [w, h]) => s + w * h, 0) * Math.min(1, Math.min(...sizes.map(([w, h]) => Math.min(w, h))) / 160);
    if (!best || area > best.area) best = { cols, sizes, area };
  }
  if (!best) return false;
  const cols = `repeat(${best.cols}, minmax(0, 1fr))`;
  if (plots.style.gridTemplateColumns !== cols) plots.style.gridTemplateColumns = cols;
  canvases.forEach((cv, i) => {
    const [w, h] = best.sizes[i];
    const sw = `${w}px`, sh = `${h}px`;
    if (cv.style.width !== sw) cv.style.width = sw;
    if (cv.style.height !== sh) cv.style.height = sh;
    setSize(cv, Math.round(w * dpr), Math.round(h * dpr));
  });
  return true;
}

/** The strip above an embedded chapter: the drawer's button and, for a live chapter, its Play bar. */
export function embedStrip(side, liveBar) {
  const button = document.createElement("button");
  Object.assign(button, { type: "button", className: "drawer-toggle", textContent: "Controls" });
  button.setAttribute("aria-expanded", "false");
  side.id = "side";
  button.setAttribute("aria-controls", "side");
  const open = (on) => {
    document.body.classList.toggle("drawer-open", on);
    button.setAttribute("aria-expanded", String(on));
  };
  button.addEventListener("click", () => open(!document.body.classList.contains("drawer-open")));
  side.addEventListener("keydown", (e) => {
    // (preventDefault: this Escape is used here, not passed on to a slide deck)
    if (e.key === "Escape" && document.body.classList.contains("drawer-open")) { e.preventDefault(); open(false); button.focus(); }
  });
  const strip = document.createElement("div");
  strip.className = "embed-strip";
  strip.append(button);
  if (liveBar) strip.append(liveBar);
  return strip;
}

/** Compact row or drawer: the row when it takes at most a quarter of the height (and holds no text box). Called
 * when the chapter is built, the frame resized, or the set of visible controls changed; not per render. */
export function fitControls() {
  const body = document.body;
  if (!body.classList.contains("embed") || body.classList.contains("plots-only")) return;
  const side = document.querySelector(".side");
  if (!side) return;
  body.classList.remove("drawer");
  const text = [...side.querySelectorAll(".control.text")].some((r) => !r.hidden);
  const drawer = text || side.offsetHeight > Math.max(90, innerHeight * 0.25);
  body.classList.toggle("drawer", drawer);
  if (!drawer) body.classList.remove("drawer-open");
  const b = document.querySelector(".drawer-toggle");
  if (b) b.setAttribute("aria-expanded", String(body.classList.contains("drawer-open")));
  const strip = document.querySelector(".embed-strip");
  if (strip) strip.hidden = !drawer && !strip.querySelector(".live");
}
