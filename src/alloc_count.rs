//! The page's global allocator: the standard one (dlmalloc on wasm32) with three counters beside it — bytes
//! live now, the most ever live at once, and allocations so far — so the speed bench can tell a leak (live
//! bytes that keep rising) from wasm memory's high-water mark (linear memory only grows, to the largest
//! amount once live plus fragmentation). Two integer additions per call. Never inlined: inlined into every
//! allocation site, the counters made the wasm 180 KB (31 KB gzip) larger.
//!
//! Native, it is not installed, but a test binary can install it (`#[global_allocator]`) to read the same
//! counters: tests/peak.rs bounds the most bytes a chapter's heaviest states keep live at once. The counters are
//! global: such a test measures one computation at a time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(live, Relaxed);
}

/// Counts a new block `p` of `size` bytes (none when the allocation failed); returns `p`.
fn counted(p: *mut u8, size: usize) -> *mut u8 {
    if !p.is_null() {
        grew(size);
        COUNT.fetch_add(1, Relaxed);
    }
    p
}

unsafe impl GlobalAlloc for Counting {
    #[inline(never)]
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        counted(unsafe { System.alloc(l) }, l.size())
    }
    #[inline(never)]
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        counted(unsafe { System.alloc_zeroed(l) }, l.size())
    }
    #[inline(never)]
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    #[inline(never)]
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE.fetch_sub(l.size(), Relaxed);
            grew(new);
        }
        q
    }
}

/// `[bytes live, most bytes ever live at once, allocations so far]`.
pub fn stats() -> [f64; 3] {
    [LIVE.load(Relaxed) as f64, PEAK.load(Relaxed) as f64, COUNT.load(Relaxed) as f64]
}

/// Starts a new peak from what is live now (so the bench can measure one phase's peak).
pub fn reset_peak() {
    PEAK.store(LIVE.load(Relaxed), Relaxed);
}
