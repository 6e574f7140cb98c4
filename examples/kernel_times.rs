//! Native side of the speed bench's Newton–Schulz and SVD figures (`tests/e2e/bench.mjs` runs it and
//! compares with the same kernels in the browser): prints one JSON object
//! `{"ns5": {"64": ms, …}, "svd": {"128": ms}}`, each the median of several runs after a warm-up.
//! `cargo run --release --example kernel_times`

use optlab::linalg::timing::{input, run};
use std::time::Instant;

fn median_ms(kind: &str, n: usize) -> f64 {
    let m = input(n);
    let reps = if n <= 96 { 15 } else { 7 };
    let _ = run(kind, &m); // warm-up
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let t0 = Instant::now();
            std::hint::black_box(run(kind, std::hint::black_box(&m)));
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[reps / 2]
}

fn main() {
    let ns: Vec<String> = [64usize, 128, 192, 256].iter().map(|&n| format!("\"{n}\": {:.4}", median_ms("ns5", n))).collect();
    println!("{{\"ns5\": {{{}}}, \"svd\": {{\"128\": {:.4}}}}}", ns.join(", "), median_ms("svd", 128));
}
