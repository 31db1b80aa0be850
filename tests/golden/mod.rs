//! The golden files of the IR and code generator tests: a change to one is
//! a deliberate, reviewed change. `MIZAN_BLESS=1 cargo test` rewrites them.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

/// This folder.
pub fn dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `actual` with the golden file `name`; `MIZAN_BLESS=1` rewrites it.
pub fn check(name: &str, actual: &str) {
    let path = dir().join(name);
    if std::env::var_os("MIZAN_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with MIZAN_BLESS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from what the code produces, first at line {}:\n  golden: {:?}\n  actual: {:?}\nReview the change; if it is deliberate, rerun with MIZAN_BLESS=1.",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line),
        );
    }
}
