//! Per-window access: a scope entry holds for everything it names, whichever
//! of the plugin's commands carries it (or the global scope), through every
//! way of reaching it: `call` of a function, `call` of a context function,
//! `ctx` of its bundle. Every combination of carrier and entry, through the
//! real ACL.
#![allow(missing_docs)]

mod common;

use std::sync::atomic::{AtomicU32, Ordering};

use common::{app, call, ctx, default_capability};
use serde_json::{json, Value};
use tauri_plugin_mizan::{client, Context};

pub const DASH: Context = Context::new("dash");
pub const USER: Context = Context::new("user");

/// Runs of `dash_totals` in windows labelled `scoped`.
static RUNS: AtomicU32 = AtomicU32::new(0);

#[client(context = DASH)]
fn dash_totals(webview: tauri::Webview<tauri::test::MockRuntime>) -> u32 {
    if webview.label() == "scoped" {
        RUNS.fetch_add(1, Ordering::SeqCst);
    }
    7
}

#[client(context = DASH)]
fn dash_count() -> u32 {
    3
}

#[client(context = USER)]
fn user_name(user_id: u32) -> String {
    format!("user {user_id}")
}

#[client]
fn ping() -> &'static str {
    "pong"
}

/// Where the entry sits.
#[derive(Debug, Clone, Copy)]
enum Carrier {
    Call,
    Ctx,
    /// `mizan:scope`: a permission without commands, Tauri's global scope.
    Global,
}

/// A capability for `window` with plain `call` and `ctx`, and one entry
/// (`"allow"` or `"deny"`) on the carrier.
fn capability(window: &str, carrier: Carrier, kind: &str, entry: &Value) -> String {
    let scoped = |id: &str| json!({"identifier": id, kind: [entry]});
    let permissions = match carrier {
        Carrier::Call => json!([scoped("mizan:allow-call"), "mizan:allow-ctx"]),
        Carrier::Ctx => json!(["mizan:allow-call", scoped("mizan:allow-ctx")]),
        Carrier::Global => json!(["mizan:allow-call", "mizan:allow-ctx", scoped("mizan:scope")]),
    };
    json!({"identifier": format!("cap-{window}"), "windows": [window], "permissions": permissions})
        .to_string()
}

/// What one window reaches: each probe's answer, `ok`, `forbidden`, or for
/// a bundle the functions that answered and those refused.
fn reach(w: &tauri::WebviewWindow<tauri::test::MockRuntime>) -> Value {
    let code = |r: Result<Value, Value>| match r {
        Ok(_) => json!("ok"),
        Err(e) => e["code"].clone(),
    };
    let bundle = |r: Result<Value, Value>| match r {
        Ok(b) => {
            let data: Vec<&String> = b["data"].as_object().unwrap().keys().collect();
            let refused: Vec<(&String, &Value)> = b["errors"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, e)| (k, &e["code"]))
                .collect();
            json!({"data": data, "errors": refused})
        }
        Err(e) => e["code"].clone(),
    };
    json!({
        "call dash_totals": code(call(w, "dash_totals", json!({}))),
        "call dash_count": code(call(w, "dash_count", json!({}))),
        "ctx dash": bundle(ctx(w, "dash", json!({}))),
        "call user_name": code(call(w, "user_name", json!({"user_id": 1}))),
        "ctx user": bundle(ctx(w, "user", json!({"user_id": 1}))),
        "call ping": code(call(w, "ping", json!({}))),
    })
}

/// Everything answers.
fn everything() -> Value {
    json!({
        "call dash_totals": "ok",
        "call dash_count": "ok",
        "ctx dash": {"data": ["dash_count", "dash_totals"], "errors": []},
        "call user_name": "ok",
        "ctx user": {"data": ["user_name"], "errors": []},
        "call ping": "ok",
    })
}

/// `everything()` with some answers replaced.
fn except(changes: Value) -> Value {
    let mut all = everything();
    for (k, v) in changes.as_object().unwrap() {
        all[k] = v.clone();
    }
    all
}

/// The four entries and what a window holding one of them reaches.
fn cases() -> Vec<(&'static str, Value, Value)> {
    let refused = |f: &str| json!([f, "forbidden"]);
    vec![
        (
            "deny",
            json!({"fn": "dash_totals"}),
            // The function is refused wherever it is reached; the rest of
            // its bundle answers.
            except(json!({
                "call dash_totals": "forbidden",
                "ctx dash": {"data": ["dash_count"], "errors": [refused("dash_totals")]},
            })),
        ),
        (
            "deny",
            json!({"context": "dash"}),
            // The context's bundle and each of its functions through `call`.
            except(json!({
                "call dash_totals": "forbidden",
                "call dash_count": "forbidden",
                "ctx dash": "forbidden",
            })),
        ),
        (
            "allow",
            json!({"fn": "ping"}),
            // Only `ping` runs, in `call` and in bundles.
            except(json!({
                "call dash_totals": "forbidden",
                "call dash_count": "forbidden",
                "ctx dash": {"data": [], "errors": [refused("dash_count"), refused("dash_totals")]},
                "call user_name": "forbidden",
                "ctx user": {"data": [], "errors": [refused("user_name")]},
            })),
        ),
        (
            "allow",
            json!({"context": "user"}),
            // Only the `user` context is read; functions outside contexts
            // are not restricted by a list of contexts.
            except(json!({
                "call dash_totals": "forbidden",
                "call dash_count": "forbidden",
                "ctx dash": "forbidden",
            })),
        ),
    ]
}

#[test]
fn an_entry_holds_for_every_way_of_reaching_what_it_names_whatever_carries_it() {
    for carrier in [Carrier::Call, Carrier::Ctx, Carrier::Global] {
        for (kind, entry, expected) in cases() {
            let (_app, w) = app(&[
                ("scoped", Some(&capability("scoped", carrier, kind, &entry))),
                ("free", Some(&default_capability("free"))),
            ]);
            let before = RUNS.load(Ordering::SeqCst);
            let seen = reach(&w[0]);
            assert_eq!(seen, expected, "{kind} {entry} on {carrier:?}");
            // Every entry here refuses `dash_totals` in this window: it
            // never runs, by `call` or in its bundle.
            assert_eq!(
                RUNS.load(Ordering::SeqCst),
                before,
                "{kind} {entry} on {carrier:?}"
            );
            // Tauri's global scope applies to every window; a command's
            // scope only to the windows of its capability.
            let other = reach(&w[1]);
            match carrier {
                Carrier::Global => {
                    assert_eq!(other, expected, "{kind} {entry} global, other window")
                }
                _ => assert_eq!(
                    other,
                    everything(),
                    "{kind} {entry} on {carrier:?}, other window"
                ),
            }
        }
    }
}

#[test]
fn allow_lists_of_functions_and_contexts_combine() {
    // Only `ping` and the `user` context: a context named by an allow
    // entry allows its functions.
    let cap = json!({
        "identifier": "cap-only", "windows": ["only"],
        "permissions": [
            {"identifier": "mizan:allow-call", "allow": [{"fn": "ping"}]},
            {"identifier": "mizan:allow-ctx", "allow": [{"context": "user"}]}
        ]
    });
    let (_app, w) = app(&[("only", Some(&cap.to_string()))]);
    assert_eq!(
        reach(&w[0]),
        except(json!({
            "call dash_totals": "forbidden",
            "call dash_count": "forbidden",
            "ctx dash": "forbidden",
        }))
    );
    // `{"context": "*"}` beside a list of functions: every context is read.
    let cap = json!({
        "identifier": "cap-reads", "windows": ["reads"],
        "permissions": [
            {"identifier": "mizan:default", "allow": [{"fn": "user_name"}, {"context": "*"}]}
        ]
    });
    let (_app, w) = app(&[("reads", Some(&cap.to_string()))]);
    assert_eq!(reach(&w[0]), except(json!({"call ping": "forbidden"})));
}

#[test]
fn denies_win_over_allows_from_any_carrier() {
    let cap = json!({
        "identifier": "cap-both", "windows": ["both"],
        "permissions": [
            {"identifier": "mizan:allow-call", "allow": [{"context": "dash"}, {"fn": "ping"}]},
            {"identifier": "mizan:allow-ctx", "deny": [{"fn": "dash_count"}]}
        ]
    });
    let (_app, w) = app(&[("both", Some(&cap.to_string()))]);
    assert_eq!(
        reach(&w[0]),
        except(json!({
            "call dash_count": "forbidden",
            "ctx dash": {"data": ["dash_totals"], "errors": [["dash_count", "forbidden"]]},
            "call user_name": "forbidden",
            "ctx user": "forbidden",
        }))
    );
}
