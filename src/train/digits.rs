//! The 8×8 handwritten digits: 1,797 images of the UCI "Optical Recognition of Handwritten Digits" data
//! (Alpaydin & Kaynak 1998, CC BY 4.0; the set scikit-learn ships), prepared by `scripts/prepare_digits.py`
//! into `www/assets/digits.bin` (4-bit packed, lossless, 39 KB once gzip'd; the format is in that script).
//!
//! Each image is 64 features, the pixel values 0–16 divided by 16 (so in [0, 1]), in row-major 8×8 order;
//! labels 0–9. The page fetches the file only when a digits view opens and hands it to [`provide`]; native
//! builds (the command line, the tests, the sweep) carry it in the binary, so `data.kind = "digits"` works
//! there without a file. The wasm module never contains it: the first chapter's load does not grow.

use super::data::Points;
use std::sync::OnceLock;

/// Images in the set.
pub const IMAGES: usize = 1797;
/// Pixels per image, and the side of the square.
pub const PIXELS: usize = 64;
pub const SIDE: usize = 8;
/// The asset's file name under `www/assets/` (and `dist/assets/`).
pub const ASSET: &str = "digits.bin";

/// The images as the asset gives them: one byte per pixel (0–16), one per label. Held for the page's life
/// once fetched; each data set is expanded from them ([`get`]), so the f64 features live only in the
/// training's own `Data` (0.11 MB kept here instead of a second 0.96 MB copy).
struct Compact {
    d: usize,
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

impl Compact {
    fn points(&self) -> Points {
        Points {
            x: self.pixels.chunks_exact(self.d).map(|r| r.iter().map(|&v| f64::from(v) / 16.0).collect()).collect(),
            y: self.labels.iter().map(|&l| usize::from(l)).collect(),
        }
    }
}

static DIGITS: OnceLock<Compact> = OnceLock::new();

#[cfg(not(target_arch = "wasm32"))]
const BUNDLED: &[u8] = include_bytes!("../../www/assets/digits.bin");

/// Decodes the asset; the error says what is wrong with the bytes.
pub fn decode(bytes: &[u8]) -> Result<Points, String> {
    decode_compact(bytes).map(|c| c.points())
}

fn decode_compact(bytes: &[u8]) -> Result<Compact, String> {
    if bytes.len() < 8 || &bytes[..4] != b"DIG1" {
        return Err("not a digits file (it should start with DIG1)".into());
    }
    let n = u16::from_le_bytes([bytes[4], bytes[5]]) as usize;
    let (d, side) = (bytes[6] as usize, bytes[7] as usize);
    if d != side * side || d == 0 || n == 0 {
        return Err(format!("a digits file of {n} images of {d} pixels, side {side}, is not readable"));
    }
    let nib = |buf: &[u8], i: usize| if i.is_multiple_of(2) { buf[i / 2] >> 4 } else { buf[i / 2] & 15 };
    let body = &bytes[8..];
    let total = n * d;
    let pix_bytes = total.div_ceil(2);
    if body.len() < pix_bytes {
        return Err("the digits file is cut short".into());
    }
    let pixels = &body[..pix_bytes];
    let fifteen = (0..total).filter(|&i| nib(pixels, i) == 15).count();
    let esc_bytes = fifteen.div_ceil(8);
    let label_bytes = n.div_ceil(2);
    if body.len() != pix_bytes + esc_bytes + label_bytes {
        return Err(format!("the digits file has {} bytes, expected {}", bytes.len(), 8 + pix_bytes + esc_bytes + label_bytes));
    }
    let escapes = &body[pix_bytes..pix_bytes + esc_bytes];
    let labels = &body[pix_bytes + esc_bytes..];
    let mut x = vec![0u8; total];
    let mut e = 0;
    for i in 0..total {
        let mut v = nib(pixels, i);
        if v == 15 {
            if escapes[e / 8] >> (7 - e % 8) & 1 == 1 {
                v = 16;
            }
            e += 1;
        }
        // pixel-major: entry i is pixel i / n of image i % n
        x[(i % n) * d + i / n] = v;
    }
    let y: Vec<u8> = (0..n).map(|i| nib(labels, i)).collect();
    if let Some(bad) = y.iter().find(|&&l| l > 9) {
        return Err(format!("the digits file holds label {bad}"));
    }
    Ok(Compact { d, pixels: x, labels: y })
}

/// Hands the fetched asset to the core (the page, once); an error when the bytes are not the digits.
pub fn provide(bytes: &[u8]) -> Result<(), String> {
    if DIGITS.get().is_some() {
        return Ok(());
    }
    let digits = decode_compact(bytes)?;
    let _ = DIGITS.set(digits);
    Ok(())
}

fn compact() -> Option<&'static Compact> {
    #[cfg(not(target_arch = "wasm32"))]
    if DIGITS.get().is_none() {
        let _ = DIGITS.set(decode_compact(BUNDLED).expect("the bundled digits decode"));
    }
    DIGITS.get()
}

/// The digits as features in [0, 1] and labels, a new copy on each call, if loaded (always natively).
pub fn get() -> Option<Points> {
    compact().map(Compact::points)
}

/// Whether [`get`] has them.
pub fn loaded() -> bool {
    compact().is_some()
}
