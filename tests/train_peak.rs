//! The training chapter's heaviest settings stay within a memory budget: the most bytes live at once while
//! one state is computed (its runs built, trained for the first steps, measured and turned into a scene).
//! Linear memory in the browser only grows, to the largest amount ever live plus fragmentation, so this peak
//! sets the page's wasm memory. The digits with 4 hidden layers of 64 units and a comparison run, the first
//! state computed (so its peak includes decoding the digits, about 1 MB, as in the page): 8.03 MB with a
//! workspace of 256 rows (`train::trainer::CHUNK`), 6.34 MB with 128.

use optlab::app::{chapters, compute_raw};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(live, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, n) };
        if !q.is_null() {
            LIVE.fetch_sub(l.size(), Relaxed);
            grew(n);
        }
        q
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The budget: 7 MB live at once.
const BUDGET: usize = 7 << 20;

#[test]
fn the_heaviest_training_states_stay_within_their_memory_budget() {
    let training = chapters().into_iter().find(|c| c.id() == "training").unwrap();
    let mut worst = (0, String::new());
    for dataset in ["digits", "spirals"] {
        for (optimizer, compare) in [("sam", "adam"), ("adam", "muon"), ("muon", "sam")] {
            let raw: BTreeMap<String, String> = [
                ("dataset", dataset),
                ("n", "1000"),
                ("classes", "7"),
                ("layers", "4"),
                ("width", "64"),
                ("optimizer", optimizer),
                ("compare", compare),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            let base = LIVE.load(Relaxed);
            PEAK.store(base, Relaxed);
            let (_, scene) = compute_raw(training, &raw);
            let peak = PEAK.load(Relaxed) - base;
            assert!(scene.messages.iter().all(|m| m.level != "error"), "{raw:?}: {:?}", scene.messages);
            drop(scene);
            if peak > worst.0 {
                worst = (peak, format!("{raw:?}"));
            }
        }
    }
    let mb = |b: usize| b as f64 / (1 << 20) as f64;
    assert!(worst.0 <= BUDGET, "{:.2} MB live at once (budget {:.2} MB) for {}", mb(worst.0), mb(BUDGET), worst.1);
    // and the states are heavy: a budget far above them would test nothing
    assert!(worst.0 >= BUDGET / 2, "only {:.2} MB for {}", mb(worst.0), worst.1);
}
