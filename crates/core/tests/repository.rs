//! Checks on the repository itself rather than on the clinical domain: the sources stand on their
//! own, and the clinical safety case (`HAZARDS.md`) cites only tests that exist.
//!
//! - No source file under `crates/`, `rules/` or `profiles/` points at the clinical reference notes
//!   kept outside the repository: every clinical number cites its primary source in
//!   `crates/core/src/reference.rs` and `docs/SOURCES.md`.
//! - No source file reads a relative path that leaves the repository.
//! - Every `crates/…/file.rs::test_name` that `HAZARDS.md` cites as evidence names a test declared
//!   in that file (`fn test_name` under a test attribute, or a test-declaring macro such as
//!   `story!(test_name, …)`). Lines marked "pending" are controls still being built and are
//!   skipped.
//!
//! The needles below are assembled with `concat!` so that this file does not match itself.

// These tests read the repository's files; the core's own code does no I/O (`clippy.toml`).
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// The repository root: two levels above this crate's manifest.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .canonicalize()
        .expect("the repository root exists")
}

/// Directories whose files are the product's sources.
const SOURCE_DIRS: [&str; 3] = ["crates", "rules", "profiles"];

/// File extensions read as text.
const TEXT_EXTENSIONS: [&str; 12] = [
    "rs", "toml", "md", "html", "js", "css", "sql", "json", "csv", "txt", "xml", "py",
];

/// Every text file under `dir`, skipping build output, installed packages and hidden entries.
fn text_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            text_files(&path, out);
        } else if kind.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| TEXT_EXTENSIONS.contains(&e))
        {
            out.push(path);
        }
    }
}

fn source_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        text_files(&root.join(dir), &mut files);
    }
    assert!(
        files.len() > 100,
        "only {} source files found under {SOURCE_DIRS:?}: the walk is broken",
        files.len()
    );
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// `relative` applied to `base` without touching the file system: `..` pops, `.` stays.
fn resolve(base: &Path, relative: &str) -> PathBuf {
    let mut out = base.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The nearest directory at or above `dir` with a `Cargo.toml`, below `root`.
fn crate_dir(root: &Path, dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .take_while(|d| d.starts_with(root) && *d != root)
        .find(|d| d.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

/// String literals in `text` that start with a parent-directory step.
fn parent_relative_literals(text: &str) -> Vec<String> {
    let opening = concat!("\"", "..", "/");
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(opening) {
        let literal = &rest[at + 1..];
        let end = literal.find('"').unwrap_or(literal.len());
        found.push(literal[..end].to_owned());
        rest = &literal[end..];
    }
    found
}

#[test]
fn no_source_file_cites_the_clinical_reference_kept_outside_the_repository() {
    let root = repo_root();
    let needles = [
        concat!("clinical", "-reference"),
        concat!("clinical", " reference §"),
    ];
    let mut offenders = Vec::new();
    for file in source_files(&root) {
        let text = read(&file).to_lowercase();
        for (n, line) in text.lines().enumerate() {
            if needles.iter().any(|needle| line.contains(needle)) {
                offenders.push(format!("{}:{}", relative(&root, &file), n + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "cite the primary source (see docs/SOURCES.md), not notes outside the repository:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn no_source_file_reads_a_path_outside_the_repository() {
    let root = repo_root();
    let mut offenders = Vec::new();
    let mut checked = 0;
    for file in source_files(&root) {
        let dir = file.parent().expect("a file has a directory").to_path_buf();
        // `include_str!` and friends resolve against the file's directory; paths joined onto
        // `CARGO_MANIFEST_DIR` (or opened from a test, whose working directory is the crate)
        // against the crate's.
        let bases: Vec<PathBuf> = std::iter::once(dir.clone())
            .chain(crate_dir(&root, &dir))
            .collect();
        for literal in parent_relative_literals(&read(&file)) {
            checked += 1;
            if !bases
                .iter()
                .any(|base| resolve(base, &literal).starts_with(&root))
            {
                offenders.push(format!("{}: \"{literal}\"", relative(&root, &file)));
            }
        }
    }
    assert!(
        checked > 0,
        "no relative path was found at all: the scan is broken"
    );
    assert!(
        offenders.is_empty(),
        "these paths leave the repository; ship the file in the repository instead:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_path_check_sees_a_path_that_leaves_the_repository() {
    let root = repo_root();
    let up = concat!("..", "/");
    let base = root.join("crates").join("core").join("src");
    let inside = format!("{}{}{}rules/fda-label.toml", up, up, up);
    let outside = format!("{}{}{}{}shared/notes.md", up, up, up, up);
    assert!(resolve(&base, &inside).starts_with(&root));
    assert!(!resolve(&base, &outside).starts_with(&root));
    let text = format!("include_str!(\"{inside}\"); x(\"{outside}\")");
    assert_eq!(parent_relative_literals(&text), vec![inside, outside]);
}

/// One cited test: `crates/…/file.rs::name`, with the line of `HAZARDS.md` it is on.
#[derive(Debug)]
struct Citation {
    line: usize,
    path: String,
    name: String,
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// Backticked `path.rs::name` spans on lines not marked pending.
fn citations(hazards: &str) -> Vec<Citation> {
    let mut out = Vec::new();
    for (n, line) in hazards.lines().enumerate() {
        if line.to_lowercase().contains("pending") {
            continue;
        }
        for (i, span) in line.split('`').enumerate() {
            // Odd pieces are inside backticks.
            if i % 2 == 0 {
                continue;
            }
            let Some((path, name)) = span.split_once(".rs::") else {
                continue;
            };
            out.push(Citation {
                line: n + 1,
                path: format!("{path}.rs"),
                name: name.to_owned(),
            });
        }
    }
    out
}

/// Whether `source` declares a test called `name`: `fn name(` under a test attribute, or a
/// test-declaring macro invoked as `macro!(name, …)`.
fn declares_test(source: &str, name: &str) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    let function = format!("fn {name}(");
    for (i, line) in lines.iter().enumerate() {
        if line.contains(&function) {
            // The attributes and comments directly above the function.
            let attributes = lines[..i]
                .iter()
                .rev()
                .map(|l| l.trim_start())
                .take_while(|l| l.starts_with("#[") || l.starts_with("//"))
                .any(|l| l.starts_with("#[") && l.contains("test"));
            if attributes {
                return true;
            }
        }
    }
    // A macro call whose first argument is the name, on the same line or the next.
    let mut rest = source;
    while let Some(at) = rest.find("!(") {
        let after = rest[at + 2..].trim_start();
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if &after[..end] == name && after[end..].trim_start().starts_with(',') {
            return true;
        }
        rest = &rest[at + 2..];
    }
    false
}

#[test]
fn hazards_cite_only_tests_that_exist() {
    let root = repo_root();
    let hazards = read(&root.join("HAZARDS.md"));
    let cited = citations(&hazards);
    assert!(
        cited.len() >= 30,
        "HAZARDS.md cites only {} tests: the citation format may have changed",
        cited.len()
    );
    let mut missing = Vec::new();
    for c in &cited {
        let file = root.join(&c.path);
        if !is_identifier(&c.name) {
            missing.push(format!("line {}: `{}` is not a test name", c.line, c.name));
        } else if !file.is_file() {
            missing.push(format!("line {}: {} does not exist", c.line, c.path));
        } else if !declares_test(&read(&file), &c.name) {
            missing.push(format!(
                "line {}: {} declares no test `{}`",
                c.line, c.path, c.name
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "HAZARDS.md cites tests that are gone; update the safety case:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_hazard_has_evidence_or_says_it_is_pending() {
    let root = repo_root();
    let hazards = read(&root.join("HAZARDS.md"));
    let mut ids = BTreeSet::new();
    let sections: Vec<&str> = hazards.split("\n### HAZ-").skip(1).collect();
    assert!(
        sections.len() >= 15,
        "HAZARDS.md has {} hazard entries; the safety case covers at least 15",
        sections.len()
    );
    for section in sections {
        let id: String = section.chars().take_while(char::is_ascii_digit).collect();
        assert_eq!(
            id.len(),
            3,
            "a hazard id is HAZ-NNN: HAZ-{}",
            &section[..10.min(section.len())]
        );
        assert!(ids.insert(id.clone()), "HAZ-{id} is used twice");
        // The entry ends where the next top-level section starts.
        let entry = section.split("\n## ").next().unwrap_or(section);
        for heading in [
            "**Causes**",
            "**Effect**",
            "**Initial risk**",
            "**Controls**",
            "**Residual risk**",
        ] {
            assert!(entry.contains(heading), "HAZ-{id} has no {heading}");
        }
        assert!(
            !citations(entry).is_empty() || entry.to_lowercase().contains("pending"),
            "HAZ-{id} cites no test and marks nothing pending"
        );
    }
}

#[test]
fn the_citation_check_tells_a_test_from_a_helper() {
    let source = "#[test]\nfn a_test() {}\n\nfn helper() {}\n\nstory!(\n    a_story,\n    |s| async move {}\n);\n";
    assert!(declares_test(source, "a_test"));
    assert!(declares_test(source, "a_story"));
    assert!(!declares_test(source, "helper"));
    assert!(!declares_test(source, "gone"));
    let md = "- `crates/x/y.rs::a_test` and `crates/x/z.rs::b`\n- test: pending `crates/x/y.rs::later`\n";
    let c = citations(md);
    assert_eq!(c.len(), 2);
    assert_eq!(
        (c[0].path.as_str(), c[0].name.as_str()),
        ("crates/x/y.rs", "a_test")
    );
    assert_eq!((c[1].line, c[1].name.as_str()), (1, "b"));
}
