//! The cache without Tauri: keys, memory, the store, single flight, the
//! ordering rules, and crash safety (a child process killed with SIGKILL).

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU32, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use serde_json::{json, value::RawValue};

use super::{serve::Served, store, CacheOptions, Cached, OriginCache};
use crate::core::{
    auth::Identity,
    call::{HandlerFuture, Outcome},
    error::CallError,
    registry::CachePolicy,
    scoping::{Params, Target},
};

/// A new empty dir, in memory (`/dev/shm`) where there is one: a process
/// killed mid-write loses nothing the kernel already has, so the tests
/// need no fsync to be real, and they run faster without it.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let shm = Path::new("/dev/shm");
    let root = if shm.is_dir() {
        shm.to_owned()
    } else {
        std::env::temp_dir()
    };
    let dir = root.join(format!(
        "mizan-cache-test-{name}-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        super::unix_ms()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn options(dir: Option<&Path>) -> CacheOptions {
    CacheOptions {
        dir: dir.map(Path::to_owned),
        ..CacheOptions::default()
    }
}

fn open(dir: Option<&Path>) -> Arc<OriginCache> {
    Arc::new(OriginCache::open(
        &options(dir),
        HashSet::from(["user".to_owned()]),
    ))
}

fn params(user_id: u32) -> Params {
    serde_json::from_value(json!({ "user_id": user_id })).unwrap()
}

const POLICY: CachePolicy = CachePolicy::new(60_000, 60_000, 0);

fn req(user_id: u32, identity: Option<&Identity>, policy: CachePolicy) -> Cached<'_> {
    Cached {
        function: "profile",
        context: "user",
        policy,
        identity,
        params: params(user_id),
        can_time_out: true,
    }
}

fn value(v: serde_json::Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(&v).unwrap()
}

/// A run that counts itself and answers `answer`.
fn counted(runs: &Arc<AtomicU32>, answer: Outcome) -> impl FnOnce() -> HandlerFuture {
    let runs = runs.clone();
    move || {
        Box::pin(async move {
            runs.fetch_add(1, Ordering::SeqCst);
            answer
        })
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn serve(cache: &Arc<OriginCache>, user_id: u32, runs: &Arc<AtomicU32>, answer: Outcome) -> Served {
    futures_util::FutureExt::now_or_never(
        cache.serve(req(user_id, None, POLICY), counted(runs, answer)),
    )
    .expect("a ready run completes at once")
}

fn ok(n: u32) -> Outcome {
    Ok(value(json!(n)))
}

fn fresh(cache: &OriginCache, identity: Option<&Identity>, user_id: u32) -> Option<bool> {
    let key = cache.key(identity, "profile", &params(user_id));
    cache
        .lookup(&key, POLICY.ttl_ms, super::unix_ms())
        .map(|f| f.fresh)
}

#[test]
fn a_hit_within_ttl_does_not_run() {
    let cache = open(None);
    let runs = Arc::new(AtomicU32::new(0));
    assert_eq!(serve(&cache, 5, &runs, ok(1)).outcome.unwrap().get(), "1");
    assert_eq!(serve(&cache, 5, &runs, ok(2)).outcome.unwrap().get(), "1");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn a_zero_ttl_always_runs() {
    let cache = open(None);
    let runs = Arc::new(AtomicU32::new(0));
    let policy = CachePolicy::new(0, 0, 0);
    for _ in 0..2 {
        futures_util::FutureExt::now_or_never(
            cache.serve(req(5, None, policy), counted(&runs, ok(1))),
        )
        .unwrap();
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[test]
fn invalidation_follows_the_reach_rule_and_skips_other_contexts() {
    let cache = open(None);
    let runs = Arc::new(AtomicU32::new(0));
    serve(&cache, 5, &runs, ok(1));
    serve(&cache, 6, &runs, ok(1));
    cache.invalidate(&[Target::new("team", json!({ "user_id": 5 }))]);
    assert_eq!(fresh(&cache, None, 5), Some(true));
    cache.invalidate(&[Target::new("user", json!({ "user_id": 5 }))]);
    assert_eq!(fresh(&cache, None, 5), Some(false));
    assert_eq!(fresh(&cache, None, 6), Some(true));
    cache.invalidate(&[Target::whole("user")]);
    assert_eq!(fresh(&cache, None, 6), Some(false));
}

#[test]
fn a_run_overtaken_by_an_invalidation_is_not_stored_fresh() {
    let rt = rt();
    let cache = open(None);
    let (go, wait) = tokio::sync::oneshot::channel::<()>();
    let c = cache.clone();
    let first = rt.spawn(async move {
        c.serve(req(5, None, POLICY), move || {
            Box::pin(async move {
                wait.await.unwrap();
                Ok(value(json!("old")))
            })
        })
        .await
        .outcome
        .unwrap()
        .get()
        .to_owned()
    });
    std::thread::sleep(Duration::from_millis(50));
    cache.invalidate(&[Target::new("user", json!({ "user_id": 5 }))]);
    go.send(()).unwrap();
    // The caller that asked before the invalidation gets its answer...
    assert_eq!(rt.block_on(first).unwrap(), "\"old\"");
    // ...but it is not served as fresh to anyone after.
    assert_eq!(fresh(&cache, None, 5), Some(false));
    let runs = Arc::new(AtomicU32::new(0));
    serve(&cache, 5, &runs, ok(2));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn concurrent_requests_share_one_run_but_not_across_an_invalidation() {
    let rt = rt();
    let cache = open(None);
    let runs = Arc::new(AtomicU32::new(0));
    let (go, wait) = tokio::sync::watch::channel(false);
    let spawn = |n: u32| {
        let (cache, runs, mut wait) = (cache.clone(), runs.clone(), wait.clone());
        rt.spawn(async move {
            cache
                .serve(req(5, None, POLICY), move || {
                    Box::pin(async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        wait.wait_for(|v| *v).await.unwrap();
                        Ok(value(json!(n)))
                    })
                })
                .await
        })
    };
    let first: Vec<_> = (0..8).map(spawn).collect();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(cache.flights.len(), 1);
    cache.invalidate(&[Target::whole("user")]);
    let second = spawn(99);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "a request after an invalidation runs anew"
    );
    go.send(true).unwrap();
    let answers: HashSet<String> = first
        .into_iter()
        .map(|h| rt.block_on(h).unwrap().outcome.unwrap().get().to_owned())
        .collect();
    assert_eq!(answers.len(), 1, "one run answered all eight");
    assert_eq!(rt.block_on(second).unwrap().outcome.unwrap().get(), "99");
    assert_eq!(fresh(&cache, None, 5), Some(true));
    assert_eq!(cache.flights.len(), 0);
}

#[test]
fn identities_never_share_entries_and_purge_one_at_a_time() {
    let cache = open(None);
    let (ada, bob) = (Identity::new("ada"), Identity::new("bob"));
    let run = |who: &Identity, answer: &str| {
        let answer = value(json!(answer));
        futures_util::FutureExt::now_or_never(cache.serve(req(5, Some(who), POLICY), move || {
            Box::pin(async move { Ok(answer) })
        }))
        .unwrap()
        .outcome
        .unwrap()
        .get()
        .to_owned()
    };
    assert_eq!(run(&ada, "ada's"), "\"ada's\"");
    assert_eq!(run(&bob, "bob's"), "\"bob's\"");
    assert_eq!(run(&ada, "again"), "\"ada's\"");
    cache.purge(Some("ada"));
    assert_eq!(fresh(&cache, Some(&ada), 5), None);
    assert_eq!(fresh(&cache, Some(&bob), 5), Some(true));
    cache.purge(None);
    assert_eq!(fresh(&cache, Some(&bob), 5), None);
}

#[test]
fn a_failed_run_falls_back_within_the_bound_only() {
    let cache = open(None);
    let runs = Arc::new(AtomicU32::new(0));
    serve(&cache, 5, &runs, ok(1));
    cache.invalidate(&[Target::whole("user")]);
    let served = serve(&cache, 5, &runs, Err(CallError::App(json!("offline"))));
    assert_eq!(served.outcome.unwrap().get(), "1");
    let (stored_at, error) = served.stale.unwrap();
    assert!(stored_at > 0 && stored_at <= super::unix_ms());
    assert_eq!(error.code(), "app");
    // A panic (an internal error) too.
    let served = serve(&cache, 5, &runs, Err(CallError::internal("panicked")));
    assert!(served.stale.is_some());
    // A refusal never does.
    let served = serve(&cache, 5, &runs, Err(CallError::Unauthorized));
    assert!(served.outcome.is_err() && served.stale.is_none());
    // Past the bound, the error goes through.
    let strict = CachePolicy::new(60_000, 1, 0);
    std::thread::sleep(Duration::from_millis(5));
    let served = futures_util::FutureExt::now_or_never(cache.serve(
        req(5, None, strict),
        counted(&runs, Err(CallError::App(json!("offline")))),
    ))
    .unwrap();
    assert!(served.outcome.is_err() && served.stale.is_none());
}

#[test]
fn a_slow_run_times_out_to_the_last_entry_and_stores_when_it_ends() {
    let rt = rt();
    let cache = open(None);
    let runs = Arc::new(AtomicU32::new(0));
    serve(&cache, 5, &runs, ok(1));
    cache.invalidate(&[Target::whole("user")]);
    let policy = CachePolicy::new(60_000, 60_000, 50);
    let served = rt.block_on(cache.serve(req(5, None, policy), || {
        Box::pin(async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(value(json!(2)))
        })
    }));
    assert_eq!(served.outcome.unwrap().get(), "1");
    assert_eq!(served.stale.unwrap().1.code(), "timeout");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        fresh(&cache, None, 5),
        Some(true),
        "the run went on and stored"
    );
}

#[test]
fn entries_and_invalidations_survive_a_restart() {
    let dir = temp_dir("restart");
    let runs = Arc::new(AtomicU32::new(0));
    {
        let cache = open(Some(&dir));
        assert!(cache.persisted());
        serve(&cache, 5, &runs, ok(1));
        serve(&cache, 6, &runs, ok(1));
        cache.invalidate(&[Target::new("user", json!({ "user_id": 6 }))]);
        cache.close();
    }
    let cache = open(Some(&dir));
    assert!(cache.persisted());
    assert_eq!(fresh(&cache, None, 5), Some(true));
    assert_eq!(fresh(&cache, None, 6), Some(false), "still invalidated");
    serve(&cache, 5, &runs, ok(2));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[test]
fn a_purge_reaches_the_store() {
    let dir = temp_dir("purge");
    let ada = Identity::new("ada");
    {
        let cache = open(Some(&dir));
        futures_util::FutureExt::now_or_never(cache.serve(req(5, Some(&ada), POLICY), || {
            Box::pin(async { Ok(value(json!(1))) })
        }))
        .unwrap();
        cache.flush();
        cache.purge(Some("ada"));
    }
    let cache = open(Some(&dir));
    assert_eq!(fresh(&cache, Some(&ada), 5), None);
    assert_eq!(store::count(&cache.disk().unwrap()), 0);
}

#[test]
fn the_store_is_bounded_and_evicts_the_oldest() {
    let dir = temp_dir("bound");
    let one = {
        let cache = open(None);
        serve(&cache, 0, &Arc::new(AtomicU32::new(0)), ok(0));
        let key = cache.key(None, "profile", &params(0));
        let slot = super::lock(&cache.state).memory.get(&key).unwrap().clone();
        slot.record.cost()
    };
    let cache = Arc::new(OriginCache::open(
        &CacheOptions {
            dir: Some(dir.clone()),
            max_bytes: one * 10,
        },
        HashSet::from(["user".to_owned()]),
    ));
    let runs = Arc::new(AtomicU32::new(0));
    for n in 0..30 {
        serve(&cache, n, &runs, ok(n));
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(cache.flush());
    let on_disk = store::count(&cache.disk().unwrap());
    assert!((9..=10).contains(&on_disk), "{on_disk}");
    cache.close();
    let cache = open(Some(&dir));
    assert_eq!(fresh(&cache, None, 29), Some(true));
    assert_eq!(fresh(&cache, None, 0), None);
}

fn names_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

#[test]
fn a_corrupt_or_foreign_store_is_set_aside() {
    for (name, bytes) in [
        (
            "garbage",
            b"this is not a database at all, not even close".repeat(200),
        ),
        ("truncated", vec![0u8; 100]),
    ] {
        let dir = temp_dir(name);
        std::fs::write(dir.join(store::STORE_FILE), &bytes).unwrap();
        let cache = open(Some(&dir));
        assert!(cache.persisted(), "{name}: a new store replaces it");
        let aside = names_in(&dir)
            .into_iter()
            .filter(|n| n.starts_with("cache.redb.corrupt-"))
            .count();
        assert_eq!(aside, 1, "{name}: {:?}", names_in(&dir));
        serve(&cache, 5, &Arc::new(AtomicU32::new(0)), ok(1));
        assert_eq!(fresh(&cache, None, 5), Some(true));
    }
    // A redb file of another program.
    let dir = temp_dir("foreign");
    {
        let db = redb::Database::create(dir.join(store::STORE_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(redb::TableDefinition::<&str, u64>::new("theirs"))
            .unwrap()
            .insert("x", 1)
            .unwrap();
        txn.commit().unwrap();
    }
    let cache = open(Some(&dir));
    assert!(cache.persisted());
    assert!(names_in(&dir)
        .iter()
        .any(|n| n.starts_with("cache.redb.corrupt-")));
}

#[test]
fn a_store_held_by_another_instance_is_left_alone() {
    let dir = temp_dir("locked");
    let runs = Arc::new(AtomicU32::new(0));
    let first = open(Some(&dir));
    serve(&first, 5, &runs, ok(1));
    let second = open(Some(&dir));
    assert!(
        !second.persisted(),
        "the second instance serves from memory"
    );
    serve(&second, 5, &runs, ok(2));
    serve(&second, 5, &runs, ok(3));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    second.invalidate(&[Target::whole("user")]);
    drop(second);
    first.close();
    drop(first);
    assert_eq!(
        names_in(&dir)
            .iter()
            .filter(|n| n.contains("corrupt"))
            .count(),
        0
    );
    let third = open(Some(&dir));
    assert!(third.persisted());
    assert_eq!(fresh(&third, None, 5), Some(true));
}

#[test]
fn an_unusable_dir_serves_from_memory() {
    let dir = temp_dir("file");
    let not_a_dir = dir.join("plain-file");
    std::fs::write(&not_a_dir, b"x").unwrap();
    let cache = open(Some(&not_a_dir));
    assert!(!cache.persisted());
    let runs = Arc::new(AtomicU32::new(0));
    serve(&cache, 5, &runs, ok(1));
    serve(&cache, 5, &runs, ok(1));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn another_secret_drops_the_old_entries() {
    let dir = temp_dir("secret-change");
    {
        let cache = open(Some(&dir));
        serve(&cache, 5, &Arc::new(AtomicU32::new(0)), ok(1));
    }
    // Wherever it is kept.
    let _ = std::fs::remove_file(dir.join(super::secret::SECRET_FILE));
    #[cfg(feature = "keychain")]
    if let Ok(entry) = super::secret::keychain::entry(&dir) {
        let _ = entry.delete_credential();
    }
    let cache = open(Some(&dir));
    assert!(cache.flush());
    assert_eq!(store::count(&cache.disk().unwrap()), 0);
}

// Integrity: what a local user may do to the store file ---------------------

/// Serves `user_id` for `identity`, answering `answer` if the function runs.
fn serve_as(
    cache: &Arc<OriginCache>,
    identity: Option<&Identity>,
    user_id: u32,
    runs: &Arc<AtomicU32>,
    answer: Outcome,
) -> Served {
    futures_util::FutureExt::now_or_never(
        cache.serve(req(user_id, identity, POLICY), counted(runs, answer)),
    )
    .expect("a ready run completes at once")
}

/// Replaces `from` by `to` (of the same length) everywhere in the store
/// file, as an editor would.
fn edit_store(dir: &Path, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let path = dir.join(store::STORE_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let mut found = 0;
    for i in 0..bytes.len().saturating_sub(from.len() - 1) {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            found += 1;
        }
    }
    assert!(
        found > 0,
        "{} is in the store",
        String::from_utf8_lossy(from)
    );
    std::fs::write(&path, bytes).unwrap();
}

/// The store's entries table, as any redb client sees it.
const RAW_ENTRIES: redb::TableDefinition<'_, [u8; 32], &[u8]> =
    redb::TableDefinition::new("entries");

#[test]
fn an_edited_value_or_time_is_dropped_never_served() {
    for (name, from, to) in [
        ("value", &b"rate-7777-ok"[..], &b"rate-6666-ok"[..]),
        // `stored_at` far in the future: would stand in on every error.
        ("stored_at", b"\"stored_at\":1", b"\"stored_at\":9"),
    ] {
        let dir = temp_dir(name);
        let runs = Arc::new(AtomicU32::new(0));
        {
            let cache = open(Some(&dir));
            let first = serve(&cache, 5, &runs, Ok(value(json!("rate-7777-ok"))));
            assert_eq!(first.outcome.unwrap().get(), r#""rate-7777-ok""#);
            cache.close();
        }
        edit_store(&dir, from, to);
        let cache = open(Some(&dir));
        assert!(cache.persisted());
        assert_eq!(fresh(&cache, None, 5), None, "{name}: never served");
        assert!(cache.flush());
        assert_eq!(
            store::count(&cache.disk().unwrap()),
            0,
            "{name}: dropped from the store"
        );
        // Nor does it stand in for a failure.
        let failed = serve(&cache, 5, &runs, Err(CallError::App(json!("offline"))));
        assert!(failed.outcome.is_err(), "{name}: {:?}", failed.outcome);
        assert!(failed.stale.is_none(), "{name}");
        let again = serve(&cache, 5, &runs, Ok(value(json!("rate-8888-ok"))));
        assert_eq!(again.outcome.unwrap().get(), r#""rate-8888-ok""#);
        assert_eq!(runs.load(Ordering::SeqCst), 3, "{name}");
    }
}

#[test]
fn a_record_moved_under_another_identitys_key_is_dropped() {
    let dir = temp_dir("moved");
    let ada = Identity::new("ada");
    let bob = Identity::new("bob");
    let runs = Arc::new(AtomicU32::new(0));
    let (ada_key, bob_key) = {
        let cache = open(Some(&dir));
        serve_as(&cache, Some(&ada), 5, &runs, Ok(value(json!("ada's"))));
        serve_as(&cache, Some(&bob), 5, &runs, Ok(value(json!("bob's"))));
        let keys = (
            cache.key(Some(&ada), "profile", &params(5)),
            cache.key(Some(&bob), "profile", &params(5)),
        );
        cache.close();
        keys
    };
    {
        use redb::ReadableTable;
        let db = redb::Database::create(dir.join(store::STORE_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut entries = txn.open_table(RAW_ENTRIES).unwrap();
            let adas = entries.get(&ada_key).unwrap().unwrap().value().to_vec();
            entries.insert(&bob_key, adas.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let cache = open(Some(&dir));
    assert_eq!(fresh(&cache, Some(&bob), 5), None, "never bob's");
    assert_eq!(fresh(&cache, Some(&ada), 5), Some(true), "still ada's");
    let failed = serve_as(
        &cache,
        Some(&bob),
        5,
        &runs,
        Err(CallError::App(json!("offline"))),
    );
    assert!(failed.outcome.is_err() && failed.stale.is_none());
    let bobs = serve_as(&cache, Some(&bob), 5, &runs, Ok(value(json!("bob's"))));
    assert_eq!(bobs.outcome.unwrap().get(), r#""bob's""#);
}

#[test]
fn a_future_stored_at_never_stands_in() {
    let now = super::unix_ms();
    let record = |stored_at| super::record::Record {
        context: "user".into(),
        function: "profile".into(),
        params: params(5),
        identity: [0; 32],
        stored_at,
        generation: 1,
        value: value(json!(1)),
    };
    assert!(super::policy::may_stand_in(
        &POLICY,
        &record(now - 1_000),
        now
    ));
    assert!(!super::policy::may_stand_in(
        &POLICY,
        &record(now + 10 * 365 * 86_400_000),
        now
    ));
}

#[cfg(unix)]
#[test]
fn the_store_and_its_dir_are_readable_by_the_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = temp_dir("modes").join("mizan");
    {
        let cache = open(Some(&dir));
        assert!(cache.persisted());
    }
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join(store::STORE_FILE)), 0o600);
    // Made readable by others (an older version, a copy): restricted again.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        dir.join(store::STORE_FILE),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let cache = open(Some(&dir));
    assert!(cache.persisted());
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join(store::STORE_FILE)), 0o600);
}

/// The dir the keychain child works in.
#[cfg(feature = "keychain")]
const KEYCHAIN_DIR: &str = "MIZAN_CACHE_KEYCHAIN_DIR";

/// Not a test on its own: the child process of the keychain test, which
/// joins a session keyring of its own as a desktop login would give it (a
/// test process may have none; joining one in the test process itself
/// would hide the credentials the other tests made before it).
#[cfg(feature = "keychain")]
#[test]
#[ignore = "the child process of with_the_keychain_the_secret_is_not_beside_the_store"]
fn keychain_child() {
    let Ok(dir) = std::env::var(KEYCHAIN_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    #[cfg(target_os = "linux")]
    linux_keyutils::KeyRing::from_special_id(linux_keyutils::KeyRingIdentifier::Session, true)
        .expect("a session keyring");
    let runs = Arc::new(AtomicU32::new(0));
    {
        let cache = open(Some(&dir));
        assert!(cache.persisted());
        serve(&cache, 5, &runs, ok(1));
        cache.close();
    }
    assert!(
        !dir.join(super::secret::SECRET_FILE).exists(),
        "{:?}",
        names_in(&dir)
    );
    let cache = open(Some(&dir));
    assert_eq!(fresh(&cache, None, 5), Some(true), "the same secret");
    cache.close();
    super::secret::keychain::entry(&dir)
        .unwrap()
        .delete_credential()
        .unwrap();
}

#[cfg(feature = "keychain")]
#[test]
fn with_the_keychain_the_secret_is_not_beside_the_store() {
    let dir = temp_dir("keychain");
    // A secret file of a build without the feature goes.
    std::fs::write(dir.join(super::secret::SECRET_FILE), [9u8; 32]).unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "cache::tests::keychain_child", "--ignored"])
        .args(["--test-threads", "1", "-q"])
        .env(KEYCHAIN_DIR, &dir)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(!dir.join(super::secret::SECRET_FILE).exists());
}

// A store that makes redb panic -----------------------------------------------

#[test]
fn a_writer_that_panics_is_set_aside_and_nothing_waits_on_it() {
    let dir = temp_dir("panic-writer");
    store::faults::panic_at(&dir.join(store::STORE_FILE), store::faults::Stage::Opening);
    let cache = open(Some(&dir));
    let (done, finished) = std::sync::mpsc::channel();
    {
        let cache = cache.clone();
        std::thread::spawn(move || {
            cache.invalidate(&[Target::whole("user")]);
            cache.purge(None);
            let _ = done.send(cache.flush());
        });
    }
    // A guard against a hang, not a timing: the calls return at once.
    let flushed = finished
        .recv_timeout(Duration::from_secs(120))
        .expect("invalidate and purge return");
    assert!(!flushed, "nothing is committed");
    assert!(!cache.persisted(), "the cache goes on in memory");
    assert!(
        names_in(&dir)
            .iter()
            .any(|n| n.starts_with("cache.redb.corrupt-")),
        "{:?}",
        names_in(&dir)
    );
    let runs = Arc::new(AtomicU32::new(0));
    serve(&cache, 5, &runs, ok(1));
    serve(&cache, 5, &runs, ok(2));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    drop(cache);
    // The next run starts a new store.
    let cache = open(Some(&dir));
    assert!(cache.persisted());
}

#[test]
fn a_read_or_an_open_that_panics_is_contained() {
    let dir = temp_dir("panic-read");
    let runs = Arc::new(AtomicU32::new(0));
    {
        let cache = open(Some(&dir));
        serve(&cache, 5, &runs, ok(1));
        cache.close();
    }
    store::faults::panic_at(&dir.join(store::STORE_FILE), store::faults::Stage::Read);
    let cache = open(Some(&dir));
    assert_eq!(fresh(&cache, None, 5), None, "nothing read");
    assert!(!cache.persisted());
    serve(&cache, 5, &runs, ok(2));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    drop(cache);
    assert_eq!(
        names_in(&dir)
            .iter()
            .filter(|n| n.starts_with("cache.redb.corrupt-"))
            .count(),
        1
    );

    store::faults::panic_at(&dir.join(store::STORE_FILE), store::faults::Stage::Open);
    let cache = open(Some(&dir));
    assert!(cache.persisted(), "a new store replaces it");
    assert_eq!(
        names_in(&dir)
            .iter()
            .filter(|n| n.starts_with("cache.redb.corrupt-"))
            .count(),
        2
    );
}

// Crash safety ---------------------------------------------------------------

const CRASH_DIR: &str = "MIZAN_CACHE_CRASH_DIR";

/// Not a test on its own: the child process of the crash test. It stores
/// and invalidates in a loop, reporting on stdout what is done, until it
/// is killed (or, when asked, closes the store and exits).
#[test]
#[ignore = "the child process of sigkill_never_corrupts_the_store"]
fn crash_child() {
    use std::io::Write;
    let Ok(dir) = std::env::var(CRASH_DIR) else {
        return;
    };
    let clean_after: Option<u32> = std::env::var("MIZAN_CACHE_CRASH_CLEAN")
        .ok()
        .and_then(|v| v.parse().ok());
    let cache = open(Some(Path::new(&dir)));
    let mut out = std::io::stdout().lock();
    writeln!(out, "open {}", cache.persisted()).unwrap();
    let runs = Arc::new(AtomicU32::new(0));
    for i in 0u32.. {
        let n = i % 40;
        serve(&cache, n, &runs, ok(i));
        writeln!(out, "stored {n}").unwrap();
        if i % 3 == 2 {
            let victim = (i * 7) % 40;
            cache.invalidate(&[Target::new("user", json!({ "user_id": victim }))]);
            writeln!(out, "invalidated {victim}").unwrap();
        }
        if i % 10 == 9 {
            cache.flush();
            writeln!(out, "flushed").unwrap();
        }
        out.flush().unwrap();
        if clean_after == Some(i) {
            cache.close();
            writeln!(out, "closed").unwrap();
            return;
        }
    }
}

#[cfg(unix)]
#[test]
fn sigkill_never_corrupts_the_store_nor_serves_an_invalidated_entry_fresh() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = temp_dir("crash");
    let exe = std::env::current_exe().unwrap();
    for round in 0u32..100 {
        // Every tenth round the child closes the store cleanly instead.
        let clean = round % 10 == 9;
        let lines_before_kill = 1 + (round * 7919) % 40;
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "cache::tests::crash_child",
                "--ignored",
                "--nocapture",
            ])
            .args(["--test-threads", "1", "-q"])
            .env(CRASH_DIR, &dir)
            .envs(clean.then(|| ("MIZAN_CACHE_CRASH_CLEAN", lines_before_kill.to_string())))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut invalidated = HashSet::new();
        let mut stored_since = HashSet::new();
        let mut seen = 0;
        let mut closed = false;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            let mut words = line.split(' ');
            match (words.next(), words.next()) {
                (Some("open"), Some(persisted)) => {
                    assert_eq!(persisted, "true", "round {round}: the store opens");
                }
                (Some("invalidated"), Some(n)) => {
                    let n: u32 = n.parse().unwrap();
                    invalidated.insert(n);
                    stored_since.remove(&n);
                }
                (Some("stored"), Some(n)) => {
                    let n: u32 = n.parse().unwrap();
                    stored_since.insert(n);
                    invalidated.remove(&n);
                }
                (Some("closed"), _) => closed = true,
                _ => {}
            }
            seen += 1;
            if !clean && seen >= lines_before_kill {
                child.kill().unwrap(); // SIGKILL
                break;
            }
        }
        child.wait().unwrap();
        assert_eq!(closed, clean, "round {round}");

        let cache = open(Some(&dir));
        assert!(
            cache.persisted(),
            "round {round}: the store opens after the kill"
        );
        assert!(
            !names_in(&dir).iter().any(|n| n.contains("corrupt")),
            "round {round}: nothing was set aside"
        );
        for n in &invalidated {
            assert_ne!(
                fresh(&cache, None, *n),
                Some(true),
                "round {round}: user {n} was invalidated before the kill"
            );
        }
        if clean {
            // After a clean close, what was stored since is still fresh.
            for n in &stored_since {
                assert_eq!(
                    fresh(&cache, None, *n),
                    Some(true),
                    "round {round}: user {n}"
                );
            }
        }
        cache.close();
    }
}
