//! Loading the examples of an experiment's tasks.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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
    let loader = TaskLoader::new(exp);
    (0..exp.tasks.len()).map(|t| loader.load(t)).collect()
}

/// Loads an experiment's tasks one at a time, when needed, so that a run
/// of many tasks on large data holds only those in use; each folder of IDX
/// files is read once and kept (as bytes, a quarter of a task's size).
pub struct TaskLoader<'e> {
    exp: &'e Experiment,
    dirs: Mutex<HashMap<PathBuf, Arc<Dataset>>>,
}

impl<'e> TaskLoader<'e> {
    /// A loader of `exp`'s tasks.
    pub fn new(exp: &'e Experiment) -> Self {
        Self {
            exp,
            dirs: Mutex::new(HashMap::new()),
        }
    }

    fn error(&self, t: usize, source: DataError) -> RunError {
        let spec = &self.exp.tasks[t];
        RunError::Data {
            experiment: self.exp.name.clone(),
            index: t,
            dataset: spec.dataset.clone(),
            label: spec.label.clone(),
            source: Box::new(source),
        }
    }

    /// The images of a folder, read once.
    fn dir(&self, t: usize, dir: &PathBuf) -> Result<Arc<Dataset>, RunError> {
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ds) = dirs.get(dir) {
            return Ok(ds.clone());
        }
        let ds = Arc::new(Dataset::from_dir(dir).map_err(|e| self.error(t, e))?);
        dirs.insert(dir.clone(), ds.clone());
        Ok(ds)
    }

    /// Task `t`, built now.
    pub fn load(&self, t: usize) -> Result<Task, RunError> {
        let spec = &self.exp.tasks[t];
        let error = |source| self.error(t, source);
        let mut task = match &spec.source {
            DataSource::Synthetic(g) => g.generate().map_err(error)?,
            DataSource::Npz(path) => {
                let classes = (!spec.classes.is_empty()).then_some(&spec.classes[..]);
                return mlprobe_tasks::npz::load_npz(path, &spec.dataset, classes).map_err(error);
            }
            DataSource::Embedded(e) => Task::from_classes(e.load(), &spec.classes).map_err(error)?,
            DataSource::Dir(dir) => {
                let ds = self.dir(t, dir)?;
                Task::from_classes(&ds, &spec.classes).map_err(error)?
            }
        };
        task.dataset = spec.dataset.clone();
        Ok(task)
    }

    /// Checks that task `t` can be built (its data readable, its classes
    /// present) and returns its input dimension, reading its data but not
    /// building the task where it can.
    pub fn check(&self, t: usize) -> Result<usize, RunError> {
        let classes = &self.exp.tasks[t].classes;
        let of = |ds: &Dataset| Task::check_classes(ds, classes).map(|()| ds.pixels());
        match &self.exp.tasks[t].source {
            DataSource::Synthetic(g) => Ok(g.dim),
            DataSource::Embedded(e) => of(e.load()).map_err(|e| self.error(t, e)),
            DataSource::Dir(dir) => {
                let ds = self.dir(t, dir)?;
                of(&ds).map_err(|e| self.error(t, e))
            }
            DataSource::Npz(_) => Ok(self.load(t)?.input_dim()),
        }
    }
}

/// Tasks shared by the units being computed in parallel: each task is
/// loaded when its first unit asks for it and dropped when its last one is
/// done, so memory holds about one task per worker thread.
pub struct TaskPool<'l, 'e> {
    loader: &'l TaskLoader<'e>,
    /// Per task: the task while loaded, and the units still to use it.
    slots: Mutex<HashMap<usize, (Arc<Task>, usize)>>,
    uses: Vec<usize>,
}

impl<'l, 'e> TaskPool<'l, 'e> {
    /// A pool for units of these tasks (one entry per unit).
    pub fn new(loader: &'l TaskLoader<'e>, unit_tasks: impl IntoIterator<Item = usize>) -> Self {
        let mut uses = vec![0; loader.exp.tasks.len()];
        for t in unit_tasks {
            uses[t] += 1;
        }
        Self {
            loader,
            slots: Mutex::new(HashMap::new()),
            uses,
        }
    }

    /// Runs `f` with task `t`, loading it first if needed, and drops it
    /// after its last unit.
    pub fn with<T>(&self, t: usize, f: impl FnOnce(&Task) -> T) -> Result<T, RunError> {
        let task = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            match slots.get(&t) {
                Some((task, _)) => task.clone(),
                None => {
                    let task = Arc::new(self.loader.load(t)?);
                    slots.insert(t, (task.clone(), self.uses[t]));
                    task
                }
            }
        };
        let out = f(&task);
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, left)) = slots.get_mut(&t) {
            *left -= 1;
            if *left == 0 {
                slots.remove(&t);
            }
        }
        Ok(out)
    }
}
