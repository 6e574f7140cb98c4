//! Text alternatives of charts: what a chart shows *now*, read from its data (the app links the text to the
//! canvas with `aria-describedby`, and a printed deck uses it as the picture's `alt`). Every number here comes
//! from the chart's own points, so the text changes with the controls as the picture does.

use super::field::MapChart;
use super::LineChart;

/// At most this many series or paths are named one by one; the rest are counted.
const NAMED: usize = 6;

/// Three significant digits (the readouts' style), "undefined" for NaN.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "undefined".into()
        } else if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if (1e-3..1e5).contains(&a) {
        let digits = (2 - a.log10().floor() as i32).max(0) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{v:.2e}")
    }
}

fn finite(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect()
}

fn name_or<'a>(name: &'a str, fallback: &'a str) -> &'a str {
    if name.trim().is_empty() {
        fallback
    } else {
        name
    }
}

/// "loss per step: f − f* against step t (log scale). gradient descent: from 0.316 at step t = 0 to 0.0102 at
/// 80, lowest 0.0102 at 80. heavy ball: …"
pub fn describe_lines(c: &LineChart) -> String {
    let mut out = format!(
        "{}: {} against {}{}.",
        name_or(&c.title, "chart"),
        name_or(&c.y_label, "y"),
        name_or(&c.x_label, "x"),
        match (c.x_log, c.y_log) {
            (false, true) => " (log scale)",
            (true, false) => " (log x axis)",
            (true, true) => " (log–log)",
            _ => "",
        }
    );
    let x = name_or(&c.x_label, "x");
    if c.series.is_empty() {
        out.push_str(" Nothing drawn yet.");
    }
    for s in c.series.iter().take(NAMED) {
        let p = finite(&s.points);
        let name = name_or(&s.name, "a series");
        match (p.first(), p.last()) {
            (Some(a), Some(_)) if p.len() == 1 => out.push_str(&format!(" {name}: one point, {} at {x} = {}.", num(a.1), num(a.0))),
            (Some(a), Some(b)) => {
                let lo = p.iter().copied().fold(p[0], |m, q| if q.1 < m.1 { q } else { m });
                let hi = p.iter().copied().fold(p[0], |m, q| if q.1 > m.1 { q } else { m });
                out.push_str(&format!(" {name}: from {} at {x} = {} to {} at {}", num(a.1), num(a.0), num(b.1), num(b.0)));
                if lo != *a && lo != *b {
                    out.push_str(&format!(", lowest {} at {}", num(lo.1), num(lo.0)));
                }
                if hi != *a && hi != *b {
                    out.push_str(&format!(", highest {} at {}", num(hi.1), num(hi.0)));
                }
                out.push('.');
            }
            _ => out.push_str(&format!(" {name}: no points yet.")),
        }
    }
    if c.series.len() > NAMED {
        out.push_str(&format!(" And {} more series.", c.series.len() - NAMED));
    }
    for (at, label) in c.markers.iter().take(NAMED) {
        out.push_str(&format!(" Marked at {x} = {}: {}.", num(*at), name_or(label, "a marker")));
    }
    out
}

/// "paths: a map of y against x over [−2.5, 2.5] × [−1.5, 1.5]. gradient descent: 81 points from (−1.5, 1) to
/// (0.01, 0.002). Marked: x* at (0, 0)."
pub fn describe_map(m: &MapChart) -> String {
    let (x0, x1, y0, y1) = m.bounds;
    let mut out = format!(
        "{}: a map of {} against {} over [{}, {}] × [{}, {}]{}.",
        name_or(&m.title, "map"),
        name_or(&m.y_label, "y"),
        name_or(&m.x_label, "x"),
        num(x0),
        num(x1),
        num(y0),
        num(y1),
        m.scale.as_ref().map_or(String::new(), |_| ", coloured by value".to_string())
    );
    let pt = |(x, y): (f64, f64)| format!("({}, {})", num(x), num(y));
    for p in m.paths.iter().take(NAMED) {
        let q = finite(&p.points);
        let name = name_or(&p.name, "a path");
        match (q.first(), q.last()) {
            (Some(a), Some(b)) if q.len() > 1 => out.push_str(&format!(" {name}: {} points from {} to {}.", q.len(), pt(*a), pt(*b))),
            (Some(a), _) => out.push_str(&format!(" {name}: at {}.", pt(*a))),
            _ => out.push_str(&format!(" {name}: no points yet.")),
        }
    }
    if m.paths.len() > NAMED {
        out.push_str(&format!(" And {} more paths.", m.paths.len() - NAMED));
    }
    let named: Vec<String> = m
        .markers
        .iter()
        .filter(|(x, y, l, _)| x.is_finite() && y.is_finite() && !l.trim().is_empty())
        .take(NAMED)
        .map(|(x, y, l, _)| format!("{l} at {}", pt((*x, *y))))
        .collect();
    if !named.is_empty() {
        out.push_str(&format!(" Marked: {}.", crate::checks::join_strs(&named, ", ")));
    }
    if !m.points.is_empty() {
        out.push_str(&format!(" {} data points.", m.points.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::field::MapPath;
    use crate::plot::Series;

    #[test]
    fn a_line_chart_is_described_by_its_data() {
        let c = LineChart {
            title: "f − f* per step".into(),
            x_label: "step t".into(),
            y_label: "f − f*".into(),
            y_log: true,
            series: vec![
                Series::line("gradient descent", 0, vec![(0.0, 1.0), (1.0, 0.5), (2.0, 0.25)]),
                Series::line("heavy ball", 1, vec![(0.0, 1.0), (1.0, 0.1), (2.0, f64::NAN), (3.0, 0.3)]),
            ],
            markers: vec![(3.0, "diverged".into())],
            ..Default::default()
        };
        let d = describe_lines(&c);
        assert_eq!(
            d,
            "f − f* per step: f − f* against step t (log scale). gradient descent: from 1 at step t = 0 to 0.25 at 2. \
             heavy ball: from 1 at step t = 0 to 0.3 at 3, lowest 0.1 at 1. Marked at step t = 3: diverged."
        );
    }

    #[test]
    fn a_map_names_its_paths_ends_and_markers() {
        let m = MapChart {
            title: "paths".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            bounds: (-2.0, 2.0, -1.0, 1.0),
            paths: vec![MapPath { name: "GD".into(), color: 0, points: vec![(-1.5, 1.0), (0.5, 0.25), (0.001234, 0.0)], dashed: false }],
            markers: vec![(0.0, 0.0, "x*".into(), 0)],
            ..Default::default()
        };
        assert_eq!(
            describe_map(&m),
            "paths: a map of y against x over [-2, 2] × [-1, 1]. GD: 3 points from (-1.5, 1) to (0.00123, 0). Marked: x* at (0, 0)."
        );
    }
}
