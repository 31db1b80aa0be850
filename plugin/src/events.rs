//! The `mizan://invalidate` event: targets sent to every other webview so
//! all windows stay coherent.

use serde::Serialize;
use tauri::{Emitter, EventTarget, Runtime};

use crate::scoping::Target;

/// The event's name.
pub const INVALIDATE_EVENT: &str = "mizan://invalidate";

/// Sent to every webview when who is signed in changes (sign-in, sign-out,
/// another user), with a [`jwt::IdentityChange`](crate::jwt::IdentityChange)
/// payload. It never carries a token.
pub const IDENTITY_EVENT: &str = "mizan://identity";

/// The payload of [`INVALIDATE_EVENT`].
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct InvalidateEvent {
    /// Sorted, without duplicates.
    pub targets: Vec<Target>,
    /// The label of the webview whose call caused it; `null` when the app
    /// invalidated on its own.
    pub source: Option<String>,
    /// Increases by one with every event the plugin sends.
    pub seq: u64,
}

/// Sends the event to every webview but `source`.
///
/// Listeners registered for a webview's label (`getCurrentWebview().listen`)
/// never see their own webview's events; listeners for any target (the
/// global `listen`) see every event and compare `source` with their label.
pub(crate) fn emit<R: Runtime>(emitter: &impl Emitter<R>, event: &InvalidateEvent) {
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
