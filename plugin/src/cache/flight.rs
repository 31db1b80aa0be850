//! Single flight: concurrent requests for one key share one run.
//!
//! A request joins a run in flight only if no invalidation reached the key
//! since that run started (its answer may predate it); otherwise it starts
//! a run of its own, as the webview cache does (docs/protocol.md: "The client cache").

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{Mutex, PoisonError},
};

use futures_util::future::{FutureExt, Shared};

use super::key::Key;

/// A run's future, shared by everyone waiting for it.
pub(crate) type SharedRun<T> = Shared<Pin<Box<dyn Future<Output = T> + Send>>>;

struct Flight<T: Clone> {
    id: u64,
    /// The invalidation epoch when it started.
    started: u64,
    run: SharedRun<T>,
}

/// The runs in flight, by key.
pub(crate) struct Flights<T: Clone> {
    inner: Mutex<(u64, HashMap<Key, Flight<T>>)>,
}

impl<T: Clone> std::fmt::Debug for Flights<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flights").finish_non_exhaustive()
    }
}

impl<T: Clone> Default for Flights<T> {
    fn default() -> Self {
        Flights {
            inner: Mutex::new((0, HashMap::new())),
        }
    }
}

/// A run to wait for: joined, or started by this request.
pub(crate) struct Joined<T: Clone> {
    pub(crate) run: SharedRun<T>,
}

impl<T: Clone + Send + Sync + 'static> Flights<T> {
    /// Joins the run in flight for `key` unless `stale(started)` says an
    /// invalidation reached the key since it started; else starts one with
    /// `start(id)` (called under the lock: it must only build the future).
    pub(crate) fn join_or_start(
        &self,
        key: Key,
        stale: impl FnOnce(u64) -> bool,
        epoch: u64,
        start: impl FnOnce(u64) -> Pin<Box<dyn Future<Output = T> + Send>>,
    ) -> Joined<T> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(f) = inner.1.get(&key) {
            if !stale(f.started) {
                return Joined { run: f.run.clone() };
            }
        }
        inner.0 += 1;
        let id = inner.0;
        let run = start(id).shared();
        inner.1.insert(
            key,
            Flight {
                id,
                started: epoch,
                run: run.clone(),
            },
        );
        Joined { run }
    }

    /// Forgets run `id` of `key` (a newer run under the key stays).
    pub(crate) fn finish(&self, key: &Key, id: u64) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.1.get(key).is_some_and(|f| f.id == id) {
            inner.1.remove(key);
        }
    }

    /// The number of runs in flight.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.inner.lock().unwrap().1.len()
    }
}
