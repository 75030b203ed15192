//! The medians of every sweep no claim reads.

use std::fmt::Write;

use super::{Context, Rendered, Section};
use crate::claims::{Input, covers};
use crate::markdown::{Markdown, num};
use crate::panels::strategy_name;

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
            .map(|v| num(v, 1))
            .collect();
        let _ = writeln!(md, "| {name} | {} |", cells.join(" | "));
    }
    md
}

/// Tables of median accuracies for every sweep of a run that no claim
/// reads: a curve's levels as rows, or a single-level probe's strategies as
/// rows; tasks (full and signed) as columns.
pub(super) struct Uncovered;

impl Section for Uncovered {
    fn applies(&self, (exp, run): Input<'_>) -> bool {
        run.medians
            .lines
            .iter()
            .any(|((probe, strategy, _, _), _)| probe != "none" && !covers(exp, probe, strategy))
    }

    fn render(&self, input: Input<'_>, _: &Context<'_, '_>, md: &mut Markdown) -> Rendered {
        md.raw(&tables(input));
        Ok(Vec::new())
    }
}

fn tables((exp, run): Input<'_>) -> String {
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
