//! The origin cache (docs/protocol.md: "Origin cache"): context function results cached in the
//! plugin process, keyed by HMAC, invalidated by the same targets and reach
//! rule as the webview cache, persisted in a redb store, and standing in
//! for failed runs within a stale-if-error bound.
//!
//! Layers, none of which knows Tauri's dispatch:
//! - [`secret`] and [`key`]: the per-install secret, the HMAC keys and
//!   the MACs that seal stored records to their keys;
//! - [`private`]: the store's files and dir, readable by the user only;
//! - [`memory`]: the entries this process holds, bounded, indexed;
//! - [`store`]: the redb file and its writer thread;
//! - [`flight`]: one run per key for concurrent requests;
//! - [`policy`]: what a declaration asks for, freshness;
//! - this module: the cache itself, with the ordering rules between them;
//! - [`serve`]: one cached function served for one request.

mod flight;
mod key;
mod memory;
pub(crate) mod policy;
mod private;
mod record;
mod secret;
mod serve;
mod store;

use std::{
    collections::{HashSet, VecDeque},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock},
};

pub(crate) use serve::Cached;

use self::{
    flight::Flights,
    key::{Key, Keyer},
    memory::{Memory, Slot},
    record::Record,
    secret::Secret,
    store::{Disk, Op},
};
use crate::core::{
    auth::Identity,
    call::Outcome,
    scoping::{reaches, Params, Target},
};

/// Where and how much the cache keeps.
#[derive(Debug, Clone)]
pub(crate) struct CacheOptions {
    /// The dir of the store file and the secret; `None`: memory only.
    pub(crate) dir: Option<PathBuf>,
    /// The bound on the entries' size, in memory and on disk.
    pub(crate) max_bytes: u64,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            dir: None,
            max_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Recent invalidations and purges, kept so that a run (or a read from the
/// store) that started before one of them can tell whether it reached its
/// key.
#[derive(Debug, Clone)]
enum Logged {
    Target(Target),
    /// One identity tag's entries, or all.
    Purge(Option<Key>),
}

/// How many invalidations are remembered; older runs are taken as reached.
const LOG_LEN: usize = 4096;

#[derive(Debug)]
struct State {
    memory: Memory,
    /// Bumped by every invalidation and purge.
    epoch: u64,
    log: VecDeque<(u64, Logged)>,
    /// The newest epoch dropped from the log.
    floor: u64,
}

/// What happened to a key since some epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Since {
    Untouched,
    Invalidated,
    Purged,
}

impl State {
    fn record(&mut self, item: Logged) -> u64 {
        self.epoch += 1;
        self.log.push_back((self.epoch, item));
        if self.log.len() > LOG_LEN {
            if let Some((e, _)) = self.log.pop_front() {
                self.floor = e;
            }
        }
        self.epoch
    }

    fn since(&self, epoch: u64, record: &Record) -> Since {
        if epoch < self.floor {
            return Since::Purged;
        }
        let mut since = Since::Untouched;
        for (_, item) in self.log.iter().rev().take_while(|(e, _)| *e > epoch) {
            match item {
                Logged::Purge(None) => return Since::Purged,
                Logged::Purge(Some(tag)) if *tag == record.identity => return Since::Purged,
                Logged::Purge(Some(_)) => {}
                Logged::Target(t) => {
                    if reaches(t, &record.context, &record.params) {
                        since = Since::Invalidated;
                    }
                }
            }
        }
        since
    }
}

/// An entry found for a key.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) record: Arc<Record>,
    pub(crate) fresh: bool,
}

/// The origin cache of one app.
pub(crate) struct OriginCache {
    keyer: Keyer,
    state: Mutex<State>,
    disk: RwLock<Option<Arc<Disk>>>,
    flights: Flights<Outcome>,
    /// Contexts with a cached function: targets of others change nothing.
    contexts: HashSet<String>,
    generation: u64,
    min_generation: u64,
}

impl std::fmt::Debug for OriginCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OriginCache")
            .field("contexts", &self.contexts)
            .field("persisted", &self.disk().is_some())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl OriginCache {
    /// Opens the cache for the contexts that have cached functions. Never
    /// fails: without a usable dir it keeps its entries in memory, under a
    /// secret that lives as long as the process (logged as a warning).
    pub(crate) fn open(options: &CacheOptions, contexts: HashSet<String>) -> Self {
        let mut disk = None;
        let secret = match &options.dir {
            None => Secret::random(),
            Some(dir) => match private::create_dir(dir)
                .map_err(|source| secret::SecretError::Io {
                    path: dir.clone(),
                    source,
                })
                .and_then(|()| Secret::keep(dir))
            {
                Ok(secret) => {
                    match Disk::open(dir, &Keyer::new(&secret), options.max_bytes) {
                        Ok(d) => disk = Some(Arc::new(d)),
                        Err(e) => log::warn!(
                            "mizan: the origin cache is not persisted this run: {e}; serving from memory"
                        ),
                    }
                    Ok(secret)
                }
                Err(e) => {
                    log::warn!(
                        "mizan: the origin cache secret cannot be kept ({e}); serving from memory"
                    );
                    Secret::random()
                }
            },
        };
        let secret = secret.unwrap_or_else(|e| {
            // No OS randomness: keys are still unguessable to the webview,
            // which never sees them; nothing is persisted.
            log::warn!("mizan: {e}; the origin cache uses a process-local key");
            let mut bytes = [0u8; 32];
            let seed = format!("{:?}{}", std::time::Instant::now(), std::process::id());
            bytes[..seed.len().min(32)].copy_from_slice(&seed.as_bytes()[..seed.len().min(32)]);
            Secret(bytes)
        });
        let (generation, min_generation) = disk
            .as_ref()
            .map_or((0, 0), |d| (d.generation, d.min_generation));
        OriginCache {
            keyer: Keyer::new(&secret),
            state: Mutex::new(State {
                memory: Memory::new(options.max_bytes),
                epoch: 0,
                log: VecDeque::new(),
                floor: 0,
            }),
            disk: RwLock::new(disk),
            flights: Flights::default(),
            contexts,
            generation,
            min_generation,
        }
    }

    fn disk(&self) -> Option<Arc<Disk>> {
        self.disk
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .filter(|d| d.healthy())
    }

    /// Whether entries go to a store file.
    #[cfg(test)]
    pub(crate) fn persisted(&self) -> bool {
        self.disk().is_some()
    }

    /// The key of one function's entry for one caller and params.
    fn key(&self, identity: Option<&Identity>, function: &str, params: &Params) -> Key {
        self.keyer.key(identity, function, params)
    }

    fn identity_tag(&self, identity: Option<&Identity>) -> Key {
        self.keyer.identity_tag(identity.map(|i| i.id.as_str()))
    }

    fn epoch(&self) -> u64 {
        lock(&self.state).epoch
    }

    /// The entry under `key`, fresh or not: from memory, else from the
    /// store (then kept in memory). An entry read from the store is checked
    /// against the invalidations the store may not have yet.
    fn lookup(&self, key: &Key, ttl_ms: u64, now: u64) -> Option<Found> {
        let found = |slot: &Slot| Found {
            record: slot.record.clone(),
            fresh: policy::is_fresh(
                &slot.record,
                slot.invalidated,
                now,
                ttl_ms,
                self.min_generation,
            ),
        };
        if let Some(slot) = lock(&self.state).memory.get(key) {
            return Some(found(slot));
        }
        let disk = self.disk()?;
        let committed = disk.committed_epoch();
        let (record, invalidated) = disk.read(key)?;
        let mut state = lock(&self.state);
        if let Some(slot) = state.memory.get(key) {
            return Some(found(slot));
        }
        let invalidated = invalidated
            || match state.since(committed, &record) {
                Since::Untouched => false,
                Since::Invalidated => true,
                Since::Purged => return None,
            };
        let slot = Slot {
            record: Arc::new(record),
            invalidated,
            started: 0,
        };
        let answer = found(&slot);
        state.memory.insert(*key, slot);
        Some(answer)
    }

    /// Stores a run's answer. A run that started (at epoch `started`)
    /// before an invalidation reaching its key stores it as invalidated: it
    /// may stand in for a failure, never be served as fresh. A run that
    /// started before a purge of its identity stores nothing, and a run
    /// never replaces the answer of one that started after it.
    fn store(&self, key: Key, record: Record, started: u64) {
        let mut state = lock(&self.state);
        let invalidated = match state.since(started, &record) {
            Since::Untouched => false,
            Since::Invalidated => true,
            Since::Purged => return,
        };
        if state.memory.get(&key).is_some_and(|s| s.started > started) {
            return;
        }
        let record = Arc::new(record);
        state.memory.insert(
            key,
            Slot {
                record: record.clone(),
                invalidated,
                started,
            },
        );
        if let Some(disk) = self.disk() {
            disk.send(Op::Put {
                key,
                record,
                invalidated,
            });
        }
    }

    /// Applies targets: every entry they reach is never served as fresh
    /// again, in this run or after a restart. Returns once the store will
    /// see it (the disk write itself is committed in the background; a run
    /// that dies before it is distrusted as a whole by the next).
    pub(crate) fn invalidate(&self, targets: &[Target]) {
        let targets: Vec<Target> = targets
            .iter()
            .filter(|t| self.contexts.contains(&t.context))
            .cloned()
            .collect();
        if targets.is_empty() {
            return;
        }
        let disk = self.disk();
        {
            let mut state = lock(&self.state);
            let mut epoch = 0;
            for t in &targets {
                state.memory.invalidate(t);
                epoch = state.record(Logged::Target(t.clone()));
            }
            if let Some(disk) = &disk {
                disk.send(Op::Invalidate { targets, epoch });
            }
        }
        if let Some(disk) = disk {
            disk.wait_opened();
        }
    }

    /// Removes the entries of one identity (`Some`), or every entry
    /// (`None`), in memory and in the store; returns once the store has
    /// committed it. Runs in flight for them store nothing.
    pub(crate) fn purge(&self, identity: Option<&str>) {
        let tag = identity.map(|id| self.keyer.identity_tag(Some(id)));
        let disk = self.disk();
        {
            let mut state = lock(&self.state);
            state.memory.purge(tag.as_ref());
            let epoch = state.record(Logged::Purge(tag));
            if let Some(disk) = &disk {
                disk.send(Op::Purge {
                    identity: tag,
                    epoch,
                });
            }
        }
        if let Some(disk) = disk {
            disk.flush();
        }
    }

    /// Waits until every write so far is committed to the store; `false`
    /// when there is no store (memory only, closed or failed).
    pub(crate) fn flush(&self) -> bool {
        self.disk().is_some_and(|d| d.flush())
    }

    /// Commits what is pending, marks the store closed cleanly and closes
    /// it; the cache goes on in memory. Called when the app exits. A store
    /// that makes redb panic as it closes is let go all the same.
    pub(crate) fn close(&self) {
        let disk = self
            .disk
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(disk) = disk {
            let closed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                disk.close();
                drop(disk);
            }));
            if closed.is_err() {
                log::warn!("mizan: the cache store panicked as it closed");
            }
        }
    }
}

impl Drop for OriginCache {
    fn drop(&mut self) {
        self.close();
    }
}

/// Unix time in milliseconds.
pub(crate) fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Where a file that cannot be used is moved: beside it, named for why
/// and when.
pub(crate) fn aside_path(path: &Path, why: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{why}-{}", unix_ms()));
    path.with_file_name(name)
}

#[cfg(test)]
pub(crate) mod tests;
