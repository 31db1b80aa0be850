//! Tauri's build step, plus a placeholder frontend so that the crate
//! compiles (for `cargo clippy`, or to export the IR) before the frontend
//! has been built. `bash examples/run.sh` builds the real one.

use std::{fs, path::Path};

fn main() {
    let dist = Path::new("../dist");
    if !dist.join("index.html").exists() {
        fs::create_dir_all(dist).expect("create ../dist");
        fs::write(
            dist.join("index.html"),
            "<!doctype html><meta charset=utf-8><title>Mizan Notes</title>\
             <p style=\"font:16px system-ui;padding:2em\">The frontend is not built yet: \
             run <code>bash examples/run.sh</code>.</p>",
        )
        .expect("write the placeholder frontend");
    }
    // Recreate the placeholder if dist/ is removed.
    println!("cargo:rerun-if-changed=../dist/index.html");
    tauri_build::build()
}
