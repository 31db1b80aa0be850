//! The benchmark mode (`bash examples/run.sh --bench`): functions with the
//! same bodies served two ways, through Mizan and as plain Tauri commands,
//! so the webview can time both in one run.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_mizan::{client, Context, StreamSink};

use crate::shell::{Launch, Mode};

/// A context of eight functions, fetched as one bundle.
pub(crate) const BENCH: Context = Context::new("bench");

/// What every bench function returns: a small record, like a typical read.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub(crate) struct BenchItem {
    /// The seed it was asked for.
    pub(crate) seed: u32,
    /// Which of the eight functions answered.
    pub(crate) part: u32,
    /// A label.
    pub(crate) label: String,
    /// A few numbers.
    pub(crate) values: Vec<u32>,
}

pub(crate) fn item(seed: u32, part: u32) -> BenchItem {
    BenchItem {
        seed,
        part,
        label: format!("item {seed}.{part}"),
        values: (0..8)
            .map(|i| seed.wrapping_mul(31).wrapping_add(part * 8 + i))
            .collect(),
    }
}

/// The body timed for `call` against a plain command.
pub(crate) fn echo(seed: u32, text: String) -> BenchItem {
    let mut it = item(seed, 0);
    it.label = text;
    it
}

/// `echo` through Mizan, as a sync function (the plugin runs it inline,
/// like Tauri runs a sync command).
#[client]
fn bench_echo(seed: u32, text: String) -> BenchItem {
    echo(seed, text)
}

/// `echo` through Mizan, as an async function (run on the async runtime).
#[client]
async fn bench_echo_async(seed: u32, text: String) -> BenchItem {
    echo(seed, text)
}

/// A write that reaches the `bench` bundle of its `seed` (tier 2): the
/// mutation of the single-flight pair.
#[client(affects = BENCH)]
fn bench_touch(seed: u32) -> u32 {
    seed
}

/// Part 1 of the `bench` bundle.
#[client(context = BENCH)]
fn bench_part_1(seed: u32) -> BenchItem {
    item(seed, 1)
}
/// Part 2 of the `bench` bundle.
#[client(context = BENCH)]
fn bench_part_2(seed: u32) -> BenchItem {
    item(seed, 2)
}
/// Part 3 of the `bench` bundle.
#[client(context = BENCH)]
fn bench_part_3(seed: u32) -> BenchItem {
    item(seed, 3)
}
/// Part 4 of the `bench` bundle.
#[client(context = BENCH)]
fn bench_part_4(seed: u32) -> BenchItem {
    item(seed, 4)
}
/// Part 5 of the `bench` bundle.
#[client(context = BENCH)]
fn bench_part_5(seed: u32) -> BenchItem {
    item(seed, 5)
}
/// Part 6 of the `bench` bundle.
#[client(context = BENCH)]
fn bench_part_6(seed: u32) -> BenchItem {
    item(seed, 6)
}
/// Part 7 of the `bench` bundle.
#[client(context = BENCH)]
fn bench_part_7(seed: u32) -> BenchItem {
    item(seed, 7)
}
/// Part 8 of the `bench` bundle.
#[client(context = BENCH)]
fn bench_part_8(seed: u32) -> BenchItem {
    item(seed, 8)
}

/// `0..count` through a Mizan stream (batched, with credits).
#[client]
async fn bench_stream(count: u32, out: StreamSink<u32>) {
    for n in 0..count {
        out.send(n).await;
    }
}

/// The webview hands in its report: printed on stdout, then the app exits.
/// Does nothing outside the benchmark mode.
#[client]
fn bench_finish(app: AppHandle, launch: State<'_, Launch>, report: String, ok: bool) {
    if launch.mode != Mode::Bench {
        return;
    }
    println!("{report}");
    app.exit(if ok { 0 } else { 1 });
}
