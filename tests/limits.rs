//! The limits on what a request may hold: its JSON size (matched exactly
//! against `max_request_bytes`, both ways) and the nesting depth of its
//! args, on every path (sync and async, `call` and `ctx`, queries, context
//! functions and mutations).
#![allow(missing_docs)]

mod common;

use common::{app, app_with, call, default_capability};
use serde_json::{json, Value};
use tauri_plugin_mizan::{client, Context};

#[client]
fn count(xs: Vec<u8>) -> usize {
    xs.len()
}

#[client]
fn text_len(text: String) -> usize {
    text.len()
}

/// The exact JSON size of a `call` body, as the webview's `JSON.stringify`
/// and serde_json write it.
fn size_of_call(function: &str, args: &Value) -> usize {
    serde_json::to_vec(&json!({"fn": function, "args": args}))
        .unwrap()
        .len()
}

fn limited(bytes: usize) -> common::Windows {
    app_with(
        tauri_plugin_mizan::Builder::new()
            .max_request_bytes(bytes)
            .build(),
        &[("main", Some(&default_capability("main")))],
    )
}

#[test]
fn a_request_under_the_limit_is_served_whatever_it_holds() {
    // Two million zeros: 4 MB of JSON, well under the 16 MiB default.
    let (_app, w) = app(&[("main", Some(&default_capability("main")))]);
    let args = json!({"xs": vec![0u8; 2_000_000]});
    assert!(size_of_call("count", &args) < 16 * 1024 * 1024);
    let res = call(&w[0], "count", args).unwrap();
    assert_eq!(res["result"], 2_000_000);
}

#[test]
fn a_request_over_the_limit_is_refused_whatever_it_holds() {
    // Control characters are escaped on the wire (`\u0001`: six bytes
    // for one in memory).
    let (_app, w) = limited(1024 * 1024);
    let args = json!({"text": "\u{1}".repeat(300_000)});
    let size = size_of_call("text_len", &args);
    assert!(size > 1024 * 1024, "{size}");
    let err = call(&w[0], "text_len", args).unwrap_err();
    assert_eq!(err["code"], "payload_too_large");
    assert_eq!(err["details"]["limit"], 1024 * 1024);
}

#[test]
fn the_limit_is_the_exact_json_size() {
    let args = json!({
        "text": "a \"quoted\" \\ line\n\ttab \u{1f} é 😀 \u{7f} / end",
        "other": [1, -2, 3.5, 1e300, true, false, null, {"k\n": []}],
    });
    let args = json!({"text": args.to_string()});
    let size = size_of_call("text_len", &args);
    let (_app, w) = limited(size);
    assert!(
        call(&w[0], "text_len", args.clone()).is_ok(),
        "at the limit"
    );
    let (_app, w) = limited(size - 1);
    let err = call(&w[0], "text_len", args).unwrap_err();
    assert_eq!(err["code"], "payload_too_large");
    assert_eq!(err["details"], json!({"size": size, "limit": size - 1}));
}

// Depth ------------------------------------------------------------------

pub const TREE: Context = Context::new("tree");

#[client]
fn shape_sync(v: Value) -> bool {
    v.is_array()
}

#[client]
async fn shape_async(v: Value) -> bool {
    v.is_array()
}

#[client(context = TREE)]
fn tree_sync(v: Value) -> bool {
    v.is_array()
}

#[client(context = TREE)]
async fn tree_async(v: Value) -> bool {
    v.is_array()
}

#[client(affects = TREE)]
fn plant_sync(v: Value) -> bool {
    v.is_array()
}

#[client(affects = TREE)]
async fn plant_async(v: Value) -> bool {
    v.is_array()
}

/// `levels` nested arrays around a number.
fn nested(levels: usize) -> Value {
    let mut v = json!(0);
    for _ in 0..levels {
        v = Value::Array(vec![v]);
    }
    v
}

/// `levels` nested objects around a number: `{"a": {"a": ... 0}}`.
fn nested_objects(levels: usize) -> Value {
    let mut v = json!(0);
    for _ in 0..levels {
        v = Value::Object([("a".to_owned(), v)].into_iter().collect());
    }
    v
}

/// Runs `f` on a thread with the main thread's stack size, where Tauri
/// hands over IPC messages in an app (a test thread has less).
fn on_main_sized_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(8 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// `{"v": value}`, built without copying `value` (`json!` would serialize
/// it, recursively).
fn v(value: Value) -> Value {
    Value::Object([("v".to_owned(), value)].into_iter().collect())
}

#[test]
fn deep_args_are_invalid_on_every_path() {
    on_main_sized_stack(|| {
        let (_app, w) = app(&[("main", Some(&default_capability("main")))]);
        let invalid = |r: Result<Value, Value>, what: &str| {
            let err = r.unwrap_err();
            assert_eq!(err["code"], "invalid_args", "{what}: {err}");
            assert_eq!(err["details"]["params"][0]["name"], "v", "{what}: {err}");
        };
        for f in [
            "shape_sync",
            "shape_async",
            "tree_sync",
            "tree_async",
            "plant_sync",
            "plant_async",
        ] {
            invalid(call(&w[0], f, v(nested(10_000))), f);
        }
        invalid(common::ctx(&w[0], "tree", v(nested(10_000))), "ctx tree");
        // The bound leaves room for everything a webview can send (Tauri's
        // parser stops at 128 levels for the whole body).
        for f in ["shape_sync", "shape_async", "plant_async"] {
            assert_eq!(call(&w[0], f, v(nested(120))).unwrap()["result"], true);
        }
        let bundle = common::ctx(&w[0], "tree", v(nested(120))).unwrap();
        assert_eq!(
            bundle["data"],
            json!({"tree_async": true, "tree_sync": true})
        );
        // And the plugin keeps serving.
        assert_eq!(
            call(&w[0], "count", json!({"xs": [1, 2]})).unwrap()["result"],
            2
        );
    });
}

#[test]
fn no_depth_aborts_the_process() {
    on_main_sized_stack(|| {
        let (_app, w) = app(&[("main", Some(&default_capability("main")))]);
        let invalid = |r: Result<Value, Value>, what: &str| {
            let err = r.unwrap_err();
            assert_eq!(err["code"], "invalid_args", "{what}: {err}");
            assert_eq!(err["details"]["params"][0]["name"], "v", "{what}: {err}");
        };
        // Deeper than a thread of the async runtime drops recursively, as
        // arrays and as objects, on the async paths (their task runs
        // there) and the sync ones; then deeper than the plugin drops at
        // all (kept, not dropped).
        for f in ["shape_async", "plant_async", "shape_sync"] {
            invalid(call(&w[0], f, v(nested(10_000))), f);
            invalid(call(&w[0], f, v(nested_objects(10_000))), f);
        }
        invalid(common::ctx(&w[0], "tree", v(nested(10_000))), "ctx");
        invalid(common::ctx(&w[0], "tree", v(nested_objects(10_000))), "ctx");
        invalid(call(&w[0], "shape_async", v(nested(200_000))), "200k");
        invalid(common::ctx(&w[0], "tree", v(nested(200_000))), "ctx 200k");
        // And the plugin keeps serving.
        assert_eq!(
            call(&w[0], "count", json!({"xs": [1, 2]})).unwrap()["result"],
            2
        );
    });
}
