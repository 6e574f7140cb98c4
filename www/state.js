// The shell's state: what the page shows and what it is doing, one object shared by the shell's modules
// (app.js, controls.js, formulas.js); app.js also hands it to tests and slide decks as `window.optlab`.

export const app = {
  wasm: null, infos: [], chapter: null, state: {}, hide: new Set(),
  embed: false, layout: "", theme: "auto",
  // extra resolution of the canvases' backing store, for a page shown enlarged by a CSS transform (a reveal.js
  // slide at 1920×1080 is scaled 1.44×): canvases get devicePixelRatio × scale device pixels per CSS pixel
  scale: 1,
  linkRaw: {}, // the control values of the link that opened the page (a deck's set with reset: true starts here)
  pending: false, urlPending: false, lastRender: null, renders: 0, playing: false,
  // a drawing asked of the core and not answered yet; a change meanwhile sets `dirty` and is drawn after it.
  // `gen` counts the chapters built: an answer for an earlier one is dropped
  inflight: false, dirty: false, gen: 0,
  // the worker has answered a drawing and is drawing its charts (its "drawn" message clears it)
  drawing: false,
  // the hand-over of the canvases to the worker (see handOver): "off" (no worker), "starting" (the worker starts
  // its wasm), "ready", "running", "deferred" (a live run in progress: at the next chapter), "done"
  handover: "off",
  // a new chapter's formulas wait for its first frame, and every formula for KaTeX (see show and loadKatex)
  freshChapter: false, rows: new Map(), wideCheck: 0, formulasLater: null, lastValues: [], katexLoad: null, katexState: null,
  sized: null, // the pixel ratio and theme the canvases were last sized for (null: read their boxes again)
  stale: 0, // charts drawn later: off screen at the last change (see drawStaleLater)
  // where each clickable canvas's point was last drawn ([[canvas, x, y], …] in backend pixels: see onHandle)
  handles: [],
  announce: false, // a change is waiting to be drawn (then "optlab:rendered" is posted to the parent)
  // messages about the link that opened the chapter (bad values, unknown chapter): shown on every render
  // (a resize re-renders at once) until the user changes a control
  notes: [],
};

// (for tests) whether a drawing is waiting, computed, drawn, or the canvases are being handed to the worker
app.busy = () => app.pending || app.inflight || app.dirty || app.drawing || Boolean(app.keyed) || ["starting", "ready", "running"].includes(app.handover) || app.renewing;
