// Shared by the end-to-end tests (app.test.mjs) and the speed harness (bench.mjs): serves dist/ on
// 127.0.0.1 with a tiny static server, launches Debian's Chromium through playwright-core, and reads the
// app's state and canvases from outside the page.

import http from "node:http";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "../../tools/node_modules/playwright-core/index.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "../..");
export const DIST = process.env.OPTLAB_DIST ? path.resolve(process.env.OPTLAB_DIST) : path.join(ROOT, "dist");
export const SCREENSHOTS = path.join(here, "screenshots");

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
  ".txt": "text/plain; charset=utf-8",
};

/** Fails early with a clear message when dist/ is missing or is a debug build from `trunk serve`. */
export function checkDist() {
  const index = path.join(DIST, "index.html");
  if (!existsSync(index)) throw new Error(`${index} is missing: run \`bash scripts/build.sh\` first`);
  const html = readFileSync(index, "utf8");
  if (/__trunk_address__|trunk.*autoreload|new WebSocket/i.test(html)) {
    throw new Error("dist/ was written by `trunk serve` (debug build with live reload): run `bash scripts/build.sh`");
  }
}

/** Serves dist/ on 127.0.0.1 at a free port. Resolves to {server, base, requests}. */
export async function serveDist() {
  checkDist();
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.join(DIST, path.normalize(rel).replace(/^(\.\.[/\\])+/, ""));
    const ok = file.startsWith(DIST + path.sep) && existsSync(file) && statSync(file).isFile();
    requests.push({ path: url.pathname, status: ok ? 200 : 404 });
    if (!ok) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": MIME[path.extname(file)] || "application/octet-stream",
      "cache-control": "no-store",
    });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return { server, base: `http://127.0.0.1:${port}/`, requests };
}

export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-quic",
];

/** Launches Debian's Chromium (playwright adds --headless and its own temporary --user-data-dir). */
export async function launch() {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  return { browser, close: () => browser.close() };
}

/** Collects uncaught errors and console errors of a page. */
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()} @ ${m.location().url}`); });
  return errors;
}

/** Opens `query` (e.g. "?chapter=momentum") and waits for the app to boot and draw. */
export async function open(page, base, query = "") {
  await page.goto(base + query);
  await page.waitForFunction(() => document.body.dataset.ready === "true" && window.optlab && window.optlab.renders > 0, null, { timeout: 30000 });
  await settle(page);
}

/** Waits until no render is pending for two consecutive frames (so any scheduled render has run, and a new
 * chapter's formulas, typeset just after its first frame, are in); with
 * `url`, also until the shell has written the state into the URL and drawn the charts it left for later (off
 * screen at the last change; both wait for the controls to be still). */
export async function settle(page, { url = true } = {}) {
  await page.evaluate((url) => new Promise((resolve) => {
    let quiet = 0;
    const o = window.optlab;
    const busy = () => o.busy() || o.formulasLater || (url && (o.urlPending || o.stale > 0));
    const tick = () => requestAnimationFrame(() => {
      quiet = busy() ? 0 : quiet + 1;
      if (quiet >= 2) resolve(); else tick();
    });
    tick();
  }), url);
}

/** For each plot canvas: its id, size, a hash of its pixels and the number of clearly coloured pixels. The
 * pixels are those the canvas shows (an ImageBitmap from the worker that draws it, or from the canvas). */
export async function canvasInfo(page) {
  return page.evaluate(async () => (await window.optlab.canvasImages()).map(({ id, bitmap }) => {
    const cv = Object.assign(document.createElement("canvas"), { width: bitmap ? bitmap.width : 0, height: bitmap ? bitmap.height : 0 });
    if (!bitmap) return { id, width: 0, height: 0, hash: 0, chromatic: 0, opaque: 0 };
    const ctx = cv.getContext("2d");
    ctx.drawImage(bitmap, 0, 0);
    const d = ctx.getImageData(0, 0, cv.width, cv.height).data;
    let h = 2166136261 >>> 0, chromatic = 0, opaque = 0;
    for (let i = 0; i < d.length; i += 4) {
      const hi = Math.max(d[i], d[i + 1], d[i + 2]), lo = Math.min(d[i], d[i + 1], d[i + 2]);
      if (d[i + 3] > 0) opaque++;
      if (d[i + 3] > 0 && hi - lo > 50) chromatic++;
      h = Math.imul(h ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24)), 16777619) >>> 0;
    }
    return { id, width: cv.width, height: cv.height, hash: h, chromatic, opaque };
  }));
}

export async function readoutText(page) {
  return page.evaluate(() => [...document.querySelectorAll("#readout dt, #readout dd")].map((e) => e.textContent).join(" | "));
}

/** Chapter ids in the page's order, from the wasm core. */
export async function chapterIds(page) {
  return page.evaluate(() => window.wasmBindings.chapters().map((c) => c.id));
}

/** Clicks `selector` (a button that copies text) and resolves to the text it put on the clipboard: the copy
 * waits for the core's answer (with the worker, a message away), so this waits for the shell's count of copies
 * made (`optlab.copies`) to move before it reads the clipboard. */
export async function copiedBy(page, selector) {
  const before = await page.evaluate(() => window.optlab.copies || 0);
  await page.click(selector);
  await page.waitForFunction((n) => (window.optlab.copies || 0) > n, before, { timeout: 10000 });
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Each plot canvas's backing-store size in device pixels ({id, width, height}), as its ImageBitmap has it
 * (a canvas handed to the worker keeps its own width and height attributes; the worker's OffscreenCanvas has the
 * real size). */
export async function backingSizes(pageOrFrame) {
  return pageOrFrame.evaluate(async () => (await window.optlab.canvasImages()).map(({ id, bitmap }) => ({ id, width: bitmap ? bitmap.width : 0, height: bitmap ? bitmap.height : 0 })));
}

/** The key that changes the control `selector` names: a range steps towards the end it is moving to and turns
 * back at either end, a toggle flips, a select moves to the next option and from the last back to the first.
 * (The speed bench and tests/e2e/percontrol.mjs time the changes these keys make.) */
export async function keyToChange(page, selector) {
  return page.evaluate((selector) => {
    const e = document.querySelector(selector);
    if (e.type === "checkbox") return "Space";
    if (e.tagName === "SELECT") return e.selectedIndex === e.options.length - 1 ? "Home" : "ArrowDown";
    const n = Number(e.value), lo = Number(e.min), hi = Number(e.max), step = Number(e.step) || 1;
    const dir = (e.dataset.benchDir = e.dataset.benchDir || "up");
    if (dir === "up" && n + step > hi) e.dataset.benchDir = "down";
    if (dir === "down" && n - step < lo) e.dataset.benchDir = "up";
    return e.dataset.benchDir === "up" ? "ArrowRight" : "ArrowLeft";
  }, selector);
}

/** Main-thread seconds Chromium has spent in tasks so far (Performance.getMetrics' TaskDuration). */
export async function taskSeconds(cdp) {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return metrics.find((m) => m.name === "TaskDuration").value;
}

/** The harness's own main-thread ms per measured change (median of `n`): focus `selector`, press Shift (no
 * change, no render), settle. The speed bench and percontrol.mjs subtract it from each change's time. */
export async function harnessMs(page, cdp, selector, n) {
  const xs = [];
  for (let k = 0; k < n; k++) {
    await page.focus(selector);
    const t0 = await taskSeconds(cdp);
    await page.keyboard.press("Shift");
    await settle(page, { url: false });
    xs.push((await taskSeconds(cdp)) - t0);
  }
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)] * 1000;
}

/** Main-thread ms of each of `n` keyboard changes of the control `selector` (keyToChange's keys), minus
 * `harness`; a key that drew nothing (not exactly one render) is not counted, for at most 3n keys. */
export async function changeTimes(page, cdp, selector, n, harness) {
  const xs = [];
  for (let i = 0; xs.length < n && i < n * 3; i++) {
    const key = await keyToChange(page, selector);
    await page.focus(selector);
    const r0 = await page.evaluate(() => window.optlab.renders);
    const t0 = await taskSeconds(cdp);
    await page.keyboard.press(key);
    await settle(page, { url: false });
    const t1 = await taskSeconds(cdp);
    if ((await page.evaluate(() => window.optlab.renders)) !== r0 + 1) continue;
    xs.push(Math.max(0, (t1 - t0) * 1000 - harness));
  }
  return xs;
}
