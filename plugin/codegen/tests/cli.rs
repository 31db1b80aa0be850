//! The `mizan-codegen` binary as a user runs it: write, then check.

use std::{path::Path, process::Command};

const IR: &str = "mizan-ir 1\nfunction ping kind=query {\n    result {\n        string\n    }\n    auth none\n}\n";

fn codegen(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mizan-codegen"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("mizan-codegen runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mizan-codegen-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mizan.ir.kdl"), IR).unwrap();
    dir
}

#[test]
fn writes_the_client_then_checks_it() {
    let dir = temp_dir("write");
    let (ok, err) = codegen(&dir, &["--check", "mizan.ir.kdl", "-o", "client.ts"]);
    assert!(!ok);
    assert!(err.contains("client.ts does not exist"), "{err}");

    let (ok, err) = codegen(&dir, &["mizan.ir.kdl", "-o", "client.ts"]);
    assert!(ok, "{err}");
    let ts = std::fs::read_to_string(dir.join("client.ts")).unwrap();
    assert!(ts.contains("export function ping("), "{ts}");

    let (ok, err) = codegen(&dir, &["mizan.ir.kdl", "-o", "client.ts", "--check"]);
    assert!(ok, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_names_the_changed_lines_of_a_stale_file() {
    let dir = temp_dir("stale");
    assert!(codegen(&dir, &["mizan.ir.kdl", "-o", "client.ts"]).0);
    let path = dir.join("client.ts");
    let edited = std::fs::read_to_string(&path)
        .unwrap()
        .replace("export function ping(", "export function pong(");
    std::fs::write(&path, &edited).unwrap();

    let (ok, err) = codegen(&dir, &["mizan.ir.kdl", "-o", "client.ts", "--check"]);
    assert!(!ok);
    assert!(
        err.contains("client.ts is out of date with mizan.ir.kdl"),
        "{err}"
    );
    assert!(err.contains("- export function pong("), "{err}");
    assert!(err.contains("+ export function ping("), "{err}");
    assert!(
        err.contains("regenerate it with `mizan-codegen mizan.ir.kdl -o client.ts`"),
        "{err}"
    );
    // --check wrote nothing.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_options_are_refused_with_the_usage() {
    let dir = temp_dir("usage");
    let (ok, err) = codegen(&dir, &["mizan.ir.kdl", "-o", "x.ts", "--chek"]);
    assert!(!ok);
    assert!(err.contains("unknown option `--chek`"), "{err}");
    assert!(err.contains("usage: mizan-codegen"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn types_from_imports_the_named_types_instead_of_declaring_them() {
    let dir = temp_dir("types-from");
    let ir = "mizan-ir 1\nfunction who kind=query {\n    param id {\n        ref UserId\n    }\n    result {\n        string\n    }\n    auth none\n}\ntype UserId {\n    u32\n}\n";
    std::fs::write(dir.join("mizan.ir.kdl"), ir).unwrap();

    let (ok, err) = codegen(&dir, &["mizan.ir.kdl", "-o", "own.ts"]);
    assert!(ok, "{err}");
    let own = std::fs::read_to_string(dir.join("own.ts")).unwrap();
    assert!(own.contains("export type UserId = number;"), "{own}");

    let (ok, err) = codegen(
        &dir,
        &[
            "mizan.ir.kdl",
            "-o",
            "shared.ts",
            "--types-from",
            "./bindings",
        ],
    );
    assert!(ok, "{err}");
    let shared = std::fs::read_to_string(dir.join("shared.ts")).unwrap();
    assert!(!shared.contains("export type UserId ="), "{shared}");
    assert!(
        shared.contains("import type { UserId } from './bindings';\nexport type { UserId };"),
        "{shared}"
    );
    assert!(
        shared.contains("export type WhoArgs = {\n  id: UserId;"),
        "{shared}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
