// The worker that computes and draws: it holds the wasm core's Session and the chapter's canvases, which the
// page hands over as OffscreenCanvases (app.js, `core`). The page's main thread then only reads the controls,
// lays out text and typesets formulas; a chapter's computing and its canvases' drawing and rasterising happen
// here, so a control change costs the main thread a message and not a recomputation.
//
// Protocol (every message from the page is answered once, in order):
//   {type: "glue", js}                 start loading the wasm-bindgen glue from `js` (sent while the wasm compiles)
//   {type: "init", js, module}         start the glue on the compiled `module`; answered {type: "ready"} or
//                                      {type: "failed", message}
//   {id, op, args}                     call the Session method `op` (or one of the ops below) with `args`;
//                                      answered {id, value} or {id, error} (the error's text)
//   ops of their own: "render" and "tick" answer with the chapter's computed scene before its charts are drawn,
//   and post {type: "drawn", id, value: {draw_ms, draw_parts, stale}} once they are;
//   "attach" [[canvasId, OffscreenCanvas]...] (replaces the chapter's canvases),
//   "size" [canvasId, width, height] (device pixels, applied by the next "render" or "tick"), "bitmaps" [canvasId...] (ImageBitmaps of what they show),
//   "stats" (the bench's memory figures), "debug_panic" [message] (the panic test).
// A Rust panic (the core dispatches "optlab:panic" on this scope) or a WebAssembly trap is posted to the page as
// {type: "panic", message}; the page shows its banner and stops asking.
// Nothing here interprets text from the page as code: values go to the core as strings.

let glue = null, session = null, gluePromise = null;

// The charts' text, warmed while the page compiles the wasm: a worker's first measureText or fillText costs it the
// system's font lookup (on a cold start ~100 ms before the first chart is drawn).
try {
  const ctx = new OffscreenCanvas(16, 16).getContext("2d");
  for (const px of [11, 12, 13]) { ctx.font = `normal ${px}px sans-serif`; ctx.measureText("0.5 step η"); ctx.fillText("0.5", 0, 8); }
} catch (e) { /* no OffscreenCanvas: the page learns it at init */ }
const canvases = new Map();
const sizes = new Map(); // canvas id → [width, height] for the next drawing
const queue = [];
let panicked = false;

self.addEventListener("optlab:panic", (e) => { panicked = true; postMessage({ type: "panic", message: String(e.detail) }); });

function isTrap(err) { return typeof WebAssembly !== "undefined" && err instanceof WebAssembly.RuntimeError; }

async function run(msg) {
  const { id, op, args = [] } = msg;
  if (panicked) { postMessage({ id, error: "the core stopped after an internal error" }); return; }
  try {
    let value;
    if (op === "attach") {
      session.detach_canvases();
      canvases.clear();
      for (const [cid, off] of args[0]) { canvases.set(cid, off); session.attach_canvas(cid, off); }
    } else if (op === "size") {
      // applied by the next drawing, in its task: a canvas resized in a task of its own would show blank
      sizes.set(args[0], [args[1], args[2]]);
    } else if (op === "render" || op === "tick") {
      for (const [cid, [w, h]] of sizes) {
        const off = canvases.get(cid);
        if (off && (off.width !== w || off.height !== h)) { off.width = w; off.height = h; }
      }
      sizes.clear();
      // the readouts go first, then the charts are drawn: the page lays out the text while this thread draws
      const [chapter, state, theme, dpr, steps = 0, budget = 0] = args;
      postMessage({ id, value: session.compute(chapter, state, theme, dpr, op === "tick" ? steps : 0, budget) });
      postMessage({ type: "drawn", id, value: session.draw_visible() });
      return;
    } else if (op === "bitmaps") {
      value = await Promise.all(args.map((cid) => (canvases.has(cid) ? createImageBitmap(canvases.get(cid)) : null)));
      postMessage({ id, value }, value.filter(Boolean));
      return;
    } else if (op === "stats") {
      value = [glue.wasm_memory_bytes(), ...glue.wasm_heap_stats(Boolean(args[0]))];
    } else if (op === "debug_panic") {
      glue.debug_panic(String(args[0]));
    } else if (op === "provide_asset") {
      session.provide_asset(String(args[0]), new Uint8Array(args[1]));
    } else if (typeof session[op] === "function" && op !== "constructor" && op !== "free") {
      value = session[op](...args);
    } else {
      throw new Error(`no operation ${String(op).slice(0, 40)}`);
    }
    postMessage({ id, value });
  } catch (err) {
    if (isTrap(err)) {
      panicked = true;
      postMessage({ type: "panic", message: `WebAssembly stopped: ${err.message}` });
    }
    postMessage({ id, error: err && err.message ? err.message : String(err) });
  }
}

// Messages are handled one at a time, in order ("bitmaps" awaits its images before the next one runs).
let busy = false;
async function drain() {
  if (busy || !session) return;
  busy = true;
  while (queue.length) await run(queue.shift());
  busy = false;
}

self.onmessage = async (e) => {
  const d = e.data;
  if (d && d.type === "glue") { gluePromise = import(d.js); gluePromise.catch(() => {}); return; }
  if (d && d.type === "init") {
    try {
      if (!new OffscreenCanvas(1, 1).getContext("2d")) throw new Error("no 2D context for an OffscreenCanvas");
      glue = await (gluePromise || import(d.js));
      await glue.default({ module_or_path: d.module });
      session = new glue.Session();
      postMessage({ type: "ready" });
    } catch (err) {
      postMessage({ type: "failed", message: err && err.message ? err.message : String(err) });
      return;
    }
    drain();
    return;
  }
  queue.push(d);
  drain();
};
