//! Report sections beyond the claims: the complexity map of class pairs, the
//! synthetic difficulty curve, and the medians of every sweep no claim reads.

use std::fmt::Write;
use std::path::Path;

use mlprobe_core::RunStatus;
use mlprobe_runner::{ComplexityMap, Quartiles, spearman};

use crate::claims::{Input, covers};
use crate::draw::{self, Heatmap, Scatter, file_stem};
use crate::errors::ReportError;
use crate::panels::{LinePanel, Series, strategy_name};
use crate::{Figure, relative};

fn fmt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into())
}

/// Heatmaps, scatter plot, pair table and Spearman correlations of a map.
fn complexity(out: &Path, experiment: &str, map: &ComplexityMap) -> Result<(String, Vec<Figure>), ReportError> {
    let dir = out.join("figures");
    let labels: Vec<String> = map.classes.iter().map(|c| c.to_string()).collect();
    let pair = |r: usize, c: usize| {
        let (a, b) = (map.classes[c], map.classes[r]);
        map.pairs.iter().find(|p| p.classes == [a, b] || p.classes == [b, a])
    };
    let mut figures = Vec::new();
    let gap_b = |r: usize, c: usize| pair(r, c).and_then(|p| p.gap_binarized);
    let gap_s = |r: usize, c: usize| pair(r, c).and_then(|p| p.gap_shuffled);
    let k = map.classes.len();
    let ssim = |r: usize, c: usize| Some(map.ssim_distance[r * k + c]);
    let reflected = if map.reflected {
        ", accuracies below 50 % reflected"
    } else {
        ""
    };
    let heatmap = |name: &str, title: String, value, diagonal, decimals| Heatmap {
        stem: file_stem(&[experiment, name]),
        title,
        labels: labels.clone(),
        value,
        diagonal,
        decimals,
    };
    let maps = [
        heatmap(
            "gap-binarized",
            format!("{experiment}: full - binarized accuracy (points){reflected}"),
            &gap_b,
            false,
            0,
        ),
        heatmap(
            "gap-shuffled",
            format!("{experiment}: full - shuffled (B) accuracy (points){reflected}"),
            &gap_s,
            false,
            0,
        ),
        heatmap(
            "ssim-distance",
            format!(
                "{}: mean SSIM distance 1 - SSIM ({} pairs)",
                map.dataset, map.ssim_pairs
            ),
            &ssim,
            true,
            2,
        ),
    ];
    for h in &maps {
        let png = draw::heatmap(h, &dir)?;
        figures.push(Figure {
            experiment: experiment.into(),
            caption: h.title.clone(),
            png: relative(out, &png),
        });
    }
    let points: Vec<(f64, f64, String)> = map
        .pairs
        .iter()
        .filter_map(|p| {
            Some((
                p.ssim_distance,
                p.gap_binarized?,
                format!("{}-{}", p.classes[0], p.classes[1]),
            ))
        })
        .collect();
    let title = format!(
        "binarization gap vs SSIM distance (Spearman {})",
        map.spearman_ssim_gap_binarized
            .map(|r| format!("{r:.2}"))
            .unwrap_or_else(|| "n/a".into())
    );
    let s = Scatter {
        stem: file_stem(&[experiment, "gap-vs-ssim"]),
        title: title.clone(),
        x_desc: "mean SSIM distance between the two classes".into(),
        y_desc: "median gap full - binarized (points)".into(),
        points,
    };
    let png = draw::scatter(&s, &dir)?;
    figures.push(Figure {
        experiment: experiment.into(),
        caption: title,
        png: relative(out, &png),
    });

    let mut md = String::new();
    let _ = writeln!(md, "\n## Complexity map ({experiment})\n");
    let _ = writeln!(
        md,
        "Spearman correlation over the {} pairs between the mean SSIM distance of the two classes and the binarization gap: **{}**; and the shuffle (B) gap: **{}**. A negative value means that the more alike the images of two classes are (small distance), the larger the gap: data-side difficulty and the networks' complexity measure agree in direction.\n",
        map.pairs.len(),
        map.spearman_ssim_gap_binarized
            .map(|r| format!("{r:.3}"))
            .unwrap_or_else(|| "n/a".into()),
        map.spearman_ssim_gap_shuffled
            .map(|r| format!("{r:.3}"))
            .unwrap_or_else(|| "n/a".into()),
    );
    let _ = writeln!(
        md,
        "| pair | full % | binarized % | gap | shuffled (B) % | gap | failed | SSIM distance |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    for p in &map.pairs {
        let _ = writeln!(
            md,
            "| {}-{} | {} | {} | {} | {} | {} | {} | {:.3} |",
            p.classes[0],
            p.classes[1],
            fmt(p.full),
            fmt(p.binarized),
            fmt(p.gap_binarized),
            fmt(p.shuffled),
            fmt(p.gap_shuffled),
            p.failed,
            p.ssim_distance
        );
    }
    Ok((md, figures))
}

/// The binarization gap against the knob of synthetic tasks.
fn synthetic(out: &Path, input: Input<'_>) -> Result<Option<(String, Vec<Figure>)>, ReportError> {
    let (exp, run) = input;
    if exp.tasks.is_empty() || exp.tasks.iter().any(|t| t.knob.is_none()) {
        return Ok(None);
    }
    let Some(first) = run.units.first() else {
        return Ok(None);
    };
    let Some(bin_row) = first.rows.iter().position(|r| r.probe == "binarize") else {
        return Ok(None);
    };
    let mut full = Vec::new();
    let mut bin = Vec::new();
    let mut lines = Vec::new();
    let (mut knobs, mut gaps) = (Vec::new(), Vec::new());
    for (t, spec) in exp.tasks.iter().enumerate() {
        let knob = spec.knob.expect("checked");
        let trained: Vec<_> = run
            .units
            .iter()
            .filter(|u| u.task == t && u.status == RunStatus::Trained)
            .collect();
        let f: Vec<f64> = trained.iter().map(|u| u.full).collect();
        let b: Vec<f64> = trained.iter().map(|u| u.rows[bin_row].accuracy).collect();
        let g: Vec<f64> = trained.iter().map(|u| u.full - u.rows[bin_row].accuracy).collect();
        for gap in &g {
            knobs.push(knob);
            gaps.push(*gap);
        }
        if let (Some(qf), Some(qb), Some(qg)) = (Quartiles::of(&f), Quartiles::of(&b), Quartiles::of(&g)) {
            full.push((knob, qf));
            bin.push((knob, qb));
            lines.push(format!(
                "| {knob} | {:.1} | {:.1} | {:.1} [{:.1}, {:.1}] |",
                qf.median, qb.median, qg.median, qg.q25, qg.q75
            ));
        }
    }
    let rho = spearman(&knobs, &gaps);
    let panel = LinePanel {
        experiment: exp.name.clone(),
        dataset: "synthetic".into(),
        probe: "binarize".into(),
        strategy: "vs separation".into(),
        x_label: "separation of the class means (standard deviations)".into(),
        y_label: crate::panels::ACCURACY.into(),
        log_x: false,
        dashed_label: "signed".into(),
        series: vec![
            Series {
                task: "full".into(),
                classes: String::new(),
                task_index: 0,
                signed: false,
                points: full,
            },
            Series {
                task: "binarized".into(),
                classes: String::new(),
                task_index: 1,
                signed: true,
                points: bin,
            },
        ],
    };
    let png = draw::line_panel(&panel, &out.join("figures"))?;
    let caption = "synthetic tasks: full and binarized accuracy against the class separation (x axis: separation in standard deviations)".to_string();
    let mut md = String::new();
    let _ = writeln!(md, "\n## Synthetic difficulty curve ({})\n", exp.name);
    let verdict = match rho {
        Some(r) if r <= -0.3 => "the gap grows as the task gets harder (smaller separation)",
        Some(r) if r >= 0.3 => "the gap shrinks as the task gets harder (smaller separation): it grows with separation",
        Some(_) => "the gap shows no clear trend with difficulty",
        None => "no correlation could be computed",
    };
    let _ = writeln!(
        md,
        "Spearman correlation between the separation of the two Gaussian classes (larger = easier) and the per-seed binarization gap: **{}** ({} runs): {verdict}.\n",
        rho.map(|r| format!("{r:.3}")).unwrap_or_else(|| "n/a".into()),
        gaps.len()
    );
    let _ = writeln!(md, "| separation | full % | binarized % | gap, median [25 %, 75 %] |");
    let _ = writeln!(md, "|---|---|---|---|");
    for l in lines {
        let _ = writeln!(md, "{l}");
    }
    Ok(Some((
        md,
        vec![Figure {
            experiment: exp.name.clone(),
            caption,
            png: relative(out, &png),
        }],
    )))
}

/// Most task columns a medians table shows; wider ones point to `medians.csv`.
const MAX_TABLE_TASKS: usize = 8;

/// One line of `medians.csv`: the point's labels and a median per task.
type MedianLine = (mlprobe_runner::PointLabel, Vec<Option<f64>>);

/// A Markdown table of medians: one row per `(name, lines)`, one column per
/// task and variant (full, signed) present.
fn medians_table(first: &str, tasks: &[String], rows: &[(String, Vec<&MedianLine>)]) -> String {
    let variants: Vec<bool> = [false, true]
        .into_iter()
        .filter(|v| {
            rows.iter()
                .flat_map(|(_, l)| l)
                .any(|((_, _, _, signed), _)| signed == v)
        })
        .collect();
    let header: Vec<String> = tasks
        .iter()
        .flat_map(|t| {
            variants
                .iter()
                .map(move |&signed| format!("{t}{}", if signed { " signed" } else { "" }))
        })
        .collect();
    let mut md = format!(
        "| {first} | {} |\n|---|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for (name, lines) in rows {
        let cells: Vec<String> = (0..tasks.len())
            .flat_map(|t| {
                variants.iter().map(move |&signed| {
                    lines
                        .iter()
                        .find(|((_, _, _, s), _)| *s == signed)
                        .and_then(|(_, medians)| medians[t])
                })
            })
            .map(fmt)
            .collect();
        let _ = writeln!(md, "| {name} | {} |", cells.join(" | "));
    }
    md
}

/// Tables of median accuracies for every sweep of a run that no claim
/// reads: a curve's levels as rows, or a single-level probe's strategies as
/// rows; tasks (full and signed) as columns.
fn uncovered(input: Input<'_>) -> String {
    let (exp, run) = input;
    let tasks = &run.medians.tasks;
    // `none` is the trained network itself, not a sweep.
    let lines: Vec<&MedianLine> = run
        .medians
        .lines
        .iter()
        .filter(|((probe, strategy, _, _), _)| probe != "none" && !covers(exp, probe, strategy))
        .collect();
    let mut probes: Vec<&str> = Vec::new();
    for ((probe, _, _, _), _) in &lines {
        if !probes.contains(&probe.as_str()) {
            probes.push(probe);
        }
    }
    let mut md = String::new();
    for probe in probes {
        let mut strategies: Vec<&str> = Vec::new();
        for ((p, s, _, _), _) in &lines {
            if p == probe && !strategies.contains(&s.as_str()) {
                strategies.push(s);
            }
        }
        let of = |strategy: &str| -> Vec<&MedianLine> {
            lines
                .iter()
                .copied()
                .filter(|((p, s, _, _), _)| p == probe && s == strategy)
                .collect()
        };
        let levels = |group: &[&MedianLine]| {
            let mut l: Vec<f64> = Vec::new();
            for ((_, _, level, _), _) in group {
                if !l.contains(level) {
                    l.push(*level);
                }
            }
            l
        };
        let (single, curves): (Vec<&str>, Vec<&str>) = strategies.iter().partition(|s| levels(&of(s)).len() == 1);
        if !single.is_empty() {
            let _ = writeln!(md, "\n### {}: {probe}\n", exp.name);
            let rows: Vec<(String, Vec<&MedianLine>)> = single.iter().map(|s| (s.to_string(), of(s))).collect();
            md.push_str(&medians_table("strategy", tasks, &rows));
        }
        for strategy in curves {
            let group = of(strategy);
            let _ = writeln!(md, "\n### {}: {}\n", exp.name, strategy_name(probe, strategy));
            let rows: Vec<(String, Vec<&MedianLine>)> = levels(&group)
                .into_iter()
                .map(|level| {
                    let at: Vec<&MedianLine> = group.iter().copied().filter(|((_, _, l, _), _)| *l == level).collect();
                    (level.to_string(), at)
                })
                .collect();
            md.push_str(&medians_table("level", tasks, &rows));
        }
    }
    if md.is_empty() {
        return md;
    }
    if tasks.len() > MAX_TABLE_TASKS {
        return format!(
            "\n## Sweeps no claim reads ({})\n\nMedian accuracy (%) over trained seeds of {} points for {} tasks: `{}/medians.csv`.\n",
            exp.name,
            lines.len(),
            tasks.len(),
            exp.name
        );
    }
    format!(
        "\n## Sweeps no claim reads ({})\n\nMedian accuracy (%) over trained seeds.\n{md}",
        exp.name
    )
}

/// The extra sections of the runs, with their figures.
pub fn sections(out: &Path, inputs: &[Input<'_>]) -> Result<(String, Vec<Figure>), ReportError> {
    let mut md = String::new();
    let mut figures = Vec::new();
    for &(exp, run) in inputs {
        if let Some(map) = &run.complexity {
            let (m, f) = complexity(out, &exp.name, map)?;
            md.push_str(&m);
            figures.extend(f);
        }
        if let Some((m, f)) = synthetic(out, (exp, run))? {
            md.push_str(&m);
            figures.extend(f);
        }
        md.push_str(&uncovered((exp, run)));
    }
    Ok((md, figures))
}
