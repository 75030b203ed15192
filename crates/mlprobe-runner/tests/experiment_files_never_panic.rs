//! Any text given as an experiment file gives a checked experiment (whose
//! sweeps expand) or an error naming the key, never a panic.

use std::path::Path;

use mlprobe_runner::Experiment;
use proptest::prelude::*;

fn check(text: &str) {
    if let Ok(exp) = Experiment::from_toml("p", text, Path::new("p.toml")) {
        let _ = exp.sweep(false);
        let _ = exp.sweep(true);
    }
}

proptest! {
    #[test]
    fn any_text(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn real_files_with_lines_changed(
        file in 0usize..7,
        line in any::<usize>(),
        replacement in "[a-z_ =\\[\\]{}0-9.,\"-]{0,40}",
    ) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        names.sort();
        let text = std::fs::read_to_string(&names[file % names.len()]).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let i = line % lines.len();
        lines[i] = &replacement;
        check(&lines.join("\n"));
    }
}
