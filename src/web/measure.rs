//! Times a chapter's [`crate::app::timed::Request`] in the browser, in small pieces the shell runs while
//! the page is idle (`requestIdleCallback`), so a control change never waits for it.
//!
//! Per kernel (Newton–Schulz, then the SVD): calibrate a batch of calls that lasts at least
//! [`SAMPLE_MS`] (the browser's clock is coarsened to 0.1 ms or so, so one call of a 16×16 kernel cannot
//! be timed alone), then take [`SAMPLES`] samples of that batch; the figure is the median per call. When the
//! median sample is under half of [`SAMPLE_MS`] (a calibration cut short by a pause of the machine), the batch
//! is doubled and sampled again, up to a cap of counted operations per sample.

use crate::app::timed::{ns_flops, svd_flops, Measured, Request};
use crate::linalg::timing::{input_shape, msign_once};
use ndarray::Array2;

/// Shortest timing sample, in milliseconds.
pub const SAMPLE_MS: f64 = 1.0;
/// Samples per kernel.
pub const SAMPLES: usize = 7;
/// Most calls in one sample.
const MAX_CALLS: usize = 1 << 16;
/// Most floating-point operations (by [`crate::app::timed`]'s counts) in one sample: about 10–20 ms of work,
/// so that a clock that does not advance (a virtual-time headless browser) or is coarsened to 100 ms (a
/// fingerprinting-resistant one) cannot make the calibration batch grow into a long freeze.
const MAX_SAMPLE_FLOPS: f64 = 2e7;

struct Kernel {
    svd: bool,
    calls: usize,
    max_calls: usize,
    calibrated: bool,
    samples: Vec<f64>,
}

impl Kernel {
    fn new(svd: bool, flops: f64) -> Kernel {
        let max_calls = ((MAX_SAMPLE_FLOPS / flops.max(1.0)) as usize).clamp(1, MAX_CALLS);
        Kernel { svd, calls: 1, max_calls, calibrated: false, samples: Vec::new() }
    }
    fn done(&self) -> bool {
        self.samples.len() >= SAMPLES
    }
    /// Median milliseconds of one sample (a batch of `calls` calls).
    fn raw_median(&self) -> f64 {
        let mut s = self.samples.clone();
        crate::linalg::sort_f64(&mut s);
        s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
    }
    /// Median milliseconds per call.
    fn median(&self) -> f64 {
        self.raw_median() / self.calls as f64
    }
}

/// The measurement in progress, and the results so far by request key.
#[derive(Default)]
pub struct Timer {
    current: Option<(Request, Array2<f64>, [Kernel; 2])>,
    results: Vec<(String, Measured)>,
}

/// What [`Timer::work`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Nothing was asked for, or it is measured already.
    Idle,
    /// More pieces to do.
    More,
    /// The request was just finished: the shell redraws to show it.
    Done,
}

impl Timer {
    /// The result for `r`, once measured.
    pub fn result(&self, r: &Request) -> Option<&Measured> {
        let key = r.key();
        self.results.iter().find(|(k, _)| *k == key).map(|(_, m)| m)
    }

    /// The figures measured so far, one line each: the request's key, then `ns_ms`, `svd_ms`, `samples`,
    /// `ns_calls` and `svd_calls`, tab-separated (numbers as Rust writes them, which read back exactly). For
    /// [`Timer::restore`] in another instance. (Not JSON: reading JSON put serde_json's parser back in the wasm,
    /// +20.6 KB gzip.)
    pub fn export(&self) -> String {
        let mut out = String::new();
        for (key, m) in &self.results {
            out += &format!("{key}\t{}\t{}\t{}\t{}\t{}\n", m.ns_ms, m.svd_ms, m.samples, m.ns_calls, m.svd_calls);
        }
        out
    }

    /// Takes over figures measured by another instance of the same module on this machine (a renewed worker;
    /// [`Timer::export`]'s text): those of keys not measured here yet, oldest first, at most 64 in all as in
    /// [`Timer::work`]. A line of another shape is skipped.
    pub fn restore(&mut self, text: &str) {
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let [key, ns, svd, samples, nc, sc] = f[..] else { continue };
            let (Ok(ns_ms), Ok(svd_ms), Ok(samples), Ok(ns_calls), Ok(svd_calls)) =
                (ns.parse(), svd.parse(), samples.parse(), nc.parse(), sc.parse())
            else {
                continue;
            };
            if !self.results.iter().any(|(k, _)| k == key) {
                self.results.push((key.to_string(), Measured { ns_ms, svd_ms, samples, ns_calls, svd_calls }));
            }
        }
        let excess = self.results.len().saturating_sub(64);
        self.results.drain(..excess);
    }

    /// Whether a request waits to be timed.
    pub fn pending(&self) -> bool {
        self.current.is_some()
    }

    /// Asks for `r` (the latest request replaces one not yet finished).
    pub fn want(&mut self, r: Request) {
        if self.result(&r).is_some() || self.current.as_ref().is_some_and(|(c, ..)| *c == r) {
            return;
        }
        let m = input_shape(r.rows, r.cols);
        let (nf, sf) = (ns_flops(r.rows, r.cols, r.variant, r.steps), svd_flops(r.rows, r.cols));
        self.current = Some((r, m, [Kernel::new(false, nf), Kernel::new(true, sf)]));
    }

    /// Times for about `budget_ms` (at least one sample), with `now()` the browser's clock in ms.
    pub fn work(&mut self, budget_ms: f64, now: &dyn Fn() -> f64) -> Progress {
        let Some((r, m, kernels)) = self.current.as_mut() else { return Progress::Idle };
        let t0 = now();
        while let Some(k) = kernels.iter_mut().find(|k| !k.done()) {
            let start = now();
            for _ in 0..k.calls {
                std::hint::black_box(msign_once(std::hint::black_box(m), r.variant, r.steps, k.svd));
            }
            let took = now() - start;
            if !k.calibrated {
                if took < SAMPLE_MS && k.calls < k.max_calls {
                    k.calls = (2 * k.calls).min(k.max_calls);
                } else {
                    k.calibrated = true;
                }
            } else {
                k.samples.push(took);
                // a calibration cut short by a pause (another process, a garbage collection) leaves batches too
                // short for the coarse clock, whose samples then read 0: double the batch and sample again
                if k.done() && k.raw_median() < 0.5 * SAMPLE_MS && k.calls < k.max_calls {
                    k.calls = (2 * k.calls).min(k.max_calls);
                    k.samples.clear();
                }
            }
            if now() - t0 >= budget_ms {
                break;
            }
        }
        if kernels.iter().all(Kernel::done) {
            let [ns, svd] = kernels;
            let measured =
                Measured { ns_ms: ns.median(), svd_ms: svd.median(), samples: SAMPLES, ns_calls: ns.calls, svd_calls: svd.calls };
            self.results.push((r.key(), measured));
            if self.results.len() > 64 {
                self.results.remove(0);
            }
            self.current = None;
            return Progress::Done;
        }
        Progress::More
    }
}
