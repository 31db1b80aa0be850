//! The `listen` command, and how the plugin's notices reach the pages:
//! invalidations from other windows ([`INVALIDATE_EVENT`]) and changes of
//! who is signed in ([`IDENTITY_EVENT`]).
//!
//! **Through a channel per page, not Tauri events.** Any page granted
//! `core:event:allow-emit` (in `core:default`) can emit any event name, and
//! any page can listen to any event whatever its target, so an event can
//! neither be trusted by its receiver nor kept from a window. A page asks
//! for its notices instead: `plugin:mizan|listen` with a `Channel`
//! (`{"channel": "__CHANNEL__:<id>"}`), and only the plugin sends on that
//! channel. Each message is `{"event": <name>, "payload": <payload>}`.
//!
//! **Filtered by the receiving page's access.** An invalidation reaches a
//! page with only the targets of contexts that page may read (a page that
//! may read none of them gets nothing); the access is the one resolved for
//! the `listen` request's origin. A page's channels are dropped when it
//! loads another page or goes away.

use std::{
    collections::HashMap,
    str::FromStr,
    sync::{Mutex, MutexGuard, PoisonError},
};

use serde::Serialize;
use serde_json::Value;
use tauri::{
    ipc::{Channel, Invoke, InvokeResponseBody, JavaScriptChannelId},
    Runtime,
};

use crate::{
    core::{
        error::{ArgProblem, CallError},
        wire::{InvalidateEvent, IDENTITY_EVENT, INVALIDATE_EVENT},
    },
    dispatch::access::{Access, Reach},
    edge::commands::small_request,
};

/// The most channels one webview may hold (one per client on its page is
/// the norm); the oldest is dropped past it.
const MAX_PER_WEBVIEW: usize = 16;

/// The channels of every page, by webview label.
#[derive(Debug, Default)]
pub(crate) struct Listeners {
    by_label: Mutex<HashMap<String, Vec<Listener>>>,
}

struct Listener {
    channel: Channel<InvokeResponseBody>,
    access: Access,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("channel", &self.channel.id())
            .finish_non_exhaustive()
    }
}

/// One message on a channel.
#[derive(Serialize)]
struct Notice<'a, T: Serialize> {
    event: &'a str,
    payload: &'a T,
}

impl Listeners {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<Listener>>> {
        self.by_label.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn add(&self, label: &str, listener: Listener) {
        let mut all = self.lock();
        let list = all.entry(label.to_owned()).or_default();
        if list.len() == MAX_PER_WEBVIEW {
            list.remove(0);
        }
        list.push(listener);
    }

    /// Drops the channels of `label`'s page (it loaded another, or went away).
    pub(crate) fn drop_page(&self, label: &str) {
        self.lock().remove(label);
    }

    /// Sends an invalidation to every page but `event.source`'s, each with
    /// the targets its access lets it read.
    pub(crate) fn invalidated(&self, event: &InvalidateEvent) {
        let all = self.lock();
        for (label, listeners) in all.iter() {
            if Some(label.as_str()) == event.source.as_deref() {
                continue;
            }
            for listener in listeners {
                let readable = |t: &&crate::core::scoping::Target| {
                    listener.access.check(Reach::Bundle(&t.context)).is_ok()
                };
                if event.targets.iter().all(|t| readable(&t)) {
                    send(&listener.channel, INVALIDATE_EVENT, event);
                    continue;
                }
                let targets: Vec<_> = event.targets.iter().filter(readable).cloned().collect();
                if !targets.is_empty() {
                    let filtered = InvalidateEvent {
                        targets,
                        source: event.source.clone(),
                        seq: event.seq,
                    };
                    send(&listener.channel, INVALIDATE_EVENT, &filtered);
                }
            }
        }
    }

    /// Tells every page that who is signed in changed.
    pub(crate) fn identity_changed(&self, change: &impl Serialize) {
        for listener in self.lock().values().flatten() {
            send(&listener.channel, IDENTITY_EVENT, change);
        }
    }
}

fn send(channel: &Channel<InvokeResponseBody>, event: &str, payload: &impl Serialize) {
    match serde_json::to_string(&Notice { event, payload }) {
        Ok(text) => {
            // A page that went away: its channels are dropped with it.
            let _ = channel.send(InvokeResponseBody::Json(text));
        }
        Err(e) => log::error!("mizan: a notice could not be written: {e}"),
    }
}

/// `plugin:mizan|listen`: `{"channel": "__CHANNEL__:<id>"}` answers `null`
/// and sends the page its notices on that channel from then on.
pub(crate) fn listen<R: Runtime>(invoke: Invoke<R>) {
    let Some((shared, id, access)) = small_request(&invoke, "listen", read_channel) else {
        return;
    };
    let webview = invoke.message.webview();
    let label = webview.label().to_owned();
    shared.events.listeners.add(
        &label,
        Listener {
            channel: id.channel_on(webview),
            access,
        },
    );
    invoke.resolver.resolve(Value::Null);
}

/// `{"channel": "__CHANNEL__:<id>"}` and nothing else.
fn read_channel(body: &Value) -> Result<JavaScriptChannelId, CallError> {
    body.as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("channel"))
        .and_then(Value::as_str)
        .and_then(|text| JavaScriptChannelId::from_str(text).ok())
        .ok_or_else(|| {
            CallError::InvalidArgs(vec![ArgProblem {
                name: "channel".to_owned(),
                problem: "invalid",
                expected: Some("{channel: a Channel}".to_owned()),
                message: None,
            }])
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_only_a_channel() {
        assert!(read_channel(&json!({"channel": "__CHANNEL__:3"})).is_ok());
        for bad in [
            json!({}),
            json!({"channel": 3}),
            json!({"channel": "3"}),
            json!({"channel": "__CHANNEL__:3", "x": 1}),
            json!(["__CHANNEL__:3"]),
        ] {
            assert!(read_channel(&bad).is_err(), "{bad}");
        }
    }
}
