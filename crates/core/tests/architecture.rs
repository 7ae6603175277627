//! The code map of `ARCHITECTURE.md` held against the manifests: every crate's `[dependencies]`
//! are among those its row allows ("may depend on"), so the layering the document draws is the
//! layering the build has. A dependency added without updating the map fails here.

// These tests read the repository's files; the core's own code does no I/O (`clippy.toml`).
#![allow(clippy::disallowed_methods)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .canonicalize()
        .expect("the repository root exists")
}

/// Each row of the code map: the crate's directory and the packages it may depend on.
fn allowed_dependencies(architecture: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut map = BTreeMap::new();
    let mut above: BTreeSet<String> = BTreeSet::new();
    for row in architecture.lines().filter(|l| l.starts_with("| `crates/")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        assert!(cells.len() >= 4, "a code-map row has four cells: {row}");
        let dir = cells[0]
            .trim_start_matches("| ")
            .split('`')
            .nth(1)
            .expect("the crate's directory in backticks")
            .to_owned();
        let mut allowed = BTreeSet::new();
        for item in cells[2].split(',') {
            let item = item.trim();
            if item.starts_with("everything above") {
                allowed.extend(above.iter().cloned());
            }
            // `name` (note) is an outside package; a bare word is one of ours.
            let name = match item.split('`').nth(1) {
                Some(package) => package.to_owned(),
                None => match item.split_whitespace().next() {
                    Some(word) if word.chars().all(|c| c.is_ascii_lowercase() || c == '2') => {
                        format!("cephalog-{word}")
                    }
                    _ => continue,
                },
            };
            allowed.insert(name);
        }
        let package = format!(
            "cephalog-{}",
            dir.trim_start_matches("crates/").trim_end_matches('/')
        );
        above.insert(package);
        map.insert(dir, allowed);
    }
    map
}

/// The package names under `[dependencies]` of a manifest (not dev- or build-dependencies).
fn dependencies(manifest: &str) -> BTreeSet<String> {
    let mut deps = BTreeSet::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if !inside || line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((key, _)) = line.split_once('=') {
            let key = key.trim().trim_end_matches(".workspace").trim_matches('"');
            deps.insert(key.to_owned());
        }
    }
    deps
}

/// The dependencies `manifest` has that `allowed` does not list.
fn unlisted(manifest: &str, allowed: &BTreeSet<String>) -> Vec<String> {
    dependencies(manifest)
        .into_iter()
        .filter(|d| !allowed.contains(d))
        .collect()
}

#[test]
fn every_crate_depends_only_on_what_the_code_map_allows() {
    let root = repo_root();
    let architecture =
        std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let map = allowed_dependencies(&architecture);
    let crates: BTreeSet<String> = std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| format!("crates/{}", e.file_name().to_string_lossy()))
        .collect();
    let mapped: BTreeSet<String> = map.keys().cloned().collect();
    assert_eq!(
        crates, mapped,
        "every crate has a row in the code map, and only those"
    );
    let mut problems = Vec::new();
    for (dir, allowed) in &map {
        let manifest = std::fs::read_to_string(root.join(dir).join("Cargo.toml"))
            .unwrap_or_else(|e| panic!("{dir}/Cargo.toml: {e}"));
        for dep in unlisted(&manifest, allowed) {
            problems.push(format!(
                "{dir} depends on {dep}, which its row of ARCHITECTURE.md does not allow"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_sees_a_dependency_the_map_does_not_allow() {
    let table = "| crate | what | may depend on | must not |\n\
                 |---|---|---|---|\n\
                 | `crates/core` (`cephalog-core`) | types | `chrono`, `serde` (derives only) | I/O |\n\
                 | `crates/store` (`cephalog-store`) | store | core, `sqlx` | web |\n\
                 | `crates/cli` (`cephalog-cli`) | commands | everything above, `clap` | — |\n";
    let map = allowed_dependencies(table);
    let core = &map["crates/core"];
    assert_eq!(
        unlisted(
            "[dependencies]\nchrono.workspace = true\nserde = { version = \"1\" }\n",
            core
        ),
        Vec::<String>::new()
    );
    // A clock-and-network crate slipped into the core is named.
    assert_eq!(
        unlisted(
            "[dependencies]\nchrono.workspace = true\ntokio.workspace = true\n\n[dev-dependencies]\nproptest = \"1\"\n",
            core
        ),
        ["tokio"]
    );
    let store = &map["crates/store"];
    assert!(store.contains("cephalog-core") && store.contains("sqlx"));
    assert_eq!(
        unlisted("[dependencies]\ncephalog-web.workspace = true\n", store),
        ["cephalog-web"]
    );
    let cli = &map["crates/cli"];
    assert!(
        cli.contains("cephalog-store") && cli.contains("cephalog-core") && cli.contains("clap")
    );
}
