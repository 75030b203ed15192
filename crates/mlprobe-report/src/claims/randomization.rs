//! Claim 5: null models that keep the sign structure keep more accuracy.

use mlprobe_randomize::NullModel;

use super::reading::{Input, find, median, pairs};
use super::{Claim, Finding, RowKey, Verdict};
use crate::markdown::{Table, num};

/// The null models that keep every weight's sign where it is (Figs. 2-3).
const SIGN_KEEPING: [NullModel; 3] = [NullModel::B, NullModel::E, NullModel::F];

/// Those that do not.
const SIGN_LOSING: [NullModel; 3] = [NullModel::A, NullModel::C, NullModel::D];

/// "Much more accuracy": the sign-keeping mean at least this many points higher.
const MARGIN: f64 = 10.0;

const RANDOMIZED: RowKey = RowKey::of(mlprobe_randomize::NAME).signed(false);

/// Sign-keeping randomizations keep more accuracy, most clearly for easy tasks.
pub(super) const RANDOMIZATION: Claim = Claim {
    text: "Randomizations that keep the sign structure (B, E, F) keep much more accuracy than those that do not (A, C, D), most clearly for easy tasks.",
    needs: &[RANDOMIZED],
    judge,
};

/// The full-precision median of one null model.
fn of(run: &mlprobe_runner::ExperimentRun, t: usize, m: NullModel) -> Option<f64> {
    median(
        run,
        t,
        RowKey {
            strategy: Some(m.name()),
            ..RANDOMIZED
        },
    )
}

/// The mean of the medians of the models that were run (and had a trained seed).
fn mean(run: &mlprobe_runner::ExperimentRun, t: usize, models: &[NullModel]) -> Option<f64> {
    let v: Vec<f64> = models.iter().filter_map(|&m| of(run, t, m)).collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn judge(inputs: &[Input<'_>]) -> Finding {
    let Some((exp, run)) = find(inputs, RANDOMIZED) else {
        return Finding::not_measured("needs easy and hard tasks with a randomize probe");
    };
    let mut header = vec!["dataset".to_string(), "task".to_string()];
    header.extend(NullModel::ALL.iter().map(|m| format!("{m} %")));
    header.extend(["B/E/F mean".to_string(), "A/C/D mean".to_string()]);
    let mut details = Table::new(header);
    let mut words = Vec::new();
    let (mut all_more, mut easy_clearer) = (true, true);
    for p in pairs(exp) {
        let mut diff = [0.0; 2];
        for (k, t) in [p.easy, p.hard].into_iter().enumerate() {
            let (Some(keep), Some(lose)) = (mean(run, t, &SIGN_KEEPING), mean(run, t, &SIGN_LOSING)) else {
                return Finding::not_measured(
                    "needs full-precision null models of both kinds, one of B, E, F and one of A, C, D",
                );
            };
            diff[k] = keep - lose;
            all_more &= keep >= lose + MARGIN;
            let mut cells = vec![p.dataset.clone(), exp.tasks[t].label.clone()];
            cells.extend(NullModel::ALL.iter().map(|&m| num(of(run, t, m), 1)));
            cells.extend([format!("{keep:.1}"), format!("{lose:.1}")]);
            details.row(cells);
            words.push(format!("{} {} {keep:.1} vs {lose:.1}", p.dataset, exp.tasks[t].label));
        }
        easy_clearer &= diff[0] > diff[1];
    }
    let mut measured = format!(
        "{}, full precision, mean of the medians of B/E/F vs A/C/D (%): {}.",
        exp.name,
        words.join("; ")
    );
    if !easy_clearer {
        measured += " The B/E/F advantage is not larger for the easy task on every dataset.";
    }
    Finding {
        verdict: Verdict::of_two(all_more, easy_clearer),
        measured,
        details,
    }
}
