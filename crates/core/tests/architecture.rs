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

/// Source text with comments, string and character literals blanked, so that only code is read.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
            continue;
        }
        if c == 'r' && (next == Some('"') || next == Some('#')) {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) == Some(&'"') {
                j += 1;
                'raw: while j < chars.len() {
                    if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break 'raw;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
                continue;
            }
        }
        if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
            continue;
        }
        if c == '\'' {
            // A character literal ('x', '\n', '\''), not a lifetime ('a).
            if next == Some('\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
                continue;
            }
            if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A crate's modules (path below `src`, e.g. `["pages", "diary"]`; the crate root is `[]`) and
/// their code, tests modules left out.
fn crate_modules(src: &Path) -> BTreeMap<Vec<String>, String> {
    fn walk(dir: &Path, src: &Path, out: &mut BTreeMap<Vec<String>, String>) {
        for entry in std::fs::read_dir(dir).expect("read source dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, src, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(src)
                    .expect("below src")
                    .with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts
                    .last()
                    .is_some_and(|l| matches!(l.as_str(), "mod" | "lib" | "main"))
                {
                    parts.pop();
                }
                let text = std::fs::read_to_string(&path).expect("read source");
                let text = match text.find("#[cfg(test)]\nmod tests") {
                    Some(at) => text[..at].to_owned(),
                    None => text,
                };
                out.insert(parts, code_only(&text));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, src, &mut out);
    out
}

/// The module a path names: its longest prefix that is a module.
fn module_of(modules: &BTreeMap<Vec<String>, String>, path: &[String]) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains_key(p))
}

/// The identifier paths after each `prefix` in `code`, with `prefix::{a, b::c}` groups opened.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for (at, _) in code.match_indices(prefix) {
        if code[..at].chars().next_back().is_some_and(ident) {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for item in inner.split(',') {
                let p: Vec<String> = item
                    .split("::")
                    .map(|s| s.trim().to_owned())
                    .take_while(|s| !s.is_empty() && s.chars().all(ident))
                    .collect();
                if !p.is_empty() {
                    out.push(p);
                }
            }
            continue;
        }
        let mut p = Vec::new();
        let mut r = rest;
        loop {
            let end = r.find(|c: char| !ident(c)).unwrap_or(r.len());
            if end == 0 {
                break;
            }
            p.push(r[..end].to_owned());
            match r[end..].strip_prefix("::") {
                Some(more) if !more.starts_with('{') => r = more,
                _ => break,
            }
        }
        if !p.is_empty() {
            out.push(p);
        }
    }
    out
}

/// Which modules each module uses through `crate::` and `super::` paths (a module declaring its
/// children with `mod` is not an import, and the crate root is left out: it only declares).
fn module_graph(
    modules: &BTreeMap<Vec<String>, String>,
) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut graph = BTreeMap::new();
    for (m, code) in modules {
        let mut uses = BTreeSet::new();
        let mut targets = paths_after(code, "crate::");
        if let Some((_, parent)) = m.split_last() {
            for p in paths_after(code, "super::") {
                targets.push(parent.iter().cloned().chain(p).collect());
            }
        }
        for t in targets {
            if let Some(target) = module_of(modules, &t)
                && &target != m
                && !target.is_empty()
                && !m.starts_with(&target)
            {
                uses.insert(target);
            }
        }
        graph.insert(m.clone(), uses);
    }
    graph
}

/// A cycle in the graph, if there is one (as module paths joined with `/`).
fn find_cycle(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<Vec<String>> {
    fn visit(
        m: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        done: &mut BTreeSet<Vec<String>>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|s| s == m) {
            let mut cycle: Vec<String> = stack[at..].iter().map(|p| p.join("/")).collect();
            cycle.push(m.join("/"));
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.clone());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(m.clone());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut done, &mut Vec::new()))
}

#[test]
fn no_crate_has_an_import_cycle_between_its_modules() {
    let root = repo_root();
    let mut cycles = Vec::new();
    for entry in std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
    {
        let src = entry.path().join("src");
        if !src.is_dir() {
            continue;
        }
        let graph = module_graph(&crate_modules(&src));
        if let Some(cycle) = find_cycle(&graph) {
            cycles.push(format!(
                "{}: {}",
                entry.file_name().to_string_lossy(),
                cycle.join(" → ")
            ));
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_cycle_check_sees_a_cycle_and_reads_only_code() {
    let module = |path: &[&str], code: &str| {
        (
            path.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            code_only(code),
        )
    };
    let modules: BTreeMap<Vec<String>, String> = [
        module(&[], "mod a; mod b; mod pages;"),
        module(&["a"], "use crate::b::thing; // crate::c is a comment\n"),
        module(
            &["b"],
            "fn f() { let s = \"crate::a::x\"; crate::pages::diary::g(); }",
        ),
        module(&["pages"], "mod diary;"),
        module(
            &["pages", "diary"],
            "use super::{Nav, render}; fn g() { crate::a::h(); }",
        ),
    ]
    .into_iter()
    .collect();
    let graph = module_graph(&modules);
    let a = vec!["a".to_owned()];
    let b = vec!["b".to_owned()];
    let diary = vec!["pages".to_owned(), "diary".to_owned()];
    assert_eq!(graph[&a], BTreeSet::from([b.clone()]));
    assert_eq!(
        graph[&b],
        BTreeSet::from([diary.clone()]),
        "a string is not a use"
    );
    // A child's use of its parent is not an edge; a → b → pages/diary → a is a cycle.
    assert_eq!(graph[&diary], BTreeSet::from([a.clone()]));
    let cycle = find_cycle(&graph).expect("a cycle");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4, "{cycle:?}");
    // Without the back edge there is none.
    let mut acyclic = modules.clone();
    acyclic.insert(diary, code_only("use super::Nav;"));
    assert_eq!(find_cycle(&module_graph(&acyclic)), None);
}

/// What the edges (the CLI, the web server, the reports) may ask the store directly: sign-in,
/// accounts, web sessions, API tokens and share links, the audit trail, and running the database
/// (connecting, migrating, backing up). Clinical records go through `cephalog-app`.
const EDGE_STORE_METHODS: &[&str] = &[
    // running the database
    "clone",
    "close",
    "migrate",
    "applied_migrations",
    "pool",
    "engine",
    "backup_to",
    // accounts and sign-in
    "add_user",
    "user",
    "users",
    "user_with_hash",
    "set_user_disabled",
    "set_password_hash",
    "add_login_failure",
    "login_failures",
    "clear_login_failures",
    // web sessions, API tokens, share links
    "web_session",
    "create_web_session",
    "save_web_session",
    "delete_web_session",
    "expire_web_sessions",
    "add_api_token",
    "add_api_token_until",
    "api_tokens",
    "use_api_token",
    "revoke_api_token",
    "add_share_link",
    "share_links",
    "share_link_by_hash",
    "revoke_share_link",
    // the audit trail
    "audit",
    "audit_batch",
    "audit_trail",
    "audit_settings",
    "audit_heads",
    "verify_audit",
    "write_checkpoint",
    "mark_restored",
];

/// Each call of a store method outside [`EDGE_STORE_METHODS`] in `code` (comments and strings
/// already blanked): the receiver is `store` or `….store`, the method the word after the dot.
fn store_calls_outside_the_app(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut at = 0;
    while let Some(i) = code[at..].find("store") {
        let start = at + i;
        at = start + "store".len();
        if start > 0 && ident(bytes[start - 1]) {
            continue;
        }
        let rest = code[at..].trim_start();
        let rest = rest.strip_prefix("()").unwrap_or(rest);
        let Some(rest) = rest.trim_start().strip_prefix('.') else {
            continue;
        };
        let rest = rest.trim_start();
        let method: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let called = rest[method.len()..].trim_start().starts_with('(');
        if called && !method.is_empty() && !EDGE_STORE_METHODS.contains(&method.as_str()) {
            found.push(method);
        }
    }
    found
}

/// Whether a module is a `tests` module or declared `#[cfg(test)]` by its parent (tests set up
/// their records directly).
fn test_only(modules: &BTreeMap<Vec<String>, String>, module: &[String]) -> bool {
    let Some((name, parent)) = module.split_last() else {
        return false;
    };
    if name == "tests" {
        return true;
    }
    let declaration = format!("mod {name};");
    modules.get(parent).is_some_and(|code| {
        code.find(&declaration)
            .is_some_and(|at| code[..at].trim_end().ends_with("#[cfg(test)]"))
    })
}

#[test]
fn the_edges_reach_clinical_records_only_through_the_app() {
    let root = repo_root();
    let mut calls = Vec::new();
    for edge in ["web", "cli", "reports"] {
        let modules = crate_modules(&root.join("crates").join(edge).join("src"));
        for (module, code) in &modules {
            if test_only(&modules, module) {
                continue;
            }
            for method in store_calls_outside_the_app(code) {
                calls.push(format!(
                    "crates/{edge} {}: store.{method}(…)",
                    module.join("::")
                ));
            }
        }
    }
    assert!(
        calls.is_empty(),
        "the edges call the store for clinical records; go through cephalog-app:\n{}",
        calls.join("\n")
    );
}

#[test]
fn the_edge_check_sees_a_store_call_and_reads_only_code() {
    let code = code_only(
        "async fn f(state: S) { let d = state\n  .store\n  .diary(id).await?; \
         state.store.audit(e).await?; let s = \"store.sessions(x)\"; // store.proms(x)\n \
         restore.diary(x); self.store().sessions(x); }",
    );
    assert_eq!(store_calls_outside_the_app(&code), ["diary", "sessions"]);
}
