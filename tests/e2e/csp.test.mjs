// The page's Content-Security-Policy (issue 9): it is shipped, the app works under it (no violation reported
// on any chapter), it is enforced (an injected inline script does not run), and hostile values from the URL
// or a message never execute. Run: `bash scripts/build.sh && node --test tests/e2e/csp.test.mjs`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DIST, serveDist, launch, watchErrors, open, settle, canvasInfo, chapterIds } from "./harness.mjs";

let srv, br;
before(async () => { srv = await serveDist(); br = await launch(); });
after(async () => { try { if (br) await br.close(); } finally { if (srv) srv.server.close(); } });

const ignorable = (e) => /favicon\.ico/.test(e);

/** A page that records CSP violations and dialogs (alert, confirm, prompt) from its first script on. */
async function watchedPage() {
  const context = await br.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ""}`));
  });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  return { context, page, errors, dialogs };
}

function policy() {
  const html = readFileSync(path.join(DIST, "index.html"), "utf8");
  const m = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
  return { html, csp: m && m[1] };
}

test("dist/index.html ships a strict CSP and no inline script", () => {
  const { html, csp } = policy();
  assert.ok(csp, "a CSP meta tag");
  const dir = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(dir["script-src"], ["'self'", "'wasm-unsafe-eval'"]);
  assert.deepEqual(dir["object-src"], ["'none'"]);
  assert.deepEqual(dir["base-uri"], ["'none'"]);
  assert.deepEqual(dir["default-src"], ["'none'"]);
  assert.ok(!/https?:|\*|'unsafe-inline'|'unsafe-eval'/.test(csp), `no remote origin or unsafe source: ${csp}`);
  // the CSP comes before any script or style in the head
  assert.ok(html.indexOf("Content-Security-Policy") < html.search(/<script|<link/));
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length >= 1, "app.js");
  // KaTeX's script is preloaded from this origin and inserted by formulas.js (loadKatex) after the first plots are drawn
  assert.match(html, /<link rel="preload" href="katex\/katex\.min\.js" as="script">/);
  for (const [, attrs, body] of scripts) {
    assert.match(attrs, /\ssrc="(?:\.\/)?[\w./-]+"/, `a script from a file: <script${attrs}>`);
    assert.equal(body.trim(), "", `no inline code in <script${attrs}>`);
  }
  assert.ok(!/\son[a-z]+=/i.test(html), "no inline event handler attributes");
});

test("every chapter works under the CSP without a violation", async (t) => {
  const { context, page, errors } = await watchedPage();
  try {
    await open(page, srv.base);
    for (const id of await chapterIds(page)) {
      await t.test(id, async () => {
        await open(page, srv.base, `?chapter=${id}`);
        const slider = page.locator('.controls input[type="range"]').first();
        await slider.focus();
        await page.keyboard.press("ArrowRight");
        await settle(page);
        assert.ok(await page.locator(".formula .katex").count() > 0, "KaTeX typesets");
        const cv = await canvasInfo(page);
        assert.ok(cv.length > 0 && cv.some((c) => c.chromatic > 150), "a canvas drew data");
        assert.deepEqual(await page.evaluate(() => window.__csp), [], "no CSP violation");
      });
    }
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});

test("the CSP is enforced: an inline script injected into the page does not run and is reported", async () => {
  const { context, page } = await watchedPage();
  try {
    await open(page, srv.base, "?chapter=landscapes");
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__inline = 1";
      document.body.append(s);
      const img = document.createElement("img");
      img.setAttribute("onerror", "window.__handler = 1");
      img.src = "nowhere.png";
      document.body.append(img);
    });
    await page.waitForTimeout(300);
    assert.deepEqual(await page.evaluate(() => [window.__inline, window.__handler]), [undefined, undefined]);
    const v = await page.evaluate(() => window.__csp);
    assert.ok(v.some((x) => /^script-src/.test(x)), v.join("\n"));
  } finally {
    await context.close();
  }
});

const HOSTILE = ["<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "\"><svg onload=alert(3)>", "javascript:alert(4)"];

test("hostile values in the URL and in messages are shown as text and never run", async () => {
  const { context, page, errors, dialogs } = await watchedPage();
  try {
    const q = new URLSearchParams({ chapter: "training", label: HOSTILE[0], optimizer: HOSTILE[1], lr: HOSTILE[2], csv: HOSTILE[0], seed: HOSTILE[3] });
    await open(page, srv.base, "?" + q);
    const shown = await page.textContent("#messages");
    assert.ok(shown.includes("<script>alert(2)</script>") || shown.includes("“<script>alert(2)</script>”"), shown);
    // an unknown chapter id is shown as text too
    await open(page, srv.base, "?" + new URLSearchParams({ chapter: HOSTILE[0] }));
    assert.ok((await page.textContent("#messages")).includes(HOSTILE[0]));
    // and a message from a deck
    await open(page, srv.base, "?embed=1&chapter=momentum");
    await page.evaluate((h) => window.postMessage({ type: "optlab:set", values: { lr: h[0], [h[1]]: 1, nesterov: h[2] } }, "*"), HOSTILE);
    await page.waitForFunction(() => /From the slides/.test(document.querySelector("#messages").textContent));
    await settle(page);
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, [], "no dialog");
    const injected = await page.evaluate(() => ({
      img: [...document.querySelectorAll("img")].map((i) => i.outerHTML),
      svg: document.querySelectorAll("svg[onload]").length,
      inline: [...document.querySelectorAll("script")].filter((s) => !s.src).length,
      handlers: [...document.querySelectorAll("*")].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
    }));
    assert.deepEqual(injected, { img: [], svg: 0, inline: 0, handlers: 0 });
    assert.ok((await page.textContent("#messages")).includes(HOSTILE[0]), "the refused value is quoted as text");
    assert.deepEqual(await page.evaluate(() => window.__csp), [], "nothing even tried to run");
    assert.deepEqual(errors.filter((e) => !ignorable(e)), []);
  } finally {
    await context.close();
  }
});
