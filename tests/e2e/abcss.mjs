// Manual harness: CSS variants A/B in one page. Alternating blocks of N keyboard changes of one control (ROUNDS
// blocks per variant), each block traced; prints, per variant, the medians over its blocks of the main-thread
// task time, pre-paint, paint, layout and style per change (self times, as trace.mjs).
//   VARIANTS='{"base":"","nopanel":".formulas{display:none}"}' CHAPTER=training CONTROL=loss node tests/e2e/abcss.mjs
// The CSS goes in through document.adoptedStyleSheets: the page's Content-Security-Policy refuses a <style>
// element added by script, silently, and such a harness would measure the base every time (thirty-second round).
import { serveDist, launch, open, settle, keyToChange } from "./harness.mjs";
const chapter = process.env.CHAPTER || "training", control = process.env.CONTROL || "loss";
const N = Number(process.env.N || 8), ROUNDS = Number(process.env.ROUNDS || 5);
const variants = JSON.parse(process.env.VARIANTS); // {name: css}
const srv = await serveDist();
const br = await launch();
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
try {
  const ctx = await br.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  await open(page, srv.base, `?chapter=${chapter}`);
  await settle(page);
  const sel = `#ctl-${control}`;
  for (let i = 0; i < 6; i++) { await page.focus(sel); await page.keyboard.press(await keyToChange(page, sel)); await settle(page, { url: false }); }
  const res = {};
  for (let r = 0; r < ROUNDS; r++) for (const [name, css] of Object.entries(variants)) {
    await page.evaluate((css) => { const sh = new CSSStyleSheet(); sh.replaceSync(css); document.adoptedStyleSheets = [sh]; }, css);
    await settle(page, { url: false });
    for (let i = 0; i < 2; i++) { await page.focus(sel); await page.keyboard.press(await keyToChange(page, sel)); await settle(page, { url: false }); }
    await br.browser.startTracing(page, { categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink"] });
    for (let i = 0; i < N; i++) { await page.focus(sel); await page.keyboard.press(await keyToChange(page, sel)); await settle(page, { url: false }); }
    const events = JSON.parse((await br.browser.stopTracing()).toString()).traceEvents;
    const main = events.find((e) => e.name === "thread_name" && e.args.name === "CrRendererMain");
    const mine = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === "X" && e.dur !== undefined).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const stack = []; const self = new Map(); let total = 0;
    for (const e of mine) { while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= e.ts) stack.pop(); if (stack.length) stack.at(-1).child += e.dur; e.child = 0; stack.push(e); }
    for (const e of mine) { self.set(e.name, (self.get(e.name) || 0) + e.dur - e.child); if (e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask") total += e.dur; }
    const g = (k) => (self.get(k) || 0) / 1000 / N;
    const row = { total: total / 1000 / N, prepaint: g("Blink.PrePaint.UpdateTime"), paint: g("Paint"), layout: g("LocalFrameView::performLayout"), style: g("Document::recalcStyle") + g("Document::updateStyle") };
    (res[name] ??= []).push(row);
  }
  for (const [name, rows] of Object.entries(res)) console.log(name.padEnd(12), Object.keys(rows[0]).map((k) => `${k} ${med(rows.map((x) => x[k])).toFixed(2)}`).join("  "));
} finally { await br.close(); srv.server.close(); }
