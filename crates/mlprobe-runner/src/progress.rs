//! Progress bars of a run on the terminal.

use indicatif::{ProgressBar, ProgressStyle};

/// Where a run's progress goes: bars titled with the experiment's name, or
/// nowhere.
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    name: String,
    visible: bool,
}

impl Progress {
    /// Bars for experiment `name`, drawn only if `visible`.
    pub(crate) fn new(name: &str, visible: bool) -> Self {
        Self {
            name: name.to_string(),
            visible,
        }
    }

    /// A bar of `len` `things` (hidden unless visible).
    pub(crate) fn bar(&self, len: u64, things: &str) -> ProgressBar {
        let bar = if self.visible {
            ProgressBar::new(len)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{prefix:>14}} [{{bar:32}}] {{pos}}/{{len}} {things}  {{elapsed}} (ETA {{eta}})"
            ))
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(self.name.clone());
        bar
    }
}
