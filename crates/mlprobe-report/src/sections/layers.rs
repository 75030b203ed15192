//! The gap layer by layer: whole network, first layer alone, last alone,
//! per task and architecture.

use mlprobe_graph::Selection;
use mlprobe_runner::{Experiment, ExperimentRun, Quartiles, Row, quantile};

use super::runs::{gaps, median, median_full, quartiles, row, task_name};
use super::{Context, Rendered, Section};
use crate::claims::{Input, RowKey};
use crate::markdown::{Markdown, Table, num};
use crate::panels::network;

/// A layer "carries" the easy/hard difference when its hard - easy gap is
/// over this many points and at least twice the other layer's.
const CARRIES: f64 = 5.0;

/// Rows of the whole network, the first layer alone and the last alone.
struct Restrictions {
    all: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
}

fn restricted(r: &Row) -> bool {
    r.strategy.ends_with("first") || r.strategy.ends_with("last")
}

/// The section of a run that binarizes single layers.
pub(super) struct Layers;

impl Section for Layers {
    fn applies(&self, (_, run): Input<'_>) -> bool {
        let binarized = RowKey::of(mlprobe_binarize::NAME);
        (run.units.first()).is_some_and(|u| u.rows.iter().any(|r| binarized.matches(r) && restricted(r)))
    }

    fn render(&self, (exp, run): Input<'_>, _: &Context<'_, '_>, md: &mut Markdown) -> Rendered {
        let bin = |which: &'static str| row(run, |r| RowKey::of(mlprobe_binarize::NAME).strategy(which).matches(r));
        let rows = Restrictions {
            all: bin("none"),
            first: bin("first"),
            last: bin("last"),
        };
        md.heading(2, &format!("The gap layer by layer ({})", exp.name));
        md.para("Binarization gap (full - binarized, points; median [25 %, 75 %] over trained seeds) with every layer binarized, the first layer alone, and the last layer alone (the other layers keep their trained weights and biases).");
        let cell =
            |t: usize, r: Option<usize>| r.map_or_else(|| "-".into(), |r| quartiles(Quartiles::of(&gaps(run, t, r))));
        let mut table = Table::new(["task", "network", "full %", "all layers", "first only", "last only"]);
        for t in 0..exp.tasks.len() {
            table.row([
                task_name(exp, t),
                network(exp, run, t),
                num(median_full(run, t), 1),
                cell(t, rows.all),
                cell(t, rows.first),
                cell(t, rows.last),
            ]);
        }
        md.table(&table);
        where_it_lives(exp, run, &rows, md);
        pruned(exp, run, md);
        Ok(Vec::new())
    }
}

/// Hard minus easy, per dataset and architecture, for each restriction.
fn where_it_lives(exp: &Experiment, run: &ExperimentRun, rows: &Restrictions, md: &mut Markdown) {
    let med_gap = |t: usize, r: Option<usize>| r.and_then(|r| quantile(&gaps(run, t, r), 0.5));
    let mut lines = Vec::new();
    for (e, easy) in exp.tasks.iter().enumerate().filter(|(_, s)| s.label == "easy") {
        let Some(h) =
            (exp.tasks.iter()).position(|s| s.label == "hard" && s.dataset == easy.dataset && s.arm == easy.arm)
        else {
            continue;
        };
        let diff = |r| Some(med_gap(h, r)? - med_gap(e, r)?);
        let (d_all, d_first, d_last) = (diff(rows.all), diff(rows.first), diff(rows.last));
        let carried = match (d_first, d_last) {
            (Some(f), Some(l)) if f >= 2.0 * l.max(0.0) && f > CARRIES => "the first layer",
            (Some(f), Some(l)) if l >= 2.0 * f.max(0.0) && l > CARRIES => "the last layer",
            (Some(f), Some(l)) if f > CARRIES && l > CARRIES => "both layers",
            (Some(_), Some(_)) => "neither layer alone",
            _ => "unknown",
        };
        lines.push(format!(
            "{} {}: hard - easy gap {} (all), {} (first only), {} (last only): carried by {carried}",
            easy.dataset,
            network(exp, run, e),
            num(d_all, 1),
            num(d_first, 1),
            num(d_last, 1)
        ));
    }
    if !lines.is_empty() {
        md.para("Where the easy/hard difference lives (medians, points):");
        for l in &lines {
            md.item(l);
        }
        md.raw("\n");
    }
}

/// Binarized after pruning the smallest weights, by layers and fraction.
fn pruned(exp: &Experiment, run: &ExperimentRun, md: &mut Markdown) {
    let key = RowKey::of(mlprobe_prune::NAME).signed(true);
    let prune: Vec<(usize, &Row)> = (run.units[0].rows.iter().enumerate())
        .filter(|(_, r)| key.matches(r) && r.strategy.starts_with(Selection::Smallest.name()))
        .collect();
    if prune.is_empty() {
        return;
    }
    md.para("Binarized after pruning the smallest weights (median accuracy %, by layers pruned and binarized, and fraction pruned):");
    let mut table = Table::new(
        ["task".to_string(), "network".into()]
            .into_iter()
            .chain(prune.iter().map(|(_, r)| format!("{} {}", r.strategy, r.level))),
    );
    for t in 0..exp.tasks.len() {
        table.row(
            [task_name(exp, t), network(exp, run, t)]
                .into_iter()
                .chain(prune.iter().map(|(r, _)| num(median(run, t, *r), 1))),
        );
    }
    md.table(&table);
}
