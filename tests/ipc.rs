#![allow(missing_docs, unused_variables)]
//! The plugin core through the real IPC dispatch path and the real ACL:
//! every form of `#[client]`, every error code, the tiers, bundles, events
//! and per-window access.

mod common;

use std::sync::{
    atomic::{AtomicU32, Ordering},
    Mutex,
};

use common::{app, call, ctx, default_capability, invoke, record_events};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tauri::{test::MockRuntime, AppHandle, Manager, State, Webview, WebviewWindow, Window};
use tauri_plugin_mizan::{client, Context, Identity, Invalidations, MizanExt, Target};

pub const USER: Context = Context::new("user");
pub const TEAM: Context = Context::new("team");
pub const AUDIT: Context = Context::new("audit");

#[derive(Debug, Default)]
struct Db {
    names: Mutex<std::collections::BTreeMap<u32, String>>,
    profile_reads: AtomicU32,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, PartialEq)]
pub struct Profile {
    id: u32,
    name: String,
}

#[derive(Debug, Serialize, specta::Type)]
#[serde(tag = "kind")]
pub enum ProfileError {
    EmptyName,
    TooLong { max: usize },
}

// Queries --------------------------------------------------------------

#[client]
fn ping() -> &'static str {
    "pong"
}

#[client]
async fn add(a: i32, b: i32) -> i32 {
    a + b
}

#[client(name = "hello")]
fn greet(name: String) -> String {
    format!("hello {name}")
}

#[client]
fn nothing() {}

#[client]
fn boom(message: String) -> u32 {
    panic!("{message}")
}

#[client]
async fn boom_async() -> u32 {
    panic!("async boom")
}

#[client]
fn who(
    webview: Webview<MockRuntime>,
    window: Window<MockRuntime>,
    ww: WebviewWindow<MockRuntime>,
    app: AppHandle<MockRuntime>,
) -> Vec<String> {
    vec![
        webview.label().to_owned(),
        window.label().to_owned(),
        ww.label().to_owned(),
        app.webview_windows().len().to_string(),
    ]
}

#[client]
fn query_naming_targets(inv: Invalidations) -> u32 {
    inv.whole(&USER);
    7
}

#[client]
fn needs_unmanaged(_s: State<'_, String>) -> u32 {
    1
}

// The `user` and `team` contexts -----------------------------------------

#[client(context = USER)]
fn user_profile(db: State<'_, Db>, user_id: u32) -> Profile {
    db.profile_reads.fetch_add(1, Ordering::SeqCst);
    let name = db
        .names
        .lock()
        .unwrap()
        .get(&user_id)
        .cloned()
        .unwrap_or_default();
    Profile { id: user_id, name }
}

#[client(context = USER)]
async fn user_flags(user_id: u32, verbose: Option<bool>) -> Result<Vec<String>, String> {
    if user_id == 13 {
        return Err("unlucky".into());
    }
    Ok(vec![format!("verbose={}", verbose.unwrap_or(false))])
}

#[client(context = TEAM)]
fn team_members(team_id: u32) -> Vec<u32> {
    vec![team_id * 10, team_id * 10 + 1]
}

#[client(context = AUDIT)]
fn audit_log() -> Vec<String> {
    vec![]
}

// Auth ----------------------------------------------------------------------

pub const VAULT: Context = Context::new("vault");

static ADMIN_RUNS: AtomicU32 = AtomicU32::new(0);

#[client(auth)]
fn whoami(me: Identity) -> String {
    me.id
}

#[client(auth = "admin")]
fn admin_only() -> u32 {
    ADMIN_RUNS.fetch_add(1, Ordering::SeqCst) + 1
}

#[client]
fn maybe_me(me: Identity) -> String {
    me.id
}

#[client(context = VAULT)]
fn vault_name(vault_id: u32) -> String {
    format!("vault {vault_id}")
}

#[client(context = VAULT, auth = "admin")]
fn vault_secret(vault_id: u32) -> String {
    format!("secret {vault_id}")
}

// Mutations ----------------------------------------------------------------

#[client(affects = USER)]
async fn update_profile(
    db: State<'_, Db>,
    user_id: u32,
    name: String,
) -> Result<Profile, ProfileError> {
    if name.is_empty() {
        return Err(ProfileError::EmptyName);
    }
    if name.len() > 20 {
        // A failed mutation may have written part of its work.
        return Err(ProfileError::TooLong { max: 20 });
    }
    db.names.lock().unwrap().insert(user_id, name.clone());
    Ok(Profile { id: user_id, name })
}

#[client(affects = USER(user_id = id))]
fn rename_by_id(id: u32, name: String) -> u32 {
    let _ = name;
    id
}

#[client(affects = [USER, TEAM])]
fn reset_everything(reason: String) -> String {
    reason
}

#[client(affects = [USER, TEAM])]
fn move_user(user_id: u32, team_id: u32) {}

#[client(affects = USER)]
fn merge_users(keep: u32, drop: u32, inv: Invalidations) {
    inv.add(&USER, json!({ "user_id": keep }));
    inv.add(&USER, json!({ "user_id": drop }));
    inv.whole(&AUDIT);
}

#[client(affects = USER)]
fn maybe_user(user_id: Option<u32>) {}

/// Names targets as a careless function might: nulls, duplicates, a value
/// of the wrong type, and a target of a context it does not affect.
#[client(affects = TEAM)]
fn messy_targets(inv: Invalidations) {
    let target = |context: &str, params: Value| Target {
        context: context.into(),
        params: serde_json::from_value(params).unwrap(),
    };
    inv.target(target("user", json!({"user_id": 5, "gone": null})));
    inv.target(target("user", json!({"user_id": 5})));
    inv.add(&USER, json!({"user_id": 5, "verbose": null}));
    // `user_id` is a `u32`: a string cannot reach a bundle, so the target
    // widens to what it can reach (absent means any value).
    inv.target(target("team", json!({"team_id": "7"})));
    inv.target(target("team", json!({})));
}

#[client(affects = USER)]
fn mutation_panics(user_id: u32) {
    panic!("half way")
}

fn main_window() -> (tauri::App<MockRuntime>, Vec<WebviewWindow<MockRuntime>>) {
    let (app, windows) = app(&[
        ("main", Some(&default_capability("main"))),
        ("other", Some(&default_capability("other"))),
    ]);
    app.manage(Db::default());
    (app, windows)
}

// Tests ----------------------------------------------------------------------

#[test]
fn queries_answer_envelopes() {
    let (_app, w) = main_window();
    assert_eq!(
        call(&w[0], "ping", json!({})).unwrap(),
        json!({"result": "pong", "invalidate": []})
    );
    assert_eq!(
        call(&w[0], "add", json!({"a": 2, "b": 40})).unwrap()["result"],
        json!(42)
    );
    assert_eq!(
        call(&w[0], "hello", json!({"name": "Ada"})).unwrap()["result"],
        json!("hello Ada")
    );
    assert_eq!(
        call(&w[0], "nothing", json!({})).unwrap()["result"],
        Value::Null
    );
    // `args` may be left out when the function takes none.
    assert_eq!(
        invoke(&w[0], "plugin:mizan|call", json!({"fn": "ping"})).unwrap()["result"],
        json!("pong")
    );
}

#[test]
fn the_renamed_function_is_not_served_under_its_rust_name() {
    let (_app, w) = main_window();
    let err = call(&w[0], "greet", json!({"name": "Ada"})).unwrap_err();
    assert_eq!(err["code"], "unknown_function");
}

#[test]
fn injected_params_never_cross_the_wire() {
    let (_app, w) = main_window();
    let res = call(&w[1], "who", json!({})).unwrap();
    assert_eq!(res["result"], json!(["other", "other", "other", "2"]));
    let err = call(&w[1], "who", json!({"webview": 1})).unwrap_err();
    assert_eq!(err["code"], "invalid_args");
}

#[test]
fn unmanaged_state_is_internal_and_says_nothing_inside() {
    let (_app, w) = main_window();
    let err = call(&w[0], "needs_unmanaged", json!({})).unwrap_err();
    assert_eq!(err["code"], "internal");
    assert_eq!(err["message"], "internal error");
}

#[test]
fn unknown_function_and_context() {
    let (_app, w) = main_window();
    let err = call(&w[0], "nope", json!({})).unwrap_err();
    assert_eq!(
        err,
        json!({"code": "unknown_function", "message": "no client function named `nope` is registered", "fn": null, "details": {}, "invalidate": []})
    );
    let err = ctx(&w[0], "nope", json!({})).unwrap_err();
    assert_eq!(err["code"], "unknown_context");
}

/// Every error carries every key of the wire shape, for every code: `fn`
/// names the function, or is `null` when there is none.
#[test]
fn every_error_carries_every_key() {
    let restricted = r#"{
        "identifier": "restricted", "windows": ["restricted"],
        "permissions": [
            {"identifier": "mizan:allow-call", "deny": [{"fn": "update_profile"}]},
            {"identifier": "mizan:allow-ctx", "deny": [{"context": "team"}]}
        ]
    }"#;
    let plugin = tauri_plugin_mizan::Builder::new()
        .identity(|req| (req.label() == "member").then(|| Identity::new("ada")))
        .max_request_bytes(4096)
        .build();
    let (app, w) = common::app_with(
        plugin,
        &[
            ("main", Some(&default_capability("main"))),
            ("member", Some(&default_capability("member"))),
            ("restricted", Some(restricted)),
        ],
    );
    app.manage(Db::default());
    let raw = |body: Vec<u8>| {
        common::invoke_body(
            &w[0],
            "plugin:mizan|call",
            tauri::ipc::InvokeBody::Raw(body),
        )
    };
    let bundle_error =
        ctx(&w[0], "user", json!({"user_id": 13})).unwrap()["errors"]["user_flags"].clone();
    let cases: Vec<(&str, Value, Option<&str>)> = vec![
        (
            "unknown_function",
            call(&w[0], "nope", json!({})).unwrap_err(),
            None,
        ),
        (
            "unknown_context",
            ctx(&w[0], "nope", json!({})).unwrap_err(),
            None,
        ),
        (
            "invalid_args",
            invoke(&w[0], "plugin:mizan|call", json!([])).unwrap_err(),
            None,
        ),
        ("invalid_args", raw(vec![1]).unwrap_err(), None),
        (
            "invalid_args",
            ctx(&w[0], "user", json!({})).unwrap_err(),
            None,
        ),
        (
            "invalid_args",
            call(&w[0], "add", json!({"a": "x"})).unwrap_err(),
            Some("add"),
        ),
        (
            "unauthorized",
            call(&w[0], "admin_only", json!({})).unwrap_err(),
            Some("admin_only"),
        ),
        (
            "forbidden",
            call(&w[1], "admin_only", json!({})).unwrap_err(),
            Some("admin_only"),
        ),
        (
            "forbidden",
            call(&w[2], "update_profile", json!({"user_id": 1, "name": "x"})).unwrap_err(),
            Some("update_profile"),
        ),
        (
            "forbidden",
            ctx(&w[2], "team", json!({"team_id": 1})).unwrap_err(),
            None,
        ),
        (
            "payload_too_large",
            call(&w[0], "greet", json!({"name": "x".repeat(5000)})).unwrap_err(),
            None,
        ),
        ("payload_too_large", raw(vec![0; 5000]).unwrap_err(), None),
        (
            "app",
            call(&w[0], "update_profile", json!({"user_id": 1, "name": ""})).unwrap_err(),
            Some("update_profile"),
        ),
        (
            "internal",
            call(&w[0], "boom", json!({"message": "x"})).unwrap_err(),
            Some("boom"),
        ),
        ("app", bundle_error, Some("user_flags")),
    ];
    let mut codes = std::collections::BTreeSet::new();
    for (code, err, function) in cases {
        let keys: Vec<&String> = err.as_object().expect("an error object").keys().collect();
        assert_eq!(
            keys,
            ["code", "details", "fn", "invalidate", "message"],
            "{code}: {err}"
        );
        assert_eq!(err["code"], code, "{err}");
        assert_eq!(err["fn"], json!(function), "{err}");
        assert!(
            err["message"].is_string() && err["invalidate"].is_array(),
            "{err}"
        );
        codes.insert(code);
    }
    assert_eq!(codes.len(), 8, "every code: {codes:?}");
}

#[test]
fn invalid_args_name_each_offending_param() {
    let (_app, w) = main_window();
    let err = call(&w[0], "add", json!({"a": "two", "c": 1})).unwrap_err();
    assert_eq!(err["code"], "invalid_args");
    assert_eq!(err["fn"], "add");
    assert_eq!(err["invalidate"], json!([]));
    let params = err["details"]["params"].as_array().unwrap();
    let summary: Vec<(String, String, Value)> = params
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["problem"].as_str().unwrap().into(),
                p["expected"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("a".into(), "invalid".into(), json!("i32")),
            ("b".into(), "missing".into(), json!("i32")),
            ("c".into(), "unknown".into(), Value::Null),
        ]
    );
}

#[test]
fn malformed_requests_are_invalid_args() {
    let (_app, w) = main_window();
    for body in [
        json!([]),
        json!({"fn": 3}),
        json!({"args": {}}),
        json!({"fn": "ping", "args": 5}),
        json!({"fn": "ping", "extra": 1}),
    ] {
        let err = invoke(&w[0], "plugin:mizan|call", body.clone()).unwrap_err();
        assert_eq!(err["code"], "invalid_args", "{body}");
    }
    let err = invoke(
        &w[0],
        "plugin:mizan|ctx",
        json!({"context": "user", "params": "x"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_args");
    let err = common::invoke_body(
        &w[0],
        "plugin:mizan|call",
        tauri::ipc::InvokeBody::Raw(vec![1, 2, 3]),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_args");
}

#[test]
fn payload_too_large_changes_nothing() {
    let (app, w) = common::app_with(
        tauri_plugin_mizan::Builder::new()
            .max_request_bytes(1024)
            .build(),
        &[("main", Some(&default_capability("main")))],
    );
    app.manage(Db::default());
    let err = call(
        &w[0],
        "update_profile",
        json!({"user_id": 1, "name": "x".repeat(5000)}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "payload_too_large");
    assert_eq!(err["invalidate"], json!([]));
    assert!(app.state::<Db>().names.lock().unwrap().is_empty());
    let raw = common::invoke_body(
        &w[0],
        "plugin:mizan|call",
        tauri::ipc::InvokeBody::Raw(vec![0; 4096]),
    )
    .unwrap_err();
    assert_eq!(raw["code"], "payload_too_large");
    assert_eq!(call(&w[0], "ping", json!({})).unwrap()["result"], "pong");
}

#[test]
fn app_errors_are_typed_and_carry_the_automatic_targets() {
    let (_app, w) = main_window();
    let err = call(&w[0], "update_profile", json!({"user_id": 4, "name": ""})).unwrap_err();
    assert_eq!(err["code"], "app");
    assert_eq!(err["fn"], "update_profile");
    assert_eq!(err["details"], json!({"kind": "EmptyName"}));
    assert_eq!(
        err["invalidate"],
        json!([{"context": "user", "params": {"user_id": 4}}])
    );
    let err = call(
        &w[0],
        "update_profile",
        json!({"user_id": 4, "name": "x".repeat(30)}),
    )
    .unwrap_err();
    assert_eq!(err["details"], json!({"kind": "TooLong", "max": 20}));
}

#[test]
fn panics_are_internal_and_the_plugin_keeps_serving() {
    let (_app, w) = main_window();
    for (f, args) in [
        ("boom", json!({"message": "secret path /etc"})),
        ("boom_async", json!({})),
        ("mutation_panics", json!({"user_id": 1})),
    ] {
        let err = call(&w[0], f, args).unwrap_err();
        assert_eq!(err["code"], "internal", "{f}");
        assert_eq!(err["message"], "internal error");
        assert_eq!(err["invalidate"], json!([]));
        assert!(!err.to_string().contains("secret"));
        assert_eq!(call(&w[0], "ping", json!({})).unwrap()["result"], "pong");
    }
}

#[test]
fn tier_2_scopes_by_matching_params() {
    let (_app, w) = main_window();
    let res = call(
        &w[0],
        "update_profile",
        json!({"user_id": 5, "name": "Ada"}),
    )
    .unwrap();
    assert_eq!(res["result"], json!({"id": 5, "name": "Ada"}));
    assert_eq!(
        res["invalidate"],
        json!([{"context": "user", "params": {"user_id": 5}}])
    );
}

#[test]
fn tier_2_through_a_declared_mapping() {
    let (_app, w) = main_window();
    let res = call(&w[0], "rename_by_id", json!({"id": 7, "name": "x"})).unwrap();
    assert_eq!(
        res["invalidate"],
        json!([{"context": "user", "params": {"user_id": 7}}])
    );
}

#[test]
fn tier_3_when_nothing_matches_and_each_context_on_its_own() {
    let (_app, w) = main_window();
    let res = call(&w[0], "reset_everything", json!({"reason": "r"})).unwrap();
    assert_eq!(
        res["invalidate"],
        json!([{"context": "team", "params": {}}, {"context": "user", "params": {}}])
    );
    let res = call(&w[0], "move_user", json!({"user_id": 1, "team_id": 2})).unwrap();
    assert_eq!(
        res["invalidate"],
        json!([{"context": "team", "params": {"team_id": 2}}, {"context": "user", "params": {"user_id": 1}}])
    );
}

#[test]
fn an_optional_param_left_out_falls_to_tier_3() {
    let (_app, w) = main_window();
    let res = call(&w[0], "maybe_user", json!({})).unwrap();
    assert_eq!(
        res["invalidate"],
        json!([{"context": "user", "params": {}}])
    );
    let res = call(&w[0], "maybe_user", json!({"user_id": null})).unwrap();
    assert_eq!(
        res["invalidate"],
        json!([{"context": "user", "params": {}}])
    );
    let res = call(&w[0], "maybe_user", json!({"user_id": 3})).unwrap();
    assert_eq!(
        res["invalidate"],
        json!([{"context": "user", "params": {"user_id": 3}}])
    );
}

#[test]
fn tier_1_explicit_targets_replace_the_automatic_ones() {
    let (_app, w) = main_window();
    let res = call(&w[0], "merge_users", json!({"keep": 1, "drop": 2})).unwrap();
    assert_eq!(
        res["invalidate"],
        json!([
            {"context": "audit", "params": {}},
            {"context": "user", "params": {"user_id": 1}},
            {"context": "user", "params": {"user_id": 2}}
        ])
    );
}

#[test]
fn targets_carry_no_nulls_and_no_duplicates_wherever_they_come_from() {
    let (app, w) = main_window();
    let events = record_events(&w[1]);
    let res = call(&w[0], "messy_targets", json!({})).unwrap();
    let expected = json!([
        {"context": "team", "params": {}},
        {"context": "user", "params": {"user_id": 5}}
    ]);
    assert_eq!(res["invalidate"], expected);
    assert_eq!(events.lock().unwrap()[0]["targets"], expected);

    // The app's own invalidations pass through the same place.
    app.mizan().invalidate([
        Target {
            context: "user".into(),
            params: serde_json::from_value(json!({"user_id": null})).unwrap(),
        },
        Target::whole("user"),
        Target {
            context: "team".into(),
            params: serde_json::from_value(json!({"team_id": 7, "x": null})).unwrap(),
        },
        Target::new("team", json!({"team_id": 7})),
    ]);
    assert_eq!(
        events.lock().unwrap()[1]["targets"],
        json!([
            {"context": "team", "params": {"team_id": 7}},
            {"context": "user", "params": {}}
        ])
    );
}

#[test]
fn bundles_hold_every_context_function_and_canonical_params() {
    let (app, w) = main_window();
    app.state::<Db>()
        .names
        .lock()
        .unwrap()
        .insert(5, "Ada".into());
    let res = ctx(&w[0], "user", json!({"user_id": 5})).unwrap();
    assert_eq!(
        res,
        json!({
            "context": "user",
            "params": {"user_id": 5},
            "data": {"user_flags": ["verbose=false"], "user_profile": {"id": 5, "name": "Ada"}},
            "errors": {}
        })
    );
    // An optional context param that is null is left out of the canonical params.
    let res = ctx(&w[0], "user", json!({"user_id": 5, "verbose": null})).unwrap();
    assert_eq!(res["params"], json!({"user_id": 5}));
    let res = ctx(&w[0], "user", json!({"user_id": 5, "verbose": true})).unwrap();
    assert_eq!(res["params"], json!({"user_id": 5, "verbose": true}));
    assert_eq!(res["data"]["user_flags"], json!(["verbose=true"]));
    let res = ctx(&w[0], "audit", json!({})).unwrap();
    assert_eq!(res["data"], json!({"audit_log": []}));
}

#[test]
fn bundles_are_partial_on_purpose() {
    let (_app, w) = main_window();
    let res = ctx(&w[0], "user", json!({"user_id": 13})).unwrap();
    assert_eq!(res["data"]["user_profile"], json!({"id": 13, "name": ""}));
    assert!(res["data"].get("user_flags").is_none());
    assert_eq!(res["errors"]["user_flags"]["code"], "app");
    assert_eq!(res["errors"]["user_flags"]["fn"], "user_flags");
    assert_eq!(res["errors"]["user_flags"]["details"], "unlucky");
}

#[test]
fn bundle_params_are_checked_against_the_context() {
    let (_app, w) = main_window();
    let err = ctx(&w[0], "user", json!({"user_id": "five", "page": 1})).unwrap_err();
    assert_eq!(err["code"], "invalid_args");
    let names: Vec<_> = err["details"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, [json!("page"), json!("user_id")]);
    let err = ctx(&w[0], "team", json!({})).unwrap_err();
    assert_eq!(err["details"]["params"][0]["problem"], "missing");
}

#[test]
fn the_event_reaches_other_webviews_and_not_the_caller() {
    let (_app, w) = main_window();
    let main_events = record_events(&w[0]);
    let other_events = record_events(&w[1]);
    call(
        &w[0],
        "update_profile",
        json!({"user_id": 5, "name": "Ada"}),
    )
    .unwrap();
    call(&w[0], "ping", json!({})).unwrap();
    assert!(main_events.lock().unwrap().is_empty());
    let seen = other_events.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0]["targets"],
        json!([{"context": "user", "params": {"user_id": 5}}])
    );
    assert_eq!(seen[0]["source"], "main");
    let seq = seen[0]["seq"].as_u64().unwrap();
    drop(seen);

    // A failed mutation sends its targets too; the sequence number grows.
    call(&w[0], "update_profile", json!({"user_id": 5, "name": ""})).unwrap_err();
    let seen = other_events.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1]["seq"].as_u64().unwrap(), seq + 1);
}

#[test]
fn events_reach_every_other_window_in_seq_order_under_concurrent_mutations() {
    const CALLS: u64 = 150;
    let labels = ["w0", "w1", "w2", "w3"];
    let caps: Vec<String> = labels.iter().map(|l| default_capability(l)).collect();
    let windows: Vec<(&str, Option<&str>)> = labels
        .iter()
        .zip(&caps)
        .map(|(l, c)| (*l, Some(c.as_str())))
        .collect();
    let (app, w) = app(&windows);
    app.manage(Db::default());
    let seen: Vec<_> = w.iter().map(record_events).collect();
    std::thread::scope(|s| {
        for (i, window) in w.iter().enumerate() {
            s.spawn(move || {
                for n in 0..CALLS {
                    // Sync mutations emit on this thread, async ones on the
                    // runtime's workers, and the app emits too.
                    let args = match n % 3 {
                        0 => ("rename_by_id", json!({"id": n, "name": "x"})),
                        1 => ("update_profile", json!({"user_id": i, "name": "x"})),
                        _ => {
                            window.mizan().invalidate([Target::whole("team")]);
                            continue;
                        }
                    };
                    call(window, args.0, args.1).unwrap();
                }
            });
        }
    });
    let total = labels.len() as u64 * CALLS;
    let mut every = std::collections::BTreeSet::new();
    for (label, events) in labels.iter().zip(&seen) {
        let events = events.lock().unwrap();
        let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
        assert!(
            seqs.windows(2).all(|p| p[0] < p[1]),
            "{label} got seq out of order: {seqs:?}"
        );
        assert!(
            events.iter().all(|e| e["source"] != *label),
            "{label} got its own events"
        );
        // Every event but those of its own calls (the app's reach every
        // window).
        let own = CALLS - CALLS / 3;
        assert_eq!(events.len() as u64, total - own, "{label}");
        every.extend(seqs);
    }
    // One number per event, none skipped.
    assert_eq!(every, (1..=total).collect());
}

#[test]
fn a_listener_that_invalidates_neither_deadlocks_nor_reorders() {
    let (app, w) = main_window();
    let handle = app.handle().clone();
    let hook = move |payload: &Value| {
        if payload["source"] == "main" {
            handle.mizan().invalidate([Target::whole("audit")]);
        }
    };
    common::record_notices_with(
        &w[1],
        tauri_plugin_mizan::INVALIDATE_EVENT,
        Some(std::sync::Arc::new(hook)),
    );
    let main_events = record_events(&w[0]);
    let other_events = record_events(&w[1]);
    call(&w[0], "rename_by_id", json!({"id": 1, "name": "x"})).unwrap();
    let seqs = |events: &std::sync::Mutex<Vec<Value>>| -> Vec<Value> {
        events
            .lock()
            .unwrap()
            .iter()
            .map(|e| e["seq"].clone())
            .collect()
    };
    assert_eq!(seqs(&other_events), [json!(1), json!(2)]);
    assert_eq!(seqs(&main_events), [json!(2)]);
}

#[test]
fn the_app_can_invalidate_on_its_own() {
    let (app, w) = main_window();
    let a = record_events(&w[0]);
    let b = record_events(&w[1]);
    app.mizan().invalidate([
        Target::new("user", json!({"user_id": 9})),
        Target::whole("team"),
        Target::whole("team"),
    ]);
    for seen in [a, b] {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(
            seen[0]["targets"],
            json!([{"context": "team", "params": {}}, {"context": "user", "params": {"user_id": 9}}])
        );
        assert_eq!(seen[0]["source"], Value::Null);
    }
}

#[test]
fn a_window_without_the_permission_is_refused() {
    let (_app, w) = app(&[("main", Some(&default_capability("main"))), ("bare", None)]);
    let err = call(&w[1], "ping", json!({})).unwrap_err();
    assert!(
        err.as_str().is_some_and(|s| s.contains("not allowed")),
        "{err}"
    );
    let err = ctx(&w[1], "team", json!({"team_id": 1})).unwrap_err();
    assert!(
        err.as_str().is_some_and(|s| s.contains("not allowed")),
        "{err}"
    );
}

#[test]
fn a_scope_deny_forbids_one_function_and_the_rest_answers() {
    let restricted = r#"{
        "identifier": "restricted",
        "windows": ["restricted"],
        "permissions": [
            {"identifier": "mizan:allow-call", "deny": [{"fn": "update_profile"}]},
            {"identifier": "mizan:allow-ctx", "deny": [{"context": "team"}]}
        ]
    }"#;
    let (app, w) = app(&[
        ("main", Some(&default_capability("main"))),
        ("restricted", Some(restricted)),
    ]);
    app.manage(Db::default());
    let err = call(&w[1], "update_profile", json!({"user_id": 1, "name": "x"})).unwrap_err();
    assert_eq!(err["code"], "forbidden");
    assert_eq!(err["fn"], "update_profile");
    assert!(
        app.state::<Db>().names.lock().unwrap().is_empty(),
        "a forbidden call changes nothing"
    );
    assert_eq!(
        ctx(&w[1], "team", json!({"team_id": 1})).unwrap_err()["code"],
        "forbidden"
    );
    assert_eq!(call(&w[1], "ping", json!({})).unwrap()["result"], "pong");
    assert!(ctx(&w[1], "user", json!({"user_id": 1})).is_ok());
    // The other window is not affected by this capability.
    assert!(call(&w[0], "update_profile", json!({"user_id": 1, "name": "x"})).is_ok());
}

#[test]
fn a_scope_allow_list_allows_only_what_it_names() {
    let only = r#"{
        "identifier": "only-user",
        "windows": ["only"],
        "permissions": [
            {"identifier": "mizan:allow-call", "allow": [{"fn": "ping"}, {"context": "user"}]},
            {"identifier": "mizan:allow-ctx", "allow": [{"context": "user"}]}
        ]
    }"#;
    let (app, w) = app(&[("only", Some(only))]);
    app.manage(Db::default());
    assert!(call(&w[0], "ping", json!({})).is_ok());
    assert!(
        call(&w[0], "user_profile", json!({"user_id": 1})).is_ok(),
        "a context function of an allowed context"
    );
    assert_eq!(
        call(&w[0], "add", json!({"a": 1, "b": 2})).unwrap_err()["code"],
        "forbidden"
    );
    assert!(ctx(&w[0], "user", json!({"user_id": 1})).is_ok());
    assert_eq!(
        ctx(&w[0], "team", json!({"team_id": 1})).unwrap_err()["code"],
        "forbidden"
    );
}

#[test]
fn the_scoping_report_names_tiers_and_warns() {
    let (app, _w) = main_window();
    let report = app.mizan().scoping_report();
    let row = |f: &str, c: &str| {
        report
            .rows
            .iter()
            .find(|r| r.function == f && r.context == c)
            .unwrap()
            .clone()
    };
    assert_eq!(row("update_profile", "user").scoped_by, ["user_id"]);
    assert_eq!(row("rename_by_id", "user").scoped_by, ["user_id"]);
    assert_eq!(
        row("reset_everything", "team").tier,
        tauri_plugin_mizan::scoping::Tier::Whole
    );
    assert!(row("reset_everything", "user").warning.is_some());
    assert!(!row("reset_everything", "user").explicit);
    // It names its own targets: tier 1, no warning.
    assert!(row("merge_users", "user").explicit);
    assert!(row("merge_users", "user").warning.is_none());
    assert!(row("move_user", "team").warning.is_none());
    let text = report.to_string();
    assert!(
        text.contains("update_profile -> user: tier 2 on user_id"),
        "{text}"
    );
}

/// Identities by window: `admin` is an admin, `member` has no roles, `main`
/// is anonymous.
fn auth_app() -> (tauri::App<MockRuntime>, Vec<WebviewWindow<MockRuntime>>) {
    let plugin = tauri_plugin_mizan::Builder::new()
        .identity(|req| match req.label() {
            "admin" => Some(Identity::new("root").with_role("admin")),
            "member" => Some(Identity::new("ada")),
            _ => {
                // The provider can reach the app through the webview.
                assert!(req.webview::<MockRuntime>().is_some());
                None
            }
        })
        .build();
    common::app_with(
        plugin,
        &[
            ("main", Some(&default_capability("main"))),
            ("member", Some(&default_capability("member"))),
            ("admin", Some(&default_capability("admin"))),
        ],
    )
}

#[test]
fn guarded_functions_refuse_before_their_body_runs() {
    let (_app, w) = auth_app();
    let runs = || ADMIN_RUNS.load(Ordering::SeqCst);
    let before = runs();
    let err = call(&w[0], "admin_only", json!({})).unwrap_err();
    assert_eq!(err["code"], "unauthorized");
    assert_eq!(err["fn"], "admin_only");
    let err = call(&w[1], "admin_only", json!({})).unwrap_err();
    assert_eq!(err["code"], "forbidden");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("needs the role `admin`"));
    assert_eq!(runs(), before, "no refused call ran the body");
    assert!(call(&w[2], "admin_only", json!({})).is_ok());
    assert_eq!(runs(), before + 1);
}

#[test]
fn the_identity_is_injected() {
    let (_app, w) = auth_app();
    assert_eq!(
        call(&w[0], "whoami", json!({})).unwrap_err()["code"],
        "unauthorized"
    );
    assert_eq!(call(&w[1], "whoami", json!({})).unwrap()["result"], "ada");
    // Not guarded, but asks for an identity: anonymous callers are refused.
    assert_eq!(
        call(&w[0], "maybe_me", json!({})).unwrap_err()["code"],
        "unauthorized"
    );
    assert_eq!(
        call(&w[2], "maybe_me", json!({})).unwrap()["result"],
        "root"
    );
}

#[test]
fn without_a_provider_every_caller_is_anonymous() {
    let (_app, w) = main_window();
    assert_eq!(
        call(&w[0], "whoami", json!({})).unwrap_err()["code"],
        "unauthorized"
    );
    assert_eq!(call(&w[0], "ping", json!({})).unwrap()["result"], "pong");
}

#[test]
fn a_guarded_context_function_fails_alone_in_its_bundle() {
    let (_app, w) = auth_app();
    let res = ctx(&w[1], "vault", json!({"vault_id": 2})).unwrap();
    assert_eq!(res["data"], json!({"vault_name": "vault 2"}));
    assert_eq!(res["errors"]["vault_secret"]["code"], "forbidden");
    let res = ctx(&w[2], "vault", json!({"vault_id": 2})).unwrap();
    assert_eq!(res["data"]["vault_secret"], "secret 2");
    assert_eq!(res["errors"], json!({}));
}

#[test]
fn only_mutations_invalidate() {
    let (_app, w) = main_window();
    let other = record_events(&w[1]);
    let res = call(&w[0], "query_naming_targets", json!({})).unwrap();
    assert_eq!(res, json!({"result": 7, "invalidate": []}));
    assert!(other.lock().unwrap().is_empty());
}

#[test]
fn a_panicking_identity_provider_is_internal_and_the_plugin_keeps_serving() {
    let plugin = tauri_plugin_mizan::Builder::new()
        .identity(|_| panic!("session store unreachable"))
        .build();
    let (_app, w) = common::app_with(plugin, &[("main", Some(&default_capability("main")))]);
    let err = call(&w[0], "whoami", json!({})).unwrap_err();
    assert_eq!(err["code"], "internal");
    assert_eq!(err["message"], "internal error");
    assert_eq!(call(&w[0], "ping", json!({})).unwrap()["result"], "pong");
}
