//! docs/SECURITY.md points every claim at a test: each test it names must exist, so a renamed
//! or deleted test cannot leave the document pointing at nothing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            if !p.ends_with("target") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `fn name` of every function, by file stem.
fn functions() -> Vec<(String, HashSet<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = vec![];
    rust_files(&root.join("crates"), &mut files);
    files
        .iter()
        .map(|f| {
            let src = std::fs::read_to_string(f).unwrap();
            let names = src
                .split("fn ")
                .skip(1)
                .map(|rest| rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>())
                .collect();
            (f.file_stem().unwrap().to_string_lossy().into_owned(), names)
        })
        .collect()
}

#[test]
fn every_test_the_security_document_names_exists() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/SECURITY.md")).unwrap();
    let fns = functions();
    let exists = |file: &str, name: &str| fns.iter().any(|(stem, names)| stem == file && names.contains(name));
    let mut named = 0;
    let mut missing = vec![];
    for (i, part) in doc.split('`').enumerate() {
        if i % 2 == 0 {
            continue;
        }
        // `file::function` or `module::tests::function`; `file::*` names a whole file.
        let segs: Vec<&str> = part.split("::").collect();
        let ident =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if segs.len() >= 2 && segs.iter().all(|s| ident(s) || *s == "*") {
            let name = *segs.last().unwrap();
            // `file::function` as the document's own example of the naming.
            if name == "*" || name == "function" {
                continue;
            }
            named += 1;
            // The function in one of the named modules, or the last names a module itself.
            let found = segs[..segs.len() - 1].iter().any(|file| exists(file, name))
                || fns.iter().any(|(stem, _)| stem == name);
            if !found {
                missing.push(part.to_string());
            }
        }
    }
    // "store contract `a`, `b`": the storage contract tests.
    for chunk in doc.split("store contract").skip(1) {
        for (i, part) in chunk.split('`').enumerate().take(12) {
            if i % 2 == 0 {
                if i > 0 && !part.trim().trim_matches(',').trim().is_empty() {
                    break;
                }
                continue;
            }
            if part.contains("::") || part.contains(' ') {
                break;
            }
            named += 1;
            if !exists("contract", part) {
                missing.push(format!("store contract {part}"));
            }
        }
    }
    assert!(named > 50, "the document was read ({named} tests named)");
    assert!(missing.is_empty(), "docs/SECURITY.md names tests that do not exist: {missing:?}");
}
