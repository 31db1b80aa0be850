//! What a debug build tells the developer through the app's logger, when it
//! set one up: the scoping report at start-up (at `info`, which the usual
//! loggers show), and a warning at each call to a name no linked crate
//! registered, with the names it serves. (Without a logger these go to
//! stderr: `tests/apps/split-app`.)
#![allow(missing_docs)]

mod common;

use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};
use serde_json::json;
use tauri_plugin_mizan::{client, Context};

const NOTES: Context = Context::new("notes");

#[client(context = NOTES)]
fn note_count() -> u32 {
    0
}

#[client(affects = NOTES)]
fn add_note(text: String) {
    let _ = text;
}

static RECORDS: Mutex<Vec<(Level, String)>> = Mutex::new(Vec::new());

struct Capture;

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &Record<'_>) {
        RECORDS
            .lock()
            .unwrap()
            .push((record.level(), record.args().to_string()));
    }
    fn flush(&self) {}
}

fn records(level: Level, containing: &str) -> Vec<String> {
    RECORDS
        .lock()
        .unwrap()
        .iter()
        .filter(|(l, text)| *l == level && text.contains(containing))
        .map(|(_, text)| text.clone())
        .collect()
}

#[test]
fn debug_builds_report_through_the_logger() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(LevelFilter::Trace);
    let (_app, windows) = common::app(&[("main", Some(&common::default_capability("main")))]);
    if !cfg!(debug_assertions) {
        assert!(records(Level::Info, "mizan scoping").is_empty());
        return;
    }

    let report = records(Level::Info, "mizan scoping");
    assert_eq!(report.len(), 1, "{report:?}");
    assert!(report[0].contains("add_note -> notes"), "{report:?}");

    let err = common::call(&windows[0], "add_nots", json!({})).unwrap_err();
    assert_eq!(err["code"], "unknown_function");
    let warned = records(Level::Warn, "the function `add_nots`");
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].contains("which no linked crate registered (registered: add_note, note_count)"),
        "{warned:?}"
    );
    assert!(warned[0].contains("use that_crate as _;"), "{warned:?}");

    let err = common::ctx(&windows[0], "note", json!({})).unwrap_err();
    assert_eq!(err["code"], "unknown_context");
    let warned = records(Level::Warn, "the context `note`");
    assert!(warned[0].contains("(registered: notes)"), "{warned:?}");
}
