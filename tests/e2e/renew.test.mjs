// Renewing the worker (app.js, `renew`). A wasm instance's linear memory only grows, so after a heavy state the
// worker would hold its peak for the rest of the page's life. Once the page has been still for 2 s, a worker
// that holds at least 1 MB more that it does not use than after its first drawing is replaced by a fresh one
// (when nothing would be lost), which must show exactly what the old one showed and go on as it would have.
// Run after `bash scripts/build.sh`: `node --test tests/e2e/renew.test.mjs`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, launch, watchErrors, open, settle, canvasInfo, readoutText } from "./harness.mjs";

let srv, br;
const VIEW = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };
const MB = 2 ** 20;
// the digits with four hidden layers of 64 and a comparison: the heaviest kind of training state
const HEAVY = "?chapter=training&dataset=digits&layers=4&width=64&optimizer=sam&compare=adam&batch_size=57";

before(async () => {
  srv = await serveDist();
  br = await launch();
});

after(async () => {
  try { if (br) await br.close(); } finally { if (srv) srv.server.close(); }
});

/** `[bytes of linear memory, bytes live, steps of the live run, timing pending]` of the worker. */
const memory = (page) => page.evaluate(() => window.optlab.core.call("memory"));
/** What the page shows: each plot's pixels, the readouts and the state. */
const shown = async (page) => ({
  plots: (await canvasInfo(page)).map((c) => [c.id, c.width, c.height, c.hash]),
  readout: await readoutText(page),
  state: await page.evaluate(() => JSON.stringify(window.optlab.state)),
});
const setControl = (page, name, value) => page.evaluate(([name, value]) => {
  const e = document.querySelector(`.controls [name=${name}]`);
  e.value = value;
  e.dispatchEvent(new Event("input", { bubbles: true }));
  e.dispatchEvent(new Event("change", { bubbles: true }));
}, [name, value]);

/** Runs `body(page, requests)` on a fresh page, then checks that the page logged no error. */
async function withPage(body) {
  const context = await br.browser.newContext(VIEW);
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    const requests = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));
    await body(page, requests);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
}

async function heavyThenLight(page) {
  await open(page, srv.base, HEAVY);
  await page.waitForFunction(() => window.optlab.handover === "done" && window.optlab.workerSpare !== null, null, { timeout: 30000 });
  await settle(page);
  const heavy = await memory(page);
  // a light state of the same chapter: the heavy run is dropped, its memory stays reserved
  await setControl(page, "dataset", "moons");
  await settle(page);
  const light = await memory(page);
  assert.equal(light[0], heavy[0], "the worker's memory does not shrink by itself");
  assert.ok(light[0] - light[1] >= (await page.evaluate(() => window.optlab.workerSpare)) + MB,
    `the worker holds 1 MB more unused than after its first drawing (${((light[0] - light[1]) / MB).toFixed(2)} MB unused)`);
  return light;
}

test("a worker that holds memory it no longer uses is renewed when the page is still, and the page shows the same", () =>
  withPage(async (page, requests) => {
    const light = await heavyThenLight(page);
    const before = await shown(page);
    await page.waitForFunction(() => window.optlab.renewals === 1, null, { timeout: 15000 });
    await settle(page);
    const after = await shown(page);
    assert.deepEqual(after, before, "the fresh worker draws the same pictures, readouts and state");
    const fresh = await memory(page);
    assert.ok(fresh[0] <= light[0] - MB, `the fresh worker's memory: ${(fresh[0] / MB).toFixed(2)} MB, the old one's ${(light[0] / MB).toFixed(2)} MB`);
    // it goes on: a change is drawn, and the digits (given to the old worker) are there without a second fetch
    await setControl(page, "dataset", "digits");
    await settle(page);
    const digits = await shown(page);
    assert.notDeepEqual(digits.plots, after.plots, "the digits view is drawn");
    assert.ok(digits.plots.every(([, w, h]) => w > 0 && h > 0));
    assert.equal(requests.filter((p) => p.endsWith("digits.bin")).length, 1, "the digits were fetched once");
    const messages = await page.evaluate(() => [...document.querySelectorAll(".msg.error")].map((m) => m.textContent));
    assert.deepEqual(messages, []);
    // and it is not renewed again while it holds no more than after its own first drawing
    await new Promise((r) => setTimeout(r, 3000));
    await settle(page);
    assert.equal(await page.evaluate(() => window.optlab.renewals), 1);
  }));

test("a run that has taken a step is never renewed away", () =>
  withPage(async (page) => {
    await heavyThenLight(page);
    await page.evaluate(() => [...document.querySelectorAll("button")].find((b) => b.textContent === "Step").click());
    await settle(page);
    assert.equal((await memory(page))[2], 1, "the run took its step");
    // (renew is what the idle check calls once the worker holds enough it does not use; it checks again itself)
    assert.equal(await page.evaluate(() => window.optlab.renew()), false, "the worker is kept with the run");
    await settle(page);
    assert.equal(await page.evaluate(() => window.optlab.renewals), 0);
    assert.equal((await memory(page))[2], 1, "the run is where it was");
  }));

test("the kernel timings measured by the old worker are the fresh worker's", () =>
  withPage(async (page) => {
    await open(page, srv.base, "?chapter=muon");
    await page.waitForFunction(() => window.optlab.handover === "done", null, { timeout: 30000 });
    // measured while the page is idle, then drawn again with the figures
    await page.waitForFunction(() => /measured in this browser/.test(document.querySelector("#readout")?.textContent || "") &&
      !/being measured/.test(document.querySelector("#readout").textContent) && !window.optlab.measuring, null, { timeout: 30000 });
    await settle(page);
    const before = await shown(page);
    assert.match(before.readout, /Newton–Schulz is .* the SVD here|no usable time/);
    assert.equal(await page.evaluate(() => window.optlab.renew()), true, "renewed on request");
    await settle(page);
    const after = await shown(page);
    assert.equal(after.readout, before.readout, "the same figures, not measured again");
    assert.deepEqual(after.plots, before.plots);
    assert.equal((await memory(page))[3], 0, "no timing is under way in the fresh worker");
  }));
