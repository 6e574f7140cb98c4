//! Native side of the speed bench's Newton–Schulz and SVD figures (`tests/e2e/bench.mjs` runs it and
//! compares with the same kernels in the browser): prints one JSON object
//! `{"ns5": {"64": ms, …}, "ns5_two_lane": {"64": ms, …}, "svd": {"128": ms}}`, each a median per run
//! by the protocol the browser uses too (`timing::median_ms`). `ns5` is what the native app runs (on
//! x86-64 with AVX2, the matrix products' four-lane build); `ns5_two_lane` the same code with that build
//! turned off: SSE2's two lanes, the width of the browser's simd128. Results are bit-identical either way.
//! `cargo run --release --example kernel_times`

use optlab::linalg::timing;
use std::time::Instant;

fn median_ms(kind: &str, n: usize) -> f64 {
    let t0 = Instant::now();
    timing::median_ms(kind, n, if n <= 96 { 15 } else { 7 }, || t0.elapsed().as_secs_f64() * 1e3).expect("a known kernel")
}

fn ns_times() -> String {
    let ns: Vec<String> = [64usize, 128, 192, 256].iter().map(|&n| format!("\"{n}\": {:.4}", median_ms("ns5", n))).collect();
    format!("{{{}}}", ns.join(", "))
}

fn main() {
    let ns = ns_times();
    #[cfg(target_arch = "x86_64")]
    optlab::linalg::dense::AVX2.store(false, std::sync::atomic::Ordering::Relaxed);
    let two_lane = ns_times();
    println!("{{\"ns5\": {ns}, \"ns5_two_lane\": {two_lane}, \"svd\": {{\"128\": {:.4}}}}}", median_ms("svd", 128));
}
