//! plotters' drawing backend for a 2D canvas context: that of a page's `<canvas>` or of an `OffscreenCanvas`
//! in the worker that draws the charts (www/worker.js). It draws as plotters-canvas 0.3 does (the same calls,
//! colours, half-pixel shift of straight lines and text anchors), but takes any 2D context: plotters-canvas
//! insists on an `HTMLCanvasElement` and its `CanvasRenderingContext2D`, which a worker does not have. The
//! context's methods are called by name (web-sys's bindings are structural), so one type serves both.
//!
//! Text is measured by the canvas's own `measureText`. Without this, plotters measures every label by
//! inserting an element into the page and reading its size, which forces a page layout per label (about 9 ms
//! of a render in a profile), and a worker has no page.
//!
//! Runs of circles of one style (a classifier's hundreds of data points) and of straight lines of one style (a
//! chart's grid) are drawn as one path: one `beginPath`, a sub-path per shape and one `fill` or `stroke`,
//! instead of four to six calls and a style per shape. A run is closed by the next call of another kind or
//! style (and by `present`), so the drawing order stays; lines of one run do not darken where they cross.

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontTransform};
use std::cell::RefCell;
use web_sys::CanvasRenderingContext2d;

/// Most text widths kept (a chapter's labels, ticks, legends and titles are a few hundred).
const WIDTHS_KEPT: usize = 1024;

thread_local! {
    /// Text widths by a 64-bit hash of font and text: tick labels, legends and titles mostly repeat from one
    /// change to the next, and each measurement is two calls into the browser (the font, then `measureText`).
    /// Hashed keys keep the map at ~20 KB instead of ~100 KB of strings (the memory soak's high-water mark);
    /// two of at most 1,024 keys collide with a probability of about 3e-14, and a collision would only move
    /// a label. The charts' font is a local generic family (no web font arrives later to change a width); the
    /// map starts over when full. Kept sorted by key and searched by bisection (a hashed map compiled
    /// hashbrown's table code into the wasm for this one use).
    static WIDTHS: RefCell<Vec<(u64, f64)>> = const { RefCell::new(Vec::new()) };
}

/// FNV-1a over the font, a separator and the text.
fn width_key(font: &str, text: &str) -> u64 {
    let bytes = font.bytes().chain(std::iter::once(0)).chain(text.bytes());
    bytes.fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

pub struct FastCanvas {
    ctx: CanvasRenderingContext2d,
    /// The canvas's size in device pixels.
    size: (u32, u32),
    /// The open run: (kind, colour, alpha bits, stroke width) with kind 0 for filled circles, 1 for circle
    /// outlines and 2 for lines.
    run: Option<(u8, (u8, u8, u8), u64, u32)>,
}

impl FastCanvas {
    /// `ctx`: the 2D context of a canvas (or offscreen canvas) of `size` device pixels.
    pub fn new(ctx: CanvasRenderingContext2d, size: (u32, u32)) -> FastCanvas {
        FastCanvas { ctx, size, run: None }
    }

    fn line_style(&self, style: &impl BackendStyle) {
        self.ctx.set_stroke_style_str(&css(style.color()));
        self.ctx.set_line_width(f64::from(style.stroke_width()));
    }

    /// A path through `points`: `begin_path`, then `move_to` the first and `line_to` the others.
    fn trace(&self, points: impl IntoIterator<Item = BackendCoord>) -> bool {
        let mut points = points.into_iter();
        self.ctx.begin_path();
        let Some(first) = points.next() else { return false };
        self.ctx.move_to(f64::from(first.0), f64::from(first.1));
        for p in points {
            self.ctx.line_to(f64::from(p.0), f64::from(p.1));
        }
        true
    }

    /// Fills or strokes the open run.
    fn flush(&mut self) {
        match self.run.take() {
            Some((0, ..)) => self.ctx.fill(),
            Some(_) => self.ctx.stroke(),
            None => {}
        }
    }

    /// Continues the open run when it has this style, or closes it and opens one.
    fn join(&mut self, key: (u8, (u8, u8, u8), u64, u32), color: BackendColor) {
        if self.run == Some(key) {
            return;
        }
        self.flush();
        if key.0 == 0 {
            self.ctx.set_fill_style_str(&css(color));
        } else {
            self.ctx.set_stroke_style_str(&css(color));
            self.ctx.set_line_width(f64::from(key.3));
        }
        self.ctx.begin_path();
        self.run = Some(key);
    }
}

fn css(c: BackendColor) -> String {
    let (r, g, b) = c.rgb;
    format!("rgba({r},{g},{b},{})", c.alpha)
}

/// A drawing call the canvas refused (only `arc` with a negative radius and text calls can throw).
#[derive(Debug)]
pub struct CanvasError(String);

impl std::fmt::Display for CanvasError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "canvas error: {}", self.0)
    }
}

impl std::error::Error for CanvasError {}

type Err = DrawingErrorKind<CanvasError>;

fn refused(e: wasm_bindgen::JsValue) -> Err {
    DrawingErrorKind::DrawingError(CanvasError(e.as_string().unwrap_or_else(|| format!("{e:?}"))))
}

impl DrawingBackend for FastCanvas {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> Result<(), Err> {
        // (plotters calls this before every element: not a drawing, so the run of circles stays open)
        Ok(())
    }
    fn present(&mut self) -> Result<(), Err> {
        self.flush();
        Ok(())
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Err> {
        self.flush();
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.ctx.set_fill_style_str(&css(color));
        self.ctx.fill_rect(f64::from(point.0), f64::from(point.1), 1.0, 1.0);
        Ok(())
    }
    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), Err> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.join((2, color.rgb, color.alpha.to_bits(), style.stroke_width()), color);
        // plotters-canvas's half-pixel shift: a horizontal or vertical line of odd width lands on whole pixels
        let (mut a, mut b) = ((f64::from(from.0), f64::from(from.1)), (f64::from(to.0), f64::from(to.1)));
        if from.0 == to.0 {
            a.0 -= 0.5;
            b.0 -= 0.5;
        }
        if from.1 == to.1 {
            a.1 -= 0.5;
            b.1 -= 0.5;
        }
        self.ctx.move_to(a.0, a.1);
        self.ctx.line_to(b.0, b.1);
        Ok(())
    }
    fn draw_rect<S: BackendStyle>(&mut self, ul: BackendCoord, br: BackendCoord, style: &S, fill: bool) -> Result<(), Err> {
        self.flush();
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let (x, y) = (f64::from(ul.0), f64::from(ul.1));
        let (w, h) = (f64::from(br.0 - ul.0), f64::from(br.1 - ul.1));
        if fill {
            self.ctx.set_fill_style_str(&css(style.color()));
            self.ctx.fill_rect(x, y, w, h);
        } else {
            self.line_style(style);
            self.ctx.stroke_rect(x, y, w, h);
        }
        Ok(())
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Result<(), Err> {
        self.flush();
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        self.line_style(style);
        self.trace(path);
        self.ctx.stroke();
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Result<(), Err> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let key = if fill { (0, color.rgb, color.alpha.to_bits(), 0) } else { (1, color.rgb, color.alpha.to_bits(), style.stroke_width()) };
        self.join(key, color);
        let (x, y, r) = (f64::from(center.0), f64::from(center.1), f64::from(radius));
        // a sub-path per circle: without the move, the path would join each circle to the last
        self.ctx.move_to(x + r, y);
        // (arc throws only for a negative radius, which a u32 is not)
        let _ = self.ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
        Ok(())
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Result<(), Err> {
        self.flush();
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        self.ctx.set_fill_style_str(&css(style.color()));
        if self.trace(vert) {
            self.ctx.close_path();
        }
        self.ctx.fill();
        Ok(())
    }
    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<(), Err> {
        self.flush();
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let turn = match style.transform() {
            FontTransform::None => 0.0,
            FontTransform::Rotate90 => 0.25,
            FontTransform::Rotate180 => 0.5,
            FontTransform::Rotate270 => 0.75,
        };
        let (mut x, mut y) = (f64::from(pos.0), f64::from(pos.1));
        if turn != 0.0 {
            self.ctx.save();
            self.ctx.translate(x, y).map_err(refused)?;
            self.ctx.rotate(turn * std::f64::consts::TAU).map_err(refused)?;
            (x, y) = (0.0, 0.0);
        }
        self.ctx.set_text_baseline(match style.anchor().v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        });
        self.ctx.set_text_align(match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "center",
        });
        self.ctx.set_fill_style_str(&css(color));
        self.ctx.set_font(&format!("{} {}px {}", style.style().as_str(), style.size(), style.family().as_str()));
        let drawn = self.ctx.fill_text(text, x, y).map_err(refused);
        if turn != 0.0 {
            self.ctx.restore();
        }
        drawn
    }
    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), Err> {
        // the same font string draw_text sets; like plotters' own layout box, unrotated
        let font = format!("{} {}px {}", style.style().as_str(), style.size(), style.family().as_str());
        let key = width_key(&font, text);
        let known = WIDTHS.with(|w| {
            let w = w.borrow();
            w.binary_search_by_key(&key, |e| e.0).ok().map(|i| w[i].1)
        });
        let width = known.unwrap_or_else(|| {
            self.ctx.set_font(&font);
            let fallback = style.size() * 0.6 * text.chars().count() as f64;
            let width = self.ctx.measure_text(text).map(|m| m.width()).unwrap_or(fallback);
            WIDTHS.with(|w| {
                let mut w = w.borrow_mut();
                if w.len() >= WIDTHS_KEPT {
                    w.clear();
                }
                if let Err(i) = w.binary_search_by_key(&key, |e| e.0) {
                    w.insert(i, (key, width));
                }
            });
            width
        });
        Ok((width.ceil().max(0.0) as u32, style.size().ceil().max(0.0) as u32))
    }
}
