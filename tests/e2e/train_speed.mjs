// Training speed in headless Chromium, per sample, against TensorFlow Playground's engine (3.8 µs per sample
// on a 2-8-8-1 net on these machines). Calls the wasm export bench_training_us_per_sample: SGD on a 2-8-8
// tanh network (2 outputs, cross-entropy) with batches of 10, after a warm-up. Prints the median of 7 runs.
//
// Run by hand (timings depend on the machine and its load): trunk build --release && node tests/e2e/train_speed.mjs

import { serveDist, launch, open } from "./harness.mjs";

const server = await serveDist();
const { browser, close } = await launch();
try {
  const page = await browser.newPage();
  await open(page, server.base, "?chapter=landscapes");
  const runs = await page.evaluate(() => {
    const out = [];
    for (let i = 0; i < 7; i++) out.push(window.wasmBindings.bench_training_us_per_sample(20000));
    return out;
  });
  runs.sort((a, b) => a - b);
  const med = runs[3];
  console.log(`µs per sample (7 runs of 20,000 steps × batch 10): ${runs.map((r) => r.toFixed(3)).join(", ")}`);
  console.log(`median ${med.toFixed(3)} µs per sample; TF Playground 3.8 µs → ${(3.8 / med).toFixed(1)}× faster`);
} finally {
  await close();
  server.server.close();
}
