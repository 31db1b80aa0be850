//! The store file: a redb database in the cache dir. Puts, invalidations
//! and purges go to one writer thread, in the order the memory layer made
//! them, and are committed in batches off the caller's path; reads are
//! point lookups in a read transaction.
//!
//! Integrity: every record is sealed to its key under the secret (see
//! [`Record::seal`]); a read that finds a record whose seal does not hold
//! serves nothing and has the writer drop it. The file and its dir are
//! readable by the user only.
//!
//! Containment: redb may panic on a crafted file. A panic while opening,
//! reading or writing sets the file aside like a corrupt one; the cache
//! goes on in memory, and nothing waits on a writer that is gone.
//!
//! Crash safety: redb commits atomically. A run that ends without closing
//! the store (a crash, a kill) may have made invalidations that never
//! reached the disk, so the next run trusts no entry stored before it as
//! fresh: every run has a generation, and the store records the first
//! generation whose entries are trusted. Those entries still stand in for
//! failed runs (stale-if-error).

use std::{
    io,
    panic::{catch_unwind, AssertUnwindSafe},
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        mpsc, Arc, Condvar, Mutex, PoisonError,
    },
    thread::JoinHandle,
};

use redb::{
    Database, DatabaseError, Durability, ReadableTable, StorageError, TableDefinition, TableError,
    TableHandle, WriteTransaction,
};

use super::{
    key::{Key, Keyer},
    private,
    record::Record,
};
use crate::core::scoping::{reaches, Target};

/// The store's file name inside the cache dir.
pub(crate) const STORE_FILE: &str = "cache.redb";
/// How long opening waits for another process to let go of the store
/// file (the previous run of the app, still closing).
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// The layout version this code reads and writes (2: sealed records).
const FORMAT: u64 = 2;

const ENTRIES: TableDefinition<'_, [u8; 32], &[u8]> = TableDefinition::new("entries");
const INVALIDATED: TableDefinition<'_, [u8; 32], ()> = TableDefinition::new("invalidated");
/// (context, key) -> the entry's canonical params (JSON), for invalidation.
const BY_CONTEXT: TableDefinition<'_, (&str, [u8; 32]), &[u8]> = TableDefinition::new("by_context");
/// (stored_at, key), for eviction of the oldest.
const BY_AGE: TableDefinition<'_, (u64, [u8; 32]), ()> = TableDefinition::new("by_age");
/// (identity tag, key), for purges.
const BY_IDENTITY: TableDefinition<'_, ([u8; 32], [u8; 32]), ()> =
    TableDefinition::new("by_identity");
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");

const TABLES: [&str; 6] = [
    "entries",
    "invalidated",
    "by_context",
    "by_age",
    "by_identity",
    "meta",
];

/// A redb error, boxed (redb's own error type is large).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub(crate) struct DbError(Box<redb::Error>);

/// `?` on every redb error type the store meets.
macro_rules! db_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for DbError {
            fn from(e: $t) -> Self {
                DbError(Box::new(e.into()))
            }
        }
    )*};
}
db_error_from!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// Why there is no store file this run. The cache then serves from memory.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OpenError {
    #[error("the cache dir {} cannot be used: {source}", dir.display())]
    Dir { dir: PathBuf, source: io::Error },
    #[error("{} is open in another process (another instance of the app)", path.display())]
    Locked { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Store { path: PathBuf, source: DbError },
}

/// What the writer is asked to do, in order.
#[derive(Debug)]
pub(crate) enum Op {
    Put {
        key: Key,
        record: Arc<Record>,
        invalidated: bool,
    },
    Invalidate {
        targets: Vec<Target>,
        epoch: u64,
    },
    /// Removes one identity's entries, or all.
    Purge {
        identity: Option<Key>,
        epoch: u64,
    },
    /// Removes the entry under `key` if its record's seal does not hold
    /// (a reader found it so).
    Drop {
        key: Key,
    },
    /// Answers once everything before it is committed (`true`) or the
    /// store failed (`false`).
    Flush(mpsc::Sender<bool>),
}

/// The first write of a run: its generation, and which entries it trusts.
#[derive(Debug, Clone, Copy)]
struct Opening {
    generation: u64,
    min_generation: u64,
    fingerprint: Key,
    clear: bool,
}

/// An open store file and its writer thread.
#[derive(Debug)]
pub(crate) struct Disk {
    db: Arc<Database>,
    keyer: Keyer,
    tx: Mutex<Option<mpsc::Sender<Op>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    shared: Arc<WriterShared>,
    /// This run's generation.
    pub(crate) generation: u64,
    /// Entries of earlier generations are not fresh.
    pub(crate) min_generation: u64,
}

#[derive(Debug)]
struct WriterShared {
    /// The store file.
    path: PathBuf,
    /// Every invalidation and purge up to this epoch is on disk.
    committed_epoch: AtomicU64,
    /// The run's opening write is durable: a crash from now on is seen by
    /// the next run.
    opened: Mutex<bool>,
    opened_cv: Condvar,
    failed: AtomicBool,
    /// The file was set aside (once).
    aside: AtomicBool,
}

impl WriterShared {
    fn new(path: &Path) -> Self {
        WriterShared {
            path: path.to_owned(),
            committed_epoch: AtomicU64::new(0),
            opened: Mutex::new(false),
            opened_cv: Condvar::new(),
            failed: AtomicBool::new(false),
            aside: AtomicBool::new(false),
        }
    }

    /// The store takes no more writes; whoever waits for the opening
    /// write stops waiting.
    fn fail(&self) {
        // Under the lock the waiters check `failed` under: none misses it.
        let _opened = lock(&self.opened);
        self.failed.store(true, Ordering::Release);
        self.opened_cv.notify_all();
    }

    /// redb panicked on this file: it is set aside (once), then failed.
    fn panicked(&self, during: &str, payload: &(dyn std::any::Any + Send)) {
        if !self.aside.swap(true, Ordering::AcqRel) {
            self.put_aside(during, &panic_text(payload));
        }
        self.fail();
    }

    fn put_aside(&self, during: &str, why: &str) {
        match set_aside(&self.path) {
            Ok(aside) => log::warn!(
                "mizan: the cache store {} made the database panic while {during} ({why}); set aside as {}, the cache goes on in memory",
                self.path.display(),
                aside.display()
            ),
            Err(e) => log::warn!(
                "mizan: the cache store {} made the database panic while {during} ({why}), and cannot be set aside ({e}); the cache goes on in memory",
                self.path.display()
            ),
        }
    }
}

/// What a panic said.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Moves an unusable store file out of the way, beside it.
fn set_aside(path: &Path) -> io::Result<PathBuf> {
    let aside = super::aside_path(path, "corrupt");
    std::fs::rename(path, &aside)?;
    Ok(aside)
}

/// Runs `f`, turning a panic into a foreign-store error.
fn contained<T>(f: impl FnOnce() -> Result<T, OpenError>, path: &Path) -> Result<T, OpenError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(OpenError::Store {
            path: path.to_owned(),
            source: foreign(format!("the database panicked: {}", panic_text(&*payload))),
        })
    })
}

impl Disk {
    /// Opens (or creates) the store in `dir`, whose records are sealed
    /// under `keyer`. A file that is not a store of this format (corrupt,
    /// foreign, of an unknown layout, or one that makes redb panic) is set
    /// aside with a warning and a new one is created; a file another
    /// process holds is left alone (`Locked`).
    pub(crate) fn open(dir: &Path, keyer: &Keyer, max_bytes: u64) -> Result<Disk, OpenError> {
        private::create_dir(dir).map_err(|source| OpenError::Dir {
            dir: dir.to_owned(),
            source,
        })?;
        let path = dir.join(STORE_FILE);
        match contained(|| Self::open_unlocked(&path, keyer, max_bytes), &path) {
            Err(OpenError::Store { source, .. }) if unusable(&source) => {
                let aside = set_aside(&path).map_err(|source| OpenError::Dir {
                    dir: dir.to_owned(),
                    source,
                })?;
                log::warn!(
                    "mizan: the cache store {} cannot be read ({source}); set aside as {} and started anew",
                    path.display(),
                    aside.display()
                );
                contained(|| Self::open_file(&path, keyer, max_bytes), &path)
            }
            other => other,
        }
    }

    /// Opens the file, waiting up to [`LOCK_WAIT`] while another process
    /// holds it: when an app restarts, its previous run may still be
    /// closing the store.
    fn open_unlocked(path: &Path, keyer: &Keyer, max_bytes: u64) -> Result<Disk, OpenError> {
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            match Self::open_file(path, keyer, max_bytes) {
                Err(OpenError::Locked { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    fn open_file(path: &Path, keyer: &Keyer, max_bytes: u64) -> Result<Disk, OpenError> {
        let store = |source: DbError| OpenError::Store {
            path: path.to_owned(),
            source,
        };
        let fingerprint = keyer.fingerprint();
        let file = private::open_file(path).map_err(|e| store(StorageError::Io(e).into()))?;
        #[cfg(test)]
        faults::hit(path, faults::Stage::Open);
        let db = match redb::Builder::new()
            .set_cache_size(16 * 1024 * 1024)
            .create_file(file)
        {
            Ok(db) => db,
            Err(DatabaseError::DatabaseAlreadyOpen) => {
                return Err(OpenError::Locked {
                    path: path.to_owned(),
                })
            }
            Err(e) => return Err(store(e.into())),
        };
        let meta = read_meta(&db).map_err(store)?;
        let generation = meta.generation + 1;
        let min_generation = if meta.clean {
            meta.min_generation
        } else {
            generation
        };
        let opening = Opening {
            generation,
            min_generation,
            fingerprint,
            clear: meta.fingerprint.is_some_and(|f| f != fingerprint),
        };
        if opening.clear {
            log::warn!(
                "mizan: the cache store {} was written under another secret; its entries are dropped",
                path.display()
            );
        }
        let db = Arc::new(db);
        let shared = Arc::new(WriterShared::new(path));
        let (tx, rx) = mpsc::channel();
        let writer = {
            let db = db.clone();
            let shared = shared.clone();
            let keyer = keyer.clone();
            std::thread::Builder::new()
                .name("mizan-cache-writer".into())
                .spawn(move || {
                    Writer {
                        db,
                        shared,
                        max_bytes,
                        keyer,
                    }
                    .run(opening, rx)
                })
                .map_err(|e| store(StorageError::Io(e).into()))?
        };
        Ok(Disk {
            db,
            keyer: keyer.clone(),
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            shared,
            generation,
            min_generation,
        })
    }

    /// Whether the store still takes writes (it stops after an I/O error).
    pub(crate) fn healthy(&self) -> bool {
        !self.shared.failed.load(Ordering::Acquire)
    }

    /// Every invalidation and purge up to this epoch is on disk.
    pub(crate) fn committed_epoch(&self) -> u64 {
        self.shared.committed_epoch.load(Ordering::Acquire)
    }

    /// Queues a write. The caller sends under the memory lock, so the
    /// disk sees the writes in the order memory made them.
    pub(crate) fn send(&self, op: Op) {
        if let Some(tx) = lock(&self.tx).as_ref() {
            let _ = tx.send(op);
        }
    }

    /// Waits until every write queued so far is committed; `false` if the
    /// store failed or is closed.
    pub(crate) fn flush(&self) -> bool {
        let (ack, done) = mpsc::channel();
        self.send(Op::Flush(ack));
        done.recv().unwrap_or(false)
    }

    /// Waits until the run's opening write is durable (once; usually long
    /// done). Invalidations wait for it: if the process dies after one,
    /// the next run must know this run happened.
    pub(crate) fn wait_opened(&self) {
        let mut opened = lock(&self.shared.opened);
        while !*opened && self.healthy() {
            opened = self
                .shared
                .opened_cv
                .wait(opened)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// One entry, with whether it was invalidated. A record whose seal
    /// does not hold for `key` is absent: it is never served, and the
    /// writer drops it (logged).
    pub(crate) fn read(&self, key: &Key) -> Option<(Record, bool)> {
        let read = || -> Result<Option<(Record, bool)>, DbError> {
            #[cfg(test)]
            faults::hit(&self.shared.path, faults::Stage::Read);
            let txn = self.db.begin_read()?;
            let entries = match txn.open_table(ENTRIES) {
                Ok(t) => t,
                Err(TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let Some(bytes) = entries.get(key)? else {
                return Ok(None);
            };
            let record = match Record::unseal(bytes.value(), &self.keyer, key) {
                Ok(record) => record,
                Err(e) => {
                    log::warn!(
                        "mizan: a record in the cache store {} was dropped, not served: {e}",
                        self.shared.path.display()
                    );
                    self.send(Op::Drop { key: *key });
                    return Ok(None);
                }
            };
            let invalidated = match txn.open_table(INVALIDATED) {
                Ok(t) => t.get(key)?.is_some(),
                Err(TableError::TableDoesNotExist(_)) => false,
                Err(e) => return Err(e.into()),
            };
            Ok(Some((record, invalidated)))
        };
        match catch_unwind(AssertUnwindSafe(read)) {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => {
                log::warn!("mizan: reading the cache store failed: {e}");
                None
            }
            Err(payload) => {
                self.shared.panicked("reading", &*payload);
                None
            }
        }
    }

    /// Commits what is queued, marks the store closed cleanly and lets the
    /// file go (once the last reader is done).
    pub(crate) fn close(&self) {
        drop(lock(&self.tx).take());
        if let Some(writer) = lock(&self.writer).take() {
            let _ = writer.join();
        }
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        self.close();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Errors that mean "this file is not a store we can use": set it aside.
fn unusable(e: &DbError) -> bool {
    use redb::Error as E;
    match &*e.0 {
        E::Corrupted(_)
        | E::UpgradeRequired(_)
        | E::TableTypeMismatch { .. }
        | E::TableIsMultimap(_)
        | E::TableIsNotMultimap(_)
        | E::TypeDefinitionChanged { .. } => true,
        E::Io(io) => matches!(
            io.kind(),
            io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData
        ),
        _ => false,
    }
}

#[derive(Debug, Default)]
struct Meta {
    generation: u64,
    min_generation: u64,
    clean: bool,
    fingerprint: Option<Key>,
}

fn foreign(reason: impl Into<String>) -> DbError {
    redb::Error::Corrupted(reason.into()).into()
}

/// The store's metadata; a file with tables of its own or another format
/// is foreign.
fn read_meta(db: &Database) -> Result<Meta, DbError> {
    let txn = db.begin_read()?;
    for table in txn.list_tables()? {
        if !TABLES.contains(&table.name()) {
            return Err(foreign(format!("unknown table `{}`", table.name())));
        }
    }
    let meta = match txn.open_table(META) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => {
            if txn.list_tables()?.next().is_some() {
                return Err(foreign("tables without metadata"));
            }
            return Ok(Meta {
                clean: true,
                ..Meta::default()
            });
        }
        Err(e) => return Err(e.into()),
    };
    let u64_of = |name: &str| -> Result<Option<u64>, DbError> {
        Ok(match meta.get(name)? {
            None => None,
            Some(v) => {
                Some(u64::from_le_bytes(v.value().try_into().map_err(|_| {
                    foreign(format!("meta `{name}` is not a u64"))
                })?))
            }
        })
    };
    match u64_of("format")? {
        Some(FORMAT) => {}
        other => return Err(foreign(format!("format {other:?}, expected {FORMAT}"))),
    }
    let fingerprint = meta
        .get("fingerprint")?
        .map(|v| <Key>::try_from(v.value()))
        .transpose()
        .map_err(|_| foreign("bad fingerprint"))?;
    Ok(Meta {
        generation: u64_of("generation")?.unwrap_or(0),
        min_generation: u64_of("min_generation")?.unwrap_or(0),
        clean: u64_of("clean")?.unwrap_or(1) == 1,
        fingerprint,
    })
}

struct Writer {
    db: Arc<Database>,
    shared: Arc<WriterShared>,
    max_bytes: u64,
    keyer: Keyer,
}

/// Most writes committed in one transaction.
const BATCH: usize = 512;

impl Writer {
    /// Writes until the last sender is gone. A panic (redb on a crafted
    /// file) sets the store aside; the queued flushes answer `false`.
    fn run(self, opening: Opening, rx: mpsc::Receiver<Op>) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| self.work(opening, rx))) {
            self.shared.panicked("writing", &*payload);
        }
    }

    fn work(&self, opening: Opening, rx: mpsc::Receiver<Op>) {
        #[cfg(test)]
        faults::hit(&self.shared.path, faults::Stage::Opening);
        if let Err(e) = self.commit(|txn| open_run(txn, &opening)) {
            self.fail(&e);
        } else {
            *lock(&self.shared.opened) = true;
        }
        self.shared.opened_cv.notify_all();

        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(op) => batch.push(op),
                    Err(_) => break,
                }
            }
            if !self.healthy() {
                drain_acks(batch, false);
                continue;
            }
            let mut epoch = None;
            let result = self.commit(|txn| {
                for op in &batch {
                    match op {
                        Op::Put {
                            key,
                            record,
                            invalidated,
                        } => put(
                            txn,
                            key,
                            &record.seal(&self.keyer, key),
                            record,
                            *invalidated,
                            self.max_bytes,
                        )?,
                        Op::Drop { key } => drop_unsealed(txn, key, &self.keyer)?,
                        Op::Invalidate { targets, epoch: e } => {
                            invalidate(txn, targets)?;
                            epoch = Some(*e);
                        }
                        Op::Purge { identity, epoch: e } => {
                            purge(txn, identity.as_ref())?;
                            epoch = Some(*e);
                        }
                        Op::Flush(_) => {}
                    }
                }
                Ok(())
            });
            match result {
                Ok(()) => {
                    if let Some(e) = epoch {
                        self.shared.committed_epoch.store(e, Ordering::Release);
                    }
                }
                Err(e) => self.fail(&e),
            }
            drain_acks(batch, self.healthy());
        }
        // The last sender is gone: the store closes.
        if self.healthy() {
            if let Err(e) = self.commit(|txn| set_meta(txn, "clean", 1)) {
                self.fail(&e);
            }
        }
    }

    fn healthy(&self) -> bool {
        !self.shared.failed.load(Ordering::Acquire)
    }

    fn fail(&self, e: &DbError) {
        log::warn!(
            "mizan: writing the cache store {} failed ({e}); the cache goes on in memory",
            self.shared.path.display()
        );
        self.shared.fail();
    }

    fn commit(
        &self,
        body: impl FnOnce(&WriteTransaction) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate);
        txn.set_quick_repair(true);
        body(&txn)?;
        txn.commit()?;
        Ok(())
    }
}

fn drain_acks(batch: Vec<Op>, ok: bool) {
    for op in batch {
        if let Op::Flush(ack) = op {
            let _ = ack.send(ok);
        }
    }
}

fn set_meta(txn: &WriteTransaction, name: &str, value: u64) -> Result<(), DbError> {
    txn.open_table(META)?
        .insert(name, value.to_le_bytes().as_slice())?;
    Ok(())
}

fn get_meta(txn: &WriteTransaction, name: &str) -> Result<u64, DbError> {
    let meta = txn.open_table(META)?;
    let value = meta.get(name)?;
    Ok(value
        .and_then(|v| <[u8; 8]>::try_from(v.value()).ok())
        .map_or(0, u64::from_le_bytes))
}

fn open_run(txn: &WriteTransaction, opening: &Opening) -> Result<(), DbError> {
    if opening.clear {
        purge(txn, None)?;
    }
    // Create every table, so a reader finds the layout complete.
    txn.open_table(ENTRIES)?;
    txn.open_table(INVALIDATED)?;
    txn.open_table(BY_CONTEXT)?;
    txn.open_table(BY_AGE)?;
    txn.open_table(BY_IDENTITY)?;
    set_meta(txn, "format", FORMAT)?;
    set_meta(txn, "generation", opening.generation)?;
    set_meta(txn, "min_generation", opening.min_generation)?;
    set_meta(txn, "clean", 0)?;
    txn.open_table(META)?
        .insert("fingerprint", opening.fingerprint.as_slice())?;
    Ok(())
}

/// Removes one entry and its index rows; returns its cost.
fn remove(txn: &WriteTransaction, key: &Key) -> Result<u64, DbError> {
    let Some(bytes) = txn
        .open_table(ENTRIES)?
        .remove(key)?
        .map(|v| v.value().to_vec())
    else {
        return Ok(0);
    };
    txn.open_table(INVALIDATED)?.remove(key)?;
    let Some(old) = Record::unchecked(&bytes) else {
        // Undecodable: its index rows cannot be found by value; they are
        // dropped when they are next met (see `invalidate`).
        return Ok(bytes.len() as u64);
    };
    txn.open_table(BY_CONTEXT)?
        .remove((old.context.as_str(), *key))?;
    txn.open_table(BY_AGE)?.remove((old.stored_at, *key))?;
    txn.open_table(BY_IDENTITY)?.remove((old.identity, *key))?;
    Ok(old.cost())
}

/// Stores `record` (`sealed`: its bytes) under `key`.
fn put(
    txn: &WriteTransaction,
    key: &Key,
    sealed: &[u8],
    record: &Record,
    invalidated: bool,
    max_bytes: u64,
) -> Result<(), DbError> {
    let mut bytes = get_meta(txn, "bytes")?.saturating_sub(remove(txn, key)?);
    let params = serde_json::to_vec(&record.params).expect("params serialize");
    txn.open_table(ENTRIES)?.insert(key, sealed)?;
    txn.open_table(BY_CONTEXT)?
        .insert((record.context.as_str(), *key), params.as_slice())?;
    txn.open_table(BY_AGE)?
        .insert((record.stored_at, *key), ())?;
    txn.open_table(BY_IDENTITY)?
        .insert((record.identity, *key), ())?;
    if invalidated {
        txn.open_table(INVALIDATED)?.insert(key, ())?;
    }
    bytes += record.cost();
    // Evict the oldest until the bound holds (never the entry just put).
    while bytes > max_bytes {
        let oldest = {
            let by_age = txn.open_table(BY_AGE)?;
            let mut iter = by_age.iter()?;
            let mut found = None;
            for row in iter.by_ref() {
                let (k, _) = row?;
                let (_, candidate) = k.value();
                if &candidate != key {
                    found = Some(k.value());
                    break;
                }
            }
            found
        };
        let Some((stored_at, victim)) = oldest else {
            break;
        };
        let freed = remove(txn, &victim)?;
        // An index row whose entry is gone: drop the row itself.
        txn.open_table(BY_AGE)?.remove((stored_at, victim))?;
        bytes = bytes.saturating_sub(freed);
    }
    set_meta(txn, "bytes", bytes)
}

/// Removes the entry under `key` if its seal does not hold (checked again:
/// a put may have replaced it since it was read).
fn drop_unsealed(txn: &WriteTransaction, key: &Key, keyer: &Keyer) -> Result<(), DbError> {
    let unsealed = match txn.open_table(ENTRIES)?.get(key)? {
        Some(bytes) => Record::unseal(bytes.value(), keyer, key).is_err(),
        None => false,
    };
    if unsealed {
        let bytes = get_meta(txn, "bytes")?.saturating_sub(remove(txn, key)?);
        set_meta(txn, "bytes", bytes)?;
    }
    Ok(())
}

/// Marks the entries each target reaches; the cost grows with the entries
/// of the target's context.
fn invalidate(txn: &WriteTransaction, targets: &[Target]) -> Result<(), DbError> {
    let mut reached = Vec::new();
    {
        let by_context = txn.open_table(BY_CONTEXT)?;
        for target in targets {
            let lo = (target.context.as_str(), [0u8; 32]);
            let hi = (target.context.as_str(), [0xffu8; 32]);
            for row in by_context.range(lo..=hi)? {
                let (k, v) = row?;
                let (_, key) = k.value();
                let hit = match serde_json::from_slice(v.value()) {
                    Ok(params) => reaches(target, &target.context, &params),
                    // Unreadable params: invalidate when in doubt.
                    Err(_) => true,
                };
                if hit {
                    reached.push(key);
                }
            }
        }
    }
    let mut invalidated = txn.open_table(INVALIDATED)?;
    for key in reached {
        invalidated.insert(key, ())?;
    }
    Ok(())
}

fn purge(txn: &WriteTransaction, identity: Option<&Key>) -> Result<(), DbError> {
    match identity {
        None => {
            drop_all(txn)?;
            set_meta(txn, "bytes", 0)
        }
        Some(tag) => {
            let keys: Vec<Key> = {
                let by_identity = txn.open_table(BY_IDENTITY)?;
                let range = by_identity.range((*tag, [0u8; 32])..=(*tag, [0xffu8; 32]))?;
                range
                    .map(|row| row.map(|(k, _)| k.value().1))
                    .collect::<Result<_, _>>()?
            };
            let mut bytes = get_meta(txn, "bytes")?;
            for key in keys {
                bytes = bytes.saturating_sub(remove(txn, &key)?);
                txn.open_table(BY_IDENTITY)?.remove((*tag, key))?;
            }
            set_meta(txn, "bytes", bytes)
        }
    }
}

/// Empties every table but the metadata.
fn drop_all(txn: &WriteTransaction) -> Result<(), DbError> {
    txn.delete_table(ENTRIES)?;
    txn.delete_table(INVALIDATED)?;
    txn.delete_table(BY_CONTEXT)?;
    txn.delete_table(BY_AGE)?;
    txn.delete_table(BY_IDENTITY)?;
    Ok(())
}

/// The number of entries on disk (tests and benchmarks).
#[cfg(test)]
pub(crate) fn count(disk: &Disk) -> u64 {
    use redb::ReadableTableMetadata;
    let txn = disk.db.begin_read().unwrap();
    txn.open_table(ENTRIES).map_or(0, |t| t.len().unwrap())
}

/// Panics injected where redb might panic on a crafted file (tests only):
/// each registered (file, stage) panics once.
#[cfg(test)]
pub(crate) mod faults {
    use std::{
        path::{Path, PathBuf},
        sync::Mutex,
    };

    /// Where the panic happens.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Stage {
        /// Opening the file, before the writer starts.
        Open,
        /// The writer's first commit.
        Opening,
        /// A point read.
        Read,
    }

    static PLANNED: Mutex<Vec<(PathBuf, Stage)>> = Mutex::new(Vec::new());

    /// The next `stage` on the store file `path` panics.
    pub(crate) fn panic_at(path: &Path, stage: Stage) {
        super::lock(&PLANNED).push((path.to_owned(), stage));
    }

    /// Panics if a panic is planned here.
    pub(super) fn hit(path: &Path, stage: Stage) {
        let mut planned = super::lock(&PLANNED);
        if let Some(i) = planned.iter().position(|(p, s)| p == path && *s == stage) {
            planned.remove(i);
            drop(planned);
            panic!("an injected panic in redb ({stage:?})");
        }
    }
}
