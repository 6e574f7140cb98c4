//! Renders a chapter's charts to SVG files, for looking at them without a browser:
//! `cargo run --example snapshot -- CHAPTER OUT_DIR [name=value ...]`, then e.g.
//! `rsvg-convert OUT_DIR/map.svg -o map.png`. Map fields are drawn as a coarse grid of rectangles.

use optlab::app::{chapter, compute_raw, draw_chart, Chart, Field};
use optlab::plot::field::viridis;
use optlab::plot::{to_svg, Theme};
use plotters::prelude::*;
use std::collections::BTreeMap;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(id), Some(out)) = (args.first(), args.get(1)) else {
        eprintln!("usage: snapshot CHAPTER OUT_DIR [name=value ...]");
        std::process::exit(2);
    };
    let Some(c) = chapter(id) else {
        eprintln!("no chapter {id}");
        std::process::exit(2);
    };
    let raw: BTreeMap<String, String> =
        args[2..].iter().filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (st, scene) = compute_raw(c, &raw);
    std::fs::create_dir_all(out).expect("output dir");
    let th = Theme::by_name("light", 1.0);
    for (cid, chart) in &scene.charts {
        let svg = to_svg(800, 600, |root| {
            let mut cells: Vec<(f64, f64, f64, f64, [u8; 3])> = Vec::new();
            if let Chart::Map(m, field) = chart {
                let (x0, x1, y0, y1) = m.bounds;
                let (gw, gh) = (80, 60);
                match field {
                    Field::Landscape(p, seed) => {
                        let prob = p.build(*seed).expect("valid problem");
                        let vals: Vec<f64> = (0..gw * gh)
                            .map(|k| {
                                let (i, j) = (k % gw, k / gw);
                                let x = x0 + (i as f64 + 0.5) / gw as f64 * (x1 - x0);
                                let y = y1 - (j as f64 + 0.5) / gh as f64 * (y1 - y0);
                                prob.value(&[x, y])
                            })
                            .collect();
                        let lo = vals.iter().cloned().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min);
                        let hi = vals.iter().cloned().filter(|v| v.is_finite()).fold(f64::NEG_INFINITY, f64::max);
                        for (k, v) in vals.iter().enumerate() {
                            let t = ((v - lo) / (hi - lo).max(1e-12) * 1e4 + 1.0).ln() / (1e4f64 + 1.0).ln();
                            cells.push(((k % gw) as f64, (k / gw) as f64, gw as f64, gh as f64, viridis(t)));
                        }
                    }
                    Field::Classes { probs, classes, colors, width, height } => {
                        let k = (*classes).max(1);
                        for j in 0..*height {
                            for i in 0..*width {
                                let p = probs.get((j * width + i) * k..(j * width + i + 1) * k).unwrap_or(&[]);
                                let c = optlab::app::training::regions::cell_rgb(p, colors, &th);
                                cells.push((i as f64, j as f64, *width as f64, *height as f64, c));
                            }
                        }
                    }
                    Field::Grid { values, width, height } => {
                        for (k, v) in values.iter().enumerate() {
                            let c = if v.is_finite() && *v < 1.0 { viridis(*v) } else { [150, 150, 150] };
                            cells.push(((k % width) as f64, (k / width) as f64, *width as f64, *height as f64, c));
                        }
                    }
                }
            }
            draw_chart(root, chart, &th, &mut |f| {
                for &(i, j, gw, gh, c) in &cells {
                    let (w, h) = ((f.px.1 - f.px.0) as f64, (f.py.1 - f.py.0) as f64);
                    let a = (f.px.0 + (i / gw * w) as i32, f.py.0 + (j / gh * h) as i32);
                    let b = (f.px.0 + ((i + 1.0) / gw * w).ceil() as i32, f.py.0 + ((j + 1.0) / gh * h).ceil() as i32);
                    let _ = root.draw(&Rectangle::new([a, b], RGBColor(c[0], c[1], c[2]).filled()));
                }
            })
        })
        .expect("chart draws");
        std::fs::write(format!("{out}/{cid}.svg"), svg).expect("write svg");
    }
    println!("state: {:?}", st.values);
    for m in &scene.messages {
        println!("{}: {}", m.level, m.text);
    }
    for r in &scene.readout {
        println!("{}: {}", r.label, r.value);
    }
}
