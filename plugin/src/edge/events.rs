//! The `mizan://invalidate` event: targets sent to every other webview so
//! all windows stay coherent, numbered by `seq` and handed to Tauri in that
//! order.

use std::{
    collections::VecDeque,
    sync::{Mutex, MutexGuard, PoisonError},
};

use tauri::{Emitter, EventTarget, Runtime};

use crate::core::{
    scoping::Target,
    wire::{InvalidateEvent, INVALIDATE_EVENT},
};

/// Numbers the events and emits them one at a time, in the order of their
/// numbers.
///
/// Taking a number and emitting are one step: a call queues its event under
/// the lock that gives it its number, and one thread at a time (the first
/// that finds nobody emitting) emits every queued event in order before it
/// returns. Calls made meanwhile, from other threads or from a listener on
/// the emitting thread, only queue theirs, so nobody waits on a listener
/// and a listener that invalidates cannot deadlock. Serializing the emits
/// also keeps them from racing in Tauri's listener table, where an emit
/// that finds the table busy is queued and later replayed without its
/// target filter.
#[derive(Debug, Default)]
pub(crate) struct Notifier {
    queue: Mutex<Queue>,
}

#[derive(Debug, Default)]
struct Queue {
    seq: u64,
    pending: VecDeque<InvalidateEvent>,
    /// Some thread is emitting the pending events.
    emitting: bool,
}

impl Notifier {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends targets to every webview but `source`.
    pub(crate) fn notify<R: Runtime>(
        &self,
        emitter: &impl Emitter<R>,
        targets: Vec<Target>,
        source: Option<&str>,
    ) {
        {
            let mut queue = self.lock();
            queue.seq += 1;
            let seq = queue.seq;
            queue.pending.push_back(InvalidateEvent {
                targets,
                source: source.map(str::to_owned),
                seq,
            });
            if queue.emitting {
                return;
            }
            queue.emitting = true;
        }
        let _unwinding = Unwinding(self);
        loop {
            let next = {
                let mut queue = self.lock();
                let Some(next) = queue.pending.pop_front() else {
                    queue.emitting = false;
                    return;
                };
                next
            };
            emit(emitter, &next);
        }
    }
}

/// Hands the emitting role back if a listener panics mid-emit, so later
/// events are not stuck behind it.
struct Unwinding<'a>(&'a Notifier);

impl Drop for Unwinding<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().emitting = false;
        }
    }
}

/// Sends the event to every webview but `source`, in one emit.
///
/// Listeners registered for a webview's label (`getCurrentWebview().listen`)
/// never see their own webview's events; listeners for any target (the
/// global `listen`, which guest-js uses) see every event and compare
/// `source` with their label. One emit with a filter rather than one
/// `emit_to` per webview: Tauri delivers every emit, whatever its target,
/// to the listeners for any target, so per-webview emits would hand each
/// global listener one copy per other webview.
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
