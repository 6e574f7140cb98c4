//! Dense fields (a landscape's level sets, the (η, β) rate map) rendered into RGBA images of one pixel per
//! sample or cell (the page scales them over the plotting area), and the map chart that draws axes, paths and
//! arrows over them.

use super::legend::{fit_with_ellipsis, header, Key, KeyMark};
use super::{err, DrawResult, Frame, Theme};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Viridis at nine stops (perceptually uniform, readable in grey and with colour-vision deficiencies).
const VIRIDIS: [[f64; 3]; 9] = [
    [68.0, 1.0, 84.0],
    [71.0, 44.0, 122.0],
    [59.0, 81.0, 139.0],
    [44.0, 113.0, 142.0],
    [33.0, 144.0, 141.0],
    [39.0, 173.0, 129.0],
    [92.0, 200.0, 99.0],
    [170.0, 220.0, 50.0],
    [253.0, 231.0, 37.0],
];

/// Viridis colour of `t ∈ [0, 1]`.
pub fn viridis(t: f64) -> [u8; 3] {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 1.0 };
    let x = t * 8.0;
    let i = (x.floor() as usize).min(7);
    let f = x - i as f64;
    let mut c = [0u8; 3];
    for k in 0..3 {
        c[k] = (VIRIDIS[i][k] + f * (VIRIDIS[i + 1][k] - VIRIDIS[i][k])).round() as u8;
    }
    c
}

/// `ln x` for finite `x ≥ 1e-300` to about 1e-10: exponent and an atanh series for the mantissa.
/// The landscape colours need a logarithm per sample, and the library's `ln` is a slow call in wasm.
fn fast_ln(x: f64) -> f64 {
    if !(x.is_finite() && x >= 1e-300) {
        return x.ln();
    }
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln m = 2 atanh s with s = (m − 1)/(m + 1), |s| < 0.172
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let series = s * (2.0 + s2 * (2.0 / 3.0 + s2 * (2.0 / 5.0 + s2 * (2.0 / 7.0 + s2 * (2.0 / 9.0 + s2 * (2.0 / 11.0))))));
    e as f64 * std::f64::consts::LN_2 + series
}

/// Samples `f` on a `w × h` grid over `bounds = (x0, x1, y0, y1)` (row 0 at the top, y1) every `step`
/// pixels, and colours `log(f − min + δ)` with viridis, darkening the samples where the level band
/// changes so that `levels` contour lines appear. Non-finite values are drawn in the highest colour.
/// Returns one RGBA pixel per sample, `⌈w/step⌉ × ⌈h/step⌉` (row-major): the page shows it scaled by
/// `step` without smoothing and clipped to `w × h`, which is pixel for pixel [`spread_cells`] of it.
pub fn landscape_rgba(
    f: impl Fn(f64, f64) -> f64,
    bounds: (f64, f64, f64, f64),
    w: usize,
    h: usize,
    step: usize,
    levels: usize,
) -> Vec<u8> {
    let step = step.max(1);
    let (gw, gh) = (w.div_ceil(step).max(1), h.div_ceil(step).max(1));
    let (x0, x1, y0, y1) = bounds;
    let mut vals = vec![0.0; gw * gh];
    for j in 0..gh {
        let y = y1 - (j as f64 * step as f64 + 0.5 * step as f64) / h as f64 * (y1 - y0);
        for i in 0..gw {
            let x = x0 + (i as f64 * step as f64 + 0.5 * step as f64) / w as f64 * (x1 - x0);
            vals[j * gw + i] = f(x, y);
        }
    }
    let finite = vals.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let delta = ((hi - lo) * 1e-4).max(1e-12);
    let (ln_delta, span) = (delta.ln(), ((hi - lo + delta).ln() - delta.ln()).max(1e-12));
    let t = |v: f64| (fast_ln(v - lo + delta) - ln_delta) / span;
    let norm: Vec<f64> = vals.iter().map(|&v| if v.is_finite() { t(v).clamp(0.0, 1.0) } else { 1.0 }).collect();
    let bands: Vec<i64> = norm.iter().map(|&v| (v * levels as f64).floor() as i64).collect();
    // 256 shades are more than the eye separates here, and spare a colour computation per sample
    let lut: Vec<[u8; 3]> = (0..256).map(|k| viridis(k as f64 / 255.0)).collect();
    // one colour per sample (the canvas spreads each over its step × step pixels)
    let mut cells = vec![255u8; gw * gh * 4];
    for j in 0..gh {
        for i in 0..gw {
            let k = j * gw + i;
            let v = norm[k];
            let b = bands[k];
            let edge = (i + 1 < gw && bands[k + 1] != b) || (j + 1 < gh && bands[k + gw] != b);
            let mut c = lut[(v * 255.0 + 0.5) as usize];
            if edge {
                c = [(c[0] as f64 * 0.55) as u8, (c[1] as f64 * 0.55) as u8, (c[2] as f64 * 0.55) as u8];
            }
            cells[k * 4..k * 4 + 3].copy_from_slice(&c);
        }
    }
    cells
}

/// The `w × h` pixels of a landscape image of `step`-pixel samples (see [`landscape_rgba`]): pixel `(px, py)`
/// takes sample `(px / step, py / step)`, as the canvas draws it.
pub fn spread_cells(cells: &[u8], step: usize, w: usize, h: usize) -> Vec<u8> {
    let step = step.max(1);
    let gw = w.div_ceil(step).max(1);
    let px: Vec<[u8; 4]> = cells.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect();
    spread(&px, gw, w, h, |py| py / step, |px| px / step)
}

/// Fills a `w × h` RGBA buffer from per-cell colours (`gw` cells a row): pixel `(px, py)` takes cell
/// `(col(px), row(py))`. A pixel row whose cell row equals the previous one is copied whole.
fn spread(cells: &[[u8; 4]], gw: usize, w: usize, h: usize, row: impl Fn(usize) -> usize, col: impl Fn(usize) -> usize) -> Vec<u8> {
    let mut out = vec![0u8; w * h * 4];
    let cols: Vec<usize> = (0..w).map(col).collect();
    let mut prev = usize::MAX;
    for py in 0..h {
        let j = row(py);
        let o = py * w * 4;
        if j == prev {
            out.copy_within(o - w * 4..o, o);
            continue;
        }
        prev = j;
        for (px, &i) in cols.iter().enumerate() {
            out[o + px * 4..o + px * 4 + 4].copy_from_slice(&cells[j * gw + i]);
        }
    }
    out
}

/// Colours a grid of values in `[0, ∞)` row-major (row 0 at the top): `t ∈ [0, 1)` by viridis, values ≥ 1
/// (divergence, for a rate map) in a flat grey. One RGBA pixel per cell (`gw × gh`): the page stretches the
/// image over the plotting area without smoothing, which is pixel for pixel [`stretch_cells`] of it.
pub fn grid_rgba(vals: &[f64], gw: usize, gh: usize, diverged: [u8; 3]) -> Vec<u8> {
    (0..gw.max(1) * gh.max(1))
        .flat_map(|k| {
            let v = vals.get(k).copied().unwrap_or(f64::NAN);
            let c = if v.is_finite() && v < 1.0 { viridis(v) } else { diverged };
            [c[0], c[1], c[2], 255]
        })
        .collect()
}

/// The `w × h` pixels of a `gw × gh` RGBA image stretched over them, as the canvas draws it without
/// smoothing: pixel `(px, py)` takes the cell its centre falls in, `(⌊(px + ½)·gw/w⌋, ⌊(py + ½)·gh/h⌋)`, and
/// a centre on the edge between two cells takes the first (as Chromium's canvas does).
pub fn stretch_cells(cells: &[u8], gw: usize, gh: usize, w: usize, h: usize) -> Vec<u8> {
    let (gw, gh) = (gw.max(1), gh.max(1));
    let px: Vec<[u8; 4]> = cells.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect();
    let centre = |p: usize, g: usize, n: usize| (((2 * p + 1) * g - 1) / (2 * n.max(1))).min(g - 1);
    spread(&px, gw, w, h, |py| centre(py, gh, h), |px| centre(px, gw, w))
}

/// A path on the map (an optimizer's iterates).
#[derive(Clone, Debug)]
pub struct MapPath {
    pub name: String,
    pub color: usize,
    pub points: Vec<(f64, f64)>,
    pub dashed: bool,
}

/// A 2-D map: field image under axes, paths, markers and arrows.
#[derive(Clone, Debug, Default)]
pub struct MapChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub bounds: (f64, f64, f64, f64),
    pub paths: Vec<MapPath>,
    /// `(x, y, label, colour)`; colour `usize::MAX` means the foreground colour.
    pub markers: Vec<(f64, f64, String, usize)>,
    /// `(from, to, colour)`.
    pub arrows: Vec<((f64, f64), (f64, f64), usize)>,
    /// Data points `(x, y, colour, filled)`, drawn as small circles with a white rim (readable on any
    /// field colour) under the paths: filled discs, or rings when `filled` is false (e.g. training vs test
    /// points of a classifier, coloured by class).
    pub points: Vec<(f64, f64, usize, bool)>,
    /// The colour bar beside the map, if its colours carry a scale.
    pub scale: Option<ColorScale>,
    /// No ticks or tick labels: the coordinates are an image's cells, which mean nothing to the reader (the
    /// axis texts say what the rows and columns are).
    pub no_ticks: bool,
    /// The point a click on this map sets (x₀; momentum's (log₁₀ η, β)), drawn as a marker: a finger that
    /// lands on it drags it (see [`MapChart::grab_point`]). Only on a map whose canvas is clickable.
    pub grab: Option<(f64, f64)>,
}

impl MapChart {
    /// Marks `(x, y)` with `label` as the point the map's clicks set (its `grab`).
    pub fn grab_point(&mut self, (x, y): (f64, f64), label: &str) {
        self.markers.push((x, y, label.into(), usize::MAX));
        self.grab = Some((x, y));
    }
}

/// What a field's colours mean, drawn as a viridis bar at the right of the map (dark at the bottom).
#[derive(Clone, Debug, Default)]
pub struct ColorScale {
    /// What the colour shows (above the bar).
    pub label: String,
    /// Text at the dark end (bottom) and at the bright end (top).
    pub low: String,
    pub high: String,
    /// An extra swatch under the bar, e.g. grey for "diverges".
    pub extra: Option<(String, [u8; 3])>,
}

/// Draws a [`MapChart`]. `paint_field` is called with the plotting area (backend pixels) before anything is
/// drawn over it: the app puts the field image there; SVG tests may draw nothing.
pub fn draw_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    m: &MapChart,
    th: &Theme,
    paint_field: &mut dyn FnMut(Frame),
) -> DrawResult<Frame> {
    root.fill(&th.background).map_err(err)?;
    let (x0, x1, y0, y1) = m.bounds;
    let fp = th.font_px;
    let keys: Vec<Key> = m
        .paths
        .iter()
        .map(|p| Key { name: p.name.clone(), color: th.color(p.color), mark: if p.dashed { KeyMark::Dashed } else { KeyMark::Line } })
        .collect();
    let margin = (fp * 0.8) as i32;
    let y_area = (fp * 4.0) as i32;
    let area = header(root, &m.title, &keys, th, margin + y_area)?;
    // the colour bar's column: a bar and its texts, at most a quarter of the width
    let small = th.font(0.85);
    let (bar_w, gap) = ((fp * 0.9).round() as i32, (fp * 0.6).round() as i32);
    let col_max = (root.dim_in_pixel().0 as i32 / 4 - gap).max(bar_w);
    let scale_texts: Option<Vec<String>> = m.scale.as_ref().map(|sc| {
        let measure = |t: &str| root.estimate_text_size(t, &small).map(|d| d.0).unwrap_or(0);
        [&sc.label, &sc.high, &sc.low]
            .into_iter()
            .chain(sc.extra.as_ref().map(|e| &e.0))
            .map(|t| fit_with_ellipsis(t, col_max as u32, &measure))
            .collect()
    });
    let col_w = scale_texts.as_ref().map_or(0, |ts| {
        let width = |t: &String| root.estimate_text_size(t, &small).map(|d| d.0 as i32).unwrap_or(0);
        let widest = ts.iter().take(3).map(width).max().unwrap_or(0);
        let extra = ts.get(3).map_or(0, |t| bar_w + 4 + width(t));
        gap + widest.max(extra).max(bar_w)
    });
    let mut chart = ChartBuilder::on(&area)
        .margin_left(margin)
        .margin_right(margin + col_w)
        .margin_bottom(margin)
        .margin_top((fp * 0.5) as i32)
        .x_label_area_size((fp * 3.0) as i32)
        .y_label_area_size(y_area)
        .build_cartesian_2d(super::plain_axis(x0, x1), super::plain_axis(y0, y1))
        .map_err(err)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let frame = Frame { px: (px.start, px.end), py: (py.start, py.end), x: (x0, x1), y: (y0, y1) };
    paint_field(frame);
    if let (Some(sc), Some(texts)) = (&m.scale, &scale_texts) {
        draw_scale(root, sc, texts, th, (px.end + gap, py.start, py.end), bar_w)?;
    }
    chart
        .configure_mesh()
        .disable_mesh()
        .axis_style(th.foreground)
        .label_style(th.font(0.9))
        .axis_desc_style(th.font(1.0))
        .x_desc(m.x_label.as_str())
        .y_desc(m.y_label.as_str())
        .x_labels(if m.no_ticks { 0 } else { 5 })
        .y_labels(if m.no_ticks { 0 } else { 5 })
        .x_label_formatter(&|v| super::label_fmt(*v, false))
        .y_label_formatter(&|v| super::label_fmt(*v, false))
        .draw()
        .map_err(err)?;
    let w = th.line_width.max(1);
    let inside = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite();
    let clamp = |(x, y): (f64, f64)| {
        let (dx, dy) = ((x1 - x0) * 0.05, (y1 - y0) * 0.05);
        (x.clamp(x0 - dx, x1 + dx), y.clamp(y0 - dy, y1 + dy))
    };
    let r = (fp * 0.3).max(2.0) as i32;
    // every white rim first, then the discs and rings colour by colour: runs of circles of one style, which the
    // canvas backend fills or strokes as one path (hundreds of training points cost a few canvas calls)
    let shown: Vec<(f64, f64, usize, bool)> = m
        .points
        .iter()
        .copied()
        .filter(|&(x, y, _, _)| x.is_finite() && y.is_finite() && x >= x0 && x <= x1 && y >= y0 && y <= y1)
        .collect();
    chart.draw_series(shown.iter().filter(|p| p.3).map(|&(x, y, _, _)| Circle::new((x, y), r + 1, WHITE.filled()))).map_err(err)?;
    let ring = ShapeStyle::from(&WHITE).stroke_width(3);
    chart.draw_series(shown.iter().filter(|p| !p.3).map(|&(x, y, _, _)| Circle::new((x, y), r, ring))).map_err(err)?;
    let mut colours: Vec<usize> = shown.iter().map(|p| p.2).collect();
    colours.sort_unstable();
    colours.dedup();
    for c in colours {
        let col = th.color(c);
        for want in [true, false] {
            let these = shown.iter().filter(|p| p.2 == c && p.3 == want);
            chart
                .draw_series(these.map(|&(x, y, _, filled)| {
                    if filled {
                        Circle::new((x, y), r, col.filled())
                    } else {
                        Circle::new((x, y), r, ShapeStyle::from(&col).stroke_width(2))
                    }
                }))
                .map_err(err)?;
        }
    }
    let white = ShapeStyle::from(&WHITE).stroke_width(w + 2);
    // a path's steps closer than a device pixel to the last one kept are not drawn (the last step always is):
    // a run that settles into its minimum otherwise costs the canvas hundreds of segments inside one pixel
    let (sx, sy) = ((px.end - px.start).max(1) as f64 / (x1 - x0), (py.end - py.start).max(1) as f64 / (y1 - y0));
    let thin = |pts: Vec<(f64, f64)>| -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::with_capacity(pts.len());
        for (i, &q) in pts.iter().enumerate() {
            let far = out.last().is_none_or(|l| ((q.0 - l.0) * sx).abs() >= 1.0 || ((q.1 - l.1) * sy).abs() >= 1.0);
            if far || i + 1 == pts.len() {
                out.push(q);
            }
        }
        out
    };
    for p in &m.paths {
        let pts: Vec<(f64, f64)> = thin(p.points.iter().filter(|q| inside(q)).map(|&q| clamp(q)).collect());
        let col = th.color(p.color);
        let style = ShapeStyle::from(&col).stroke_width(w);
        chart.draw_series(LineSeries::new(pts.clone(), white)).map_err(err)?;
        if p.dashed {
            chart.draw_series(DashedLineSeries::new(pts.clone(), 6 * w, 4 * w, style)).map_err(err)?;
        } else {
            chart.draw_series(LineSeries::new(pts.clone(), style)).map_err(err)?;
        }
        if let Some(&end) = pts.last() {
            chart.draw_series(std::iter::once(Circle::new(end, 3 + w, style.filled()))).map_err(err)?;
        }
    }
    // Plotters' pixel arithmetic overflows on far-off coordinates: draw only what lies near the view.
    let near = |&(x, y): &(f64, f64)| {
        let (dx, dy) = ((x1 - x0) * 0.05, (y1 - y0) * 0.05);
        x.is_finite() && y.is_finite() && x >= x0 - dx && x <= x1 + dx && y >= y0 - dy && y <= y1 + dy
    };
    for (x, y, label, c) in &m.markers {
        if !near(&(*x, *y)) {
            continue;
        }
        let col = if *c == usize::MAX { th.foreground } else { th.color(*c) };
        let st = ShapeStyle::from(&col).stroke_width(w);
        let arm = 4 + 2 * w as i32;
        chart.draw_series(std::iter::once(Cross::new((*x, *y), arm, st))).map_err(err)?;
        if !label.is_empty() {
            // up and to the right of the cross, with a halo in the background colour so it reads on any field
            use plotters::style::text_anchor::{HPos, Pos, VPos};
            let (bx, by) = chart.backend_coord(&(*x, *y));
            let at = (bx + arm + 2, by - arm - 1);
            let halo = th.font(0.9).color(&th.background).pos(Pos::new(HPos::Left, VPos::Bottom));
            for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                root.draw_text(label, &halo, (at.0 + dx, at.1 + dy)).map_err(err)?;
            }
            root.draw_text(label, &th.font(0.9).pos(Pos::new(HPos::Left, VPos::Bottom)), at).map_err(err)?;
        }
    }
    for &(from, to, c) in &m.arrows {
        if !(near(&from) && near(&to)) {
            continue;
        }
        let col = th.color(c);
        let st = ShapeStyle::from(&col).stroke_width(w + 1);
        chart.draw_series(LineSeries::new(vec![from, to], st)).map_err(err)?;
        // arrow head in pixel space, so it looks the same at any zoom
        let (a, b) = (chart.backend_coord(&from), chart.backend_coord(&to));
        let (dx, dy) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (ux, uy) = (dx / len, dy / len);
        let head = (fp * 0.9).max(6.0);
        let p1 = (b.0 - (head * (ux - 0.5 * uy)) as i32, b.1 - (head * (uy + 0.5 * ux)) as i32);
        let p2 = (b.0 - (head * (ux + 0.5 * uy)) as i32, b.1 - (head * (uy - 0.5 * ux)) as i32);
        root.draw(&Polygon::new(vec![b, p1, p2], st.filled())).map_err(err)?;
    }
    Ok(frame)
}

/// The colour bar: label and bright-end text above a vertical viridis bar, dark-end text below, then the
/// extra swatch. `at = (x, top, bottom)` in backend pixels; `texts` = label, high, low, extra (fitted).
fn draw_scale<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sc: &ColorScale,
    texts: &[String],
    th: &Theme,
    at: (i32, i32, i32),
    bar_w: i32,
) -> DrawResult<()> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let (x, top, bottom) = at;
    let small = th.font(0.85);
    let lh = (th.font_px * 0.85 * 1.3).ceil() as i32;
    let style = small.pos(Pos::new(HPos::Left, VPos::Top));
    let text = |t: &str, y: i32| root.draw_text(t, &style, (x, y)).map_err(err);
    text(&texts[0], top)?;
    text(&texts[1], top + lh)?;
    let (y_a, mut y_b) = (top + 2 * lh + 2, bottom - lh - 2);
    if sc.extra.is_some() {
        y_b -= lh + lh / 2;
    }
    if y_b - y_a >= 8 {
        let n = 48;
        for k in 0..n {
            let (a, b) = (y_a + (y_b - y_a) * k / n, y_a + (y_b - y_a) * (k + 1) / n);
            let c = viridis(1.0 - (k as f64 + 0.5) / n as f64);
            root.draw(&Rectangle::new([(x, a), (x + bar_w, b + 1)], RGBColor(c[0], c[1], c[2]).filled())).map_err(err)?;
        }
        root.draw(&Rectangle::new([(x, y_a), (x + bar_w, y_b + 1)], ShapeStyle::from(&th.foreground).stroke_width(1))).map_err(err)?;
    }
    text(&texts[2], y_b + 3)?;
    if let (Some((_, c)), Some(t)) = (&sc.extra, texts.get(3)) {
        let y = y_b + 3 + lh + lh / 2;
        root.draw(&Rectangle::new([(x, y), (x + bar_w, y + lh - 2)], RGBColor(c[0], c[1], c[2]).filled())).map_err(err)?;
        root.draw_text(t, &small.pos(Pos::new(HPos::Left, VPos::Top)), (x + bar_w + 4, y)).map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landscape_buffer_has_the_right_size_and_contours() {
        let cells = landscape_rgba(|x, y| x * x + 10.0 * y * y, (-1.0, 1.0, -1.0, 1.0), 40, 30, 2, 12);
        assert_eq!(cells.len(), 20 * 15 * 4);
        let buf = spread_cells(&cells, 2, 40, 30);
        assert_eq!(buf.len(), 40 * 30 * 4);
        assert!(buf.chunks(4).all(|p| p[3] == 255));
        let distinct: std::collections::HashSet<_> = buf.chunks(4).map(|p| (p[0], p[1], p[2])).collect();
        assert!(distinct.len() > 20, "a field should use many colours, got {}", distinct.len());
    }

    #[test]
    fn fast_ln_matches_ln() {
        for &x in &[1e-12, 1e-5, 0.3, 1.0, 1.5, 2.0 - 1e-12, 7.0, 1e3, 123456.789, 1e200] {
            assert!((fast_ln(x) - x.ln()).abs() <= 1e-10 * x.ln().abs().max(1.0), "{x}: {} vs {}", fast_ln(x), x.ln());
        }
        assert!(fast_ln(0.0) == f64::NEG_INFINITY && fast_ln(f64::NAN).is_nan());
    }

    #[test]
    fn grid_cells_take_their_colour_and_stretch_by_their_centres() {
        let vals = [0.0, 0.5, 0.99, 1.5, f64::NAN, 0.25];
        let (gw, gh, w, h) = (3, 2, 7, 5);
        let cells = grid_rgba(&vals, gw, gh, [1, 2, 3]);
        for (k, &v) in vals.iter().enumerate() {
            let want = if v.is_finite() && v < 1.0 { viridis(v) } else { [1, 2, 3] };
            assert_eq!(&cells[k * 4..k * 4 + 4], &[want[0], want[1], want[2], 255], "cell {k}");
        }
        // 7 pixels over 3 cells: centres at 0.5·3/7 = 0.21, 0.64, 1.07, 1.5, 1.93, 2.36, 2.79
        let buf = stretch_cells(&cells, gw, gh, w, h);
        let cols = [0, 0, 1, 1, 1, 2, 2];
        // 5 pixels over 2 cells: centres at 0.2, 0.6, 1.0, 1.4, 1.8 (on an edge: the cell before it)
        let rows = [0, 0, 0, 1, 1];
        for py in 0..h {
            for px in 0..w {
                let k = rows[py] * gw + cols[px];
                let o = (py * w + px) * 4;
                assert_eq!(&buf[o..o + 4], &cells[k * 4..k * 4 + 4], "pixel ({px}, {py})");
            }
        }
    }

    #[test]
    fn map_points_are_drawn_inside_the_bounds_only_and_in_their_colour() {
        let th = Theme::by_name("light", 1.0);
        let m = MapChart {
            bounds: (-1.0, 1.0, -1.0, 1.0),
            points: vec![(0.0, 0.0, 0, true), (0.5, 0.5, 1, false), (5.0, 0.0, 2, true), (f64::NAN, 0.0, 2, true)],
            ..Default::default()
        };
        let svg = super::super::to_svg(200, 200, |root| draw_map(root, &m, &th, &mut |_| {})).unwrap();
        let hex = |c: RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
        assert_eq!(svg.matches("<circle").count(), 4, "two points inside, each a rim and a mark");
        assert!(svg.contains(&hex(th.color(0))) && svg.contains(&hex(th.color(1))));
        assert!(!svg.contains(&hex(th.color(2))), "points outside the bounds or not finite are skipped");
        assert!(!svg.contains("NaN"));
    }
}
