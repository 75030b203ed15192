//! Loading the examples of an experiment's tasks.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;

use mlprobe_tasks::{DataError, Dataset, Task};

use crate::config::{DataSource, Experiment, TaskSpec};
use crate::errors::RunError;

/// The images of a task's data source, read (or, embedded, borrowed);
/// `None` for a synthetic task or an `.npz` test set, which have none.
pub fn dataset_of(spec: &TaskSpec) -> Result<Option<Cow<'static, Dataset>>, DataError> {
    Ok(match &spec.source {
        DataSource::Embedded(e) => Some(Cow::Borrowed(e.load())),
        DataSource::Dir(dir) => Some(Cow::Owned(Dataset::from_dir(dir)?)),
        DataSource::Synthetic(_) | DataSource::Npz(_) => None,
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
                DataSource::Npz(path) => {
                    let classes = (!spec.classes.is_empty()).then_some(&spec.classes[..]);
                    return mlprobe_tasks::npz::load_npz(path, &spec.dataset, classes).map_err(error);
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
