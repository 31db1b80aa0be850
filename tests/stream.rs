#![allow(missing_docs)]
//! Streams (docs/protocol.md: "Streams") through the real IPC dispatch path and the real ACL:
//! items in order, batched; typed errors and panics; cancellation (the
//! producer's future is dropped before `stream_cancel` answers); a webview
//! going away; a consumer that never reads (the producer waits, memory is
//! bounded by the window); access; hostile control messages.

mod common;

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Condvar, Mutex,
    },
    time::{Duration, Instant},
};

use serde::Serialize;
use serde_json::{json, Value};
use tauri::{
    ipc::InvokeResponseBody,
    test::{mock_builder, MockRuntime},
    App, Manager, State, WebviewUrl, WebviewWindow, WebviewWindowBuilder,
};
use tauri_plugin_mizan::{
    client, jwt::JwtConfig, Builder, Context, Identity, MizanExt, StreamSink,
};

pub const LEDGER: Context = Context::new("ledger");

/// What the producers did, per app.
#[derive(Debug, Default)]
struct Meter {
    produced: AtomicU64,
    dropped_at: Mutex<Option<Instant>>,
}

/// Records when the producer's future is dropped.
struct DropMark<'a>(&'a Meter);

impl Drop for DropMark<'_> {
    fn drop(&mut self) {
        *self.0.dropped_at.lock().unwrap() = Some(Instant::now());
    }
}

#[derive(Debug, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CountError {
    TooFar { at: u32 },
}

/// `0..to`, as fast as the consumer reads.
#[client]
async fn count(to: u64, out: StreamSink<u64>) {
    for n in 0..to {
        out.send(n).await;
    }
}

/// Counts, then fails at `fail_at` with a typed error.
#[client]
async fn count_then_fail(fail_at: u32, out: StreamSink<u32>) -> Result<(), CountError> {
    for n in 0..fail_at {
        out.send(n).await;
    }
    Err(CountError::TooFar { at: fail_at })
}

/// Counts, then panics.
#[client]
async fn count_then_panic(out: StreamSink<u32>) {
    out.send(1).await;
    panic!("the producer broke");
}

/// Never ends on its own; counts what it produced and marks its drop.
#[client]
async fn endless(meter: State<'_, Meter>, out: StreamSink<u64>) {
    let _mark = DropMark(&meter);
    loop {
        let n = meter.produced.fetch_add(1, Ordering::SeqCst);
        out.send(n).await;
    }
}

/// Like `endless`, one item per millisecond (a producer that waits on
/// something else between items).
#[client]
async fn ticking(meter: State<'_, Meter>, out: StreamSink<u64>) {
    let _mark = DropMark(&meter);
    loop {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let n = meter.produced.fetch_add(1, Ordering::SeqCst);
        out.send(n).await;
    }
}

/// Guarded: needs an identity.
#[client(auth)]
async fn private_feed(out: StreamSink<u32>) {
    out.send(7).await;
}

/// Like `endless`, guarded: admitted as the signed-in user.
#[client(auth)]
async fn private_endless(meter: State<'_, Meter>, out: StreamSink<u64>) {
    let _mark = DropMark(&meter);
    loop {
        let n = meter.produced.fetch_add(1, Ordering::SeqCst);
        out.send(n).await;
    }
}

/// A plain query, for the wrong-command checks.
#[client]
fn plain() -> u32 {
    1
}

#[client(context = LEDGER)]
fn ledger_total(account: u32) -> u32 {
    account
}

/// A streaming mutation: its targets come with the end marker.
#[client(affects = LEDGER)]
async fn import_rows(#[allow(unused_variables)] account: u32, rows: u32, out: StreamSink<u32>) {
    for n in 0..rows {
        out.send(n).await;
    }
}

// The rig ----------------------------------------------------------------

/// Channel messages by channel id, as the webview would receive them.
#[derive(Default)]
struct Inbox {
    messages: Mutex<HashMap<u32, Vec<Value>>>,
    arrived: Condvar,
}

impl Inbox {
    /// The messages of `channel` once `ready` holds for them (at most 10 s).
    fn wait(&self, channel: u32, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut all = self.messages.lock().unwrap();
        loop {
            let got = all.get(&channel).map(Vec::as_slice).unwrap_or_default();
            if ready(got) || Instant::now() > deadline {
                return got.to_vec();
            }
            all = self
                .arrived
                .wait_timeout(all, Duration::from_millis(50))
                .unwrap()
                .0;
        }
    }

    fn count(&self, channel: u32) -> usize {
        self.messages
            .lock()
            .unwrap()
            .get(&channel)
            .map_or(0, Vec::len)
    }
}

struct Rig {
    app: App<MockRuntime>,
    main: WebviewWindow<MockRuntime>,
    other: WebviewWindow<MockRuntime>,
    inbox: Arc<Inbox>,
}

fn rig_with(plugin: tauri::plugin::TauriPlugin<MockRuntime>, main_capability: &str) -> Rig {
    let inbox = Arc::new(Inbox::default());
    let sink = inbox.clone();
    let builder = mock_builder().channel_interceptor(move |webview, callback, index, body| {
        // A page's notices (`plugin:mizan|listen`) go to their recorder.
        if common::intercept(webview, callback, index, body) {
            return true;
        }
        let value = match body {
            InvokeResponseBody::Json(text) => serde_json::from_str(text).unwrap(),
            InvokeResponseBody::Raw(_) => Value::Null,
        };
        sink.messages
            .lock()
            .unwrap()
            .entry(callback.0)
            .or_default()
            .push(value);
        sink.arrived.notify_all();
        true
    });
    let app = common::try_app_from(builder, plugin).expect("the app builds");
    app.manage(Meter::default());
    app.add_capability(main_capability.to_owned()).unwrap();
    app.add_capability(common::default_capability("other"))
        .unwrap();
    let window = |label: &str| {
        WebviewWindowBuilder::new(&app, label, WebviewUrl::default())
            .build()
            .unwrap()
    };
    let (main, other) = (window("main"), window("other"));
    Rig {
        app,
        main,
        other,
        inbox,
    }
}

fn rig() -> Rig {
    rig_with(
        tauri_plugin_mizan::init(),
        &common::default_capability("main"),
    )
}

fn channel(id: u32) -> String {
    format!("__CHANNEL__:{id}")
}

fn open(
    webview: &WebviewWindow<MockRuntime>,
    function: &str,
    args: Value,
    id: u32,
    window: Option<u64>,
) -> Result<Value, Value> {
    let mut body = json!({"fn": function, "args": args, "channel": channel(id)});
    if let Some(w) = window {
        body["window"] = json!(w);
    }
    common::invoke(webview, "plugin:mizan|stream", body)
}

fn ack(webview: &WebviewWindow<MockRuntime>, id: u32, credits: u64) -> Result<Value, Value> {
    common::invoke(
        webview,
        "plugin:mizan|stream_ack",
        json!({"channel": channel(id), "credits": credits}),
    )
}

fn cancel(webview: &WebviewWindow<MockRuntime>, id: u32) -> Result<Value, Value> {
    common::invoke(
        webview,
        "plugin:mizan|stream_cancel",
        json!({"channel": channel(id)}),
    )
}

fn is_last(m: &Value) -> bool {
    m.get("end").is_some() || m.get("error").is_some()
}

/// Reads a stream to its end as guest-js does: acknowledges each batch
/// once read. Returns the items, the last message, and how many messages
/// carried the items.
fn read_all(rig: &Rig, id: u32) -> (Vec<Value>, Value, usize) {
    let mut items = Vec::new();
    let mut seen = 0;
    loop {
        let messages = rig.inbox.wait(id, |m| m.len() > seen);
        assert!(
            messages.len() > seen,
            "the stream stalled after {seen} messages"
        );
        for m in &messages[seen..] {
            if is_last(m) {
                return (items, m.clone(), seen);
            }
            let batch = m["items"].as_array().expect("an items message");
            items.extend(batch.iter().cloned());
            ack(&rig.main, id, batch.len() as u64).unwrap();
            seen += 1;
        }
    }
}

fn meter(rig: &Rig) -> State<'_, Meter> {
    rig.app.state::<Meter>()
}

/// Waits until the producer's count has not moved for 100 ms.
fn settled(rig: &Rig) -> u64 {
    let mut last = meter(rig).produced.load(Ordering::SeqCst);
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let now = meter(rig).produced.load(Ordering::SeqCst);
        if now == last {
            return now;
        }
        last = now;
    }
}

// Items --------------------------------------------------------------------

#[test]
fn a_hundred_thousand_items_arrive_in_order_in_batches() {
    let rig = rig();
    assert_eq!(
        open(&rig.main, "count", json!({"to": 100_000}), 1, None),
        Ok(Value::Null)
    );
    let (items, last, messages) = read_all(&rig, 1);
    assert_eq!(items.len(), 100_000);
    assert!(
        items.iter().enumerate().all(|(i, v)| v == &json!(i)),
        "in order"
    );
    assert_eq!(last, json!({"end": true, "invalidate": []}));
    assert!(messages < 1_000, "batched: {messages} messages");
    eprintln!("100000 items in {messages} messages");
    assert_eq!(rig.app.mizan().running_streams(), 0, "nothing left running");
}

#[test]
fn an_error_midway_ends_the_stream_typed() {
    let rig = rig();
    open(&rig.main, "count_then_fail", json!({"fail_at": 5}), 2, None).unwrap();
    let (items, last, _) = read_all(&rig, 2);
    assert_eq!(items, [0, 1, 2, 3, 4].map(|n| json!(n)));
    assert_eq!(
        last,
        json!({"error": {"code": "app", "message": "the function returned an error",
            "fn": "count_then_fail", "details": {"kind": "too_far", "at": 5}, "invalidate": []}})
    );
}

#[test]
fn a_panicking_producer_ends_with_internal_and_the_plugin_serves_on() {
    let rig = rig();
    open(&rig.main, "count_then_panic", json!({}), 3, None).unwrap();
    let (items, last, _) = read_all(&rig, 3);
    assert_eq!(items, [json!(1)]);
    assert_eq!(last["error"]["code"], "internal");
    assert_eq!(last["error"]["fn"], "count_then_panic");
    assert!(!last.to_string().contains("broke"), "no internals leak");
    open(&rig.main, "count", json!({"to": 2}), 4, None).unwrap();
    assert_eq!(read_all(&rig, 4).0, [json!(0), json!(1)]);
}

#[test]
fn a_streaming_mutation_ends_with_its_targets() {
    let rig = rig();
    let events = common::record_events(&rig.other);
    open(
        &rig.main,
        "import_rows",
        json!({"account": 7, "rows": 3}),
        5,
        None,
    )
    .unwrap();
    let (items, last, _) = read_all(&rig, 5);
    assert_eq!(items.len(), 3);
    let target = json!({"context": "ledger", "params": {"account": 7}});
    assert_eq!(last, json!({"end": true, "invalidate": [target]}));
    assert_eq!(events.lock().unwrap()[0]["targets"], json!([target]));
}

// Cancellation ------------------------------------------------------------

#[test]
fn cancel_drops_the_producer_before_it_answers() {
    let rig = rig();
    open(&rig.main, "ticking", json!({}), 6, None).unwrap();
    rig.inbox.wait(6, |m| m.len() >= 3);
    let asked = Instant::now();
    assert_eq!(cancel(&rig.main, 6), Ok(json!(true)));
    let answered = Instant::now();
    let dropped = meter(&rig)
        .dropped_at
        .lock()
        .unwrap()
        .expect("the future was dropped");
    assert!(dropped <= answered, "dropped before the answer");
    let at_cancel = meter(&rig).produced.load(Ordering::SeqCst);
    let messages = rig.inbox.count(6);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        meter(&rig).produced.load(Ordering::SeqCst) - at_cancel,
        0,
        "items produced after the cancel answered"
    );
    assert_eq!(
        rig.inbox.count(6),
        messages,
        "nothing sent after the cancel"
    );
    eprintln!(
        "cancel -> producer dropped in {:?} (answer after {:?})",
        dropped - asked,
        answered - asked
    );
    assert_eq!(
        cancel(&rig.main, 6),
        Ok(json!(false)),
        "a second cancel finds nothing"
    );
    assert_eq!(rig.app.mizan().running_streams(), 0);
}

#[test]
fn a_webview_going_away_stops_its_streams_only() {
    // The plugin calls `stop_streams` when a page starts loading (a reload)
    // and when a window is destroyed; the mock runtime emits neither event,
    // so this drives the same call (the example app's end-to-end test
    // reloads a real webview).
    let rig = rig();
    open(&rig.main, "ticking", json!({}), 7, None).unwrap();
    open(&rig.other, "count", json!({"to": 1_000_000}), 7, Some(4)).unwrap();
    // Both use channel 7: ids are each webview's own.
    while meter(&rig).produced.load(Ordering::SeqCst) < 3 {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(rig.app.mizan().running_streams(), 2);
    assert_eq!(rig.app.mizan().stop_streams("main"), 1);
    let deadline = Instant::now() + Duration::from_secs(5);
    while meter(&rig).dropped_at.lock().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(
        meter(&rig).dropped_at.lock().unwrap().is_some(),
        "the producer was dropped"
    );
    assert_eq!(
        rig.app.mizan().running_streams(),
        1,
        "the other webview's stream runs on"
    );
    let at_stop = meter(&rig).produced.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(meter(&rig).produced.load(Ordering::SeqCst), at_stop);
    assert_eq!(
        ack(&rig.main, 7, 1),
        Ok(json!(false)),
        "gone for its webview"
    );
    assert_eq!(ack(&rig.other, 7, 1), Ok(json!(true)));
}

// Backpressure -------------------------------------------------------------

#[test]
fn a_consumer_that_never_reads_holds_the_producer_at_its_window() {
    let rig = rig();
    open(&rig.main, "endless", json!({}), 8, Some(64)).unwrap();
    let produced = settled(&rig);
    let items: usize = rig
        .inbox
        .wait(8, |_| true)
        .iter()
        .map(|m| m["items"].as_array().map_or(0, Vec::len))
        .sum();
    // The 65th `send` waits: 64 items are out, unread.
    assert_eq!(produced, 65, "the producer waits at its window");
    assert_eq!(items, 64, "the items out are the window");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        meter(&rig).produced.load(Ordering::SeqCst),
        65,
        "still waiting"
    );

    ack(&rig.main, 8, 10).unwrap();
    assert_eq!(settled(&rig), 75, "10 read, 10 more produced");
    // An acknowledgement beyond what was sent widens nothing.
    ack(&rig.main, 8, 10_000).unwrap();
    assert_eq!(settled(&rig), 75 + 64, "at most a window unread");
    cancel(&rig.main, 8).unwrap();
}

// Access -------------------------------------------------------------------

#[test]
fn access_rules_and_guards_hold_as_for_call() {
    let capability = json!({
        "identifier": "narrow", "windows": ["main"],
        "permissions": ["mizan:allow-stream-ack", "mizan:allow-stream-cancel",
            {"identifier": "mizan:allow-stream", "deny": [{"fn": "endless"}]}]
    })
    .to_string();
    let rig = rig_with(tauri_plugin_mizan::init(), &capability);
    let r = open(&rig.main, "endless", json!({}), 9, None).unwrap_err();
    assert_eq!(r["code"], "forbidden");
    assert_eq!(r["fn"], "endless");
    let r = open(&rig.main, "private_feed", json!({}), 10, None).unwrap_err();
    assert_eq!(r["code"], "unauthorized");
    assert_eq!(
        meter(&rig).produced.load(Ordering::SeqCst),
        0,
        "nothing ran"
    );
    assert_eq!(rig.inbox.count(9) + rig.inbox.count(10), 0, "nothing sent");
    // `call` is not granted to this window at all: refused by Tauri.
    assert!(common::call(&rig.main, "plain", json!({})).is_err());
    // A deny on `call` reaches the same function through `stream`.
    let capability = json!({
        "identifier": "deny-by-call", "windows": ["main"],
        "permissions": ["mizan:default",
            {"identifier": "mizan:allow-call", "deny": [{"fn": "count"}]}]
    })
    .to_string();
    let rig = rig_with(tauri_plugin_mizan::init(), &capability);
    assert_eq!(
        open(&rig.main, "count", json!({"to": 1}), 11, None).unwrap_err()["code"],
        "forbidden"
    );

    let guarded = tauri_plugin_mizan::Builder::new()
        .identity(|_| Some(Identity::new("ada")))
        .build();
    let rig = rig_with(guarded, &common::default_capability("main"));
    open(&rig.main, "private_feed", json!({}), 12, None).unwrap();
    assert_eq!(read_all(&rig, 12).0, [json!(7)]);
}

#[test]
fn each_function_is_served_by_its_own_command() {
    let rig = rig();
    let r = common::call(&rig.main, "count", json!({"to": 1})).unwrap_err();
    assert_eq!(r["code"], "unknown_function");
    assert!(r["message"].as_str().unwrap().contains("use `stream`"));
    let r = open(&rig.main, "plain", json!({}), 13, None).unwrap_err();
    assert_eq!(r["code"], "unknown_function");
    assert!(r["message"].as_str().unwrap().contains("use `call`"));
    let r = open(&rig.main, "nope", json!({}), 13, None).unwrap_err();
    assert_eq!(
        (r["code"].as_str(), &r["fn"]),
        (Some("unknown_function"), &Value::Null)
    );
    let r = open(&rig.main, "count", json!({"to": "many"}), 13, None).unwrap_err();
    assert_eq!(r["code"], "invalid_args");
    assert_eq!(r["details"]["params"][0]["name"], "to");
    assert_eq!(rig.inbox.count(13), 0);
}

// Hostile input -------------------------------------------------------------

#[test]
fn hostile_stream_and_control_bodies_get_typed_errors_and_change_nothing() {
    let rig = rig();
    open(&rig.main, "endless", json!({}), 14, Some(8)).unwrap();
    let produced = settled(&rig);
    for (cmd, body) in [
        ("stream", json!(null)),
        ("stream", json!({"fn": "count", "args": {"to": 1}})),
        (
            "stream",
            json!({"fn": "count", "args": {"to": 1}, "channel": "14"}),
        ),
        (
            "stream",
            json!({"fn": "count", "args": {"to": 1}, "channel": channel(20), "window": 0}),
        ),
        (
            "stream",
            json!({"fn": "count", "args": {"to": 1}, "channel": channel(20), "window": 1e9}),
        ),
        (
            "stream",
            json!({"fn": "count", "args": [], "channel": channel(20)}),
        ),
        (
            "stream",
            json!({"fn": "count", "channel": channel(20), "extra": 1}),
        ),
        ("stream_ack", json!({"channel": channel(14)})),
        ("stream_ack", json!({"channel": channel(14), "credits": -1})),
        (
            "stream_ack",
            json!({"channel": channel(14), "credits": u64::MAX}),
        ),
        (
            "stream_ack",
            json!({"channel": "__CHANNEL__:x", "credits": 1}),
        ),
        ("stream_ack", json!("__CHANNEL__:14")),
        ("stream_cancel", json!({})),
        ("stream_cancel", json!({"channel": 14})),
        (
            "stream_cancel",
            json!({"channel": "__CHANNEL__:99999999999"}),
        ),
        (
            "stream_cancel",
            json!({"channel": channel(14), "also": true}),
        ),
        ("stream_cancel", json!([channel(14)])),
    ] {
        let r = common::invoke(&rig.main, &format!("plugin:mizan|{cmd}"), body.clone());
        let code = r.as_ref().err().and_then(|e| e["code"].as_str());
        assert_eq!(code, Some("invalid_args"), "{cmd} {body}: {r:?}");
    }
    // The same channel twice: refused while the first runs.
    let r = open(&rig.main, "count", json!({"to": 1}), 14, None).unwrap_err();
    assert_eq!(r["code"], "invalid_args");
    // Another webview cannot reach it, whatever id it names.
    assert_eq!(cancel(&rig.other, 14), Ok(json!(false)));
    assert_eq!(ack(&rig.other, 14, 8), Ok(json!(false)));
    assert_eq!(cancel(&rig.main, 4_000_000), Ok(json!(false)));
    assert_eq!(settled(&rig), produced, "the stream still waits, untouched");
    assert_eq!(rig.app.mizan().running_streams(), 1);
    assert_eq!(cancel(&rig.main, 14), Ok(json!(true)));
}

// A mutation stopped midway --------------------------------------------------

/// The items of `channel` received so far.
fn items_of(rig: &Rig, channel: u32) -> usize {
    rig.inbox
        .wait(channel, |_| true)
        .iter()
        .map(|m| m["items"].as_array().map_or(0, Vec::len))
        .sum()
}

#[test]
fn a_cancelled_streaming_mutation_still_invalidates() {
    let rig = rig();
    let mine = common::record_events(&rig.main);
    let others = common::record_events(&rig.other);
    let rows = json!({"account": 7, "rows": 1_000_000});
    open(&rig.main, "import_rows", rows.clone(), 30, Some(8)).unwrap();
    rig.inbox.wait(30, |m| {
        m.iter()
            .map(|m| m["items"].as_array().map_or(0, Vec::len))
            .sum::<usize>()
            >= 8
    });
    assert_eq!(items_of(&rig, 30), 8, "8 rows written, then it waits");
    assert!(others.lock().unwrap().is_empty());
    assert_eq!(cancel(&rig.main, 30), Ok(json!(true)));
    let target = json!([{"context": "ledger", "params": {"account": 7}}]);
    // No end marker reaches a consumer that stopped: every webview, its
    // own too, gets the event.
    for seen in [&others, &mine] {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0]["targets"], target);
        assert_eq!(seen[0]["source"], Value::Null);
    }
    // Its page going away: the same.
    open(&rig.main, "import_rows", rows, 31, Some(8)).unwrap();
    rig.inbox.wait(31, |m| !m.is_empty());
    assert_eq!(rig.app.mizan().stop_streams("main"), 1);
    let deadline = Instant::now() + Duration::from_secs(10);
    while others.lock().unwrap().len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(others.lock().unwrap()[1]["targets"], target);
    // A refused start invalidates nothing.
    open(&rig.other, "count", json!({"to": 1_000_000}), 32, Some(1)).unwrap();
    let r = open(
        &rig.other,
        "import_rows",
        json!({"account": 1, "rows": 1}),
        32,
        None,
    );
    assert_eq!(r.unwrap_err()["code"], "invalid_args");
    assert_eq!(mine.lock().unwrap().len(), 2);
}

// Bounds -----------------------------------------------------------------------

#[test]
fn streams_per_window_are_bounded() {
    let rig = rig();
    for id in 0..16 {
        open(
            &rig.main,
            "count",
            json!({"to": 1_000_000}),
            100 + id,
            Some(1),
        )
        .unwrap();
    }
    let r = open(&rig.main, "count", json!({"to": 1}), 200, None).unwrap_err();
    assert_eq!(r["code"], "invalid_args");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("fewer than 16 running streams"),
        "{r}"
    );
    assert_eq!(rig.app.mizan().running_streams(), 16);
    // Another window is not held back; a stopped stream frees a place.
    open(&rig.other, "count", json!({"to": 1}), 200, None).unwrap();
    assert_eq!(cancel(&rig.main, 100), Ok(json!(true)));
    open(&rig.main, "count", json!({"to": 1_000_000}), 200, Some(1)).unwrap();
    rig.app.mizan().stop_streams("main");
}

// Identity -------------------------------------------------------------------

/// Waits for the last message of `channel`.
fn last_of(rig: &Rig, channel: u32) -> Option<Value> {
    rig.inbox
        .wait(channel, |m| m.last().is_some_and(is_last))
        .last()
        .filter(|m| is_last(m))
        .cloned()
}

#[test]
fn a_change_of_identity_ends_the_streams_admitted_as_the_previous_one() {
    let plugin = Builder::new()
        .jwt(JwtConfig::hs256(b"0123456789abcdef0123456789abcdef"))
        .build();
    let rig = rig_with(plugin, &common::default_capability("main"));
    let jwt = rig.app.mizan().jwt().unwrap();
    jwt.sign_in(&Identity::new("ada")).unwrap();
    open(&rig.main, "private_endless", json!({}), 40, Some(4)).unwrap();
    // Not admitted as anyone: it runs on.
    open(&rig.main, "count", json!({"to": 1_000_000}), 41, Some(4)).unwrap();
    rig.inbox.wait(40, |m| !m.is_empty());
    jwt.sign_out();
    let last = last_of(&rig, 40).expect("the stream ended");
    assert_eq!(last["error"]["code"], "unauthorized");
    assert_eq!(last["error"]["fn"], "private_endless");
    assert_eq!(
        last["error"]["details"],
        json!({"reason": "identity_changed"})
    );
    assert!(meter(&rig).dropped_at.lock().unwrap().is_some(), "dropped");
    assert_eq!(rig.app.mizan().running_streams(), 1);
    assert_eq!(ack(&rig.main, 41, 1), Ok(json!(true)));

    // An identity provider: `purge_identity` signals the change.
    let user = Arc::new(Mutex::new(Some("ada".to_owned())));
    let current = user.clone();
    let plugin = Builder::new()
        .identity(move |_| current.lock().unwrap().clone().map(Identity::new))
        .build();
    let rig = rig_with(plugin, &common::default_capability("main"));
    open(&rig.main, "private_endless", json!({}), 42, Some(4)).unwrap();
    rig.inbox.wait(42, |m| !m.is_empty());
    *user.lock().unwrap() = None;
    rig.app.mizan().purge_identity("bob");
    assert_eq!(rig.app.mizan().running_streams(), 1, "not bob's");
    rig.app.mizan().purge_identity("ada");
    let last = last_of(&rig, 42).expect("the stream ended");
    assert_eq!(last["error"]["details"]["reason"], "identity_changed");
    assert_eq!(rig.app.mizan().running_streams(), 0);
}
