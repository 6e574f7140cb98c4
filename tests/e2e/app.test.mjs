// End-to-end tests of the built app (dist/) in a real headless Chromium, driven from outside the page with
// playwright-core. Run: `bash scripts/build.sh && node --test tests/e2e/`.
// Screenshots of every chapter go to tests/e2e/screenshots/ (git-ignored): look at them.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ROOT, DIST, SCREENSHOTS, serveDist, launch, watchErrors, open, settle, canvasInfo, readoutText, chapterIds, copiedBy,
} from "./harness.mjs";

let srv, br, ids = [];
const VIEW = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };

// Errors the page may log that are not the app's: Chrome asks every server for /favicon.ico.
const ignorable = (e) => /favicon\.ico/.test(e);

async function newPage(opts = VIEW) {
  const context = await br.browser.newContext(opts);
  const page = await context.newPage();
  const errors = watchErrors(page);
  return { context, page, errors };
}

/** A live chapter (a training) starts at step 0: press Play, as a user would, and let the run finish, so
 * its charts have data and two pages of one state show the same finished run. */
/** A readout text without its lines of times measured in this browser (the Muon chapter's msign costs): those
 * differ from page to page by nature, everything else a link must reproduce exactly. */
function reproducible(text) {
  const xs = text.split(" | ");
  const out = [];
  for (let i = 0; i + 1 < xs.length; i += 2) if (!xs[i].includes("measured in this browser")) out.push(xs[i], xs[i + 1]);
  return out.join(" | ");
}

async function prime(page) {
  if (!(await page.evaluate(() => !!window.optlab.chapter.live))) return;
  const finished = () => page.evaluate(() => { const p = document.querySelector("#progress"); return p.value >= p.max && p.max > 1; });
  if (!(await finished())) {
    await page.click("#play");
    await page.waitForFunction(() => { const p = document.querySelector("#progress"); return p.value >= p.max && p.max > 1; }, null, { timeout: 180000 });
  }
  await settle(page);
  assert.equal(await page.evaluate(() => window.optlab.playing), false, "play stops at the end of the run");
}

/** Data was drawn: coloured pixels (axes, grid and text are grey in every theme; a legend alone gives
 * ~70 per device pixel ratio). */
function assertDrawn(c, dpr, what = c.id) {
  assert.ok(c.chromatic > 150 * dpr, `${what} drew only ${c.chromatic} coloured pixels`);
}

/** Everything the user can read, plus the values of inputs and outputs. */
async function allText(page) {
  return page.evaluate(() => document.body.innerText + " " +
    [...document.querySelectorAll("input, select, output")].map((e) => e.value).join(" "));
}

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  srv = await serveDist();
  br = await launch();
  const { context, page } = await newPage();
  try {
    await open(page, srv.base);
    ids = await chapterIds(page);
  } finally {
    await context.close();
  }
});

after(async () => {
  // always close the browser and the server, whatever failed
  try { if (br) await br.close(); } finally { if (srv) srv.server.close(); }
});

test("the server hands out the wasm as application/wasm and the page ships KaTeX locally", async () => {
  const html = readFileSync(path.join(DIST, "index.html"), "utf8");
  const wasm = html.match(/[\w-]+_bg\.wasm/);
  assert.ok(wasm, "index.html names its wasm");
  const res = await fetch(srv.base + wasm[0]);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/wasm");
  const { context, page } = await newPage();
  try {
    const external = [];
    page.on("request", (r) => { if (!r.url().startsWith(srv.base) && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) external.push(r.url()); });
    await open(page, srv.base);
    assert.deepEqual(external, [], "nothing is fetched from outside dist/");
    assert.ok(await page.evaluate(() => !!window.katex), "KaTeX loaded from dist/katex");
    assert.ok(await page.locator(".formula .katex").count() > 0, "formulas rendered by KaTeX");
  } finally {
    await context.close();
  }
});

test("every chapter opens, draws, reacts to a slider, and its link reproduces the view", async (t) => {
  assert.ok(ids.length >= 1, "the page lists chapters");
  const navIds = [];
  for (const id of ids) {
    await t.test(id, async () => {
      const { context, page, errors } = await newPage();
      try {
        await open(page, srv.base, `?chapter=${encodeURIComponent(id)}`);
        assert.equal(await page.evaluate(() => window.optlab.chapter.id), id);
        if (!navIds.length) {
          navIds.push(...await page.$$eval("#nav a", (as) => as.map((a) => new URL(a.href).searchParams.get("chapter"))));
          assert.deepEqual(navIds, ids, "the nav lists every chapter in the core's order");
        }
        const msgs = await page.$$eval("#messages .msg.error, #messages .msg.warn", (ps) => ps.map((p) => p.textContent));
        assert.deepEqual(msgs, [], "no error or warning at the defaults");
        await prime(page);

        // every canvas drew data (coloured pixels: axes and text are grey in every theme)
        const before = await canvasInfo(page);
        const want = await page.evaluate(() => window.optlab.chapter.canvases.length);
        assert.equal(before.length, want, "one canvas per chart");
        for (const c of before) {
          assert.ok(c.width >= 200 && c.height >= 100, `${c.id} is ${c.width}×${c.height}`);
          assertDrawn(c, 1);
        }
        const ro = await readoutText(page);
        assert.ok(ro.length > 10, `readout: ${ro}`);
        assert.ok(!/NaN/.test(await allText(page)), "no NaN on the page");
        assert.match(await page.textContent("#timing"), /computed in [\d.]+ ms, drawn in [\d.]+ ms/);

        // every control has a visible label naming it (accessible name) and shows its value
        const unlabeled = await page.$$eval(".controls input, .controls select", (els) =>
          els.filter((e) => !(e.labels && e.labels.length && e.labels[0].textContent.trim())).map((e) => e.name));
        assert.deepEqual(unlabeled, [], "controls without a label");
        const names = await page.$$eval(".controls [name]", (els) => els.map((e) => e.name));
        const controls = await page.evaluate(() => window.optlab.chapter.controls.map((c) => c.name));
        assert.deepEqual(names, controls, "each control is an input/select named by its spec field");
        await page.screenshot({ path: path.join(SCREENSHOTS, `${id}.png`), fullPage: true });

        // formulas: typeset by KaTeX without errors; live values fill placeholders in captions and TeX, but
        // never a TeX argument such as the {n} of \tfrac{m}{n} (even when a control is called n)
        // (a formula of some settings only, such as the training chapter's SAM step, is hidden and typeset when shown)
        const formulas = await page.evaluate(() => [...document.querySelectorAll(".formula:not([hidden])")].map((f) => ({
          tex: f.dataset.tex,
          caption: f.querySelector(".caption").textContent,
          katex: !!f.querySelector(".tex .katex"),
          error: !!f.querySelector(".katex-error"),
          typeset: [...f.querySelectorAll('annotation[encoding="application/x-tex"]')].map((a) => a.textContent).join(" "),
        })));
        for (const f of formulas) {
          assert.ok(f.katex && !f.error, `formula typeset by KaTeX without error: ${f.tex}`);
          assert.ok(!/\{[a-z_0-9]+\}/.test(f.caption), `caption placeholder left: ${f.caption}`);
          for (const m of f.tex.matchAll(/[A-Za-z}^_]\{([a-z_0-9]+)\}/g)) {
            assert.ok(f.typeset.includes(`{${m[1]}}`), `TeX argument {${m[1]}} was replaced in ${f.tex} → ${f.typeset}`);
          }
        }

        // move a slider with the keyboard, as a user would: lr if there is one, else the first visible one
        const slider = await page.evaluate(() => {
          const ranges = [...document.querySelectorAll('.controls input[type="range"]')].filter((e) => !e.closest(".control").hidden);
          const pick = ranges.find((e) => e.name === "lr") || ranges[0];
          if (!pick) return null;
          return { name: pick.name, atMax: Number(pick.value) >= Number(pick.max) - 1e-9 };
        });
        assert.ok(slider, "a visible slider");
        const url0 = new URL(page.url());
        const state0 = await page.evaluate(() => ({ ...window.optlab.state }));
        const renders0 = await page.evaluate(() => window.optlab.renders);
        await page.focus(`.controls input[name="${slider.name}"]`);
        for (let i = 0; i < 10; i++) await page.keyboard.press(slider.atMax ? "ArrowLeft" : "ArrowRight");
        await settle(page);
        await prime(page);
        const state1 = await page.evaluate(() => ({ ...window.optlab.state }));
        assert.ok(await page.evaluate((n) => window.optlab.renders > n, renders0), "the change rendered");
        assert.notEqual(state1[slider.name], state0[slider.name], `${slider.name} moved`);
        const after = await canvasInfo(page);
        assert.ok(after.some((c, i) => c.hash !== before[i].hash), "a canvas changed");
        const ro1 = await readoutText(page);
        assert.notEqual(ro1, ro, `the readout changed after ${slider.name}: ${state0[slider.name]} → ${state1[slider.name]}`);
        const url1 = new URL(page.url());
        assert.equal(url1.searchParams.get("chapter"), id);
        assert.equal(url1.searchParams.get(slider.name), state1[slider.name], "the URL holds the new value");
        assert.notEqual(url1.search, url0.search, "the URL changed");
        for (const c of controls) assert.equal(url1.searchParams.get(c), state1[c], `the URL holds ${c}`);
        const shown = await page.textContent(`.control[data-name="${slider.name}"] output`);
        assert.ok(shown.trim().length > 0 && !/NaN/.test(shown), `value shown next to ${slider.name}: ${shown}`);
        assert.ok(!/NaN/.test(await allText(page)), "no NaN on the page after the change");

        // the link reproduces the view in a fresh page
        const again = await context.newPage();
        const errors2 = watchErrors(again);
        await open(again, "", url1.href);
        await prime(again);
        assert.deepEqual(await again.evaluate(() => ({ ...window.optlab.state })), state1, "same state");
        assert.equal(reproducible(await readoutText(again)), reproducible(ro1), "same readout (times measured in the browser aside)");
        const after2 = await canvasInfo(again);
        assert.deepEqual(after2.map((c) => c.hash), after.map((c) => c.hash), "same pixels");
        const texts = (pg) => pg.$$eval("#messages .msg", (ps) => ps.map((p) => `${p.className}: ${p.textContent}`));
        assert.deepEqual(await texts(again), await texts(page), "a shared link gives the same messages (no warning about the link)");
        errors.push(...errors2);
        assert.deepEqual(errors.filter((e) => !ignorable(e)), [], "no page errors");
      } finally {
        await context.close();
      }
    });
  }
});

test("every chapter in projector (1280×720, and a projector link opened on a phone), dark, phone (390 px, HiDPI, upright and sideways) and tablet (768 px) layouts", async (t) => {
  const views = [
    { name: "projector-1280x720", query: "&theme=projector", opts: { viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 }, full: false },
    // (the projector's two columns once made this page 527 px wide: the overflow check below)
    { name: "projector-phone", query: "&theme=projector", opts: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }, full: false },
    { name: "dark", query: "", opts: { ...VIEW, colorScheme: "dark" }, full: false },
    { name: "phone", query: "", opts: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }, full: true },
    { name: "tablet", query: "", opts: { viewport: { width: 768, height: 1024 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }, full: false },
    { name: "sideways", query: "", opts: { viewport: { width: 844, height: 390 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }, full: false },
  ];
  for (const v of views) {
    await t.test(v.name, async () => {
      const { context, page, errors } = await newPage(v.opts);
      try {
        // every chapter is checked; the problems of all of them are reported together
        const problems = [];
        const check = (ok, what) => { if (!ok) problems.push(what); };
        for (const id of ids) {
          await open(page, srv.base, `?chapter=${id}${v.query}`);
          await prime(page);
          await page.screenshot({ path: path.join(SCREENSHOTS, `${id}-${v.name}.png`), fullPage: v.full });
          // (a full-page screenshot of a phone can resize the page for a moment, and the page then draws its canvases
          // again: CI once read a plot of the phone view blank here and drawn after settling, lookahead's loss plot)
          await settle(page);
          const theme = await page.evaluate(() => document.documentElement.dataset.theme);
          const want = v.name === "dark" ? "dark" : v.name.startsWith("projector") ? "projector" : "light";
          check(theme === want, `${id}: data-theme ${theme}, not ${want}`);
          const dpr = v.opts.deviceScaleFactor;
          const infos = await canvasInfo(page);
          // (a blank plot is still a failure; what the page was doing then, and whether the plot is drawn once the
          // page has settled again, go into the message: a rare blank in CI was not reproduced locally)
          const blank = infos.filter((c) => c.chromatic <= 150 * dpr);
          const why = blank.length ? ` (${await page.evaluate(() => {
            const o = window.optlab;
            return `hand-over ${o.handover}, busy ${Boolean(o.busy())}, stale ${o.stale}, renders ${o.renders}`;
          })}; after settling again: ${await settle(page).then(() => canvasInfo(page)).then((again) =>
            again.map((c) => `${c.id} ${c.chromatic}`).join(", "))})` : "";
          for (const c of infos) {
            check(c.chromatic > 150 * dpr, `${id}/${c.id} drew only ${c.chromatic} coloured pixels (${c.width}×${c.height}, ${c.opaque} opaque)${why}`);
            if (dpr === 2) {
              const css = await page.$eval(`#${c.id}`, (e) => e.clientWidth);
              check(c.width === Math.round(css * 2), `${id}/${c.id}: ${c.width} device pixels for ${css} CSS pixels`);
            }
          }
          if (v.name === "projector-1280x720") {
            // the lecture hall: the page chrome must leave the screen to the chapter
            const header = await page.$eval("header.chrome", (e) => e.getBoundingClientRect().height);
            check(header <= 0.25 * v.opts.viewport.height, `${id}: the header takes ${Math.round(header)} of ${v.opts.viewport.height} px`);
            // and the first plot starts in the top half of the screen (introduction and try-this start folded)
            const plotTop = await page.$eval("canvas.plot", (e) => e.getBoundingClientRect().top);
            check(plotTop <= 0.5 * v.opts.viewport.height, `${id}: the first plot starts ${Math.round(plotTop)} px down a ${v.opts.viewport.height} px screen`);
          }
          if (v.name === "dark") {
            // a desktop screen (1280×900), introduction and try-this open: the first plot starts in the top three
            // quarters of the screen (a try-this list of more than six folds all but its first four; the training
            // chapter's eleven put its first plot at 922 px, below the screen)
            // (from the page's top: the checks above may have scrolled it)
            const plotTop = await page.$eval("canvas.plot", (e) => e.getBoundingClientRect().top + window.scrollY);
            check(plotTop <= 0.75 * v.opts.viewport.height, `${id}: the first plot starts ${Math.round(plotTop)} px down a ${v.opts.viewport.height} px screen`);
            const tried = await page.$$eval(".try > ul > li, .try details.more li", (ls) => ls.map((l) => l.checkVisibility()));
            check(tried.length <= 6 ? tried.every(Boolean) : tried.filter(Boolean).length === 4,
              `${id}: ${tried.filter(Boolean).length} of its ${tried.length} try-this experiments shown`);
          }
          if (v.name === "phone" || v.name === "sideways") {
            // a link opened on a phone shows its chapter, not the list of chapters (one scrolling row there)
            const header = await page.$eval("header.chrome", (e) => e.getBoundingClientRect().height);
            check(header <= (v.name === "phone" ? 0.2 : 0.25) * v.opts.viewport.height, `${id}: the header takes ${Math.round(header)} of ${v.opts.viewport.height} px`);
            const current = await page.$eval('#nav a[aria-current="page"]', (a) => {
              const r = a.getBoundingClientRect(), n = a.parentElement.getBoundingClientRect();
              // (all of it, or its start when it is wider than the row)
              return r.left >= n.left - 1 && (r.right <= n.right + 1 || r.width > n.width);
            });
            check(current, `${id}: the current chapter is scrolled out of the chapter row`);
          }
          if (v.name === "phone" || v.name === "tablet") {
            // the first plot stays at the top of the screen, in at most half of it, while the controls scroll
            await page.evaluate(() => document.querySelector(".controls").scrollIntoView({ block: "start" }));
            const plot = await page.$eval(".plots > figure:first-child", (f) => { const r = f.getBoundingClientRect(); return [r.top, r.bottom]; });
            const control = await page.$eval(".controls .control:not([hidden])", (c) => c.getBoundingClientRect().top);
            check(plot[0] >= -1 && plot[1] <= 0.5 * v.opts.viewport.height && control >= plot[1] - 1,
              `${id}: beside the controls the first plot is at ${plot.map(Math.round)} px, the first control at ${Math.round(control)}`);
          }
          if (v.name === "sideways") {
            // held sideways: on opening, the first plot starts in the top half of the screen (the introduction starts
            // folded, the chapter's notes follow the plot); then it stays beside the controls, whole on the screen,
            // from the first control to the last
            const at = await page.evaluate(async () => {
              const frame = () => new Promise((r) => requestAnimationFrame(r));
              window.scrollTo(0, 0);
              await frame();
              const opened = Math.round(document.querySelector("canvas.plot").getBoundingClientRect().top);
              const fig = () => { const r = document.querySelector(".plots > figure:first-child").getBoundingClientRect(); return [r.top, r.bottom, r.left].map(Math.round); };
              const rows = [...document.querySelectorAll(".controls .control:not([hidden])")];
              rows[0].scrollIntoView({ block: "start" });
              await frame();
              const first = fig();
              rows[rows.length - 1].scrollIntoView({ block: "end" });
              await frame();
              return { opened, first, last: fig(), right: Math.round(document.querySelector(".controls").getBoundingClientRect().right) };
            });
            check(at.opened <= 0.5 * v.opts.viewport.height, `${id}: the first plot starts ${at.opened} px down a ${v.opts.viewport.height} px screen`);
            for (const [which, [top, bottom, left]] of [["first", at.first], ["last", at.last]]) {
              check(top >= -1 && bottom <= v.opts.viewport.height + 1 && left >= at.right,
                `${id}: beside the ${which} control the first plot is at top ${top}, bottom ${bottom}, left ${left} (the controls end at ${at.right})`);
            }
          }
          // (a mobile viewport widens to fit overflowing content, so compare with the device width)
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth) - v.opts.viewport.width;
          check(overflow <= 0, `${id}: the page is ${overflow} px wider than the ${v.opts.viewport.width} px screen`);
          check(!/NaN/.test(await allText(page)), `${id}: NaN on the page`);
        }
        assert.deepEqual(problems, []);
        assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
      } finally {
        await context.close();
      }
    });
  }
});

test("a small phone held sideways (568×320, also under 600 px wide) opens with its first plot before the chapter's notes", async () => {
  const { context, page } = await newPage({ viewport: { width: 568, height: 320 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  try {
    await open(page, srv.base, "?chapter=momentum");
    const [plot, notes] = await page.evaluate(() => ["canvas.plot", "#messages"].map((s) => Math.round(document.querySelector(s).getBoundingClientRect().top)));
    assert.ok(plot <= 200, `the first plot starts ${plot} px down a 320 px screen`);
    assert.ok(notes > plot, `the notes (at ${notes} px) follow the plot (at ${plot} px)`);
  } finally {
    await context.close();
  }
});

test("bad URL values give messages and no NaN", async () => {
  const { context, page } = await newPage();
  try {
    await open(page, srv.base, "?chapter=landscapes&lr=abc&kappa=1e9");
    const msgs = await page.$$eval("#messages .msg", (ps) => ps.map((p) => p.textContent));
    assert.ok(msgs.some((m) => /learning rate/.test(m) && /not a number/.test(m)), msgs.join("\n"));
    assert.ok(msgs.some((m) => /condition number/.test(m) && /outside/.test(m)), msgs.join("\n"));
    assert.ok(!/NaN/.test(await allText(page)), "no NaN on the page");
    const st = await page.evaluate(() => window.optlab.state);
    const defaults = await page.evaluate(() => window.wasmBindings.normalize("landscapes", {}).state);
    assert.equal(st.lr, defaults.lr, "lr falls back to its default");
    assert.equal(st.kappa, "1000", "kappa is clamped to its maximum");
    const q = new URL(page.url()).searchParams;
    assert.equal(q.get("lr"), defaults.lr, "the URL is rewritten with valid values");
    assert.equal(q.get("kappa"), "1000");
    for (const c of await canvasInfo(page)) assertDrawn(c, 1);

    // text from the URL is shown as text, never run
    await open(page, srv.base, "?chapter=landscapes&problem=%3Cimg%20src%3Dx%20onerror%3D%22window.pwned%3D1%22%3E");
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.equal(await page.locator("#messages img").count(), 0);
    assert.ok((await page.textContent("#messages")).includes("<img"), "the bad value is quoted as text");
  } finally {
    await context.close();
  }
});

test("a setting that cannot be computed says why and leaves no chart of the last setting on show", async () => {
  const { context, page } = await newPage();
  try {
    await open(page, srv.base, "?chapter=training&dropout=0.2");
    const empty = () => page.$$eval(".plots figure", (fs) => fs.map((f) => [f.hasAttribute("data-empty"),
      getComputedStyle(f.querySelector("canvas.plot")).visibility, getComputedStyle(f, "::before").content]));
    const before = await empty();
    assert.ok(before.length >= 8 && before.every(([e, v]) => !e && v === "visible"), JSON.stringify(before));
    await page.selectOption(".controls [name=optimizer]", "newton");
    await settle(page);
    assert.match(await page.textContent("#messages"), /Newton's method with dropout p = 0\.2 is not built/);
    const after = await empty();
    assert.ok(after.every(([e, v, c]) => e && v === "hidden" && /not drawn for these settings/.test(c)), JSON.stringify(after));
    await page.selectOption(".controls [name=optimizer]", "adam");
    await settle(page);
    assert.ok((await empty()).every(([e, v]) => !e && v === "visible"), "the charts are back");
    assertDrawn((await canvasInfo(page)).find((c) => c.id === "cv-training-regions"), 1);
  } finally {
    await context.close();
  }
});

test("an unknown chapter falls back to the first with a message", async () => {
  const { context, page } = await newPage();
  try {
    await open(page, srv.base, "?chapter=nope");
    assert.equal(await page.evaluate(() => window.optlab.chapter.id), ids[0]);
    const msgs = await page.textContent("#messages");
    assert.match(msgs, /no chapter “nope”/);
    assert.equal(new URL(page.url()).searchParams.get("chapter"), ids[0]);
    await open(page, srv.base, "");
    assert.equal(await page.evaluate(() => window.optlab.chapter.id), ids[0], "/ opens the first chapter");
    assert.equal(await page.locator("#messages .msg.warn, #messages .msg.error").count(), 0, "/ gives no warning");
  } finally {
    await context.close();
  }
});

test("embed mode hides the page chrome and the hidden controls", async () => {
  const { context, page } = await newPage({ viewport: { width: 900, height: 600 }, deviceScaleFactor: 1 });
  try {
    await open(page, srv.base, "?embed=1&chapter=landscapes&hide=kappa");
    assert.equal(await page.locator("header.chrome").isVisible(), false, "header hidden");
    assert.equal(await page.locator("footer.chrome").isVisible(), false, "footer hidden");
    assert.equal(await page.locator(".intro").isVisible(), false, "intro hidden");
    // fit mode may put the controls in a drawer (when the row would take over a quarter of the height): open it
    if (await page.$eval("body", (b) => b.classList.contains("drawer"))) await page.click(".drawer-toggle");
    assert.equal(await page.locator('.control[data-name="kappa"]').isVisible(), false, "kappa hidden");
    assert.equal(await page.locator('.control[data-name="lr"]').isVisible(), true, "lr still shown");
    for (const c of await canvasInfo(page)) assertDrawn(c, 1);
    // a change keeps embed and hide in the URL (a copied link stays an embed link)
    await page.focus('.controls input[name="lr"]');
    await page.keyboard.press("ArrowLeft");
    await settle(page);
    const q = new URL(page.url()).searchParams;
    assert.equal(q.get("embed"), "1");
    assert.equal(q.get("hide"), "kappa");
    await page.screenshot({ path: path.join(SCREENSHOTS, "embed-landscapes.png") });
  } finally {
    await context.close();
  }
});

test("a slide deck drives an embedded chapter by postMessage (www/embed-example.html)", async () => {
  const { context, page, errors } = await newPage();
  try {
    await page.goto(srv.base + "embed-example.html");
    await page.evaluate(() => { window.__got = []; addEventListener("message", (e) => window.__got.push(e.data)); });
    const frameEl = await page.waitForSelector("iframe");
    const frame = await frameEl.contentFrame();
    await frame.waitForFunction(() => document.body.dataset.ready === "true" && window.optlab && window.optlab.renders > 0, null, { timeout: 30000 });
    await settle(frame);
    assert.equal(await frame.locator('.control[data-name="newton"]').isVisible(), false, "hide= from the iframe src");
    const s0 = await frame.evaluate(() => ({ ...window.optlab.state }));
    const ro0 = await readoutText(frame);
    const cv0 = await canvasInfo(frame);

    await page.keyboard.press("ArrowRight"); // fragment 1: kappa 100, lr 1.6
    await frame.waitForFunction(() => window.optlab.state.kappa === "100", null, { timeout: 10000 });
    await settle(frame);
    const s1 = await frame.evaluate(() => ({ ...window.optlab.state }));
    assert.notEqual(s1.kappa, s0.kappa);
    assert.equal(s1.lr, "1.6");
    assert.notEqual(await readoutText(frame), ro0, "the readout changed");
    const cv1 = await canvasInfo(frame);
    assert.ok(cv1.some((c, i) => c.hash !== cv0[i].hash), "a canvas changed");
    assert.equal(await frame.$eval('input[name="kappa"]', (e) => Math.round(10 ** Number(e.value))), 100, "the slider follows");

    await page.keyboard.press("ArrowRight"); // fragment 2: lr 0.5
    await frame.waitForFunction(() => window.optlab.state.lr === "0.5", null, { timeout: 10000 });
    await settle(frame);
    // ← undoes fragment 2 (the deck sends the state of the fragments shown so far), → shows it again
    await page.keyboard.press("ArrowLeft");
    await frame.waitForFunction(() => window.optlab.state.lr === "1.6" && window.optlab.state.kappa === "100", null, { timeout: 10000 });
    await page.keyboard.press("ArrowRight");
    await frame.waitForFunction(() => window.optlab.state.lr === "0.5", null, { timeout: 10000 });
    await settle(frame);

    // the embed tells its parent about every render, and answers optlab:get
    await page.waitForFunction(() => window.__got.some((d) => d.type === "optlab:rendered" && d.state.lr === "0.5"));
    const reply = await page.evaluate(() => new Promise((resolve) => {
      addEventListener("message", (e) => { if (e.data && e.data.type === "optlab:state") resolve(e.data); });
      document.querySelector("iframe").contentWindow.postMessage({ type: "optlab:get" }, "*");
    }));
    assert.equal(reply.chapter, "landscapes");
    assert.equal(reply.state.kappa, "100");
    assert.equal(reply.state.lr, "0.5");
    // unknown names are ignored, not added to the state
    await page.evaluate(() => document.querySelector("iframe").contentWindow.postMessage({ type: "optlab:set", values: { bogus: 1 } }, "*"));
    await settle(frame);
    assert.equal(await frame.evaluate(() => "bogus" in window.optlab.state), false);
    // every set is answered: invalid values keep the current one, out-of-range ones are clamped (issue 9/13)
    const applied = await page.evaluate(() => new Promise((resolve) => {
      addEventListener("message", (e) => { if (e.data && e.data.type === "optlab:applied") resolve(e.data); });
      document.querySelector("iframe").contentWindow.postMessage({ type: "optlab:set", values: {
        lr: "<img src=x onerror=alert(1)>", kappa: 1e9, bogus: 1, x0: [1, 2], steps: 20, newton: { a: 1 } } }, "*");
    }));
    const names = (xs) => xs.map((x) => x.name).sort();
    assert.deepEqual(names(applied.rejected), ["bogus", "lr", "newton", "x0"], JSON.stringify(applied));
    assert.deepEqual(names(applied.adjusted), ["kappa"], JSON.stringify(applied));
    assert.equal(applied.state.lr, "0.5", "an invalid value keeps the current one");
    assert.equal(applied.state.steps, "20");
    assert.ok(applied.rejected.find((x) => x.name === "lr").reason.includes("kept 0.5"));
    await settle(frame);
    assert.equal(await frame.evaluate(() => document.querySelectorAll("#chapter img").length), 0, "nothing injected");
    const shown = await frame.evaluate(() => document.querySelector("#messages").textContent);
    assert.ok(shown.includes("kept 0.5"), shown);
    await page.screenshot({ path: path.join(SCREENSHOTS, "embed-example.png") });
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("theme=projector and the theme menu set data-theme and redraw", async () => {
  const { context, page } = await newPage();
  try {
    await open(page, srv.base, "?chapter=landscapes&theme=projector");
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "projector");
    assert.equal(await page.$eval("#theme", (e) => e.value), "projector");
    const font = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    const cv0 = await canvasInfo(page);
    await page.selectOption("#theme", "dark");
    await settle(page);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    assert.equal(new URL(page.url()).searchParams.get("theme"), "dark", "the theme is part of the link");
    const cv1 = await canvasInfo(page);
    assert.ok(cv1.every((c, i) => c.hash !== cv0[i].hash), "every canvas redrawn in the dark theme");
    await page.selectOption("#theme", "light");
    await settle(page);
    const lightFont = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    assert.ok(font > lightFont, `projector type (${font}px) is larger than light (${lightFont}px)`);
  } finally {
    await context.close();
  }
});

test("clicking the landscapes map sets x0", async () => {
  const { context, page } = await newPage();
  try {
    await open(page, srv.base, "?chapter=landscapes");
    const x00 = await page.evaluate(() => window.optlab.state.x0);
    const box = await page.locator("#cv-landscapes-map").boundingBox();
    const clickAt = async (fx, fy) => {
      await page.mouse.click(box.x + fx * box.width, box.y + fy * box.height);
      await settle(page);
      return (await page.evaluate(() => window.optlab.state.x0)).split(",").map(Number);
    };
    const a = await clickAt(0.4, 0.5);
    assert.notEqual(a.join(","), x00, "x0 changed");
    assert.ok(a.every(Number.isFinite), `x0 = ${a}`);
    const b = await clickAt(0.7, 0.5);
    assert.ok(b[0] > a[0], `further right is larger x (${a} → ${b})`);
    assert.ok(Math.abs(b[1] - a[1]) < 1e-9, `same height is the same y (${a} → ${b})`);
    const c = await clickAt(0.7, 0.3);
    assert.ok(c[1] > b[1], `higher up is larger y (${b} → ${c})`);
    assert.equal(new URL(page.url()).searchParams.get("x0"), c.join(","), "the URL holds x0");
    assert.equal(await page.$eval('input[name="x0"]', (e) => e.value), c.join(","), "the x0 field shows it");
  } finally {
    await context.close();
  }
});

test("dragging on a map with the mouse moves x0 (or η, β) with the pointer; on a touch screen a tap sets it, a finger on the point drags it, elsewhere scrolls", async () => {
  const { context, page, errors } = await newPage();
  try {
    await open(page, srv.base, "?chapter=landscapes");
    const box = await page.locator("#cv-landscapes-map").boundingBox();
    const to = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
    const x0 = async () => (await page.evaluate(() => window.optlab.state.x0)).split(",").map(Number);
    await page.mouse.move(...to(0.3, 0.6));
    const r0 = await page.evaluate(() => window.optlab.renders);
    await page.mouse.down();
    const seen = [];
    for (let i = 1; i <= 8; i++) {
      await page.mouse.move(...to(0.3 + 0.05 * i, 0.6 - 0.03 * i));
      await page.waitForTimeout(40);
      seen.push((await x0()).join(","));
    }
    await page.mouse.up();
    await settle(page);
    const end = await x0();
    const renders = (await page.evaluate(() => window.optlab.renders)) - r0;
    assert.ok(renders >= 4, `the drag drew ${renders} times on its way`);
    assert.ok(new Set(seen).size >= 4, `x0 moved with the pointer: ${seen.join(" → ")}`);
    // where the drag ended is where a click there puts x0
    await page.mouse.click(...to(0.7, 0.36));
    await settle(page);
    assert.deepEqual(await x0(), end, "the drag ends where a click at its end point sets x0");
    // the (η, β) map of the momentum chapter: a drag sweeps both
    await open(page, srv.base, "?chapter=momentum");
    await page.locator("#cv-momentum-rates").scrollIntoViewIfNeeded();
    const rb = await page.locator("#cv-momentum-rates").boundingBox();
    const lrBeta = () => page.evaluate(() => [window.optlab.state.lr, window.optlab.state.momentum].join(","));
    await page.mouse.move(rb.x + 0.3 * rb.width, rb.y + 0.7 * rb.height);
    await page.mouse.down();
    const sweep = [];
    for (let i = 1; i <= 5; i++) {
      await page.mouse.move(rb.x + (0.3 + 0.08 * i) * rb.width, rb.y + (0.7 - 0.08 * i) * rb.height);
      await page.waitForTimeout(40);
      sweep.push(await lrBeta());
    }
    await page.mouse.up();
    await settle(page);
    assert.ok(new Set(sweep).size >= 3, `η, β followed the pointer: ${sweep.join(" → ")}`);
    assert.ok(!/NaN/.test(await allText(page)), "no NaN on the page");
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
  // a touch screen (a phone): a tap sets x0; a finger that lands on the drawn point drags it (the page stays);
  // a finger that moves elsewhere on the map scrolls the page and leaves the point where it was
  const touch = await newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true });
  try {
    const tp = touch.page;
    const cdp = await tp.context().newCDPSession(tp);
    const finger = (type, x, y) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: type === "touchEnd" ? [] : [{ x, y, id: 1 }] });
    const state = (k) => tp.evaluate((k) => window.optlab.state[k], k);
    const scrollY = () => tp.evaluate(() => window.scrollY);
    await open(tp, srv.base, "?chapter=landscapes");
    const before = await state("x0");
    await tp.locator("#cv-landscapes-map").scrollIntoViewIfNeeded();
    await settle(tp);
    let box = await tp.locator("#cv-landscapes-map").boundingBox();
    await tp.touchscreen.tap(box.x + 0.6 * box.width, box.y + 0.4 * box.height);
    await settle(tp);
    assert.notEqual(await state("x0"), before, "a tap set x0");
    // where the point is drawn, in CSS pixels of the page (the core's handles are in the canvas's pixels)
    const point = async (id) => tp.evaluate((id) => {
      const cv = document.getElementById(id);
      const r = cv.getBoundingClientRect(), k = cv.width / r.width, h = window.optlab.handles.find((e) => e[0] === id.split("-").pop());
      return h && [r.left + h[1] / k, r.top + h[2] / k];
    }, id);
    for (const [chapter, id, keys] of [["landscapes", "map", ["x0"]], ["momentum", "rates", ["lr", "momentum"]]]) {
      if (chapter !== "landscapes") await open(tp, srv.base, `?chapter=${chapter}`);
      const sel = `#cv-${chapter}-${id}`;
      await tp.locator(sel).scrollIntoViewIfNeeded();
      await settle(tp);
      const at = await point(`cv-${chapter}-${id}`);
      assert.ok(at, `${chapter}: the core says where the ${id}'s point is`);
      const values = async () => (await Promise.all(keys.map(state))).join(" ");
      const v0 = await values(), y0 = await scrollY(), seen = [];
      await finger("touchStart", ...at);
      for (let i = 1; i <= 6; i++) {
        await finger("touchMove", at[0] + 9 * i, at[1] + 7 * i);
        await tp.waitForTimeout(40);
        seen.push(await values());
      }
      await finger("touchEnd");
      await settle(tp);
      assert.ok(new Set([v0, ...seen]).size >= 4, `${chapter}: ${keys} followed the finger: ${v0} → ${seen.join(" → ")}`);
      assert.equal(await scrollY(), y0, `${chapter}: dragging the point did not scroll the page`);
      const dragged = await values();
      // a finger that lands away from the point (its far corner) and moves up scrolls
      box = await tp.locator(sel).boundingBox();
      const far = [box.x + (at[0] - box.x < box.width / 2 ? 0.92 : 0.08) * box.width, box.y + 0.85 * box.height];
      await finger("touchStart", ...far);
      for (let i = 1; i <= 6; i++) { await finger("touchMove", far[0], far[1] - 25 * i); await tp.waitForTimeout(20); }
      await finger("touchEnd");
      await settle(tp);
      assert.ok((await scrollY()) > y0 + 50, `${chapter}: a finger away from the point scrolled the page (${y0} → ${await scrollY()})`);
      assert.equal(await values(), dragged, `${chapter}: scrolling over the map left ${keys} alone`);
    }
  } finally {
    await touch.context.close();
  }
});

test("exports: CSV and JSON downloads, and the copied spec runs with `optlab run`", async (t) => {
  const { context, page } = await newPage({ ...VIEW, acceptDownloads: true, permissions: ["clipboard-read", "clipboard-write"] });
  try {
    await open(page, srv.base, "?chapter=landscapes&newton=false");
    const grab = async (label) => {
      const [dl] = await Promise.all([page.waitForEvent("download"), page.click(`.tools button:text-is("${label}")`)]);
      return readFileSync(await dl.path(), "utf8");
    };
    const csv = await grab("Export CSV");
    assert.ok(csv.split("\n").length > 10 && /loss/.test(csv.split("\n")[0]), csv.slice(0, 200));
    const report = JSON.parse(await grab("Export JSON"));
    const specText = await copiedBy(page, '.tools button:text-is("Copy spec")');
    const spec = JSON.parse(specText);
    assert.ok(Array.isArray(spec.runs) && spec.runs.length >= 1, specText);
    await page.screenshot({ path: path.join(SCREENSHOTS, "copy-spec.png") });

    const bin = ["target/release/optlab", "target/debug/optlab"].map((p) => path.join(ROOT, p)).find(existsSync);
    if (!bin) { t.skip("no native optlab binary built (cargo build): CLI cross-check skipped"); return; }
    const file = path.join(tmpdir(), `optlab-e2e-spec-${process.pid}.json`);
    writeFileSync(file, specText);
    const cli = JSON.parse(execFileSync(bin, ["run", file, "--format", "json"], { encoding: "utf8" }));
    assert.equal(report.runs.length, cli.runs.length, "same number of runs in the export and the CLI");
    report.runs.forEach((r, i) => {
      const x = r.loss, y = cli.runs[i].loss;
      assert.equal(x.length, y.length, `run ${i}: trace lengths`);
      for (let k = 0; k < x.length; k++) {
        const tol = 1e-9 * Math.max(1, Math.abs(y[k]));
        assert.ok(Math.abs(x[k] - y[k]) <= tol, `run ${i} step ${k}: browser ${x[k]} vs CLI ${y[k]}`);
      }
    });
  } finally {
    await context.close();
  }
});

test("the training chapter trains when Play is pressed: the test-accuracy readout rises", async () => {
  const { context, page } = await newPage();
  try {
    // a short run on moons with Adam, so the test takes seconds
    await open(page, srv.base, "?chapter=training&preset=custom&dataset=moons&optimizer=adam&lr=0.01&steps=600&speed=60&compare=off");
    const accuracy = () => page.evaluate(() => {
      const dts = [...document.querySelectorAll("#readout dt")];
      const i = dts.findIndex((d) => /test loss \/ accuracy/.test(d.textContent));
      if (i < 0) return null;
      const m = document.querySelectorAll("#readout dd")[i].textContent.match(/([\d.]+)\s*%/);
      return m ? Number(m[1]) : null;
    });
    const before = await accuracy();
    assert.ok(before !== null, "a test-accuracy readout at step 0");
    await page.click("#play");
    await page.waitForFunction(() => { const p = document.querySelector("#progress"); return p.max > 1 && p.value >= p.max; }, null, { timeout: 120000 });
    await settle(page);
    const after = await accuracy();
    assert.ok(after > before + 10 && after >= 90, `test accuracy rose from ${before}% to ${after}%`);
    assert.equal(await page.evaluate(() => document.querySelector("#play").textContent), "Play", "it stops by itself at the end");
  } finally {
    await context.close();
  }
});

test("your data: CSV rows typed or loaded from a file train, a bad line is named, long data stays out of the link", async () => {
  const { context, page, errors } = await newPage();
  try {
    await open(page, srv.base, "?chapter=training&dataset=csv&lr=0.02&layers=1");
    const dataLine = () => page.evaluate(() => {
      const dts = [...document.querySelectorAll("#readout dt")];
      const i = dts.findIndex((d) => d.textContent === "data");
      return i < 0 ? null : document.querySelectorAll("#readout dd")[i].textContent;
    });
    assert.match(await dataLine(), /^two moons \(instead of your data\)/);
    const rows = ["x1,x2,label"];
    for (let i = 0; i < 90; i++) {
      const c = i % 3, t = (2 * Math.PI * c) / 3;
      rows.push(`${(Math.cos(t) + 0.2 * Math.sin(7 * i)).toFixed(3)},${(Math.sin(t) + 0.2 * Math.cos(5 * i)).toFixed(3)},${c}`);
    }
    const good = rows.join("\n") + "\n";
    // typing: the text is checked once typing stops
    await page.fill('textarea[name="csv"]', good);
    await page.waitForFunction((g) => window.optlab.state.csv === g, good, { timeout: 10000 });
    await settle(page);
    assert.equal(await dataLine(), "your data: 90 rows of 2 features, 3 classes → 45 training, 45 test points");
    assert.equal(new URL(page.url()).searchParams.get("csv"), good, "the rows travel in the link");
    assert.match(new URL(page.url()).search, /csv=x1,x2,label%0A/, "commas stay readable in the link");
    assert.equal(await page.textContent('.control[data-name="csv"] output'), "91 lines");

    // a bad line: named under the box, as text only; the last valid rows and every other setting stay
    const before = await page.evaluate(() => ({ ...window.optlab.state }));
    await page.fill('textarea[name="csv"]', good + '1,2,<img src=x onerror="window.hacked=1">\n');
    await page.waitForFunction(() => /line 92/.test(document.querySelector(".text-status").textContent), null, { timeout: 10000 });
    await settle(page);
    const status = await page.textContent(".text-status");
    assert.match(status, /line 92: label must be an integer from 0 to 6/);
    assert.match(status, /The last valid text stays in use/);
    assert.equal(await page.$$eval(".text-status *", (e) => e.length), 0, "shown as text, no markup");
    assert.equal(await page.evaluate(() => window.hacked), undefined);
    assert.deepEqual(await page.evaluate(() => ({ ...window.optlab.state })), before, "nothing else is lost");
    assert.equal(await dataLine(), "your data: 90 rows of 2 features, 3 classes → 45 training, 45 test points");
    assert.ok((await page.inputValue('textarea[name="csv"]')).includes("<img"), "the draft stays in the box to be fixed");

    // a file's text goes into the box and is checked at once
    const fileRows = ["# two classes", "-1,-1,0", "-1.2,-0.8,0", "-0.8,-1.1,0", "1,1,1", "1.1,0.9,1", "0.9,1.2,1", "1.2,1.1,1", "-1.1,-0.9,0"];
    await page.setInputFiles('.control[data-name="csv"] input[type="file"]', { name: "mine.csv", mimeType: "text/csv", buffer: Buffer.from(fileRows.join("\n")) });
    await page.waitForFunction(() => window.optlab.state.csv.startsWith("# two classes"), null, { timeout: 10000 });
    await settle(page);
    assert.equal(await dataLine(), "your data: 8 rows of 2 features, 2 classes → 4 training, 4 test points");
    assert.equal(await page.textContent(".text-status"), "", "the error is gone");

    // too long for a link: kept in the page, left out of the link, and said so
    const long = Array.from({ length: 900 }, (_, i) => `${(Math.sin(i) * 2).toFixed(5)},${(Math.cos(3 * i) * 2).toFixed(5)},${i % 2}`).join("\n");
    await page.fill('textarea[name="csv"]', long);
    await page.waitForFunction((l) => window.optlab.state.csv === l, long, { timeout: 10000 });
    await settle(page);
    assert.match(await page.textContent(".text-note"), /Too long to share by link \(\d+ characters once encoded; a link carries at most 8000\)/);
    assert.equal(new URL(page.url()).searchParams.get("csv"), null, "not in the link");
    assert.equal(await dataLine(), "your data: 900 rows of 2 features, 2 classes → 450 training, 450 test points");
    await page.screenshot({ path: path.join(SCREENSHOTS, "training-csv.png"), fullPage: true });
    assert.deepEqual(errors.filter((e) => !ignorable(e)), [], "no page errors");
  } finally {
    await context.close();
  }
});

test("a guided comparison sets the controls it implies; any of them can then change", async () => {
  const { context, page, errors } = await newPage();
  try {
    await open(page, srv.base, "?chapter=training");
    const ctl = (name) => page.evaluate((n) => {
      const row = document.querySelector(`.control[data-name="${n}"]`);
      return { value: row.querySelector("input,select").value, shown: row.querySelector("output").textContent, hidden: row.hidden };
    }, name);
    await page.selectOption('select[name="preset"]', "sam_vs_sgd_label_noise");
    await settle(page);
    const st = await page.evaluate(() => ({ ...window.optlab.state }));
    assert.equal(st.preset, "sam_vs_sgd_label_noise");
    assert.deepEqual([st.label_noise, st.compare, st.layers, st.width, st.steps, st.lr], ["0.2", "sam", "3", "32", "8000", "0.03"]);
    assert.equal((await ctl("label_noise")).shown, "0.2", "the slider shows the preset's value");
    assert.equal((await ctl("compare")).value, "sam");
    const url = new URL(page.url()).searchParams;
    assert.deepEqual([url.get("preset"), url.get("label_noise"), url.get("compare")], ["sam_vs_sgd_label_noise", "0.2", "sam"], "the link holds them");
    assert.match(await readoutText(page), /B · SAM around SGD with momentum/);
    // the link reopens the preset
    const again = await context.newPage();
    await open(again, "", page.url());
    assert.equal(await again.evaluate(() => window.optlab.state.preset), "sam_vs_sgd_label_noise");
    await again.close();
    // change one of its controls: the change is used and the select says "custom"
    await page.focus('input[name="label_noise"]');
    await page.keyboard.press("ArrowRight");
    await settle(page);
    const st2 = await page.evaluate(() => ({ ...window.optlab.state }));
    assert.equal(st2.preset, "custom");
    assert.notEqual(st2.label_noise, "0.2");
    assert.deepEqual([st2.compare, st2.width], ["sam", "32"], "the other values stay");
    assert.equal((await ctl("preset")).value, "custom");
    assert.deepEqual(errors.filter((e) => !ignorable(e)), [], "no page errors");
  } finally {
    await context.close();
  }
});

test("training: Copy spec gives the `optlab train` spec that reproduces the run's exported metrics", async (t) => {
  const { context, page } = await newPage({ ...VIEW, acceptDownloads: true, permissions: ["clipboard-read", "clipboard-write"] });
  try {
    await open(page, srv.base, "?chapter=training&optimizer=momentum&lr=0.05&compare=adam&compare_lr=0.01&schedule=cosine&steps=300&speed=60");
    await prime(page);
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click('.tools button:text-is("Export JSON")')]);
    const app = JSON.parse(readFileSync(await dl.path(), "utf8"));
    const specText = await copiedBy(page, '.tools button:text-is("Copy spec")');
    const specs = JSON.parse(specText);
    assert.ok(Array.isArray(specs) && specs.length === 2, "a comparison copies a list of two train specs");
    assert.equal(specs[0].steps, 300);
    assert.equal(specs[1].optimizer.kind ?? Object.keys(specs[1].optimizer)[0], "adam", specText.slice(0, 400));
    assert.equal(app.runs.length, 2);

    const bin = ["target/release/optlab", "target/debug/optlab"].map((p) => path.join(ROOT, p)).find(existsSync);
    if (!bin) { t.skip("no native optlab binary built (cargo build): CLI cross-check skipped"); return; }
    const file = path.join(tmpdir(), `optlab-e2e-train-${process.pid}.json`);
    writeFileSync(file, specText);
    const cli = JSON.parse(execFileSync(bin, ["train", file, "--format", "json"], { encoding: "utf8" }));
    assert.equal(cli.runs.length, 2);
    let compared = 0;
    app.runs.forEach((r, i) => {
      assert.equal(r.label, cli.runs[i].label);
      const at = new Map(cli.runs[i].history.map((m) => [m.step, m]));
      for (const m of r.history) {
        const c = at.get(m.step);
        if (!c) continue;
        for (const k of ["train_loss", "train_accuracy", "test_loss", "test_accuracy", "batch_loss", "lr", "epoch", "samples"]) {
          if (m[k] === null) { assert.equal(c[k], null, `${k} at step ${m.step}`); continue; }
          assert.ok(Math.abs(m[k] - c[k]) <= 1e-9 * Math.max(1, Math.abs(c[k])), `run ${i} step ${m.step} ${k}: browser ${m[k]} vs CLI ${c[k]}`);
          compared++;
        }
      }
      assert.equal(r.history.at(-1).step, 300, "the browser's run finished");
    });
    assert.ok(compared >= 2 * 200 * 6, `${compared} values compared`);
  } finally {
    await context.close();
  }
});

test("accessibility: slider value text, focus and title on a chapter change, quiet messages, embed heading", async () => {
  const { context, page, errors } = await newPage();
  try {
    await page.goto(srv.base + "?chapter=momentum");
    await page.waitForFunction(() => document.body.dataset.ready === "true" && window.optlab.renders > 0);
    await settle(page);
    // aria-valuetext on sliders only, readable, and up to date at the input event
    const misplaced = await page.$$eval("[aria-valuetext]", (xs) => xs.filter((x) => x.type !== "range").map((x) => x.name));
    assert.deepEqual(misplaced, []);
    const text = await page.$eval('input[name="lr"]', (e) => e.getAttribute("aria-valuetext"));
    assert.match(text, /^learning rate η = .+, log scale$/);
    const sameTick = await page.$eval('input[name="momentum"]', (e) => {
      e.value = String(Number(e.value) + Number(e.step || 0.01) * 10);
      e.dispatchEvent(new Event("input", { bubbles: true }));
      return [e.getAttribute("aria-valuetext"), window.optlab.state.momentum];
    });
    // the text names the value just set (as the slider's label rounds it), not the previous one
    assert.ok(Math.abs(Number(sameTick[0].split("= ")[1]) - Number(sameTick[1])) < 1e-3, JSON.stringify(sameTick));
    // the messages region is not rebuilt when its text does not change
    await settle(page);
    const rebuilt = await page.evaluate(async () => {
      let n = 0;
      new MutationObserver(() => { n += 1; }).observe(document.querySelector("#messages"), { childList: true });
      const e = document.querySelector('input[name="kappa"]');
      for (let i = 0; i < 5; i++) { e.value = String(Number(e.value) + 0.01); e.dispatchEvent(new Event("input", { bubbles: true })); await new Promise((r) => setTimeout(r, 60)); }
      return n;
    });
    assert.equal(rebuilt, 0, "no message changed, so #messages was not rebuilt");
    // a chapter change names the chapter in the title and moves focus to its heading
    await page.click('#nav a[href="?chapter=sam"]');
    await page.waitForFunction(() => window.optlab.chapter.id === "sam");
    assert.match(await page.title(), /Sharpness-Aware Minimization · optlab/);
    assert.equal(await page.evaluate(() => document.activeElement.tagName), "H1");
    // a formula is a tab stop exactly while it is wider than its box (at 1280 px, none is)
    assert.deepEqual(await page.$$eval(".formula", (fs) => fs.map((e) => [e.hasAttribute("tabindex"), e.scrollWidth > e.clientWidth + 1])).then((xs) => xs.filter(([t, w]) => t !== w)), []);
    assert.equal(await page.$$eval(".formula[tabindex]", (fs) => fs.length), 0);
    // an embedded chapter keeps an h1
    await page.goto(srv.base + "?chapter=muon&embed=1");
    await page.waitForFunction(() => document.body.dataset.ready === "true" && window.optlab.renders > 0);
    assert.equal(await page.$eval("h1", (e) => e.textContent.length > 0), true);
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("a formula that loses a line keeps its space: the controls below it do not move under the pointer", async () => {
  // Muon's momentum formula has two lines with Nesterov on (the default) and one with it off
  const { context, page, errors } = await newPage();
  try {
    // KaTeX's Size1 font arriving late (as on a loaded machine: a CI failure) makes the panel 0.03 px taller
    // after it first took its height: the panel must take that as its new floor, however small the step
    await page.route(/KaTeX_Size1-Regular\.woff2$/, async (r) => { await new Promise((s) => setTimeout(s, 800)); await r.continue(); });
    await open(page, srv.base, "?chapter=muon");
    await page.evaluate(() => document.fonts.ready);
    await settle(page);
    const box = '.controls [name="nesterov"]';
    // its place in the side column (which is sticky, and the page may scroll to the box)
    const y = () => page.$eval(box, (e) => e.getBoundingClientRect().top - e.closest(".side").getBoundingClientRect().top);
    // (the shape the piece shows: it keeps the other one hidden, see showVariant)
    const lines = () => page.$eval('.formula [data-name="momentum_use"] > .shape:not([hidden])', (e) => e.textContent.includes("use"));
    const before = await y();
    assert.equal(await lines(), true, "the Nesterov term is shown");
    for (const on of [false, true, false]) {
      await page.click(box);
      await settle(page);
      assert.equal(await lines(), on, `Nesterov ${on ? "on" : "off"}`);
      assert.equal(await y(), before, `the Nesterov box stays at ${before} px with Nesterov ${on ? "on" : "off"}`);
    }
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("a formula that takes another's place keeps the panel's height; one that goes alone gives its space back", async () => {
  // the training chapter's loss swaps its formula (cross-entropy 56 px, squared error 68 px at 1280 px); Muon's
  // formula comes with the optimizer and goes with it
  const { context, page, errors } = await newPage();
  try {
    await open(page, srv.base, "?chapter=training");
    await page.evaluate(() => document.fonts.ready);
    await settle(page);
    const y = (name) => page.$eval(`.controls [name="${name}"]`, (e) => e.getBoundingClientRect().top - e.closest(".side").getBoundingClientRect().top);
    const caption = () => page.$$eval(".formula:not([hidden]) .caption", (cs) => cs.map((c) => c.textContent).join(" | "));
    const pick = async (name, value) => { await page.selectOption(`.controls [name="${name}"]`, value); await settle(page); };
    // a formula that comes moves the controls down; when it goes alone, they move back up to where they were
    const before = await y("optimizer");
    await pick("optimizer", "muon");
    assert.match(await caption(), /Muon/);
    assert.ok((await y("optimizer")) > before + 50, "Muon's formula takes its space");
    await pick("optimizer", "sgd");
    assert.doesNotMatch(await caption(), /Muon/);
    assert.equal(await y("optimizer"), before, "and gives it back when it goes");
    // a loss swaps its formula for another: the taller one's height stays
    await pick("loss", "squared");
    assert.match(await caption(), /squared error/);
    const tall = await y("loss");
    for (const loss of ["cross_entropy", "squared", "cross_entropy"]) {
      await pick("loss", loss);
      assert.match(await caption(), loss === "squared" ? /squared error/ : /cross-entropy/);
      assert.equal(await y("loss"), tall, `the loss list stays at ${tall} px with ${loss}`);
    }
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("without KaTeX (its script fails to load) the formulas show their TeX as text, and the live values in it follow the controls", async () => {
  const { context, page, errors } = await newPage();
  try {
    await page.route(/katex\.min\.js$/, (r) => r.fulfill({ status: 404, body: "" }));
    await open(page, srv.base, "?chapter=muon&lr=0.1");
    await page.waitForFunction(() => document.querySelector('.formula [data-name="lr"]')?.textContent.length > 0, null, { timeout: 5000 });
    const text = () => page.$eval(".formula:nth-child(2) .tex", (e) => e.textContent);
    assert.equal(await page.locator(".formula .katex").count(), 0);
    assert.match(await text(), /\\mathrm\{msign\}.*0\.100/);
    // a shape-changing value too (Muon's momentum form), as text
    await page.selectOption('.controls [name="momentum_form"]', "sum");
    await settle(page);
    assert.match(await page.$eval('.formula [data-name="momentum_g"]', (e) => e.textContent), /^G_t/);
    await page.focus('.controls [name="lr"]');
    await page.keyboard.press("ArrowRight");
    await settle(page);
    const lr = await page.evaluate(() => window.optlab.state.lr);
    assert.notEqual(lr, "0.1");
    assert.ok((await text()).includes(Number(lr).toPrecision(3)), `${await text()} shows η = ${lr}`);
    assert.deepEqual(errors.filter((e) => !ignorable(e) && !/404|katex/i.test(e)), []);
  } finally {
    await context.close();
  }
});

test("the formulas of other settings are typeset in idle time and stay hidden: the first preset that shows one typesets only its values", async () => {
  const { context, page, errors } = await newPage();
  try {
    await open(page, srv.base, "?chapter=training");
    // every fixed piece of every hidden formula typeset while the page is idle, the formulas still hidden
    await page.waitForFunction(() => {
      const hidden = [...document.querySelectorAll(".formula[hidden]")];
      const fixed = ({ dataset: d }) => d.fixed ?? (d.whole !== undefined && !/(?<![A-Za-z}^_])\{[a-z_0-9]+\}/.test(d.whole) ? d.whole : undefined);
      return hidden.length > 0 && hidden.every((f) => f.optlabPieces.every((p) => fixed(p) === undefined || p.dataset.shown === fixed(p)));
    }, null, { timeout: 15000 });
    const hidden = await page.$$eval(".formula[hidden]", (fs) => fs.map((f) => ({
      caption: f.querySelector(".caption").textContent.split(/[: ]/)[0],
      aria: f.getAttribute("aria-hidden"),
      warm: f.classList.contains("warm"),
      visibility: getComputedStyle(f).contentVisibility,
      katex: f.querySelectorAll(".katex").length,
    })));
    assert.ok(hidden.some((f) => f.caption === "SAM"), hidden.map((f) => f.caption).join(", "));
    for (const f of hidden) {
      assert.deepEqual([f.aria, f.warm, f.visibility], ["true", false, "hidden"], f.caption);
      assert.ok(f.katex > 0, `${f.caption} typeset`);
    }
    // the SAM preset shows SAM's formula: KaTeX is asked for values only, never for a fixed piece
    await page.evaluate(() => {
      window.typesetNow = [];
      const render = window.katex.render.bind(window.katex);
      window.katex.render = (tex, ...rest) => { window.typesetNow.push(tex); return render(tex, ...rest); };
    });
    await page.selectOption('.controls [name="preset"]', "sam_vs_sgd_label_noise");
    await settle(page);
    const { asked, fixed, shown } = await page.evaluate(() => ({
      asked: window.typesetNow,
      fixed: [...document.querySelectorAll(".formula:not([hidden]) .piece")].map((p) => p.dataset.fixed ?? p.dataset.whole).filter(Boolean),
      shown: [...document.querySelectorAll(".formula:not([hidden]) .caption")].map((c) => c.textContent.split(/[: ]/)[0]),
    }));
    assert.ok(shown.includes("SAM"), shown.join(", "));
    assert.deepEqual(asked.filter((t) => fixed.includes(t)), [], `typeset in the change: ${asked.join(" | ")}`);
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("a live value whose TeX changes shape keeps the shapes it showed and swaps them, the hidden ones out of the accessibility tree", async () => {
  const { context, page, errors } = await newPage();
  try {
    await open(page, srv.base, "?chapter=muon");
    await page.evaluate(() => document.fonts.ready);
    const piece = '.formula [data-name="momentum_g"]';
    const state = () => page.$eval(piece, (p) => {
      const shapes = [...p.children];
      const shown = shapes.filter((s) => !s.hidden);
      window.optlabTag ??= 0;
      for (const s of shapes) s.dataset.tag ??= String(window.optlabTag++);
      return {
        classes: shapes.map((s) => s.className),
        shown: shown.map((s) => s.dataset.tag),
        text: shown.map((s) => s.querySelector(".katex-mathml annotation").textContent),
        hidden: shapes.filter((s) => s.hidden).map((s) => [s.getAttribute("aria-hidden"), getComputedStyle(s).contentVisibility]),
      };
    });
    const s0 = await state();
    assert.deepEqual(s0.classes, ["shape"]);
    assert.match(s0.text[0], /1-\\beta/);
    const pick = async (value) => { await page.selectOption('.controls [name="momentum_form"]', value); await settle(page); };
    await pick("sum");
    const s1 = await state();
    assert.equal(s1.classes.length, 2, "the EMA's shape is kept beside the sum's");
    assert.equal(s1.shown.length, 1);
    assert.notEqual(s1.shown[0], s0.shown[0]);
    assert.match(s1.text[0], /^G_t/);
    assert.deepEqual(s1.hidden, [["true", "hidden"]]);
    // back to the EMA: the same span as at first is shown again, nothing new is typeset
    await pick("ema");
    const s2 = await state();
    assert.deepEqual(s2.shown, s0.shown);
    assert.equal(s2.classes.length, 2);
    assert.deepEqual(s2.hidden, [["true", "hidden"]]);
    // Chromium's accessibility tree has one math node per formula: the hidden shapes are not in it
    const cdp = await context.newCDPSession(page);
    await cdp.send("Accessibility.enable");
    const { nodes } = await cdp.send("Accessibility.getFullAXTree");
    const mathNodes = nodes.filter((n) => !n.ignored && n.role?.value === "MathMLMath").length;
    const visibleMath = await page.$$eval(".formula:not([hidden]) math", (ms) => ms.filter((m) => !m.closest(".shape[hidden]")).length);
    const allMath = await page.$$eval(".formula math", (ms) => ms.length);
    assert.ok(allMath > visibleMath, `hidden shapes hold math too (${allMath} > ${visibleMath})`);
    assert.equal(mathNodes, visibleMath);
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("the training chapter shows the formulas of the optimizers and loss it runs, typeset with their values; the panel fits them", async () => {
  const { context, page, errors } = await newPage();
  try {
    await open(page, srv.base, "?chapter=training");
    await page.evaluate(() => document.fonts.ready);
    const shown = () => page.$$eval(".formula", (fs) => fs.filter((f) => !f.hidden && f.offsetHeight > 0).map((f) => f.querySelector(".caption").textContent.split(/[: ]/)[0]));
    const panel = () => page.$eval(".formulas", (e) => e.getBoundingClientRect().height);
    assert.deepEqual(await shown(), ["mini-batch", "softmax", "sharpness", "loss"]);
    const h0 = await panel();
    const pick = async (name, value) => { await page.selectOption(`.controls [name="${name}"]`, value); await settle(page); };
    await pick("optimizer", "sam");
    assert.deepEqual(await shown(), ["mini-batch", "softmax", "SAM", "sharpness", "loss"]);
    const sam = await page.$$eval(".formula:not([hidden])", (fs) => fs.map((f) => [f.querySelector(".caption").textContent, f.querySelector(".tex").textContent]).find(([c]) => c.startsWith("SAM")));
    assert.match(sam[0], /^SAM: the inner optimizer/);
    assert.match(sam[1], /ρ=0\.05/, `SAM's formula shows ρ: ${sam[1]}`);
    assert.ok(await panel() > h0 + 20, "the panel grew by SAM's formula");
    await pick("compare", "muon");
    assert.deepEqual(await shown(), ["mini-batch", "softmax", "SAM", "Muon", "sharpness", "loss"]);
    await pick("loss", "squared");
    assert.deepEqual(await shown(), ["mini-batch", "squared", "SAM", "Muon", "sharpness", "loss"]);
    // back to the defaults: the panel is as tall as at the start, with no gap where the formulas were
    await pick("loss", "cross_entropy");
    await pick("compare", "off");
    await pick("optimizer", "adam");
    assert.deepEqual(await shown(), ["mini-batch", "softmax", "sharpness", "loss"]);
    // batch normalisation's formula, while it is on
    await pick("batch_norm", "on");
    assert.deepEqual(await shown(), ["mini-batch", "batch", "softmax", "sharpness", "loss"]);
    await pick("batch_norm", "off");
    await page.waitForFunction((h) => Math.abs(document.querySelector(".formulas").getBoundingClientRect().height - h) < 0.5, h0, { timeout: 5000 });
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("dist/ ships only the KaTeX files the page uses, and every chapter's formulas render with no 404 and match a fresh typesetting after changes", async () => {
  // katex.min.js, katex.min.css and a few woff2 fonts (scripts/katex.mjs), not KaTeX's whole dist folder
  const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  const shipped = walk(path.join(DIST, "katex")).map((f) => path.relative(path.join(DIST, "katex"), f));
  assert.ok(shipped.includes("katex.min.js") && shipped.includes("katex.min.css"), shipped.join(", "));
  const other = shipped.filter((f) => !/^katex\.min\.(js|css)$/.test(f) && !/^fonts\/KaTeX_[\w-]+\.woff2$/.test(f));
  assert.deepEqual(other, [], "only katex.min.js, katex.min.css and woff2 fonts");
  assert.ok(shipped.length <= 12, `${shipped.length} KaTeX files shipped`);
  const { context, page, errors } = await newPage();
  try {
    let splitFormulas = 0, renumbered = 0;
    const from = srv.requests.length;
    for (const id of ids) {
      await open(page, srv.base, `?chapter=${encodeURIComponent(id)}`);
      // every option of every select once (they change which formulas and symbols show)
      await page.evaluate(async () => {
        const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        for (const s of document.querySelectorAll(".controls select")) {
          for (let i = 0; i < s.options.length; i++) { s.selectedIndex = i; s.dispatchEvent(new Event("input", { bubbles: true })); await frame(); }
        }
        // and every slider to both ends and back: live values change inside the typeset formulas (a value whose
        // digits alone change is written into KaTeX's nodes without typesetting: formulas.js, renumbered)
        for (const r of document.querySelectorAll(".controls input[type=range]")) {
          for (const v of [r.min, r.max, r.value]) { r.value = v; r.dispatchEvent(new Event("input", { bubbles: true })); await frame(); }
        }
        await document.fonts.ready;
      });
      // every piece of a formula updated in place (patchChildren) is node for node what KaTeX makes of its TeX
      // afresh, and the pieces together are the formula's TeX with the live values put in
      const check = await page.evaluate(() => {
        const stale = [...document.querySelectorAll(".formula:not([hidden]) .piece")].filter((p) => {
          if (!p.dataset.shown) return true;
          const fresh = document.createElement("span");
          window.katex.render(p.dataset.shown, fresh, { throwOnError: false, trust: false, displayMode: false });
          // a live value's piece shows one of the shapes it keeps (showVariant)
          const shapes = [...p.children].filter((c) => c.classList.contains("shape"));
          if (p.classList.contains("given")) {
            const shown = shapes.filter((c) => !c.hidden);
            return shapes.length !== p.children.length || shown.length !== 1 || fresh.innerHTML !== shown[0].innerHTML;
          }
          return fresh.innerHTML !== p.innerHTML;
        }).map((p) => p.dataset.shown || `(not typeset: ${p.dataset.fixed ?? p.dataset.name ?? p.dataset.whole})`);
        const split = [...document.querySelectorAll(".formula:not([hidden])")].filter((f) => f.querySelector(".piece.given")).map((f) => ({
          tex: f.dataset.tex,
          pieces: [...f.querySelectorAll(".piece")].map((p) => (p.dataset.name ? `{${p.dataset.name}}${p.dataset.after}` : p.dataset.fixed)).join(""),
        }));
        return { stale, split, total: document.querySelectorAll(".formula").length };
      });
      assert.deepEqual(check.stale, [], `${id}: formula pieces that differ from a fresh typesetting`);
      renumbered += await page.evaluate(() => window.optlab.renumbered || 0);
      splitFormulas += check.split.length;
      // (up to the break allowed after each ",\quad")
      for (const f of check.split) assert.equal(f.pieces.replaceAll("{}", "").replaceAll("\\allowbreak ", ""), f.tex.replaceAll("{}", ""), `${id}: the pieces make up the formula`);
      const f = await page.evaluate(() => ({
        formulas: document.querySelectorAll(".formula:not([hidden])").length,
        typeset: [...document.querySelectorAll(".formula:not([hidden])")].filter((x) => x.querySelector(".tex .katex")).length,
        errors: document.querySelectorAll(".katex-error").length,
        failedFonts: [...document.fonts].filter((x) => x.status === "error").map((x) => x.family),
        loadedFonts: [...document.fonts].filter((x) => x.status === "loaded").length,
      }));
      assert.ok(f.formulas > 0 && f.typeset === f.formulas && f.errors === 0, `${id}: ${JSON.stringify(f)}`);
      assert.deepEqual(f.failedFonts, [], `${id}: fonts that failed to load`);
      assert.ok(f.loadedFonts >= 2, `${id}: KaTeX's fonts loaded (${f.loadedFonts})`);
    }
    // most formulas show live values as pieces of their own (a value inside a group is typeset whole)
    assert.ok(splitFormulas >= 20, `${splitFormulas} formulas split at their live values`);
    // (the pieces checked above include values written without typesetting)
    assert.ok(renumbered >= 50, `${renumbered} values written into KaTeX's nodes without typesetting`);
    const missing = srv.requests.slice(from).filter((r) => r.status !== 200).map((r) => r.path);
    assert.deepEqual(missing, [], "requests answered 404");
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("a chart off screen is drawn when it scrolls into view, or once the controls are still; its text alternative is current at once", async () => {
  // 1280×600: the minibatch chapter's second row of plots starts below the fold (and its 200 px margin)
  const { context, page, errors } = await newPage({ viewport: { width: 1280, height: 600 }, deviceScaleFactor: 1 });
  try {
    await open(page, srv.base, "?chapter=minibatch");
    const offId = "cv-minibatch-sampling";
    const hashOf = async (id) => (await canvasInfo(page)).find((c) => c.id === id);
    const below = await page.evaluate((id) => document.getElementById(id).getBoundingClientRect().top - innerHeight, offId);
    assert.ok(below > 200, `the sampling chart starts ${below} px below the viewport`);
    assert.equal(await page.evaluate(() => window.optlab.stale), 0, "after settling, every chart is drawn");
    const before = await hashOf(offId);
    const descBefore = await page.$eval(`#desc-minibatch-sampling`, (e) => e.textContent);
    // a change made without scrolling (as a deck's message or a click on a plot would): the noise of the labels
    // returns the number of charts left for later, read in the frame after the change's render (the idle
    // drawing waits 300 ms of stillness, so a busy machine cannot draw them before this reads)
    const change = (v) => page.evaluate((v) => new Promise((resolve) => {
      const e = document.querySelector('input[name="noise"]');
      const before = window.optlab.renders;
      e.value = v;
      e.dispatchEvent(new Event("input", { bubbles: true }));
      const wait = () => requestAnimationFrame(() => (window.optlab.renders > before && !window.optlab.drawing ? resolve(window.optlab.stale) : wait()));
      wait();
    }), v);
    const slider = await page.$eval('input[name="noise"]', (e) => ({ min: Number(e.min), max: Number(e.max), value: Number(e.value) }));
    const [first, second] = slider.value === slider.max ? [slider.min, slider.max] : [slider.max, slider.min];
    const left = await change(String(first));
    assert.ok(left > 0, "the change left the chart below the fold for later");
    assert.equal((await hashOf(offId)).hash, before.hash, "its pixels are the old ones until it is in view");
    // the timing line says so, with the counts the core returned (it is written once the controls are still)
    const timing = await (await page.waitForFunction(() => {
      const t = document.querySelector("#timing").textContent;
      return /plots at that change/.test(t) ? t : null;
    }, null, { timeout: 5000 })).jsonValue();
    const m = /; (\d+) of (\d+) plots at that change \(the others were off screen/.exec(timing);
    assert.ok(m && Number(m[2]) - Number(m[1]) === left && Number(m[2]) === 4, `timing line: ${timing} (${left} left)`);
    const descNow = await page.$eval(`#desc-minibatch-sampling`, (e) => e.textContent);
    assert.notEqual(descNow, descBefore, "its text alternative already describes the new state");
    // scrolled into view: drawn within a few frames
    await page.evaluate((id) => document.getElementById(id).scrollIntoView(), offId);
    await page.waitForFunction(() => window.optlab.stale === 0, null, { timeout: 5000 });
    const shown = await hashOf(offId);
    assert.notEqual(shown.hash, before.hash, "drawn for the new state once in view");
    assertDrawn(shown, 1);
    // back at the top, another change: the chart below is drawn once the controls are still
    await page.evaluate(() => scrollTo(0, 0));
    // the IntersectionObserver reports the chart as off screen after a rendering of the page
    await page.waitForFunction(() => new Promise((resolve) => {
      const io = new IntersectionObserver(([en]) => { io.disconnect(); resolve(!en.isIntersecting); }, { rootMargin: "200px 0px" });
      io.observe(document.getElementById("cv-minibatch-sampling"));
    }));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const pending = await change(String(second));
    await settle(page);
    assert.ok(pending > 0, "left for later while the controls moved");
    assert.equal(await page.evaluate(() => window.optlab.stale), 0, "drawn in idle time once the controls were still");
    const last = await hashOf(offId);
    assert.notEqual(last.hash, shown.hash, "redrawn for the second change");
    assertDrawn(last, 1);
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("every slider moved to an end and back to where it started gives its starting value again", async () => {
  const { context, page, errors } = await newPage();
  try {
    const off = [];
    for (const id of ids) {
      await open(page, srv.base, `?chapter=${encodeURIComponent(id)}`);
      off.push(...await page.evaluate(async (id) => {
        const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const bad = [];
        for (const r of document.querySelectorAll(".controls input[type=range]")) {
          if (r.closest(".control").hidden) continue;
          const start = r.value, v0 = window.optlab.state[r.name];
          for (const v of [r.max, start]) { r.value = v; r.dispatchEvent(new Event("input", { bubbles: true })); await frame(); }
          const v1 = window.optlab.state[r.name];
          if (Number(v1) !== Number(v0)) bad.push(`${id}/${r.name}: ${v0} → ${v1}`);
        }
        return bad;
      }, id));
    }
    assert.deepEqual(off, []);
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("a control changed by the keyboard takes the browser's values and changes with its drawing, or 50 ms after the key", async () => {
  const { context, page, errors } = await newPage();
  try {
    // 1. the values: every key the page takes, on every slider (log, linear and integer ranges), list and box of
    // two chapters, against a twin of the control that the page leaves to the browser
    const KEYS = {
      range: ["ArrowRight", "ArrowUp", "PageUp", "ArrowLeft", "ArrowDown", "PageDown", "End", "Home", "ArrowRight"],
      select: ["ArrowDown", "ArrowRight", "End", "ArrowUp", "ArrowLeft", "Home", "ArrowDown"],
      checkbox: ["Space", "Space"],
    };
    const off = [];
    let checked = 0;
    for (const id of ["lookahead", "muon"]) {
      await open(page, srv.base, `?chapter=${id}`);
      assert.ok(await page.evaluate(() => Boolean(window.optlab.core.worker)), "the chapter is drawn by the worker");
      const names = await page.$$eval(".controls input[type=range], .controls input[type=checkbox], .controls select", (xs) => xs.map((x) => x.name));
      for (const name of names) {
        const sel = `.controls [name="${name}"]`;
        const kind = await page.$eval(sel, (x) => (x.tagName === "SELECT" ? "select" : x.type));
        for (const key of KEYS[kind]) {
          if (await page.$eval(sel, (x) => x.closest(".control").hidden)) break;
          await page.$eval(sel, (x) => {
            const t = x.cloneNode(true); // (no listeners)
            t.id = "twin";
            t.removeAttribute("name");
            if (x.type === "checkbox") t.checked = x.checked; else t.value = x.value;
            document.body.append(t);
          });
          await page.focus("#twin");
          await page.keyboard.press(key);
          const want = await page.$eval("#twin", (t) => { t.remove(); return t.type === "checkbox" ? String(t.checked) : t.value; });
          const from = await page.$eval(sel, (x) => { x.inputs = 0; x.oninput = () => { x.inputs += 1; }; return x.type === "checkbox" ? String(x.checked) : x.value; });
          await page.focus(sel);
          await page.keyboard.press(key);
          await settle(page, { url: false });
          const got = await page.$eval(sel, (x) => {
            const row = x.closest(".control");
            return {
              value: x.type === "checkbox" ? String(x.checked) : x.value, native: x.inputs, out: row.querySelector("output").textContent,
              aria: x.getAttribute("aria-valuetext"), state: window.optlab.state[x.name], log: row.querySelector(".hint").textContent.includes("log scale"),
              step: Number(x.step),
            };
          });
          checked += 1;
          const where = `${id}/${name} ${key} from ${from}`;
          if (got.value !== want) off.push(`${where}: ${got.value}, the browser's ${kind} ${want}`);
          if (got.value !== from && got.native !== 0) off.push(`${where}: the browser changed it (${got.native} input events)`);
          if (kind === "range") {
            if (!got.aria.includes(`= ${got.out}`)) off.push(`${where}: aria-valuetext "${got.aria}" does not say "${got.out}"`);
            const pos = got.log ? Math.log10(Number(got.state)) : Number(got.state);
            if (Math.abs(pos - Number(got.value)) > got.step / 2 + 1e-9) off.push(`${where}: state ${got.state} is not at ${got.value}`);
          } else if (got.state !== got.value) off.push(`${where}: state ${got.state}, the control shows ${got.value}`);
        }
      }
    }
    assert.deepEqual(off, []);
    assert.ok(checked > 150, `${checked} keys checked`);

    // 2. an answer in time: the slider's new value and the readout it gives are written in one task (so they
    // are painted in one frame); the browser would move the thumb in the key's task, a frame before
    await open(page, srv.base, "?chapter=lookahead");
    const together = [];
    for (let i = 0; i < 6; i++) {
      await page.evaluate(() => {
        window.__batches = [];
        const r = document.querySelector('.controls input[name="lr"]');
        window.__mo?.disconnect();
        window.__mo = new MutationObserver((ms) => window.__batches.push(ms.map((m) => (m.target === r ? "slider" : "readout"))));
        window.__mo.observe(r, { attributes: true, attributeFilter: ["aria-valuetext"] });
        window.__mo.observe(document.querySelector("#readout"), { subtree: true, characterData: true, childList: true });
      });
      await page.focus('.controls input[name="lr"]');
      await page.keyboard.press(i % 2 ? "ArrowLeft" : "ArrowRight");
      await settle(page, { url: false });
      together.push(await page.evaluate(() => window.__batches.findIndex((b) => b.includes("slider") && b.includes("readout")) >= 0));
    }
    // (an answer later than 50 ms, on a busy machine, moves the slider first: most steps are in time)
    assert.ok(together.filter(Boolean).length >= 4, `slider and readout written together in ${together.filter(Boolean).length} of 6 steps`);

    // 3. a slow answer (the worker's messages held back 1.5 s): the slider does not move with the key, and has
    // moved 0.3 s later, while the drawing is still to come
    const slow = await page.evaluate(async () => {
      const core = window.optlab.core, answer = core.answer.bind(core);
      core.answer = (d) => setTimeout(() => answer(d), 1500);
      const r = document.querySelector('.controls input[name="lr"]');
      r.focus();
      const before = r.value, renders = window.optlab.renders;
      r.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true, cancelable: true }));
      const atKey = r.value !== before;
      await new Promise((ok) => setTimeout(ok, 300));
      const later = r.value !== before, drawnMeanwhile = window.optlab.renders !== renders;
      core.answer = answer;
      return { atKey, later, drawnMeanwhile };
    });
    assert.deepEqual(slow, { atKey: false, later: true, drawnMeanwhile: false });
    await settle(page);
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("the worker and the page's own thread (?worker=0) draw every chapter alike: same pixels, readouts, messages", async () => {
  const { context, page, errors } = await newPage();
  try {
    const look = async (query) => {
      await open(page, srv.base, query);
      return {
        worker: await page.evaluate(() => Boolean(window.optlab.core.worker)),
        hashes: (await canvasInfo(page)).map((c) => `${c.id} ${c.width}×${c.height} ${c.hash}`),
        readout: reproducible(await readoutText(page)),
        messages: await page.$$eval("#messages .msg", (ps) => ps.map((p) => p.textContent)),
      };
    };
    for (const id of ids) {
      const a = await look(`?chapter=${id}&lr=0.2`);
      const b = await look(`?chapter=${id}&lr=0.2&worker=0`);
      assert.deepEqual([a.worker, b.worker], [true, false], `${id}: drawn in the worker, then on the page's thread`);
      assert.ok(a.hashes.length >= 2, id);
      assert.deepEqual(b.hashes, a.hashes, `${id}: same pixels`);
      assert.equal(b.readout, a.readout, `${id}: same readout`);
      assert.deepEqual(b.messages, a.messages, `${id}: same messages`);
      assert.equal(new URL(page.url()).searchParams.get("worker"), "0", `${id}: the link keeps worker=0`);
    }
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});
