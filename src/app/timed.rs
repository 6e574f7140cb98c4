//! Costs measured in the browser: a chapter names kernels to time at its current sizes
//! ([`super::Chapter::timed_kernels`]), the web layer times them off the critical path (in idle time,
//! after the scene is shown: the core has no clock) and hands the medians back to [`readouts`], which
//! words them. Every word comes from the numbers: which kernel was faster and by how much, and the
//! operation counts beside the times.
//!
//! The Muon chapter asks for Newton–Schulz (its coefficients, k steps) and the exact SVD on a matrix of
//! W's shape: the lecture's argument for Newton–Schulz is that it is a few matrix products, which vector
//! units and GPUs run at full speed, where an SVD is an iterative, sequential algorithm.

use super::{Claim, Readout, Rel};
use crate::app::common::Sig;
use crate::linalg::msign::NsVariant;

/// What to time: msign of a `rows × cols` matrix by Newton–Schulz (`variant`, `steps`) and by the SVD.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request {
    pub rows: usize,
    pub cols: usize,
    /// The Newton–Schulz coefficients timed (the chapter's, or Keller's quintic when it uses the SVD).
    pub variant: NsVariant,
    pub steps: usize,
}

impl Request {
    /// A text key: the same request, the same key.
    pub fn key(&self) -> String {
        format!("{}x{}|{}|{}", self.rows, self.cols, self.variant.name(), self.steps)
    }
}

/// Median milliseconds per call, measured in the browser.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    pub ns_ms: f64,
    pub svd_ms: f64,
    /// Timing samples per kernel, and calls per sample (a sample lasts about a millisecond or more, so the
    /// browser's coarse clock does not dominate it).
    pub samples: usize,
    pub ns_calls: usize,
    pub svd_calls: usize,
}

/// Floating-point operations of `steps` Newton–Schulz steps on a `rows × cols` matrix, with `p = min`,
/// `q = max`: per step `A = XXᵀ` (2p²q), `A²` (2p³, quintics only) and `PX` (2p²q).
pub fn ns_flops(rows: usize, cols: usize, variant: NsVariant, steps: usize) -> f64 {
    let (p, q) = (rows.min(cols) as f64, rows.max(cols) as f64);
    let quintic = variant.coefficients().is_some_and(|(_, _, c)| c != 0.0);
    steps as f64 * (4.0 * p * p * q + if quintic { 2.0 * p * p * p } else { 0.0 })
}

/// The textbook operation count of an SVD with both factors (Golub & Van Loan, the Golub–Reinsch SVD of a
/// q × p matrix, q ≥ p: 14qp² + 8p³). optlab's SVD is one-sided Jacobi, whose count depends on the sweeps
/// it needs; the textbook figure is the yardstick for the O(p²q) order, not a prediction of its time.
pub fn svd_flops(rows: usize, cols: usize) -> f64 {
    let (p, q) = (rows.min(cols) as f64, rows.max(cols) as f64);
    14.0 * q * p * p + 8.0 * p * p * p
}

/// A duration in ms or µs, three significant digits.
fn dur(ms: f64) -> String {
    if ms.is_finite() && ms < 1.0 {
        format!("{} µs", Sig(ms * 1000.0))
    } else {
        format!("{} ms", Sig(ms))
    }
}

fn ns_name(r: &Request) -> String {
    let name = match r.variant {
        NsVariant::KellerQuintic => "Keller's quintic",
        NsVariant::LectureQuintic => "the lecture's quintic",
        NsVariant::Cubic => "the cubic",
        NsVariant::Svd => "the SVD",
    };
    format!("Newton–Schulz ({name}, k = {})", r.steps)
}

/// The readout lines: the operation counts (always), and the times measured in this browser, or that
/// they are being measured.
pub fn readouts(r: &Request, measured: Option<&Measured>) -> Vec<Readout> {
    let (p, q) = (r.rows.min(r.cols), r.rows.max(r.cols));
    let (nf, sf) = (ns_flops(r.rows, r.cols, r.variant, r.steps), svd_flops(r.rows, r.cols));
    let quintic = r.variant.coefficients().is_some_and(|(_, _, c)| c != 0.0);
    let (per_step, products) = if quintic { ("4p²q + 2p³", 3) } else { ("4p²q", 2) };
    let count = if nf <= sf {
        format!("{} the SVD's", ratio_text(sf / nf, "fewer operations than"))
    } else {
        format!("{} the SVD's", ratio_text(nf / sf, "more operations than"))
    };
    let mut out = vec![Readout::new(
        format!("msign of a {}×{} matrix: operations counted (p = {p}, q = {q})", r.rows, r.cols),
        format!(
            "{}: k·({per_step}) = {} flops in {products} matrix products per step; SVD: 14qp² + 8p³ = {} flops (textbook count; \
             O(p²q) too, but iterative and sequential); Newton–Schulz needs {count}",
            ns_name(r),
            Sig(nf),
            Sig(sf)
        ),
    )];
    let label = format!("msign of a {}×{} matrix: measured in this browser", r.rows, r.cols);
    out.push(match measured {
        None => Readout::new(label, "being measured while the page is idle (median of a few samples of each kernel)"),
        Some(m) if !(m.ns_ms.is_finite() && m.svd_ms.is_finite() && m.ns_ms > 0.0 && m.svd_ms > 0.0) => {
            Readout::new(label, "the browser's clock gave no usable time (too coarse here): no figure shown")
        }
        Some(m) => {
            let c = if m.ns_ms < m.svd_ms { Claim::new(m.ns_ms, Rel::Lt, m.svd_ms) } else { Claim::new(m.ns_ms, Rel::Ge, m.svd_ms) };
            let verdict = if m.ns_ms < m.svd_ms {
                format!("Newton–Schulz is {} the SVD here", ratio_text(m.svd_ms / m.ns_ms, "faster than"))
            } else {
                format!("the SVD is {} Newton–Schulz at this size", ratio_text(m.ns_ms / m.svd_ms, "faster than"))
            };
            Readout::new(
                label,
                format!(
                    "{} {} {} exact SVD {} per call: {verdict} (medians of {} samples of {} and {} calls)",
                    ns_name(r),
                    dur(m.ns_ms),
                    c.symbol(),
                    dur(m.svd_ms),
                    m.samples,
                    m.ns_calls,
                    m.svd_calls
                ),
            )
            .claiming(c)
        }
    });
    out
}

/// "3.2× faster than", or "about as fast as" within 10 %.
fn ratio_text(ratio: f64, what: &str) -> String {
    if ratio < 1.1 {
        match what {
            "faster than" => "about as fast as".into(),
            _ => format!("about as many operations as (×{})", Sig(ratio)),
        }
    } else {
        format!("{}× {what}", Sig(ratio))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Request {
        Request { rows: 8, cols: 16, variant: NsVariant::KellerQuintic, steps: 5 }
    }

    #[test]
    fn counts_follow_the_shapes() {
        // p = 8, q = 16: per step 4·64·16 + 2·512 = 5120; five steps 25,600; SVD 14·16·64 + 8·512 = 18,432
        assert_eq!(ns_flops(8, 16, NsVariant::KellerQuintic, 5), 25_600.0);
        assert_eq!(ns_flops(16, 8, NsVariant::KellerQuintic, 5), 25_600.0, "a tall matrix is handled transposed");
        assert_eq!(ns_flops(8, 16, NsVariant::Cubic, 5), 20_480.0);
        assert_eq!(svd_flops(8, 16), 18_432.0);
        let lines = readouts(&req(), None);
        assert!(lines[0].value.contains("25600 flops") && lines[0].value.contains("18432 flops"), "{}", lines[0].value);
        assert!(lines[0].value.contains("1.39× more operations than the SVD's"), "{}", lines[0].value);
        assert!(lines[1].value.contains("being measured"));
    }

    #[test]
    fn the_verdict_follows_the_measured_numbers() {
        let m = |ns_ms, svd_ms| Measured { ns_ms, svd_ms, samples: 7, ns_calls: 100, svd_calls: 40 };
        let fast = readouts(&req(), Some(&m(0.01, 0.05)));
        assert!(
            fast[1].value.contains("10.0 µs < exact SVD 50.0 µs") && fast[1].value.contains("Newton–Schulz is 5.00× faster than the SVD"),
            "{}",
            fast[1].value
        );
        assert!(fast[1].claims.iter().all(Claim::holds));
        let slow = readouts(&req(), Some(&m(2.0, 1.0)));
        assert!(
            slow[1].value.contains("2.00 ms ≥ exact SVD 1.00 ms") && slow[1].value.contains("the SVD is 2.00× faster than Newton–Schulz"),
            "{}",
            slow[1].value
        );
        assert!(slow[1].claims.iter().all(Claim::holds));
        let tie = readouts(&req(), Some(&m(1.0, 1.05)));
        assert!(tie[1].value.contains("about as fast as"), "{}", tie[1].value);
        let bad = readouts(&req(), Some(&m(0.0, 1.0)));
        assert!(bad[1].value.contains("no usable time") && !bad[1].value.contains("NaN"));
    }
}
