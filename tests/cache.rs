#![allow(missing_docs)]
//! The origin cache (docs/protocol.md: "Origin cache") through the real IPC dispatch path: hits,
//! misses, invalidation by every tier and by the app, the race with a run
//! in flight, single flight, identities, purges, restarts, stale-if-error,
//! timeouts, and stores that cannot be used.
//!
//! Each test has its own ids: the fixture's "remote source" and run counts
//! are shared by the tests of this binary, which run in parallel.

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex,
    },
    time::Duration,
};

use common::default_capability;
use serde_json::{json, Value};
use tauri::{test::MockRuntime, App, WebviewWindow};
use tauri_plugin_mizan::{client, Context, Identity, Invalidations, MizanExt, Target};

pub const QUOTE: Context = Context::new("quote");
pub const SHORT: Context = Context::new("short");
pub const SLOW: Context = Context::new("slow");
pub const GATED: Context = Context::new("gated");
pub const MINE: Context = Context::new("mine");

// The "remote source" the functions read, and what the tests do to it.

static RUNS: Mutex<BTreeMap<(&str, u32), u32>> = Mutex::new(BTreeMap::new());
static VALUES: Mutex<BTreeMap<u32, String>> = Mutex::new(BTreeMap::new());
/// Ids whose source is unreachable: the function returns `Err`.
static OFFLINE: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());
/// Ids whose function panics.
static PANICS: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());
/// Ids whose (async) function takes 30 s.
static SLOWED: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());
/// Ids whose (async) function waits until the gate opens.
static CLOSED: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

fn ran(function: &'static str, id: u32) {
    *RUNS.lock().unwrap().entry((function, id)).or_default() += 1;
}

fn runs(function: &'static str, id: u32) -> u32 {
    RUNS.lock()
        .unwrap()
        .get(&(function, id))
        .copied()
        .unwrap_or(0)
}

fn value(id: u32) -> String {
    VALUES
        .lock()
        .unwrap()
        .get(&id)
        .cloned()
        .unwrap_or_else(|| format!("quote {id}"))
}

fn set(set: &Mutex<BTreeSet<u32>>, id: u32, on: bool) {
    let mut s = set.lock().unwrap();
    if on {
        s.insert(id);
    } else {
        s.remove(&id);
    }
}

fn read(function: &'static str, id: u32) -> Result<String, String> {
    ran(function, id);
    if PANICS.lock().unwrap().contains(&id) {
        panic!("the source of {id} blew up");
    }
    if OFFLINE.lock().unwrap().contains(&id) {
        return Err("offline".into());
    }
    Ok(value(id))
}

#[client(context = QUOTE, cache(ttl = "1h", stale_if_error = "1h"))]
fn quote_text(id: u32) -> Result<String, String> {
    read("quote_text", id)
}

/// Not cached: runs on every fetch of the bundle.
#[client(context = QUOTE)]
fn quote_len(id: u32) -> usize {
    ran("quote_len", id);
    value(id).len()
}

#[client(context = SHORT, cache(ttl = "100ms", stale_if_error = "400ms"))]
fn short_text(id: u32) -> Result<String, String> {
    read("short_text", id)
}

#[client(context = SLOW, cache(ttl = "1h", stale_if_error = "1h", timeout = "100ms"))]
async fn slow_text(id: u32) -> Result<String, String> {
    let answer = read("slow_text", id);
    if SLOWED.lock().unwrap().contains(&id) {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    answer
}

/// Reads its value, then waits at the gate (a slow network answer: what it
/// returns was true when it started).
#[client(context = GATED, cache(ttl = "1h"))]
async fn gated_text(id: u32) -> String {
    ran("gated_text", id);
    let snapshot = value(id);
    while CLOSED.lock().unwrap().contains(&id) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    snapshot
}

/// Per caller: the identity is part of the key.
#[client(context = MINE, cache(ttl = "1h"))]
fn mine_text(id: u32, me: Identity) -> String {
    ran("mine_text", id);
    format!("{}'s {}", me.id, value(id))
}

// Mutations, one per tier.

/// Tier 2: `id` matches the context param.
#[client(affects = [QUOTE, GATED])]
fn set_quote(id: u32, text: String) {
    VALUES.lock().unwrap().insert(id, text);
}

/// Tier 1: names its targets.
#[client(affects = QUOTE)]
fn set_quotes(ids: Vec<u32>, text: String, inv: Invalidations) {
    for id in ids {
        VALUES.lock().unwrap().insert(id, text.clone());
        inv.add(&QUOTE, json!({ "id": id }));
    }
}

/// Tier 3: no param matches; the whole context.
#[client(affects = QUOTE)]
fn touch_quotes(note: String) {
    let _ = note;
}

// Harness.

/// A new empty dir (in memory where the system has `/dev/shm`).
fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let root = Path::new("/dev/shm");
    let root = if root.is_dir() {
        root.to_owned()
    } else {
        std::env::temp_dir()
    };
    let dir = root.join(format!(
        "mizan-ipc-cache-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Windows `main` (anonymous), `ada` and `bob` (identities by label).
fn app_in(dir: &Path) -> (App<MockRuntime>, Vec<WebviewWindow<MockRuntime>>) {
    let plugin = tauri_plugin_mizan::Builder::new()
        .cache_dir(dir)
        .identity(|req| match req.label() {
            "ada" | "bob" => Some(Identity::new(req.label())),
            _ => None,
        })
        .build();
    common::app_with(
        plugin,
        &[
            ("main", Some(&default_capability("main"))),
            ("ada", Some(&default_capability("ada"))),
            ("bob", Some(&default_capability("bob"))),
        ],
    )
}

fn ctx(w: &WebviewWindow<MockRuntime>, context: &str, params: Value) -> Value {
    common::ctx(w, context, params).unwrap_or_else(|e| panic!("{context}: {e}"))
}

fn quote(w: &WebviewWindow<MockRuntime>, id: u32) -> Value {
    ctx(w, "quote", json!({ "id": id }))
}

fn call(w: &WebviewWindow<MockRuntime>, function: &str, args: Value) -> Value {
    common::call(w, function, args).unwrap_or_else(|e| panic!("{function}: {e}"))
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

/// Waits until `f` holds (a run in flight reached its gate).
fn eventually(what: &str, f: impl Fn() -> bool) {
    for _ in 0..2000 {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("never: {what}");
}

// Tests.

#[test]
fn a_hit_within_ttl_does_not_run_the_function() {
    let dir = temp_dir("hit");
    let (_app, w) = app_in(&dir);
    let first = quote(&w[0], 1);
    let second = quote(&w[0], 1);
    assert_eq!(first["data"]["quote_text"], "quote 1");
    assert_eq!(first, second);
    assert_eq!(runs("quote_text", 1), 1, "served from the cache");
    assert_eq!(
        runs("quote_len", 1),
        2,
        "the uncached sibling runs each time"
    );
    assert!(second.get("stale").is_none(), "no `stale` key: {second}");
}

#[test]
fn a_miss_after_the_ttl_runs_again() {
    let dir = temp_dir("ttl");
    let (_app, w) = app_in(&dir);
    ctx(&w[0], "short", json!({ "id": 2 }));
    ctx(&w[0], "short", json!({ "id": 2 }));
    assert_eq!(runs("short_text", 2), 1);
    std::thread::sleep(Duration::from_millis(150));
    ctx(&w[0], "short", json!({ "id": 2 }));
    assert_eq!(runs("short_text", 2), 2);
}

#[test]
fn every_tier_and_the_app_invalidate_what_they_reach() {
    let dir = temp_dir("tiers");
    let (app, w) = app_in(&dir);
    let w = &w[0];
    let both = |a: u32, b: u32| {
        quote(w, 3);
        quote(w, 4);
        assert_eq!(
            (runs("quote_text", 3), runs("quote_text", 4)),
            (a, b),
            "runs of 3 and 4"
        );
    };
    both(1, 1);
    // Tier 2: the matched param.
    call(w, "set_quote", json!({ "id": 3, "text": "three" }));
    assert_eq!(quote(w, 3)["data"]["quote_text"], "three");
    both(2, 1);
    // Tier 1: the targets the mutation named.
    call(w, "set_quotes", json!({ "ids": [4], "text": "four" }));
    assert_eq!(quote(w, 4)["data"]["quote_text"], "four");
    both(2, 2);
    // Tier 3: the whole context.
    call(w, "touch_quotes", json!({ "note": "x" }));
    both(3, 3);
    // The app, on its own.
    app.mizan()
        .invalidate([Target::new("quote", json!({ "id": 3 }))]);
    both(4, 3);
    // A target of another context changes nothing here.
    app.mizan().invalidate([Target::whole("short")]);
    both(4, 3);
}

#[test]
fn a_run_that_started_before_an_invalidation_is_not_served_fresh() {
    let dir = temp_dir("race");
    let (_app, w) = app_in(&dir);
    let main = w[0].clone();
    set(&CLOSED, 5, true);
    let early = std::thread::spawn(move || ctx(&main, "gated", json!({ "id": 5 })));
    eventually("the run reached its gate", || runs("gated_text", 5) == 1);
    // The value changes while the run is out with the old one.
    call(&w[0], "set_quote", json!({ "id": 5, "text": "new" }));
    set(&CLOSED, 5, false);
    let early = early.join().unwrap();
    assert_eq!(
        early["data"]["gated_text"], "quote 5",
        "it answers its caller"
    );
    let after = ctx(&w[0], "gated", json!({ "id": 5 }));
    assert_eq!(
        after["data"]["gated_text"], "new",
        "but is not served after"
    );
    assert_eq!(runs("gated_text", 5), 2);
}

#[test]
fn concurrent_requests_for_one_key_run_the_function_once() {
    let dir = temp_dir("flight");
    let (_app, w) = app_in(&dir);
    set(&CLOSED, 6, true);
    let waiting: Vec<_> = (0..8)
        .map(|_| {
            let main = w[0].clone();
            std::thread::spawn(move || ctx(&main, "gated", json!({ "id": 6 })))
        })
        .collect();
    eventually("one run started", || runs("gated_text", 6) == 1);
    std::thread::sleep(Duration::from_millis(100));
    set(&CLOSED, 6, false);
    for answer in waiting {
        assert_eq!(answer.join().unwrap()["data"]["gated_text"], "quote 6");
    }
    assert_eq!(runs("gated_text", 6), 1);
}

#[test]
fn two_identities_with_the_same_params_never_share_an_entry() {
    let dir = temp_dir("identities");
    let (app, w) = app_in(&dir);
    let (main, ada, bob) = (&w[0], &w[1], &w[2]);
    let mine = |who: &WebviewWindow<MockRuntime>| ctx(who, "mine", json!({ "id": 7 }));
    assert_eq!(mine(ada)["data"]["mine_text"], "ada's quote 7");
    assert_eq!(mine(bob)["data"]["mine_text"], "bob's quote 7");
    assert_eq!(mine(ada)["data"]["mine_text"], "ada's quote 7");
    assert_eq!(mine(bob)["data"]["mine_text"], "bob's quote 7");
    assert_eq!(runs("mine_text", 7), 2);
    // Without an identity: refused, and nothing of theirs is served.
    let anonymous = mine(main);
    assert_eq!(anonymous["errors"]["mine_text"]["code"], "unauthorized");
    assert!(anonymous["data"].get("mine_text").is_none());

    // Sign-out: ada's entries go, bob's stay.
    app.mizan().purge_identity("ada");
    assert_eq!(mine(ada)["data"]["mine_text"], "ada's quote 7");
    assert_eq!(mine(bob)["data"]["mine_text"], "bob's quote 7");
    assert_eq!(runs("mine_text", 7), 3);
    app.mizan().purge_cache();
    mine(bob);
    assert_eq!(runs("mine_text", 7), 4);
}

#[test]
fn a_restarted_app_serves_persisted_entries_and_keeps_invalidations() {
    let dir = temp_dir("restart");
    {
        let (app, w) = app_in(&dir);
        quote(&w[0], 8);
        quote(&w[0], 9);
        call(&w[0], "set_quote", json!({ "id": 9, "text": "nine" }));
        // What the plugin does when the app exits.
        app.mizan().close_cache();
    }
    let (_app, w) = app_in(&dir);
    assert_eq!(quote(&w[0], 8)["data"]["quote_text"], "quote 8");
    assert_eq!(runs("quote_text", 8), 1, "served from the store");
    assert_eq!(quote(&w[0], 9)["data"]["quote_text"], "nine");
    assert_eq!(runs("quote_text", 9), 2, "invalidated before the restart");
}

/// Replaces `from` by `to` (same length) in the store file, as a local
/// user with an editor would.
fn edit_store(dir: &Path, from: &str, to: &str) {
    let path = dir.join("cache.redb");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{from} is in the store"));
    bytes[at..at + to.len()].copy_from_slice(to.as_bytes());
    std::fs::write(&path, bytes).unwrap();
}

#[test]
fn a_value_edited_in_the_store_file_is_never_served() {
    let dir = temp_dir("edited");
    {
        let (app, w) = app_in(&dir);
        assert_eq!(quote(&w[0], 17)["data"]["quote_text"], "quote 17");
        app.mizan().close_cache();
    }
    edit_store(&dir, "quote 17", "quote 66");
    let (_app, w) = app_in(&dir);
    // Offline: the edited record does not stand in either.
    set(&OFFLINE, 17, true);
    let offline = quote(&w[0], 17);
    set(&OFFLINE, 17, false);
    assert_eq!(offline["errors"]["quote_text"]["code"], "app", "{offline}");
    assert!(offline.get("stale").is_none(), "{offline}");
    let online = quote(&w[0], 17);
    assert_eq!(online["data"]["quote_text"], "quote 17");
    assert_eq!(runs("quote_text", 17), 3);
}

#[test]
fn a_record_moved_under_another_identitys_key_is_never_served() {
    use redb::ReadableTable;
    const ENTRIES: redb::TableDefinition<'_, [u8; 32], &[u8]> =
        redb::TableDefinition::new("entries");
    let dir = temp_dir("moved");
    let mine = |who: &WebviewWindow<MockRuntime>| ctx(who, "mine", json!({ "id": 18 }));
    {
        let (app, w) = app_in(&dir);
        assert_eq!(mine(&w[1])["data"]["mine_text"], "ada's quote 18");
        assert_eq!(mine(&w[2])["data"]["mine_text"], "bob's quote 18");
        app.mizan().close_cache();
    }
    // With redb itself: ada's record, under bob's key.
    {
        let db = redb::Database::create(dir.join("cache.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut entries = txn.open_table(ENTRIES).unwrap();
            let find = |who: &str| {
                entries
                    .iter()
                    .unwrap()
                    .map(Result::unwrap)
                    .find(|(_, v)| v.value().windows(who.len()).any(|w| w == who.as_bytes()))
                    .map(|(k, v)| (k.value(), v.value().to_vec()))
                    .unwrap()
            };
            let (_, adas) = find("ada's quote 18");
            let (bobs_key, _) = find("bob's quote 18");
            entries.insert(bobs_key, adas.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let (_app, w) = app_in(&dir);
    assert_eq!(mine(&w[2])["data"]["mine_text"], "bob's quote 18");
    assert_eq!(mine(&w[1])["data"]["mine_text"], "ada's quote 18");
    assert_eq!(runs("mine_text", 18), 3, "bob's ran again; ada's was kept");
}

#[test]
fn a_failing_function_falls_back_to_its_last_entry_and_says_so() {
    let dir = temp_dir("stale");
    let (app, w) = app_in(&dir);
    let before = quote(&w[0], 10);
    assert_eq!(before["data"]["quote_text"], "quote 10");
    let invalidate = || {
        app.mizan()
            .invalidate([Target::new("quote", json!({ "id": 10 }))])
    };

    // The source goes away: `Err`.
    set(&OFFLINE, 10, true);
    invalidate();
    let offline = quote(&w[0], 10);
    assert_eq!(offline["data"]["quote_text"], "quote 10");
    assert!(offline["errors"].get("quote_text").is_none(), "{offline}");
    let stale = &offline["stale"]["quote_text"];
    assert_eq!(stale["error"]["code"], "app");
    assert_eq!(stale["error"]["details"], "offline");
    assert_eq!(stale["error"]["fn"], "quote_text");
    let stored_at = stale["stored_at"].as_u64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(stored_at <= now && now - stored_at < 60_000, "{stored_at}");
    assert_eq!(offline["stale"].as_object().unwrap().len(), 1);
    // Still stale: each fetch tries the function again.
    quote(&w[0], 10);
    assert_eq!(runs("quote_text", 10), 3);

    // A panic.
    set(&OFFLINE, 10, false);
    set(&PANICS, 10, true);
    let panicked = quote(&w[0], 10);
    assert_eq!(panicked["data"]["quote_text"], "quote 10");
    assert_eq!(panicked["stale"]["quote_text"]["error"]["code"], "internal");

    // Back online: fresh again, no `stale`.
    set(&PANICS, 10, false);
    call(&w[0], "set_quote", json!({ "id": 10, "text": "ten" }));
    let back = quote(&w[0], 10);
    assert_eq!(back["data"]["quote_text"], "ten");
    assert!(back.get("stale").is_none());
}

#[test]
fn past_the_stale_bound_the_error_goes_through() {
    let dir = temp_dir("bound");
    let (_app, w) = app_in(&dir);
    ctx(&w[0], "short", json!({ "id": 11 }));
    set(&OFFLINE, 11, true);
    std::thread::sleep(Duration::from_millis(150));
    // Past the ttl, within the bound: stale.
    let within = ctx(&w[0], "short", json!({ "id": 11 }));
    assert_eq!(within["stale"]["short_text"]["error"]["code"], "app");
    std::thread::sleep(Duration::from_millis(400));
    let past = ctx(&w[0], "short", json!({ "id": 11 }));
    assert_eq!(past["errors"]["short_text"]["code"], "app");
    assert!(past.get("stale").is_none(), "{past}");
    assert!(past["data"].get("short_text").is_none());
}

#[test]
fn a_run_slower_than_its_timeout_is_answered_by_the_last_entry() {
    let dir = temp_dir("timeout");
    let (app, w) = app_in(&dir);
    ctx(&w[0], "slow", json!({ "id": 12 }));
    app.mizan().invalidate([Target::whole("slow")]);
    set(&SLOWED, 12, true);
    let slow = ctx(&w[0], "slow", json!({ "id": 12 }));
    assert_eq!(slow["data"]["slow_text"], "quote 12");
    assert_eq!(slow["stale"]["slow_text"]["error"]["code"], "timeout");
    assert_eq!(slow["stale"]["slow_text"]["error"]["details"]["ms"], 100);
}

#[test]
fn a_corrupt_store_is_set_aside_and_the_cache_keeps_serving() {
    let dir = temp_dir("corrupt");
    std::fs::write(dir.join("cache.redb"), b"not a database ".repeat(300)).unwrap();
    let (_app, w) = app_in(&dir);
    quote(&w[0], 13);
    quote(&w[0], 13);
    assert_eq!(runs("quote_text", 13), 1);
    assert!(
        files_in(&dir)
            .iter()
            .any(|f| f.starts_with("cache.redb.corrupt-")),
        "{:?}",
        files_in(&dir)
    );
}

#[test]
fn an_unusable_data_dir_serves_from_memory() {
    let dir = temp_dir("unwritable");
    let file = dir.join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let (app, w) = app_in(&file.join("mizan"));
    quote(&w[0], 14);
    quote(&w[0], 14);
    assert_eq!(runs("quote_text", 14), 1, "cached in memory");
    assert!(!app.mizan().flush_cache(), "nothing is persisted");
}

#[test]
fn a_second_instance_serves_from_memory_and_corrupts_nothing() {
    let dir = temp_dir("second");
    let (first, w1) = app_in(&dir);
    quote(&w1[0], 15);
    let (second, w2) = app_in(&dir);
    assert!(!second.mizan().flush_cache(), "the store is the first's");
    quote(&w2[0], 16);
    quote(&w2[0], 16);
    assert_eq!(runs("quote_text", 16), 1);
    call(&w2[0], "set_quote", json!({ "id": 16, "text": "x" }));
    second.mizan().close_cache();
    first.mizan().close_cache();
    drop((first, second));
    let (_third, w3) = app_in(&dir);
    quote(&w3[0], 15);
    assert_eq!(runs("quote_text", 15), 1, "the first instance's entry");
    assert!(!files_in(&dir).iter().any(|f| f.contains("corrupt")));
}
