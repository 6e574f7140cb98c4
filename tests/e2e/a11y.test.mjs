// Accessibility (issue 13): axe-core 4 (wcag2a, wcag2aa, wcag21aa, best-practice) on every chapter in light,
// dark, projector and embed modes, plus what axe cannot see: slider value texts set in the input handler,
// focus and title after a chapter change or Reset, a messages region that is not rewritten at every step,
// one live result line, an h1 in embeds, a keyboard-reachable formulas (each scrolls by keys), and reduced motion in training.
// Run: `bash scripts/build.sh && node --test tests/e2e/a11y.test.mjs`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, serveDist, launch, watchErrors, open, settle, chapterIds } from "./harness.mjs";

const AXE = readFileSync(path.join(ROOT, "tools/node_modules/axe-core/axe.min.js"), "utf8");
const TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"];

let srv, br, ids = [];
before(async () => {
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

/** axe's violations on the page, one line each. The script is evaluated from outside the page (the
 * page's CSP, rightly, refuses an injected inline script). */
async function axe(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE);
  const v = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })
    .then((r) => r.violations.map((x) => ({ id: x.id, impact: x.impact, n: x.nodes.length, targets: x.nodes.slice(0, 3).map((n) => n.target.join(" ")), summary: x.nodes[0] && x.nodes[0].failureSummary }))), TAGS);
  return v.map((x) => `${x.id} (${x.impact}, ${x.n}×: ${x.targets.join(" | ")}) ${String(x.summary || "").replace(/\s+/g, " ").slice(0, 240)}`);
}

const MODES = [
  { name: "light", q: "theme=light", view: { width: 1280, height: 900 } },
  { name: "dark", q: "theme=dark", view: { width: 1280, height: 900 } },
  { name: "projector", q: "theme=projector", view: { width: 1280, height: 720 } },
  { name: "embed", q: "embed=1&theme=light", view: { width: 900, height: 560 } },
];

test("axe finds no violation on any chapter in light, dark, projector and embed modes", async (t) => {
  const found = [];
  for (const m of MODES) {
    const context = await br.browser.newContext({ viewport: m.view, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors = watchErrors(page);
    try {
      for (const id of ids) {
        await open(page, srv.base, `?chapter=${id}&${m.q}`);
        for (const v of await axe(page)) found.push(`${m.name}/${id}: ${v}`);
      }
      assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
    } finally {
      await context.close();
    }
  }
  if (found.length) t.diagnostic(found.join("\n"));
  assert.deepEqual(found, []);
});

test("sliders say their value as text at once; other inputs carry no aria-valuetext", async () => {
  const context = await br.browser.newContext();
  const page = await context.newPage();
  try {
    await open(page, srv.base, "?chapter=momentum");
    const wrong = await page.$$eval("[aria-valuetext]", (es) => es.filter((e) => !(e.tagName === "INPUT" && e.type === "range")).map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(wrong, []);
    assert.ok(await page.locator('input[type="range"]:not([aria-valuetext])').count() === 0, "every slider has a value text");
    // set in the input handler, not a frame later: read in the same task as the input event
    const said = await page.evaluate(() => {
      const lr = document.querySelector('input[name="lr"]');
      lr.value = String(Math.log10(1.05));
      lr.dispatchEvent(new Event("input", { bubbles: true }));
      const steps = document.querySelector('input[name="steps"]');
      steps.value = "120";
      steps.dispatchEvent(new Event("input", { bubbles: true }));
      return [lr.getAttribute("aria-valuetext"), steps.getAttribute("aria-valuetext")];
    });
    assert.deepEqual(said, ["learning rate η = 1.05, log scale", "steps T = 120"]);
    await settle(page);
    assert.equal(await page.getAttribute('input[name="lr"]', "aria-valuetext"), "learning rate η = 1.05, log scale", "the render keeps it");
  } finally {
    await context.close();
  }
});

test("after a chapter change or Reset, focus is on the chapter's heading and the title names the chapter", async () => {
  const context = await br.browser.newContext();
  const page = await context.newPage();
  try {
    await open(page, srv.base, "?chapter=momentum");
    assert.match(await page.title(), /^Momentum|momentum/i);
    await page.click('#nav a[href="?chapter=adaptive"]');
    await settle(page);
    const title = await page.textContent("h1");
    assert.equal(await page.evaluate(() => document.activeElement.id), "chapter-title");
    assert.equal(await page.title(), `${title} · optlab`);
    await page.focus('input[name="lr"]');
    await page.click("text=Reset");
    await settle(page);
    assert.equal(await page.evaluate(() => document.activeElement.id), "chapter-title");
  } finally {
    await context.close();
  }
});

test("the messages are not rewritten while they stay the same; one live result line follows the result", async () => {
  const context = await br.browser.newContext();
  const page = await context.newPage();
  try {
    // a chapter with a standing message at its defaults
    let id = null;
    for (const c of ids) {
      await open(page, srv.base, `?chapter=${c}`);
      if (await page.locator("#messages .msg").count()) { id = c; break; }
    }
    assert.ok(id, "some chapter shows a message at its defaults");
    await page.evaluate(() => {
      window.__mutations = 0;
      new MutationObserver((ms) => { window.__mutations += ms.length; }).observe(document.querySelector("#messages"), { childList: true, subtree: true, characterData: true });
    });
    const before = await page.textContent("#messages");
    const slider = page.locator('.controls input[type="range"]').last();
    for (let i = 0; i < 3; i++) { await slider.focus(); await page.keyboard.press("ArrowLeft"); await settle(page, { url: false }); }
    if ((await page.textContent("#messages")) === before) assert.equal(await page.evaluate(() => window.__mutations), 0, `${id}: #messages rewritten with the same text`);
    const live = await page.$$eval("[aria-live=polite], [role=status], [role=alert], [aria-live=assertive]", (es) => es.map((e) => e.id || e.className));
    assert.ok(live.includes("result"), live.join(", "));
    await page.waitForFunction(() => document.querySelector("#result").textContent.length > 3, null, { timeout: 3000 });
    const first = await page.$$eval("#readout dt, #readout dd", (es) => `${es[0].textContent}: ${es[1].textContent}`);
    assert.equal(await page.textContent("#result"), first);
  } finally {
    await context.close();
  }
});

test("an embed has an h1 naming the chapter; a wide formula is reachable by keyboard and scrolls by keys", async () => {
  const context = await br.browser.newContext({ viewport: { width: 800, height: 450 } });
  const page = await context.newPage();
  try {
    await open(page, srv.base, "?embed=1&chapter=muon");
    const h1 = page.getByRole("heading", { level: 1 });
    assert.equal(await h1.count(), 1);
    assert.equal(await h1.textContent(), await page.evaluate(() => window.optlab.chapter.title));
    // a phone-width page, where a wide formula scrolls sideways in its own box: Tab from the top reaches it and
    // the arrow keys scroll it
    await page.setViewportSize({ width: 340, height: 800 });
    await open(page, srv.base, "?chapter=training&theme=projector");
    assert.equal(await page.getByRole("region", { name: "Formulas" }).count(), 1);
    const wide = await page.$$eval(".formula", (fs) => fs.map((f) => f.scrollWidth > f.clientWidth + 1));
    assert.ok(wide.some(Boolean), `some formula is wider than its box at 340 px in projector mode: ${wide}`);
    // the wide ones, and only they, are tab stops
    assert.deepEqual(await page.$$eval(".formula", (fs) => fs.map((f) => f.hasAttribute("tabindex"))), wide);
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => { const a = document.activeElement; return a.classList.contains("formula") && a.scrollWidth > a.clientWidth + 1; });
    }
    assert.ok(reached, "Tab reaches a wide formula");
    assert.equal(await page.evaluate(() => document.activeElement.scrollLeft), 0);
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => document.activeElement.scrollLeft > 0);
    // on a wide screen no formula is wider than its box, and none is a tab stop any more
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForFunction(() => document.querySelectorAll(".formula[tabindex]").length === 0);
    assert.deepEqual(await page.$$eval(".formula", (fs) => fs.filter((f) => f.scrollWidth > f.clientWidth + 1).length), 0);
  } finally {
    await context.close();
  }
});

test("a formula of other settings is out of the accessibility tree and no tab stop, though it keeps its boxes", async () => {
  // hidden formulas keep their KaTeX boxes (content-visibility: hidden, style.css): their contents and their
  // group must still be absent for a screen reader, as with display: none
  const context = await br.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    await open(page, srv.base, "?chapter=training");
    const cdp = await context.newCDPSession(page);
    await cdp.send("Accessibility.enable");
    // the groups of formulas (named by their captions) and the math nodes in Chromium's accessibility tree
    const tree = async () => {
      await settle(page);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
      const { nodes } = await cdp.send("Accessibility.getFullAXTree");
      const live = nodes.filter((n) => !n.ignored);
      // each formula's element by its DOM node, shown or hidden: which of them the tree exposes, in page order
      const { root } = await cdp.send("DOM.getDocument", { depth: 0 });
      const { nodeIds } = await cdp.send("DOM.querySelectorAll", { nodeId: root.nodeId, selector: ".formula" });
      const backend = [];
      for (const nodeId of nodeIds) backend.push((await cdp.send("DOM.describeNode", { nodeId })).node.backendNodeId);
      const captions = await page.$$eval(".formula .caption", (cs) => cs.map((c) => c.textContent.split(/[: ]/)[0]));
      const exposed = new Set(live.map((n) => n.backendDOMNodeId));
      return {
        groups: captions.filter((c, i) => exposed.has(backend[i])),
        math: live.filter((n) => n.role?.value === "MathMLMath").length,
      };
    };
    const dom = () => page.$$eval(".formula", (fs) => ({
      shown: fs.filter((f) => !f.hidden).map((f) => f.querySelector(".caption").textContent.split(/[: ]/)[0]),
      shownMath: fs.filter((f) => !f.hidden).reduce((n, f) => n + [...f.querySelectorAll("math")].filter((m) => !m.closest(".shape[hidden]")).length, 0),
      hiddenMath: fs.filter((f) => f.hidden).reduce((n, f) => n + f.querySelectorAll("math").length, 0),
    }));
    const pick = async (name, value) => { await page.selectOption(`.controls [name="${name}"]`, value); await settle(page); };
    const t0 = await tree(), d0 = await dom();
    assert.deepEqual(t0.groups, d0.shown);
    assert.ok(d0.shownMath > 0);
    assert.equal(t0.math, d0.shownMath);
    await pick("optimizer", "sam");
    await pick("compare", "muon");
    const t1 = await tree(), d1 = await dom();
    assert.ok(d1.shown.includes("SAM") && d1.shown.includes("Muon"), d1.shown.join(", "));
    assert.deepEqual(t1.groups, d1.shown);
    assert.equal(t1.math, d1.shownMath);
    // back to the defaults: SAM's and Muon's formulas are hidden, their typeset boxes still in the page, and the
    // tree is as at the start
    await pick("compare", "off");
    await pick("optimizer", "adam");
    const t2 = await tree(), d2 = await dom();
    assert.ok(d2.hiddenMath > 0, "the hidden formulas keep their typeset math");
    assert.deepEqual(t2.groups, t0.groups);
    assert.equal(t2.math, t0.math);
    assert.deepEqual(await page.$$eval(".formula[hidden]", (fs) => fs.filter((f) => f.hasAttribute("tabindex") || f.getAttribute("aria-hidden") !== "true").length), 0);
  } finally {
    await context.close();
  }
});

test("with prefers-reduced-motion, a training run advances but redraws about twice a second", async () => {
  const context = await br.browser.newContext({ reducedMotion: "reduce" });
  const page = await context.newPage();
  try {
    await open(page, srv.base, "?chapter=training");
    const r0 = await page.evaluate(() => [window.optlab.renders, document.querySelector("#progress").value]);
    await page.click("#play");
    await page.waitForTimeout(2000);
    const r1 = await page.evaluate(() => [window.optlab.renders, document.querySelector("#progress").value, window.optlab.playing]);
    await page.click("#play").catch(() => {});
    assert.ok(r1[1] > r0[1], `the run advanced: ${r0[1]} → ${r1[1]}`);
    assert.ok(r1[0] - r0[0] <= 6, `${r1[0] - r0[0]} redraws in 2 s`);
    assert.ok(r1[0] - r0[0] >= 2 || !r1[2], `still redrawn while it trains: ${r1[0] - r0[0]}`);
  } finally {
    await context.close();
  }
});

test("every plot has a text alternative that says what it shows now (aria-describedby), and it follows the controls", async () => {
  const context = await br.browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  try {
    for (const id of ids) {
      await open(page, srv.base, `?chapter=${id}`);
      const alts = await page.$$eval("canvas.plot", (cs) => cs.map((c) => {
        const d = document.getElementById(c.getAttribute("aria-describedby") || "");
        return { id: c.id, text: d ? d.textContent : null, inFigure: !!d && d.closest("figure") === c.closest("figure") };
      }));
      assert.ok(alts.length > 0, id);
      for (const a of alts) {
        // numbers read from the chart (or, before a training has run, that there are none yet)
        assert.ok(a.text && a.text.length > 30 && /\d|yet\./.test(a.text), `${a.id}: ${a.text}`);
        assert.ok(a.inFigure, a.id);
        assert.doesNotMatch(a.text, /NaN|undefined/, a.id);
      }
    }
    await open(page, srv.base, "?chapter=momentum&lr=0.1");
    const before = await page.$$eval("canvas.plot", (cs) => cs.map((c) => document.getElementById(c.getAttribute("aria-describedby")).textContent));
    console.log(before.join("\n"));
    await page.$eval('input[name="lr"]', (e) => { e.value = String(Math.log10(0.3)); e.dispatchEvent(new Event("input", { bubbles: true })); });
    await settle(page);
    const afterTexts = await page.$$eval("canvas.plot", (cs) => cs.map((c) => document.getElementById(c.getAttribute("aria-describedby")).textContent));
    assert.ok(afterTexts.filter((t, i) => t !== before[i]).length >= 2, "the texts follow η");
    // the description paragraphs are hidden (no layout per change): Chromium's accessibility tree still gives
    // each canvas its current text as the description
    const cdp = await context.newCDPSession(page);
    await cdp.send("Accessibility.enable");
    const { root } = await cdp.send("DOM.getDocument", { depth: -1 });
    const canvasIds = await page.$$eval("canvas.plot", (cs) => cs.map((c) => c.id));
    for (const [i, cid] of canvasIds.entries()) {
      const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector: `#${cid}` });
      const { nodes } = await cdp.send("Accessibility.getPartialAXTree", { nodeId, fetchRelatives: false });
      const description = nodes[0].description && nodes[0].description.value;
      assert.equal(description, afterTexts[i], `${cid}: accessible description`);
    }
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});
