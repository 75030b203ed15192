//! End to end: `reproduce --quick` (and with `--full` the default run)
//! from scratch, with its time split.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::{Setup, Target};

/// Most time for `reproduce --quick` from scratch.
const QUICK: Duration = Duration::from_secs(40);

/// Most time for the default `reproduce` from scratch.
const DEFAULT: Duration = Duration::from_secs(300);

/// The end-to-end runs the flags ask for (none with `--no-reproduce`).
pub(super) fn run(s: &Setup) -> anyhow::Result<Vec<Target>> {
    if s.flags.no_reproduce {
        println!("skipped (--no-reproduce)");
        return Ok(Vec::new());
    }
    let mut runs = vec![("reproduce --quick", "quick", true)];
    if s.flags.full {
        runs.push(("reproduce (default, paper scale)", "full", false));
    }
    let temporary = tempfile::tempdir().context("making a temporary output folder")?;
    let root = s.flags.out.clone().unwrap_or_else(|| temporary.path().to_path_buf());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut targets = Vec::new();
    for (label, folder, quick) in runs {
        let out = root.join(folder);
        if out.exists() {
            bail!("{} exists: the end-to-end runs start from scratch", out.display());
        }
        let (wall, last) = reproduce(&out, quick)?;
        let limit = if quick { QUICK } else { DEFAULT };
        println!(
            "{label}, {threads} threads, from scratch: {:.1} s\n  ({last})",
            wall.as_secs_f64()
        );
        targets.push(Target::speed(
            format!("{label} <= {} s on {threads} threads", limit.as_secs()),
            format!("{:.1} s", wall.as_secs_f64()),
            wall <= limit,
        ));
    }
    Ok(targets)
}

/// Runs this binary's `reproduce` into `out`; returns its wall time and the
/// last line it printed (its time split into training, probing and report).
fn reproduce(out: &Path, quick: bool) -> anyhow::Result<(Duration, String)> {
    let exe = std::env::current_exe().context("finding the xtask binary")?;
    let mut cmd = Command::new(exe);
    cmd.arg("reproduce").arg("--out").arg(out);
    if quick {
        cmd.arg("--quick");
    }
    let start = Instant::now();
    let output = cmd.output().context("running reproduce")?;
    let wall = start.elapsed();
    if !output.status.success() {
        bail!("reproduce failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default().to_string();
    Ok((wall, last))
}
