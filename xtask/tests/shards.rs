//! Sharded runs on the real command: shards running at the same time into
//! one folder, a shard killed mid-way, a folder a shard did not finish, and
//! bad `--shard` values. Every assembled output must equal a single run's
//! bytes.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::EXPERIMENT;

/// Two small experiments sharing their models (the second adds a sign-flip
/// sweep on the first's networks): two tasks, three seeds.
fn files(dir: &Path) -> Vec<PathBuf> {
    let first = dir.join("first.toml");
    let second = dir.join("second.toml");
    std::fs::write(&first, EXPERIMENT).unwrap();
    let flip = "[[probes]]\nprobe = \"flip\"\nstrategies = [\"smallest\"]\nlevels = [0.0, 0.2]\nsigned = [true]\n";
    std::fs::write(&second, EXPERIMENT.to_string() + flip).unwrap();
    vec![first, second]
}

fn reproduce(files: &[PathBuf], out: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("reproduce");
    for f in files {
        cmd.arg("--experiment").arg(f);
    }
    cmd.arg("--out")
        .arg(out)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    text(&o)
}

/// The outputs whose bytes must not depend on how the run got there.
fn outputs(out: &Path) -> Vec<Vec<u8>> {
    ["first", "second"]
        .iter()
        .flat_map(|e| ["results.csv", "medians.csv", "summary.json"].map(|f| out.join(e).join(f)))
        .map(|p| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

#[test]
fn concurrent_shards_then_an_assembling_run_give_a_single_runs_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let files = files(dir.path());
    let single = dir.path().join("single");
    run(&mut reproduce(&files, &single, &[]));

    let shared = dir.path().join("shared");
    let children: Vec<_> = ["1/2", "2/2"]
        .iter()
        .map(|k| {
            reproduce(&files, &shared, &["--shard", k, "--threads", "1"])
                .spawn()
                .unwrap()
        })
        .collect();
    let said: Vec<String> = children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", text(&o));
            text(&o)
        })
        .collect();
    assert!(
        said.iter()
            .all(|s| s.contains("every unit of the run is done") || s.contains("left:")),
        "{said:?}"
    );
    assert!(!shared.join("first/results.csv").exists(), "a shard writes no outputs");
    // Twelve units over six models; each shard trained its own three.
    for s in &said {
        assert!(s.contains("3 trained now)"), "{s}");
    }
    let assembled = run(&mut reproduce(&files, &shared, &[]));
    assert!(assembled.contains("6 units (0 evaluated now"), "{assembled}");
    assert!(
        outputs(&shared) == outputs(&single),
        "assembled outputs differ from a single run's"
    );
}

#[test]
fn a_killed_shard_reruns_and_a_plain_run_computes_what_a_shard_left() {
    let dir = tempfile::tempdir().unwrap();
    let files = files(dir.path());
    let single = dir.path().join("single");
    run(&mut reproduce(&files, &single, &[]));

    // Shard 1 of 3 fails after a few writes (a full disk, a killed job).
    let out = dir.path().join("out");
    let o = reproduce(&files, &out, &["--shard", "1/3", "--threads", "1"])
        .env("MLPROBE_FAIL_WRITES_AFTER", "3")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let again = run(&mut reproduce(&files, &out, &["--shard", "1/3"]));
    assert!(again.contains("left:"), "{again}");
    // Shard 2 runs; shard 3 never does: the plain run computes its units.
    run(&mut reproduce(&files, &out, &["--shard", "2/3"]));
    let plain = run(&mut reproduce(&files, &out, &[]));
    let computed: usize = plain
        .lines()
        .filter_map(|l| l.split(" units (").nth(1)?.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert_eq!(computed, 4, "shard 3's four units, computed by the plain run: {plain}");
    assert!(outputs(&out) == outputs(&single));
}

#[test]
fn bad_shards_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let files = files(dir.path());
    for (shard, says) in [
        ("0/2", "numbered 1 to 2"),
        ("3/2", "numbered 1 to 2"),
        ("1/0", "at least 1"),
    ] {
        let o = reproduce(&files, &dir.path().join("out"), &["--shard", shard])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{shard}");
        let t = text(&o);
        assert!(t.contains(says) && !t.contains("panicked"), "{shard}: {t}");
    }
}
