//! The upload benchmarks (`bash examples/run.sh --bench`): the same body
//! (count the bytes) reached three ways, through a Mizan upload, through a
//! Mizan `call` with the bytes as a JSON number array, and as a plain Tauri
//! command taking the raw body; and a probe of the main thread's stalls.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use tauri::{ipc::InvokeBody, AppHandle};
use tauri_plugin_mizan::{client, Upload};

/// The body every way runs: the number of bytes and a cheap checksum.
fn count(bytes: &[u8]) -> u64 {
    bytes.len() as u64 + u64::from(bytes.first().copied().unwrap_or(0))
}

/// The bytes as an upload: a raw IPC body.
#[client]
fn bench_upload(file: Upload) -> u64 {
    count(file.bytes())
}

/// The same bytes as a JSON array of numbers, through `call`.
#[client]
fn bench_upload_json(bytes: Vec<u8>) -> u64 {
    count(&bytes)
}

/// The same bytes as a plain Tauri command taking the raw body.
#[tauri::command]
pub(crate) fn plain_upload(request: tauri::ipc::Request<'_>) -> Result<u64, String> {
    match request.body() {
        InvokeBody::Raw(bytes) => Ok(count(bytes)),
        InvokeBody::Json(_) => Err("expected a raw body".into()),
    }
}

/// Measures how long the main thread (GTK's, where WebKitGTK reads IPC
/// request bodies) goes without running a task: a thread posts one every
/// millisecond and records how late each runs.
#[derive(Default)]
pub(crate) struct StallProbe {
    running: Arc<AtomicBool>,
    worst_us: Arc<AtomicU64>,
}

/// Starts the probe (resetting its worst stall).
#[tauri::command]
pub(crate) fn stall_start(app: AppHandle, probe: tauri::State<'_, StallProbe>) {
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
pub(crate) fn stall_stop(probe: tauri::State<'_, StallProbe>) -> f64 {
    probe.running.store(false, Ordering::SeqCst);
    probe.worst_us.load(Ordering::SeqCst) as f64 / 1000.0
}
