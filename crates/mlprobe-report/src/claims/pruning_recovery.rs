//! Claim 2: pruning the smallest weights of a binarized easy network
//! recovers its accuracy (Fig. 1, tanh, MNIST).

use super::binarization::CHANCE_CEILING;
use super::reading::{Input, best, curve, find, pairs};
use super::{Claim, Finding, RowKey, Verdict};
use crate::markdown::{Table, num};

/// "Recovers to ~98 %": a peak of at least this median accuracy (%).
const RECOVERED: f64 = 95.0;

/// Where the peak may lie: the paper's 35-45 % of weights pruned, widened
/// by a grid step on either side.
const PEAK_WINDOW: std::ops::RangeInclusive<f64> = 0.3..=0.6;

/// The paper's window itself, whose levels are quoted.
const PAPER_WINDOW: std::ops::RangeInclusive<f64> = 0.35..=0.45;

/// "Stays near chance": at or below chance on at least this share of the grid.
const NEAR_CHANCE_SHARE: f64 = 0.7;

/// A partial verdict needs the easy peak this many points above the hard one.
const PEAK_MARGIN: f64 = 10.0;

const SIGNED_SMALLEST: RowKey = RowKey::of(mlprobe_prune::NAME)
    .strategy(mlprobe_graph::Selection::Smallest.name())
    .signed(true);

/// The binarized easy network recovers once its smallest weights are pruned.
pub(super) const PRUNING_RECOVERY: Claim = Claim {
    text: "Fig. 1 (tanh, MNIST): the binarized easy network recovers to ~98 % once 35-45 % of its smallest weights are pruned; the binarized hard network stays near chance except in narrow windows of p.",
    needs: &[SIGNED_SMALLEST],
    judge,
};

fn judge(inputs: &[Input<'_>]) -> Finding {
    let Some((exp, run)) = find(inputs, SIGNED_SMALLEST) else {
        return Finding::not_measured("needs easy and hard tasks with a signed prune sweep");
    };
    let Some(p) = pairs(exp).into_iter().find(|p| p.dataset == "mnist") else {
        return Finding::not_measured("needs MNIST easy and hard tasks");
    };
    let easy = curve(run, p.easy, SIGNED_SMALLEST);
    let hard = curve(run, p.hard, SIGNED_SMALLEST);
    let (Some((pe, ae)), Some((ph, ah))) = (best(&easy), best(&hard)) else {
        return Finding::not_measured("no trained seed of a task");
    };
    let near_chance = hard.iter().filter(|(_, a)| *a <= CHANCE_CEILING).count() as f64 / hard.len() as f64;
    let verdict = if ae >= RECOVERED && PEAK_WINDOW.contains(&pe) && near_chance >= NEAR_CHANCE_SHARE {
        Verdict::Supported
    } else if ae >= ah + PEAK_MARGIN {
        Verdict::Partly
    } else {
        Verdict::NotSupported
    };
    let mut details = Table::new(["task", "at p = 0 %", "peak %", "peak at p", "grid share <= chance"]);
    for (label, c, (at, peak)) in [("easy 0-7", &easy, (pe, ae)), ("hard 7-9", &hard, (ph, ah))] {
        let share = c.iter().filter(|(_, a)| *a <= CHANCE_CEILING).count() as f64 / c.len() as f64;
        details.row([
            label.to_string(),
            num(c.first().map(|x| x.1), 1),
            format!("{peak:.1}"),
            at.to_string(),
            format!("{:.0} %", 100.0 * share),
        ]);
    }
    let window: Vec<String> = easy
        .iter()
        .filter(|(p, _)| PAPER_WINDOW.contains(p))
        .map(|(p, a)| format!("{a:.1} % at p={p}"))
        .collect();
    Finding {
        verdict,
        measured: format!(
            "{} ({}), binarized after pruning the smallest: easy peaks at {ae:.1} % (p={pe}; {}); hard peaks at {ah:.1} % (p={ph}) and is at chance on {:.0} % of the grid.",
            exp.name,
            exp.tasks[p.easy].training.activation,
            if window.is_empty() {
                "no grid point in 0.35-0.45".to_string()
            } else {
                window.join(", ")
            },
            100.0 * near_chance
        ),
        details,
    }
}
