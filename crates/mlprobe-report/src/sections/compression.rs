//! From finding to decision: per model (task), the largest fraction of
//! smallest weights prunable, the fewest bits, and the binarization gap
//! unscaled and scaled, within a tolerance of full accuracy; where the gap
//! falls among the 45 map pairs; and, over the pairs, whether the bits a
//! task needs follow its gap.

use mlprobe_runner::{Calibration, Experiment, ExperimentRun, Row, UnitResult, quantile, spearman};

use super::runs::{counted, median_full, task_name};
use super::{Context, Rendered, Section};
use crate::claims::Input;
use crate::markdown::{Markdown, Table, num};

/// Bit widths above the quantization grid: "needs more than 8 bits".
const MORE_THAN_GRID: f64 = 9.0;

/// The compression numbers of one task, medians over its trained seeds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Summary {
    /// The task, as tables name it.
    pub task: String,
    /// Full-precision accuracy (%).
    pub full: Option<f64>,
    /// Largest fraction of smallest weights prunable within the tolerance.
    pub prunable: Option<f64>,
    /// Fewest bits within the tolerance, one scale per layer / per channel
    /// ([`MORE_THAN_GRID`] when 8 bits are not enough).
    pub bits: [Option<f64>; 2],
    /// Binarization gaps (points): unscaled, scaled per layer, per channel.
    pub gaps: [Option<f64>; 3],
    /// Share of map pairs whose gap is at most the unscaled gap (%).
    pub percentile: Option<f64>,
}

/// The accuracy of `unit`'s row of `probe`, `strategy` and `level`, full precision.
fn accuracy(unit: &UnitResult, probe: &str, strategy: &str, level: f64) -> Option<f64> {
    let hit = |r: &&Row| r.probe == probe && r.strategy == strategy && r.level == level;
    let row = unit
        .rows
        .iter()
        .find(|r| hit(r) && (!r.signed || probe == mlprobe_binarize::NAME))?;
    Some(row.accuracy)
}

/// The levels of `probe`/`strategy` in `unit` (full precision), ascending.
fn levels(unit: &UnitResult, probe: &str, strategy: &str) -> Vec<f64> {
    let mut out: Vec<f64> = (unit.rows.iter())
        .filter(|r| r.probe == probe && r.strategy == strategy && !r.signed)
        .map(|r| r.level)
        .collect();
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

/// The largest pruned fraction such that it and every smaller one stay
/// within `tol` of full accuracy (0 when the first does not).
fn prunable(unit: &UnitResult, tol: f64) -> Option<f64> {
    let grid = levels(unit, mlprobe_prune::NAME, "smallest");
    if grid.is_empty() {
        return None;
    }
    let within = |l: f64| accuracy(unit, mlprobe_prune::NAME, "smallest", l).is_some_and(|a| unit.full - a <= tol);
    Some(grid.iter().take_while(|&&l| within(l)).last().copied().unwrap_or(0.0))
}

/// The fewest bits such that they and every wider width stay within `tol`.
fn bits(unit: &UnitResult, scope: &str, tol: f64) -> Option<f64> {
    let grid = levels(unit, mlprobe_quantize::NAME, scope);
    if grid.is_empty() {
        return None;
    }
    let within = |b: f64| accuracy(unit, mlprobe_quantize::NAME, scope, b).is_some_and(|a| unit.full - a <= tol);
    Some(
        grid.iter()
            .rev()
            .take_while(|&&b| within(b))
            .last()
            .copied()
            .unwrap_or(MORE_THAN_GRID),
    )
}

/// The summary of task `t`.
pub(crate) fn summarize(exp: &Experiment, run: &ExperimentRun, t: usize, tol: f64, map: &Calibration) -> Summary {
    let median = |f: &dyn Fn(&UnitResult) -> Option<f64>| {
        let v: Vec<f64> = counted(run, t).filter_map(f).collect();
        quantile(&v, 0.5)
    };
    let gap = |s: &str| median(&|u| Some(u.full - accuracy(u, mlprobe_binarize::NAME, s, 0.0)?));
    let gaps = ["none", "layer", "channel"].map(gap);
    let arm = exp.tasks[t].arm_label();
    Summary {
        task: [task_name(exp, t), arm].join(" ").trim_end().to_string(),
        full: median_full(run, t),
        prunable: median(&|u| prunable(u, tol)),
        bits: ["layer", "channel"].map(|s| median(&|u| bits(u, s, tol))),
        percentile: gaps[0].map(|g| map.percentile(g)),
        gaps,
    }
}

/// Bits as a table shows them: `> 8` past the grid.
fn bits_text(b: Option<f64>) -> String {
    match b {
        Some(b) if b >= MORE_THAN_GRID => "> 8".into(),
        b => num(b, 1),
    }
}

/// The summary table, one row per task.
pub(crate) fn table(rows: &[Summary]) -> Table {
    let mut table = Table::new([
        "task",
        "full %",
        "prunable (smallest)",
        "bits, per layer",
        "bits, per channel",
        "binarized gap",
        "scaled per layer",
        "scaled per channel",
        "map percentile",
    ]);
    for s in rows {
        table.row([
            s.task.clone(),
            num(s.full, 1),
            s.prunable.map_or("-".into(), |p| format!("{:.0} %", 100.0 * p)),
            bits_text(s.bits[0]),
            bits_text(s.bits[1]),
            num(s.gaps[0], 1),
            num(s.gaps[1], 1),
            num(s.gaps[2], 1),
            s.percentile.map_or("-".into(), |p| format!("{p:.0}")),
        ]);
    }
    table
}

/// The pruned fractions (%) the run tried, for the legend.
pub(crate) fn prune_grid(run: &ExperimentRun) -> String {
    let grid = run
        .units
        .first()
        .map(|u| levels(u, mlprobe_prune::NAME, "smallest"))
        .unwrap_or_default();
    grid.iter()
        .map(|l| format!("{}", 100.0 * l))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sentence under every summary table: what its columns mean.
pub(crate) fn legend(tol: f64, map: &Calibration, grid: &str) -> String {
    format!(
        "Medians over trained seeds. Within {tol} point(s) of full accuracy (`--tolerance`): the largest fraction of the smallest weights pruned (that fraction and every smaller one of the fractions tried, {grid} %), the fewest bits of symmetric uniform quantization (that width and every wider one; one scale per layer or per output channel). Gaps in points: the paper's unscaled sign(w), and the signs times the mean |w| per layer or per output channel. Map percentile: the share of the {} {} pairs of the map ({}; {}) whose gap is at most this unscaled gap.",
        map.pairs.len(),
        map.dataset,
        map.network,
        map.source
    )
}

/// The map the report reads percentiles from: this run's complexity map,
/// else the one mlprobe ships.
pub(crate) fn map_of(all: &[Input<'_>]) -> Calibration {
    all.iter()
        .find_map(|(exp, run)| {
            let map = run.complexity.as_ref()?;
            let inputs = run.units.first()?.inputs;
            let source = format!("the {} experiment of this run", exp.name);
            Calibration::of_experiment(exp, map, inputs, &source)
        })
        .unwrap_or_else(Calibration::shipped)
}

/// The section of a run that quantizes.
pub(crate) struct Compression;

impl Compression {
    /// Whether the run quantizes (it has the rows of a summary).
    pub(crate) fn quantizes(&self, (_, run): Input<'_>) -> bool {
        (run.units.first()).is_some_and(|u| u.rows.iter().any(|r| r.probe == mlprobe_quantize::NAME))
    }
}

impl Section for Compression {
    /// A model trained elsewhere has its summary at the top of the report instead.
    fn applies(&self, input: Input<'_>) -> bool {
        self.quantizes(input) && input.0.model.is_none()
    }

    fn render(&self, (exp, run): Input<'_>, ctx: &Context<'_, '_>, md: &mut Markdown) -> Rendered {
        let tol = ctx.report.tolerance;
        let map = map_of(ctx.all);
        let all: Vec<Summary> = (0..exp.tasks.len())
            .map(|t| summarize(exp, run, t, tol, &map))
            .collect();
        let reference = |t: &usize| ["easy", "hard"].contains(&exp.tasks[*t].label.as_str());
        let (named, pairs): (Vec<usize>, Vec<usize>) = (0..exp.tasks.len()).partition(reference);
        md.heading(2, &format!("From finding to decision: compression ({})", exp.name));
        let pick = |ts: &[usize]| ts.iter().map(|&t| all[t].clone()).collect::<Vec<_>>();
        md.table(&table(&pick(&named)));
        md.para(&legend(tol, &map, &prune_grid(run)));
        answers(exp, &all, &named, md);
        order_over_pairs(&all, &pairs, md);
        if !pairs.is_empty() {
            md.para("Every other task:");
            md.table(&table(&pick(&pairs)));
        }
        Ok(Vec::new())
    }
}

/// Does scaling close the hard tasks' gap, and how many bits do easy and
/// hard tasks need?
fn answers(exp: &Experiment, all: &[Summary], named: &[usize], md: &mut Markdown) {
    let mut lines = Vec::new();
    for &h in named.iter().filter(|&&t| exp.tasks[t].label == "hard") {
        let (tasks, h_spec) = (&exp.tasks, &exp.tasks[h]);
        let same = |e: &&usize| {
            let spec = &tasks[**e];
            spec.label == "easy" && spec.dataset == h_spec.dataset && spec.arm == h_spec.arm
        };
        let Some(&e) = named.iter().find(same) else { continue };
        let (easy, hard) = (&all[e], &all[h]);
        let change = |s: usize| match (hard.gaps[0], hard.gaps[s]) {
            (Some(u), Some(v)) => format!("{:+.1}", v - u),
            _ => "-".into(),
        };
        lines.push(format!(
            "{}: the hard task's gap is {} points unscaled; a scale per layer changes it by {} and one per channel by {} (the easy task's gaps: {} / {} / {}). Bits within tolerance, per layer: easy {}, hard {}; per channel: easy {}, hard {}.",
            [h_spec.dataset.clone(), h_spec.arm_label()].join(" ").trim_end(),
            num(hard.gaps[0], 1),
            change(1),
            change(2),
            num(easy.gaps[0], 1),
            num(easy.gaps[1], 1),
            num(easy.gaps[2], 1),
            bits_text(easy.bits[0]),
            bits_text(hard.bits[0]),
            bits_text(easy.bits[1]),
            bits_text(hard.bits[1]),
        ));
    }
    if lines.is_empty() {
        return;
    }
    md.para("Does a scale close the hard task's gap, or is it the signs? How many bits do the tasks need? (A positive factor shared by a ReLU layer's weights and biases would not move the arg-max at all; here the biases have a scale of their own, so a per-layer scale acts only through their balance with the weights, and a per-channel scale through the balance between neurons.)");
    for l in &lines {
        md.item(l);
    }
    md.raw("\n");
}

/// The Spearman correlation over the map pairs between the bits a pair
/// needs and its unscaled binarization gap.
fn order_over_pairs(all: &[Summary], pairs: &[usize], md: &mut Markdown) {
    for (s, scope) in ["per layer", "per channel"].iter().enumerate() {
        let both: Vec<(f64, f64)> = (pairs.iter())
            .filter_map(|&t| Some((all[t].bits[s]?, all[t].gaps[0]?)))
            .collect();
        let (x, y): (Vec<f64>, Vec<f64>) = both.iter().copied().unzip();
        let Some(rho) = spearman(&x, &y) else { continue };
        md.para(&format!(
            "Over the {} other tasks (the map pairs), Spearman correlation between the bits a task needs ({scope}) and its unscaled binarization gap: **{rho:.3}**; the bits needed (medians over seeds) range from {} to {}.",
            x.len(),
            bits_text(x.iter().copied().reduce(f64::min)),
            bits_text(x.iter().copied().reduce(f64::max)),
        ));
    }
}
