#![allow(missing_docs)]
//! Zero round trips where none are needed, through the real IPC dispatch
//! path and the real ACL: single-flight refresh (docs/protocol.md: "Single-flight refresh") and first-paint
//! hydration (docs/protocol.md: "First-paint hydration").

mod common;

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU32, Ordering},
        Mutex,
    },
};

use common::{app, app_with, default_capability, invoke, record_events};
use serde_json::{json, Value};
use tauri::{
    test::MockRuntime, AppHandle, Manager, State, WebviewUrl, WebviewWindow, WebviewWindowBuilder,
};
use tauri_plugin_mizan::{client, Context, Hydrate, HydrateExt, Identity, MizanExt, Target};

pub const NOTE: Context = Context::new("note");
pub const BOARD: Context = Context::new("board");
pub const SECRET: Context = Context::new("secret");
pub const MINE: Context = Context::new("mine");

/// The app's state: note texts by id, and how often each was read.
#[derive(Default)]
struct Db {
    texts: Mutex<BTreeMap<u32, String>>,
    reads: AtomicU32,
    /// Set: reading a note invalidates it meanwhile (another window's write
    /// racing the refresh).
    racing: Mutex<Option<AppHandle<MockRuntime>>>,
}

impl Db {
    fn text(&self, id: u32) -> String {
        self.texts
            .lock()
            .unwrap()
            .get(&id)
            .cloned()
            .unwrap_or_default()
    }
}

#[client(context = NOTE)]
fn note_text(db: State<'_, Db>, note_id: u32) -> String {
    db.reads.fetch_add(1, Ordering::SeqCst);
    if let Some(app) = db.racing.lock().unwrap().take() {
        app.mizan()
            .invalidate([Target::new("note", json!({ "note_id": note_id }))]);
    }
    db.text(note_id)
}

/// Cached in the plugin: single flight must not answer the stale entry.
#[client(context = NOTE, cache(ttl = "1h"))]
fn note_length(db: State<'_, Db>, note_id: u32) -> usize {
    db.text(note_id).len()
}

#[client(context = BOARD)]
fn board_count(db: State<'_, Db>) -> usize {
    db.texts.lock().unwrap().len()
}

#[client(context = SECRET)]
fn secret_plan(db: State<'_, Db>, note_id: u32) -> String {
    format!("secret {}", db.text(note_id))
}

/// Guarded: only a signed-in caller reads it.
#[client(context = MINE, auth)]
fn my_draft(me: Identity) -> String {
    format!("draft of {}", me.id)
}

#[client(affects = [NOTE, SECRET])]
fn edit_note(db: State<'_, Db>, note_id: u32, text: String) -> Result<u32, String> {
    db.texts.lock().unwrap().insert(note_id, text.clone());
    if text == "fail" {
        // It wrote, then failed: its targets still go out.
        return Err("half done".into());
    }
    Ok(note_id)
}

#[client]
fn ping() -> &'static str {
    "pong"
}

/// What each window label shows first.
fn first_screen(label: &str) -> Vec<Hydrate> {
    let note = |id: u32| Hydrate::bundle(&NOTE, json!({ "note_id": id }));
    match label {
        "main" => vec![
            note(1),
            Hydrate::bundle(&BOARD, json!({})),
            Hydrate::bundle(&MINE, json!({})),
        ],
        "guest" => vec![note(1), Hydrate::bundle(&MINE, json!({}))],
        "switch" => vec![note(1), Hydrate::bundle(&MINE, json!({}))],
        "limited" | "nosecret" => vec![Hydrate::bundle(&SECRET, json!({"note_id": 1})), note(1)],
        "big" => (1..=50).map(note).collect(),
        "odd" => vec![
            Hydrate::bundle(&NOTE, json!([1])),
            Hydrate::bundle(&NOTE, json!({"nope": 1})),
        ],
        _ => vec![],
    }
}

/// Who is signed in, for the window labelled `switch`.
static SWITCH_USER: Mutex<Option<&str>> = Mutex::new(Some("ada"));

fn builder() -> tauri_plugin_mizan::Builder {
    tauri_plugin_mizan::Builder::new()
        .cache_in_memory()
        .identity(|req| match req.label() {
            "main" => Some(Identity::new("ada")),
            "switch" => SWITCH_USER.lock().unwrap().map(Identity::new),
            _ => None,
        })
        .hydrate(first_screen)
}

fn windows(
    caps: &[(&str, Option<String>)],
) -> (tauri::App<MockRuntime>, Vec<WebviewWindow<MockRuntime>>) {
    let caps: Vec<(&str, Option<&str>)> = caps.iter().map(|(l, c)| (*l, c.as_deref())).collect();
    let (app, w) = app_with(builder().build(), &caps);
    app.manage(Db::default());
    (app, w)
}

fn main_and_other() -> (tauri::App<MockRuntime>, Vec<WebviewWindow<MockRuntime>>) {
    windows(&[
        ("main", Some(default_capability("main"))),
        ("other", Some(default_capability("other"))),
    ])
}

fn call_refresh(
    w: &WebviewWindow<MockRuntime>,
    function: &str,
    args: Value,
    refresh: Value,
) -> Result<Value, Value> {
    invoke(
        w,
        "plugin:mizan|call",
        json!({"fn": function, "args": args, "refresh": refresh}),
    )
}

fn key(context: &str, params: Value) -> Value {
    json!({"context": context, "params": params})
}

#[test]
fn the_envelope_carries_exactly_the_listed_bundles_the_targets_reach() {
    let (app, w) = main_and_other();
    app.state::<Db>()
        .texts
        .lock()
        .unwrap()
        .insert(1, "old".into());
    // Warm the origin cache with the old length.
    let before = common::ctx(&w[0], "note", json!({"note_id": 1})).unwrap();
    assert_eq!(before["data"]["note_length"], json!(3));

    let listed = json!([
        key("note", json!({"note_id": 1})),
        key("note", json!({"note_id": 2})), // not reached: another note
        key("board", json!({})),            // not reached: not affected
        key("note", json!({"note_id": 1})), // twice: answered once
    ]);
    let res = call_refresh(
        &w[0],
        "edit_note",
        json!({"note_id": 1, "text": "fresh"}),
        listed,
    )
    .unwrap();
    assert_eq!(res["result"], json!(1));
    let bundles = res["bundles"].as_array().unwrap();
    assert_eq!(bundles.len(), 1, "{res}");
    assert_eq!(bundles[0]["context"], json!("note"));
    assert_eq!(bundles[0]["params"], json!({"note_id": 1}));
    // Computed after the mutation, past the origin cache's old entry.
    assert_eq!(
        bundles[0]["data"],
        json!({"note_text": "fresh", "note_length": 5})
    );
    // The same answer `ctx` gives now.
    let now = common::ctx(&w[0], "note", json!({"note_id": 1})).unwrap();
    assert_eq!(bundles[0], now);
}

#[test]
fn no_bundles_without_a_list_and_none_that_nothing_reached() {
    let (_app, w) = main_and_other();
    let plain = common::call(&w[0], "edit_note", json!({"note_id": 1, "text": "a"})).unwrap();
    assert!(plain.get("bundles").is_none(), "{plain}");

    let listed = json!([key("note", json!({"note_id": 1}))]);
    let query = call_refresh(&w[0], "ping", json!({}), listed).unwrap();
    assert_eq!(
        query,
        json!({"result": "pong", "invalidate": [], "bundles": []})
    );
}

#[test]
fn a_failed_mutation_carries_no_bundles() {
    let (app, w) = main_and_other();
    let before = app.state::<Db>().reads.load(Ordering::SeqCst);
    let listed = json!([key("note", json!({"note_id": 1}))]);
    let err = call_refresh(
        &w[0],
        "edit_note",
        json!({"note_id": 1, "text": "fail"}),
        listed,
    )
    .unwrap_err();
    assert_eq!(err["code"], json!("app"));
    assert_eq!(err["invalidate"][0]["context"], json!("note"));
    assert!(err.get("bundles").is_none(), "{err}");
    assert_eq!(
        app.state::<Db>().reads.load(Ordering::SeqCst),
        before,
        "nothing was computed"
    );
}

#[test]
fn a_window_gets_only_the_bundles_it_may_read() {
    let denied = json!({
        "identifier": "cap-limited", "windows": ["limited"],
        "permissions": [
            "mizan:default",
            {"identifier": "mizan:allow-ctx", "deny": [{"context": "secret"}]}
        ]
    });
    let (_app, w) = windows(&[("limited", Some(denied.to_string()))]);
    let listed = json!([
        key("secret", json!({"note_id": 1})),
        key("note", json!({"note_id": 1}))
    ]);
    let res = call_refresh(
        &w[0],
        "edit_note",
        json!({"note_id": 1, "text": "x"}),
        listed,
    )
    .unwrap();
    let contexts: Vec<&Value> = res["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["context"])
        .collect();
    assert_eq!(contexts, [&json!("note")], "{res}");
    assert_eq!(
        common::ctx(&w[0], "secret", json!({"note_id": 1})).unwrap_err()["code"],
        json!("forbidden")
    );
}

#[test]
fn a_bad_list_is_refused_before_the_call_runs() {
    let (app, w) = main_and_other();
    for bad in [
        json!("note"),
        json!([{"context": 5}]),
        json!([{"context": "note", "params": [1]}]),
        Value::Array(vec![key("board", json!({})); 33]),
    ] {
        let err = call_refresh(
            &w[0],
            "edit_note",
            json!({"note_id": 9, "text": "no"}),
            bad.clone(),
        )
        .unwrap_err();
        assert_eq!(err["code"], json!("invalid_args"), "{bad}");
        assert!(err["details"].to_string().contains("refresh"), "{err}");
    }
    assert_eq!(app.state::<Db>().text(9), "", "the call never ran");
    // Unknown contexts and invalid params are left out, the call still runs.
    let odd = json!([key("nope", json!({})), key("note", json!({"note_id": "x"}))]);
    let res = call_refresh(&w[0], "edit_note", json!({"note_id": 9, "text": "ok"}), odd).unwrap();
    assert_eq!(res["bundles"], json!([]));
}

#[test]
fn other_windows_still_receive_the_event() {
    let (_app, w) = main_and_other();
    let events = record_events(&w[1]);
    let listed = json!([key("note", json!({"note_id": 3}))]);
    call_refresh(
        &w[0],
        "edit_note",
        json!({"note_id": 3, "text": "t"}),
        listed,
    )
    .unwrap();
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["targets"][0]["params"], json!({"note_id": 3}));
    assert_eq!(events[0]["source"], json!("main"));
}

#[test]
fn an_invalidation_racing_the_refresh_reaches_the_caller_after_its_mutation() {
    let (app, w) = main_and_other();
    let events = record_events(&w[0]);
    *app.state::<Db>().racing.lock().unwrap() = Some(app.handle().clone());
    let listed = json!([key("note", json!({"note_id": 4}))]);
    let res = call_refresh(
        &w[0],
        "edit_note",
        json!({"note_id": 4, "text": "t"}),
        listed,
    )
    .unwrap();
    assert_eq!(res["bundles"].as_array().unwrap().len(), 1);
    // The caller hears of the invalidation made while its bundle was being
    // computed, numbered after its own mutation's: its client marks the
    // refreshed bundle stale and refetches it.
    let events = events.lock().unwrap();
    let racing: Vec<&Value> = events.iter().filter(|e| e["source"].is_null()).collect();
    assert_eq!(racing.len(), 1, "{events:?}");
    assert_eq!(
        racing[0]["targets"],
        json!([{"context": "note", "params": {"note_id": 4}}])
    );
    assert_eq!(
        racing[0]["seq"],
        json!(2),
        "after the mutation's own event (1)"
    );
}

#[test]
fn a_plugin_without_single_flight_refuses_the_key_and_says_nothing() {
    let (app, w) = app_with(
        tauri_plugin_mizan::Builder::new()
            .single_flight(false)
            .build(),
        &[("main", Some(&default_capability("main")))],
    );
    app.manage(Db::default());
    let listed = json!([key("note", json!({"note_id": 1}))]);
    let err = call_refresh(
        &w[0],
        "edit_note",
        json!({"note_id": 1, "text": "no"}),
        listed,
    )
    .unwrap_err();
    assert_eq!(err["code"], json!("invalid_args"));
    assert_eq!(err["details"]["params"][0]["name"], json!("refresh"));
    assert_eq!(app.state::<Db>().text(1), "", "the call never ran");
    let _ = app;
}

#[test]
fn the_default_plugin_accepts_a_null_list_as_none() {
    let (_app, w) = app(&[("main", Some(&default_capability("main")))]);
    let res = invoke(
        &w[0],
        "plugin:mizan|call",
        json!({"fn": "ping", "args": {}, "refresh": null}),
    )
    .unwrap();
    assert!(res.get("bundles").is_none(), "{res}");
}

// First-paint hydration ------------------------------------------------------

static LOGS: Mutex<Vec<(log::Level, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LOGS.lock()
            .unwrap()
            .push((record.level(), record.args().to_string()));
    }
    fn flush(&self) {}
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        log::set_logger(&Capture).unwrap();
        log::set_max_level(log::LevelFilter::Debug);
    });
}

fn errors_naming(text: &str) -> Vec<String> {
    logs_naming(log::Level::Error, text)
}

fn logs_naming(level: log::Level, text: &str) -> Vec<String> {
    let logs = LOGS.lock().unwrap();
    logs.iter()
        .filter(|(l, line)| *l == level && line.contains(text))
        .map(|(_, line)| line.clone())
        .collect()
}

/// Whether the page of `label` was handed its snapshot, as many times.
fn handed(label: &str) -> usize {
    logs_naming(
        log::Level::Debug,
        &format!("the page of `{label}` is handed"),
    )
    .len()
}

/// An app whose ACL holds `capabilities` from the start (as an app's
/// capability files are), with no window yet.
fn hydrating_app(
    plugin: tauri_plugin_mizan::Builder,
    capabilities: &[String],
) -> tauri::App<MockRuntime> {
    let mut context = tauri::test::mock_context(tauri::test::noop_assets());
    let acl = std::collections::BTreeMap::from([("mizan".to_owned(), common::plugin_manifest())]);
    let mut authority = tauri::ipc::RuntimeAuthority::new(acl, Default::default());
    for cap in capabilities {
        authority.add_capability(cap.as_str()).expect("capability");
    }
    *context.runtime_authority_mut() = authority;
    let app = tauri::test::mock_builder()
        .plugin(plugin.build())
        .build(context)
        .expect("the app builds");
    let db = Db::default();
    db.texts.lock().unwrap().insert(1, "first".into());
    app.manage(db);
    app
}

/// The snapshot a script carries: the JSON string it holds, parsed.
fn snapshot_of(script: &str) -> Value {
    let start = script.find("var text = ").expect("a value") + "var text = ".len();
    let end = script.find(", key = ").expect("the end");
    let text: String = serde_json::from_str(&script[start..end]).expect("a JSON string literal");
    serde_json::from_str(&text).expect("JSON")
}

fn open(app: &tauri::App<MockRuntime>, label: &str) -> tauri::Result<WebviewWindow<MockRuntime>> {
    WebviewWindowBuilder::new(app, label, WebviewUrl::default())
        .hydrate(app, label)
        .build()
}

#[test]
fn a_window_is_hydrated_with_what_ctx_would_answer_it() {
    let app = hydrating_app(builder(), &[default_capability("main")]);
    let script = app.mizan().hydration_script("main").expect("a script");
    let snap = snapshot_of(&script);
    assert_eq!(snap["label"], json!("main"));
    assert_eq!(snap["seq"], json!(0));
    let contexts: Vec<&Value> = snap["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["context"])
        .collect();
    assert_eq!(contexts, [&json!("note"), &json!("board"), &json!("mine")]);
    assert_eq!(
        snap["bundles"][0]["data"],
        json!({"note_text": "first", "note_length": 5})
    );
    assert_eq!(
        snap["bundles"][2]["data"],
        json!({"my_draft": "draft of ada"})
    );

    // The window created with it, and `ctx` from that window, agree.
    let w = open(&app, "main").unwrap();
    for bundle in snap["bundles"].as_array().unwrap() {
        let fetched = common::ctx(
            &w,
            bundle["context"].as_str().unwrap(),
            bundle["params"].clone(),
        )
        .unwrap();
        assert_eq!(&fetched, bundle);
    }
    // Nothing chosen, nothing added.
    assert!(app.mizan().hydration_script("elsewhere").is_none());
}

#[test]
fn the_auth_guard_applies_per_label() {
    let app = hydrating_app(builder(), &[default_capability("guest")]);
    let snap = snapshot_of(&app.mizan().hydration_script("guest").unwrap());
    let mine = &snap["bundles"][1];
    assert_eq!(mine["context"], json!("mine"));
    assert_eq!(
        mine["data"],
        json!({}),
        "no identity for `guest`: nothing of the guarded function"
    );
    assert_eq!(mine["errors"]["my_draft"]["code"], json!("unauthorized"));
}

#[test]
fn a_context_denied_to_every_window_is_never_in_a_script() {
    let deny = json!({
        "identifier": "cap-global", "windows": ["*"],
        "permissions": [{"identifier": "mizan:scope", "deny": [{"context": "secret"}]}]
    });
    let app = hydrating_app(
        builder(),
        &[deny.to_string(), default_capability("limited")],
    );
    let script = app.mizan().hydration_script("limited").unwrap();
    assert!(!script.contains("secret"), "{script}");
    let snap = snapshot_of(&script);
    assert_eq!(snap["bundles"].as_array().unwrap().len(), 1);
    assert_eq!(snap["bundles"][0]["context"], json!("note"));
    let w = open(&app, "limited").unwrap();
    assert_eq!(
        common::ctx(&w, "secret", json!({"note_id": 1})).unwrap_err()["code"],
        json!("forbidden")
    );
}

#[test]
fn a_page_whose_capabilities_refuse_its_snapshot_is_not_handed_it() {
    let denied = json!({
        "identifier": "cap-nosecret", "windows": ["nosecret"],
        "permissions": [
            "mizan:default",
            {"identifier": "mizan:allow-ctx", "deny": [{"context": "secret"}]}
        ]
    });
    capture_logs();
    let app = hydrating_app(builder(), &[denied.to_string(), default_capability("main")]);
    open(&app, "nosecret").unwrap();
    let refused = errors_naming("window `nosecret` was hydrated");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].contains("`secret`") && refused[0].contains("not handed"),
        "{refused:?}"
    );
    assert_eq!(handed("nosecret"), 0);
    // A window its capabilities allow is handed it; a window not granted
    // `ctx` is not.
    open(&app, "main").unwrap();
    assert!(errors_naming("window `main`").is_empty());
    assert_eq!(handed("main"), 1);
    open(&app, "guest").unwrap();
    assert_eq!(errors_naming("window `guest` was hydrated").len(), 1);
    assert_eq!(handed("guest"), 0);
    // Seen once, the window's own access narrows its next snapshot.
    let again = app.mizan().hydration_script("nosecret").unwrap();
    assert!(!again.contains("secret first"), "{again}");
}

#[test]
fn a_page_is_not_handed_a_snapshot_of_another_identity() {
    capture_logs();
    let app = hydrating_app(builder(), &[default_capability("switch")]);
    // Computed for ada; by the time the page loads, bob is signed in (as a
    // reload after a change of user runs the old script again).
    let script = app.mizan().hydration_script("switch").unwrap();
    assert_eq!(snapshot_of(&script)["identity"], json!("ada"));
    *SWITCH_USER.lock().unwrap() = Some("bob");
    WebviewWindowBuilder::new(&app, "switch", WebviewUrl::default())
        .initialization_script(script)
        .build()
        .unwrap();
    assert_eq!(handed("switch"), 0);
    assert_eq!(
        logs_naming(log::Level::Info, "who is signed in changed").len(),
        1
    );
    *SWITCH_USER.lock().unwrap() = Some("ada");
}

#[test]
fn the_script_hands_the_snapshot_only_to_the_apps_own_top_frame_once() {
    let app = hydrating_app(builder(), &[default_capability("main")]);
    let script = app.mizan().hydration_script("main").unwrap();
    for needed in [
        "window !== window.top",
        "\"tauri://localhost\"",
        "var text = ",
        "confirmed ? text : undefined",
        "delete window['__MIZAN_HYDRATE__']",
    ] {
        assert!(script.contains(needed), "{needed}: {script}");
    }
}

#[test]
fn the_script_text_cannot_end_a_script_element() {
    let app = hydrating_app(builder(), &[default_capability("main")]);
    app.state::<Db>().texts.lock().unwrap().insert(
        1,
        "</script><script>alert(1)</script><!-- \u{2028}\u{2029}".into(),
    );
    let script = app.mizan().hydration_script("main").unwrap();
    assert!(!script.contains('<'), "{script}");
    assert!(!script.contains('\u{2028}') && !script.contains('\u{2029}'));
    // The page still reads the text as it was.
    let snap = snapshot_of(&script);
    assert_eq!(
        snap["bundles"][0]["data"]["note_text"],
        json!("</script><script>alert(1)</script><!-- \u{2028}\u{2029}")
    );
}

#[test]
fn the_snapshot_is_bounded() {
    let app = hydrating_app(builder().hydrate_max_bytes(1000), &[]);
    let snap = snapshot_of(&app.mizan().hydration_script("big").unwrap());
    let kept = snap["bundles"].as_array().unwrap();
    assert!(!kept.is_empty() && kept.len() < 50, "{}", kept.len());
    assert!(serde_json::to_string(kept).unwrap().len() <= 1000);
    // The first ones, in the order chosen.
    for (i, b) in kept.iter().enumerate() {
        assert_eq!(b["params"]["note_id"], json!(i + 1));
    }
    // Nothing fits: no script at all.
    let app = hydrating_app(builder().hydrate_max_bytes(10), &[]);
    assert!(app.mizan().hydration_script("main").is_none());
}

#[test]
fn bad_choices_are_left_out() {
    let app = hydrating_app(builder(), &[]);
    assert!(app.mizan().hydration_script("odd").is_none());
}

#[test]
fn a_reload_learns_what_was_invalidated_after_its_snapshot() {
    let app = hydrating_app(
        builder(),
        &[default_capability("main"), default_capability("other")],
    );
    let w = open(&app, "main").unwrap();
    let other = open(&app, "other").unwrap();
    let seq = app
        .mizan()
        .hydration_script("main")
        .map(|s| snapshot_of(&s)["seq"].clone())
        .unwrap();
    assert_eq!(seq, json!(0));
    let since = |seq: u64| invoke(&w, "plugin:mizan|since", json!({ "seq": seq })).unwrap();
    assert_eq!(since(0), json!({"seq": 0, "targets": []}));

    // Another window writes note 1, then the app invalidates the board.
    common::call(&other, "edit_note", json!({"note_id": 1, "text": "later"})).unwrap();
    app.mizan().invalidate([Target::whole("board")]);
    // The page reloads with the snapshot of seq 0: both reached it since.
    assert_eq!(
        since(0),
        json!({"seq": 2, "targets": [
            {"context": "note", "params": {"note_id": 1}},
            {"context": "secret", "params": {"note_id": 1}},
            {"context": "board", "params": {}}
        ]})
    );
    assert_eq!(since(2), json!({"seq": 2, "targets": []}));
    // A number from another run of the app: everything is stale.
    assert_eq!(since(99), json!({"seq": 2, "targets": null}));
    for bad in [json!({}), json!({"seq": -1}), json!({"seq": 1, "more": 1})] {
        let err = invoke(&w, "plugin:mizan|since", bad).unwrap_err();
        assert_eq!(err["code"], json!("invalid_args"));
    }
    // Past the events the plugin keeps: everything is stale.
    for _ in 0..300 {
        app.mizan().invalidate([Target::whole("board")]);
    }
    assert_eq!(since(0)["targets"], Value::Null);
    assert_eq!(since(300)["targets"].as_array().unwrap().len(), 2);
}
