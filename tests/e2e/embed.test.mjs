// The slide-deck protocol of an embedded chapter (README, "Embedding in slides"), driven from a parent page
// as a deck would: the ready handshake, messages sent before the wasm started, one "optlab:applied" answer
// per "optlab:set" (rejected and adjusted values), one "optlab:rendered" per change, and messages of other
// shapes ignored. Run: `trunk build --release && node --test tests/e2e/embed.test.mjs`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, launch, watchErrors, settle } from "./harness.mjs";

let srv, br;
before(async () => { srv = await serveDist(); br = await launch(); });
after(async () => { try { if (br) await br.close(); } finally { if (srv) srv.server.close(); } });

const ignorable = (e) => /favicon\.ico/.test(e);

/** A parent page (about:blank) recording every message it gets, with the chapter in an iframe. With
 * `sendOnReady`, it posts that message the moment "optlab:ready" arrives. */
async function deck(query, { delayWasmMs = 0, sendOnReady = null } = {}) {
  const context = await br.browser.newContext({ viewport: { width: 1000, height: 700 } });
  if (delayWasmMs) {
    await context.route(/_bg\.wasm$/, async (route) => { await new Promise((r) => setTimeout(r, delayWasmMs)); await route.continue(); });
  }
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.evaluate(({ src, sendOnReady }) => {
    window.__got = [];
    addEventListener("message", (e) => {
      window.__got.push(e.data);
      if (sendOnReady && e.data && e.data.type === "optlab:ready") e.source.postMessage(sendOnReady, "*");
    });
    const f = document.createElement("iframe");
    f.src = src;
    f.style.width = "900px";
    f.style.height = "600px";
    document.body.append(f);
  }, { src: srv.base + query, sendOnReady });
  const frame = await (await page.waitForSelector("iframe")).contentFrame();
  await frame.waitForFunction(() => document.body.dataset.ready === "true" && window.optlab && window.optlab.renders > 0, null, { timeout: 30000 });
  await settle(frame);
  const got = () => page.evaluate(() => window.__got);
  const count = async (type) => (await got()).filter((d) => d && d.type === type).length;
  /** Posts `msg` to the chapter and waits for its "optlab:applied" answer; returns it. */
  const set = async (values) => {
    const n = await count("optlab:applied");
    await page.evaluate((values) => document.querySelector("iframe").contentWindow.postMessage({ type: "optlab:set", values }, "*"), values);
    await page.waitForFunction((n) => window.__got.filter((d) => d && d.type === "optlab:applied").length > n, n, { timeout: 10000 });
    await settle(frame);
    return (await got()).filter((d) => d && d.type === "optlab:applied").at(-1);
  };
  const post = (msg) => page.evaluate((msg) => document.querySelector("iframe").contentWindow.postMessage(msg, "*"), msg);
  return { context, page, frame, errors, got, count, set, post };
}

/** A few frames and a moment more, so that a late extra render would have happened. */
const quiet = (frame) => frame.evaluate(() => new Promise((r) => setTimeout(r, 400)));

test("the chapter says optlab:ready before its wasm starts, and applies a set sent then once it runs", async () => {
  const d = await deck("?embed=1&chapter=momentum", { delayWasmMs: 1500, sendOnReady: { type: "optlab:set", values: { lr: 0.5, steps: 40 } } });
  try {
    await d.page.waitForFunction(() => window.__got.some((m) => m.type === "optlab:applied"), null, { timeout: 10000 });
    await settle(d.frame);
    const got = await d.got();
    const types = got.map((m) => m.type);
    assert.equal(types[0], "optlab:ready", types.join(", "));
    assert.equal(types.filter((t) => t === "optlab:ready").length, 1);
    // the set arrived ~1.5 s before the wasm (delayed here) had started: it waited and was applied after
    assert.ok(types.indexOf("optlab:rendered") > 0, types.join(", "));
    const applied = got.find((m) => m.type === "optlab:applied");
    assert.deepEqual([applied.state.lr, applied.state.steps, applied.rejected, applied.adjusted], ["0.5", "40", [], []]);
    assert.deepEqual(await d.frame.evaluate(() => [window.optlab.state.lr, window.optlab.state.steps]), ["0.5", "40"]);
    assert.equal(await d.frame.$eval('input[name="steps"]', (e) => e.value), "40", "the slider shows the value");
    const last = got.filter((m) => m.type === "optlab:rendered").at(-1);
    assert.equal(last.state.lr, "0.5", "the last render drew the set");
    assert.deepEqual(d.errors.filter((e) => !ignorable(e)), []);
  } finally {
    await d.context.close();
  }
});

test("every optlab:set is answered once: invalid values keep the current value, out-of-range ones are clamped, unknown names refused", async () => {
  const d = await deck("?embed=1&chapter=momentum");
  try {
    let a = await d.set({ lr: 0.5 });
    assert.deepEqual([a.state.lr, a.rejected, a.adjusted], ["0.5", [], []]);
    assert.equal(await d.frame.locator("#messages .msg.warn").count(), 0, "no note for a clean set");

    // invalid values: the CURRENT value (0.5) stays, not the default (1)
    for (const bad of ["abc", NaN, null, { a: 1 }, [1, 2]]) {
      a = await d.set({ lr: bad });
      const what = JSON.stringify(bad) ?? String(bad);
      assert.equal(a.state.lr, "0.5", `lr after ${what}`);
      assert.equal(a.rejected.length, 1, `${what}: ${JSON.stringify(a.rejected)}`);
      assert.equal(a.rejected[0].name, "lr");
      assert.match(a.rejected[0].reason, /learning rate/);
      assert.match(a.rejected[0].reason, /kept 0\.5/);
      assert.deepEqual(a.adjusted, []);
      assert.equal(await d.frame.evaluate(() => window.optlab.state.lr), "0.5");
    }
    assert.match(a.rejected[0].reason, /a list/);
    // the note on the page names the refused value, as text
    assert.match(await d.frame.textContent("#messages"), /learning rate η: a list is not a value of this control; kept 0\.5/);

    a = await d.set({ bogus: 1, lr: 0.25 });
    assert.deepEqual(a.rejected.map((r) => r.name), ["bogus"]);
    assert.match(a.rejected[0].reason, /momentum has no control of that name/);
    assert.equal(a.state.lr, "0.25", "a valid value beside a refused one is applied");
    assert.equal("bogus" in a.state, false);

    // out of range: clamped, listed in adjusted, exactly one redraw announced
    const rendered0 = await d.count("optlab:rendered");
    a = await d.set({ momentum: 5, lr: 1e9, steps: 1e7 });
    await quiet(d.frame);
    assert.deepEqual(a.rejected, []);
    assert.deepEqual(a.adjusted.map(({ name, from, to }) => [name, from, to]).sort(),
      [["lr", "1000000000", "10"], ["momentum", "5", "0.999"], ["steps", "10000000", "1000"]]);
    for (const x of a.adjusted) assert.match(x.reason, /outside|not a whole number/, x.reason);
    assert.deepEqual([a.state.momentum, a.state.lr, a.state.steps], ["0.999", "10", "1000"]);
    assert.equal(await d.count("optlab:rendered"), rendered0 + 1, "one optlab:rendered for one clamped set");
    const notes = await d.frame.$$eval("#messages .msg.warn", (ps) => ps.map((p) => p.textContent));
    const fromSlides = notes.filter((t) => /^From the slides/.test(t));
    assert.equal(fromSlides.length, 1, "one short note per message");
    for (const w of ["momentum β: 5 is outside [0, 0.999]; using 0.999", "learning rate η: 1000000000 is outside", "steps T: 10000000"]) assert.ok(fromSlides[0].includes(w), fromSlides[0]);

    // one answer per set, one rendered per set
    const r0 = await d.count("optlab:rendered"), a0 = await d.count("optlab:applied");
    for (const lr of [0.1, 0.2, 0.3]) await d.set({ lr });
    await quiet(d.frame);
    assert.equal(await d.count("optlab:applied"), a0 + 3);
    assert.equal(await d.count("optlab:rendered"), r0 + 3);

    // a change by hand clears the notes
    await d.frame.focus('.controls input[name="kappa"]');
    await d.frame.press('.controls input[name="kappa"]', "ArrowLeft");
    await settle(d.frame);
    assert.equal(await d.frame.locator("#messages .msg.warn").count(), 0);
    assert.deepEqual(d.errors.filter((e) => !ignorable(e)), []);
  } finally {
    await d.context.close();
  }
});

test("messages of other shapes are ignored without error or answer", async () => {
  const d = await deck("?embed=1&chapter=momentum");
  try {
    const before = await d.frame.evaluate(() => ({ state: { ...window.optlab.state }, renders: window.optlab.renders }));
    const n = (await d.got()).length;
    for (const m of ["optlab:set", 42, null, [], [{ type: "optlab:set", values: { lr: 2 } }], { type: "optlab:set" },
      { type: "optlab:set", values: "lr=2" }, { type: "optlab:set", values: [2] }, { type: "optlab:set", values: null },
      { type: "optlab:eval", code: "alert(1)" }, { type: "OPTLAB:SET", values: { lr: 2 } }, { values: { lr: 2 } }]) {
      await d.post(m);
    }
    await quiet(d.frame);
    await settle(d.frame);
    const after = await d.frame.evaluate(() => ({ state: { ...window.optlab.state }, renders: window.optlab.renders }));
    assert.deepEqual(after.state, before.state);
    assert.equal(after.renders, before.renders, "no redraw");
    assert.deepEqual((await d.got()).slice(n), [], "no answer");
    // a documented get still answers
    await d.post({ type: "optlab:get" });
    await d.page.waitForFunction(() => window.__got.some((m) => m.type === "optlab:state"));
    assert.deepEqual(d.errors.filter((e) => !ignorable(e)), []);
  } finally {
    await d.context.close();
  }
});
