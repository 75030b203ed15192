//! Tidy checks of the repository, run by `cargo test`: the promises the
//! project makes about itself that no compiler checks.
//!
//! - every document, file or folder the text refers to exists, nothing cites
//!   a document users do not have, and no path of a particular machine is
//!   written down;
//! - the README's flag tables list exactly the flags of `cargo xtask`;
//! - every built-in probe is a crate of its own, split into hyperparams,
//!   algorithm and errors, and depends on no burn;
//! - the modules of every crate form layers, never a circle;
//! - the burn version the report prints is the one the workspace pins.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::flags::Xtask;

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Every text file git tracks (data, fonts, images, the lock file and any
/// file that is not UTF-8 left out).
fn tracked_text_files() -> Vec<PathBuf> {
    let out = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .expect("git ls-files");
    assert!(out.status.success(), "git ls-files failed");
    let binary = ["gz", "ttf", "png", "svg", "lock", "safetensors", "npz"];
    out.stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| root().join(String::from_utf8_lossy(p).as_ref()))
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            !binary.contains(&ext) && p.is_file()
        })
        .filter(|p| std::fs::read(p).is_ok_and(|b| String::from_utf8(b).is_ok()))
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// Repository paths a text mentions: tokens starting with a top-level folder
/// (`docs/methods.md`, `crates/mlprobe-runner/src/builtin.rs`), without
/// placeholders (`crates/mlprobe-<name>/`) or globs.
fn mentioned_paths(text: &str) -> Vec<String> {
    const TOP: [&str; 6] = ["docs/", "crates/", "experiments/", "xtask/", "tests/", ".ci/"];
    let mut found = Vec::new();
    for (i, _) in text.char_indices() {
        let rest = &text[i..];
        let starts_token = text[..i].chars().next_back().is_none_or(|c| !is_path_char(c));
        if !starts_token || !TOP.iter().any(|t| rest.starts_with(t)) {
            continue;
        }
        let end = rest.find(|c: char| !is_path_char(c)).unwrap_or(rest.len());
        let after = rest[end..].chars().next();
        if matches!(after, Some('<' | '*' | '{')) {
            continue;
        }
        let token = rest[..end].trim_end_matches(['.', ',']);
        found.push(token.to_string());
    }
    found
}

/// The folder of the nearest `Cargo.toml` above `file` (the workspace root
/// when none is nearer): a crate's tests name their fixtures from there.
fn package_root(file: &Path) -> PathBuf {
    file.ancestors()
        .skip(1)
        .take_while(|dir| dir.starts_with(root()))
        .find(|dir| dir.join("Cargo.toml").exists())
        .map_or_else(root, Path::to_path_buf)
}

/// Relative link targets of Markdown links, `[text](target)`, without anchors.
fn markdown_links(text: &str) -> Vec<String> {
    text.match_indices("](")
        .filter_map(|(i, _)| {
            let rest = &text[i + 2..];
            let target = &rest[..rest.find(')')?];
            let target = target.split('#').next().unwrap_or("");
            (!target.is_empty() && !target.contains("://")).then(|| target.to_string())
        })
        .collect()
}

#[test]
fn no_reference_to_a_document_the_repository_lacks() {
    let machine: Vec<String> = ["tmp", "work", "farm", "root", "home"]
        .iter()
        .map(|d| format!("/{d}/"))
        .collect();
    let internal = ["SP", "EC"].concat();
    let mut problems = Vec::new();
    for file in tracked_text_files() {
        let text = read(&file);
        let name = file.strip_prefix(root()).unwrap_or(&file).display().to_string();
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            if word == internal {
                problems.push(format!(
                    "{name}: cites {internal}, which users do not have (point to docs/methods.md)"
                ));
                break;
            }
        }
        for m in &machine {
            if text.match_indices(m.as_str()).any(|(i, _)| {
                text[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '.' && c != '_')
            }) {
                problems.push(format!("{name}: names a machine path ({m})"));
            }
        }
        for path in mentioned_paths(&text) {
            let from_crate = package_root(&file).join(&path);
            if !root().join(&path).exists() && !from_crate.exists() {
                problems.push(format!("{name}: mentions {path}, which does not exist"));
            }
        }
        if name.ends_with(".md") {
            let dir = file.parent().expect("a file has a folder");
            for target in markdown_links(&text) {
                if !dir.join(&target).exists() {
                    problems.push(format!("{name}: links to {target}, which does not exist"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The flags listed in the README table that follows the line
/// ``Flags of `cargo xtask <command>`:``.
fn readme_flags(readme: &str, command: &str) -> BTreeSet<String> {
    let marker = format!("Flags of `cargo xtask {command}`:");
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README has no line `{marker}`"));
    readme[start + marker.len()..]
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cell = l.trim_start_matches('|').split('|').next()?.trim();
            Some(cell.strip_prefix('`')?.strip_suffix('`')?.to_string())
        })
        .collect()
}

/// The flags of a subcommand as clap defines them: `--name` or `--name VALUE`.
fn clap_flags(command: &str) -> BTreeSet<String> {
    let cmd = Xtask::command();
    let sub = cmd
        .find_subcommand(command)
        .unwrap_or_else(|| panic!("no subcommand {command}"));
    sub.get_arguments()
        .filter_map(|a| {
            let long = a.get_long()?;
            let value = a.get_value_names().and_then(|v| v.first().map(|n| n.to_string()));
            let takes_value = a.get_action().takes_values();
            Some(match (takes_value, value) {
                (true, Some(v)) => format!("--{long} {v}"),
                _ => format!("--{long}"),
            })
        })
        .filter(|f| f != "--help")
        .collect()
}

#[test]
fn readme_flag_tables_equal_the_clap_flags() {
    let readme = read(&root().join("README.md"));
    for command in Xtask::command().get_subcommands().map(|c| c.get_name().to_string()) {
        if command == "help" {
            continue;
        }
        assert_eq!(
            readme_flags(&readme, &command),
            clap_flags(&command),
            "README's table of `cargo xtask {command}` flags"
        );
    }
}

/// The lines of the first code block of `lang` after `heading` in `text`.
fn code_block<'a>(text: &'a str, heading: &str, lang: &str) -> Vec<&'a str> {
    let start = text.find(heading).unwrap_or_else(|| panic!("no `{heading}`"));
    text[start..]
        .lines()
        .skip_while(|l| l.trim() != format!("```{lang}"))
        .skip(1)
        .take_while(|l| l.trim() != "```")
        .collect()
}

#[test]
fn the_readme_library_example_is_the_one_that_runs() {
    let readme = read(&root().join("README.md"));
    let shown: Vec<&str> = code_block(&readme, "## Use as a library", "rust")
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let lib = read(&root().join("crates/mlprobe-prune/src/lib.rs"));
    let docs: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let runs: Vec<&str> = code_block(&docs, "# Use as a library", "")
        .into_iter()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("# "))
        .collect();
    // Every line shown, in order, is a line of the example that runs.
    let mut rest = runs.iter();
    for line in &shown {
        assert!(
            rest.any(|r| r == line),
            "README line `{line}` is not in the example of mlprobe-prune (in order):\n{}",
            runs.join("\n")
        );
    }
    assert!(
        shown.len() + 2 >= runs.len(),
        "the README leaves out more than the checks"
    );
}

#[test]
fn every_probe_crate_follows_the_layout_and_needs_no_burn() {
    for kind in mlprobe_runner::builtin_probes().kinds() {
        let dir = root().join("crates").join(format!("mlprobe-{}", kind.name()));
        for file in ["lib.rs", "hyperparams.rs", "algorithm.rs", "errors.rs"] {
            assert!(
                dir.join("src").join(file).is_file(),
                "{}: src/{file} missing (hyperparams / algorithm / errors layout)",
                dir.display()
            );
        }
        let lib = read(&dir.join("src/lib.rs"));
        assert!(lib.contains("pub const VERSION: u32"), "{}: no VERSION", dir.display());
        assert!(
            lib.contains("pub use mlprobe_graph::prelude::*;"),
            "{}: does not re-export the prelude",
            dir.display()
        );
        let manifest: toml::Table = toml::from_str(&read(&dir.join("Cargo.toml"))).expect("valid Cargo.toml");
        let deps: Vec<&String> = manifest
            .get("dependencies")
            .and_then(|d| d.as_table())
            .map(|d| d.keys().collect())
            .unwrap_or_default();
        for dep in deps {
            assert!(
                !dep.starts_with("burn") && dep != "mlprobe-core" && dep != "mlprobe-runner",
                "{}: depends on {dep}; a probe crate depends on the weight graph only",
                dir.display()
            );
        }
    }
}

/// The part of a source file before its tests, without comment lines.
fn code_of(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Rust files of a module: its file, or every file below its folder.
fn module_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .flat_map(|f| module_files(f))
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        .collect()
}

/// The names of the items `lib.rs` defines itself (not re-exports).
fn lib_items(lib: &str) -> BTreeSet<String> {
    let keywords = ["fn ", "struct ", "enum ", "const ", "static ", "type ", "trait "];
    lib.lines()
        .map(|l| {
            l.trim_start()
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ")
        })
        .filter_map(|l| keywords.iter().find_map(|k| l.strip_prefix(k)))
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').next())
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether `code` names `needle` followed by something that ends a path segment.
fn names(code: &str, needle: &str) -> bool {
    code.match_indices(needle).any(|(i, _)| {
        code[i + needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_')
    })
}

/// Module `m` of a crate uses module `n` when its code names `crate::n`;
/// the crate root (`lib`) is a module too: it uses the modules it declares,
/// and a module that names an item defined in `lib.rs` uses it.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let entries: Vec<PathBuf> = std::fs::read_dir(src)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    for e in &entries {
        let name = e
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if (e.is_dir() || e.extension().is_some_and(|x| x == "rs")) && name != "main" {
            let code: Vec<String> = module_files(e).iter().map(|f| code_of(&read(f))).collect();
            modules.insert(name, code.join("\n"));
        }
    }
    let lib_defines = modules.get("lib").map(|l| lib_items(l)).unwrap_or_default();
    let mut graph = BTreeMap::new();
    for (m, code) in &modules {
        let mut uses: BTreeSet<String> = (modules.keys())
            .filter(|n| *n != m && *n != "lib")
            .filter(|n| names(code, &format!("crate::{n}")) || (m == "lib" && names(code, &format!("mod {n}"))))
            .cloned()
            .collect();
        if m != "lib" && lib_defines.iter().any(|item| names(code, &format!("crate::{item}"))) {
            uses.insert("lib".to_string());
        }
        graph.insert(m.clone(), uses);
    }
    graph
}

/// A circle of modules, if any.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for n in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(n, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn modules_form_layers_in_every_crate() {
    let mut srcs: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .expect("crates/")
        .filter_map(|e| e.ok().map(|e| e.path().join("src")))
        .collect();
    srcs.push(root().join("xtask/src"));
    for src in srcs {
        if let Some(cycle) = find_cycle(&module_graph(&src)) {
            panic!(
                "{}: modules import each other in a circle: {}",
                src.display(),
                cycle.join(" -> ")
            );
        }
    }
}

#[test]
fn the_module_graph_sees_the_crate_root() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("lib.rs", "mod a;\nmod b;\npub struct Shared;\n");
    write("a.rs", "use crate::b::X;\n");
    write("b.rs", "pub struct X;\nfn f(_: crate::Shared) {}\n");
    let graph = module_graph(dir.path());
    assert_eq!(graph["lib"], BTreeSet::from(["a".to_string(), "b".to_string()]));
    assert_eq!(graph["b"], BTreeSet::from(["lib".to_string()]));
    assert!(find_cycle(&graph).is_some(), "b imports back from lib.rs");
}

/// Longest a function outside tests may be, in lines: one that does not fit
/// on a screen or two does more than one job.
const MAX_FUNCTION_LINES: usize = 100;

/// `text` with the contents of string and character literals and comments
/// blanked, so that braces can be counted.
fn without_literals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let (mut out, mut i) = (String::with_capacity(text.len()), 0);
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == 'r' && chars.get(i + 1) == Some(&'#') && chars.get(i + 2) == Some(&'"') {
            i += 3;
            while i + 1 < chars.len() && !(chars[i] == '"' && chars[i + 1] == '#') {
                out.push(if chars[i] == '\n' { '\n' } else { ' ' });
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                out.push(if chars.get(i) == Some(&'\n') { '\n' } else { ' ' });
                i += 1;
            }
            i += 1;
        } else if c == '\'' && (chars.get(i + 2) == Some(&'\'') || chars.get(i + 1) == Some(&'\\')) {
            // A character literal (a lifetime has no closing quote).
            i += if chars.get(i + 1) == Some(&'\\') { 4 } else { 3 };
            while i < chars.len() && chars[i - 1] != '\'' {
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `(name, first line, lines)` of every function in `code`.
fn functions(code: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(at) = t.find("fn ") else { continue };
        let head = &t[..at];
        if !head
            .split_whitespace()
            .all(|w| ["pub", "pub(crate)", "pub(super)", "const", "unsafe", "async"].contains(&w))
        {
            continue;
        }
        let name: String = t[at + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut opened) = (0i64, false);
        for (j, l) in lines.iter().enumerate().skip(i) {
            if !opened && l.contains(';') && !l.contains('{') {
                break;
            }
            for c in l.chars() {
                match c {
                    '{' => (depth, opened) = (depth + 1, true),
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                out.push((name.clone(), i + 1, j - i + 1));
                break;
            }
        }
    }
    out
}

#[test]
fn no_function_outside_tests_is_longer_than_a_screen_or_two() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .expect("crates/")
        .filter_map(|e| e.ok().map(|e| e.path().join("src")))
        .collect();
    dirs.push(root().join("xtask/src"));
    let mut long = Vec::new();
    for file in dirs.iter().flat_map(|d| module_files(d)) {
        let text = read(&file);
        let code = without_literals(text.split("#[cfg(test)]").next().unwrap_or(""));
        for (name, line, n) in functions(&code) {
            if n > MAX_FUNCTION_LINES && !file.ends_with("tidy.rs") {
                long.push(format!(
                    "{}:{line} {name} ({n} lines)",
                    file.strip_prefix(root()).unwrap_or(&file).display()
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines:\n  {}",
        long.join("\n  ")
    );
}

#[test]
fn the_function_measure_counts_braces_in_code_only() {
    let code = without_literals(
        "fn a() {\n    let s = \"{\";\n    let c = '{';\n    // }\n}\nfn b<'x>(v: &'x str) -> &'x str {\n    v\n}\n",
    );
    assert_eq!(functions(&code), [("a".to_string(), 1, 5), ("b".to_string(), 6, 3)]);
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    assert_eq!(find_cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])), None);
    let cycle = find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])).unwrap();
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4);
    assert_eq!(
        mentioned_paths("see `docs/methods.md`, crates/mlprobe-<name>/ and x/docs/y"),
        ["docs/methods.md"]
    );
    assert_eq!(
        markdown_links("[a](docs/methods.md#x) [b](https://e.org)"),
        ["docs/methods.md"]
    );
}

#[test]
fn the_reported_burn_version_is_the_pinned_one() {
    let manifest: toml::Table = toml::from_str(&read(&root().join("Cargo.toml"))).expect("valid Cargo.toml");
    let pin = manifest["workspace"]["dependencies"]["burn"]["version"]
        .as_str()
        .expect("burn's version is pinned in [workspace.dependencies]");
    assert_eq!(pin.trim_start_matches('='), mlprobe_report::BURN_VERSION);
}
