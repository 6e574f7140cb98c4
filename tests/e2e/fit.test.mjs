// Fit mode (issue 13): an embedded chapter lays itself out inside its iframe's width and height with no
// scrolling, every plot inside the viewport; controls in a compact row or a drawer; `layout=plots` shows the
// plots only. Screenshots of every chapter at every size go to tests/e2e/screenshots/fit-*.png: look at them.
// Run: `bash scripts/build.sh && node --test tests/e2e/fit.test.mjs`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { SCREENSHOTS, serveDist, launch, watchErrors, open, settle, canvasInfo, chapterIds } from "./harness.mjs";

const SIZES = [[1216, 560], [633, 560], [1280, 720], [800, 450], [390, 700]];
let srv, br, ids = [];
before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  srv = await serveDist();
  br = await launch();
  const context = await br.browser.newContext();
  try {
    const page = await context.newPage();
    await open(page, srv.base);
    ids = await chapterIds(page);
  } finally {
    await context.close();
  }
});
after(async () => { try { if (br) await br.close(); } finally { if (srv) srv.server.close(); } });

const ignorable = (e) => /favicon\.ico/.test(e);

/** Scroll sizes, the viewport, and each plot's box. */
const geometry = (page) => page.evaluate(() => ({
  sw: document.documentElement.scrollWidth, sh: document.documentElement.scrollHeight, iw: innerWidth, ih: innerHeight,
  drawer: document.body.classList.contains("drawer"),
  plots: [...document.querySelectorAll("canvas.plot")].map((c) => { const b = c.getBoundingClientRect(); return { id: c.id, l: b.left, t: b.top, r: b.right, b: b.bottom }; }),
}));

function assertFits(g, what) {
  assert.ok(g.sw <= g.iw && g.sh <= g.ih, `${what}: the page scrolls (${g.sw}×${g.sh} in ${g.iw}×${g.ih})`);
  for (const p of g.plots) {
    assert.ok(p.l >= 0 && p.t >= 0 && p.r <= g.iw + 0.5 && p.b <= g.ih + 0.5, `${what}: ${p.id} at [${p.l}, ${p.t}, ${p.r}, ${p.b}] leaves the viewport`);
    assert.ok(p.r - p.l >= 100 && p.b - p.t >= 60, `${what}: ${p.id} is only ${p.r - p.l}×${p.b - p.t}`);
  }
}

for (const [w, h] of SIZES) {
  test(`every embedded chapter fits ${w}×${h} with no scrolling`, async (t) => {
    const context = await br.browser.newContext({ viewport: { width: w, height: h }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors = watchErrors(page);
    try {
      for (const id of ids) {
        await t.test(id, async () => {
          await open(page, srv.base, `?embed=1&chapter=${id}`);
          const g = await geometry(page);
          assertFits(g, `${id} at ${w}×${h}`);
          for (const c of await canvasInfo(page)) assert.ok(c.opaque > 0, `${c.id} drew`);
          // the visible controls are reachable: in the row, or behind the drawer's button
          if (g.drawer) assert.ok(await page.locator(".drawer-toggle").isVisible(), "the drawer's button shows");
          else assert.ok(await page.locator('.controls input[type="range"]').first().isVisible(), "the controls row shows");
          await page.screenshot({ path: path.join(SCREENSHOTS, `fit-${w}x${h}-${id}.png`) });
        });
      }
      assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
    } finally {
      await context.close();
    }
  });
}

test("the drawer opens and closes; a control changed in it redraws; the layout still fits", async () => {
  const context = await br.browser.newContext({ viewport: { width: 633, height: 560 } });
  const page = await context.newPage();
  try {
    await open(page, srv.base, "?embed=1&chapter=muon");
    assert.equal((await geometry(page)).drawer, true, "muon's controls do not fit a row at 633×560");
    const button = page.locator(".drawer-toggle");
    assert.equal(await button.getAttribute("aria-expanded"), "false");
    assert.equal(await page.locator(".side").isVisible(), false);
    await button.click();
    assert.equal(await button.getAttribute("aria-expanded"), "true");
    const slider = page.locator('.controls input[type="range"]').first();
    assert.ok(await slider.isVisible());
    await page.screenshot({ path: path.join(SCREENSHOTS, "fit-drawer-open.png") });
    const before = await canvasInfo(page);
    const r0 = await page.evaluate(() => window.optlab.renders);
    await slider.focus();
    await page.keyboard.press("ArrowRight");
    // counted before the Muon chapter's kernel timing, which starts 300 ms after the last change and redraws
    // the chapter with its figures when it finishes (a second render that is no change of the state)
    await settle(page, { url: false });
    assert.equal(await page.evaluate(() => window.optlab.renders), r0 + 1, "one redraw for one change");
    await settle(page);
    assert.ok((await canvasInfo(page)).some((c, i) => c.hash !== before[i].hash), "a plot changed");
    await page.keyboard.press("Escape");
    assert.equal(await button.getAttribute("aria-expanded"), "false");
    assert.equal(await page.locator(".side").isVisible(), false);
    assert.equal(await page.evaluate(() => document.activeElement.className), "drawer-toggle", "focus back on the button");
    assertFits(await geometry(page), "after the drawer");
  } finally {
    await context.close();
  }
});

test("layout=plots shows the plots only, and the link keeps it", async () => {
  const context = await br.browser.newContext({ viewport: { width: 800, height: 450 } });
  const page = await context.newPage();
  try {
    await open(page, srv.base, "?embed=1&chapter=momentum&layout=plots");
    assert.equal(await page.locator(".side").isVisible(), false);
    assert.equal(await page.locator(".drawer-toggle").isVisible(), false);
    const g = await geometry(page);
    assertFits(g, "layout=plots");
    assert.ok(g.plots.every((p) => p.t < 60 || p.b > 300), "the plots use the whole height");
    await page.evaluate(() => window.postMessage({ type: "optlab:set", values: { lr: 0.5 } }, "*"));
    await page.waitForFunction(() => window.optlab.state.lr === "0.5");
    await settle(page);
    assert.equal(new URL(page.url()).searchParams.get("layout"), "plots");
    await page.screenshot({ path: path.join(SCREENSHOTS, "fit-layout-plots.png") });
  } finally {
    await context.close();
  }
});

test("outside an embed, layout=plots changes nothing and plots keep their width-driven size", async () => {
  const context = await br.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    await open(page, srv.base, "?chapter=momentum&layout=plots");
    assert.ok(await page.locator(".controls").isVisible());
    const g = await geometry(page);
    assert.ok(g.sh > g.ih, "the full page scrolls as before");
  } finally {
    await context.close();
  }
});
