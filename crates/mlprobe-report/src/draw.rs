//! Drawing panels as PNG and SVG with plotters: curves as the median with a
//! 25-75 % band over seeds, easy and hard in two colours, signed dashed.

use std::path::{Path, PathBuf};
use std::sync::Once;

use mlprobe_graph::store::atomic_write;
use mlprobe_runner::{BINS, Resonance};
use plotters::coord::Shift;
use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::data::Quartiles as BoxQuartiles;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::errors::ReportError;
use crate::panels::{BoxPanel, LinePanel};

const SIZE: (u32, u32) = (900, 560);
const EASY: RGBColor = RGBColor(31, 119, 180);
const HARD: RGBColor = RGBColor(214, 39, 40);
/// How many series other than easy and hard get colours of their own (the
/// next ones repeat them).
pub(crate) const OTHER_COLOURS: usize = OTHERS.len();

const OTHERS: [RGBColor; 4] = [
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
];

/// The colour of a task: blue for `easy`, red for `hard`, else by index.
fn colour(label: &str, index: usize) -> RGBColor {
    match label {
        "easy" => EASY,
        "hard" => HARD,
        _ => OTHERS[index % OTHERS.len()],
    }
}

/// Makes the embedded DejaVu Sans plotters' sans-serif font (no system fonts needed).
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../assets/DejaVuSans.ttf"),
        )
        .map_err(|_| ())
        .expect("the embedded font is valid");
    });
}

/// A file name from parts: letters, digits, `-` and `.` kept, the rest `_`.
pub fn file_stem(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| {
            p.replace('@', "at")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

type Drawn = Result<(), String>;

/// The error of a drawing backend, as text (it is reported with the figure's name).
fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Renders with `draw` into `<dir>/<stem>.png` and `.svg`, each atomically;
/// returns the PNG's path.
fn both_formats(
    dir: &Path,
    stem: &str,
    draw: impl Fn(&DrawingArea<BitMapBackend<'_>, Shift>) -> Drawn,
    draw_svg: impl Fn(&DrawingArea<SVGBackend<'_>, Shift>) -> Drawn,
) -> Result<PathBuf, ReportError> {
    register_font();
    let failed = |message: String| ReportError::Draw {
        figure: stem.to_string(),
        message,
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let png = dir.join(format!("{stem}.png"));
    let tmp = dir.join(format!(".{stem}.{}.tmp.png", std::process::id()));
    {
        let root = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
        draw(&root).map_err(failed)?;
        root.present().map_err(|e| failed(e.to_string()))?;
    }
    std::fs::rename(&tmp, &png).map_err(io(&png))?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw_svg(&root).map_err(failed)?;
        root.present().map_err(|e| failed(e.to_string()))?;
    }
    atomic_write(&dir.join(format!("{stem}.svg")), svg.as_bytes())?;
    Ok(png)
}

/// Draws the series labels of a chart in the house style.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Drawn {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(text)
}

fn draw_lines_on<DB: DrawingBackend, X>(root: &DrawingArea<DB, Shift>, p: &LinePanel, x: X) -> Drawn
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let e = text::<DrawingAreaErrorKind<DB::ErrorType>>;
    root.fill(&WHITE).map_err(e)?;
    let low = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|(_, q)| q.q25))
        .fold(50.0f64, f64::min);
    let y_min = ((low / 10.0).floor() * 10.0).clamp(0.0, 40.0);
    let high = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|(_, q)| q.q75))
        .fold(0.0f64, f64::max);
    // Accuracy panels end at 100 %; others (e.g. gaps in points) above their data.
    let y_max = if p.y_label == crate::panels::ACCURACY || high > 60.0 {
        100.5
    } else {
        (high / 10.0).ceil() * 10.0 + 5.0
    };
    let title = format!("{}: {} / {}", p.experiment, p.dataset, p.name());
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(x, RangedCoordf64::from(y_min..y_max))
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(&p.x_label)
        .y_desc(&p.y_label)
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(e)?;
    for s in &p.series {
        let c = colour(&s.task, s.task_index);
        let upper = s.points.iter().map(|(l, q)| (*l, q.q75));
        let lower = s.points.iter().rev().map(|(l, q)| (*l, q.q25));
        chart
            .draw_series(std::iter::once(Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                c.mix(0.15).filled(),
            )))
            .map_err(e)?;
        let median: Vec<(f64, f64)> = s.points.iter().map(|(l, q)| (*l, q.median)).collect();
        let style = c.stroke_width(2);
        let label = if s.signed && !p.dashed_label.is_empty() {
            format!("{} {}, {}", s.task, s.classes, p.dashed_label)
        } else {
            format!("{} {}", s.task, s.classes)
        };
        if s.signed {
            chart
                .draw_series(DashedLineSeries::new(median, 8, 5, style))
                .map_err(e)?
                .label(label)
                .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 24, y)], 6, 4, c.stroke_width(2)));
        } else {
            chart
                .draw_series(LineSeries::new(median, style))
                .map_err(e)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(2)));
        }
    }
    legend(&mut chart, SeriesLabelPosition::LowerLeft)
}

fn draw_lines<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &LinePanel) -> Drawn {
    let levels = p.series.iter().flat_map(|s| s.points.iter().map(|(l, _)| *l));
    let (lo, hi) = levels.fold((f64::MAX, f64::MIN), |(a, b), l| (a.min(l), b.max(l)));
    let (lo, hi) = if lo < hi { (lo, hi) } else { (lo - 0.5, lo + 0.5) };
    if p.log_x {
        draw_lines_on(root, p, LogCoord::<f64>::from((lo..hi).log_scale()))
    } else {
        draw_lines_on(root, p, RangedCoordf64::from(lo..hi))
    }
}

/// Draws a line panel; returns the PNG's path.
pub fn line_panel(p: &LinePanel, dir: &Path) -> Result<PathBuf, ReportError> {
    let stem = file_stem(&[&p.experiment, &p.dataset, &p.probe, &p.strategy]);
    both_formats(dir, &stem, |r| draw_lines(r, p), |r| draw_lines(r, p))
}

fn draw_boxes<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &BoxPanel) -> Drawn {
    let e = text::<DrawingAreaErrorKind<DB::ErrorType>>;
    root.fill(&WHITE).map_err(e)?;
    let n = p.categories.len();
    let low = p
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(50.0f64, |a, b| a.min(*b));
    let y_min = ((low / 10.0).floor() * 10.0).clamp(0.0, 40.0) as f32;
    let title = format!("{}: {} / {}", p.experiment, p.dataset, p.probe);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, y_min..100.5f32)
        .map_err(e)?;
    let names = p.categories.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n + 1)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].clone()
            } else {
                String::new()
            }
        })
        .y_desc("test accuracy (%) over seeds")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(e)?;
    let k = p.series.len().max(1) as f64;
    let slot = 0.8 / k;
    for (i, s) in p.series.iter().enumerate() {
        let c = colour(&s.task, s.task_index);
        let offset = -0.4 + slot * (i as f64 + 0.5);
        let style = if s.signed {
            c.mix(0.55).stroke_width(2)
        } else {
            c.stroke_width(2)
        };
        let boxes: Vec<Boxplot<f64, _>> = s
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_empty())
            .map(|(cat, v)| {
                Boxplot::new_vertical(cat as f64 + offset, &BoxQuartiles::new(v))
                    .width((SIZE.0 as f64 * 0.75 * slot / n as f64).max(3.0) as u32)
                    .whisker_width(0.5)
                    .style(style)
            })
            .collect();
        let label = format!("{} {}{}", s.task, s.classes, if s.signed { ", signed" } else { "" });
        chart
            .draw_series(boxes)
            .map_err(e)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], style));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

/// Draws a box panel; returns the PNG's path.
pub fn box_panel(p: &BoxPanel, dir: &Path) -> Result<PathBuf, ReportError> {
    let stem = file_stem(&[&p.experiment, &p.dataset, &p.probe]);
    both_formats(dir, &stem, |r| draw_boxes(r, p), |r| draw_boxes(r, p))
}

fn draw_resonance<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, exp: &str, kind: &str, r: &Resonance) -> Drawn {
    let e = text::<DrawingAreaErrorKind<DB::ErrorType>>;
    root.fill(&WHITE).map_err(e)?;
    let rows: Vec<_> = r.summary.iter().filter(|s| s.kind == kind).collect();
    let top = rows
        .iter()
        .flat_map(|s| s.median_flip_shares.iter().copied())
        .fold(0.1f64, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{exp}: sign flips at the best {kind} noise level, by |w| decile"),
            ("sans-serif", 20),
        )
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(-0.5f64..BINS as f64 - 0.5, 0f64..top)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(BINS + 1)
        .x_label_formatter(&|x| format!("{:.0}", x + 1.0))
        .x_desc("decile of |w| within its layer (1 = smallest)")
        .y_desc("median share of the flips")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(e)?;
    let k = rows.len().max(1) as f64;
    for (i, s) in rows.iter().enumerate() {
        let (dataset, label) = s.task.split_once('/').unwrap_or(("", &s.task));
        let c = colour(label, i);
        let c = if dataset.starts_with("fashion") {
            c.mix(0.55)
        } else {
            c.mix(1.0)
        };
        let w = 0.8 / k;
        let bars = s.median_flip_shares.iter().enumerate().map(move |(b, v)| {
            let x0 = b as f64 - 0.4 + w * i as f64;
            Rectangle::new([(x0, 0.0), (x0 + w, *v)], c.filled())
        });
        chart
            .draw_series(bars)
            .map_err(e)?
            .label(s.task.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// Draws the flip shares of the resonance analysis, one figure per noise kind.
pub fn resonance(exp: &str, r: &Resonance, dir: &Path) -> Result<Vec<(String, PathBuf)>, ReportError> {
    let mut kinds: Vec<&str> = r.summary.iter().map(|s| s.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| {
            let stem = file_stem(&[exp, "resonance", kind]);
            let path = both_formats(
                dir,
                &stem,
                |root| draw_resonance(root, exp, kind, r),
                |root| draw_resonance(root, exp, kind, r),
            )?;
            Ok((kind.to_string(), path))
        })
        .collect()
}

/// A lower-triangular heatmap over `labels` with the values printed in the cells.
pub struct Heatmap<'a> {
    /// File stem.
    pub stem: String,
    /// Title.
    pub title: String,
    /// Row and column names.
    pub labels: Vec<String>,
    /// `value(row, col)` for `row > col` (and the diagonal when `diagonal`).
    pub value: &'a dyn Fn(usize, usize) -> Option<f64>,
    /// Include the diagonal.
    pub diagonal: bool,
    /// Decimals printed in the cells.
    pub decimals: usize,
    /// What the rows and columns are (both axes), e.g. `mnist class`.
    pub axis: String,
    /// What the colours measure, beside the colour bar.
    pub legend: String,
}

/// The colour of a heat-map cell at `t` in `[0, 1]` (light to dark red).
fn heat(t: f64) -> RGBColor {
    RGBColor(255, (245.0 - 170.0 * t) as u8, (235.0 - 200.0 * t) as u8)
}

/// Width of a heat-map's colour bar strip (pixels).
const COLOUR_BAR_WIDTH: u32 = 110;

/// A vertical colour bar from `lo` to `hi` labelled `legend`.
fn colour_bar<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, lo: f64, hi: f64, legend: &str) -> Drawn {
    let e = text::<DrawingAreaErrorKind<DB::ErrorType>>;
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut bar = ChartBuilder::on(area)
        .margin_top(50)
        .margin_bottom(50)
        .margin_right(8)
        .y_label_area_size(48)
        .build_cartesian_2d(0f64..1f64, lo..lo + span)
        .map_err(e)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_desc(legend)
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(e)?;
    const STEPS: usize = 64;
    bar.draw_series((0..STEPS).map(|i| {
        let (a, b) = (i as f64 / STEPS as f64, (i + 1) as f64 / STEPS as f64);
        Rectangle::new([(0.0, lo + a * span), (1.0, lo + b * span)], heat(a).filled())
    }))
    .map_err(e)?;
    Ok(())
}

fn draw_heatmap<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, h: &Heatmap<'_>) -> Drawn {
    let e = text::<DrawingAreaErrorKind<DB::ErrorType>>;
    root.fill(&WHITE).map_err(e)?;
    let n = h.labels.len();
    let cells: Vec<(usize, usize, f64)> = (0..n)
        .flat_map(|r| (0..n).map(move |c| (r, c)))
        .filter(|&(r, c)| r > c || (h.diagonal && r == c))
        .filter_map(|(r, c)| (h.value)(r, c).map(|v| (r, c, v)))
        .collect();
    let (lo, hi) = cells
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), c| (a.min(c.2), b.max(c.2)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (main, strip) = root.split_horizontally(root.dim_in_pixel().0.saturating_sub(COLOUR_BAR_WIDTH));
    if !cells.is_empty() {
        colour_bar(&strip, lo, hi, &h.legend)?;
    }
    let mut chart = ChartBuilder::on(&main)
        .caption(&h.title, ("sans-serif", 20))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(52)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, n as f64 - 0.5..-0.5f64)
        .map_err(e)?;
    let labels = h.labels.clone();
    let name = move |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
            labels[i as usize].clone()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(n + 1)
        .y_labels(n + 1)
        .x_label_formatter(&name)
        .y_label_formatter(&name)
        .x_desc(&h.axis)
        .y_desc(&h.axis)
        .label_style(("sans-serif", 16))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(cells.iter().map(|&(r, c, v)| {
            Rectangle::new(
                [(c as f64 - 0.5, r as f64 - 0.5), (c as f64 + 0.5, r as f64 + 0.5)],
                heat((v - lo) / span).filled(),
            )
        }))
        .map_err(e)?;
    let decimals = h.decimals;
    chart
        .draw_series(cells.iter().map(|&(r, c, v)| {
            Text::new(
                format!("{v:.decimals$}"),
                (c as f64 - 0.32, r as f64 - 0.12),
                ("sans-serif", 13).into_font().color(&BLACK),
            )
        }))
        .map_err(e)?;
    Ok(())
}

/// Draws a heatmap; returns the PNG's path.
pub fn heatmap(h: &Heatmap<'_>, dir: &Path) -> Result<PathBuf, ReportError> {
    both_formats(dir, &h.stem, |r| draw_heatmap(r, h), |r| draw_heatmap(r, h))
}

/// A scatter plot of labelled points.
pub struct Scatter {
    /// File stem.
    pub stem: String,
    /// Title.
    pub title: String,
    /// Axis descriptions.
    pub x_desc: String,
    /// Axis descriptions.
    pub y_desc: String,
    /// `(x, y, label)`.
    pub points: Vec<(f64, f64, String)>,
}

fn draw_scatter<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Scatter) -> Drawn {
    let e = text::<DrawingAreaErrorKind<DB::ErrorType>>;
    root.fill(&WHITE).map_err(e)?;
    let (x0, x1) = s
        .points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = s
        .points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let pad = |a: f64, b: f64| {
        let d = if b > a { (b - a) * 0.08 } else { 1.0 };
        (a - d, b + d)
    };
    let ((x0, x1), (y0, y1)) = (pad(x0, x1), pad(y0, y1));
    let mut chart = ChartBuilder::on(root)
        .caption(&s.title, ("sans-serif", 20))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(&s.x_desc)
        .y_desc(&s.y_desc)
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(s.points.iter().map(|(x, y, _)| Circle::new((*x, *y), 4, EASY.filled())))
        .map_err(e)?;
    chart
        .draw_series(s.points.iter().map(|(x, y, l)| {
            Text::new(
                l.clone(),
                (*x, *y),
                ("sans-serif", 11).into_font().color(&BLACK.mix(0.7)),
            )
        }))
        .map_err(e)?;
    Ok(())
}

/// Draws a scatter plot; returns the PNG's path.
pub fn scatter(s: &Scatter, dir: &Path) -> Result<PathBuf, ReportError> {
    both_formats(dir, &s.stem, |r| draw_scatter(r, s), |r| draw_scatter(r, s))
}
