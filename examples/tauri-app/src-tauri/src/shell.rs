//! How this run of the app was started: a normal window, or one of the two
//! unattended modes `examples/run.sh` uses (take a screenshot and exit; run
//! the benchmark and exit).
//!
//! | variable | effect |
//! |---|---|
//! | `MIZAN_EXAMPLE_DATA_DIR` | keep the database (and the origin cache, in `mizan/`) there instead of the app's data directory |
//! | `MIZAN_EXAMPLE_SCREENSHOT=<file.png>` | once both windows have painted their data, save the screen (ImageMagick's `import`) and exit |
//! | `MIZAN_EXAMPLE_BENCH=1` | the main window runs the benchmark, prints it and exits |

use std::{
    collections::BTreeSet,
    path::PathBuf,
    process::Command,
    sync::{Mutex, PoisonError},
    time::Duration,
};

use serde::Serialize;
use tauri::{AppHandle, State, Window};
use tauri_plugin_mizan::client;

/// The windows the app opens (see `tauri.conf.json`).
const WINDOWS: [&str; 2] = ["main", "companion"];

/// An unattended run that has not finished by then exits with an error.
const WATCHDOG: Duration = Duration::from_secs(120);
/// The benchmark mode's limit (`examples/run.sh --bench` stops it at 180 s).
const BENCH_WATCHDOG: Duration = Duration::from_secs(170);

/// What this run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Mode {
    /// An ordinary run.
    Window,
    /// Save a screenshot, then exit.
    Screenshot,
    /// Run the benchmark, then exit.
    Bench,
}

/// The run's settings and progress, managed as Tauri state.
#[derive(Debug)]
pub(crate) struct Launch {
    pub(crate) mode: Mode,
    pub(crate) data_file: PathBuf,
    screenshot: Option<PathBuf>,
    ready: Mutex<BTreeSet<String>>,
}

impl Launch {
    /// Reads the environment. `default_data_dir` is the app's data directory.
    pub(crate) fn from_env(default_data_dir: PathBuf) -> Launch {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        let screenshot = var("MIZAN_EXAMPLE_SCREENSHOT").map(PathBuf::from);
        let mode = if bench_mode() {
            Mode::Bench
        } else if screenshot.is_some() {
            Mode::Screenshot
        } else {
            Mode::Window
        };
        let dir = data_dir_override().unwrap_or(default_data_dir);
        Launch {
            mode,
            data_file: dir.join("notes.sqlite3"),
            screenshot,
            ready: Mutex::default(),
        }
    }

    /// In an unattended mode, gives up after [`WATCHDOG`].
    pub(crate) fn start_watchdog(&self) {
        if self.mode == Mode::Window {
            return;
        }
        // The bench moves hundreds of MiB through uploads and streams
        // 100,000 items one message each through a plain Channel: it gets
        // longer.
        let limit = if self.mode == Mode::Bench {
            BENCH_WATCHDOG
        } else {
            WATCHDOG
        };
        std::thread::spawn(move || {
            std::thread::sleep(limit);
            eprintln!(
                "mizan-example: gave up after {} s without finishing",
                limit.as_secs()
            );
            std::process::exit(3);
        });
    }
}

/// Whether `MIZAN_EXAMPLE_BENCH` asks for the benchmark.
pub(crate) fn bench_mode() -> bool {
    std::env::var_os("MIZAN_EXAMPLE_BENCH").is_some_and(|v| !v.is_empty())
}

/// The data dir `MIZAN_EXAMPLE_DATA_DIR` chooses, if any.
pub(crate) fn data_dir_override() -> Option<PathBuf> {
    std::env::var_os("MIZAN_EXAMPLE_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// What the footer shows about this run.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub(crate) struct AppInfo {
    /// The app's version.
    pub(crate) version: String,
    /// Where the database lives.
    pub(crate) data_file: String,
    /// What this run does.
    pub(crate) mode: Mode,
}

/// This run's version, database file and mode.
#[client]
fn app_info(app: AppHandle, launch: State<'_, Launch>) -> AppInfo {
    AppInfo {
        version: app.package_info().version.to_string(),
        data_file: launch.data_file.display().to_string(),
        mode: launch.mode,
    }
}

/// A window reports that it has painted its data. In screenshot mode, once
/// every window has, the screen is saved and the app exits.
#[client]
fn ui_ready(app: AppHandle, window: Window, launch: State<'_, Launch>) {
    let Some(path) = launch.screenshot.clone() else {
        return;
    };
    if launch.mode != Mode::Screenshot {
        return;
    }
    let all = {
        let mut ready = launch.ready.lock().unwrap_or_else(PoisonError::into_inner);
        ready.insert(window.label().to_owned());
        WINDOWS.iter().all(|w| ready.contains(*w))
    };
    if !all {
        return;
    }
    std::thread::spawn(move || {
        // Let WebKit finish painting (fonts, the last layout pass).
        std::thread::sleep(Duration::from_millis(800));
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(&path)
            .status();
        let code = match status {
            Ok(s) if s.success() => {
                println!("mizan-example: screenshot saved to {}", path.display());
                0
            }
            Ok(s) => {
                eprintln!("mizan-example: `import` failed ({s})");
                1
            }
            Err(e) => {
                eprintln!("mizan-example: cannot run ImageMagick's `import`: {e}");
                1
            }
        };
        app.exit(code);
    });
}
