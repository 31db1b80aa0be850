//! What a hostile page can do, through the real IPC dispatch path and the
//! real ACL. The cases here: a remote frame inside a trusted window, a
//! page that forges the plugin's events, a page that listens to what other
//! windows change, a page that reads the registry, capabilities whose
//! entries are ambiguous or change at run time.
//!
//! The hostile-page cases, one list (file: test):
//!
//! | what the page does | where it is tested |
//! |---|---|
//! | a frame of another origin calls what the window's page may | here: `a_remote_frame_gets_only_what_its_own_origin_was_granted` |
//! | emits `mizan://identity` / `mizan://invalidate` itself | here: `the_plugins_notices_cannot_be_forged_with_events`; guest-js `tokens.test.ts` |
//! | listens for what other windows change | here: `a_page_hears_only_of_contexts_it_may_read` |
//! | reads every function's name and type | here: `the_default_permission_does_not_read_the_registry` |
//! | navigates the window to a remote page, or runs in a frame, to read the first-paint snapshot | guest-js `hydrate-script.test.ts`; `round_trips.rs`: `the_script_hands_the_snapshot_only_to_the_apps_own_top_frame_once` |
//! | reloads after a sign-out to see the previous user's snapshot | `round_trips.rs`: `a_page_is_not_handed_a_snapshot_of_another_identity` |
//! | puts `</script>` in data that ends up in a snapshot | `round_trips.rs`: `the_script_text_cannot_end_a_script_element` |
//! | sends chunks to, acknowledges or cancels another window's upload or stream | `upload.rs`: `chunks_out_of_order_missing_or_foreign_change_nothing`; `stream.rs`: `hostile_stream_and_control_bodies_get_typed_errors_and_change_nothing` |
//! | oversized `mizan-upload` headers and `upload_begin` bodies | `upload.rs`: `the_request_limit_applies_to_what_an_upload_says_of_itself` |
//! | holds every upload slot or stream | `upload.rs`: `one_window_cannot_take_every_slot_or_the_memory`; `stream.rs`: `streams_per_window_are_bounded` |
//! | uploads an empty file list to run a mutation | `upload.rs`: `the_upload_commands_serve_only_functions_that_take_a_file` |
//! | malformed, deep or oversized bodies | `hostile.rs`; `limits.rs`: `no_depth_aborts_the_process` |
#![allow(missing_docs)]

mod common;

use std::sync::atomic::{AtomicU32, Ordering};

use common::{call, ctx, default_capability, invoke_request, record_events, record_notices};
use serde_json::{json, Value};
use tauri::{test::MockRuntime, Emitter, Manager, WebviewWindow};
use tauri_plugin_mizan::{client, Context, MizanExt, Target, IDENTITY_EVENT, INVALIDATE_EVENT};

pub const NOTES: Context = Context::new("notes");
pub const SECRETS: Context = Context::new("secrets");

static SECRET_RUNS: AtomicU32 = AtomicU32::new(0);

#[client]
fn public_fn() -> &'static str {
    "public"
}

#[client]
fn secret_fn() -> &'static str {
    SECRET_RUNS.fetch_add(1, Ordering::SeqCst);
    "secret"
}

#[client(context = NOTES)]
fn note_titles(folder: u32) -> Vec<String> {
    vec![format!("note in {folder}")]
}

#[client(context = SECRETS)]
fn secret_list(folder: u32) -> Vec<String> {
    vec![format!("secret in {folder}")]
}

#[client(affects = [NOTES, SECRETS])]
fn touch_both(folder: u32) -> u32 {
    folder
}

const REMOTE: &str = "https://evil.example";

/// `main` is the app's trusted window: its own page may run `secret_fn`
/// (an allow entry on `ctx`, which holds for `call` too). A remote page in
/// a frame of it is granted `call` of `public_fn` only.
fn trusted_window_with_remote_frame() -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let local = json!({
        "identifier": "local",
        "windows": ["main"],
        "permissions": [
            "mizan:allow-call",
            {"identifier": "mizan:allow-ctx", "allow": [{"fn": "secret_fn"}, {"fn": "public_fn"}]},
        ],
    });
    let remote = json!({
        "identifier": "remote",
        "windows": ["main"],
        "remote": {"urls": [format!("{REMOTE}/*")]},
        "permissions": [{"identifier": "mizan:allow-call", "allow": [{"fn": "public_fn"}]}],
    });
    let (app, mut w) = common::app(&[("main", Some(&local.to_string()))]);
    app.add_capability(remote.to_string()).unwrap();
    (app, w.remove(0))
}

/// A `call` sent by a frame of `origin` inside `webview`.
fn call_from(
    webview: &WebviewWindow<MockRuntime>,
    origin: &str,
    function: &str,
) -> Result<Value, Value> {
    let mut headers = tauri::http::HeaderMap::new();
    headers.insert("origin", origin.parse().unwrap());
    invoke_request(
        webview,
        "plugin:mizan|call",
        json!({"fn": function, "args": {}}),
        &format!("{origin}/frame.html"),
        headers,
    )
}

#[test]
fn a_remote_frame_gets_only_what_its_own_origin_was_granted() {
    let (_app, main) = trusted_window_with_remote_frame();
    // The window's own page reaches both.
    assert_eq!(
        call(&main, "secret_fn", json!({})).unwrap()["result"],
        "secret"
    );
    assert_eq!(
        call(&main, "public_fn", json!({})).unwrap()["result"],
        "public"
    );
    let before = SECRET_RUNS.load(Ordering::SeqCst);
    // The frame: its own grant, not the page's allow entries.
    assert_eq!(
        call_from(&main, REMOTE, "public_fn").unwrap()["result"],
        "public"
    );
    let refused = call_from(&main, REMOTE, "secret_fn").unwrap_err();
    assert_eq!(refused["code"], "forbidden", "{refused}");
    assert_eq!(SECRET_RUNS.load(Ordering::SeqCst), before);
    // And the page's own requests are unaffected by the frame's.
    assert_eq!(
        call(&main, "secret_fn", json!({})).unwrap()["result"],
        "secret"
    );
}

#[test]
fn a_request_that_claims_the_pages_origin_is_judged_as_tauri_judged_it() {
    // The Origin header says "tauri://localhost" but Tauri resolved the
    // ACL for the remote URL (the header is the browser's on the fetch
    // path; on the postMessage path Tauri resolves from the window's URL
    // and the plugin takes the page's entries). A remote origin Tauri
    // refused never reaches the plugin.
    let (_app, main) = trusted_window_with_remote_frame();
    let mut headers = tauri::http::HeaderMap::new();
    headers.insert("origin", "https://other.example".parse().unwrap());
    let refused = invoke_request(
        &main,
        "plugin:mizan|call",
        json!({"fn": "public_fn", "args": {}}),
        "https://other.example/x.html",
        headers,
    )
    .unwrap_err();
    assert!(refused.to_string().contains("not allowed"), "{refused}");
}

#[test]
fn access_kept_for_a_page_follows_capabilities_added_at_run_time() {
    let (app, w) = common::app(&[("main", Some(&default_capability("main")))]);
    assert_eq!(
        call(&w[0], "public_fn", json!({})).unwrap()["result"],
        "public"
    );
    // The app narrows the window at run time: the next call sees it.
    let narrow = json!({
        "identifier": "narrow",
        "windows": ["main"],
        "permissions": [{"identifier": "mizan:allow-call", "deny": [{"fn": "public_fn"}]}],
    });
    app.add_capability(narrow.to_string()).unwrap();
    let refused = call(&w[0], "public_fn", json!({})).unwrap_err();
    assert_eq!(refused["code"], "forbidden");
}

#[test]
fn an_entry_naming_both_a_function_and_a_context_is_refused() {
    let capability = json!({
        "identifier": "both",
        "windows": ["main"],
        "permissions": [
            "mizan:default",
            {"identifier": "mizan:allow-call", "deny": [{"fn": "secret_fn", "context": "notes"}]},
        ],
    });
    let (_app, w) = common::app(&[("main", Some(&capability.to_string()))]);
    let before = SECRET_RUNS.load(Ordering::SeqCst);
    for function in ["secret_fn", "public_fn"] {
        let refused = call(&w[0], function, json!({})).unwrap_err();
        assert!(
            refused.to_string().contains("not both"),
            "{function}: {refused}"
        );
    }
    assert_eq!(SECRET_RUNS.load(Ordering::SeqCst), before);
    // An entry naming nothing is refused the same way.
    let empty = json!({
        "identifier": "empty",
        "windows": ["other"],
        "permissions": [{"identifier": "mizan:allow-call", "allow": [{}]}],
    });
    let (_app, w) = common::app(&[("other", Some(&empty.to_string()))]);
    assert!(call(&w[0], "public_fn", json!({})).is_err());
}

#[test]
fn the_default_permission_does_not_read_the_registry() {
    let (_app, w) = common::app(&[("main", Some(&default_capability("main")))]);
    let refused = common::invoke(&w[0], "plugin:mizan|ir", json!({})).unwrap_err();
    assert!(refused.to_string().contains("not allowed"), "{refused}");
    let dev = r#"{"identifier": "dev", "windows": ["dev"], "permissions": ["mizan:allow-ir"]}"#;
    let (_app, w) = common::app(&[("dev", Some(dev))]);
    let ir = common::invoke(&w[0], "plugin:mizan|ir", json!({})).unwrap();
    assert!(ir.as_str().unwrap().contains("secret_fn"));
}

/// `main` may read everything; `limited` may read `notes` only.
fn two_windows() -> common::Windows {
    let limited = json!({
        "identifier": "limited",
        "windows": ["limited"],
        "permissions": [{"identifier": "mizan:default", "deny": [{"context": "secrets"}]}],
    });
    common::app(&[
        ("main", Some(&default_capability("main"))),
        ("limited", Some(&limited.to_string())),
    ])
}

#[test]
fn a_page_hears_only_of_contexts_it_may_read() {
    let (_app, w) = two_windows();
    let limited = record_events(&w[1]);
    call(&w[0], "touch_both", json!({"folder": 3})).unwrap();
    let got = limited.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]["targets"],
        json!([{"context": "notes", "params": {"folder": 3}}])
    );
    // `since` answers the same way.
    let since = common::invoke(&w[1], "plugin:mizan|since", json!({"seq": 0})).unwrap();
    assert_eq!(
        since["targets"],
        json!([{"context": "notes", "params": {"folder": 3}}])
    );
    // A change only to what it cannot read: nothing at all.
    let before = limited.lock().unwrap().len();
    _app.mizan().invalidate([Target::whole("secrets")]);
    assert_eq!(limited.lock().unwrap().len(), before);
    let since = common::invoke(&w[1], "plugin:mizan|since", json!({"seq": 1})).unwrap();
    assert_eq!(since["targets"], json!([]));
    // The window that may read it hears it.
    let main = record_events(&w[0]);
    call(&w[1], "touch_both", json!({"folder": 4})).unwrap();
    assert_eq!(main.lock().unwrap().len(), 1);
    assert_eq!(
        main.lock().unwrap()[0]["targets"].as_array().unwrap().len(),
        2
    );
    // A denied bundle is still refused.
    assert_eq!(
        ctx(&w[1], "secrets", json!({"folder": 3})).unwrap_err()["code"],
        "forbidden"
    );
}

#[test]
fn the_plugins_notices_cannot_be_forged_with_events() {
    let (app, w) = two_windows();
    let invalidations = record_events(&w[0]);
    let identities = record_notices(&w[0], IDENTITY_EVENT);
    // What `core:event:allow-emit` lets any page do.
    app.emit(
        IDENTITY_EVENT,
        json!({"previous": "ada", "current": "mallory"}),
    )
    .unwrap();
    app.emit(
        INVALIDATE_EVENT,
        json!({"targets": [{"context": "notes", "params": {}}], "source": null, "seq": 99}),
    )
    .unwrap();
    assert!(identities.lock().unwrap().is_empty());
    assert!(invalidations.lock().unwrap().is_empty());
    // Only the plugin's own channel carries them.
    call(&w[1], "touch_both", json!({"folder": 1})).unwrap();
    assert_eq!(invalidations.lock().unwrap().len(), 1);
}

#[test]
fn listen_takes_only_a_channel() {
    let (_app, w) = two_windows();
    for bad in [
        json!({}),
        json!({"channel": 5}),
        json!({"channel": "__CHANNEL__:1", "extra": true}),
    ] {
        let refused = common::invoke(&w[0], "plugin:mizan|listen", bad.clone()).unwrap_err();
        assert_eq!(refused["code"], "invalid_args", "{bad}");
    }
    let none =
        r#"{"identifier": "none", "windows": ["none"], "permissions": ["mizan:allow-call"]}"#;
    let (_app, w) = common::app(&[("none", Some(none))]);
    let refused = common::invoke(
        &w[0],
        "plugin:mizan|listen",
        json!({"channel": "__CHANNEL__:1"}),
    )
    .unwrap_err();
    assert!(refused.to_string().contains("not allowed"), "{refused}");
}
