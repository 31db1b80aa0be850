//! The running streams of every webview, by (webview label, channel id):
//! what `stream_ack` and `stream_cancel` reach, and what a page load, a
//! destroyed window or a change of identity stops. At most
//! [`MAX_PER_WINDOW`] run in one window.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, MutexGuard, PoisonError,
    },
};

use futures_util::future::{AbortHandle, Abortable};
use tokio::sync::oneshot;

use crate::{
    core::error::{ArgProblem, CallError},
    stream::{
        port::Port,
        pump::{Pump, Stop, Stopping},
    },
};

/// At most this many streams run at once in one window.
pub(crate) const MAX_PER_WINDOW: usize = 16;

/// A stream's name: the webview that opened it and its channel's id (ids
/// are the webview's own, so two webviews may use the same one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) webview: String,
    pub(crate) channel: u32,
}

#[derive(Debug)]
struct Live {
    id: u64,
    /// The label of the window holding the webview.
    window: String,
    /// The id of the identity it was admitted as, if the function asked.
    identity: Option<String>,
    port: Arc<Port>,
    stopping: Arc<Stopping>,
    abort: AbortHandle,
    /// Fires once the function's future has been dropped.
    dropped: oneshot::Receiver<()>,
}

/// Every running stream of the app.
#[derive(Debug, Default)]
pub(crate) struct Streams {
    live: Mutex<HashMap<Key, Live>>,
    next: AtomicU64,
}

impl Streams {
    fn live(&self) -> MutexGuard<'_, HashMap<Key, Live>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `pump` on the async runtime under `key`, for the window
    /// labelled `window`, admitted as `identity`. Refused with
    /// `invalid_args` while a stream with this key is running, or while
    /// the window runs [`MAX_PER_WINDOW`] streams: the pump is then
    /// dropped unrun.
    pub(crate) fn start(
        self: &Arc<Self>,
        key: Key,
        window: String,
        identity: Option<String>,
        mut pump: Pump,
    ) -> Result<(), CallError> {
        let (abort, registration) = AbortHandle::new_pair();
        let (done, dropped) = oneshot::channel();
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        {
            let mut live = self.live();
            let refused = if live.contains_key(&key) {
                Some(ArgProblem {
                    name: "channel".to_owned(),
                    problem: "invalid",
                    expected: Some("a channel no running stream of this webview uses".to_owned()),
                    message: None,
                })
            } else if live.values().filter(|l| l.window == window).count() >= MAX_PER_WINDOW {
                Some(ArgProblem {
                    name: "stream".to_owned(),
                    problem: "invalid",
                    expected: Some(format!(
                        "a window with fewer than {MAX_PER_WINDOW} running streams"
                    )),
                    message: Some("this window runs as many: stop one first".to_owned()),
                })
            } else {
                None
            };
            if let Some(problem) = refused {
                pump.disarm();
                return Err(CallError::InvalidArgs(vec![problem]));
            }
            live.insert(
                key.clone(),
                Live {
                    id,
                    window,
                    identity,
                    port: pump.port.clone(),
                    stopping: pump.stopping.clone(),
                    abort,
                    dropped,
                },
            );
        }
        let streams = Arc::clone(self);
        tauri::async_runtime::spawn(async move {
            {
                // Dropped at the end of this block, finished or aborted.
                let run = Abortable::new(pump, registration);
                let _ = run.await;
            }
            let _ = done.send(());
            streams.finished(&key, id);
        });
        Ok(())
    }

    fn finished(&self, key: &Key, id: u64) {
        let mut live = self.live();
        if live.get(key).is_some_and(|l| l.id == id) {
            live.remove(key);
        }
    }

    /// The consumer read `n` more items. `false` when no such stream runs.
    pub(crate) fn ack(&self, key: &Key, n: u64) -> bool {
        let port = self.live().get(key).map(|l| l.port.clone());
        port.map(|p| p.ack(n)).is_some()
    }

    /// Stops a stream; once the returned future is ready, its function's
    /// future has been dropped. `None` when no such stream runs.
    pub(crate) fn cancel(&self, key: &Key) -> Option<impl std::future::Future<Output = ()>> {
        let live = self.live().remove(key)?;
        // Not `port.close()` first: a closed port lets `send` return at
        // once, and a producer looping on it would never yield to the abort.
        live.abort.abort();
        Some(async move {
            let _ = live.dropped.await;
        })
    }

    /// Stops every stream of the webview or window labelled `label`.
    /// Returns how many were running.
    pub(crate) fn stop_label(&self, label: &str) -> usize {
        self.stop_where(Stop::Consumer, |k, l| {
            k.webview == label || l.window == label
        })
    }

    /// Ends every stream admitted as the identity `id` (who is signed in
    /// changed): each consumer gets `unauthorized` (`identity_changed`).
    /// Returns how many were running.
    pub(crate) fn end_identity(&self, id: &str) -> usize {
        self.stop_where(Stop::IdentityChanged, |_, l| {
            l.identity.as_deref() == Some(id)
        })
    }

    fn stop_where(&self, why: Stop, which: impl Fn(&Key, &Live) -> bool) -> usize {
        let stopped: Vec<Live> = {
            let mut live = self.live();
            let keys: Vec<Key> = live
                .iter()
                .filter(|(k, l)| which(k, l))
                .map(|(k, _)| k.clone())
                .collect();
            keys.iter().filter_map(|k| live.remove(k)).collect()
        };
        for live in &stopped {
            live.stopping.set(why);
            live.abort.abort();
        }
        stopped.len()
    }

    /// How many streams are running.
    pub(crate) fn running(&self) -> usize {
        self.live().len()
    }
}
