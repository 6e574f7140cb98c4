//! The user's own data: `x1,…,xd,label` rows, read as plain numbers (nothing in the text is ever evaluated).
//!
//! Accepted: one point per line, `d + 1` comma-separated fields with optional spaces around them, the same
//! number on every line (the first data-bearing line sets `d`, `1 ≤ d ≤ MAX_FEATURES`); `x1 … xd` finite
//! decimal numbers with `|v| ≤ 1e6`; `label` an integer in `0..MAX_CLASSES`. Blank lines and lines starting
//! with `#` are skipped; the first data-bearing line may be a header (none of its fields a number, e.g.
//! `x1,x2,label`). Windows line endings are fine. The first bad line stops the parse with its 1-based line
//! number and the reason; at least two classes must appear. Rows keep their order in the text.
//!
//! [`parse`] (the command line's `optlab train`) takes any `d`; [`parse_with`] (the app, which draws the
//! plane) takes only `x1,x2,label`.

/// Most data rows a CSV may hold.
pub const MAX_ROWS: usize = 10_000;
/// Labels are `0 … MAX_CLASSES − 1`.
pub const MAX_CLASSES: usize = 8;
/// Largest accepted coordinate magnitude.
pub const MAX_ABS: f64 = 1e6;
/// Longest accepted text of 2-D points ([`parse_with`]), in bytes (10,000 rows of ~30 characters fit with
/// room).
pub const MAX_BYTES: usize = 1_000_000;
/// Most feature columns of a row ([`parse`]; 784 = a 28×28 image).
pub const MAX_FEATURES: usize = 784;
/// Longest accepted text of [`parse`], in bytes (room for a few thousand rows of 784 short numbers).
pub const MAX_BYTES_FEATURES: usize = 32_000_000;

use super::data::Points;

/// A rejected CSV: the 1-based line (0 when the problem is the text as a whole) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.reason)
        } else {
            write!(f, "line {}: {}", self.line, self.reason)
        }
    }
}

impl std::error::Error for CsvError {}

fn err(line: usize, reason: impl Into<String>) -> CsvError {
    CsvError { line, reason: reason.into() }
}

/// Shows at most 40 characters of a field in a message.
fn quoted(s: &str) -> String {
    let short: String = s.chars().take(40).collect();
    if short.len() < s.len() {
        format!("{short:?}…")
    } else {
        format!("{short:?}")
    }
}

fn parse_coord(field: &str, name: &str, line: usize) -> Result<f64, CsvError> {
    let v: f64 = field.parse().map_err(|_| err(line, format!("{name} must be a number, got {}", quoted(field))))?;
    if !v.is_finite() || v.abs() > MAX_ABS {
        return Err(err(line, format!("{name} must be a finite number with |{name}| ≤ {MAX_ABS:e}, got {}", quoted(field))));
    }
    Ok(v)
}

fn parse_label(field: &str, line: usize, max_classes: usize) -> Result<usize, CsvError> {
    let bad = || err(line, format!("label must be an integer from 0 to {} (one per class), got {}", max_classes - 1, quoted(field)));
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) || field.len() > 3 {
        return Err(bad());
    }
    let v: usize = field.parse().map_err(|_| bad())?;
    if v >= max_classes {
        return Err(bad());
    }
    Ok(v)
}

/// Parses the whole text, any number of feature columns `1 ≤ d ≤ MAX_FEATURES`; see the module docs.
pub fn parse(text: &str) -> Result<Points, CsvError> {
    parse_rows(text, MAX_ROWS, MAX_CLASSES, None, MAX_BYTES_FEATURES)
}

/// [`parse`] for 2-D points only (`x1,x2,label`, as the app draws them), with tighter limits (e.g. the
/// app's): at most `max_rows` data rows (the first row beyond is the bad line), labels below `max_classes`
/// (both capped at [`MAX_ROWS`] and [`MAX_CLASSES`]) and at most [`MAX_BYTES`] bytes.
pub fn parse_with(text: &str, max_rows: usize, max_classes: usize) -> Result<Points, CsvError> {
    parse_rows(text, max_rows, max_classes, Some(2), MAX_BYTES)
}

/// [`parse`] with caps on rows and classes (the app's data box: any `d ≤ MAX_FEATURES`).
pub fn parse_any_with(text: &str, max_rows: usize, max_classes: usize) -> Result<Points, CsvError> {
    parse_rows(text, max_rows, max_classes, None, MAX_BYTES_FEATURES)
}

/// `x1,x2,label` for 2 features, `x1,…,x5,label` for more.
fn columns(d: usize) -> String {
    match d {
        1 => "x1,label".to_string(),
        2 => "x1,x2,label".to_string(),
        3 => "x1,x2,x3,label".to_string(),
        _ => format!("x1,…,x{d},label"),
    }
}

fn parse_rows(text: &str, max_rows: usize, max_classes: usize, dims: Option<usize>, max_bytes: usize) -> Result<Points, CsvError> {
    let (max_rows, max_classes) = (max_rows.min(MAX_ROWS), max_classes.clamp(2, MAX_CLASSES));
    if text.len() > max_bytes {
        return Err(err(0, format!("the CSV text is longer than {max_bytes} bytes")));
    }
    let mut pts = Points::default();
    let mut width: Option<usize> = dims.map(|d| d + 1);
    let mut seen_data_line = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = content.split(',').map(str::trim).collect();
        let w = match width {
            Some(w) => w,
            None if fields.len() < 2 => return Err(err(line, format!("expected at least 2 fields x1,…,xd,label, found {}", fields.len()))),
            None if fields.len() > MAX_FEATURES + 1 => {
                return Err(err(line, format!("at most {MAX_FEATURES} feature columns and a label, found {} fields", fields.len())))
            }
            None => fields.len(),
        };
        width = Some(w);
        if fields.len() != w {
            return Err(err(line, format!("expected {w} fields {}, found {}", columns(w - 1), fields.len())));
        }
        let first = !seen_data_line;
        seen_data_line = true;
        if first && fields.iter().all(|f| f.parse::<f64>().is_err()) {
            continue; // header
        }
        if pts.len() == max_rows {
            return Err(err(line, format!("more than {max_rows} data rows")));
        }
        let mut row = Vec::with_capacity(w - 1);
        for (j, f) in fields[..w - 1].iter().enumerate() {
            row.push(parse_coord(f, &format!("x{}", j + 1), line)?);
        }
        let y = parse_label(fields[w - 1], line, max_classes)?;
        pts.x.push(row);
        pts.y.push(y);
    }
    if pts.is_empty() {
        return Err(err(0, "no data rows (expected lines of x1,x2,label)"));
    }
    let mut present = [false; MAX_CLASSES];
    for &y in &pts.y {
        present[y] = true;
    }
    if present.iter().filter(|&&p| p).count() < 2 {
        return Err(err(0, "all rows have the same label; at least two classes are needed"));
    }
    Ok(pts)
}
