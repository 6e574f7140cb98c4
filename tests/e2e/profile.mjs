// Manual harness: CPU profile of N keyboard changes in one chapter; prints self time by function.
//   node tests/e2e/profile.mjs CHAPTER [N]                (the chapter's visible sliders in turn)
//   CONTROLS=preset,loss node tests/e2e/profile.mjs CHAPTER [N]   (the named controls in turn: selects cycle)
// Wasm functions show by name only in a build that keeps them, e.g.
//   sed 's/data-wasm-opt="3"/data-wasm-opt="0" data-keep-debug/' www/index.html > www/index-prof.html
//   trunk build --release --dist /tmp/profdist www/index-prof.html && rm www/index-prof.html
//   OPTLAB_DIST=/tmp/profdist node tests/e2e/profile.mjs muon
import { serveDist, launch, open, settle, keyToChange } from "./harness.mjs";
const [chapter = "minibatch", n = "20"] = process.argv.slice(2);
const srv = await serveDist();
const br = await launch();
try {
  const ctx = await br.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  await open(page, srv.base, `?chapter=${chapter}`);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
  await cdp.send("Profiler.start");
  const named = process.env.CONTROLS ? process.env.CONTROLS.split(",") : null;
  const ids = named ? named.map((nm) => `ctl-${nm}`)
    : await page.evaluate(() => [...document.querySelectorAll(".controls input[type=range]")].filter((e) => !e.closest(".control").hidden).map((e, i) => (e.id = e.id || `p-${i}`)));
  for (let i = 0; i < Number(n); i++) {
    const sel = `#${ids[i % ids.length]}`;
    const key = named ? await keyToChange(page, sel) : i % 2 ? "ArrowLeft" : "ArrowRight";
    await page.focus(sel);
    await page.keyboard.press(key);
    await settle(page, { url: false });
  }
  const { profile } = await cdp.send("Profiler.stop");
  const self = new Map();
  const dt = profile.timeDeltas;
  const byId = new Map(profile.nodes.map((nd) => [nd.id, nd]));
  const t = new Map();
  profile.samples.forEach((s, i) => t.set(s, (t.get(s) || 0) + (dt[i] || 0)));
  for (const [id, us] of t) {
    const nd = byId.get(id);
    const key = `${nd.callFrame.functionName || "(anon)"} ${nd.callFrame.url.split("/").pop()}`;
    self.set(key, (self.get(key) || 0) + us);
  }
  if (process.env.INCL) {
    // time including callees, by function (each sample counted once per function on its stack)
    const parent = new Map();
    for (const nd of profile.nodes) for (const c of nd.children || []) parent.set(c, nd.id);
    const incl = new Map();
    for (const [id, us] of t) {
      const seen = new Set();
      for (let p = id; p !== undefined; p = parent.get(p)) {
        const nd = byId.get(p);
        const key = `${nd.callFrame.functionName || "(anon)"} ${nd.callFrame.url.split("/").pop()}`;
        if (!seen.has(key)) { seen.add(key); incl.set(key, (incl.get(key) || 0) + us); }
      }
    }
    for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log((us / 1000 / Number(n)).toFixed(2).padStart(8), "ms/change incl.", k);
    process.exit(0);
  }
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, 40);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  for (const [k, us] of rows) console.log((us / 1000).toFixed(1).padStart(8), "ms", (100 * us / total).toFixed(1).padStart(5), "%", k);
} finally {
  await br.close();
  srv.server.close();
}
