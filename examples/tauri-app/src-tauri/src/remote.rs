//! A remote service the app reads from, simulated so that it can go
//! offline: the "quote of the day". Its context function is cached by the
//! plugin (the origin cache) and persisted in the app's data dir, so an
//! offline app, even one restarted while offline, shows the last quote,
//! marked stale, before any network answer.
//!
//! Offline: the toggle in the window (`set_online`), or start the app with
//! `--offline` (the end-to-end tests restart it that way).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use serde::Serialize;
use tauri::State;
use tauri_plugin_mizan::{client, Context};

/// The quote of the day, from the remote service.
pub(crate) const DAILY: Context = Context::new("daily");

const QUOTES: [&str; 5] = [
    "Measure twice, cut once.",
    "Simplicity is prerequisite for reliability.",
    "Make it work, make it right, make it fast.",
    "The best way to predict the future is to invent it.",
    "Weigh it fairly.",
];

/// The simulated service: reachable or not, and how many quotes it served.
#[derive(Debug)]
pub(crate) struct Remote {
    online: AtomicBool,
    served: AtomicU32,
}

impl Remote {
    /// Online unless the app was started with `--offline`.
    pub(crate) fn from_args() -> Remote {
        let offline = std::env::args().any(|a| a == "--offline");
        Remote {
            online: AtomicBool::new(!offline),
            served: AtomicU32::new(0),
        }
    }
}

/// A quote as the service sends it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub(crate) struct Quote {
    /// The text.
    pub(crate) text: String,
    /// Which answer of the service this is (1 for its first).
    pub(crate) number: u32,
}

/// Why the service did not answer.
#[derive(Debug, Serialize, specta::Type)]
#[serde(tag = "kind")]
pub(crate) enum RemoteError {
    /// The network is gone.
    Offline,
}

/// Today's quote. Cached for 10 minutes; when the service is unreachable
/// (or slower than 2 s), the last quote stored in the past 30 days stands
/// in and the bundle names it under `stale`.
#[client(context = DAILY, cache(ttl = "10m", stale_if_error = "30d", timeout = "2s"))]
async fn quote_of_the_day(remote: State<'_, Remote>) -> Result<Quote, RemoteError> {
    if !remote.online.load(Ordering::SeqCst) {
        return Err(RemoteError::Offline);
    }
    let number = remote.served.fetch_add(1, Ordering::SeqCst) + 1;
    Ok(Quote {
        text: QUOTES[(number as usize - 1) % QUOTES.len()].to_owned(),
        number,
    })
}

/// Connects or disconnects the simulated network. The quote refetches
/// (tier 3: the whole `daily` context), from the service or, offline,
/// from the cache.
#[client(affects = DAILY)]
fn set_online(remote: State<'_, Remote>, online: bool) {
    remote.online.store(online, Ordering::SeqCst);
}

/// Asks the service for the next quote (online; offline it changes
/// nothing but the staleness).
#[client(affects = DAILY)]
fn next_quote() {}

/// Whether the simulated network is up.
#[client]
fn is_online(remote: State<'_, Remote>) -> bool {
    remote.online.load(Ordering::SeqCst)
}
