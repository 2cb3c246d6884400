//! The architecture, checked: the application layer knows nothing of HTTP, templates or
//! OpenAPI (none of axum, minijinja or utoipa anywhere in its dependency tree, read from
//! Cargo.lock), and the three front-ends of the server (`api/`, `web/`, `open311`) never
//! import each other: what they share lives in the app or in the server's shared modules.
//! And every source file stays small enough to read in one sitting.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Package name → names of its dependencies, from Cargo.lock (normal, build and dev
/// dependencies together: a superset of what `cargo tree -e normal` shows).
fn lock_graph() -> BTreeMap<String, Vec<String>> {
    let lock = std::fs::read_to_string(workspace().join("Cargo.lock")).unwrap();
    let mut graph = BTreeMap::new();
    for block in lock.split("[[package]]").skip(1) {
        let name = block.lines().find_map(|l| l.strip_prefix("name = \"")).unwrap().trim_end_matches('"').to_string();
        let mut deps = Vec::new();
        if let Some(start) = block.find("dependencies = [") {
            let list = &block[start..block[start..].find(']').map(|e| start + e).unwrap()];
            for item in list.split('"').skip(1).step_by(2) {
                deps.push(item.split(' ').next().unwrap().to_string());
            }
        }
        graph.entry(name).or_insert_with(Vec::new).extend(deps);
    }
    graph
}

#[test]
fn the_app_knows_nothing_of_http_templates_or_openapi() {
    let graph = lock_graph();
    let mut seen = BTreeSet::new();
    let mut todo = vec!["fengqiao-app".to_string()];
    while let Some(p) = todo.pop() {
        if seen.insert(p.clone()) {
            todo.extend(graph.get(&p).cloned().unwrap_or_default());
        }
    }
    assert!(seen.contains("fengqiao-store") && seen.contains("tantivy"), "the walk reached the app's dependencies");
    for banned in ["axum", "axum-core", "minijinja", "utoipa", "tower-http", "hyper"] {
        assert!(!seen.contains(banned), "fengqiao-app depends on {banned}");
    }
    let server: BTreeSet<_> = graph["fengqiao-server"].iter().cloned().collect();
    assert!(server.contains("fengqiao-app"));
    assert!(!graph["fengqiao-app"].contains(&"fengqiao-server".to_string()));
}

/// The server's front-ends reach the database only through the app's use cases: the store
/// is no dependency of the server's code (its tests use it to set up and check), and no
/// source file of the server names it.
#[test]
fn the_server_reaches_the_store_only_through_the_app() {
    let manifest = std::fs::read_to_string(workspace().join("crates/server/Cargo.toml")).unwrap();
    let normal = manifest.split("[dependencies]").nth(1).unwrap().split("\n[").next().unwrap();
    assert!(normal.contains("fengqiao-app"), "the section was read: {normal}");
    assert!(!normal.contains("fengqiao-store"), "fengqiao-store is a normal dependency of the server");
    let mut files = Vec::new();
    rust_files(&workspace().join("crates/server/src"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(!text.contains("fengqiao_store"), "{} names the store", f.display());
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_front_ends_do_not_import_each_other() {
    let src = workspace().join("crates/server/src");
    let fronts =
        [("api", vec![src.join("api")]), ("web", vec![src.join("web")]), ("open311", vec![src.join("open311.rs")])];
    for (name, roots) in &fronts {
        let mut files = Vec::new();
        for r in roots {
            if r.is_dir() { rust_files(r, &mut files) } else { files.push(r.clone()) }
        }
        assert!(!files.is_empty());
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (other, _) in fronts.iter().filter(|(o, _)| o != name) {
                for pattern in [format!("crate::{other}::"), format!("crate::{other};"), format!("crate::{{{other}")] {
                    assert!(!text.contains(&pattern), "{} ({name}) imports {other}: `{pattern}`", f.display());
                }
            }
        }
    }
}

#[test]
fn no_source_file_is_over_900_lines() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates"), &mut files);
    assert!(files.len() > 50);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > 900).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these: {long:?}");
}
