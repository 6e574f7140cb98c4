// Main-thread cost of pasting CSV text into the training chapter's data box (issue 9, item 6), measured in the
// release build in headless Chromium with a real paste (the clipboard and Ctrl+V). Not a test (no timing
// assertion): it prints, for each paste, the longest gap between two animation frames from the paste until
// the page is quiet again, the long tasks (≥ 50 ms) the browser reported, and what the box did with the text.
// Run: `bash scripts/build.sh && node tests/e2e/paste.mjs`.

import { serveDist, launch, open, settle } from "./harness.mjs";

const rows2d = (n) => Array.from({ length: n }, (_, i) => `${((i * 7919) % 1000) / 500 - 1},${((i * 104729) % 1000) / 500 - 1},${i % 2}`).join("\n");
const rowsWide = (n, d) => Array.from({ length: n }, (_, i) => [...Array.from({ length: d }, (_, j) => (((i + 3) * (j + 7)) % 17) / 16), i % 2].join(",")).join("\n");

function sized(text, chars) {
  // whole rows up to `chars` characters
  const out = [];
  let len = 0;
  for (const line of text.split("\n")) {
    if (len + line.length + 1 > chars) break;
    out.push(line);
    len += line.length + 1;
  }
  return out.join("\n");
}

const CASES = [
  { name: "100,000-character 2-D CSV (the box's cap)", text: () => sized(rows2d(5000), 100000) },
  { name: "1,000 rows × 784 columns (an MNIST-like file, past the cap)", text: () => rowsWide(1000, 784) },
  { name: "1,000-row 2-D CSV (the row cap, ~20 KB)", text: () => rows2d(1000) },
];

const srv = await serveDist();
const br = await launch();
try {
  for (const c of CASES) {
    const text = c.text();
    const context = await br.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: srv.base });
    const page = await context.newPage();
    await open(page, srv.base, "?chapter=training&dataset=csv&layers=1");
    await page.evaluate((t) => navigator.clipboard.writeText(t), text);
    await page.click('textarea[name="csv"]');
    await page.evaluate(() => {
      window.__gaps = [];
      window.__long = [];
      window.__events = [];
      window.__watch = true;
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(Math.round(e.duration)); }).observe({ type: "longtask" });
      // Event Timing: from the input event to the next paint (the paste, its layout and the frame after it)
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) window.__events.push(`${e.name} ${Math.round(e.duration)} (handlers ${Math.round(e.processingEnd - e.processingStart)})`);
      }).observe({ type: "event", durationThreshold: 16 });
      let last = performance.now();
      const tick = (t) => { window.__gaps.push(t - last); last = t; if (window.__watch) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    });
    await page.waitForTimeout(100);
    const baseline = await page.evaluate(() => { const g = window.__gaps.slice(1); return g.reduce((a, b) => a + b, 0) / Math.max(1, g.length); });
    const t0 = Date.now();
    await page.keyboard.press("Control+V");
    // the box commits 400 ms after the last input; wait past that and for the redraw
    await page.waitForTimeout(1500);
    await settle(page, { url: false });
    const r = await page.evaluate(() => {
      window.__watch = false;
      const box = document.querySelector('textarea[name="csv"]');
      return {
        events: window.__events,
        // the box's commit task: the core's check of the text (what `normalize` does 400 ms after the paste)
        normalizeMs: (() => { const t = performance.now(); window.wasmBindings.normalize("training", { csv: document.querySelector('textarea[name="csv"]').value }); return performance.now() - t; })(),
        maxGap: Math.max(...window.__gaps.slice(1)),
        over16: window.__gaps.slice(1).filter((g) => g > 17).map((g) => Math.round(g)),
        long: window.__long,
        boxChars: box.value.length,
        status: document.querySelector('.control[data-name="csv"] .text-status').textContent,
        stateChars: window.optlab.state.csv.length,
      };
    });
    console.log(`${c.name}: ${text.length} characters pasted`);
    console.log(`  longest frame gap ${r.maxGap.toFixed(1)} ms (mean gap before the paste ${baseline.toFixed(1)} ms); frames over 17 ms: [${r.over16.join(", ")}]; long tasks: [${r.long.join(", ")}] ms; wall ${Date.now() - t0} ms`);
    console.log(`  input events over 16 ms (event timing): [${r.events.join("; ")}]; the core's check of the box's text: ${r.normalizeMs.toFixed(1)} ms`);
    console.log(`  box holds ${r.boxChars} characters, state ${r.stateChars}; status: ${r.status || "(none)"}`);
    await context.close();
  }
} finally {
  await br.close();
  srv.server.close();
}
