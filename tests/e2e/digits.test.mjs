// The digits view of the training chapter: the 8×8 digits are fetched only when a digits view opens (the
// first chapter's load does not request them), the preset "Muon vs AdamW on handwritten digits" trains
// live in bounded slices, and the view shows what it measured: a confusion matrix with misclassified
// images, per-class accuracy and the steps to 97 % test accuracy of each run.
// Run after `bash scripts/build.sh`: `node --test tests/e2e/digits.test.mjs`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { mkdirSync } from "node:fs";
import { SCREENSHOTS, serveDist, launch, watchErrors, open, settle, readoutText } from "./harness.mjs";

let srv, br;
const VIEW = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  srv = await serveDist();
  br = await launch();
});

after(async () => {
  try { if (br) await br.close(); } finally { if (srv) srv.server.close(); }
});

test("the digits load only for the digits view, train live and report steps to 97 %", async () => {
  const context = await br.browser.newContext(VIEW);
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    const requests = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));
    await open(page, srv.base);
    await settle(page);
    assert.ok(!requests.some((p) => p.endsWith("digits.bin")), `the first chapter must not fetch the digits: ${requests}`);
    await open(page, srv.base, "?chapter=training");
    await settle(page);
    assert.ok(!requests.some((p) => p.endsWith("digits.bin")), "the training chapter on 2-D data does not fetch them either");

    await page.selectOption('select[name="preset"]', "muon_vs_adamw_digits");
    await page.waitForFunction(() => [...document.querySelectorAll("#readout dd")].some((d) => d.textContent.includes("handwritten digits")), null, { timeout: 30000 });
    assert.equal(requests.filter((p) => p.endsWith("digits.bin")).length, 1, "fetched once");
    const st = await page.evaluate(() => window.optlab.state);
    assert.deepEqual([st.dataset, st.width, st.layers, st.optimizer, st.compare], ["digits", "64", "2", "muon", "adamw"]);

    // train to the end, sampling the work done per frame (compute + draw) as the shell measures it
    await page.click("#play");
    const frames = [], edges = [];
    const deadline = Date.now() + 240000;
    for (;;) {
      const s = await page.evaluate(() => ({ r: window.optlab.lastRender, p: [document.querySelector("#progress").value, document.querySelector("#progress").max] }));
      // frames while training (the first frame builds both networks and evaluates them, the last finishes the
      // final evaluation: one-off frames, reported apart)
      if (s.r && s.p[0] > 0 && s.p[0] < s.p[1]) frames.push(s.r.total_ms);
      else if (s.r) edges.push(s.r.total_ms);
      if (s.p[0] >= s.p[1] && s.p[1] > 1) break;
      assert.ok(Date.now() < deadline, "the run finishes");
      await page.waitForTimeout(100);
    }
    await settle(page);
    frames.sort((a, b) => a - b);
    console.log(`digits view: ${frames.length} frames sampled while training, median ${frames[frames.length >> 1].toFixed(1)} ms, 95th percentile ${frames[Math.floor(0.95 * (frames.length - 1))].toFixed(1)} ms, max ${frames[frames.length - 1].toFixed(1)} ms of work per frame (${frames.filter((x) => x > 16.7).length} over 16.7 ms); at the start and end: ${edges.map((x) => x.toFixed(1)).join(", ")} ms`);

    const text = await readoutText(page);
    assert.match(text, /per-class test accuracy/);
    assert.match(text, /misclassified test inputs/);
    const steps = text.match(/steps to 97\.0% test accuracy/g) ?? [];
    assert.equal(steps.length, 2, text);
    console.log(text.split("\n").filter((l) => /steps to 97|test loss \/ accuracy|misclassified/.test(l)).join("\n"));
    await page.screenshot({ path: path.join(SCREENSHOTS, "digits-view.png"), fullPage: true });
    assert.deepEqual(errors.filter((e) => !/favicon\.ico/.test(e)), []);
  } finally {
    await context.close();
  }
});

// A link that opens the digits view fetches the digits on the page's own thread, before its canvases go to the
// worker (the hand-over, www/app.js): the worker must get them too, or the run waits for them for ever.
test("a link to the digits view trains after the hand-over to the worker", async () => {
  const context = await br.browser.newContext(VIEW);
  try {
    // the worker's script comes 1.5 s late, so that the digits reach the page's Session first
    await context.route("**/worker.js", async (route) => { await new Promise((r) => setTimeout(r, 1500)); await route.continue(); });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await open(page, srv.base, "?chapter=training&preset=muon_vs_adamw_digits");
    await page.waitForFunction(() => window.optlab.handover === "done", null, { timeout: 30000 });
    await settle(page);
    const handover = await page.evaluate(() => [window.optlab.handover, Boolean(window.optlab.core.worker)]);
    assert.match(await readoutText(page), /handwritten digits/, "the digits view shows its data after the hand-over");
    await page.click("#play");
    await page.waitForFunction(() => Number(document.querySelector("#progress").value) > 0, null, { timeout: 30000 })
      .catch(() => assert.fail(`no training step within 30 s of Play (hand-over ${handover}); messages: ${"" + errors}`));
    const msgs = await page.$eval("#messages", (e) => e.textContent);
    assert.doesNotMatch(msgs, /loading the 8×8 handwritten digits/);
    await page.click("#play");
    assert.deepEqual(errors.filter((e) => !/favicon\.ico/.test(e)), []);
  } finally {
    await context.close();
  }
});

// While the digits load, the core's answer has no live values: a formula's value shows as an ellipsis, never as
// its name in italic letters ("λ_max ≈ lambda_max", as it did until 5 December 2026), and the value comes once
// the digits are in.
test("while the digits load, a formula's live value shows as an ellipsis and the plots are dimmed, then the values and plots", async () => {
  const context = await br.browser.newContext(VIEW);
  try {
    let release;
    const held = new Promise((r) => { release = r; });
    await context.route(/digits\.bin$/, async (route) => { await held; await route.continue(); });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await open(page, srv.base, "?chapter=training");
    await settle(page);
    await page.selectOption('select[name="preset"]', "muon_vs_adamw_digits");
    await page.waitForFunction(() => /loading the 8×8 handwritten digits/.test(document.querySelector("#messages").textContent), null, { timeout: 10000 });
    await settle(page, { url: false });
    const sharp = () => page.evaluate(() => {
      const f = [...document.querySelectorAll(".formula:not([hidden])")].find((e) => /Lanczos/.test(e.querySelector(".caption").textContent));
      const p = f.querySelector('[data-name="lambda_max"] .shape:not([hidden])');
      return { tex: p.querySelector("annotation").textContent, shown: p.querySelector(".katex-html").textContent };
    });
    const loading = await sharp();
    assert.equal(loading.tex, "\\text{…}", `while loading: ${JSON.stringify(loading)}`);
    assert.equal(loading.shown, "…", "no value name shown as letters");
    // the plots still show the previous setting's pictures: dimmed and marked busy until the digits are in
    const plotsState = () => page.evaluate(() => {
      const p = document.querySelector(".plots");
      return { busy: p.getAttribute("aria-busy"), opacity: getComputedStyle(p.querySelector("canvas.plot")).opacity };
    });
    assert.deepEqual(await plotsState(), { busy: "true", opacity: "0.35" }, "plots dimmed while the digits load");
    release();
    await page.waitForFunction(() => !/loading the 8×8/.test(document.querySelector("#messages").textContent), null, { timeout: 30000 });
    await settle(page);
    const loaded = await sharp();
    assert.notEqual(loaded.tex, "\\text{…}", "the value replaces the ellipsis");
    assert.deepEqual(await plotsState(), { busy: null, opacity: "1" }, "plots shown in full once the digits are in");
    assert.match(loaded.tex, /being measured|\d/, loaded.tex);
    assert.deepEqual(errors.filter((e) => !/favicon\.ico/.test(e)), []);
  } finally {
    await context.close();
  }
});
