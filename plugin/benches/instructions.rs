//! The instructions of one request through the mock IPC path, counted
//! under Callgrind: deterministic where wall-clock ratios drift, so work
//! added to every call shows as a number (see `docs/performance.md`).
//!
//! Each benchmark is one request to an app that has already served a few
//! of the same kind: what a call costs in steady state, not the first
//! call's set-up. A plain plugin command with the same body is the
//! baseline.
//!
//! Runs with the `gungraun-runner` of the same version as the `gungraun`
//! dev-dependency on the `PATH`, and Valgrind: `bash tests/bench.sh`.
#![allow(missing_docs)]

#[path = "../../tests/common/mod.rs"]
mod common;
mod plain;

use std::hint::black_box;

use gungraun::{library_benchmark, library_benchmark_group, main};
use serde_json::{json, Value};
use tauri::{test::MockRuntime, App, WebviewWindow};
use tauri_plugin_mizan::{client, Context};

const USER: Context = Context::new("user");

#[client]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[client(context = USER)]
fn user_name(user_id: u32) -> String {
    format!("user {user_id}")
}

type Fixture = (App<MockRuntime>, WebviewWindow<MockRuntime>);

/// The app with Mizan and the plain plugin, one window granted both, after
/// a few requests of each kind.
fn app() -> Fixture {
    use tauri::Manager;
    let mut context = tauri::test::mock_context(tauri::test::noop_assets());
    let acl = std::collections::BTreeMap::from([
        ("mizan".to_owned(), common::plugin_manifest()),
        ("plain".to_owned(), plain::manifest()),
    ]);
    *context.runtime_authority_mut() =
        tauri::ipc::RuntimeAuthority::new(acl, tauri::utils::acl::resolved::Resolved::default());
    let app = tauri::test::mock_builder()
        .plugin(tauri_plugin_mizan::init::<MockRuntime>())
        .plugin(plain::plugin())
        .build(context)
        .unwrap();
    app.add_capability(common::default_capability("main"))
        .unwrap();
    app.add_capability(
        r#"{"identifier": "plain", "windows": ["main"], "permissions": ["plain:default"]}"#,
    )
    .unwrap();
    let w = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    for _ in 0..3 {
        assert_eq!(plugin_request(&w), json!(3));
        assert_eq!(call(&w)["result"], json!(3));
        assert_eq!(ctx(&w)["data"]["user_name"], json!("user 5"));
    }
    (app, w)
}

fn plugin_request(w: &WebviewWindow<MockRuntime>) -> Value {
    common::invoke(w, plain::PLUGIN_ADD, json!({"a": 1, "b": 2})).unwrap()
}

fn call(w: &WebviewWindow<MockRuntime>) -> Value {
    common::call(w, "add", json!({"a": 1, "b": 2})).unwrap()
}

fn ctx(w: &WebviewWindow<MockRuntime>) -> Value {
    common::ctx(w, "user", json!({"user_id": 5})).unwrap()
}

// The app is built outside the count (the argument), and each returns
// it, so that dropping it is not counted either.

#[library_benchmark]
#[bench::steady(app())]
fn plain_plugin_command(fixture: Fixture) -> (Fixture, Value) {
    let answer = black_box(plugin_request(&fixture.1));
    (fixture, answer)
}

#[library_benchmark]
#[bench::steady(app())]
fn mizan_call(fixture: Fixture) -> (Fixture, Value) {
    let answer = black_box(call(&fixture.1));
    (fixture, answer)
}

#[library_benchmark]
#[bench::steady(app())]
fn mizan_ctx(fixture: Fixture) -> (Fixture, Value) {
    let answer = black_box(ctx(&fixture.1));
    (fixture, answer)
}

library_benchmark_group!(
    name = ipc,
    benchmarks = [plain_plugin_command, mizan_call, mizan_ctx]
);

main!(library_benchmark_groups = ipc);
