//! The benchmark's baseline, built only with the `bench` feature
//! (`examples/run.sh --bench` turns it on): the bench functions' bodies as
//! plain Tauri commands, and a probe of the main thread's stalls. The demo
//! itself registers no Tauri command of its own.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use tauri::{ipc::InvokeBody, AppHandle, Runtime};

use crate::bench::{echo, item, BenchItem};
use crate::bench_upload::count;

/// Registers the plain commands and the stall probe's state on `builder`.
pub(crate) fn install<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .invoke_handler(tauri::generate_handler![
            plain_echo,
            plain_echo_async,
            plain_part_1,
            plain_part_2,
            plain_part_3,
            plain_part_4,
            plain_part_5,
            plain_part_6,
            plain_part_7,
            plain_part_8,
            plain_upload,
            stall_start,
            stall_stop,
            plain_stream,
        ])
        .manage(StallProbe::default())
}

/// `echo` as a plain (sync) Tauri command: Tauri runs it on the main
/// thread, where the IPC request arrives.
#[tauri::command]
fn plain_echo(seed: u32, text: String) -> BenchItem {
    echo(seed, text)
}

/// `echo` as a plain async Tauri command: like Mizan's `call`, it runs on
/// the async runtime.
#[tauri::command]
async fn plain_echo_async(seed: u32, text: String) -> BenchItem {
    echo(seed, text)
}

/// Part 1 as a plain Tauri command.
#[tauri::command]
fn plain_part_1(seed: u32) -> BenchItem {
    item(seed, 1)
}

/// Part 2 as a plain Tauri command.
#[tauri::command]
fn plain_part_2(seed: u32) -> BenchItem {
    item(seed, 2)
}

/// Part 3 as a plain Tauri command.
#[tauri::command]
fn plain_part_3(seed: u32) -> BenchItem {
    item(seed, 3)
}

/// Part 4 as a plain Tauri command.
#[tauri::command]
fn plain_part_4(seed: u32) -> BenchItem {
    item(seed, 4)
}

/// Part 5 as a plain Tauri command.
#[tauri::command]
fn plain_part_5(seed: u32) -> BenchItem {
    item(seed, 5)
}

/// Part 6 as a plain Tauri command.
#[tauri::command]
fn plain_part_6(seed: u32) -> BenchItem {
    item(seed, 6)
}

/// Part 7 as a plain Tauri command.
#[tauri::command]
fn plain_part_7(seed: u32) -> BenchItem {
    item(seed, 7)
}

/// Part 8 as a plain Tauri command.
#[tauri::command]
fn plain_part_8(seed: u32) -> BenchItem {
    item(seed, 8)
}

/// `0..count` over a plain `Channel`, one message per item, as a plain
/// Tauri command would stream them.
#[tauri::command]
async fn plain_stream(count: u32, channel: tauri::ipc::Channel<u32>) {
    for n in 0..count {
        if channel.send(n).is_err() {
            return;
        }
    }
}

/// The same bytes as a plain Tauri command taking the raw body.
#[tauri::command]
fn plain_upload(request: tauri::ipc::Request<'_>) -> Result<u64, String> {
    match request.body() {
        InvokeBody::Raw(bytes) => Ok(count(bytes)),
        InvokeBody::Json(_) => Err("expected a raw body".into()),
    }
}

/// Measures how long the main thread (GTK's, where WebKitGTK reads IPC
/// request bodies) goes without running a task: a thread posts one every
/// millisecond and records how late each runs.
#[derive(Default)]
struct StallProbe {
    running: Arc<AtomicBool>,
    worst_us: Arc<AtomicU64>,
}

/// Starts the probe (resetting its worst stall).
#[tauri::command]
fn stall_start<R: Runtime>(app: AppHandle<R>, probe: tauri::State<'_, StallProbe>) {
    probe.worst_us.store(0, Ordering::SeqCst);
    if probe.running.swap(true, Ordering::SeqCst) {
        return;
    }
    let (running, worst) = (probe.running.clone(), probe.worst_us.clone());
    std::thread::spawn(move || {
        while running.load(Ordering::SeqCst) {
            let posted = Instant::now();
            let worst = worst.clone();
            let _ = app.run_on_main_thread(move || {
                let late = u64::try_from(posted.elapsed().as_micros()).unwrap_or(u64::MAX);
                worst.fetch_max(late, Ordering::SeqCst);
            });
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Stops the probe; the worst stall since `stall_start`, in milliseconds.
#[tauri::command]
fn stall_stop(probe: tauri::State<'_, StallProbe>) -> f64 {
    probe.running.store(false, Ordering::SeqCst);
    probe.worst_us.load(Ordering::SeqCst) as f64 / 1000.0
}
