//! A 3-pair complexity map and a small synthetic difficulty curve, end to end.

use std::path::Path;

use mlprobe_e2e::{options, report_context, tiny_toml};
use mlprobe_report::write_report;
use mlprobe_runner::{Experiment, run_experiment};

#[test]
fn mini_map_of_three_pairs() {
    let toml = tiny_toml(1, "[[probes]]\nprobe = \"binarize\"\n[[probes]]\nprobe = \"randomize\"\nstrategies = [\"B\"]\n")
        .replace(
            "[[tasks]]\nlabel = \"easy\"\ndataset = \"mnist\"\nclasses = [0, 7]\n[[tasks]]\nlabel = \"hard\"\ndataset = \"mnist\"\nclasses = [7, 9]\n",
            "[[tasks]]\nlabel = \"pair\"\ndataset = \"mnist\"\nclasses = [0, 1, 7]\npairs = true\n",
        )
        + "[map]\nssim_pairs = 300\nssim_seed = 1\n";
    let exp = Experiment::from_toml("mini-map", &toml, Path::new("mini-map.toml")).unwrap();
    let labels: Vec<&str> = exp.tasks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["pair-0-1", "pair-0-7", "pair-1-7"]);

    let out = tempfile::tempdir().unwrap();
    let run = run_experiment(&exp, &options(out.path())).unwrap();
    let map = run.complexity.as_ref().expect("a [map] experiment has a map");

    let csv = std::fs::read_to_string(run.dir.join("complexity_map.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "pair,full,binarized,gap_binarized,shuffled,gap_shuffled,failed_runs,ssim_distance"
    );
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with("0-1,"));
    for p in &map.pairs {
        let (full, bin, gap) = (p.full.unwrap(), p.binarized.unwrap(), p.gap_binarized.unwrap());
        assert!(full > 95.0, "{p:?}");
        assert!((full - bin - gap).abs() < 1e-9, "one seed: the gap is full - binarized");
        assert!(p.ssim_distance > 0.0 && p.ssim_distance < 1.5);
    }
    // The SSIM matrix is symmetric over all ten digits, and images of one
    // digit are closer to each other than to another digit's, on average.
    let k = map.classes.len();
    assert_eq!(k, 10);
    for a in 0..k {
        for b in 0..k {
            assert_eq!(map.ssim_distance[a * k + b], map.ssim_distance[b * k + a]);
        }
        let within = map.ssim_distance[a * k + a];
        let between = (0..k)
            .filter(|&b| b != a)
            .map(|b| map.ssim_distance[a * k + b])
            .sum::<f64>()
            / 9.0;
        assert!(within < between, "digit {a}: within {within} vs between {between}");
    }
    assert!(map.spearman_ssim_gap_binarized.is_some());

    let report = write_report(out.path(), &[(&exp, &run)], &report_context())
        .unwrap()
        .path;
    let md = std::fs::read_to_string(report).unwrap();
    assert!(
        md.contains("## Complexity map (mini-map)") && md.contains("| 1-7 |"),
        "{md}"
    );
    for f in [
        "mini-map-gap-binarized.png",
        "mini-map-ssim-distance.svg",
        "mini-map-gap-vs-ssim.png",
    ] {
        assert!(out.path().join("figures").join(f).exists(), "{f}");
    }
}

#[test]
fn synthetic_difficulty_curve() {
    let toml = tiny_toml(2, "[[probes]]\nprobe = \"binarize\"\n")
        .replace(
            "[[tasks]]\nlabel = \"easy\"\ndataset = \"mnist\"\nclasses = [0, 7]\n[[tasks]]\nlabel = \"hard\"\ndataset = \"mnist\"\nclasses = [7, 9]\n",
            "[[tasks]]\nlabel = \"sep\"\ndataset = \"synthetic\"\nsynthetic = { separations = [1.0, 6.0], dim = 64, n_train = 400, n_test = 400 }\n",
        )
        .replace("epochs = 75", "epochs = 20")
        .replace("quick_seeds = 1", "quick_seeds = 1\nfailed_below = 0.0");
    let exp = Experiment::from_toml("synthetic", &toml, Path::new("synthetic.toml")).unwrap();
    assert_eq!(
        exp.tasks.iter().map(|t| t.knob.unwrap()).collect::<Vec<_>>(),
        [1.0, 6.0]
    );
    let out = tempfile::tempdir().unwrap();
    let run = run_experiment(&exp, &options(out.path())).unwrap();
    let full = |label: &str| run.summary.results["synthetic"][label].full.unwrap().median;
    assert!(
        full("sep-6") > 95.0 && full("sep-1") < 80.0,
        "{} {}",
        full("sep-6"),
        full("sep-1")
    );
    let md = std::fs::read_to_string(
        write_report(out.path(), &[(&exp, &run)], &report_context())
            .unwrap()
            .path,
    )
    .unwrap();
    assert!(md.contains("## Synthetic difficulty curve (synthetic)"), "{md}");
    assert!(md.contains("| 6 |"));
}
