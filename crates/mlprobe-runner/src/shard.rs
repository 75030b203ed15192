//! Splitting a run into shards for several machines sharing one output
//! folder (e.g. the tasks of a SLURM job array).
//!
//! The units of a run - every (experiment, task, seed) - are grouped by the
//! model they use (its cache key and seed), and the groups are dealt to the
//! shards in turn, in run order. The partition depends only on the
//! experiments and the shard count: not on threads, machines, or which other
//! shards run. A model is trained by the one shard that owns its group, so
//! shards never train the same model; their unit files are disjoint, and a
//! run without `--shard` over the shared folder assembles the outputs.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::config::{Experiment, UnitId};
use crate::store::ModelKey;

/// Shard `index` of `count` (1-based), written `K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, 1 ..= `count`.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

/// A shard that is not `K/N` with 1 <= K <= N.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not two positive integers around a `/`.
    #[error("`{0}` is not a shard: expected K/N, e.g. 1/4")]
    Format(String),
    /// N = 0.
    #[error("`{0}`: the number of shards must be at least 1")]
    NoShards(String),
    /// K outside 1 ..= N.
    #[error("`{given}`: shards are numbered 1 to {count}")]
    OutOfRange {
        /// What was given.
        given: String,
        /// N.
        count: usize,
    },
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (k, n) = s.split_once('/').ok_or_else(|| ShardError::Format(s.to_string()))?;
        let parse = |v: &str| v.trim().parse::<usize>().map_err(|_| ShardError::Format(s.to_string()));
        let (index, count) = (parse(k)?, parse(n)?);
        if count == 0 {
            return Err(ShardError::NoShards(s.to_string()));
        }
        if index == 0 || index > count {
            return Err(ShardError::OutOfRange {
                given: s.to_string(),
                count,
            });
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// One unit of a run: an experiment (index into the run's list) and a
/// unit of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnitRef {
    /// Index of the experiment in the run.
    pub experiment: usize,
    /// The unit of that experiment.
    pub unit: UnitId,
}

/// Every unit of a run of `experiments` (`quick`, `seeds` per task
/// overriding the files), in run order, with the shard (1 ..= `count`) it
/// belongs to.
pub fn partition(experiments: &[Experiment], quick: bool, seeds: Option<usize>, count: usize) -> Vec<(UnitRef, usize)> {
    let count = count.max(1);
    let mut groups: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (e, exp) in experiments.iter().enumerate() {
        let seed_list = exp.seed_list(quick, seeds);
        for (t, spec) in exp.tasks.iter().enumerate() {
            let model = match &exp.model {
                Some(given) => format!("given:{}:{e}:{t}", given.hash),
                None => ModelKey::of(spec).hash(),
            };
            for &seed in &seed_list {
                let next = groups.len();
                let group = *groups.entry(format!("{model}#{seed}")).or_insert(next);
                out.push((
                    UnitRef {
                        experiment: e,
                        unit: UnitId { task: t, seed },
                    },
                    group % count + 1,
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn experiment(name: &str, probes: &str) -> Experiment {
        let text = format!(
            "[training]\nhidden = [8]\nactivation = \"relu\"\nepochs = [1, 2]\nbatch_size = 64\nlearning_rate = 0.01\n\
             [runs]\nseeds = 5\nquick_seeds = 1\n\
             [[tasks]]\nlabel = \"pair\"\ndataset = \"mnist\"\nclasses = [0, 1, 2]\npairs = true\n{probes}"
        );
        Experiment::from_toml(name, &text, Path::new("t.toml")).unwrap()
    }

    #[test]
    fn every_unit_is_in_one_shard_with_the_others_of_its_model() {
        // Two experiments training alike (so sharing every model): 2 x 3 pairs x 2 budgets x 5 seeds.
        let runs = [
            experiment("a", "[[probes]]\nprobe = \"binarize\""),
            experiment("b", "[[probes]]\nprobe = \"flip\"\nlevels = [0.1]"),
        ];
        let all = partition(&runs, false, None, 1);
        assert_eq!(all.len(), 2 * 3 * 2 * 5);
        assert!(all.iter().all(|(_, k)| *k == 1));
        for n in 1..=7 {
            let shards = partition(&runs, false, None, n);
            // The same units in the same order, each in one shard of 1..=n.
            assert_eq!(
                shards.iter().map(|(u, _)| *u).collect::<Vec<_>>(),
                all.iter().map(|(u, _)| *u).collect::<Vec<_>>()
            );
            assert!(shards.iter().all(|(_, k)| (1..=n).contains(k)));
            for k in 1..=n {
                assert!(shards.iter().any(|(_, s)| *s == k), "shard {k}/{n} is empty");
            }
            // A model's units (same task and seed in both experiments) share a shard.
            for (u, k) in &shards {
                let twin = shards
                    .iter()
                    .find(|(v, _)| v.experiment != u.experiment && v.unit == u.unit)
                    .unwrap();
                assert_eq!(twin.1, *k);
            }
            // The same experiments give the same split.
            assert_eq!(partition(&runs, false, None, n), shards);
        }
    }

    #[test]
    fn shards_parse_and_refuse_nonsense() {
        assert_eq!("2/5".parse::<Shard>(), Ok(Shard { index: 2, count: 5 }));
        assert_eq!(Shard { index: 2, count: 5 }.to_string(), "2/5");
        for (given, says) in [
            ("0/2", "numbered 1 to 2"),
            ("3/2", "numbered 1 to 2"),
            ("1/0", "at least 1"),
            ("1", "expected K/N"),
            ("a/2", "expected K/N"),
            ("-1/2", "expected K/N"),
        ] {
            let err = given.parse::<Shard>().unwrap_err().to_string();
            assert!(err.contains(says), "{given}: {err}");
        }
    }
}
