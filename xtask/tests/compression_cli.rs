//! The compression summary of `cargo xtask probe` and `cargo xtask
//! difficulty`, as a user runs them: numbers where they belong, and a clear
//! error for every bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_probed_model_leads_its_report_with_the_compression_summary() {
    let dir = tempfile::tempdir().unwrap();
    let model = root().join("tests/fixtures/pytorch/mlp-784-32-16-2.safetensors");
    let out = dir.path().join("out");
    let args = [
        "probe",
        "--model",
        model.to_str().unwrap(),
        "--activation",
        "relu",
        "--dataset",
        "mnist",
        "--classes",
        "7,9",
        "--experiment",
        "compression",
        "--quick",
        "--tolerance",
        "2.5",
        "--out",
        out.to_str().unwrap(),
    ];
    let run = xtask(&args);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    let lead = report.find("## Compression summary").expect("a summary");
    let figures = report.find("## Figures").expect("figures");
    let headings: Vec<&str> = report[..lead].lines().filter(|l| l.starts_with("## ")).collect();
    assert!(
        lead < figures && headings.len() <= 1,
        "the summary leads, after the set-up: {headings:?}"
    );
    assert!(report.contains("Within 2.5 point(s) of full accuracy"), "{report}");
    assert!(report.contains("one model does not judge them"), "{report}");
    assert!(!report.contains("The paper's claims, measured"), "{report}");
    let row = report[lead..]
        .lines()
        .find(|l| l.starts_with("| mnist"))
        .expect("a row for the model");
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    // After the task: full, prunable, bits x2, gaps x3, percentile, every one a number.
    assert!(cells[2..10].iter().all(|c| *c != "-" && !c.is_empty()), "{row}");
    let results = std::fs::read_to_string(out.join("compression/results.csv")).unwrap();
    assert!(results.contains(",quantize,channel,8,false,"), "the quantize rows");
    assert!(
        results.contains(",binarize,layer,0,true,"),
        "the scaled binarization rows"
    );

    let bad = xtask(&[&args[..13], &["2.5x"], &args[14..]].concat());
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("tolerance `2.5x` is not a number"),
        "{}",
        text(&bad.stderr)
    );
    let bad = xtask(&[&args[..13], &["150"], &args[14..]].concat());
    assert!(
        text(&bad.stderr).contains("tolerance 150 is out of range"),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn difficulty_estimates_a_gap_and_names_bad_input() {
    let run = xtask(&[
        "difficulty",
        "--dataset",
        "mnist",
        "--classes",
        "7,9",
        "--ssim-pairs",
        "300",
    ]);
    let stdout = text(&run.stdout);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        stdout.contains("mnist 7 vs 9: mean SSIM distance between the classes"),
        "{stdout}"
    );
    assert!(stdout.contains("estimated binarization gap:"), "{stdout}");
    assert!(stdout.contains("leave-one-out RMSE over 45 pairs"), "{stdout}");

    for (args, words) in [
        (vec!["--dataset", "mnist", "--classes", "7"], "give two classes"),
        (
            vec!["--dataset", "mnist", "--classes", "7,7"],
            "the two classes are the same",
        ),
        (
            vec!["--dataset", "mnist", "--classes", "7,12"],
            "class 12 is not in the data",
        ),
        (
            vec!["--dataset", "mnist", "--classes", "7,9", "--ssim-pairs", "5"],
            "--ssim-pairs",
        ),
    ] {
        let run = xtask(&[&["difficulty"][..], &args].concat());
        assert!(!run.status.success(), "{args:?}");
        assert!(text(&run.stderr).contains(words), "{args:?}: {}", text(&run.stderr));
    }
}

#[test]
fn difficulty_refuses_data_that_are_not_images() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flat.npz");
    let x: Vec<f32> = (0..40 * 10).map(|i| (i % 7) as f32).collect();
    let y: Vec<i64> = (0..40).map(|i| i % 2).collect();
    use npyz::WriterBuilder;
    let mut npz = npyz::npz::NpzWriter::create(&path).unwrap();
    let mut w = (npz.array::<f32>("x_test", Default::default()).unwrap())
        .default_dtype()
        .shape(&[40, 10])
        .begin_nd()
        .unwrap();
    w.extend(x).unwrap();
    w.finish().unwrap();
    let mut w = (npz.array::<i64>("y_test", Default::default()).unwrap())
        .default_dtype()
        .shape(&[40])
        .begin_nd()
        .unwrap();
    w.extend(y).unwrap();
    w.finish().unwrap();
    drop(npz);
    let run = xtask(&["difficulty", "--data-npz", path.to_str().unwrap(), "--classes", "0,1"]);
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("SSIM needs images, and x_test's 10 features are not a square image"),
        "{}",
        text(&run.stderr)
    );
}
