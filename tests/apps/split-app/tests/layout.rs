//! The workspace layout: `#[client]` functions in an api crate. With one
//! `use api as _;` line the binary serves them; without it the linker drops
//! the crate, and the plugin says so at start-up, on stderr (no logger is
//! set up), with the fix.

use std::process::Command;

fn run(bin: &str) -> (Vec<String>, String) {
    let out = Command::new(bin).output().expect("the binary runs");
    assert!(out.status.success(), "{bin}: {out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    (
        stdout.lines().map(str::to_owned).collect(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_binary_that_names_the_api_crate_serves_its_functions() {
    let (functions, stderr) = run(env!("CARGO_BIN_EXE_linked"));
    assert_eq!(functions, ["set_theme", "theme"]);
    assert!(!stderr.contains("no #[client] function"), "{stderr}");
    // The scoping report, printed once for a user who set up no logger.
    assert_eq!(stderr.matches("mizan scoping").count(), 1, "{stderr}");
    assert!(stderr.contains("set_theme"), "{stderr}");
}

#[test]
fn a_binary_that_does_not_gets_none_and_is_told_why() {
    let (functions, stderr) = run(env!("CARGO_BIN_EXE_unlinked"));
    assert!(functions.is_empty(), "{functions:?}");
    assert!(
        stderr.contains("no #[client] function is linked into this app"),
        "{stderr}"
    );
    assert!(stderr.contains("use my_api as _;"), "{stderr}");
}
