//! Claim 1: binarization collapses a hard-task model, not an easy one.

use super::reading::{Input, find, full, median, pairs};
use super::{Claim, Finding, RowKey, Verdict};
use crate::markdown::{Table, num};

/// A binarized binary classifier at or below this accuracy (%) is at chance:
/// 50 % plus room for the spread of a 400-image test set.
pub(super) const CHANCE_CEILING: f64 = 60.0;

/// The easy task keeps "most of its accuracy" when its binarized median is
/// at least this many points above the hard task's.
const KEEPS_MARGIN: f64 = 10.0;

const BINARIZED: RowKey = RowKey::of(mlprobe_binarize::NAME).strategy(mlprobe_binarize::UNSCALED);

/// Binarizing a hard-task model collapses it; an easy-task model keeps most.
pub(super) const BINARIZATION: Claim = Claim {
    text: "Binarizing a hard-task model collapses accuracy to chance (~50 %); an easy-task model keeps most of its accuracy.",
    needs: &[BINARIZED],
    judge,
};

fn judge(inputs: &[Input<'_>]) -> Finding {
    let Some((exp, run)) = find(inputs, BINARIZED) else {
        return Finding::not_measured("needs easy and hard tasks of a dataset with a binarize probe");
    };
    let mut details = Table::new(["dataset", "task", "classes", "full %", "binarized %"]);
    let mut words = Vec::new();
    let (mut collapse, mut keeps) = (true, true);
    for p in pairs(exp) {
        let (be, bh) = (median(run, p.easy, BINARIZED), median(run, p.hard, BINARIZED));
        collapse &= bh.is_some_and(|b| b <= CHANCE_CEILING);
        keeps &= matches!((be, bh), (Some(a), Some(b)) if a >= b + KEEPS_MARGIN);
        for t in [p.easy, p.hard] {
            let spec = &exp.tasks[t];
            details.row([
                p.dataset.clone(),
                spec.label.clone(),
                spec.classes_label(),
                num(full(run, t), 1),
                num(median(run, t, BINARIZED), 1),
            ]);
        }
        words.push(format!(
            "{}: hard {} {} % vs easy {} {} %",
            p.dataset,
            exp.tasks[p.hard].classes_label(),
            num(bh, 1),
            exp.tasks[p.easy].classes_label(),
            num(be, 1)
        ));
    }
    let mut measured = format!("Binarized medians ({}): {}.", exp.name, words.join("; "));
    if !collapse {
        measured += &format!(" Not every hard task falls to chance (<= {CHANCE_CEILING} %).");
    }
    Finding {
        verdict: Verdict::of_two(collapse, keeps),
        measured,
        details,
    }
}
