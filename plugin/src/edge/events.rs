//! The `mizan://invalidate` event: targets sent to every other webview so
//! all windows stay coherent.

use std::sync::atomic::{AtomicU64, Ordering};

use tauri::{Emitter, EventTarget, Runtime};

use crate::core::{
    scoping::Target,
    wire::{InvalidateEvent, INVALIDATE_EVENT},
};

/// Numbers the events and sends them.
#[derive(Debug, Default)]
pub(crate) struct Notifier {
    seq: AtomicU64,
}

impl Notifier {
    /// Sends targets to every webview but `source`.
    pub(crate) fn notify<R: Runtime>(
        &self,
        emitter: &impl Emitter<R>,
        targets: Vec<Target>,
        source: Option<&str>,
    ) {
        let event = InvalidateEvent {
            targets,
            source: source.map(str::to_owned),
            seq: self.seq.fetch_add(1, Ordering::Relaxed) + 1,
        };
        emit(emitter, &event);
    }
}

/// Sends the event to every webview but `source`.
///
/// Listeners registered for a webview's label (`getCurrentWebview().listen`)
/// never see their own webview's events; listeners for any target (the
/// global `listen`) see every event and compare `source` with their label.
fn emit<R: Runtime>(emitter: &impl Emitter<R>, event: &InvalidateEvent) {
    let source = event.source.as_deref();
    let result = emitter.emit_filter(INVALIDATE_EVENT, event, |target| match target {
        EventTarget::Webview { label }
        | EventTarget::WebviewWindow { label }
        | EventTarget::Window { label }
        | EventTarget::AnyLabel { label } => Some(label.as_str()) != source,
        _ => true,
    });
    if let Err(e) = result {
        log::warn!("mizan: could not emit {INVALIDATE_EVENT}: {e}");
    }
}
