//! Charts, generic over plotters' `DrawingBackend`: the app draws them on HiDPI canvases (src/web/fast_canvas.rs,
//! on a worker's OffscreenCanvas or a page's canvas), the tests render them to SVG strings and read them back.
//!
//! Log axes are drawn by plotting `log10(v)` on a linear axis whose ticks are put at powers of ten (or at
//! 1, 2, 5 × 10^k on a short range; see [`ticks`]), so every chart has one coordinate type. Non-finite points
//! are dropped before drawing (a diverged run keeps what it computed).

pub mod describe;
pub mod field;
pub mod legend;
pub mod regions;

use plotters::coord::ranged1d::{BoldPoints, DefaultFormatting, KeyPointHint, LightPoints, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Colours and sizes; one per theme (light, dark, projector).
#[derive(Clone, Debug)]
pub struct Theme {
    pub background: RGBColor,
    pub foreground: RGBColor,
    pub grid: RGBColor,
    /// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
    pub palette: [RGBColor; 7],
    pub line_width: u32,
    pub font_px: f64,
}

pub const OKABE_ITO: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(120, 120, 120), // grey
];

impl Theme {
    pub fn by_name(name: &str, scale: f64) -> Theme {
        let s = scale.clamp(0.5, 4.0);
        match name {
            "dark" => Theme {
                background: RGBColor(24, 26, 31),
                foreground: RGBColor(225, 228, 232),
                grid: RGBColor(60, 64, 72),
                palette: [
                    RGBColor(86, 180, 233),
                    RGBColor(230, 159, 0),
                    RGBColor(0, 158, 115),
                    RGBColor(204, 121, 167),
                    RGBColor(240, 228, 66),
                    RGBColor(213, 94, 0),
                    RGBColor(170, 170, 170),
                ],
                line_width: (2.0 * s).round() as u32,
                font_px: 12.0 * s,
            },
            "projector" => Theme {
                background: RGBColor(255, 255, 255),
                foreground: RGBColor(0, 0, 0),
                grid: RGBColor(200, 200, 200),
                palette: OKABE_ITO,
                line_width: (4.0 * s).round() as u32,
                font_px: 18.0 * s,
            },
            _ => Theme {
                background: RGBColor(255, 255, 255),
                foreground: RGBColor(30, 30, 30),
                grid: RGBColor(225, 225, 225),
                palette: OKABE_ITO,
                line_width: (2.0 * s).round() as u32,
                font_px: 12.0 * s,
            },
        }
    }

    pub fn color(&self, i: usize) -> RGBColor {
        self.palette[i % self.palette.len()]
    }

    fn font(&self, rel: f64) -> TextStyle<'static> {
        // (the family as a value: plotters' `From<&str>` lowercases the name with Unicode's tables, 4 KB of wasm)
        (FontFamily::SansSerif, self.font_px * rel).into_font().color(&self.foreground)
    }
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mark {
    Line,
    Dashed,
    Points,
    LinePoints,
}

/// One named series of `(x, y)` points.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub mark: Mark,
    /// Palette index (the same optimizer keeps its colour across a chapter's charts).
    pub color: usize,
}

impl Series {
    pub fn line(name: impl Into<String>, color: usize, points: Vec<(f64, f64)>) -> Series {
        Series::named(name.into(), color, points)
    }
    /// (One compiled copy for the chapters' many series: the struct is not written out at each.)
    #[inline(never)]
    fn named(name: String, color: usize, points: Vec<(f64, f64)>) -> Series {
        Series { name, points, mark: Mark::Line, color }
    }
    pub fn with_mark(mut self, mark: Mark) -> Series {
        self.mark = mark;
        self
    }
}

/// A chart of lines and points over linear or log axes.
#[derive(Clone, Debug, Default)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_log: bool,
    pub y_log: bool,
    pub series: Vec<Series>,
    /// Fixed ranges (in data units); computed from the data when `None`.
    pub x_range: Option<(f64, f64)>,
    pub y_range: Option<(f64, f64)>,
    /// Vertical markers `(x, label)`, e.g. "diverged".
    pub markers: Vec<(f64, String)>,
}

fn tx(v: f64, log: bool) -> Option<f64> {
    let t = if log {
        if v > 0.0 {
            v.log10()
        } else {
            return None;
        }
    } else {
        v
    };
    t.is_finite().then_some(t)
}

fn padded(lo: f64, hi: f64, log: bool) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 * lo.abs().max(1.0) {
        let d = if log { 0.5 } else { lo.abs().max(1.0) * 0.1 };
        return (lo - d, hi + d);
    }
    let d = (hi - lo) * 0.04;
    (lo - d, hi + d)
}

/// The labelled (bold) and the light tick positions of an axis from `lo` to `hi` in drawn units (`log10` of
/// the value on a log axis), at most about `n` labelled. A linear axis gets plotters' own round numbers. A log
/// axis gets its powers of ten (every second or third when more than `n` are in view) with light lines at 2…9
/// × 10^k; a range holding fewer than two powers of ten gets 1, 2 and 5 × 10^k, or round values when even
/// those are fewer than two (the axis then reads like a linear one). Never ticks at 10^0.5 = 3.162….
pub fn ticks(lo: f64, hi: f64, log: bool, n: usize) -> (Vec<f64>, Vec<f64>) {
    let linear = |lo: f64, hi: f64| {
        let r = RangedCoordf64::from(lo..hi);
        (r.key_points(BoldPoints(n)), r.key_points(LightPoints::new(n, n * 10)))
    };
    if !log || hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return linear(lo, hi);
    }
    let inside = |v: f64| v >= lo - 1e-9 && v <= hi + 1e-9;
    let (a, b) = ((lo - 1e-9).ceil() as i64, (hi + 1e-9).floor() as i64);
    let at = |m: f64, k: i64| m.log10() + k as f64;
    if b - a + 1 >= 2 {
        let every = ((b - a + 1) as usize).div_ceil(n.max(1)).max(1) as i64;
        let bold: Vec<f64> = (a..=b).filter(|k| k.rem_euclid(every) == 0).map(|k| k as f64).collect();
        let light: Vec<f64> = if every == 1 && hi - lo <= 8.0 {
            (a - 1..=b).flat_map(|k| (2..=9).map(move |m| at(m as f64, k))).filter(|v| inside(*v)).collect()
        } else {
            (a..=b).filter(|k| k.rem_euclid(every) != 0).map(|k| k as f64).collect()
        };
        return (bold, light);
    }
    let (ka, kb) = (lo.floor() as i64, hi.ceil() as i64);
    let bold: Vec<f64> = (ka..=kb).flat_map(|k| [1.0, 2.0, 5.0].map(|m| at(m, k))).filter(|v| inside(*v)).collect();
    if bold.len() >= 2 {
        let light = (ka..=kb).flat_map(|k| [3.0, 4.0, 6.0, 7.0, 8.0, 9.0].map(|m| at(m, k))).filter(|v| inside(*v)).collect();
        return (bold, light);
    }
    // within a factor of about 2: round values of the quantity itself, at their logarithms
    let (bold, light) = linear(10f64.powf(lo), 10f64.powf(hi));
    let to_log = |v: Vec<f64>| v.into_iter().filter(|x| *x > 0.0).map(f64::log10).filter(|v| inside(*v)).collect();
    (to_log(bold), to_log(light))
}

fn label_fmt(v: f64, log: bool) -> String {
    if log {
        let r = v.round();
        if (v - r).abs() < 1e-9 && !(-3.0..=3.0).contains(&r) {
            return format!("1e{}", r as i64);
        }
        return label_fmt(10f64.powf(v), false);
    }
    let a = v.abs();
    if a < 1e-12 {
        return "0".into();
    }
    if !(1e-3..1e4).contains(&a) {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Result of drawing a chart: the plotting area in backend pixels and its data ranges, so that a click can
/// be mapped back to data coordinates (see [`Frame::to_data`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    pub px: (i32, i32),
    pub py: (i32, i32),
    pub x: (f64, f64),
    pub y: (f64, f64),
}

impl Frame {
    /// Backend pixel → data coordinates (in transformed units for log axes).
    pub fn to_data(&self, px: f64, py: f64) -> (f64, f64) {
        let fx = (px - self.px.0 as f64) / (self.px.1 - self.px.0).max(1) as f64;
        let fy = (py - self.py.0 as f64) / (self.py.1 - self.py.0).max(1) as f64;
        (self.x.0 + fx * (self.x.1 - self.x.0), self.y.1 - fy * (self.y.1 - self.y.0))
    }

    /// Data coordinates → backend pixel (the inverse of [`Frame::to_data`]); `None` outside the plotting
    /// area or for a frame without a data range.
    pub fn to_px(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let (dx, dy) = (self.x.1 - self.x.0, self.y.1 - self.y.0);
        if dx == 0.0 || dy == 0.0 || !x.is_finite() || !y.is_finite() {
            return None;
        }
        let px = self.px.0 as f64 + (x - self.x.0) / dx * (self.px.1 - self.px.0).max(1) as f64;
        let py = self.py.0 as f64 + (self.y.1 - y) / dy * (self.py.1 - self.py.0).max(1) as f64;
        let inside = (self.px.0 as f64..=self.px.1 as f64).contains(&px) && (self.py.0 as f64..=self.py.1 as f64).contains(&py);
        inside.then_some((px, py))
    }
}

type DrawResult<T> = Result<T, String>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing failed: {e:?}")
}

/// One axis of a chart: plotters' linear f64 axis with the ticks of [`ticks`] (a line chart's), or with
/// plotters' own ticks (a map's: [`plain_axis`]); labels come from the chart's own formatter. Maps and line
/// charts share this one axis type, so that the wasm holds one copy of plotters' chart code (its axes, mesh
/// and series drawing are generic over the axis type).
pub(crate) struct Axis {
    inner: RangedCoordf64,
    /// `(bold, light)` ticks; `None`: plotters' own.
    ticks: Option<(Vec<f64>, Vec<f64>)>,
}

fn axis(lo: f64, hi: f64, log: bool, n: usize) -> Axis {
    Axis { inner: (lo..hi).into(), ticks: Some(ticks(lo, hi, log, n)) }
}

/// A linear axis with plotters' own ticks (those of the range `lo..hi` as a coordinate).
pub(crate) fn plain_axis(lo: f64, hi: f64) -> Axis {
    Axis { inner: (lo..hi).into(), ticks: None }
}

/// The fewest decimals (up to 12) that write every tick of a linear axis exactly, so that neighbouring labels
/// never read the same (0.5605 and 0.5610 are not both "0.561").
fn decimals(ticks: &[f64]) -> usize {
    (0..=12)
        .find(|&d| {
            let k = 10f64.powi(d as i32);
            ticks.iter().all(|v| ((v * k).round() - v * k).abs() < 1e-6 * (v * k).abs().max(1.0))
        })
        .unwrap_or(12)
}

/// A linear axis' label with `d` decimals, in exponent form for very large or very small ticks.
fn linear_label(v: f64, d: usize, large_or_small: bool) -> String {
    if v.abs() < 1e-12 {
        return "0".into();
    }
    if large_or_small {
        format!("{v:.1e}")
    } else {
        format!("{v:.d$}")
    }
}

impl Ranged for Axis {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;
    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        match &self.ticks {
            None => self.inner.key_points(hint),
            Some((_, light)) if hint.weight().allow_light_points() => light.clone(),
            Some((bold, _)) => bold.clone(),
        }
    }
}

/// Draws a [`LineChart`] filling `root`.
pub fn draw_lines<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &LineChart, th: &Theme) -> DrawResult<Frame> {
    root.fill(&th.background).map_err(err)?;
    let pts: Vec<Vec<(f64, f64)>> =
        c.series.iter().map(|s| s.points.iter().filter_map(|&(x, y)| Some((tx(x, c.x_log)?, tx(y, c.y_log)?))).collect()).collect();
    let all = pts.iter().flatten();
    let (mut xl, mut xh, mut yl, mut yh) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in all {
        xl = xl.min(x);
        xh = xh.max(x);
        yl = yl.min(y);
        yh = yh.max(y);
    }
    let (x0, x1) = match c.x_range {
        Some((a, b)) => (tx(a, c.x_log).unwrap_or(xl), tx(b, c.x_log).unwrap_or(xh)),
        None => padded(xl, xh, c.x_log),
    };
    let (y0, y1) = match c.y_range {
        Some((a, b)) => (tx(a, c.y_log).unwrap_or(yl), tx(b, c.y_log).unwrap_or(yh)),
        None => padded(yl, yh, c.y_log),
    };
    let (x0, x1) = if x1 > x0 { (x0, x1) } else { padded(x0, x0, c.x_log) };
    let (y0, y1) = if y1 > y0 { (y0, y1) } else { padded(y0, y0, c.y_log) };
    // Points far outside a fixed range would overflow plotters' pixel arithmetic: pin them just outside the
    // view, so lines still run off the edge in the right direction.
    let (mx, my) = ((x1 - x0) * 0.05, (y1 - y0) * 0.05);
    let pts: Vec<Vec<(f64, f64)>> =
        pts.into_iter().map(|p| p.into_iter().map(|(x, y)| (x.clamp(x0 - mx, x1 + mx), y.clamp(y0 - my, y1 + my))).collect()).collect();
    let fp = th.font_px;
    let keys: Vec<legend::Key> = c
        .series
        .iter()
        .map(|s| legend::Key {
            name: s.name.clone(),
            color: th.color(s.color),
            mark: match s.mark {
                Mark::Line => legend::KeyMark::Line,
                Mark::Dashed => legend::KeyMark::Dashed,
                Mark::Points => legend::KeyMark::Point,
                Mark::LinePoints => legend::KeyMark::LinePoint,
            },
        })
        .collect();
    let margin = (fp * 0.8) as i32;
    let y_area = (fp * 5.0) as i32;
    let area = legend::header(root, &c.title, &keys, th, margin + y_area)?;
    // at most 6 labels per axis, fewer on a short or narrow chart (a label needs about 2.5 lines of height and
    // 4 characters of width)
    let (aw, ah) = area.dim_in_pixel();
    let nx = ((aw as f64 - y_area as f64) / (fp * 4.0)).floor().clamp(2.0, 6.0) as usize;
    let ny = ((ah as f64 - fp * 4.5) / (fp * 2.5)).floor().clamp(2.0, 6.0) as usize;
    let mut chart = ChartBuilder::on(&area)
        .margin_left(margin)
        // room for half of the last x label, which is centred on the right edge
        .margin_right((fp * 1.8) as i32)
        .margin_bottom(margin)
        .margin_top((fp * 0.5) as i32)
        .x_label_area_size((fp * 3.0) as i32)
        .y_label_area_size(y_area)
        .build_cartesian_2d(axis(x0, x1, c.x_log, nx), axis(y0, y1, c.y_log, ny))
        .map_err(err)?;
    let (xlog, ylog) = (c.x_log, c.y_log);
    // labels of a linear axis all carry the decimals its finest tick needs
    // (a log axis whose ticks are all powers of ten keeps label_fmt's 0.001 … 1000 and 1e-6; one with 2 × 10^k
    // or round values gets the decimals of its values)
    let style = |lo: f64, hi: f64, log: bool, n: usize| {
        let bold = ticks(lo, hi, log, n).0;
        let powers = log && bold.iter().all(|v| (v - v.round()).abs() < 1e-9);
        let values: Vec<f64> =
            if log { bold.iter().map(|v| 10f64.powf(*v)).map(|x| format!("{x:.12e}").parse().unwrap_or(x)).collect() } else { bold };
        let top = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        (powers, decimals(&values), !(1e-3..1e4).contains(&top) && top > 0.0)
    };
    let label = |v: f64, log: bool, (powers, d, e): (bool, usize, bool)| match (log, powers) {
        (true, true) => label_fmt(v, true),
        (true, false) => linear_label(10f64.powf(v), d, e),
        (false, _) => linear_label(v, d, e),
    };
    let (xs, ys) = (style(x0, x1, xlog, nx), style(y0, y1, ylog, ny));
    let x_fmt = |v: &f64| label(*v, xlog, xs);
    let y_fmt = |v: &f64| label(*v, ylog, ys);
    chart
        .configure_mesh()
        .light_line_style(th.grid.mix(0.5))
        .bold_line_style(th.grid)
        .axis_style(th.foreground)
        .label_style(th.font(0.9))
        .axis_desc_style(th.font(1.0))
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()
        .map_err(err)?;
    let w = th.line_width.max(1);
    // a line never needs more than a few points per pixel column: min/max decimation keeps its look
    let columns = {
        let (px, _) = chart.plotting_area().get_pixel_range();
        (px.end - px.start).max(1) as usize
    };
    for (s, p) in c.series.iter().zip(pts) {
        let col = th.color(s.color);
        let style = ShapeStyle::from(&col).stroke_width(w);
        // a line of one point (a run at step 0) would draw nothing: show the point
        if p.len() == 1 && matches!(s.mark, Mark::Line | Mark::Dashed) {
            chart.draw_series(p.iter().map(|&q| Circle::new(q, 2 + w, style.filled()))).map_err(err)?;
            continue;
        }
        match s.mark {
            Mark::Line => {
                chart.draw_series(LineSeries::new(decimate(&p, x0, x1, columns), style)).map_err(err)?;
            }
            Mark::Dashed => {
                chart.draw_series(DashedLineSeries::new(decimate(&p, x0, x1, columns), 6 * w, 4 * w, style)).map_err(err)?;
            }
            Mark::Points => {
                chart.draw_series(p.into_iter().map(|q| Circle::new(q, 2 + w, style.filled()))).map_err(err)?;
            }
            Mark::LinePoints => {
                chart.draw_series(p.iter().map(|&q| Circle::new(q, 1 + w, style.filled()))).map_err(err)?;
                chart.draw_series(LineSeries::new(p, style)).map_err(err)?;
            }
        };
    }
    // A marker's label that would run into one already drawn (two runs diverging at nearby steps) goes one line
    // lower, into the first line where it is clear. Spans in pixels, a label's width as the legend estimates one
    // (0.6 em a character).
    let (px, py) = chart.plotting_area().get_pixel_range();
    let line_dy = (y1 - y0) * fp * 0.9 * 1.3 / (py.end - py.start).max(1) as f64;
    let mut taken: Vec<(usize, f64, f64)> = Vec::new(); // (line, left, right) of the labels drawn
    for (x, label) in &c.markers {
        let Some(xv) = tx(*x, c.x_log) else { continue };
        let st = ShapeStyle::from(&th.foreground).stroke_width(1);
        chart.draw_series(DashedLineSeries::new(vec![(xv, y0), (xv, y1)], 4, 4, st)).map_err(err)?;
        let left = px.start as f64 + (xv - x0) / (x1 - x0) * (px.end - px.start) as f64;
        let right = left + label.chars().count() as f64 * fp * 0.9 * 0.6 + 4.0;
        let line = (0..).find(|&n| !taken.iter().any(|&(m, l, r)| m == n && l < right && left < r)).unwrap_or(0);
        taken.push((line, left, right));
        chart.draw_series(std::iter::once(Text::new(label.clone(), (xv, y1 - line_dy * line as f64), th.font(0.9)))).map_err(err)?;
    }
    Ok(Frame { px: (px.start, px.end), py: (py.start, py.end), x: (x0, x1), y: (y0, y1) })
}

/// Thins a series whose x values never decrease down to its lowest and highest point per pixel column of the
/// range `x0..x1` (in their original order), plus its first and last point, once it has more than two points
/// per column: a line at least a pixel wide looks the same (every column still spans the series' range in it),
/// and a long run costs the canvas at most two segments per column. Other series are returned unchanged.
pub fn decimate(p: &[(f64, f64)], x0: f64, x1: f64, columns: usize) -> Vec<(f64, f64)> {
    let sorted = p.windows(2).all(|w| w[0].0 <= w[1].0);
    if p.len() <= 2 * columns.max(1) || !sorted || x1 <= x0 {
        return p.to_vec();
    }
    let col = |x: f64| (((x - x0) / (x1 - x0)) * columns as f64).floor() as i64;
    let mut out = Vec::with_capacity(2 * columns + 4);
    let mut i = 0;
    while i < p.len() {
        let c = col(p[i].0);
        let mut j = i;
        let (mut lo, mut hi) = (i, i);
        while j < p.len() && col(p[j].0) == c {
            if p[j].1 < p[lo].1 {
                lo = j;
            }
            if p[j].1 > p[hi].1 {
                hi = j;
            }
            j += 1;
        }
        let mut idx = [if i == 0 { 0 } else { lo }, lo, hi, if j == p.len() { j - 1 } else { hi }];
        idx.sort_unstable();
        let mut last = usize::MAX;
        for k in idx {
            if k != last {
                out.push(p[k]);
                last = k;
            }
        }
        i = j;
    }
    out
}

/// Renders a chart to an SVG string (tests, and "export SVG").
pub fn to_svg(w: u32, h: u32, draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> DrawResult<Frame>) -> DrawResult<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}
