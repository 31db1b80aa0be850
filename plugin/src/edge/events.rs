//! Invalidations sent to every other page so all windows stay coherent
//! ([`INVALIDATE_EVENT`](crate::INVALIDATE_EVENT) notices), numbered by
//! `seq` and sent in that order through each page's channel
//! ([`Listeners`]).

use std::{
    collections::VecDeque,
    sync::{Mutex, MutexGuard, PoisonError},
};

use crate::{
    core::{scoping::Target, wire::InvalidateEvent},
    edge::listeners::Listeners,
};

/// Numbers the events and emits them one at a time, in the order of their
/// numbers.
///
/// Taking a number and emitting are one step: a call queues its event under
/// the lock that gives it its number, and one thread at a time (the first
/// that finds nobody emitting) emits every queued event in order before it
/// returns. Calls made meanwhile, from other threads or from a listener on
/// the emitting thread, only queue theirs, so nobody waits on a listener
/// and a listener that invalidates cannot deadlock.
#[derive(Debug, Default)]
pub(crate) struct Notifier {
    queue: Mutex<Queue>,
    /// The pages' channels.
    pub(crate) listeners: Listeners,
}

#[derive(Debug, Default)]
struct Queue {
    seq: u64,
    pending: VecDeque<InvalidateEvent>,
    /// Some thread is emitting the pending events.
    emitting: bool,
    /// The last [`RECENT`] events' targets, oldest first, for a page that
    /// asks what it missed since a snapshot (`since`).
    recent: VecDeque<(u64, Vec<Target>)>,
}

/// How many past events [`Notifier::since`] can answer from.
pub(crate) const RECENT: usize = 256;

impl Notifier {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The number of the last event (0 before the first).
    pub(crate) fn seq(&self) -> u64 {
        self.lock().seq
    }

    /// The targets of every event numbered after `seq`, and the last number;
    /// `None` for the targets when the events kept no longer reach back to
    /// `seq` (the caller must then take everything as invalidated).
    pub(crate) fn since(&self, seq: u64) -> (u64, Option<Vec<Target>>) {
        let queue = self.lock();
        let kept_from = queue
            .recent
            .front()
            .map_or(queue.seq + 1, |(first, _)| *first);
        // A number from before the kept events, or from another run of the app.
        if seq.saturating_add(1) < kept_from || seq > queue.seq {
            return (queue.seq, None);
        }
        let targets = queue
            .recent
            .iter()
            .filter(|(n, _)| *n > seq)
            .flat_map(|(_, t)| t.iter().cloned())
            .collect();
        (queue.seq, Some(targets))
    }

    /// Sends targets to every page but `source`'s.
    pub(crate) fn notify(&self, targets: Vec<Target>, source: Option<&str>) {
        {
            let mut queue = self.lock();
            queue.seq += 1;
            let seq = queue.seq;
            if queue.recent.len() == RECENT {
                queue.recent.pop_front();
            }
            queue.recent.push_back((seq, targets.clone()));
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
            self.listeners.invalidated(&next);
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
