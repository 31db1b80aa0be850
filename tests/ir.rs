#![allow(missing_docs, unused_variables, dead_code)]
//! The IR and the code generator: a fixture registry that uses every IR
//! feature, pinned by two golden files (`tests/golden/fixture.ir.kdl` and
//! `tests/golden/fixture.ts`); determinism, round trip, every reader error,
//! a bounded fuzz of the reader, the `ir` command, the export helpers and
//! the CLI.
//!
//! `MIZAN_BLESS=1 cargo test --test ir` rewrites the golden files.

mod common;
#[path = "golden/mod.rs"]
mod golden;

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use tauri_plugin_mizan::registry::{ClientFn, Registry};
use tauri_plugin_mizan::{
    client,
    codegen::{self, Ir, ReadError, TsOptions},
    Context, Invalidations, StreamSink,
};
use validator::Validate;

// The fixture registry --------------------------------------------------------

pub const USER: Context = Context::new("user");
pub const TEAM: Context = Context::new("team");
pub const FEED: Context = Context::new("feed");

/// A user's profile.
#[derive(Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The user's id (64-bit: a `number` in TypeScript).
    user_id: u64,
    display_name: String,
    #[serde(rename = "e-mail")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nickname: Option<String>,
    #[serde(skip)]
    password_hash: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(flatten)]
    audit: Audit,
}

#[derive(Serialize, Deserialize, specta::Type)]
pub struct Audit {
    created_at: i64,
    updated_by: Option<u32>,
}

/// Why a profile update failed (internally tagged).
#[derive(Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProfileError {
    EmptyName,
    TooLong {
        max: usize,
    },
    Taken(Owner),
    #[serde(skip)]
    Hidden,
}

#[derive(Serialize, Deserialize, specta::Type)]
pub struct Owner {
    owner: String,
}

/// Externally tagged, every variant form.
#[derive(Serialize, Deserialize, specta::Type)]
pub enum Shape {
    Empty,
    Circle(f64),
    Rect(f32, f32),
    Poly {
        points: Vec<(i32, i32)>,
    },
    #[serde(rename = "tri")]
    Triangle {
        a: [u8; 3],
    },
}

/// Adjacently tagged.
#[derive(Serialize, Deserialize, specta::Type)]
#[serde(tag = "t", content = "c")]
pub enum Event {
    Started,
    Progress(u8),
    Done { ok: bool },
}

/// Untagged.
#[derive(Serialize, Deserialize, specta::Type)]
#[serde(untagged)]
pub enum Loose {
    Nothing,
    Number(i32),
    Text(String),
    Pair { left: char, right: char },
}

/// A recursive type.
#[derive(Serialize, Deserialize, specta::Type)]
pub struct Tree {
    label: String,
    children: Vec<Tree>,
    parent: Option<Box<Tree>>,
}

/// A generic type.
#[derive(Serialize, Deserialize, specta::Type)]
pub struct Page<T> {
    items: Vec<T>,
    next: Option<String>,
}

/// A newtype (its value on the wire).
#[derive(Serialize, Deserialize, specta::Type)]
pub struct UserId(pub u32);

/// A tuple struct.
#[derive(Serialize, Deserialize, specta::Type)]
pub struct Point(pub f64, pub f64);

/// A unit struct (`null` on the wire).
#[derive(Serialize, Deserialize, specta::Type)]
pub struct Marker;

#[derive(Serialize, Deserialize, specta::Type, PartialEq, Eq, PartialOrd, Ord)]
pub enum Color {
    Red,
    Green,
}

#[client]
fn ping() -> &'static str {
    "pong"
}

/// Greets someone (docs reach the IR and the client's JSDoc).
#[client(name = "hello")]
fn greet(
    /// Who to greet.
    name: String,
    /// Shout it; the comment-ender */ stays in the comment.
    excited: Option<bool>,
) -> String {
    name
}

#[client(auth = "admin")]
fn nothing() {}

#[client]
fn shapes(filter: Option<Shape>) -> Vec<Shape> {
    vec![]
}

#[client]
fn misc(
    event: Event,
    loose: Loose,
    marker: Marker,
    point: Point,
    id: UserId,
) -> (
    HashMap<String, i32>,
    BTreeMap<Color, u64>,
    serde_json::Value,
) {
    Default::default()
}

#[client]
fn wide(a: i64, b: u64, c: i128, d: u128, e: isize, f: usize) -> u64 {
    0
}

/// The profile of one user.
///
/// Fails with `ProfileError` when the user is gone.
#[client(context = USER, cache(ttl = "5m", stale_if_error = "7d"))]
fn user_profile(
    /// The user's id.
    user_id: u64,
) -> Result<Profile, ProfileError> {
    Err(ProfileError::EmptyName)
}

#[client(context = USER, cache(ttl = "30s", stale_if_error = "1d", timeout = "2s"))]
async fn user_flags(user_id: u64, verbose: Option<bool>) -> Result<Vec<String>, String> {
    Ok(vec![])
}

#[client(context = TEAM, auth)]
fn team_tree(team_id: u32) -> Tree {
    Tree {
        label: String::new(),
        children: vec![],
        parent: None,
    }
}

#[client(context = FEED)]
fn feed_page(user_id: u64, cursor: Option<String>) -> Page<Profile> {
    Page {
        items: vec![],
        next: None,
    }
}

#[client(context = FEED, cache)]
fn feed_pinned() -> Page<String> {
    Page {
        items: vec![],
        next: None,
    }
}

/// Renames a user.
#[client(affects = USER)]
async fn update_profile(user_id: u64, name: String) -> Result<Profile, ProfileError> {
    Err(ProfileError::EmptyName)
}

#[client(affects = USER(user_id = id))]
fn rename_by_id(id: u64, name: String) -> u64 {
    id
}

#[client(affects = [USER, TEAM, FEED])]
fn reset_everything(reason: String) {}

/// Files for a post (docs/protocol.md: "Uploads and binary results"): uploads.
#[client]
fn attach_files(
    post_id: u64,
    files: Vec<tauri_plugin_mizan::Upload>,
    cover: Option<tauri_plugin_mizan::Upload>,
) -> u32 {
    0
}

/// A picture, answered raw.
#[client]
fn picture(id: u64) -> Result<tauri_plugin_mizan::Bytes, String> {
    Ok(Default::default())
}

#[client(affects = [FEED, USER])]
fn post(user_id: u64, text: String, inv: Invalidations) -> Result<(), String> {
    Ok(())
}

/// Tails one user's profile changes.
#[client]
async fn profile_changes(user_id: u64, out: StreamSink<Profile>) -> Result<(), ProfileError> {
    Ok(())
}

/// Imports profiles, telling how far it got.
#[client(affects = USER)]
async fn import_profiles(count: u32, progress: StreamSink<(u32, u32)>) {}

static SLUG: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new("^[a-z]+(-[a-z]+)*$").unwrap());

/// A new team (docs/protocol.md: "Forms"): a form.
#[derive(Serialize, Deserialize, Validate, tauri_plugin_mizan::Form, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewTeam {
    #[validate(length(min = 1, max = 40))]
    team_name: String,
    #[validate(email)]
    contact: Option<String>,
    #[validate(url)]
    home_page: String,
    #[validate(range(min = 0.5, exclusive_max = 10.0))]
    weight: f64,
    #[validate(regex(path = *SLUG), contains(pattern = "-"))]
    slug: String,
    #[validate(nested, length(min = 1))]
    members: Vec<Member>,
    #[serde(default)]
    private: bool,
}

#[derive(Serialize, Deserialize, Validate, tauri_plugin_mizan::Form, specta::Type)]
pub struct Member {
    #[serde(rename = "id")]
    #[validate(range(min = 1))]
    member_id: u64,
}

/// Creates a team from a validated form.
#[client(affects = TEAM)]
fn create_team(team: NewTeam) -> u64 {
    0
}

// Helpers ---------------------------------------------------------------------

fn fixture_fns() -> Vec<&'static ClientFn> {
    tauri_plugin_mizan::__private::inventory::iter::<ClientFn>().collect::<Vec<_>>()
}

fn fixture() -> Registry {
    Registry::from_functions(fixture_fns()).expect("the fixture registry is valid")
}

// Goldens, determinism, round trip -------------------------------------------

#[test]
fn the_fixture_ir_matches_its_golden_file() {
    golden::check("fixture.ir.kdl", &fixture().ir_text().unwrap());
}

#[test]
fn the_fixture_client_matches_its_golden_file() {
    let ts = fixture().client_ts(&TsOptions::default()).unwrap();
    golden::check("fixture.ts", &ts);
}

#[test]
fn the_ir_is_the_same_whatever_the_registration_order() {
    let reference = fixture().ir_text().unwrap();
    let mut fns = fixture_fns();
    fns.reverse();
    assert_eq!(
        Registry::from_functions(fns.clone())
            .unwrap()
            .ir_text()
            .unwrap(),
        reference
    );
    // A few deterministic shuffles.
    for seed in 1..=8u64 {
        let mut state = seed;
        let mut shuffled = fns.clone();
        for i in (1..shuffled.len()).rev() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        assert_eq!(
            Registry::from_functions(shuffled)
                .unwrap()
                .ir_text()
                .unwrap(),
            reference,
            "shuffle {seed}"
        );
    }
    // And across runs of the same registry.
    assert_eq!(fixture().ir_text().unwrap(), reference);
}

#[test]
fn the_text_round_trips_byte_for_byte() {
    let text = fixture().ir_text().unwrap();
    let model = Ir::from_kdl(&text).unwrap();
    assert_eq!(model, fixture().ir().unwrap());
    assert_eq!(model.to_kdl(), text);
}

#[test]
fn the_client_is_made_from_the_text_alone() {
    let text = fixture().ir_text().unwrap();
    let from_text = codegen::generate_ts(&text, &TsOptions::default()).unwrap();
    assert_eq!(
        from_text,
        fixture().client_ts(&TsOptions::default()).unwrap()
    );
}

#[test]
fn serde_wire_names_and_shapes_reach_the_ir() {
    let ir = fixture().ir().unwrap();
    let text = ir.to_kdl();
    // rename_all, rename, skip, skip_serializing_if, default, flatten.
    let profile = ir.type_def("Profile").unwrap();
    let codegen::Type::Struct(s) = &profile.ty else {
        panic!("Profile is a struct")
    };
    let names: Vec<(&str, bool, bool)> = s
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.optional, f.flatten))
        .collect();
    assert_eq!(
        names,
        [
            ("userId", false, false),
            ("displayName", false, false),
            ("e-mail", false, false),
            ("nickname", true, false),
            ("tags", true, false),
            ("audit", false, true),
        ]
    );
    // Enum representations and variant names.
    assert!(text.contains("enum repr=internal tag=kind"));
    assert!(text.contains("variant too_long"));
    assert!(!text.contains("Hidden") && !text.contains("hidden"));
    assert!(text.contains("enum repr=adjacent tag=t content=c"));
    assert!(text.contains("enum repr=untagged"));
    assert!(text.contains("variant tri"));
    // A tier-2 mapping is resolved; a mutation without matching params is tier 3.
    let rename = ir.function("rename_by_id").unwrap();
    let codegen::FnKind::Mutation { affects, .. } = &rename.kind else {
        panic!()
    };
    assert_eq!(affects[0].scope[0].context_param, "user_id");
    assert_eq!(affects[0].scope[0].function_param, "id");
    let reset = ir.function("reset_everything").unwrap();
    let codegen::FnKind::Mutation { affects, .. } = &reset.kind else {
        panic!()
    };
    assert!(affects.iter().all(|a| a.scope.is_empty()));
    // The renamed function is there under its wire name only.
    assert!(ir.function("hello").is_some() && ir.function("greet").is_none());
    // Context params are the union, sorted; an Option is optional.
    let feed = ir.context("feed").unwrap();
    let params: Vec<(&str, bool)> = feed
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.optional))
        .collect();
    assert_eq!(params, [("cursor", true), ("user_id", false)]);
}

#[test]
fn wide_integers_are_numbers_in_typescript() {
    let ts = fixture().client_ts(&TsOptions::default()).unwrap();
    assert!(ts.contains("export type WideArgs = {\n  a: number;\n  b: number;\n  c: number;\n  d: number;\n  e: number;\n  f: number;\n};"));
    assert!(ts.contains(
        "export function wide(args: WideArgs, client?: $mizan.MizanClient): Promise<number>"
    ));
    assert!(!ts.contains("bigint"));
}

// The `ir` command ---------------------------------------------------------------

#[test]
fn the_ir_command_answers_the_text() {
    let (_app, windows) = common::app(&[("main", Some(&common::dev_capability("main")))]);
    let text = common::invoke(&windows[0], "plugin:mizan|ir", serde_json::json!({})).unwrap();
    assert_eq!(
        text,
        serde_json::Value::String(Registry::discover().unwrap().ir_text().unwrap())
    );
}

#[test]
fn the_ir_command_needs_its_permission() {
    let cap = r#"{"identifier": "calls-only", "windows": ["main"], "permissions": ["mizan:allow-call", "mizan:allow-ctx"]}"#;
    let (_app, windows) = common::app(&[("main", Some(cap))]);
    assert!(common::invoke(&windows[0], "plugin:mizan|ir", serde_json::json!({})).is_err());
}

// Export helpers and the CLI -------------------------------------------------------

/// A fresh folder for one test's files.
fn export_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mizan-ir-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An absolute path as the `&'static str` the file macros take.
fn leak(path: std::path::PathBuf) -> &'static str {
    Box::leak(path.display().to_string().into_boxed_str())
}

#[test]
fn export_helpers_write_the_ir_and_the_client_and_create_no_folders() {
    let dir = export_dir("export");
    let registry = fixture();
    registry.export_ir(dir.join("app.ir.kdl")).unwrap();
    registry.export_client(dir.join("app.gen.ts")).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("app.ir.kdl")).unwrap(),
        registry.ir_text().unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("app.gen.ts")).unwrap(),
        registry.client_ts(&TsOptions::default()).unwrap()
    );
    let err = registry
        .export_client(dir.join("nested/app.gen.ts"))
        .unwrap_err();
    assert!(
        matches!(&err, tauri_plugin_mizan::ir::ExportError::MissingFolder { folder, .. } if folder == &dir.join("nested")),
        "{err:?}"
    );
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!dir.join("nested").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_relative_export_path_is_taken_from_the_crate_folder() {
    let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = tauri_plugin_mizan::client_file!("../src/mizan.gen.ts");
    assert_eq!(
        file.path(),
        crate_dir.parent().unwrap().join("src/mizan.gen.ts")
    );
    let file = tauri_plugin_mizan::ir_file!("./gen/mizan.ir.kdl");
    assert_eq!(file.path(), crate_dir.join("gen/mizan.ir.kdl"));
}

#[test]
fn an_export_file_is_written_when_changed_and_checked() {
    let dir = export_dir("check");
    let registry = fixture();
    let file = tauri_plugin_mizan::client_file!(leak(dir.join("client.ts")));
    let expected = registry.client_ts(&TsOptions::default()).unwrap();

    let missing = file.check_from(&registry).unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("does not exist: generate it with `MIZAN_UPDATE=1 cargo test`"),
        "{missing}"
    );
    assert!(
        file.write_from(&registry).unwrap(),
        "the first write writes"
    );
    assert!(
        !file.write_from(&registry).unwrap(),
        "an unchanged file is not rewritten"
    );
    assert_eq!(std::fs::read_to_string(file.path()).unwrap(), expected);
    file.check_from(&registry).unwrap();

    let edited = expected.replacen("export const USER", "export const USERS", 1);
    std::fs::write(file.path(), &edited).unwrap();
    let stale = file.check_from(&registry).unwrap_err().to_string();
    assert!(
        stale.contains("is out of date with the #[client] functions"),
        "{stale}"
    );
    assert!(stale.contains("- export const USERS"), "{stale}");
    assert!(stale.contains("+ export const USER:"), "{stale}");
    assert!(stale.contains("MIZAN_UPDATE=1 cargo test"), "{stale}");
    assert_eq!(
        std::fs::read_to_string(file.path()).unwrap(),
        edited,
        "a check writes nothing"
    );

    let ir = tauri_plugin_mizan::ir_file!(leak(dir.join("app.ir.kdl")));
    assert!(ir.write_from(&registry).unwrap());
    assert_eq!(
        std::fs::read_to_string(ir.path()).unwrap(),
        registry.ir_text().unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn assert_current_fails_with_the_message_or_writes_on_request() {
    // The discovering forms see this test binary's functions: the fixture.
    let dir = export_dir("assert");
    let file = tauri_plugin_mizan::client_file!(leak(dir.join("client.ts")));
    let panic = std::panic::catch_unwind(|| file.assert_current()).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("client.ts does not exist"), "{message}");

    std::env::set_var(tauri_plugin_mizan::ir::UPDATE_ENV, "1");
    file.assert_current();
    std::env::remove_var(tauri_plugin_mizan::ir::UPDATE_ENV);
    file.assert_current();
    assert_eq!(
        std::fs::read_to_string(file.path()).unwrap(),
        fixture().client_ts(&TsOptions::default()).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_builder_exports_in_debug_builds() {
    let dir = export_dir("builder");
    let plugin = tauri_plugin_mizan::Builder::new()
        .export(tauri_plugin_mizan::client_file!(leak(
            dir.join("client.ts")
        )))
        .export(tauri_plugin_mizan::ir_file!(leak(dir.join("app.ir.kdl"))))
        .build();
    let (_app, _) = common::app_with(plugin, &[]);
    if cfg!(debug_assertions) {
        assert_eq!(
            std::fs::read_to_string(dir.join("app.ir.kdl")).unwrap(),
            fixture().ir_text().unwrap()
        );
        assert!(std::fs::read_to_string(dir.join("client.ts"))
            .unwrap()
            .contains("export const USER"));
    } else {
        assert!(!dir.join("client.ts").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `mizan-codegen <ir> -o <out>`.
fn codegen_cli(ir: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO"))
        .args([
            "run",
            "--quiet",
            "-p",
            "tauri-plugin-mizan-codegen",
            "--bin",
            "mizan-codegen",
            "--",
        ])
        .arg(ir)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn the_cli_turns_an_ir_file_into_the_module() {
    let dir = std::env::temp_dir().join(format!("mizan-ir-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ir = dir.join("app.ir.kdl");
    std::fs::write(&ir, fixture().ir_text().unwrap()).unwrap();
    let out = dir.join("app.ts");
    assert!(codegen_cli(&ir, &out).status.success());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        fixture().client_ts(&TsOptions::default()).unwrap()
    );
    // A bad file: non-zero exit and a message naming the problem.
    std::fs::write(&ir, "mizan-ir 2\n").unwrap();
    let output = codegen_cli(&ir, &out);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("IR format version 2 is not supported"),
        "{stderr}"
    );
    // 20,000 nested lists: the line where the limit is crossed, not a crash.
    let mut deep = String::from("mizan-ir 1\nfunction f kind=query {\n    result {\n");
    deep.push_str(&"list {\n".repeat(20_000));
    deep.push_str(&"}\n".repeat(20_000));
    deep.push_str("}\n    auth none\n}\n");
    std::fs::write(&ir, deep).unwrap();
    let output = codegen_cli(&ir, &dir.join("deep.ts"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "line {}: the IR nests deeper than {} levels",
            codegen::MAX_DEPTH + 2,
            codegen::MAX_DEPTH
        )),
        "{stderr}"
    );
    assert!(!dir.join("deep.ts").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

// Reader errors ------------------------------------------------------------------

fn read_err(text: &str) -> ReadError {
    Ir::from_kdl(text).expect_err("the reader refuses this text")
}

const PING: &str =
    "function ping kind=query {\n    result {\n        string\n    }\n    auth none\n}\n";

#[test]
fn a_truncated_text_is_a_syntax_error_with_its_line() {
    let text = fixture().ir_text().unwrap();
    // Halfway, just after an opening brace: a block left open.
    let half = text.len() / 2;
    let cut = &text[..half + text[half..].find('{').unwrap() + 1];
    let err = read_err(cut);
    assert!(
        matches!(err, ReadError::Syntax { .. } | ReadError::Missing { .. }),
        "{err}"
    );
    let err = read_err("mizan-ir 1\nfunction ping kind=query {\n    result {\n");
    let ReadError::Syntax { line, .. } = err else {
        panic!("{err}")
    };
    assert!(line >= 2, "{line}");
}

#[test]
fn a_wrong_or_missing_version_is_refused_clearly() {
    assert!(
        matches!(read_err(&format!("mizan-ir 2\n{PING}")), ReadError::UnsupportedVersion { ref found, supported: 1 } if found == "2")
    );
    assert!(matches!(
        read_err("mizan-ir \"1\"\n"),
        ReadError::UnsupportedVersion { .. }
    ));
    assert!(matches!(read_err(PING), ReadError::MissingVersion { .. }));
    assert!(matches!(read_err(""), ReadError::MissingVersion { .. }));
    assert!(matches!(
        read_err("mizan-ir\n"),
        ReadError::MissingVersion { .. }
    ));
}

#[test]
fn unknown_nodes_are_refused_where_they_appear() {
    let err = read_err(&format!("mizan-ir 1\n{PING}functoin x\n"));
    assert_eq!(
        err.to_string(),
        "line 8: unknown node `functoin` in the document"
    );
    let err = read_err("mizan-ir 1\nfunction ping kind=query {\n    result {\n        strnig\n    }\n    auth none\n}\n");
    assert_eq!(
        err.to_string(),
        "line 4: unknown node `strnig` in a type in `result` of function `ping`"
    );
    let err = read_err("mizan-ir 1\nfunction ping kind=query {\n    result {\n        string\n    }\n    auth none\n    memoize forever\n}\n");
    assert!(
        matches!(err, ReadError::UnknownNode { line: 7, .. }),
        "{err}"
    );
}

#[test]
fn a_type_reference_to_nothing_is_refused() {
    let err = read_err("mizan-ir 1\nfunction me kind=query {\n    result {\n        ref Ghost\n    }\n    auth none\n}\n");
    assert_eq!(
        err.to_string(),
        "the result of function `me` refers to type `Ghost`, which the IR does not define"
    );
}

#[test]
fn other_inconsistencies_are_refused() {
    // Unknown context.
    let err = read_err("mizan-ir 1\nfunction a kind=context context=nowhere {\n    result {\n        unit\n    }\n    auth none\n}\n");
    assert!(matches!(err, ReadError::UnknownContext { .. }), "{err}");
    // Duplicate function.
    let err = read_err(&format!("mizan-ir 1\n{PING}{PING}"));
    assert!(
        matches!(
            err,
            ReadError::Duplicate {
                kind: "function",
                ..
            }
        ),
        "{err}"
    );
    // Missing result, unknown kind, unknown property, wrong arity of a generic.
    assert!(matches!(
        read_err("mizan-ir 1\nfunction a kind=query {\n    auth none\n}\n"),
        ReadError::Missing { .. }
    ));
    assert!(matches!(
        read_err("mizan-ir 1\nfunction a kind=lookup {\n    auth none\n}\n"),
        ReadError::Invalid { .. }
    ));
    assert!(matches!(
        read_err("mizan-ir 1\nfunction a kind=query cached=#true {\n    auth none\n}\n"),
        ReadError::Invalid { .. }
    ));
    let err = read_err("mizan-ir 1\nfunction a kind=query {\n    result {\n        ref Page\n    }\n    auth none\n}\ntype Page {\n    type-param T\n    list {\n        generic T\n    }\n}\n");
    assert!(matches!(err, ReadError::Inconsistent(_)), "{err}");
    // Auth requirements: a role needs its name; the others take none.
    let fun = |auth: &str| {
        format!("mizan-ir 1\nfunction a kind=query {{\n    result {{\n        unit\n    }}\n    {auth}\n}}\n")
    };
    assert!(matches!(
        read_err(&fun("auth role")),
        ReadError::Missing { .. }
    ));
    assert!(matches!(
        read_err(&fun("auth identity admin")),
        ReadError::Invalid { .. }
    ));
    assert!(matches!(
        read_err(&fun("auth superuser")),
        ReadError::Invalid { .. }
    ));
    // Only a mutation names its own targets, once.
    assert!(matches!(
        read_err(&fun("names-targets\n    auth none")),
        ReadError::Invalid { .. }
    ));
    let twice = "mizan-ir 1\nfunction m kind=mutation {\n    result {\n        unit\n    }\n    names-targets\n    names-targets\n    auth none\n}\n";
    assert!(matches!(read_err(twice), ReadError::Invalid { .. }));
    // A streaming function has one `item` and `uses stream`; no other has one.
    for bad in [
        "auth none\n    uses stream",
        "item {\n        u32\n    }\n    auth none",
        "item {\n        u32\n    }\n    item {\n        u32\n    }\n    auth none\n    uses stream",
    ] {
        assert!(
            matches!(read_err(&fun(bad)), ReadError::Invalid { .. }),
            "{bad}"
        );
    }
    let streaming = fun("item {\n        u32\n    }\n    auth none\n    uses stream");
    assert_eq!(Ir::from_kdl(&streaming).unwrap().to_kdl(), streaming);
    for ok in ["auth none", "auth identity", "auth role admin"] {
        let text = fun(ok);
        let ir = Ir::from_kdl(&text).unwrap();
        assert_eq!(ir.to_kdl(), text, "{ok} round-trips");
    }
    // The origin cache: context functions only, once, a ttl in integer ms.
    let ctx_fn = |node: &str| {
        format!("mizan-ir 1\nfunction a kind=context context=c {{\n    result {{\n        unit\n    }}\n    {node}\n    auth none\n}}\ncontext c\n")
    };
    assert!(matches!(
        read_err(&fun("cache ttl=1000\n    auth none")),
        ReadError::Invalid { .. }
    ));
    for bad in [
        "cache ttl=1000\n    cache ttl=1000",
        "cache ttl=-1",
        "cache ttl=\"5m\"",
        "cache ttl=1000 max-age=5",
        "cache 1000",
    ] {
        assert!(
            matches!(read_err(&ctx_fn(bad)), ReadError::Invalid { .. }),
            "{bad}"
        );
    }
    assert!(matches!(
        read_err(&ctx_fn("cache stale-if-error=1000")),
        ReadError::Missing { .. }
    ));
    for ok in [
        "cache ttl=300000",
        "cache ttl=0 stale-if-error=604800000 timeout=2000",
    ] {
        let text = ctx_fn(ok);
        let ir = Ir::from_kdl(&text).unwrap();
        assert_eq!(ir.to_kdl(), text, "{ok} round-trips");
    }
    // A scope pair naming a param the mutation does not have.
    let err = read_err("mizan-ir 1\nfunction m kind=mutation {\n    result {\n        unit\n    }\n    affects c {\n        scope id id\n    }\n    auth none\n}\nfunction r kind=context context=c {\n    param id {\n        u32\n    }\n    result {\n        unit\n    }\n    auth none\n}\ncontext c {\n    param id {\n        u32\n    }\n}\n");
    assert!(matches!(err, ReadError::Inconsistent(_)), "{err}");
}

#[test]
fn the_generator_refuses_names_that_clash_in_typescript() {
    let text = "mizan-ir 1\nfunction update_profile kind=query {\n    result {\n        unit\n    }\n    auth none\n}\nfunction updateProfile kind=query {\n    result {\n        unit\n    }\n    auth none\n}\n";
    let err = codegen::generate_ts(text, &TsOptions::default()).unwrap_err();
    assert!(matches!(err, codegen::GenError::NameClash { .. }), "{err}");
    assert!(
        err.to_string().contains("update_profile") && err.to_string().contains("`updateProfile`"),
        "{err}"
    );
}

// Fuzzing the reader ------------------------------------------------------------------

/// One mutation of a valid IR text.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    DeleteByte(usize),
    InsertByte(usize, u8),
    SwapLines(usize, usize),
    DropLine(usize),
    DuplicateLine(usize),
    ReplaceWord(usize, &'static str),
}

const WORDS: &[&str] = &[
    "ref",
    "struct",
    "enum",
    "variant",
    "field",
    "list",
    "map",
    "tuple",
    "nullable",
    "literal",
    "generic",
    "type-param",
    "function",
    "context",
    "type",
    "param",
    "result",
    "error",
    "affects",
    "scope",
    "auth",
    "uses",
    "mizan-ir",
    "#null",
    "#true",
    "\"",
    "{",
    "}",
    ";",
    "0",
    "-1",
    "Ghost",
    "repr=internal",
    "kind=context",
    "optional=#true",
    "length=99999999999999",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::DeleteByte),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::InsertByte(i, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        any::<usize>().prop_map(Mutation::DropLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), proptest::sample::select(WORDS))
            .prop_map(|(i, w)| Mutation::ReplaceWord(i, w)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let bytes = text.as_bytes();
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len().max(1);
    match m {
        Mutation::Truncate(i) => {
            String::from_utf8_lossy(&bytes[..i % (bytes.len() + 1)]).into_owned()
        }
        Mutation::DeleteByte(i) => {
            let mut b = bytes.to_vec();
            if !b.is_empty() {
                b.remove(i % b.len());
            }
            String::from_utf8_lossy(&b).into_owned()
        }
        Mutation::InsertByte(i, x) => {
            let mut b = bytes.to_vec();
            b.insert(i % (b.len() + 1), *x);
            String::from_utf8_lossy(&b).into_owned()
        }
        Mutation::SwapLines(a, b) => {
            lines.swap(a % n, b % n);
            lines.join("\n")
        }
        Mutation::DropLine(i) => {
            lines.remove(i % n);
            lines.join("\n")
        }
        Mutation::DuplicateLine(i) => {
            let l = lines[i % n];
            lines.insert(i % n, l);
            lines.join("\n")
        }
        Mutation::ReplaceWord(i, w) => {
            let mut words: Vec<&str> = text.split(' ').collect();
            let k = i % words.len();
            words[k] = w;
            words.join(" ")
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        max_shrink_iters: 256,
        timeout: 10_000,
        ..ProptestConfig::default()
    })]

    /// Mutated IR texts never panic the reader or the generator: they read
    /// into an IR that prints and reads back the same, or fail with an error.
    #[test]
    fn mutated_ir_never_panics_the_reader(ms in proptest::collection::vec(mutation(), 1..4)) {
        let mut text = FIXTURE_TEXT.with(Clone::clone);
        for m in &ms {
            text = apply(&text, m);
        }
        if let Ok(ir) = Ir::from_kdl(&text) {
            let again = ir.to_kdl();
            prop_assert_eq!(Ir::from_kdl(&again).unwrap(), ir.clone());
            let _ = codegen::ts_module(&ir, &TsOptions::default());
        }
    }
}

thread_local! {
    static FIXTURE_TEXT: String = fixture().ir_text().unwrap();
}

// The plugin's own IPC surface -------------------------------------------------------

/// The wire types, generated through specta and the IR; `tests/ts` checks
/// that each is mutually assignable with the guest-js type of the same role.
#[test]
fn the_wire_types_match_their_golden_file() {
    let ts = codegen::ts_module(
        &tauri_plugin_mizan::ir::wire_types_ir(),
        &TsOptions::default(),
    )
    .unwrap();
    golden::check("wire.ts", &ts);
}

/// The request shapes are not specta types (the commands read their
/// bodies by hand, beside a `CommandScope`), so one JSON file pins them:
/// this test sends each request to the real commands, and `tests/ts`
/// checks that guest-js sends exactly these.
#[test]
fn the_pinned_request_shapes_are_what_the_commands_accept() {
    let requests: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(golden::dir().join("requests.json")).unwrap(),
    )
    .unwrap();
    let (_app, windows) = common::app(&[("main", Some(&common::dev_capability("main")))]);
    for r in &requests {
        let cmd = r["cmd"].as_str().unwrap();
        let answer = common::invoke(&windows[0], cmd, r["args"].clone());
        assert!(answer.is_ok(), "{cmd}: {answer:?}");
    }
    // And a request with one key renamed is refused.
    let wrong = serde_json::json!({"function": "hello", "args": {"name": "Ada"}});
    assert!(common::invoke(&windows[0], "plugin:mizan|call", wrong).is_err());
}
