//! Report sections beyond the claims, one file each: a unit struct
//! implementing [`Section`], listed once in [`SECTIONS`]. A section says
//! whether a run has what it shows, and writes itself with its figures; to
//! add one, add a file and its struct to the list.

mod architectures;
mod budget;
mod complexity_map;
pub(crate) mod compression;
mod evaluation;
mod fidelity;
mod full_data;
mod layers;
mod runs;
mod synthetic;
mod transformer;
mod uncovered;

use std::path::Path;

use crate::claims::Input;
use crate::errors::ReportError;
use crate::figure::Figure;
use crate::markdown::Markdown;

/// What a section may read: the output folder and every run of the report.
pub(crate) struct Context<'r, 'a> {
    /// The output folder (figures go to `figures/` in it).
    pub out: &'r Path,
    /// Every run of the report, for sections that compare runs.
    pub all: &'r [Input<'a>],
    /// Facts about the invocation (the tolerance of the compression summary).
    pub report: &'r crate::setup::Context,
}

/// What rendering a section gives: its figures.
pub(crate) type Rendered = Result<Vec<Figure>, ReportError>;

/// A section of `REPORT.md` about one run.
pub(crate) trait Section: Sync {
    /// Whether the run has what the section shows.
    fn applies(&self, input: Input<'_>) -> bool;
    /// Writes the section into `md` and returns its figures.
    fn render(&self, input: Input<'_>, ctx: &Context<'_, '_>, md: &mut Markdown) -> Rendered;
}

/// Every section, in the order each run shows them.
pub(crate) static SECTIONS: &[&dyn Section] = &[
    &complexity_map::ComplexityMapSection,
    &synthetic::Synthetic,
    &uncovered::Uncovered,
    &budget::Budget,
    &evaluation::ReferenceEvaluation,
    &fidelity::Fidelity,
    &architectures::Architectures,
    &compression::Compression,
    &layers::Layers,
    &transformer::Transformer,
    &full_data::FullData,
];

/// Every section that applies to the runs, run by run, with their figures.
pub(crate) fn render_all(
    out: &Path,
    inputs: &[Input<'_>],
    report: &crate::setup::Context,
    md: &mut Markdown,
) -> Result<Vec<Figure>, ReportError> {
    let ctx = Context {
        out,
        all: inputs,
        report,
    };
    let mut figures = Vec::new();
    for &input in inputs {
        for s in SECTIONS.iter().filter(|s| s.applies(input)) {
            figures.extend(s.render(input, &ctx, md)?);
        }
    }
    Ok(figures)
}
