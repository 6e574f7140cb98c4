//! Field images on a canvas: an image of one pixel per sample or cell (a landscape's samples, a grid's cells)
//! in a canvas of its own, copied over a chart's plotting area without smoothing.

use wasm_bindgen::{Clamped, JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// How a field's image (one pixel per sample or cell) covers the plotting area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cells {
    /// A sample every `step` pixels from the top left (a landscape, see [`landscape_rgba`]); the last column
    /// and row of samples are cut by the area's edge.
    Step(usize),
    /// Stretched over the whole area (a grid of cells, see [`grid_rgba`]).
    Stretch,
}

/// Draws a field's image over the `w × h` pixels at `(x, y)`, scaled without smoothing, so that each pixel
/// takes the sample or cell its centre falls in: pixel for pixel [`crate::plot::field::spread_cells`] or
/// [`crate::plot::field::stretch_cells`] of it. Whole source pixels go to whole destination pixels; no clip or
/// path is used (the chart's backend may have a path open). `img` may be an `OffscreenCanvas`: `drawImage`
/// takes one as it takes a canvas element.
pub fn draw_cells(ctx: &CanvasRenderingContext2d, img: &HtmlCanvasElement, (x, y): (f64, f64), (w, h): (usize, usize), cells: Cells) {
    let blit = |(sx, sy, sw, sh): (usize, usize, usize, usize), (dx, dy, dw, dh): (f64, f64, f64, f64)| {
        if sw > 0 && sh > 0 && dw > 0.0 && dh > 0.0 {
            let _ = ctx.draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                img, sx as f64, sy as f64, sw as f64, sh as f64, dx, dy, dw, dh,
            );
        }
    };
    ctx.set_image_smoothing_enabled(false);
    match cells {
        Cells::Stretch => blit((0, 0, img.width() as usize, img.height() as usize), (x, y, w as f64, h as f64)),
        Cells::Step(step) => {
            let step = step.max(1);
            let (fw, fh, rw, rh) = (w / step, h / step, w % step, h % step);
            let whole = |n: usize| (n * step) as f64;
            for (sx, sw, dx, dw) in [(0, fw, x, whole(fw)), (fw, 1, x + whole(fw), rw as f64)] {
                for (sy, sh, dy, dh) in [(0, fh, y, whole(fh)), (fh, 1, y + whole(fh), rh as f64)] {
                    blit((sx, sy, sw, sh), (dx, dy, dw, dh));
                }
            }
        }
    }
    ctx.set_image_smoothing_enabled(true);
}

/// A canvas of its own holding an RGBA image: an `OffscreenCanvas` (the only kind a worker has), or a detached
/// canvas element in a browser without one.
pub fn image_canvas(buf: &[u8], w: usize, h: usize) -> Option<JsValue> {
    let cv: HtmlCanvasElement = match web_sys::OffscreenCanvas::new(w as u32, h as u32) {
        Ok(off) => off.unchecked_into(),
        Err(_) => {
            let cv: HtmlCanvasElement = web_sys::window()?.document()?.create_element("canvas").ok()?.dyn_into().ok()?;
            cv.set_width(w as u32);
            cv.set_height(h as u32);
            cv
        }
    };
    let ctx: CanvasRenderingContext2d = cv.get_context("2d").ok()??.unchecked_into();
    let img = ImageData::new_with_u8_clamped_array_and_sh(Clamped(buf), w as u32, h as u32).ok()?;
    ctx.put_image_data(&img, 0.0, 0.0).ok()?;
    Some(cv.into())
}
