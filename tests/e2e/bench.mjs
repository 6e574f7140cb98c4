// The 16 ms budget, measured in headless Chromium: for every chapter, 30 control changes made with the
// keyboard (as a user would), each followed by its render; app.lastRender gives compute_ms, draw_ms and
// total_ms (the whole render call: compute, draw, readout, formulas, URL). Prints per-chapter medians and
// p90 at a 1280×900 viewport with deviceScaleFactor 1 and 2.
//
// Run by hand (not part of `node --test`; timings depend on the machine and its load):
//   trunk build --release && node tests/e2e/bench.mjs [--changes 30] [--dpr 1,2] [--chapters a,b] [--json out.json]

import { loadavg } from "node:os";
import { writeFileSync } from "node:fs";
import { serveDist, launch, open, settle, chapterIds } from "./harness.mjs";

const BUDGET = 16;
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const CHANGES = Number(opt("changes", "30"));
const DPRS = opt("dpr", "1,2").split(",").map(Number);
const ONLY = opt("chapters", "");
const JSON_OUT = opt("json", "");

const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** One control change: the next visible control in turn, moved with the keyboard. */
async function change(page, i) {
  const target = await page.evaluate((i) => {
    const rows = [...document.querySelectorAll(".controls .control")].filter((r) => !r.hidden);
    const usable = rows.map((r) => r.querySelector("input, select")).filter((e) => e && (e.type === "range" || e.type === "checkbox" || e.tagName === "SELECT"));
    if (!usable.length) return null;
    const e = usable[i % usable.length];
    let key = "ArrowRight";
    if (e.type === "range") {
      // bounce between the ends so that every press is a real change
      const n = Number(e.value), lo = Number(e.min), hi = Number(e.max), step = Number(e.step) || 1;
      const dir = (e.dataset.benchDir = e.dataset.benchDir || "up");
      if (dir === "up" && n + step > hi) e.dataset.benchDir = "down";
      if (dir === "down" && n - step < lo) e.dataset.benchDir = "up";
      key = e.dataset.benchDir === "up" ? "ArrowRight" : "ArrowLeft";
    } else if (e.type === "checkbox") {
      key = "Space";
    } else {
      // a select: the next option, wrapping around
      key = e.selectedIndex === e.options.length - 1 ? "Home" : "ArrowDown";
    }
    e.id = e.id || `bench-${i}`;
    return { id: e.id, name: e.name, key };
  }, i);
  if (!target) return null;
  const before = await page.evaluate(() => { window.__bench = { wasm: 0, katex: 0 }; return window.optlab.renders; });
  await page.focus(`#${target.id}`);
  await page.keyboard.press(target.key);
  await settle(page, { url: false });
  const after = await page.evaluate(() => ({ renders: window.optlab.renders, last: window.optlab.lastRender, parts: window.__bench }));
  if (after.renders !== before + 1) return { name: target.name, skipped: true };
  return { name: target.name, ...after.last, wasm_ms: after.parts.wasm, katex_ms: after.parts.katex, shell_ms: after.last.total_ms - after.parts.wasm - after.parts.katex };
}

/** Splits total_ms: the wasm call (compute, draw, and passing values to and from JS) and KaTeX; the rest
 * is the shell's DOM work (controls, readout, URL, canvas sizing). */
function instrument() {
  window.__bench = { wasm: 0, katex: 0 };
  const s = window.optlab.session;
  const render = s.render.bind(s), tick = s.tick.bind(s);
  const timed = (f, key) => (...a) => { const t = performance.now(); try { return f(...a); } finally { window.__bench[key] += performance.now() - t; } };
  s.render = timed(render, "wasm");
  s.tick = timed(tick, "wasm");
  if (window.katex) window.katex.render = timed(window.katex.render.bind(window.katex), "katex");
}

const srv = await serveDist();
const br = await launch();
const rows = [];
try {
  for (const dpr of DPRS) {
    const context = await br.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: dpr });
    const page = await context.newPage();
    try {
      await open(page, srv.base);
      let ids = await chapterIds(page);
      if (ONLY) ids = ids.filter((id) => ONLY.split(",").includes(id));
      for (const id of ids) {
        await open(page, srv.base, `?chapter=${id}`);
        const first = await page.evaluate(() => window.optlab.lastRender);
        await page.evaluate(instrument);
        const samples = [];
        const names = new Set();
        let skipped = 0;
        for (let i = 0; samples.length < CHANGES && i < CHANGES * 3; i++) {
          const r = await change(page, i);
          if (!r) break;
          if (r.skipped) { skipped++; continue; }
          names.add(r.name);
          samples.push(r);
        }
        const col = (k) => samples.map((s) => s[k]);
        const row = {
          chapter: id, dpr, n: samples.length, skipped, controls: [...names],
          first_total_ms: first.total_ms,
          compute: { median: median(col("compute_ms")), p90: quantile(col("compute_ms"), 0.9) },
          draw: { median: median(col("draw_ms")), p90: quantile(col("draw_ms"), 0.9) },
          total: { median: median(col("total_ms")), p90: quantile(col("total_ms"), 0.9), max: Math.max(...col("total_ms")) },
          wasm: { median: median(col("wasm_ms")) },
          katex: { median: median(col("katex_ms")) },
          shell: { median: median(col("shell_ms")) },
          // how many of the changes had to compute a field image (a landscape or rate map) afresh
          fields_computed: samples.length ? samples[samples.length - 1].fields_computed - (first.fields_computed ?? 0) : 0,
          // median draw time of each canvas
          canvases: Object.fromEntries([...new Set(samples.flatMap((s) => (s.draw_parts || []).map(([c]) => c)))].map((c) => [c, median(samples.map((s) => ((s.draw_parts || []).find(([k]) => k === c) || [c, 0])[1]))])),
        };
        rows.push(row);
        process.stderr.write(`${id} dpr ${dpr}: ${samples.length} changes (${[...names].join(", ")})\n`);
      }
    } finally {
      await context.close();
    }
  }
} finally {
  await br.close();
  srv.server.close();
}

const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : "—");
const chromium = "Chromium " + (await import("node:child_process")).execFileSync("/usr/bin/chromium", ["--version"], { encoding: "utf8" }).match(/[\d.]+/)[0];
console.log(`optlab render times in headless ${chromium}, 1280×900 viewport, ${CHANGES} keyboard control changes per chapter;`);
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")} on this machine. Budget ${BUDGET} ms per frame.\n`);
console.log("compute and draw are measured inside wasm; total is the shell's whole render(); its median splits into the wasm");
console.log("call (compute + draw + JS↔wasm values), KaTeX, and the rest of the shell (DOM, URL, canvas sizing).\n");
console.log("| chapter | DPR | n | compute med / p90 | draw med / p90 | total med / p90 / max | total med = wasm + KaTeX + shell | median / 16 ms | p90 / 16 ms |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  const ratio = (x) => `${(x / BUDGET).toFixed(2)}${x > BUDGET ? " (over)" : ""}`;
  console.log(`| ${r.chapter} | ${r.dpr} | ${r.n} | ${f(r.compute.median)} / ${f(r.compute.p90)} | ${f(r.draw.median)} / ${f(r.draw.p90)} | ${f(r.total.median)} / ${f(r.total.p90)} / ${f(r.total.max)} | ${f(r.wasm.median)} + ${f(r.katex.median)} + ${f(r.shell.median)} | ${ratio(r.total.median)} | ${ratio(r.total.p90)} |`);
}
console.log("\nmedian draw ms per canvas: " + rows.map((r) => `${r.chapter}@${r.dpr} ` + Object.entries(r.canvases).map(([c, v]) => `${c} ${f(v)}`).join(", ") + ` (fields computed ${r.fields_computed}×)`).join("; "));
console.log("\n(all times in ms)");
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(rows, null, 2));
