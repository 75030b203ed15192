//! Experiment files: the workspace's `experiments/` folder and the names
//! given on the command line.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The workspace's `experiments/` folder.
pub fn experiments_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .join("experiments")
}

/// Every `*.toml` in `dir`, sorted by name.
fn all_experiment_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Resolves `--experiment` values: names in `experiments/` or paths.
pub fn resolve(names: &[String], dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if names.is_empty() {
        return all_experiment_files(dir);
    }
    names
        .iter()
        .map(|n| {
            let as_path = PathBuf::from(n);
            if n.ends_with(".toml") && as_path.is_file() {
                return Ok(as_path);
            }
            let in_dir = dir.join(format!("{n}.toml"));
            if in_dir.is_file() {
                return Ok(in_dir);
            }
            let known: Vec<String> = all_experiment_files(dir)?
                .iter()
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect();
            bail!("unknown experiment `{n}` (known: {})", known.join(", "))
        })
        .collect()
}
