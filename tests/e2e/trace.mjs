// Manual harness: where the main-thread time of N keyboard changes in one chapter goes, by Chromium trace
// event (self time on the renderer's main thread: script, style, layout, paint, commit, …).
//   node tests/e2e/trace.mjs CHAPTER [N]             (the chapter's visible sliders in turn)
//   CONTROLS=preset,loss node tests/e2e/trace.mjs CHAPTER [N]   (the named controls in turn: selects cycle)
import { serveDist, launch, open, settle, keyToChange } from "./harness.mjs";
const [chapter = "minibatch", n = "30"] = process.argv.slice(2);
const srv = await serveDist();
const br = await launch();
try {
  const ctx = await br.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  await open(page, srv.base, `?chapter=${chapter}`);
  const named = process.env.CONTROLS ? process.env.CONTROLS.split(",") : null;
  const ids = named ? named.map((nm) => `ctl-${nm}`)
    : await page.evaluate(() => [...document.querySelectorAll(".controls input[type=range]")].filter((e) => !e.closest(".control").hidden).map((e, i) => (e.id = e.id || `p-${i}`)));
  await br.browser.startTracing(page, { categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "cc", "v8.execute", ...(process.env.BY_SOURCE ? ["toplevel", "v8", "v8.wasm", "mojom", "ipc", "input", "renderer.scheduler"] : [])] });
  for (let i = 0; i < Number(n); i++) {
    const sel = `#${ids[i % ids.length]}`;
    const key = named ? await keyToChange(page, sel) : i % 2 ? "ArrowLeft" : "ArrowRight";
    await page.focus(sel);
    await page.keyboard.press(key);
    await settle(page, { url: false });
  }
  const buf = await br.browser.stopTracing();
  const events = JSON.parse(buf.toString()).traceEvents;
  const main = events.find((e) => e.name === "thread_name" && e.args.name === "CrRendererMain");
  const mine = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === "X" && e.dur !== undefined).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  // self time: a complete event's duration minus its children's
  const self = new Map();
  const stack = [];
  for (const e of mine) {
    while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
    if (stack.length) stack[stack.length - 1].child += e.dur;
    e.child = 0;
    stack.push(e);
  }
  let total = 0;
  for (const e of mine) {
    const k = e.name;
    self.set(k, (self.get(k) || 0) + e.dur - e.child);
    if (e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask") total += e.dur;
  }
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, 30);
  if (process.env.BY_SOURCE) {
    // the self time of RunTask by where the task was posted from
    const src = new Map();
    for (const e of mine) if (e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask") {
      const a = e.args && (e.args.src_func || (e.args.data && e.args.data.src_func) || JSON.stringify(e.args).slice(0, 80));
      src.set(a, (src.get(a) || 0) + e.dur - e.child);
    }
    for (const [k, us] of [...src].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log((us / 1000 / Number(n)).toFixed(2).padStart(8), "ms/change RunTask self from", k);
  }
  console.log(`${chapter}: ${n} changes, main-thread task time ${(total / 1000 / Number(n)).toFixed(2)} ms per change`);
  for (const [k, us] of rows) console.log((us / 1000 / Number(n)).toFixed(2).padStart(8), "ms/change", k);
} finally {
  await br.close();
  srv.server.close();
}
