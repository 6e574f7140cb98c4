// optlab in a real reveal.js 6 deck (from npm, pinned in tools/package.json) served from a second origin, with
// the app and dist/optlab-reveal.js on the first: fragments forward and back, a jump, reveal's unloading and
// reloading of data-src frames, two frames side by side, a background frame, scale 1.44 at 1920×1080, keys
// forwarded from a frame reaching the deck, and print view (?print-pdf) with every frame a picture of its state
// on its page. Run: `bash scripts/build.sh && node --test tests/e2e/reveal.test.mjs`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { serveDist, launch, watchErrors, ROOT, SCREENSHOTS, backingSizes } from "./harness.mjs";

const REVEAL = path.join(ROOT, "tools/node_modules/reveal.js/dist");
const DECK = path.join(ROOT, "tests/e2e/deck/index.html");

/** The deck's origin: the deck (with the app's base written in) and reveal.js's files. */
async function serveDeck(appBase) {
  if (!existsSync(REVEAL)) throw new Error(`${REVEAL} is missing: run scripts/setup.sh (npm ci in tools/)`);
  const html = readFileSync(DECK, "utf8").replaceAll("APP_BASE", appBase);
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (p === "/" || p === "/index.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(html);
      return;
    }
    const file = path.join(REVEAL, path.normalize(p.replace(/^\/reveal\//, "/")).replace(/^(\.\.[/\\])+/, ""));
    if (!p.startsWith("/reveal/") || !file.startsWith(REVEAL + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    const type = { ".js": "text/javascript", ".css": "text/css", ".mjs": "text/javascript" }[path.extname(file)] || "application/octet-stream";
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  // "localhost" vs the app's "127.0.0.1": another origin (the frames are cross-origin, as in a lecture)
  return { server, base: `http://localhost:${server.address().port}/` };
}

let app, deckSrv, br;
before(async () => {
  app = await serveDist();
  deckSrv = await serveDeck(app.base);
  br = await launch();
  mkdirSync(SCREENSHOTS, { recursive: true });
});
after(async () => {
  try { if (br) await br.close(); } finally { app?.server.close(); deckSrv?.server.close(); }
});

const ignorable = (e) => /favicon\.ico/.test(e);

async function openDeck(viewport = { width: 1280, height: 720 }, query = "") {
  const context = await br.browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.addInitScript(() => {
    // every optlab message the deck gets, with the id of the frame that sent it
    window.__got = [];
    addEventListener("message", (e) => {
      const f = [...document.querySelectorAll("iframe")].find((x) => x.contentWindow === e.source);
      if (e.data && typeof e.data.type === "string") window.__got.push({ from: f ? f.id || "background" : "?", type: e.data.type, data: e.data });
    });
  });
  await page.goto(deckSrv.base + query);
  await page.waitForFunction(() => window.Reveal && Reveal.isReady(), null, { timeout: 30000 });
  return { context, page, errors };
}

/** The app inside the iframe `sel` (a Playwright frame, cross-origin). */
async function appFrame(page, sel) {
  const handle = await page.waitForSelector(`${sel}[src]`, { timeout: 20000, state: "attached" });
  const frame = await handle.contentFrame();
  await frame.waitForFunction(() => window.optlab && window.optlab.renders > 0 && !window.optlab.busy(), null, { timeout: 30000 });
  return frame;
}

/** Waits until the chapter in `sel` holds `want` (a subset of its state) and has drawn it; returns its state. */
async function expectState(page, sel, want, what) {
  let last = null;
  for (let i = 0; i < 100; i++) {
    try {
      const frame = await appFrame(page, sel);
      last = await frame.evaluate(() => ({ ...window.optlab.state }));
      const drawn = await frame.evaluate(() => !window.optlab.busy());
      if (drawn && Object.entries(want).every(([k, v]) => last[k] === v)) return last;
    } catch (e) { last = String(e); }
    await page.waitForTimeout(100);
  }
  assert.fail(`${what}: ${sel} wanted ${JSON.stringify(want)}, has ${JSON.stringify(last)}`);
}

async function defaults(page, sel, chapter) {
  const frame = await appFrame(page, sel);
  return frame.evaluate((c) => window.wasmBindings.normalize(c, {}).state, chapter);
}

const go = (page, h, f) => page.evaluate(([h, f]) => Reveal.slide(h, 0, f), [h, f]);

test("fragments forward and back, a jump, and reveal's unloading and reloading all land on the fragment's state", async () => {
  const { context, page, errors } = await openDeck();
  try {
    await go(page, 1, -1);
    const d = await defaults(page, "#mom", "momentum");
    const base = { steps: "80", momentum: d.momentum, lr: d.lr };
    await expectState(page, "#mom", base, "slide shown, no fragment");
    const steps = [["0.5", d.lr], ["0.9", d.lr], ["0.9", "0.05"]];
    for (const [i, [m, lr]] of steps.entries()) {
      await page.evaluate(() => Reveal.next());
      await expectState(page, "#mom", { steps: "80", momentum: m, lr }, `→ fragment ${i}`);
    }
    await page.screenshot({ path: path.join(SCREENSHOTS, "reveal-momentum-f2.png") });
    await page.evaluate(() => Reveal.prev());
    await expectState(page, "#mom", { momentum: "0.9", lr: d.lr }, "← hides η = 0.05: lr back to the link's");
    await page.evaluate(() => Reveal.prev());
    await expectState(page, "#mom", { momentum: "0.5", lr: d.lr }, "← again");
    await page.evaluate(() => Reveal.prev());
    await expectState(page, "#mom", base, "← to no fragment: the link's momentum");

    // leave (reveal removes the frame's src), then jump straight to the second fragment of the slide
    const frame = await appFrame(page, "#mom");
    await frame.evaluate(() => { window.__before = true; });
    await go(page, 4, 0);
    await page.waitForFunction(() => !document.querySelector("#mom").hasAttribute("src"), null, { timeout: 10000 });
    const before = await page.evaluate(() => window.__got.filter((m) => m.from === "mom" && m.type === "optlab:rendered").length);
    await go(page, 1, 1);
    const st = await expectState(page, "#mom", { steps: "80", momentum: "0.9", lr: d.lr }, "jump to fragment 1 after an unload");
    const reloaded = await (await appFrame(page, "#mom")).evaluate(() => window.__before === undefined);
    assert.ok(reloaded, "the frame was reloaded by reveal");
    await page.waitForTimeout(500);
    const rendered = await page.evaluate(() => window.__got.filter((m) => m.from === "mom" && m.type === "optlab:rendered").map((m) => m.data.state.momentum));
    assert.deepEqual(rendered.slice(before), ["0.9"], "the reloaded frame draws once, at the fragment's state");
    assert.equal(st.momentum, "0.9");
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("two frames side by side take their own fragments, fit their 601×560 boxes, and a background frame its slide's", async () => {
  const { context, page, errors } = await openDeck();
  try {
    await go(page, 2, -1);
    const dm = await defaults(page, "#left", "muon");
    const ds = await defaults(page, "#right", "sam");
    await expectState(page, "#left", { ns_steps: dm.ns_steps }, "left, no fragment");
    await expectState(page, "#right", { rho: ds.rho }, "right, no fragment");
    await page.evaluate(() => Reveal.next());
    await expectState(page, "#left", { ns_steps: "2" }, "left fragment");
    await expectState(page, "#right", { rho: ds.rho }, "the left fragment leaves the right frame alone");
    await page.evaluate(() => Reveal.next());
    await expectState(page, "#right", { rho: "0.4" }, "right fragment");
    await expectState(page, "#left", { ns_steps: "2" }, "left keeps its fragment");
    for (const sel of ["#left", "#right"]) {
      const fit = await (await appFrame(page, sel)).evaluate(() => ({
        scroll: document.documentElement.scrollHeight - innerHeight,
        plots: [...document.querySelectorAll("canvas.plot")].map((c) => c.getBoundingClientRect()).map((r) => [r.top, r.bottom, r.width]),
        h: innerHeight,
      }));
      assert.ok(fit.scroll <= 1, `${sel} scrolls by ${fit.scroll}px`);
      for (const [top, bottom, w] of fit.plots) assert.ok(top >= 0 && bottom <= fit.h + 1 && w >= 100, `${sel}: plot ${top}–${bottom} of ${fit.h}`);
    }
    await page.screenshot({ path: path.join(SCREENSHOTS, "reveal-two-up.png") });
    await page.evaluate(() => Reveal.prev());
    await expectState(page, "#right", { rho: ds.rho }, "← hides the right fragment");

    await go(page, 3, -1);
    const bg = await page.waitForSelector(".slide-background.present iframe[src]", { state: "attached", timeout: 20000 });
    const bf = await bg.contentFrame();
    await bf.waitForFunction(() => window.optlab && window.optlab.state.rho === "0.3" && !window.optlab.busy(), null, { timeout: 30000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, "reveal-background.png") });
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("at 1920×1080 reveal scales the slide 1.44× and the frame's canvases get 1.44 device pixels per CSS pixel", async () => {
  const { context, page, errors } = await openDeck({ width: 1920, height: 1080 });
  try {
    const scale = await page.evaluate(() => Reveal.getScale());
    assert.ok(Math.abs(scale - 1.44) < 0.01, `reveal's scale ${scale}`);
    await go(page, 1, 0);
    await expectState(page, "#mom", { momentum: "0.5" }, "fragment 0");
    const frame = await appFrame(page, "#mom");
    await frame.waitForFunction(() => window.optlab.scale === 1.44, null, { timeout: 10000 });
    await frame.waitForFunction(() => !window.optlab.busy());
    const sizes = await backingSizes(frame);
    const rs = await frame.$$eval("canvas.plot", (cs, sizes) => cs.map((c, i) => [sizes[i].width, c.getBoundingClientRect().width, sizes[i].height, c.getBoundingClientRect().height]), sizes);
    assert.ok(rs.length >= 2);
    for (const [w, css, h, cssH] of rs) assert.ok(Math.abs(w - 1.44 * css) <= 1 && Math.abs(h - 1.44 * cssH) <= 1, `${w}×${h} for ${css}×${cssH}`);
    await page.screenshot({ path: path.join(SCREENSHOTS, "reveal-1920x1080.png") });
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("keys: → from a plot moves the deck, a focused slider keeps →, PageDown and Escape reach the deck", async () => {
  const { context, page, errors } = await openDeck();
  try {
    await go(page, 1, 0);
    await expectState(page, "#mom", { momentum: "0.5" }, "fragment 0");
    const frame = await appFrame(page, "#mom");
    const f = () => page.evaluate(() => Reveal.getIndices());
    // click a plot that sets nothing (the last one), then →: the next fragment
    const plot = (await frame.$$("canvas.plot:not(.clickable)")).at(-1);
    await plot.click();
    await plot.press("ArrowRight");
    await page.waitForFunction(() => Reveal.getIndices().f === 1, null, { timeout: 5000 });
    await expectState(page, "#mom", { momentum: "0.9" }, "→ from the plot showed fragment 1");
    // Space from the page also moves the deck; focus is back on the deck afterwards
    await frame.click("body", { position: { x: 2, y: 2 } });
    await frame.press("body", "Space");
    await page.waitForFunction(() => Reveal.getIndices().f === 2, null, { timeout: 5000 });
    // Not asserted: that focus leaves the frame after a forwarded Space. The plugin blurs the frame and focuses
    // the deck's element, yet headless Chromium 156 keeps the frame active here (it does leave after Escape,
    // asserted below); written down as not done in the note.
    await page.evaluate(() => Reveal.prev());
    await page.waitForFunction(() => Reveal.getIndices().f === 1);
    // a slider keeps its arrows
    if (await frame.$eval("body", (b) => b.classList.contains("drawer"))) await frame.click(".drawer-toggle");
    const slider = 'input[name="kappa"]';
    await frame.focus(slider);
    const v0 = await frame.$eval(slider, (e) => e.value);
    await frame.press(slider, "ArrowRight");
    await page.waitForTimeout(300);
    assert.notEqual(await frame.$eval(slider, (e) => e.value), v0, "the slider moved");
    assert.deepEqual(await f(), { h: 1, v: 0, f: 1 }, "the deck did not");
    // a presenter's remote (PageDown) still moves the deck from a focused slider
    await frame.press(slider, "PageDown");
    await page.waitForFunction(() => Reveal.getIndices().f === 2, null, { timeout: 5000 });
    // Escape: reveal's overview, focus on the deck
    await (await appFrame(page, "#mom")).click("body", { position: { x: 2, y: 2 } });
    await (await appFrame(page, "#mom")).press("body", "Escape");
    await page.waitForFunction(() => Reveal.isOverview(), null, { timeout: 5000 });
    assert.notEqual(await page.evaluate(() => document.activeElement.tagName), "IFRAME");
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("print view: every frame becomes a non-blank picture of its state on its page", async () => {
  const { context, page, errors } = await openDeck({ width: 1280, height: 720 }, "?print-pdf");
  try {
    await page.waitForFunction(() => document.documentElement.dataset.optlabPrint === "done", null, { timeout: 180000 });
    const pics = await page.$$eval("img.optlab-print, div.optlab-print", (xs) => xs.map((x) => ({
      tag: x.tagName, id: x.id, values: JSON.parse(x.dataset.optlabValues), state: x.dataset.optlabState ? JSON.parse(x.dataset.optlabState) : null,
      src: x.tagName === "IMG" ? x.src : "", background: x.classList.contains("optlab-background"), natural: x.naturalWidth || 0, alt: x.alt || x.textContent, page: [...document.querySelectorAll(".pdf-page")].indexOf(x.closest(".pdf-page")),
    })));
    // momentum: the page before any fragment and one per fragment; the two-up slide: 3 pages × 2 frames
    const ids = pics.map((p) => p.id || (p.background ? "background" : "?"));
    assert.deepEqual(ids, ["mom", "mom", "mom", "mom", "left", "right", "left", "right", "left", "right", "background"], JSON.stringify(pics.map((p) => [p.id, p.tag, p.alt.slice(0, 80)])));
    assert.ok(pics.every((p) => p.tag === "IMG"), "every frame drawn");
    const mom = pics.filter((p) => p.id === "mom").map((p) => [p.state.momentum, p.state.lr, p.state.steps]);
    const lr = pics[0].state.lr;
    assert.deepEqual(mom, [[pics[0].state.momentum, lr, "80"], ["0.5", lr, "80"], ["0.9", lr, "80"], ["0.9", "0.05", "80"]]);
    assert.deepEqual(pics.filter((p) => p.id === "left").map((p) => p.state.ns_steps), ["5", "2", "2"]);
    assert.deepEqual(pics.filter((p) => p.id === "right").map((p) => p.state.rho), ["0.15", "0.15", "0.4"]);
    assert.equal(pics.at(-1).state.rho, "0.3", "the background frame at its slide's state");
    assert.ok(pics.at(-1).natural >= 2 * 1200, `the background picture fills the page: ${pics.at(-1).natural} px wide at 2×`);
    // non-blank: many colours in each picture
    for (const p of pics) {
      const colours = await page.evaluate(async (src) => {
        const img = new Image(); img.src = src; await img.decode();
        const c = document.createElement("canvas"); c.width = img.width; c.height = img.height;
        const ctx = c.getContext("2d"); ctx.drawImage(img, 0, 0);
        const px = ctx.getImageData(0, 0, c.width, c.height).data; const seen = new Set();
        for (let i = 0; i < px.length; i += 4 * 5) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
        return seen.size;
      }, p.src);
      assert.ok(colours > 50, `${p.id} on page ${p.page}: ${colours} colours`);
      assert.ok(p.alt.length > 20, `${p.id}: alt ${p.alt}`);
    }
    assert.equal(await page.locator(".pdf-page iframe[data-optlab]").count(), 0, "no frame is left to print blank");
    await page.screenshot({ path: path.join(SCREENSHOTS, "reveal-print.png"), fullPage: true });
    await page.locator(".pdf-page").nth(3).screenshot({ path: path.join(SCREENSHOTS, "reveal-print-page4.png") });
    await page.locator(".pdf-page").nth(8).screenshot({ path: path.join(SCREENSHOTS, "reveal-print-page9.png") });
    const pdf = await page.pdf({ width: "1280px", height: "720px", printBackground: true });
    const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
    const want = await page.locator(".pdf-page").count();
    assert.equal(want, 10, "title, 4 momentum, 3 two-up, background, end");
    assert.equal(pages, want, `${pages} PDF pages`);
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});
