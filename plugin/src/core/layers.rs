//! The crate's layers, checked: which modules each module may import
//! (`crate::...` paths in code, comments left out). The core names no
//! other module, so everything else is built on it; a capability reaches
//! the core through its extension points (`args::ParamSource`, the call's
//! typed extensions, raw answers), never the other way.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

/// Each layer and the top-level modules it may import besides itself.
/// The capabilities' IPC commands use the edge's request helpers (body,
/// access, the plugin's state): the one place where imports go up.
const LAYERS: &[(&str, &[&str])] = &[
    ("core", &[]),
    ("cache", &["core"]),
    ("jwt", &["core"]),
    ("form", &["core"]),
    ("shape", &["core"]),
    ("dispatch", &["core", "cache", "jwt"]),
    ("refresh", &["core", "dispatch"]),
    ("stream", &["core", "dispatch", "edge"]),
    ("upload", &["core", "dispatch", "edge"]),
    ("hydrate", &["core", "dispatch", "edge"]),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of `text` without its comments (line comments; doc comments).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every `crate::` path in `code` (each item of a
/// `crate::{a, b::c}` group), not counting `$crate::` in macros.
fn imported(code: &str) -> BTreeSet<String> {
    segments_after(code, "crate::")
}

/// The first segment after every `prefix` in `code` (each item of a
/// `prefix{a, b::c}` group), not counting a `prefix` that is the tail of
/// a longer path (`$crate::`, `my_crate::`).
fn segments_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let bytes = code.as_bytes();
    let mut at = 0;
    while let Some(i) = code[at..].find(prefix) {
        let start = at + i;
        at = start + prefix.len();
        let before = start.checked_sub(1).map(|b| bytes[b]);
        if before.is_some_and(|b| b == b'$' || b == b'_' || b.is_ascii_alphanumeric()) {
            continue;
        }
        let rest = code[at..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // The top-level items of the group.
            let mut depth = 0;
            let mut item = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item = true,
                    c if item && (c.is_alphanumeric() || c == '_') => {
                        found.insert(ident(&group[k..]));
                        item = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found
}

fn ident(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn imports_run_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin/src");
    let mut wrong = Vec::new();
    for (layer, allowed) in LAYERS {
        let mut paths = Vec::new();
        files(&src.join(layer), &mut paths);
        assert!(!paths.is_empty(), "no sources for `{layer}`");
        // This file's own examples are not imports.
        for path in paths.into_iter().filter(|p| !p.ends_with("core/layers.rs")) {
            let text = std::fs::read_to_string(&path).expect("a source file");
            for module in imported(&code(&text)) {
                // Root re-exports (`crate::Identity`) are names, not layers;
                // the core must not use them either.
                let capital = module.starts_with(char::is_uppercase);
                let ok = module == *layer
                    || allowed.contains(&module.as_str())
                    || (capital && *layer != "core");
                if !ok {
                    wrong.push(format!("{} imports `crate::{module}`", path.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

/// The core's modules import one another one way: no two of them (and
/// no longer chain) import each other back.
#[test]
fn core_modules_form_no_circle() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin/src/core");
    let mut paths = Vec::new();
    files(&core, &mut paths);
    let mut edges = std::collections::BTreeMap::<String, BTreeSet<String>>::new();
    for path in paths.into_iter().filter(|p| !p.ends_with("core/layers.rs")) {
        let module = path
            .strip_prefix(&core)
            .expect("under core")
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("a module name")
            .trim_end_matches(".rs")
            .to_owned();
        let text = std::fs::read_to_string(&path).expect("a source file");
        let mut uses = segments_after(&code(&text), "crate::core::");
        uses.remove(&module);
        edges.entry(module).or_default().extend(uses);
    }
    let mut circles = Vec::new();
    for start in edges.keys() {
        // Depth-first from `start`: a path back to it is a circle.
        let mut stack = vec![vec![start.clone()]];
        let mut seen = BTreeSet::new();
        while let Some(path) = stack.pop() {
            let last = path.last().expect("a path").clone();
            for next in edges.get(&last).into_iter().flatten() {
                if next == start {
                    circles.push(format!("{} -> {start}", path.join(" -> ")));
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push(longer);
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "circles in the core:\n{}",
        circles.join("\n")
    );
}

#[test]
fn reads_paths_and_groups() {
    let found = imported(
        "use crate::{\n    core::{a, b::{c}},\n    edge::x,\n};\nlet y = crate::upload::z; $crate::Skip; my_crate::no;",
    );
    let found: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(found, ["core", "edge", "upload"]);
}
