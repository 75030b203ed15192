//! Loading the examples of an experiment's tasks.

use std::collections::HashMap;
use std::path::PathBuf;

use mlprobe_tasks::{DataError, Dataset, Task};

use crate::config::{DataSource, Experiment, TaskSpec};
use crate::errors::RunError;

/// The dataset behind an image task (`None` for a synthetic one).
pub enum Images<'a> {
    /// A dataset compiled in.
    Embedded(&'static Dataset),
    /// A dataset read from a folder.
    Loaded(Dataset),
    /// No images: the task is synthetic.
    Synthetic(&'a mlprobe_tasks::GaussianPair),
}

/// Reads the images of a task's data source.
pub fn images(spec: &TaskSpec) -> Result<Images<'_>, DataError> {
    Ok(match &spec.source {
        DataSource::Embedded(e) => Images::Embedded(e.load()),
        DataSource::Dir(dir) => Images::Loaded(Dataset::from_dir(dir)?),
        DataSource::Synthetic(g) => Images::Synthetic(g),
    })
}

/// Loads the tasks of an experiment; each folder of IDX files is read once.
pub fn load_tasks(exp: &Experiment) -> Result<Vec<Task>, RunError> {
    let mut dirs: HashMap<PathBuf, Dataset> = HashMap::new();
    exp.tasks
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let error = |source| RunError::Data {
                experiment: exp.name.clone(),
                index: i,
                dataset: spec.dataset.clone(),
                label: spec.label.clone(),
                source: Box::new(source),
            };
            let dataset: &Dataset = match &spec.source {
                DataSource::Synthetic(g) => {
                    let mut task = g.generate().map_err(error)?;
                    task.dataset = spec.dataset.clone();
                    return Ok(task);
                }
                DataSource::Embedded(e) => e.load(),
                DataSource::Dir(dir) => {
                    if !dirs.contains_key(dir) {
                        let ds = Dataset::from_dir(dir).map_err(error)?;
                        dirs.insert(dir.clone(), ds);
                    }
                    &dirs[dir]
                }
            };
            let mut task = Task::from_classes(dataset, &spec.classes).map_err(error)?;
            task.dataset = spec.dataset.clone();
            Ok(task)
        })
        .collect()
}
