//! The first-paint benchmark (`bash examples/run.sh --bench`, SPEC 6.7):
//! how long a new window takes from its creation to its first screen
//! painted with data, hydrated or not. Each window shows what the main
//! window shows first (the people and the first person's profile and
//! lists) and reports once that is painted.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use serde::Serialize;
use tauri::{AppHandle, Manager, State, WebviewUrl, WebviewWindowBuilder, Window};
use tauri_plugin_mizan::{client, HydrateExt};
use tokio::sync::oneshot;

use crate::shell::{Launch, Mode};

/// The label prefix of the windows opened with a snapshot.
pub(crate) const HYDRATED: &str = "bench-paint-hydrated-";
/// The label prefix of the windows opened without one.
const COLD: &str = "bench-paint-cold-";
/// A window that has not painted by then fails the bench.
const PAINT_LIMIT: Duration = Duration::from_secs(20);

/// How long one window took to paint its first screen with data.
#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
pub(crate) struct PaintTime {
    /// From the start of the window's creation (snapshot included).
    pub(crate) total_ms: f64,
    /// From the page's own start (its navigation), as the page measured it.
    pub(crate) page_ms: f64,
    /// Of `total_ms`, computing the snapshot (hydrated windows; else 0).
    pub(crate) snapshot_ms: f64,
    /// Frames the page painted before its data was there.
    pub(crate) empty_frames: u32,
}

type Waiting = HashMap<String, (Instant, oneshot::Sender<PaintTime>)>;

/// The windows opened and not painted yet: when each was created, and who
/// waits for it.
#[derive(Debug, Default)]
pub(crate) struct PaintTimer {
    waiting: Mutex<Waiting>,
}

impl PaintTimer {
    fn waiting(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Opens a window showing the main window's first screen, hydrated (its
/// bundles in its initialization script) or not (it fetches them), waits
/// until it reports them painted, closes it, and answers how long that
/// took. Only in the benchmark mode.
#[client]
async fn bench_paint(
    app: AppHandle,
    launch: State<'_, Launch>,
    timer: State<'_, PaintTimer>,
    hydrated: bool,
    round: u32,
) -> Result<PaintTime, String> {
    if launch.mode != Mode::Bench {
        return Err("only in the benchmark mode".into());
    }
    let label = format!("{}{round}", if hydrated { HYDRATED } else { COLD });
    let (sender, painted) = oneshot::channel();
    let start = Instant::now();
    timer.waiting().insert(label.clone(), (start, sender));
    let builder =
        WebviewWindowBuilder::new(&app, &label, WebviewUrl::App("index.html#paint".into()))
            .title("First paint")
            .inner_size(1040.0, 720.0)
            .position(0.0, 0.0);
    // Computing the snapshot is part of creating a hydrated window: timed.
    let builder = if hydrated {
        builder.hydrate(&app, &label)
    } else {
        builder
    };
    let snapshot_ms = start.elapsed().as_secs_f64() * 1000.0;
    let built = builder
        .build()
        .map_err(|e| format!("cannot open {label}: {e}"));
    let answer = match built {
        Ok(_) => match tokio::time::timeout(PAINT_LIMIT, painted).await {
            Ok(Ok(time)) => Ok(PaintTime {
                snapshot_ms: if hydrated { snapshot_ms } else { 0.0 },
                ..time
            }),
            _ => Err(format!("{label} did not paint within {PAINT_LIMIT:?}")),
        },
        Err(e) => Err(e),
    };
    timer.waiting().remove(&label);
    if let Some(window) = app.get_webview_window(&label) {
        // Closing is not timed.
        let _ = window.destroy();
    }
    answer
}

/// A first-paint window reports its data painted, `page_ms` after its
/// page started, after `empty_frames` frames without it.
#[client]
fn bench_painted(window: Window, timer: State<'_, PaintTimer>, page_ms: f64, empty_frames: u32) {
    if let Some((start, sender)) = timer.waiting().remove(window.label()) {
        let _ = sender.send(PaintTime {
            total_ms: start.elapsed().as_secs_f64() * 1000.0,
            page_ms,
            snapshot_ms: 0.0,
            empty_frames,
        });
    }
}
