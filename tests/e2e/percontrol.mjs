// Manual harness: main-thread time per change of named controls, N changes each (default 20), the way the speed
// bench's percontrol section measures every control (harness.mjs: harnessMs, changeTimes: Chromium's TaskDuration
// around a key press and the settling of the page, minus the same steps with a key that changes nothing), for the
// controls you name, one after the other in one page. Ranges bounce between their ends, selects cycle, toggles flip.
//   node tests/e2e/percontrol.mjs CHAPTER:control,control [CHAPTER:control …]   (N=30 for 30 changes each)
// Prints "control median/p95 (changes)" per chapter (ALL=1: every change's time too, sorted). OPTLAB_DIST picks another build (harness.mjs).
import { serveDist, launch, open, harnessMs, changeTimes } from "./harness.mjs";
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
    const h = await harnessMs(page, cdp, `.controls [name=${names[0]}]`, 10);
    const out = [];
    for (const nm of names) {
      const xs = await changeTimes(page, cdp, `.controls [name=${nm}]`, N, h);
      out.push(`${nm} ${med(xs).toFixed(1)}/${q(xs, 0.95).toFixed(1)} (${xs.length})`);
      if (process.env.ALL) console.log(`${nm}: ${[...xs].sort((a, b) => a - b).map((x) => x.toFixed(1)).join(" ")}`);
    }
    console.log(`${chapter} (harness ${h.toFixed(1)}): ${out.join(", ")}`);
  }
} finally { await br.close(); srv.server.close(); }
