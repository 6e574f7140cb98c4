//! Charts rendered to SVG and read back: axes and labels present, one drawn line per series, log axes,
//! non-finite points dropped, maps with paths, markers and arrows, and click mapping through the frame.

use optlab::plot::field::{draw_map, MapChart, MapPath};
use optlab::plot::{draw_lines, to_svg, LineChart, Mark, Series, Theme};

fn light() -> Theme {
    Theme::by_name("light", 1.0)
}

/// Data lines: polylines in a palette colour (axes, ticks and grid are drawn in the foreground/grid colours).
fn data_lines(svg: &str, th: &Theme) -> usize {
    svg.split("<polyline")
        .skip(1)
        .filter(|l| th.palette.iter().any(|c| l.contains(&format!("stroke=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2))))
        .count()
}

#[test]
fn a_line_chart_draws_one_line_per_series_with_axes_and_legend() {
    let chart = LineChart {
        title: "loss per step".into(),
        x_label: "step t".into(),
        y_label: "f(x_t) − f*".into(),
        y_log: true,
        series: (0..3)
            .map(|k| Series::line(format!("run {k}"), k, (0..50).map(|t| (t as f64, 0.9f64.powi(t) * (k + 1) as f64)).collect()))
            .collect(),
        ..Default::default()
    };
    let svg = to_svg(640, 480, |r| draw_lines(r, &chart, &light())).unwrap();
    assert!(svg.contains("loss per step") && svg.contains("step t") && svg.contains("f(x_t) − f*"));
    for k in 0..3 {
        assert!(svg.contains(&format!("run {k}")), "legend entry {k}");
    }
    // per series: its data line and its legend sample
    assert_eq!(data_lines(&svg, &light()), 2 * 3);
    // log axis labels are powers of ten
    assert!(svg.contains(">\n0.1\n<") || svg.contains("0.01") || svg.contains("1e-"), "log labels: {svg}");
    assert!(!svg.contains("NaN"));
}

#[test]
fn non_finite_and_non_positive_points_are_dropped_not_drawn() {
    let chart = LineChart {
        y_log: true,
        series: vec![Series::line("bad", 0, vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, -1.0), (3.0, f64::INFINITY), (4.0, 0.5)])],
        ..Default::default()
    };
    let svg = to_svg(400, 300, |r| draw_lines(r, &chart, &light())).unwrap();
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    let th = light();
    let c = th.palette[0];
    let colour = format!("stroke=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
    let line = svg.split("<polyline").find(|l| l.contains(&colour)).expect("the data line");
    let pts = line.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(pts.split_whitespace().count(), 2, "only the two valid points: {pts}");
}

#[test]
fn an_empty_or_flat_chart_still_draws_sane_axes() {
    for series in [vec![], vec![Series::line("flat", 0, vec![(0.0, 2.0), (1.0, 2.0)])]] {
        let chart = LineChart { series, ..Default::default() };
        let svg = to_svg(400, 300, |r| draw_lines(r, &chart, &light())).unwrap();
        assert!(!svg.contains("NaN"));
    }
}

#[test]
fn points_marks_draw_circles() {
    let chart = LineChart {
        series: vec![Series::line("σ", 0, (0..5).map(|i| (i as f64, 1.0 / (i + 1) as f64)).collect()).with_mark(Mark::Points)],
        ..Default::default()
    };
    let svg = to_svg(400, 300, |r| draw_lines(r, &chart, &light())).unwrap();
    assert!(svg.matches("<circle").count() >= 5);
}

/// A line of one point (a training at step 0) is drawn as a dot, not as nothing.
#[test]
fn a_one_point_line_is_drawn_as_a_dot() {
    for mark in [Mark::Line, Mark::Dashed] {
        let chart = LineChart { series: vec![Series::line("loss", 0, vec![(0.0, 0.56)]).with_mark(mark)], ..Default::default() };
        let svg = to_svg(400, 300, |r| draw_lines(r, &chart, &light())).unwrap();
        assert_eq!(svg.matches("<circle").count(), 1, "{mark:?}");
    }
}

#[test]
fn a_map_draws_paths_markers_and_arrows_and_maps_clicks_back() {
    let map = MapChart {
        title: "landscape".into(),
        bounds: (-2.0, 2.0, -1.0, 1.0),
        paths: vec![MapPath { name: "gd".into(), color: 0, points: vec![(-1.5, 0.5), (-1.0, 0.2), (0.0, 0.0)], dashed: false }],
        markers: vec![(-1.5, 0.5, "x₀".into(), usize::MAX)],
        arrows: vec![((0.0, 0.0), (0.5, 0.5), 1)],
        ..Default::default()
    };
    let mut painted = None;
    let mut frame = None;
    let svg = to_svg(600, 400, |r| {
        let f = draw_map(r, &map, &light(), &mut |f| painted = Some(f))?;
        frame = Some(f);
        Ok(f)
    })
    .unwrap();
    let (f, p) = (frame.unwrap(), painted.unwrap());
    assert_eq!(f, p, "the field is painted exactly under the plotting area");
    assert!(svg.contains("gd") && svg.contains("x₀"));
    assert!(svg.matches("<polygon").count() >= 1, "arrow head");
    // a click in the middle of the plotting area maps to the middle of the bounds
    let (x, y) = f.to_data((f.px.0 + f.px.1) as f64 / 2.0, (f.py.0 + f.py.1) as f64 / 2.0);
    assert!(x.abs() < 0.02 && y.abs() < 0.02, "({x}, {y})");
    // the top-left corner is (x0, y1)
    let (x, y) = f.to_data(f.px.0 as f64, f.py.0 as f64);
    assert!((x + 2.0).abs() < 1e-9 && (y - 1.0).abs() < 1e-9);
    // the marker's pixel (where a finger grabs it) maps back to the marker; a point off the map has none
    let (px, py) = f.to_px(-1.5, 0.5).expect("x₀ is inside the map");
    let (x, y) = f.to_data(px, py);
    assert!((x + 1.5).abs() < 1e-9 && (y - 0.5).abs() < 1e-9, "({x}, {y})");
    assert!(px > f.px.0 as f64 && px < f.px.1 as f64 && py > f.py.0 as f64 && py < f.py.1 as f64);
    assert_eq!(f.to_px(-2.5, 0.0), None, "left of the bounds");
    assert_eq!(f.to_px(0.0, f64::NAN), None);
}

#[test]
fn themes_differ_and_projector_is_bolder() {
    let (l, d, p) = (Theme::by_name("light", 1.0), Theme::by_name("dark", 1.0), Theme::by_name("projector", 1.0));
    assert_ne!(l.background, d.background);
    assert!(p.line_width > l.line_width && p.font_px > l.font_px);
    // HiDPI scales sizes
    assert!(Theme::by_name("light", 2.0).font_px > l.font_px);
}

#[test]
fn far_off_points_markers_and_arrows_neither_panic_nor_leak() {
    let chart = LineChart {
        y_range: Some((0.0, 1.0)),
        series: vec![Series::line("wild", 0, vec![(0.0, 0.5), (1.0, 1e300), (2.0, -1e300), (3.0, 0.2)])],
        ..Default::default()
    };
    let svg = to_svg(400, 300, |r| draw_lines(r, &chart, &light())).unwrap();
    assert!(!svg.contains("NaN"));
    let map = MapChart {
        bounds: (-1.0, 1.0, -1.0, 1.0),
        markers: vec![(1e200, -1e200, "far".into(), 0)],
        arrows: vec![((0.0, 0.0), (1e250, 1e250), 1)],
        paths: vec![MapPath { name: "p".into(), color: 0, points: vec![(0.0, 0.0), (1e300, 1e300)], dashed: false }],
        ..Default::default()
    };
    let svg = to_svg(400, 300, |r| draw_map(r, &map, &light(), &mut |_| {})).unwrap();
    assert!(!svg.contains("far"), "a marker far outside the view is not drawn");
}

#[test]
fn the_legend_sits_above_the_plot_and_shows_dashed_series_dashed() {
    let th = light();
    let chart = LineChart {
        title: "train and test loss".into(),
        series: vec![
            Series::line("train", 0, (0..40).map(|t| (t as f64, 1.0 / (t + 1) as f64)).collect()),
            Series::line("test", 1, (0..40).map(|t| (t as f64, 1.5 / (t + 1) as f64)).collect()).with_mark(Mark::Dashed),
        ],
        ..Default::default()
    };
    let mut frame = None;
    let svg = to_svg(640, 480, |r| {
        let f = draw_lines(r, &chart, &th)?;
        frame = Some(f);
        Ok(f)
    })
    .unwrap();
    let frame = frame.unwrap();
    let colour = |c: plotters::style::RGBColor| format!("stroke=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
    // polylines of a colour lying wholly above the plotting area are legend keys
    let keys = |c| {
        svg.split("<polyline")
            .skip(1)
            .filter(|l| l.contains(&colour(c)))
            .filter(|l| {
                let pts = l.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
                pts.split_whitespace().all(|p| p.split(',').nth(1).unwrap().parse::<f64>().unwrap() < frame.py.0 as f64)
            })
            .count()
    };
    assert_eq!(keys(th.color(0)), 1, "a solid series has one solid key above the plot");
    assert_eq!(keys(th.color(1)), 2, "a dashed series has a dashed key (two dashes) above the plot");
    let text_y = |t: &str| {
        let i = svg.find(&format!(">\n{t}\n<")).unwrap_or_else(|| panic!("{t} in {svg}"));
        let head = &svg[..i];
        let tag = &head[head.rfind("<text").unwrap()..];
        tag.split("y=\"").nth(1).unwrap().split('"').next().unwrap().parse::<f64>().unwrap()
    };
    assert!(text_y("train") < frame.py.0 as f64 && text_y("test") < frame.py.0 as f64);
    assert!(text_y("train and test loss") < text_y("train"), "title above the legend");
}

#[test]
fn long_runs_are_decimated_per_pixel_column_keeping_extremes_and_order() {
    use optlab::plot::decimate;
    let p: Vec<(f64, f64)> = (0..100_000).map(|i| (i as f64, ((i as f64) * 0.01).sin() + if i == 54_321 { 5.0 } else { 0.0 })).collect();
    let d = decimate(&p, 0.0, 100_000.0, 500);
    assert!(d.len() <= 2 * 500 + 4 && d.len() >= 500, "at most two points per column (and the ends): {}", d.len());
    assert!(d.windows(2).all(|w| w[0].0 < w[1].0), "order kept, no duplicates");
    assert_eq!(d.first(), p.first());
    assert_eq!(d.last(), p.last());
    assert!(d.iter().any(|&(x, y)| x == 54_321.0 && y > 5.0), "a one-point spike survives");
    let lo = p.iter().map(|q| q.1).fold(f64::INFINITY, f64::min);
    assert_eq!(d.iter().map(|q| q.1).fold(f64::INFINITY, f64::min), lo);
    // short or unsorted series are left alone
    assert_eq!(decimate(&p[..100], 0.0, 100.0, 500), p[..100].to_vec());
    let zigzag = [(0.0, 0.0), (2.0, 1.0), (1.0, 2.0)];
    assert_eq!(decimate(&zigzag.repeat(1000), 0.0, 2.0, 10).len(), 3000);
}

#[test]
fn a_colour_scale_is_drawn_beside_the_map_not_over_it() {
    use optlab::plot::field::ColorScale;
    let th = light();
    let mut m = MapChart { title: "rates".into(), bounds: (0.0, 1.0, 0.0, 1.0), ..Default::default() };
    let mut plain = None;
    to_svg(600, 400, |r| {
        let f = draw_map(r, &m, &th, &mut |_| {})?;
        plain = Some(f);
        Ok(f)
    })
    .unwrap();
    m.scale = Some(ColorScale {
        label: "speed".into(),
        low: "fastest".into(),
        high: "slow".into(),
        extra: Some(("diverges".into(), [150, 150, 150])),
    });
    let mut with = None;
    let svg = to_svg(600, 400, |r| {
        let f = draw_map(r, &m, &th, &mut |_| {})?;
        with = Some(f);
        Ok(f)
    })
    .unwrap();
    let (plain, with) = (plain.unwrap(), with.unwrap());
    assert!(with.px.1 < plain.px.1, "the plot gives up room for the bar: {with:?} vs {plain:?}");
    for t in ["speed", "fastest", "slow", "diverges"] {
        assert!(svg.contains(&format!(">\n{t}\n<")), "{t}");
    }
    // the bar's cells lie right of the plotting area
    let rects_right = svg
        .split("<rect")
        .skip(1)
        .filter_map(|r| r.split("x=\"").nth(1)?.split('"').next()?.parse::<f64>().ok())
        .filter(|&x| x > with.px.1 as f64)
        .count();
    assert!(rects_right >= 40, "{rects_right} colour cells");
}

/// The labels of the text elements of an SVG chart (plotters writes each label on a line of its own).
fn svg_labels(svg: &str) -> Vec<String> {
    svg.split("<text").skip(1).filter_map(|t| t.split('>').nth(1)).map(|t| t.split('<').next().unwrap_or("").trim().to_string()).collect()
}

#[test]
fn log_axes_are_labelled_at_powers_of_ten_or_one_two_five_never_at_half_decades() {
    use optlab::plot::ticks;
    let near = |a: &[f64], b: &[f64]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
    // 1 … 1000: every power of ten, light lines at 2…9 × 10^k
    let (bold, minor) = ticks(-0.1, 3.1, true, 6);
    assert!(near(&bold, &[0.0, 1.0, 2.0, 3.0]), "{bold:?}");
    assert!(minor.iter().any(|v| (v - 2f64.log10()).abs() < 1e-12) && minor.iter().any(|v| (v - 500f64.log10()).abs() < 1e-12));
    assert!(minor.iter().all(|v| (v - 0.5).abs() > 1e-6 && *v >= -0.1 && *v <= 3.1), "{minor:?}");
    // 1e-12 … 1e4: 17 powers, at most 6 labelled (every third)
    let (bold, _) = ticks(-12.0, 4.0, true, 6);
    assert!(bold.len() <= 6 && bold.len() >= 4 && bold.iter().all(|v| v.fract() == 0.0), "{bold:?}");
    // 0.15 … 0.9: less than two powers of ten in view → 0.2, 0.5 (1, 2, 5 × 10^k)
    let (bold, _) = ticks(0.15f64.log10(), 0.9f64.log10(), true, 6);
    assert!(near(&bold, &[0.2f64.log10(), 0.5f64.log10()]), "{bold:?}");
    // 0.40 … 0.70: no 1, 2, 5 × 10^k but 0.5 → round values of the quantity
    let (bold, _) = ticks(0.4f64.log10(), 0.7f64.log10(), true, 6);
    assert!(bold.len() >= 2, "{bold:?}");
    for v in &bold {
        let x = 10f64.powf(*v);
        assert!(((x * 100.0).round() - x * 100.0).abs() < 1e-9, "round value {x}");
    }
    // a linear axis keeps plotters' round numbers
    let (bold, _) = ticks(0.0, 10.0, false, 6);
    assert!(bold.contains(&0.0) && bold.contains(&10.0) || bold.len() >= 5, "{bold:?}");
    // drawn: a log–log chart over 1 … 1000 labels 1, 10, 100, 1000 and no 3.162
    let chart = LineChart {
        x_log: true,
        y_log: true,
        series: vec![Series::line("a", 0, (1..=1000).map(|t| (t as f64, 1.0 / t as f64)).collect())],
        ..Default::default()
    };
    let svg = to_svg(640, 480, |r| draw_lines(r, &chart, &light())).unwrap();
    let labels = svg_labels(&svg);
    for want in ["1", "10", "100", "1000", "0.001"] {
        assert!(labels.iter().any(|l| l == want), "label {want} in {labels:?}");
    }
    assert!(!labels.iter().any(|l| l.contains("3.162") || l.contains("31.623")), "{labels:?}");
}

#[test]
fn neighbouring_labels_never_read_the_same_on_a_short_linear_or_log_axis() {
    // a loss between 0.5607 and 0.5633 (a training at step 0): ticks 0.0005 apart need 4 decimals; on a log axis
    // too (round values of the quantity)
    for y_log in [false, true] {
        let chart = LineChart { y_log, series: vec![Series::line("loss", 0, vec![(0.0, 0.5607), (1.0, 0.5633)])], ..Default::default() };
        let svg = to_svg(640, 480, |r| draw_lines(r, &chart, &light())).unwrap();
        let labels: Vec<String> = svg_labels(&svg).into_iter().filter(|l| l.starts_with("0.56")).collect();
        assert!(labels.len() >= 3, "log {y_log}: {labels:?}");
        let mut uniq = labels.clone();
        uniq.dedup();
        assert_eq!(uniq.len(), labels.len(), "log {y_log}: labels repeat: {labels:?}");
        assert!(labels.iter().all(|l| l.len() == labels[0].len()), "log {y_log}: one number of decimals per axis: {labels:?}");
    }
}

#[test]
fn a_path_settling_inside_a_pixel_draws_no_more_segments_than_pixels_it_crosses() {
    // 200 steps across the map, then 5,000 steps jittering within a hundredth of a pixel of the minimum
    let mut points: Vec<(f64, f64)> = (0..200).map(|i| (-1.5 + 1.5 * i as f64 / 199.0, 0.5 - 0.5 * i as f64 / 199.0)).collect();
    points.extend((0..5000).map(|i| (1e-5 * (i % 7) as f64, 1e-5 * (i % 5) as f64)));
    let last = *points.last().unwrap();
    let map = MapChart {
        bounds: (-2.0, 2.0, -1.0, 1.0),
        paths: vec![MapPath { name: "sgd".into(), color: 0, points, dashed: false }],
        ..Default::default()
    };
    let svg = to_svg(600, 400, |r| draw_map(r, &map, &light(), &mut |_| {})).unwrap();
    // the path's polylines (its white underlay and its colour; axes are two-point lines)
    let counts: Vec<usize> = svg
        .split("<polyline")
        .skip(1)
        .map(|l| l.split("points=\"").nth(1).and_then(|t| t.split('"').next()).map_or(0, |t| t.split_whitespace().count()))
        .filter(|n| *n > 2)
        .collect();
    assert_eq!(counts.len(), 2, "{counts:?}");
    assert!(counts.iter().all(|n| *n > 100 && *n <= 300), "{counts:?} points drawn for a path that crosses about 220 pixels");
    assert!(last.0.abs() < 1e-4, "the path ends at the minimum");
}

/// The `<text …>` elements of an SVG chart whose label is `label`: their (x, y) attributes.
fn text_at(svg: &str, label: &str) -> Vec<(f64, f64)> {
    svg.split("<text")
        .skip(1)
        .filter(|t| t.split('>').nth(1).map(|x| x.split('<').next().unwrap_or("").trim() == label).unwrap_or(false))
        .map(|t| {
            let attr =
                |name: &str| t.split(&format!(" {name}=\"")).nth(1).and_then(|v| v.split('"').next()).and_then(|v| v.parse().ok()).unwrap();
            (attr("x"), attr("y"))
        })
        .collect()
}

#[test]
fn marker_labels_that_would_overlap_go_to_lines_of_their_own() {
    // two runs diverging at the same step and a third one step later, a fourth far right: the first three
    // labels take three lines, the fourth the first line again
    let chart = LineChart {
        series: vec![Series::line("run", 0, (0..200).map(|t| (t as f64, 1.0 / (1.0 + t as f64))).collect())],
        markers: vec![(3.0, "A diverged".into()), (3.0, "B diverged".into()), (150.0, "D diverged".into()), (4.0, "C diverged".into())],
        ..Default::default()
    };
    let svg = to_svg(640, 400, |r| draw_lines(r, &chart, &light())).unwrap();
    let at = |l: &str| {
        let v = text_at(&svg, l);
        assert_eq!(v.len(), 1, "{l}: {v:?}");
        v[0]
    };
    let (a, b, c, d) = (at("A diverged"), at("B diverged"), at("C diverged"), at("D diverged"));
    let line = light().font_px * 0.9;
    assert!(b.1 - a.1 >= line && c.1 - b.1 >= line, "one line each: {a:?} {b:?} {c:?}");
    assert!((d.1 - a.1).abs() < 0.5, "a label clear of the others stays on the first line: {a:?} {d:?}");
    assert!((a.0 - b.0).abs() < 0.5 && c.0 > a.0, "each label starts at its marker: {a:?} {b:?} {c:?}");
}

/// A map whose coordinates are an image's cells (the confusion matrix and misclassified digits) is drawn
/// without tick labels, its axis texts kept; by default a map's axes are labelled.
#[test]
fn a_map_without_ticks_keeps_its_axis_texts_and_draws_no_tick_labels() {
    let numbers = |svg: &str| svg_labels(svg).into_iter().filter(|t| !t.is_empty() && t.parse::<f64>().is_ok()).count();
    let map = |no_ticks| MapChart {
        x_label: "predicted class".into(),
        y_label: "true class".into(),
        bounds: (0.0, 100.0, 0.0, 80.0),
        no_ticks,
        ..Default::default()
    };
    let svg = to_svg(400, 300, |r| draw_map(r, &map(false), &light(), &mut |_| {})).unwrap();
    assert!(numbers(&svg) >= 4, "{:?}", svg_labels(&svg));
    let svg = to_svg(400, 300, |r| draw_map(r, &map(true), &light(), &mut |_| {})).unwrap();
    assert_eq!(numbers(&svg), 0, "{:?}", svg_labels(&svg));
    assert!(svg.contains("predicted class") && svg.contains("true class"));
}
