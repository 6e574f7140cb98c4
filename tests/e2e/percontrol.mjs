// Manual harness: main-thread time per change of named controls, N changes each (default 20), the way the speed
// bench measures a chapter (Chromium's TaskDuration around a key press and the settling of the page, minus the
// same steps with a key that changes nothing), but for the controls you name, so that one control's median
// rests on more than the bench's few changes. Ranges bounce between their ends, selects cycle, toggles flip.
//   node tests/e2e/percontrol.mjs CHAPTER:control,control [CHAPTER:control …]   (N=30 for 30 changes each)
// Prints "control median/p95 (changes)" per chapter (ALL=1: every change's time too, sorted). OPTLAB_DIST picks another build (harness.mjs).
import { serveDist, launch, open, settle, keyToChange, taskSeconds } from "./harness.mjs";
const N = Number(process.env.N || 20);
const srv = await serveDist();
const br = await launch();
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
try {
  const ctx = await br.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Performance.enable");
  for (const arg of process.argv.slice(2)) {
    const [chapter, list] = arg.split(":");
    await open(page, srv.base, `?chapter=${chapter}`);
    const names = list.split(",");
    const base = [];
    for (let k = 0; k < 10; k++) {
      await page.focus(`.controls [name=${names[0]}]`);
      const t0 = await taskSeconds(cdp); await page.keyboard.press("Shift"); await settle(page, { url: false }); base.push((await taskSeconds(cdp)) - t0);
    }
    const h = med(base) * 1000;
    const out = [];
    for (const nm of names) {
      const xs = [];
      for (let i = 0; i < N * 2 && xs.length < N; i++) {
        const key = await keyToChange(page, `.controls [name=${nm}]`);
        await page.focus(`.controls [name=${nm}]`);
        const r0 = await page.evaluate(() => window.optlab.renders);
        const t0 = await taskSeconds(cdp);
        await page.keyboard.press(key);
        await settle(page, { url: false });
        const t1 = await taskSeconds(cdp);
        if ((await page.evaluate(() => window.optlab.renders)) !== r0 + 1) continue;
        xs.push(Math.max(0, (t1 - t0) * 1000 - h));
      }
      out.push(`${nm} ${med(xs).toFixed(1)}/${q(xs, 0.95).toFixed(1)} (${xs.length})`);
      if (process.env.ALL) console.log(`${nm}: ${[...xs].sort((a, b) => a - b).map((x) => x.toFixed(1)).join(" ")}`);
    }
    console.log(`${chapter} (harness ${h.toFixed(1)}): ${out.join(", ")}`);
  }
} finally { await br.close(); srv.server.close(); }
