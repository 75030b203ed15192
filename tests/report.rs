//! The whole path of `cargo xtask reproduce` on a tiny configuration: every
//! probe, figures, REPORT.md, and resuming after a lost unit.

use std::path::Path;

use mlprobe_e2e::{options, report_context, tiny_all_probes};
use mlprobe_report::write_report;
use mlprobe_runner::{CSV_HEADER, run_experiment};

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn figure_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), read(&p)))
        .collect();
    files.sort();
    files
}

#[test]
fn tiny_reproduction_writes_csv_figures_and_report_and_resumes() {
    let exp = tiny_all_probes(2);
    let out = tempfile::tempdir().unwrap();
    let opts = options(out.path());
    let context = report_context();

    let run = run_experiment(&exp, &opts).unwrap();
    let report = write_report(out.path(), &[(&exp, &run)], &context).unwrap().path;

    // CSV schema: header, nine columns, known probes, accuracies in [0, 100].
    let csv = String::from_utf8(read(&run.dir.join("results.csv"))).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(CSV_HEADER));
    let per_unit = 1 + 1 + 3 * 3 * 2 + 3 * 2 + 2 + 7 * 2 + 2;
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2 * 2 * per_unit);
    for r in &rows {
        assert_eq!(r.len(), 9);
        assert!(
            [
                "none",
                "binarize",
                "prune",
                "noise",
                "flip",
                "randomize",
                "prune+randomize"
            ]
            .contains(&r[4]),
            "{r:?}"
        );
        assert!(["true", "false"].contains(&r[7]));
        let level: f64 = r[6].parse().unwrap();
        let acc: f64 = r[8].parse().unwrap();
        assert!(level >= 0.0 && (0.0..=100.0).contains(&acc), "{r:?}");
    }
    assert!(run.dir.join("resonance.json").exists());

    // Every figure is a real PNG with its SVG.
    let figures = figure_files(&out.path().join("figures"));
    let pngs: Vec<&(String, Vec<u8>)> = figures.iter().filter(|(n, _)| n.ends_with(".png")).collect();
    assert!(pngs.len() >= 8, "{} figures", pngs.len());
    for (name, bytes) in &pngs {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name}");
        let svg = String::from_utf8(read(&out.path().join("figures").join(name.replace(".png", ".svg")))).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{name}");
    }

    // REPORT.md names every claim and embeds every figure.
    let md = String::from_utf8(read(&report)).unwrap();
    for claim in mlprobe_report::claims::ALL.iter().map(|c| c.text) {
        assert!(md.contains(claim), "missing claim: {claim}");
    }
    for (name, _) in &pngs {
        assert!(md.contains(&format!("(figures/{name})")), "{name} not embedded");
    }

    // Lose one unit's results: the re-run recomputes it and every output,
    // figures included, comes out byte-identical.
    std::fs::remove_file(
        mlprobe_runner::Store::new(out.path()).unit_path(&exp, mlprobe_runner::UnitId { task: 1, seed: 0 }),
    )
    .unwrap();
    let again = run_experiment(&exp, &opts).unwrap();
    assert_eq!((again.computed_now, again.trained_now), (1, 0));
    write_report(out.path(), &[(&exp, &again)], &context).unwrap();
    assert!(
        read(&again.dir.join("results.csv")) == csv.as_bytes(),
        "results.csv differs"
    );
    // The set-up section holds wall times; everything from the claims on is the same.
    let claims_on = |text: &str| text[text.find("## The paper's claims").unwrap()..].to_string();
    let md_again = String::from_utf8(read(&report)).unwrap();
    assert!(claims_on(&md_again) == claims_on(&md), "REPORT.md differs");
    assert!(figure_files(&out.path().join("figures")) == figures, "figures differ");
}

#[test]
fn claims_on_part_of_the_figures_are_measured_or_not_measured_with_their_numbers() {
    use mlprobe_report::Verdict;
    let probes = r#"
[[probes]]
probe = "binarize"
[[probes]]
probe = "noise"
strategies = ["uniform"]
levels = [0.01, 0.05]
signed = [true]
[[probes]]
probe = "randomize"
strategies = ["B"]
"#;
    let exp =
        mlprobe_runner::Experiment::from_toml("partial", &mlprobe_e2e::tiny_toml(1, probes), Path::new("partial.toml"))
            .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = run_experiment(&exp, &options(out.path())).unwrap();
    let report = write_report(out.path(), &[(&exp, &run)], &report_context()).unwrap();
    let claim = |i: usize| &report.claims[i];
    // Resonance: measured for the noise that was run, with its numbers.
    assert_ne!(claim(3).verdict, Verdict::NotMeasured, "{:?}", claim(3));
    assert!(
        claim(3).measured.contains("uniform noise;") && claim(3).measured.contains("largest median gain"),
        "{}",
        claim(3).measured
    );
    assert!(!claim(3).measured.contains(": ."), "{}", claim(3).measured);
    // No pruning sweep, and only one kind of null model: not measured.
    for i in [1, 2, 4] {
        assert_eq!(claim(i).verdict, Verdict::NotMeasured, "{:?}", claim(i));
    }
    // Every verdict shows numbers or says what it needs; measured claims
    // show the numbers behind them in a table.
    for c in &report.claims {
        assert!(c.measured.len() > 20 && !c.measured.contains("()"), "{c:?}");
        assert_eq!(c.details.is_empty(), c.verdict == Verdict::NotMeasured, "{c:?}");
    }
    let md = std::fs::read_to_string(&report.path).unwrap();
    assert!(
        md.contains("### Claim 4: "),
        "the resonance claim's numbers have their table"
    );
}

/// Parses `toml` as experiment `name`.
fn experiment(name: &str, toml: &str) -> mlprobe_runner::Experiment {
    mlprobe_runner::Experiment::from_toml(name, toml, Path::new("test.toml")).unwrap()
}

#[test]
fn architectures_and_a_transformer_layer_by_layer_have_their_sections() {
    let arch_probes = "[[probes]]\nprobe = \"binarize\"\n[[probes]]\nprobe = \"binarize\"\nlayers = [\"first\"]\n\
        [[probes]]\nprobe = \"binarize\"\nlayers = [\"last\"]\n\
        [[probes]]\nprobe = \"prune\"\nstrategies = [\"smallest\"]\nlevels = [0, 0.5, 0.9]\nsigned = [false, true]\n\
        [[probes]]\nprobe = \"prune\"\nstrategies = [\"smallest\"]\nlevels = [0.9]\n\
        after = [{ probe = \"randomize\", strategies = [\"A\", \"B\", \"E\"] }]\n";
    let vit = "vit = { dim = 16, blocks = 2, ff = 32, epochs = 4, learning_rate = 0.003 }";
    let arch = mlprobe_e2e::tiny_toml(2, arch_probes)
        .replace(
            "hidden = [64]",
            &format!("architecture = [\"mlp\", \"cnn\", \"vit\"]\nhidden = [16]\nconv = {{ channels = [4, 8], kernel = 5, epochs = 1 }}\n{vit}"),
        )
        .replace("epochs = 75", "epochs = 5");
    let mut layer_probes = String::new();
    for m in ["pos_embed", "blocks.1.ff2"] {
        let cka = "cka = [\"blocks.0.ff2\", \"blocks.1.ff2\"]";
        layer_probes += &format!(
            "[[probes]]\nprobe = \"noise\"\nstrategies = [\"gaussian\"]\nlevels = [0, 0.5]\nsigned = [false, true]\nlayers = [\"{m}\"]\n{cka}\n\
             [[probes]]\nprobe = \"flip\"\nstrategies = [\"smallest\"]\nlevels = [0.5]\nlayers = [\"{m}\"]\n{cka}\n\
             [[probes]]\nprobe = \"prune\"\nstrategies = [\"smallest\"]\nlevels = [0.001]\nlayers = [\"{m}\"]\n\
             after = [{{ probe = \"randomize\", strategies = [\"A\", \"B\"] }}]\n{cka}\n"
        );
    }
    let layers =
        mlprobe_e2e::tiny_toml(2, &layer_probes).replace("hidden = [64]", &format!("architecture = \"vit\"\n{vit}"));
    let (arch, layers) = (experiment("architectures", &arch), experiment("transformer", &layers));
    let out = tempfile::tempdir().unwrap();
    let opts = options(out.path());
    let runs = [
        run_experiment(&arch, &opts).unwrap(),
        run_experiment(&layers, &opts).unwrap(),
    ];
    let inputs = [(&arch, &runs[0]), (&layers, &runs[1])];
    let report = write_report(out.path(), &inputs, &report_context()).unwrap().path;
    let md = String::from_utf8(read(&report)).unwrap();
    for text in [
        "## Beyond MLPs: the gap by architecture (architectures)",
        "| vit | mnist hard 7-9 | vit 2x16 7x7 |",
        "cnn on mnist: easy gap",
        "Null models after pruning the smallest 90 %",
        "## The gap layer by layer (architectures)",
        "## A transformer layer by layer (transformer)",
        "| `pos_embed` | positional embeddings: 0.000, 0.392, 0.810 |",
        "| `blocks.1.ff2` | block 5 ffn.lin2: 0.881, 0.753, 0.886 |",
        "mnist hard 7-9: binarizing one matrix costs a median",
        "`blocks.1.ff2` binarized",
    ] {
        assert!(md.contains(text), "REPORT.md lacks {text:?}:\n{md}");
    }
    // The trained network is itself: CKA 1 at no noise is not a row, but
    // binarizing a matrix changes the representation after it.
    let cka = runs[1].units[0]
        .measures
        .iter()
        .find(|(n, _)| n == "noise/gaussian:blocks.1.ff2/0/true cka[blocks.0.ff2]")
        .unwrap()
        .1;
    assert!(
        (cka - 1.0).abs() < 1e-9,
        "a matrix after block 0 leaves block 0's output alone: {cka}"
    );
    let figures = figure_files(&out.path().join("figures"));
    for (name, _) in figures.iter().filter(|(n, _)| n.ends_with(".png")) {
        assert!(md.contains(&format!("(figures/{name})")), "{name} not embedded");
    }
    let names: Vec<&String> = figures.iter().map(|(n, _)| n).collect();
    for stem in [
        "architectures-mnist_cnn-prune",
        "transformer-mnist_hard_7-9-noise-gaussian__one_matrix__cka",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(stem)),
            "no figure {stem}*: {names:?}"
        );
    }
}

#[test]
fn the_reference_comparison_sets_both_evaluations_and_statistics_side_by_side() {
    let probes = "[[probes]]\nprobe = \"flip\"\nstrategies = [\"smallest\", \"random\", \"largest\"]\nlevels = [0, 0.3, 0.45, 0.6]\n\
        [[probes]]\nprobe = \"prune\"\nstrategies = [\"smallest\"]\nlevels = [0, 0.5]\n";
    let toml = mlprobe_e2e::tiny_toml(3, probes)
        .replace("activation = \"relu\"", "activation = \"tanh\"")
        .replace("epochs = 75", "epochs = 5")
        .replace(
            "[runs]",
            "[evaluation]\nbiases = [\"trained\", \"fresh\"]\nactivation = [\"trained\", \"relu\"]\n[runs]",
        )
        .replace(
            "quick_seeds = 1",
            "quick_seeds = 1\nstatistics = [\"trained\", \"all\"]",
        );
    let exp = experiment("reference-compat", &toml);
    let out = tempfile::tempdir().unwrap();
    let run = run_experiment(&exp, &options(out.path())).unwrap();
    assert_eq!(run.experiment.tasks.len(), 2 * 4 * 2);
    let report = write_report(out.path(), &[(&run.experiment, &run)], &report_context())
        .unwrap()
        .path;
    let md = String::from_utf8(read(&report)).unwrap();
    for text in [
        "## The paper's flip and pruning panels: mlprobe's choices and the reference's (reference-compat)",
        "| mnist hard 7-9 | 3 |",
        "the grid's levels nearest 0.3, 0.45, 0.6",
        "| mlprobe's (trained biases, training activation) | trained |",
        "| the reference's (fresh biases, relu) | all |",
        "trained + failed 1/3",
        "At q = 0.60, against the paper's ~50 %",
        "mnist prune smallest: mlprobe (solid",
    ] {
        assert!(md.contains(text), "missing {text:?} in\n{md}");
    }
    let figures = out.path().join("figures");
    assert!(
        figures
            .join("reference-compat_mlprobe_vs_reference-mnist-flip-random.png")
            .is_file()
    );
}
