// Trunk post-build hook (Trunk.toml): puts into dist/katex only the KaTeX files the page uses —
// katex.min.js, katex.min.css with its @font-face sources cut to woff2 (every browser that runs the wasm
// reads woff2), and the woff2 fonts the formulas use. The whole KaTeX dist folder is 3 MB in 80 files.
// A formula that needs another font gets a 404 for it, which tests/e2e/app.test.mjs fails on: add the
// font to FONTS then.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const src = path.join(root, "tools/node_modules/katex/dist");
const stage = process.env.TRUNK_STAGING_DIR;
if (!stage) throw new Error("scripts/katex.mjs runs as Trunk's post_build hook (TRUNK_STAGING_DIR is not set)");
const out = path.join(stage, "katex");

// Fonts loaded by the formulas of every chapter over every select option (document.fonts, status
// "loaded"), and Size3/Size4, which \left…\right takes for taller content than the defaults show.
export const FONTS = [
  "KaTeX_AMS-Regular", "KaTeX_Caligraphic-Regular", "KaTeX_Main-Regular", "KaTeX_Math-Italic",
  "KaTeX_Size1-Regular", "KaTeX_Size2-Regular", "KaTeX_Size3-Regular", "KaTeX_Size4-Regular",
];

mkdirSync(path.join(out, "fonts"), { recursive: true });
copyFileSync(path.join(src, "katex.min.js"), path.join(out, "katex.min.js"));
const css = readFileSync(path.join(src, "katex.min.css"), "utf8")
  .replace(/,url\(fonts\/[\w-]+\.woff\) format\("woff"\)/g, "")
  .replace(/,url\(fonts\/[\w-]+\.ttf\) format\("truetype"\)/g, "");
if (/\.woff\)|\.ttf\)/.test(css)) throw new Error("katex.min.css: unexpected @font-face sources (KaTeX's format changed?)");
writeFileSync(path.join(out, "katex.min.css"), css);
for (const f of FONTS) copyFileSync(path.join(src, "fonts", `${f}.woff2`), path.join(out, "fonts", `${f}.woff2`));
