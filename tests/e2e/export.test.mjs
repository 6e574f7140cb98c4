// "PyTorch" on every chapter: the button shows the exporter's script as text, and it is exactly what
// `optlab export-torch` writes for the spec "Copy spec" gives (so the page and the command line export the
// same state, and tests/export_torch.rs pins that text against torch). Run after `bash scripts/build.sh`
// and `cargo build` (for the native binary): `node --test tests/e2e/export.test.mjs`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, statSync, writeFileSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, SCREENSHOTS, serveDist, launch, watchErrors, open, settle, chapterIds, copiedBy } from "./harness.mjs";

let srv, br, ids = [];
const VIEW = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };

before(async () => {
  srv = await serveDist();
  br = await launch();
  const context = await br.browser.newContext(VIEW);
  try {
    const page = await context.newPage();
    await open(page, srv.base);
    ids = await chapterIds(page);
  } finally {
    await context.close();
  }
});

after(async () => {
  try { if (br) await br.close(); } finally { if (srv) srv.server.close(); }
});

/** The same script up to the last bits of numbers: data drawn from the seed goes through `powf`/`exp`, which
 * wasm's libm and the native one may round differently in the last place (the script then holds the page's
 * numbers, which is what it should rerun). Everything but the numbers must be identical. */
function sameScript(page, cli, id) {
  const num = /-?\d+(?:\.\d+)?(?:e-?\d+)?/g;
  assert.equal(page.replace(num, "#"), cli.replace(num, "#"), `${id}: the page's script is the CLI's for the same spec`);
  const a = page.match(num) ?? [], b = cli.match(num) ?? [];
  assert.equal(a.length, b.length);
  let differ = 0;
  a.forEach((x, i) => {
    if (x === b[i]) return;
    differ++;
    const u = Number(x), v = Number(b[i]);
    assert.ok(Math.abs(u - v) <= 1e-14 * Math.max(1, Math.abs(v)), `${id}: number ${i}: page ${x}, CLI ${b[i]}`);
  });
  return differ;
}

test("every chapter's PyTorch button shows the script optlab export-torch writes for its Copy spec", async (t) => {
  // the newer of the two builds (a stale release binary may predate export-torch)
  const bin = ["target/release/optlab", "target/debug/optlab"].map((p) => path.join(ROOT, p)).filter(existsSync)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!bin) { t.skip("no native optlab binary (cargo build)"); return; }
  assert.ok(ids.length >= 5, `chapters: ${ids}`);
  const context = await br.browser.newContext({ ...VIEW, permissions: ["clipboard-read", "clipboard-write"] });
  let checked = 0;
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    for (const id of ids) {
      await open(page, srv.base, `?chapter=${id}`);
      await settle(page);
      const spec = await copiedBy(page, '.tools button:text-is("Copy spec")');
      await copiedBy(page, '.tools button:text-is("PyTorch")');
      const note = await page.textContent("#torch-note");
      if (!spec) {
        assert.match(note, /No PyTorch script/, `${id}: a chapter without a spec says so`);
        continue;
      }
      const script = await page.inputValue("#torch-text");
      assert.ok(await page.isVisible("#torch-text"), `${id}: the script is shown`);
      assert.match(note, /lines; save as a \.py file/, `${id}: ${note}`);
      const file = path.join(tmpdir(), `optlab-e2e-export-${process.pid}-${id}.json`);
      writeFileSync(file, spec);
      try {
        const cli = execFileSync(bin, ["export-torch", file], { encoding: "utf8", maxBuffer: 64 << 20 });
        sameScript(script, cli, id);
      } finally {
        unlinkSync(file);
      }
      assert.ok(script.includes("torch.set_default_dtype(torch.float64)") && !script.includes("optlab import"), id);
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      assert.equal(copied, script, `${id}: the clipboard holds the script`);
      if (id === "training" || id === "adaptive") await page.screenshot({ path: path.join(SCREENSHOTS, `pytorch-${id}.png`) });
      checked++;
    }
    assert.deepEqual(errors.filter((e) => !/favicon\.ico/.test(e)), []);
  } finally {
    await context.close();
  }
  assert.ok(checked >= 5, `only ${checked} chapters exported`);
});

// A press of PyTorch before the hand-over gives the page's own Session the script's fixed parts (assets/*.py);
// the worker, which computes after the hand-over, has its own memory and must get them too (they are fetched
// again at the next press), or its script would say "reference.py is not loaded".
test("the PyTorch button first pressed before the hand-over still works after it", async () => {
  const context = await br.browser.newContext({ ...VIEW, permissions: ["clipboard-read", "clipboard-write"] });
  try {
    // the worker's script comes 1.5 s late, so that the first press reaches the page's own Session
    await context.route("**/worker.js", async (route) => { await new Promise((r) => setTimeout(r, 1500)); await route.continue(); });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(srv.base + "?chapter=momentum");
    await page.waitForFunction(() => window.optlab && window.optlab.renders > 0, null, { timeout: 30000 });
    await page.click('.tools button:text-is("PyTorch")');
    await page.waitForFunction(() => (window.optlab.copies || 0) >= 1, null, { timeout: 30000 });
    const [handover, note1] = await page.evaluate(() => [window.optlab.handover, document.querySelector("#torch-note").textContent]);
    assert.notEqual(handover, "done", "the first press came before the hand-over (else this test tests nothing)");
    assert.match(note1, /lines; save as a \.py file/, note1);
    await page.waitForFunction(() => window.optlab.handover === "done" && Boolean(window.optlab.core.worker), null, { timeout: 30000 });
    await settle(page);
    await page.$eval("#torch-text", (t) => { t.value = ""; });
    await page.click('.tools button:text-is("PyTorch")');
    await page.waitForFunction(() => (window.optlab.copies || 0) >= 2, null, { timeout: 30000 });
    const note2 = await page.textContent("#torch-note");
    assert.match(note2, /lines; save as a \.py file/, note2);
    assert.ok((await page.inputValue("#torch-text")).includes("torch.set_default_dtype(torch.float64)"), "the script is shown");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
