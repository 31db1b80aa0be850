//! Export: writes every note to a Markdown file in the app's data folder,
//! streaming its progress to the webview (a progress bar with a Cancel
//! button). A streaming `#[client]` function: it takes a `StreamSink`.

use std::{
    fmt::Write as _,
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use serde::{Deserialize, Serialize};
use tauri::State;
use tauri_plugin_mizan::{client, StreamSink};

use crate::{db::Db, shell::Launch};

/// How far an export got.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub(crate) struct ExportProgress {
    /// Notes written so far.
    pub(crate) done: u32,
    /// Notes to write.
    pub(crate) total: u32,
    /// The note just written.
    pub(crate) note: String,
}

/// Why an export failed.
#[derive(Debug, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum ExportError {
    /// The database could not be read.
    Unavailable,
    /// The file could not be written.
    NotWritten,
}

/// What the running exports did, for the status line (and the end-to-end
/// test, which checks that Cancel stops the export).
#[derive(Debug, Default)]
pub(crate) struct Exports {
    running: AtomicU32,
    written: AtomicU32,
}

/// Counts an export as running while its future lives: dropped when it
/// ends, and when the webview cancels it.
struct Running<'a>(&'a Exports);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The exports' counters.
#[derive(Debug, Serialize, Deserialize, specta::Type)]
pub(crate) struct ExportStatus {
    /// Exports running now.
    pub(crate) running: u32,
    /// Notes written by every export since the app started.
    pub(crate) written: u32,
}

/// Writes every note to `export.md` beside the database, one at a time
/// (`pace_ms` apart, so the progress is visible), sending the progress
/// after each. Cancel (or closing the window) stops it between two notes:
/// the file is then not written.
#[client]
async fn export_notes(
    db: State<'_, Db>,
    launch: State<'_, Launch>,
    exports: State<'_, Exports>,
    pace_ms: u32,
    progress: StreamSink<ExportProgress>,
) -> Result<(), ExportError> {
    exports.running.fetch_add(1, Ordering::SeqCst);
    let _running = Running(&exports);
    let notes: Vec<(String, String)> = db
        .with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT l.title, n.text FROM notes n JOIN lists l ON l.id = n.list_id ORDER BY l.id, n.id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
        .map_err(|_| ExportError::Unavailable)?;
    let total = notes.len() as u32;
    let mut text = String::from("# Notes\n");
    for (done, (list, note)) in notes.into_iter().enumerate() {
        tokio::time::sleep(Duration::from_millis(u64::from(pace_ms.min(2_000)))).await;
        let _ = writeln!(text, "- [{list}] {note}");
        exports.written.fetch_add(1, Ordering::SeqCst);
        progress
            .send(ExportProgress {
                done: done as u32 + 1,
                total,
                note,
            })
            .await;
    }
    let file = launch.data_file.with_file_name("export.md");
    std::fs::write(file, text).map_err(|_| ExportError::NotWritten)
}

/// The exports' counters.
#[client]
fn export_status(exports: State<'_, Exports>) -> ExportStatus {
    ExportStatus {
        running: exports.running.load(Ordering::SeqCst),
        written: exports.written.load(Ordering::SeqCst),
    }
}
