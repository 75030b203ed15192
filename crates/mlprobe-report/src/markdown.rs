//! A small Markdown builder: headings, paragraphs, tables and figures, and
//! the one way numbers are written in the report.

use std::fmt::Write;
use std::path::Path;

/// The text of a number in the report: `decimals` places, or `-` where there
/// is none (no trained seed, no level run).
pub fn num(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| format!("{v:.decimals$}")).unwrap_or_else(|| "-".into())
}

/// Every distinct item, once, in the order of first appearance (for lists
/// of values in the text).
pub fn distinct<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// A table: a header and rows of cells (a `|` in a cell is escaped).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these column titles.
    pub fn new<S: ToString>(header: impl IntoIterator<Item = S>) -> Self {
        Self {
            header: header.into_iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row<S: ToString>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(|c| c.to_string()).collect());
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Markdown text being written.
#[derive(Debug, Clone, Default)]
pub struct Markdown {
    text: String,
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

impl Markdown {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// A heading of `level` (1 = `#`), after a blank line.
    pub fn heading(&mut self, level: usize, title: &str) -> &mut Self {
        let _ = writeln!(self.text, "\n{} {title}\n", "#".repeat(level));
        self
    }

    /// A paragraph.
    pub fn para(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.text, "{text}\n");
        self
    }

    /// A list item.
    pub fn item(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.text, "- {text}");
        self
    }

    /// A table, followed by a blank line.
    pub fn table(&mut self, table: &Table) -> &mut Self {
        let row = |cells: &[String]| format!("| {} |", cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
        let _ = writeln!(self.text, "{}", row(&table.header));
        let _ = writeln!(self.text, "|{}", "---|".repeat(table.header.len()));
        for r in &table.rows {
            let _ = writeln!(self.text, "{}", row(r));
        }
        self.text.push('\n');
        self
    }

    /// A figure with its caption.
    pub fn figure(&mut self, caption: &str, png: &Path) -> &mut Self {
        let _ = writeln!(
            self.text,
            "![{caption}]({})\n\n*{caption}* (SVG beside it)\n",
            png.display()
        );
        self
    }

    /// Text as it is.
    pub fn raw(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// The text.
    pub fn into_string(self) -> String {
        self.text
    }
}

impl Write for Markdown {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.text.push_str(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_escape_their_cells() {
        let mut t = Table::new(["a", "b"]);
        t.row(["1", "x|y"]);
        let mut md = Markdown::new();
        md.table(&t);
        assert_eq!(md.into_string(), "| a | b |\n|---|---|\n| 1 | x\\|y |\n\n");
        assert_eq!(num(Some(2.345), 1), "2.3");
        assert_eq!(num(None, 1), "-");
    }
}
