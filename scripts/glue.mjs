// Trunk post-build hook (Trunk.toml): minifies wasm-bindgen's JS glue (dist/optlab-<hash>.js) with terser and
// rewrites the sha384 integrity of index.html's modulepreload of it, which Trunk computed before this hook ran.
// Trunk's own `--minify` leaves the glue as wasm-bindgen wrote it; minified it is 8.9 → 4.6 KB gzip (budget 3
// of issue 10 counts wasm + glue). Export names are kept (module mode): app.js and worker.js import them.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { minify } = createRequire(path.join(root, "tools/package.json"))("terser");
const stage = process.env.TRUNK_STAGING_DIR;
if (!stage) throw new Error("scripts/glue.mjs runs as Trunk's post_build hook (TRUNK_STAGING_DIR is not set)");

const glues = readdirSync(stage).filter((f) => /^optlab-[0-9a-f]+\.js$/.test(f));
if (glues.length !== 1) throw new Error(`scripts/glue.mjs: expected one glue file in ${stage}, found ${glues.length}`);
const file = path.join(stage, glues[0]);
const { code } = await minify(readFileSync(file, "utf8"), { module: true, compress: { passes: 2 }, mangle: true });
writeFileSync(file, code);

const integrity = `sha384-${createHash("sha384").update(code).digest("base64")}`;
const html = path.join(stage, "index.html");
const before = readFileSync(html, "utf8");
const tag = new RegExp(`(<link rel="modulepreload" href="\\./${glues[0].replace(".", "\\.")}"[^>]*integrity=")[^"]+(")`);
if (!tag.test(before)) throw new Error(`scripts/glue.mjs: no modulepreload of ${glues[0]} with an integrity in index.html`);
writeFileSync(html, before.replace(tag, `$1${integrity}$2`));
