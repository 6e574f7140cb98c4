// The slide-deck protocol of an embedded chapter (README, "Embedding in slides"), driven from a parent page
// as a deck would: the ready handshake, messages sent before the wasm started, one "optlab:applied" answer
// per "optlab:set" (rejected and adjusted values), one "optlab:rendered" per change, and messages of other
// shapes ignored. Run: `bash scripts/build.sh && node --test tests/e2e/embed.test.mjs`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, launch, watchErrors, settle, backingSizes } from "./harness.mjs";

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

/** Device pixels per CSS pixel of every plot canvas of `frame`. */
const ratios = async (frame) => {
  const sizes = await backingSizes(frame);
  return frame.$$eval("canvas.plot", (cs, sizes) => cs.map((c, i) => ({ id: c.id, w: sizes[i].width, css: c.getBoundingClientRect().width, h: sizes[i].height, cssH: c.getBoundingClientRect().height })), sizes);
};

test("scale (link and message) multiplies the canvases' backing store; bad scales are said and refused or clamped", async () => {
  const d = await deck("?embed=1&chapter=momentum&scale=1.44");
  try {
    const rs = await ratios(d.frame);
    assert.ok(rs.length >= 2, JSON.stringify(rs));
    for (const r of rs) {
      // rounded to whole device pixels: within one pixel of 1.44 × the CSS size
      assert.ok(Math.abs(r.w - 1.44 * r.css) <= 1 && Math.abs(r.h - 1.44 * r.cssH) <= 1, JSON.stringify(r));
    }
    let a = await d.set({ lr: 0.3 });
    assert.equal(a.scale, 1.44, "a set without scale keeps it");
    a = await d.page.evaluate(() => new Promise((resolve) => {
      addEventListener("message", function h(e) { if (e.data.type === "optlab:applied") { removeEventListener("message", h); resolve(e.data); } });
      document.querySelector("iframe").contentWindow.postMessage({ type: "optlab:set", scale: 2 }, "*");
    }));
    assert.deepEqual([a.scale, a.rejected, a.adjusted, a.state.lr], [2, [], [], "0.3"]);
    await settle(d.frame);
    for (const r of await ratios(d.frame)) assert.ok(Math.abs(r.w - 2 * r.css) <= 1, JSON.stringify(r));
    a = await d.set({ lr: 0.2 }).then(() => d.page.evaluate(() => new Promise((resolve) => {
      addEventListener("message", function h(e) { if (e.data.type === "optlab:applied") { removeEventListener("message", h); resolve(e.data); } });
      document.querySelector("iframe").contentWindow.postMessage({ type: "optlab:set", values: {}, scale: 99 }, "*");
    })));
    assert.equal(a.scale, 4);
    assert.deepEqual(a.adjusted.map((x) => [x.name, x.from, x.to]), [["scale", "99", "4"]]);
    a = await d.page.evaluate(() => new Promise((resolve) => {
      addEventListener("message", function h(e) { if (e.data.type === "optlab:applied") { removeEventListener("message", h); resolve(e.data); } });
      document.querySelector("iframe").contentWindow.postMessage({ type: "optlab:set", values: {}, scale: "big" }, "*");
    }));
    assert.equal(a.scale, 4, "a scale that is no number keeps the current one");
    assert.match(a.rejected[0].reason, /scale: “big” is not a number; kept 4/);
    assert.deepEqual(d.errors.filter((e) => !ignorable(e)), []);
  } finally {
    await d.context.close();
  }
  const bad = await deck("?embed=1&chapter=momentum&scale=abc");
  try {
    assert.match(await bad.frame.textContent("#messages"), /scale: “abc” is not a number; using 1/);
    for (const r of await ratios(bad.frame)) assert.ok(Math.abs(r.w - r.css) <= 1, JSON.stringify(r));
  } finally {
    await bad.context.close();
  }
});

test("set with reset: true starts from the frame's own link, so a deck can send a slide's whole state", async () => {
  const d = await deck("?embed=1&chapter=momentum&lr=0.4");
  try {
    await d.set({ momentum: 0.5, steps: 60 });
    const a = await d.page.evaluate(() => new Promise((resolve) => {
      addEventListener("message", function h(e) { if (e.data.type === "optlab:applied") { removeEventListener("message", h); resolve(e.data); } });
      document.querySelector("iframe").contentWindow.postMessage({ type: "optlab:set", reset: true, values: { steps: 30 } }, "*");
    }));
    const fresh = await d.frame.evaluate(() => window.wasmBindings.normalize("momentum", { lr: "0.4" }).state);
    assert.deepEqual(a.state, { ...fresh, steps: "30" }, "the link's lr, the default momentum, the sent steps");
    await settle(d.frame);
    assert.equal(await d.frame.$eval('input[name="steps"]', (e) => e.value), "30");
  } finally {
    await d.context.close();
  }
});

test("snapshot: the drawn plots as one PNG with their text alternatives", async () => {
  const d = await deck("?embed=1&chapter=momentum");
  try {
    await d.set({ lr: 0.25 });
    const s = await d.page.evaluate(() => new Promise((resolve) => {
      addEventListener("message", function h(e) { if (e.data.type === "optlab:snapshot") { removeEventListener("message", h); resolve(e.data); } });
      document.querySelector("iframe").contentWindow.postMessage({ type: "optlab:snapshot" }, "*");
    }));
    assert.equal(s.state.lr, "0.25");
    assert.match(s.png, /^data:image\/png;base64,/);
    assert.ok(s.width > 300 && s.height > 200, `${s.width}×${s.height}`);
    const colours = await d.page.evaluate(async (src) => {
      const img = new Image(); img.src = src; await img.decode();
      const c = document.createElement("canvas"); c.width = img.width; c.height = img.height;
      const ctx = c.getContext("2d"); ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, c.width, c.height).data; const seen = new Set();
      for (let i = 0; i < px.length; i += 4 * 7) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      return seen.size;
    }, s.png);
    assert.ok(colours > 50, `${colours} colours: not blank`);
    assert.ok(s.alt.length > 20, s.alt);
  } finally {
    await d.context.close();
  }
});

test("keys the chapter does not use go to the deck; a focused slider keeps its arrows; Escape returns focus", async () => {
  const d = await deck("?embed=1&chapter=momentum");
  try {
    const keys = async () => (await d.got()).filter((m) => m.type === "optlab:key").map((m) => m.key);
    // focus on the page (a click on a plot that sets nothing): the arrows, Space, PageDown, Escape go out
    await d.frame.click("body", { position: { x: 2, y: 2 } });
    for (const k of ["ArrowRight", "ArrowLeft", "Space", "PageDown", "PageUp"]) await d.frame.press("body", k);
    await d.page.waitForFunction(() => window.__got.filter((m) => m.type === "optlab:key").length >= 5);
    assert.deepEqual(await keys(), ["ArrowRight", "ArrowLeft", " ", "PageDown", "PageUp"]);
    const k0 = (await d.got()).find((m) => m.type === "optlab:key");
    assert.deepEqual(k0, { type: "optlab:key", key: "ArrowRight", keyCode: 39, shiftKey: false });
    // a focused slider keeps its arrows (no message, the value moves) but not PageDown (a presenter's remote)
    const slider = '.controls input[name="momentum"]';
    await d.frame.focus(slider);
    const v0 = await d.frame.$eval(slider, (e) => e.value);
    await d.frame.press(slider, "ArrowRight");
    await settle(d.frame);
    assert.notEqual(await d.frame.$eval(slider, (e) => e.value), v0, "the slider moved");
    assert.equal((await keys()).length, 5, "→ on a slider is not forwarded");
    const v1 = await d.frame.$eval(slider, (e) => e.value);
    await d.frame.press(slider, "PageDown");
    await d.page.waitForFunction(() => window.__got.filter((m) => m.type === "optlab:key").length >= 6);
    assert.equal(await d.frame.$eval(slider, (e) => e.value), v1, "PageDown went to the deck, not the slider");
    // Escape: forwarded, and the slider loses focus
    await d.frame.press(slider, "Escape");
    await d.page.waitForFunction(() => window.__got.filter((m) => m.type === "optlab:key").length >= 7);
    assert.deepEqual((await keys()).slice(5), ["PageDown", "Escape"]);
    assert.equal(await d.frame.evaluate(() => document.activeElement === document.body), true);
    // a focused control keeps Space
    await d.frame.focus(slider);
    await d.frame.press(slider, "Space");
    await quiet(d.frame);
    assert.equal((await keys()).length, 7, "Space on a control is the control's");
    assert.deepEqual(d.errors.filter((e) => !ignorable(e)), []);
  } finally {
    await d.context.close();
  }
});
