// Issue 9 in a real page: hostile link values, postMessage payloads and CSV texts, each with the exact message
// the user sees, the other settings kept and nothing executed; and the panic banner ("Reload this state") after
// a Rust panic. The native rows (JSON specs, the same CSV and link values read by the core) are in
// tests/hostile.rs. Run: `bash scripts/build.sh && node --test tests/e2e/hostile.test.mjs`.
// HOSTILE_DUMP=1 prints what each row got.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, launch, watchErrors, open, settle } from "./harness.mjs";

let srv, br;
before(async () => { srv = await serveDist(); br = await launch(); });
after(async () => { try { if (br) await br.close(); } finally { if (srv) srv.server.close(); } });

const dump = !!process.env.HOSTILE_DUMP;
const ignorable = (e) => /favicon\.ico/.test(e);

/** A page that records dialogs (alert, confirm, prompt) and sets `window.hacked` if any payload runs. */
async function watchedPage() {
  const context = await br.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  return { context, page, errors, dialogs };
}

const XSS = "<img src=x onerror=window.hacked=1>";

/** Nothing of a payload ran or was parsed as markup. */
async function nothingRan(page, dialogs, what) {
  assert.deepEqual(dialogs, [], `${what}: no dialog`);
  assert.equal(await page.evaluate(() => window.hacked), undefined, `${what}: no payload ran`);
  assert.equal(await page.evaluate(() => document.querySelectorAll("img[src='x'], script:not([src])").length), 0, `${what}: no injected element`);
}

const messages = (page) => page.$$eval("#messages .msg", (ps) => ps.map((p) => p.textContent));
const warnings = (page) => page.$$eval("#messages .msg.warn, #messages .msg.error", (ps) => ps.map((p) => p.textContent));

// link → the page's messages, exactly, and a value beside the bad one that must survive
const LINKS = [
  { q: "?chapter=momentum&lr=abc&steps=77", keep: { steps: "77" },
    want: ["learning rate η: “abc” is not a number in [0.001, 10]; using the default 1"] },
  { q: "?chapter=momentum&lr=1e999&steps=77", keep: { steps: "77" },
    want: ["learning rate η: “1e999” is not a finite number in [0.001, 10]; using the default 1"] },
  { q: "?chapter=momentum&lr=-1&momentum=0.5", keep: { momentum: "0.5", lr: "0.001" },
    want: ["learning rate η: -1 is outside [0.001, 10]; using 0.001"] },
  { q: "?chapter=momentum&steps=1e12&lr=0.05", keep: { lr: "0.05", steps: "1000" },
    want: ["steps T: 1e12 is outside [1, 1000]; using 1000"] },
  { q: "?chapter=momentum&steps=2.5&lr=0.05", keep: { lr: "0.05", steps: "3" },
    want: ["steps T: 2.5 is not a whole number in [1, 1000]; using 3"] },
  { q: `?chapter=momentum&x0=1,${encodeURIComponent("<script>window.hacked=1</script>")}&lr=0.05`, keep: { lr: "0.05" },
    want: ["start x₀ (click the map): “1,<script>window.hacked=1</script>” is not two finite numbers “x,y” in [-5, 5]; using the default -1.5,1"] },
  { q: "?chapter=momentum&nesterov=maybe&steps=77", keep: { steps: "77" },
    want: ["Nesterov momentum: “maybe” is not true or false; using the default false"] },
  { q: `?chapter=race&problem=${encodeURIComponent(XSS)}&steps=77`, keep: { steps: "77" },
    want: ["landscape: “<img src=x onerror=window.hacked=1>” is not one of conditioned_quadratic, rosenbrock, saddle, plateau, flat_sharp; using the default conditioned_quadratic"] },
  { q: `?chapter=${encodeURIComponent(XSS)}&steps=77`, keep: {},
    // the first chapter's title, from the core
    want: (first) => [`There is no chapter “<img src=x onerror=window.hacked=1>”; showing “${first}”.`] },
  { q: "?chapter=momentum&scale=abc&steps=77", keep: { steps: "77" },
    want: ["scale: “abc” is not a number; using 1"] },
  { q: `?chapter=training&optimizer=constructor&layers=99&steps=123`, keep: { steps: "123", layers: "4" },
    // the select's own options, in its order (the optimizer registry's), from the core
    want: (first, options) => [
      "hidden layers: 99 is outside [1, 4]; using 4",
      `optimizer (run A): “constructor” is not one of ${options("training", "optimizer")}; using the default adam`,
    ] },
];

test("hostile link values: the exact message, the other values kept, nothing run", async () => {
  const { context, page, errors, dialogs } = await watchedPage();
  try {
    const bad = [];
    for (const row of LINKS) {
      await open(page, srv.base, row.q);
      if (typeof row.want === "function") {
        const infos = await page.evaluate(() => window.wasmBindings.chapters().map((c) => window.wasmBindings.chapter_info(c.id)));
        const options = (ch, name) => infos.find((i) => i.id === ch).controls.find((c) => c.name === name).kind.options.map(([v]) => v).join(", ");
        row.want = row.want(infos[0].title, options);
      }
      const got = await warnings(page);
      if (dump) console.log(row.q, "\n  =>", JSON.stringify(got));
      if (JSON.stringify(got) !== JSON.stringify(row.want)) bad.push(`${row.q}\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(row.want)}`);
      const st = await page.evaluate(() => window.optlab.state);
      for (const [k, v] of Object.entries(row.keep)) assert.equal(st[k], v, `${row.q}: ${k}`);
      await nothingRan(page, dialogs, row.q);
      assert.equal(await page.$$eval("#messages *", (es) => es.filter((e) => e.tagName !== "P").length), 0, `${row.q}: messages are text`);
    }
    assert.deepEqual(bad, [], bad.join("\n"));
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

// postMessage (as a slide deck sends it) → the `optlab:applied` reply's reasons, exactly, and the value kept
const MESSAGES = [
  { values: { lr: XSS }, rejected: [["lr", "learning rate η: “<img src=x onerror=window.hacked=1>” is not a number in [0.001, 10]; kept 0.05"]], adjusted: [] },
  { values: { lr: "1e999" }, rejected: [["lr", "learning rate η: “1e999” is not a finite number in [0.001, 10]; kept 0.05"]], adjusted: [] },
  { values: { lr: null }, rejected: [["lr", "learning rate η: that is not a value of this control; kept 0.05"]], adjusted: [] },
  { values: { lr: [1, 2] }, rejected: [["lr", "learning rate η: a list is not a value of this control; kept 0.05"]], adjusted: [] },
  { values: { lr: { a: 1 } }, rejected: [["lr", "learning rate η: that is not a value of this control; kept 0.05"]], adjusted: [] },
  { values: { __proto__x: 1, constructor: 2 }, rejected: [["__proto__x", "momentum has no control of that name"], ["constructor", "momentum has no control of that name"]], adjusted: [] },
  { values: { steps: 1e12 }, rejected: [], adjusted: [["steps", "1000000000000", "1000", "steps T: 1000000000000 is outside [1, 1000]; using 1000"]] },
  { values: { steps: 2.5 }, rejected: [], adjusted: [["steps", "2.5", "3", "steps T: 2.5 is not a whole number in [1, 1000]; using 3"]] },
  { values: { nesterov: "maybe" }, rejected: [["nesterov", "Nesterov momentum: “maybe” is not true or false; kept false"]], adjusted: [] },
  { values: { x0: "1,<script>" }, rejected: [["x0", "start x₀ (click the map): “1,<script>” is not two finite numbers “x,y” in [-5, 5]; kept -1.5,1"]], adjusted: [] },
  { values: { momentum: "9" }, rejected: [], adjusted: [["momentum", "9", "0.999", "momentum β: 9 is outside [0, 0.999]; using 0.999"]] },
  { values: {}, scale: "big", rejected: [["scale", "scale: “big” is not a number; kept 1"]], adjusted: [] },
];

test("hostile postMessage payloads: the exact reasons in the reply and on the page, the current values kept", async () => {
  const { context, page, errors, dialogs } = await watchedPage();
  try {
    await open(page, srv.base, "?chapter=momentum&lr=0.05&steps=77");
    const post = (msg) => page.evaluate((msg) => new Promise((resolve) => {
      const h = (e) => { if (e.data && e.data.type === "optlab:applied") { removeEventListener("message", h); resolve(e.data); } };
      addEventListener("message", h);
      postMessage(msg, "*");
    }), msg);
    const bad = [];
    for (const row of MESSAGES) {
      const msg = { type: "optlab:set", values: row.values };
      if ("scale" in row) msg.scale = row.scale;
      const a = await post(msg);
      await settle(page);
      const got = { rejected: a.rejected.map((r) => [r.name, r.reason]), adjusted: a.adjusted.map((r) => [r.name, r.from, r.to, r.reason]) };
      if (dump) console.log(JSON.stringify(row.values), "\n  =>", JSON.stringify(got));
      if (JSON.stringify(got) !== JSON.stringify({ rejected: row.rejected, adjusted: row.adjusted })) {
        bad.push(`${JSON.stringify(row.values)}\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify({ rejected: row.rejected, adjusted: row.adjusted })}`);
      }
      // the page says the same, in one note
      const why = [...row.rejected.map((r) => r[1]), ...row.adjusted.map((r) => r[3])];
      assert.ok((await messages(page)).includes(`From the slides: ${why.join("; ")}.`), `${JSON.stringify(row.values)}: ${await messages(page)}`);
      // a refused value leaves the current one; every other value is untouched
      const st = await page.evaluate(() => window.optlab.state);
      assert.equal(st.steps, row.values.steps ? row.adjusted[0][2] : "77");
      for (const [name] of row.rejected) if (name in st) assert.equal(st[name], { lr: "0.05", nesterov: "false", x0: "-1.5,1" }[name], name);
      await nothingRan(page, dialogs, JSON.stringify(row.values));
      // restore for the next row
      if (row.values.steps || row.values.momentum) await post({ type: "optlab:set", values: { steps: 77, momentum: 0.8 } });
    }
    assert.deepEqual(bad, [], bad.join("\n"));
    // shapes that are no message of the API get no reply and change nothing
    const before = await page.evaluate(() => JSON.stringify(window.optlab.state));
    const replies = await page.evaluate(() => new Promise((resolve) => {
      let n = 0;
      const h = (e) => { if (e.data && e.data.type === "optlab:applied") n++; };
      addEventListener("message", h);
      for (const m of ["optlab:set", 42, null, [], { type: "optlab:set", values: "lr=2" }, { type: "optlab:set", values: [2] }, { type: "optlab:eval", code: "window.hacked=1" }]) postMessage(m, "*");
      setTimeout(() => { removeEventListener("message", h); resolve(n); }, 300);
    }));
    assert.equal(replies, 0, "no reply to a message of no documented shape");
    assert.equal(await page.evaluate(() => JSON.stringify(window.optlab.state)), before);
    await nothingRan(page, dialogs, "other shapes");
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

// CSV text in the training chapter's data box → the status under it, exactly; the last valid rows stay in use
const CSV = [
  ["1,2,0\n3,4", "your data: x1,…,xd,label rows: line 2: expected 3 fields x1,x2,label, found 2 (not used) The last valid text stays in use."],
  ["x1,x2,label\n1,zwei,0\n2,3,1", "your data: x1,…,xd,label rows: line 2: x2 must be a number, got \"zwei\" (not used) The last valid text stays in use."],
  ["1,2,9\n2,3,0", "your data: x1,…,xd,label rows: line 1: label must be an integer from 0 to 6 (one per class), got \"9\" (not used) The last valid text stays in use."],
  ["1e7,0,0\n1,1,1", "your data: x1,…,xd,label rows: line 1: x1 must be a finite number with |x1| ≤ 1e6, got \"1e7\" (not used) The last valid text stays in use."],
  ["1,2,0\n3,4,0", "your data: x1,…,xd,label rows: all rows have the same label; at least two classes are needed (not used) The last valid text stays in use."],
  [`${XSS},1,0\n1,1,1`, "your data: x1,…,xd,label rows: line 1: x1 must be a number, got \"<img src=x onerror=window.hacked=1>\" (not used) The last valid text stays in use."],
  ["=cmd|' /C calc'!A0,1,0\n1,1,1", "your data: x1,…,xd,label rows: line 1: x1 must be a number, got \"=cmd|' /C calc'!A0\" (not used) The last valid text stays in use."],
];

test("hostile CSV text: the exact status under the box, the last valid rows and every other setting kept", async () => {
  const { context, page, errors, dialogs } = await watchedPage();
  try {
    const good = "0,0,0\n1,1,1\n0,1,0\n1,0,1";
    await open(page, srv.base, `?chapter=training&dataset=csv&lr=0.02&layers=1&csv=${encodeURIComponent(good)}`);
    const box = 'textarea[name="csv"]';
    const status = '.control[data-name="csv"] .text-status';
    const bad = [];
    for (const [text, want] of CSV) {
      await page.fill(box, text);
      await page.waitForFunction(([s]) => document.querySelector(s).textContent !== "", [status], { timeout: 10000 });
      const got = await page.textContent(status);
      if (dump) console.log(JSON.stringify(text), "\n  =>", JSON.stringify(got));
      if (got !== want) bad.push(`${JSON.stringify(text)}\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
      assert.equal(await page.$$eval(`${status} *`, (e) => e.length), 0, "the status is text");
      const st = await page.evaluate(() => window.optlab.state);
      assert.equal(st.csv, good, "the last valid rows stay in use");
      assert.deepEqual([st.lr, st.layers, st.dataset], ["0.02", "1", "csv"]);
      await nothingRan(page, dialogs, text);
      // back to valid text, which clears the status
      await page.fill(box, good);
      await page.waitForFunction(([s]) => document.querySelector(s).textContent === "", [status], { timeout: 10000 });
    }
    assert.deepEqual(bad, [], bad.join("\n"));
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("a paste the box would refuse never reaches it (no layout of megabytes): the exact status, the box and state unchanged", async () => {
  const context = await br.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: srv.base });
  const page = await context.newPage();
  const errors = watchErrors(page);
  try {
    const good = "0,0,0\n1,1,1\n0,1,0\n1,0,1";
    await open(page, srv.base, `?chapter=training&dataset=csv&lr=0.02&csv=${encodeURIComponent(good)}`);
    const box = 'textarea[name="csv"]';
    const status = '.control[data-name="csv"] .text-status';
    const row = (i, d) => [...Array.from({ length: d }, (_, j) => ((i * 31 + j * 7) % 17) / 16), i % 2].join(",");
    const wide = Array.from({ length: 1000 }, (_, i) => row(i, 784)).join("\n"); // 1,000 × 784: MBs
    const tall = Array.from({ length: 5000 }, (_, i) => row(i, 2)).join("\n"); // under the size cap, over the row cap
    const valid = Array.from({ length: 1000 }, (_, i) => row(i, 2)).join("\n"); // at the row cap
    const cases = [
      [wide, `Not pasted: the box would hold ${wide.length} characters, more than the 100000 it takes; larger data sets train with the command line (optlab train). The last valid text stays in use.`],
      [tall, "Not pasted: your data: x1,…,xd,label rows: line 1001: more than 1000 data rows (not used) The last valid text stays in use."],
    ];
    for (const [text, want] of cases) {
      await page.evaluate((t) => navigator.clipboard.writeText(t), text);
      await page.fill(box, "");
      await page.click(box);
      await page.keyboard.press("Control+V");
      await page.waitForFunction(([s]) => document.querySelector(s).textContent !== "", [status], { timeout: 10000 });
      assert.equal(await page.textContent(status), want);
      assert.equal(await page.inputValue(box), "", "nothing went into the box");
      assert.equal(await page.evaluate(() => window.optlab.state.csv), good, "the last valid rows stay in use");
    }
    // a valid paste at the row cap goes in and becomes the data
    await page.evaluate((t) => navigator.clipboard.writeText(t), valid);
    await page.fill(box, "");
    await page.click(box);
    await page.keyboard.press("Control+V");
    await page.waitForFunction((v) => window.optlab.state.csv === v, valid, { timeout: 10000 });
    assert.equal(await page.inputValue(box), valid);
    assert.equal(await page.textContent(status), "");
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

// in the worker that draws (its Session), and in the page's own instance (descriptions and checks)
for (const where of ["worker", "page"]) test(`a Rust panic (${where}) shows a banner with the message and 'Reload this state', which reloads the same settings`, async () => {
  const { context, page, errors, dialogs } = await watchedPage();
  try {
    await open(page, srv.base, "?chapter=momentum&lr=0.05&steps=77");
    // a change by hand that the link does not hold yet (the shell writes the link once the controls are still)
    await page.evaluate(() => {
      const s = document.querySelector('.control[data-name="momentum"] input[type="range"]');
      s.value = "0.5";
      s.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await settle(page, { url: false });
    const momentum = await page.evaluate(() => window.optlab.state.momentum);
    assert.ok(Math.abs(Number(momentum) - 0.5) < 0.01, momentum);
    assert.equal(await page.locator("#panic").count(), 0, "no banner before a panic");
    assert.equal(await page.evaluate(() => Boolean(window.optlab.core.worker)), true, "the page draws in a worker");
    const thrown = await page.evaluate(async ([m, where]) => {
      try {
        if (where === "page") window.wasmBindings.debug_panic(m); else await window.optlab.core.call("debug_panic", [m]);
        return null;
      } catch (e) { return String(e); }
    }, [XSS, where]);
    assert.match(thrown, /RuntimeError|unreachable/, "the panic traps the call");
    const banner = page.locator("#panic");
    await banner.waitFor({ timeout: 5000 });
    assert.equal(await banner.getAttribute("role"), "alert");
    assert.ok(await banner.isVisible());
    const text = await page.textContent("#panic-message");
    assert.ok(text.includes(`debug_panic: ${XSS}`), text);
    // (the release build leaves file and line out: "panicked:"; a build with locations says "panicked at F:L:C:")
    assert.ok(/^panicked( at [^\n]+:\d+:\d+)?:\n/.test(text) && !text.includes("<redacted>"), text);
    assert.equal(await page.$$eval("#panic *", (es) => es.map((e) => e.tagName).join(",")), "P,PRE,BUTTON", "text and a button only");
    await nothingRan(page, dialogs, "panic message");
    if (where === "page") assert.ok(errors.some((e) => /debug_panic/.test(e)), "the panic is in the console with its cause");
    // the link holds the state at once, the change by hand included
    const q = new URL(page.url()).searchParams;
    assert.deepEqual([q.get("chapter"), q.get("lr"), q.get("steps"), q.get("momentum")], ["momentum", "0.05", "77", momentum]);
    const renders = await page.evaluate(() => window.optlab.renders);
    await page.evaluate(() => window.dispatchEvent(new Event("resize")));
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.optlab.renders), renders, "no drawing after a panic");
    await page.screenshot({ path: "/tmp/optlab-panic-banner.png" });
    // "Reload this state": the same URL, a fresh page, every setting kept
    await Promise.all([page.waitForEvent("load"), page.click("#panic-reload")]);
    await page.waitForFunction(() => document.body.dataset.ready === "true" && window.optlab && window.optlab.renders > 0, null, { timeout: 30000 });
    assert.equal(await page.locator("#panic").count(), 0, "the reloaded page has no banner");
    const st = await page.evaluate(() => window.optlab.state);
    assert.deepEqual([st.lr, st.steps, st.momentum], ["0.05", "77", momentum]);
    assert.equal(await page.evaluate(() => window.optlab.chapter.id), "momentum");
  } finally {
    await context.close();
  }
});
