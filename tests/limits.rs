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
