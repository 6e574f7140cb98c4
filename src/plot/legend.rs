//! A chart's header: its title (wrapped onto at most two lines, never clipped) and its legend, laid out in
//! rows above the plotting area so that the legend never covers data. Drawn by us rather than by plotters'
//! series labels, which measure every label through a page layout in the browser and show dashed series as
//! solid lines.

use super::{err, DrawResult, Theme};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// How a legend key shows its series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyMark {
    Line,
    Dashed,
    Point,
    LinePoint,
}

/// One legend entry.
#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub color: RGBColor,
    pub mark: KeyMark,
}

/// Splits `text` into at most `max_lines` lines no wider than `width` (measured by `measure`); the last line
/// ends in "…" when the text does not fit. A single word wider than the line is cut with "…".
pub fn wrap(text: &str, width: u32, max_lines: usize, measure: &dyn Fn(&str) -> u32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        let cand = if cur.is_empty() { words[i].to_string() } else { format!("{cur} {}", words[i]) };
        if measure(&cand) <= width || cur.is_empty() {
            cur = cand;
            i += 1;
            if measure(&cur) > width {
                // one word wider than the line
                lines.push(fit_with_ellipsis(&cur, width, measure));
                cur.clear();
            }
        } else {
            lines.push(std::mem::take(&mut cur));
        }
        if lines.len() == max_lines {
            break;
        }
    }
    if !cur.is_empty() && lines.len() < max_lines {
        lines.push(cur);
    }
    if i < words.len() {
        if let Some(last) = lines.last_mut() {
            *last = fit_with_ellipsis(&format!("{last} {}", crate::checks::join_strs(&words[i..], " ")), width, measure);
        }
    }
    lines
}

/// A title on at most two lines of `width`: whole when it fits; else without its last clauses (a clause ends
/// at "; " or ": " outside parentheses; a title puts what may go, such as the markers' key, last), as many as
/// must go; only when even the first clause does not fit, cut with "…" as [`wrap`] does.
pub fn title_lines(title: &str, width: u32, measure: &dyn Fn(&str) -> u32) -> Vec<String> {
    // the ends of the clauses before the last: byte offsets of "; " or ": " at parenthesis depth 0
    let mut ends = Vec::new();
    let mut depth = 0i32;
    for (i, ch) in title.char_indices() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ';' | ':' if depth == 0 && title[i + 1..].starts_with(' ') => ends.push(i),
            _ => {}
        }
    }
    let whole = std::iter::once(title.len());
    for end in whole.chain(ends.into_iter().rev()) {
        let t = &title[..end];
        let lines = wrap(t, width, 2, measure);
        if crate::checks::join_strs(&lines, " ").split_whitespace().eq(t.split_whitespace()) {
            return lines;
        }
    }
    wrap(title, width, 2, measure)
}

/// `s`, or its longest prefix that fits `width` followed by "…".
pub fn fit_with_ellipsis(s: &str, width: u32, measure: &dyn Fn(&str) -> u32) -> String {
    if measure(s) <= width {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let (mut lo, mut hi) = (0usize, chars.len());
    // the longest prefix that fits with the ellipsis
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let t: String = chars[..mid].iter().collect::<String>() + "…";
        if measure(&t) <= width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars[..lo].iter().collect::<String>().trim_end().to_string() + "…"
}

/// Draws the title and the legend at the top of `root` and returns the area left below them for the plot.
/// `left` is where legend rows start (the plot's left edge, after its y labels).
pub fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    keys: &[Key],
    th: &Theme,
    left: i32,
) -> DrawResult<DrawingArea<DB, Shift>> {
    let (w, h) = root.dim_in_pixel();
    let fp = th.font_px;
    let margin = (fp * 0.8) as i32;
    let mut top = margin;
    let title_font = th.font(1.15);
    let measure_with = |font: TextStyle<'static>| {
        move |s: &str| root.estimate_text_size(s, &font).map(|d| d.0).unwrap_or((s.chars().count() as f64 * fp * 0.6) as u32)
    };
    if !title.trim().is_empty() {
        let measure = measure_with(title_font.clone());
        let width = (w as i32 - 2 * margin).max(10) as u32;
        let style = title_font.pos(Pos::new(HPos::Center, VPos::Top));
        for line in title_lines(title, width, &measure) {
            root.draw_text(&line, &style, (w as i32 / 2, top)).map_err(err)?;
            top += (fp * 1.15 * 1.25).ceil() as i32;
        }
    }
    let keys: Vec<&Key> = keys.iter().filter(|k| !k.name.trim().is_empty()).collect();
    if !keys.is_empty() {
        // a narrow chart (a phone) gets a tighter legend, so that the plot keeps its room
        let narrow = (w as f64) < 40.0 * fp;
        let rel = if narrow { 0.8 } else { 0.9 };
        let font = th.font(rel);
        let measure = measure_with(font.clone());
        let sample = (fp * if narrow { 1.4 } else { 1.8 }).round() as i32;
        let gap = (fp * 0.4).round() as i32;
        let spacing = (fp * if narrow { 0.8 } else { 1.2 }).round() as i32;
        let row_h = (fp * rel * 1.45).ceil() as i32;
        let right = w as i32 - margin;
        let left = left.clamp(margin, (w as i32 / 3).max(margin));
        // at most a third of the height (and four rows) goes to the legend; the rest is summarised
        let max_rows = (((h as i32 / 3) / row_h.max(1)).clamp(1, 4)) as usize;
        let mut rows: Vec<Vec<(i32, Option<&Key>, String)>> = vec![vec![]];
        let mut x = left;
        for (i, k) in keys.iter().enumerate() {
            let text = fit_with_ellipsis(&k.name, (right - left - sample - gap).max(10) as u32, &measure);
            let tw = measure(&text) as i32;
            let item = sample + gap + tw;
            if x > left && x + item > right {
                if rows.len() == max_rows {
                    // no room: say how many are not listed
                    let more = format!("+{} more", keys.len() - i);
                    rows.last_mut().expect("a row").push((x, None, more));
                    break;
                }
                rows.push(vec![]);
                x = left;
            }
            rows.last_mut().expect("a row").push((x, Some(*k), text));
            x += item + spacing;
        }
        let lw = th.line_width.max(1);
        for row in &rows {
            let cy = top + row_h / 2;
            for (x, k, text) in row {
                let Some(k) = k else {
                    root.draw_text(text, &font.pos(Pos::new(HPos::Left, VPos::Center)), (*x, cy)).map_err(err)?;
                    continue;
                };
                let style = ShapeStyle::from(&k.color).stroke_width(lw);
                match k.mark {
                    KeyMark::Line | KeyMark::LinePoint => {
                        root.draw(&PathElement::new(vec![(*x, cy), (*x + sample, cy)], style)).map_err(err)?;
                    }
                    KeyMark::Dashed => {
                        let d = (sample - gap) / 3;
                        for s in 0..2 {
                            let a = *x + s * (d + gap + d / 2);
                            root.draw(&PathElement::new(vec![(a, cy), (a + d + d / 4, cy)], style)).map_err(err)?;
                        }
                    }
                    KeyMark::Point => {}
                }
                if matches!(k.mark, KeyMark::Point | KeyMark::LinePoint) {
                    root.draw(&Circle::new((*x + sample / 2, cy), (2 + lw) as i32, style.filled())).map_err(err)?;
                }
                root.draw_text(text, &font.pos(Pos::new(HPos::Left, VPos::Center)), (*x + sample + gap, cy)).map_err(err)?;
            }
            top += row_h;
        }
        top += (fp * 0.2) as i32;
    }
    Ok(root.margin(top.min(h as i32 / 2), 0, 0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_chars(s: &str) -> u32 {
        s.chars().count() as u32 * 10
    }

    #[test]
    fn short_titles_stay_on_one_line_and_long_ones_wrap_then_end_in_an_ellipsis() {
        assert_eq!(wrap("loss per step", 500, 2, &by_chars), vec!["loss per step"]);
        let two = wrap("the measured rate per step against the theoretical rate", 300, 2, &by_chars);
        assert_eq!(two.len(), 2);
        assert!(two.iter().all(|l| by_chars(l) <= 300), "{two:?}");
        assert_eq!(two.join(" "), "the measured rate per step against the theoretical rate");
        let cut = wrap("a b c d e f g h i j k l m n o p q r s t u v w x y z", 60, 2, &by_chars);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…') && by_chars(&cut[1]) <= 60, "{cut:?}");
        let word = wrap("incomprehensibilities", 100, 2, &by_chars);
        assert!(word[0].ends_with('…') && by_chars(&word[0]) <= 100, "{word:?}");
        assert!(wrap("", 100, 2, &by_chars).is_empty());
    }

    #[test]
    fn a_title_too_long_for_two_lines_drops_its_last_clauses_before_it_is_cut() {
        let t = "A at step 3000: predicted class (colour); ● training, ○ test";
        // room for all of it on two lines
        assert_eq!(title_lines(t, 310, &by_chars).join(" "), t);
        // not for all: the key after "; " goes, the rest is whole
        assert_eq!(title_lines(t, 240, &by_chars), vec!["A at step 3000:", "predicted class (colour)"]);
        // then what follows ": "
        assert_eq!(title_lines(t, 120, &by_chars), vec!["A at step", "3000"]);
        // not even the first clause fits: cut with "…" as wrap does
        let cut = title_lines(t, 60, &by_chars);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'), "{cut:?}");
        // separators inside parentheses do not end a clause
        let p = "SAM's bound (A at step 0; flatness once stopped)";
        let lines = title_lines(p, 200, &by_chars);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert_eq!(title_lines("no clauses here", 500, &by_chars), vec!["no clauses here"]);
    }
}
