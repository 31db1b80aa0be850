//! What the origin cache buys and costs, as ratios measured in one run:
//! - a cached bundle against the same bundle uncached, through IPC;
//! - the IPC path of a miss that stores an entry against the same bundle
//!   uncached (the write itself happens on the cache's writer thread);
//! - a durable put: from the answer that stored an entry until it is
//!   committed to disk, p50 and p99;
//! - cold start with 10,000 persisted entries: plugin start plus the first
//!   bundle, served from the store, against running its 50 ms function.
#![allow(missing_docs)]

#[path = "../../tests/common/mod.rs"]
mod common;

use std::{
    path::{Path, PathBuf},
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::{Duration, Instant},
};

use criterion::Criterion;
use serde_json::{json, Value};
use tauri::{test::MockRuntime, App, WebviewWindow};
use tauri_plugin_mizan::{client, Context, MizanExt};

const CACHED: Context = Context::new("cached");
const PLAIN: Context = Context::new("plain");

/// When set, `cached_report` takes 50 ms: a read from a remote service.
static SLOW: AtomicBool = AtomicBool::new(false);
static RUNS: AtomicU64 = AtomicU64::new(0);

#[derive(serde::Serialize, specta::Type)]
pub struct Row {
    id: u32,
    name: String,
    score: f64,
}

fn report(id: u32) -> Vec<Row> {
    RUNS.fetch_add(1, Ordering::Relaxed);
    if SLOW.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
    (0..20)
        .map(|i| Row {
            id: id * 100 + i,
            name: format!("row {i} of {id}"),
            score: f64::from(i) * 1.5,
        })
        .collect()
}

#[client(context = CACHED, cache(ttl = "1h", stale_if_error = "7d"))]
fn cached_report(id: u32) -> Vec<Row> {
    report(id)
}

#[client(context = PLAIN)]
fn plain_report(id: u32) -> Vec<Row> {
    report(id)
}

type Window = WebviewWindow<MockRuntime>;

fn app_in(dir: &Path) -> (App<MockRuntime>, Window) {
    let plugin = tauri_plugin_mizan::Builder::new().cache_dir(dir).build();
    let (app, mut windows) = common::app_with(
        plugin,
        &[("main", Some(&common::default_capability("main")))],
    );
    (app, windows.remove(0))
}

fn ctx(w: &Window, context: &str, id: u32) -> Value {
    common::ctx(w, context, json!({ "id": id })).unwrap()
}

fn bench_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mizan-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn per_iter(iters: u32, mut f: impl FnMut(u32)) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        f(i);
    }
    start.elapsed() / iters
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let dir = bench_dir("ipc");
    let (app, w) = app_in(&dir);
    ctx(&w, "cached", 1);
    let before = RUNS.load(Ordering::Relaxed);
    assert_eq!(ctx(&w, "cached", 1)["data"]["cached_report"][0]["id"], 100);
    assert_eq!(RUNS.load(Ordering::Relaxed), before, "a hit does not run");

    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    let mut group = c.benchmark_group("bundle");
    group.bench_function("uncached", |b| b.iter(|| ctx(&w, "plain", 1)));
    group.bench_function("cached (hit)", |b| b.iter(|| ctx(&w, "cached", 1)));
    group.finish();

    // Interleaved rounds, so drift affects both sides alike.
    let (mut plain, mut hit, mut miss) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut next = 1_000_000;
    for _ in 0..5 {
        plain += per_iter(2000, |_| {
            ctx(&w, "plain", 1);
        });
        hit += per_iter(2000, |_| {
            ctx(&w, "cached", 1);
        });
        // A miss: the function runs and its answer is put.
        miss += per_iter(2000, |i| {
            ctx(&w, "cached", next + i);
        });
        next += 2000;
    }
    app.mizan().flush_cache();

    // Durable puts: each miss, then the wait until it is on disk.
    let mut durable = Vec::new();
    for i in 0..200 {
        let start = Instant::now();
        ctx(&w, "cached", 2_000_000 + i);
        assert!(app.mizan().flush_cache());
        durable.push(start.elapsed());
    }
    durable.sort();
    app.mizan().close_cache();
    drop((app, w));

    // Cold start: 10,000 entries on disk, then a new app.
    let dir = bench_dir("cold");
    {
        let (app, w) = app_in(&dir);
        for id in 0..10_000 {
            ctx(&w, "cached", id);
        }
        app.mizan().close_cache();
    }
    SLOW.store(true, Ordering::Relaxed);
    let mut cold_cached = Vec::new();
    let mut cold_uncached = Vec::new();
    for round in 0..5 {
        let start = Instant::now();
        let (app, w) = app_in(&dir);
        let runs = RUNS.load(Ordering::Relaxed);
        let b = ctx(&w, "cached", 4242 + round);
        cold_cached.push(start.elapsed());
        assert_eq!(RUNS.load(Ordering::Relaxed), runs, "served from the store");
        assert!(b.get("stale").is_none());
        app.mizan().close_cache();
        drop((app, w));

        let empty = bench_dir(&format!("empty-{round}"));
        let start = Instant::now();
        let (app, w) = app_in(&empty);
        ctx(&w, "cached", 4242 + round);
        cold_uncached.push(start.elapsed());
        app.mizan().close_cache();
    }
    cold_cached.sort();
    cold_uncached.sort();
    let (cold_cached, cold_uncached) = (cold_cached[2], cold_uncached[2]);

    println!(
        "ratio: cached bundle / uncached bundle through IPC = {:.3} ({:?} vs {:?})",
        hit.as_secs_f64() / plain.as_secs_f64(),
        hit / 5,
        plain / 5
    );
    println!(
        "ratio: a miss that stores / the same bundle uncached = {:.3} ({:?} vs {:?}): the put on the IPC path",
        miss.as_secs_f64() / plain.as_secs_f64(),
        miss / 5,
        plain / 5
    );
    println!(
        "durable put (answer to committed on disk): p50 {:?}, p99 {:?}",
        percentile(&durable, 0.5),
        percentile(&durable, 0.99)
    );
    println!(
        "ratio: cold start, first bundle served from 10,000 persisted entries / running its 50 ms function = {:.3} ({cold_cached:?} vs {cold_uncached:?})",
        cold_cached.as_secs_f64() / cold_uncached.as_secs_f64()
    );
    c.final_summary();
}
