//! What users do to long runs, on the real command: kill them at any moment,
//! damage their cache, fill the disk, make the folder read-only, give them
//! sizes the machine cannot hold. Every case ends in a clear error or in a
//! healed run whose results equal a clean run's bytes.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::EXPERIMENT;

/// The files whose bytes must not depend on how the run got there.
const OUTPUTS: [&str; 4] = ["results.csv", "medians.csv", "summary.json", "resonance.json"];

fn experiment(dir: &Path) -> PathBuf {
    let path = dir.join("small.toml");
    std::fs::write(&path, EXPERIMENT).unwrap();
    path
}

fn reproduce(file: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(["reproduce", "--experiment"])
        .arg(file)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn outputs(out: &Path) -> Vec<Vec<u8>> {
    OUTPUTS
        .iter()
        .map(|f| std::fs::read(out.join("small").join(f)).unwrap_or_else(|e| panic!("{f}: {e}")))
        .collect()
}

/// A clean run's outputs.
fn clean(dir: &Path, file: &Path) -> Vec<Vec<u8>> {
    let out = dir.join("clean");
    let o = reproduce(file, &out).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    outputs(&out)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                all.push(p);
            }
        }
    }
    all.sort();
    all
}

#[test]
fn killed_at_random_moments_then_resumed_gives_a_clean_runs_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let file = experiment(dir.path());
    let expected = clean(dir.path(), &file);
    let out = dir.path().join("killed");
    // Moments drawn from a fixed seed (a small linear congruential stream).
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..5 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let ms = 100 + (state >> 33) % 1500;
        let mut child = reproduce(&file, &out).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill(); // SIGKILL; the run may have finished already
        child.wait().unwrap();
    }
    let o = reproduce(&file, &out).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(outputs(&out) == expected, "resumed outputs differ from a clean run's");
}

#[test]
fn a_damaged_cache_heals_itself_to_a_clean_runs_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let file = experiment(dir.path());
    let expected = clean(dir.path(), &file);
    let out = dir.path().join("clean");
    let all = files_under(&out);
    let model = all
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "safetensors"))
        .unwrap();
    let unit = all.iter().find(|p| p.to_string_lossy().contains("/units/")).unwrap();
    // A truncated model (its unit file intact: only the resonance analysis
    // needs it) and a unit file with one digit changed.
    let bytes = std::fs::read(model).unwrap();
    std::fs::write(model, &bytes[..bytes.len() / 3]).unwrap();
    let text = std::fs::read_to_string(unit).unwrap();
    let i = text.find(|c: char| c.is_ascii_digit() && c != '0').unwrap();
    let mut damaged = text.into_bytes();
    damaged[i] = b'0';
    std::fs::write(unit, damaged).unwrap();

    let o = reproduce(&file, &out).output().unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("damaged model file") && err.contains("damaged unit file (checksum mismatch)"),
        "{err}"
    );
    assert!(outputs(&out) == expected, "healed outputs differ from a clean run's");
    assert!(Path::new(&format!("{}.damaged", model.display())).exists());
}

#[test]
fn a_full_disk_is_a_clear_error_that_keeps_and_resumes_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = experiment(dir.path());
    let expected = clean(dir.path(), &file);
    let out = dir.path().join("full");
    let o = reproduce(&file, &out)
        .env("MLPROBE_FAIL_WRITES_AFTER", "5")
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("no space left on device"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let kept = files_under(&out);
    assert_eq!(kept.len(), 5, "the five writes before the disk filled: {kept:?}");
    assert!(!out.join("small/results.csv").exists());

    let o = reproduce(&file, &out).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(outputs(&out) == expected);
}

/// Runs `cmd` as an unprivileged user when this process is root (root
/// writes into read-only folders).
fn unprivileged(cmd: &Command) -> Command {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !is_root {
        let mut same = Command::new(cmd.get_program());
        same.args(cmd.get_args());
        return same;
    }
    let mut as_nobody = Command::new("setpriv");
    as_nobody
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    as_nobody
}

fn chmod(path: &Path, mode: &str) {
    assert!(
        Command::new("chmod")
            .args(["-R", mode])
            .arg(path)
            .status()
            .unwrap()
            .success()
    );
}

#[test]
fn a_read_only_folder_is_a_clear_error_that_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), "a+rX");
    let file = experiment(dir.path());
    let expected = clean(dir.path(), &file);
    let out = dir.path().join("clean");
    // One unit to compute again, into a folder nobody may write.
    let unit = files_under(&out)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("/units/"))
        .unwrap();
    std::fs::remove_file(&unit).unwrap();
    let before: Vec<(PathBuf, Vec<u8>)> = files_under(&out)
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    chmod(&out, "a-w");
    let o = unprivileged(&reproduce(&file, &out))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    chmod(&out, "u+w");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("Permission denied"), "{err}");
    assert!(err.contains(&*unit.file_name().unwrap().to_string_lossy()), "{err}");
    let after: Vec<(PathBuf, Vec<u8>)> = files_under(&out)
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    assert!(before == after, "a failed run changed the folder");

    let o = reproduce(&file, &out).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(outputs(&out) == expected);
}

#[test]
fn sizes_the_machine_cannot_hold_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "hidden = [16]",
            "hidden = [100000000000]",
            "`training.hidden` = [100000000000] is invalid",
        ),
        (
            "hidden = [16]",
            "hidden = [4096, 4096, 4096, 4096]",
            "50000000 a run may train",
        ),
        (
            "levels = [0.0, 0.5, 0.9]",
            "levels = { from = 0, to = 1, points = 1000000000 }",
            "points = 1000000000, at most 100000",
        ),
        (
            "levels = [0.01, 0.1]",
            "levels = { from = -10, to = 0, points = 100000, scale = \"log2\" }\ndraws = 10000",
            "evaluations per run",
        ),
    ];
    for (i, (from, to, message)) in cases.into_iter().enumerate() {
        let file = dir.path().join(format!("big-{i}.toml"));
        std::fs::write(&file, EXPERIMENT.replace(from, to)).unwrap();
        let out = dir.path().join(format!("out-{i}"));
        let o = reproduce(&file, &out).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{to}: {err}");
        assert!(err.contains(message), "{to}: expected `{message}` in {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!out.exists(), "{to}: wrote {}", out.display());
    }
}

#[test]
fn a_plan_counts_what_is_left_and_a_forced_kernel_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let file = experiment(dir.path());
    let out = dir.path().join("out");
    let plan = |out: &Path| {
        let o = reproduce(&file, out).arg("--plan").output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let row = |text: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.starts_with("small "))
            .expect("a row for the experiment");
        line.split_whitespace().map(str::to_string).collect()
    };
    // Nothing done yet: every unit to compute, every model to train.
    let before = row(&plan(&out));
    assert_eq!(before[2], "0", "{before:?}");
    assert_eq!(before[1], before[3], "{before:?}");
    assert!(!out.exists(), "a plan writes nothing");
    let o = reproduce(&file, &out).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // After the run: every unit done, nothing to train.
    let after = row(&plan(&out));
    assert_eq!(
        (after[2].as_str(), after[3].as_str(), after[4].as_str()),
        (before[1].as_str(), "0", "0"),
        "{after:?}"
    );

    let o = reproduce(&file, &out).env("MLPROBE_SIMD", "sse9").output().unwrap();
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("MLPROBE_SIMD: unknown SIMD level `sse9`"),
        "{}",
        stderr(&o)
    );
}
