//! Decision regions for any number of classes: each cell of the map takes the colour of its predicted class
//! (the palette colour of that class, as its points), blended into the background by the network's
//! confidence, so a boundary shows as a pale band and a confident region as a deep one.
//!
//! **Confidence** of a cell with class probabilities `p` (k classes): `(max p − 1/k) / (1 − 1/k)`, which is 0
//! where the network cannot tell the classes apart and 1 where it is certain. The cell's colour is
//! `background + α·(class colour − background)` with `α` from [`ALPHA_MIN`] (no confidence) to
//! [`ALPHA_MAX`] (certain), so the data points, drawn in the full class colour, stay visible on it.
//! With the squared loss the outputs are scores in [0, 1], not probabilities; they are normalised to sum
//! to 1 first (all-zero scores count as no confidence).

use crate::plot::Theme;

/// Share of the class colour at no confidence and at certainty.
pub const ALPHA_MIN: f64 = 0.06;
pub const ALPHA_MAX: f64 = 0.62;
/// Colour of a cell without finite outputs (a diverged network).
pub const NO_OUTPUT: [u8; 3] = [150, 150, 150];

/// Predicted class and confidence of one cell's outputs (`None` when they are not finite).
pub fn class_and_confidence(p: &[f64]) -> Option<(usize, f64)> {
    if p.is_empty() || p.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let sum: f64 = p.iter().map(|v| v.max(0.0)).sum();
    let k = p.len() as f64;
    let (best, top) = p.iter().enumerate().fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) });
    if sum <= 0.0 || k < 2.0 {
        return Some((best, 0.0));
    }
    let conf = ((top.max(0.0) / sum - 1.0 / k) / (1.0 - 1.0 / k)).clamp(0.0, 1.0);
    Some((best, conf))
}

/// The colour of one cell (see the module docs); `colors[c]` is class `c`'s palette index.
pub fn cell_rgb(p: &[f64], colors: &[usize], th: &Theme) -> [u8; 3] {
    let Some((c, conf)) = class_and_confidence(p) else { return NO_OUTPUT };
    let col = th.color(colors.get(c).copied().unwrap_or(c));
    let bg = th.background;
    let a = ALPHA_MIN + (ALPHA_MAX - ALPHA_MIN) * conf;
    let mix = |b: u8, f: u8| (b as f64 + a * (f as f64 - b as f64)).round().clamp(0.0, 255.0) as u8;
    [mix(bg.0, col.0), mix(bg.1, col.1), mix(bg.2, col.2)]
}

/// RGBA pixels of a `gw × gh` grid of cells with `classes` outputs each (`probs[(row·gw + col)·classes + k]`),
/// one pixel per cell, row 0 at the top: the page stretches it over the map (see [`super::field::stretch_cells`]).
pub fn rgba(probs: &[f64], classes: usize, colors: &[usize], gw: usize, gh: usize, th: &Theme) -> Vec<u8> {
    let k = classes.max(1);
    (0..gw.max(1) * gh.max(1))
        .flat_map(|i| {
            let [r, g, b] = probs.get(i * k..(i + 1) * k).map_or(NO_OUTPUT, |p| cell_rgb(p, colors, th));
            [r, g, b, 255]
        })
        .collect()
}

/// Argmax of one cell's outputs (0 for none or non-finite ones).
fn argmax(p: &[f64]) -> usize {
    p.iter().enumerate().fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) }).0
}

/// Where bilinear interpolation of a `side`-cell grid (cell centres aligned) reads for cell `i` of `out`:
/// the two source cells and the weight of the second.
fn source(i: usize, side: usize, out: usize) -> (usize, usize, f64) {
    let x = ((i as f64 + 0.5) * side as f64 / out as f64 - 0.5).clamp(0.0, (side - 1) as f64);
    let i0 = (x.floor() as usize).min(side - 1);
    (i0, (i0 + 1).min(side - 1), x - i0 as f64)
}

/// Bilinear interpolation of `side × side` cells of `k` outputs each to `out × out` cells.
pub fn upsample(v: &[f64], k: usize, side: usize, out: usize) -> Vec<f64> {
    let mut res = Vec::with_capacity(out * out * k);
    if side == 0 || v.len() != side * side * k {
        return vec![f64::NAN; out * out * k];
    }
    for j in 0..out {
        let (j0, j1, fy) = source(j, side, out);
        for i in 0..out {
            let (i0, i1, fx) = source(i, side, out);
            for c in 0..k {
                let at = |jj: usize, ii: usize| v[(jj * side + ii) * k + c];
                let top = at(j0, i0) * (1.0 - fx) + at(j0, i1) * fx;
                let bottom = at(j1, i0) * (1.0 - fx) + at(j1, i1) * fx;
                res.push(top * (1.0 - fy) + bottom * fy);
            }
        }
    }
    res
}

/// The cells of an `out × out` map interpolated from a `side × side` grid whose source cells do not all
/// predict the same class (or have non-finite outputs): where the interpolated class can be wrong.
pub fn boundary_cells(coarse: &[f64], k: usize, side: usize, out: usize) -> Vec<usize> {
    let k = k.max(1);
    let cls: Vec<Option<usize>> = coarse.chunks(k).map(|p| p.iter().all(|v| v.is_finite()).then(|| argmax(p))).collect();
    if cls.len() != side * side {
        return Vec::new();
    }
    let mut cells = Vec::new();
    // a source with weight 0 does not count
    let used = |(a, b, f): (usize, usize, f64)| if f > 0.0 { (a, b) } else { (a, a) };
    for j in 0..out {
        let (j0, j1) = used(source(j, side, out));
        for i in 0..out {
            let (i0, i1) = used(source(i, side, out));
            let c = [cls[j0 * side + i0], cls[j0 * side + i1], cls[j1 * side + i0], cls[j1 * side + i1]];
            if c[0].is_none() || c.iter().any(|x| *x != c[0]) {
                cells.push(j * out + i);
            }
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_and_the_cells_it_can_get_wrong() {
        // 2 × 2 cells, 2 outputs: left column class 0, right column class 1
        let coarse = [0.9, 0.1, 0.2, 0.8, 0.9, 0.1, 0.2, 0.8];
        let fine = upsample(&coarse, 2, 2, 4);
        assert_eq!(fine.len(), 4 * 4 * 2);
        // corner cells copy their source; the middle columns mix both
        assert_eq!(&fine[0..2], &[0.9, 0.1]);
        assert!((fine[2] - (0.9 * 0.75 + 0.2 * 0.25)).abs() < 1e-12, "{}", fine[2]);
        // every fine cell reads from both columns except the outer ones: those in the middle are boundary cells
        let cells = boundary_cells(&coarse, 2, 2, 4);
        assert_eq!(cells, vec![1, 2, 5, 6, 9, 10, 13, 14]);
        // one class everywhere: no boundary; a non-finite source: its cells count
        assert!(boundary_cells(&[0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4], 2, 2, 4).is_empty());
        assert_eq!(boundary_cells(&[f64::NAN, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4], 2, 2, 4).len(), 9);
        assert!(upsample(&coarse, 2, 3, 4).iter().all(|v| v.is_nan()), "wrong sizes give no colours, not a panic");
    }

    #[test]
    fn confidence_is_zero_at_a_tie_and_one_when_certain() {
        assert_eq!(class_and_confidence(&[0.5, 0.5]).unwrap().1, 0.0);
        assert_eq!(class_and_confidence(&[0.0, 1.0, 0.0]), Some((1, 1.0)));
        let (c, conf) = class_and_confidence(&[0.2, 0.2, 0.6]).unwrap();
        assert_eq!(c, 2);
        assert!((conf - 0.4).abs() < 1e-12, "{conf}"); // (0.6 − 1/3) / (2/3)
        assert_eq!(class_and_confidence(&[f64::NAN, 1.0]), None);
        assert_eq!(class_and_confidence(&[0.0, 0.0]), Some((0, 0.0)), "all-zero scores");
    }

    #[test]
    fn a_certain_cell_takes_its_class_colour_and_a_tie_stays_near_the_background() {
        let th = Theme::by_name("light", 1.0);
        let colors = [0, 1, 4];
        let certain = cell_rgb(&[0.0, 0.0, 1.0], &colors, &th);
        let orange = th.color(4);
        let want = |b: u8, f: u8| (b as f64 + ALPHA_MAX * (f as f64 - b as f64)).round() as u8;
        assert_eq!(certain, [want(255, orange.0), want(255, orange.1), want(255, orange.2)]);
        let tie = cell_rgb(&[1.0 / 3.0; 3], &colors, &th);
        assert!(tie.iter().all(|&v| v >= 230), "{tie:?}");
        assert_eq!(cell_rgb(&[f64::INFINITY, 0.0, 0.0], &colors, &th), NO_OUTPUT);
        // 2 × 1 cells: class 0 then class 1, one opaque pixel each
        let px = rgba(&[1.0, 0.0, 0.0, 1.0], 2, &colors, 2, 1, &th);
        assert_eq!(px.len(), 2 * 4);
        assert_eq!(&px[..4], &[want(255, th.color(0).0), want(255, th.color(0).1), want(255, th.color(0).2), 255]);
        assert_eq!(&px[4..], &[want(255, th.color(1).0), want(255, th.color(1).1), want(255, th.color(1).2), 255]);
    }
}
