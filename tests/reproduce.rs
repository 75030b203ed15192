//! The experiment runner end to end: outputs, resume, thread-count independence.

use std::path::Path;

use mlprobe_e2e::{options, tiny_experiment};
use mlprobe_runner::{CSV_HEADER, run_experiment};

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn run_writes_contract_outputs_resumes_and_ignores_thread_count() {
    let exp = tiny_experiment(2);
    let out = tempfile::tempdir().unwrap();
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();

    let first = pool(2).install(|| run_experiment(&exp, &options(out.path()))).unwrap();
    assert_eq!(first.trained_now, 4);
    let csv = String::from_utf8(read(&first.dir.join("results.csv"))).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(CSV_HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2 * 2 * 2, "2 tasks x 2 seeds x (full, binarized)");
    assert!(rows.iter().all(|r| r.len() == 9));
    assert_eq!(
        rows[0][..8],
        ["mnist", "easy", "0-7", "0", "none", "none", "0", "false"]
    );
    assert_eq!(
        rows[1][..8],
        ["mnist", "easy", "0-7", "0", "binarize", "none", "0", "true"]
    );
    assert_eq!(rows[7][..4], ["mnist", "hard", "7-9", "1"]);

    // The headline, on two seeds: the hard task loses more to binarization.
    let summary = &first.summary.results["mnist"];
    let (easy, hard) = (&summary["easy"], &summary["hard"]);
    assert_eq!(easy.runs, 2);
    assert!(easy.full.unwrap().median > 97.0);
    assert!(hard.gap.unwrap().median > easy.gap.unwrap().median + 10.0);
    let json = String::from_utf8(read(&first.dir.join("summary.json"))).unwrap();
    assert!(json.contains("\"gap\"") && json.contains("\"hard\""));

    // A second run computes nothing and writes the same bytes.
    let again = run_experiment(&exp, &options(out.path())).unwrap();
    assert_eq!((again.computed_now, again.trained_now), (0, 0));
    assert_eq!(read(&again.dir.join("results.csv")), csv.as_bytes());

    // Losing one unit's results re-evaluates just that unit from its cached
    // model; losing its model too retrains it; both to the same bytes.
    let unit = mlprobe_runner::Store::new(out.path()).unit_path(&exp, mlprobe_runner::UnitId { task: 1, seed: 1 });
    std::fs::remove_file(&unit).unwrap();
    let resumed = run_experiment(&exp, &options(out.path())).unwrap();
    assert_eq!((resumed.computed_now, resumed.trained_now), (1, 0));
    assert_eq!(read(&resumed.dir.join("results.csv")), csv.as_bytes());
    std::fs::remove_file(&unit).unwrap();
    std::fs::remove_file(mlprobe_runner::Store::new(out.path()).model_path(&exp.tasks[1], 1)).unwrap();
    let retrained = run_experiment(&exp, &options(out.path())).unwrap();
    assert_eq!((retrained.computed_now, retrained.trained_now), (1, 1));
    assert_eq!(read(&retrained.dir.join("results.csv")), csv.as_bytes());

    // One thread, fresh cache: bit-identical results.
    let single = tempfile::tempdir().unwrap();
    let one = pool(1)
        .install(|| run_experiment(&exp, &options(single.path())))
        .unwrap();
    assert_eq!(one.trained_now, 4);
    assert_eq!(read(&one.dir.join("results.csv")), csv.as_bytes());
    assert_eq!(read(&one.dir.join("summary.json")), json.as_bytes());
}

#[test]
fn a_class_missing_from_the_data_is_a_clear_error_and_keeps_earlier_results() {
    let out = tempfile::tempdir().unwrap();
    let exp = tiny_experiment(1);
    let mut bad = exp.clone();
    bad.tasks[1].classes = vec![7, 11];
    let err = mlprobe_runner::error_chain(&run_experiment(&bad, &options(out.path())).unwrap_err());
    assert!(err.contains("class 11 is not in dataset mnist"), "{err}");
    assert!(!out.path().join("tiny").exists(), "nothing half-written");
}

#[test]
fn a_list_of_statistics_re_summarises_a_finished_run_without_evaluating() {
    let out = tempfile::tempdir().unwrap();
    let exp = tiny_experiment(2);
    let first = run_experiment(&exp, &options(out.path())).unwrap();
    let csv = read(&first.dir.join("results.csv"));
    // A threshold most hard runs miss, so that the two statistics differ.
    let toml = mlprobe_e2e::tiny_toml(2, "[[probes]]\nprobe = \"binarize\"\n").replace(
        "quick_seeds = 1",
        "quick_seeds = 1\nfailed_below = 98.5\nstatistics = [\"trained\", \"all\"]",
    );
    let both = mlprobe_runner::Experiment::from_toml("tiny", &toml, Path::new("tiny.toml")).unwrap();
    let run = run_experiment(&both, &options(out.path())).unwrap();
    assert_eq!((run.computed_now, run.trained_now, run.evaluated), (0, 0, 4));
    assert_eq!(read(&run.dir.join("results.csv")), csv, "the rows do not change");
    assert_eq!(run.experiment.tasks.len(), 4);
    let hard = &run.summary.results["mnist"];
    let (trained, all) = (&hard["hard statistics=trained"], &hard["hard statistics=all"]);
    assert_eq!((trained.runs, trained.failed), (all.runs, all.failed));
    assert_eq!(trained.full.map_or(0, |q| q.n), trained.trained);
    assert_eq!(all.full.unwrap().n, 2, "all runs count, failed ones included");
    let medians = String::from_utf8(read(&run.dir.join("medians.csv"))).unwrap();
    assert!(
        medians.lines().next().unwrap().contains("mnist/hard statistics=all"),
        "{medians}"
    );
}
