//! The upload benchmarks (`bash examples/run.sh --bench`): the same body
//! (count the bytes) reached three ways, through a Mizan upload, through a
//! Mizan `call` with the bytes as a JSON number array, and as a plain Tauri
//! command taking the raw body (in `bench_plain`, a `bench` build only).

use tauri_plugin_mizan::{client, Upload};

/// The body every way runs: the number of bytes and a cheap checksum.
pub(crate) fn count(bytes: &[u8]) -> u64 {
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
