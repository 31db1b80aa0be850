//! Chunked uploads in progress: begun by one webview, filled chunk by
//! chunk in order, removed when complete, cancelled or expired.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use crate::{
    core::{
        auth::Identity,
        error::{ArgProblem, CallError},
    },
    upload::frame::{invalid, CallMeta},
};

/// At most this many chunked uploads in progress at once (all windows).
pub(crate) const MAX_PENDING: usize = 16;
/// At most this many chunked uploads in progress for one window.
pub(crate) const MAX_PER_WINDOW: usize = 4;

/// What the uploads in progress may hold, by their declared sizes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// One window's uploads together (`max_upload_bytes`).
    pub(crate) window_bytes: usize,
    /// Every window's uploads together (`max_upload_memory`).
    pub(crate) total_bytes: usize,
    /// An upload no chunk reached for this long is dropped.
    pub(crate) expiry: Duration,
}

/// One upload in progress.
#[derive(Debug)]
pub(crate) struct Pending {
    /// The webview that began it: only it may send chunks or cancel it.
    webview: String,
    /// Who it was begun as: every chunk must come from the same identity.
    identity: Option<Identity>,
    pub(crate) meta: CallMeta,
    total: usize,
    pub(crate) bytes: Vec<u8>,
    touched: Instant,
}

/// What a chunk did.
#[derive(Debug)]
pub(crate) enum Progress {
    /// More to come: this many bytes so far.
    Received(usize),
    /// The last one: the upload, removed from the store.
    Complete(Pending),
}

#[derive(Debug, Default)]
struct Table {
    pending: HashMap<String, Pending>,
    /// A task is sweeping expired uploads.
    sweeping: bool,
}

/// The uploads in progress, by id.
#[derive(Debug, Default)]
pub(crate) struct Uploads {
    table: Arc<Mutex<Table>>,
}

fn lock(table: &Mutex<Table>) -> MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Uploads {
    /// Starts an upload of `total` bytes (already checked against the
    /// limit) for `webview`, begun as `identity`, within `bounds`; drops
    /// the expired ones first. Returns its id. Too many uploads in
    /// progress is `invalid_args`; too many bytes, `payload_too_large`.
    pub(crate) fn begin(
        &self,
        webview: &str,
        identity: Option<Identity>,
        meta: CallMeta,
        total: usize,
        bounds: Bounds,
    ) -> Result<String, CallError> {
        let mut table = lock(&self.table);
        sweep(&mut table.pending, bounds.expiry);
        let pending = &table.pending;
        let (mine, mine_bytes) = pending
            .values()
            .filter(|p| p.webview == webview)
            .fold((0, 0usize), |(n, bytes), p| (n + 1, bytes + p.total));
        let all_bytes: usize = pending.values().map(|p| p.total).sum();
        if pending.len() >= MAX_PENDING {
            return Err(busy(
                format!("fewer than {MAX_PENDING} uploads in progress in the app"),
                "try again once one finished",
            ));
        }
        if mine >= MAX_PER_WINDOW {
            return Err(busy(
                format!("fewer than {MAX_PER_WINDOW} uploads in progress in this window"),
                "finish or cancel one first",
            ));
        }
        for (held, limit) in [
            (mine_bytes, bounds.window_bytes),
            (all_bytes, bounds.total_bytes),
        ] {
            let size = held.saturating_add(total);
            if size > limit {
                return Err(CallError::PayloadTooLarge { size, limit });
            }
        }
        let id = new_id()?;
        table.pending.insert(
            id.clone(),
            Pending {
                webview: webview.to_owned(),
                identity,
                meta,
                total,
                bytes: Vec::new(),
                touched: Instant::now(),
            },
        );
        if !table.sweeping {
            table.sweeping = true;
            sweeper(self.table.clone(), bounds.expiry);
        }
        Ok(id)
    }

    /// The function an upload of `webview` calls (to admit the caller of
    /// a chunk before it is taken).
    pub(crate) fn function(&self, webview: &str, id: &str) -> Result<String, CallError> {
        let table = lock(&self.table);
        table
            .pending
            .get(id)
            .filter(|p| p.webview == webview)
            .map(|p| p.meta.function.clone())
            .ok_or_else(|| unknown(id))
    }

    /// Adds a chunk at `offset`, sent as `identity`. A chunk for an unknown
    /// (or another webview's, or expired) upload, at another offset than
    /// the bytes received so far, or past the declared total is refused
    /// and changes nothing. A chunk from another identity than the
    /// upload's ends it (`unauthorized`, `identity_changed`).
    pub(crate) fn chunk(
        &self,
        webview: &str,
        id: &str,
        identity: Option<&Identity>,
        offset: u64,
        chunk: &[u8],
        expiry: Duration,
    ) -> Result<Progress, CallError> {
        let mut table = lock(&self.table);
        let pending = &mut table.pending;
        sweep(pending, expiry);
        let upload = pending
            .get_mut(id)
            .filter(|p| p.webview == webview)
            .ok_or_else(|| unknown(id))?;
        if upload.identity.as_ref() != identity {
            pending.remove(id);
            return Err(CallError::IdentityChanged);
        }
        let received = upload.bytes.len();
        if offset != received as u64 {
            return Err(invalid(
                "offset",
                format!("chunk at offset {offset}, expected {received}: chunks go in order"),
            ));
        }
        if chunk.len() > upload.total - received {
            return Err(invalid(
                "body",
                format!(
                    "{} bytes past the {} declared",
                    received + chunk.len() - upload.total,
                    upload.total
                ),
            ));
        }
        // Grow by doubling, never past the declared total: memory follows
        // the bytes that arrived, not what a request declared.
        let need = received + chunk.len();
        if need > upload.bytes.capacity() {
            let grown = (upload.bytes.capacity() * 2).max(need).min(upload.total);
            upload.bytes.reserve_exact(grown - received);
        }
        upload.bytes.extend_from_slice(chunk);
        upload.touched = Instant::now();
        if upload.bytes.len() < upload.total {
            return Ok(Progress::Received(upload.bytes.len()));
        }
        let done = pending.remove(id).ok_or_else(|| unknown(id))?;
        Ok(Progress::Complete(done))
    }

    /// Removes an upload of `webview`; whether there was one.
    pub(crate) fn cancel(&self, webview: &str, id: &str) -> bool {
        let mut table = lock(&self.table);
        if table.pending.get(id).is_some_and(|p| p.webview == webview) {
            table.pending.remove(id);
            true
        } else {
            false
        }
    }

    /// Drops every upload `webview` began (its page reloaded or its window
    /// closed); how many there were.
    pub(crate) fn drop_webview(&self, webview: &str) -> usize {
        self.drop_where(|p| p.webview == webview)
    }

    /// Drops every upload begun as the identity `id` (who is signed in
    /// changed); how many there were.
    pub(crate) fn end_identity(&self, id: &str) -> usize {
        self.drop_where(|p| p.identity.as_ref().is_some_and(|i| i.id == id))
    }

    fn drop_where(&self, gone: impl Fn(&Pending) -> bool) -> usize {
        let mut table = lock(&self.table);
        let before = table.pending.len();
        table.pending.retain(|_, p| !gone(p));
        before - table.pending.len()
    }

    /// The uploads in progress and the bytes they hold.
    pub(crate) fn usage(&self) -> (usize, usize) {
        let table = lock(&self.table);
        (
            table.pending.len(),
            table.pending.values().map(|p| p.bytes.capacity()).sum(),
        )
    }
}

/// Drops the uploads no chunk touched for `expiry`.
fn sweep(pending: &mut HashMap<String, Pending>, expiry: Duration) {
    let now = Instant::now();
    pending.retain(|_, p| now.duration_since(p.touched) < expiry);
}

/// Sweeps on a timer while uploads are in progress: each is dropped once
/// `expiry` has passed since its last chunk, even if no request comes.
fn sweeper(table: Arc<Mutex<Table>>, expiry: Duration) {
    tauri::async_runtime::spawn(async move {
        loop {
            let wait = {
                let mut table = lock(&table);
                sweep(&mut table.pending, expiry);
                match table.pending.values().map(|p| p.touched).min() {
                    Some(oldest) => (oldest + expiry).saturating_duration_since(Instant::now()),
                    None => {
                        table.sweeping = false;
                        return;
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    });
}

/// `invalid_args`: no room for another upload.
fn busy(expected: String, message: &str) -> CallError {
    CallError::InvalidArgs(vec![ArgProblem {
        name: "upload".to_owned(),
        problem: "invalid",
        expected: Some(expected),
        message: Some(message.to_owned()),
    }])
}

fn unknown(id: &str) -> CallError {
    invalid(
        "id",
        format!("no upload `{id}` in progress for this window (never begun, finished, cancelled, expired, or ended by a change of identity)"),
    )
}

/// 128 random bits, hex.
fn new_id() -> Result<String, CallError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| CallError::internal(format!("no random id for an upload: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> CallMeta {
        CallMeta {
            function: "f".into(),
            args: None,
            files: Vec::new(),
        }
    }

    const LONG: Duration = Duration::from_secs(60);

    const ROOMY: Bounds = Bounds {
        window_bytes: 1 << 20,
        total_bytes: 1 << 20,
        expiry: LONG,
    };

    fn begin(u: &Uploads, webview: &str, total: usize) -> Result<String, CallError> {
        u.begin(webview, None, meta(), total, ROOMY)
    }

    #[test]
    fn in_order_then_complete() {
        let u = Uploads::default();
        let id = begin(&u, "w", 4).unwrap();
        assert_eq!(u.function("w", &id).unwrap(), "f");
        assert!(u.function("other", &id).is_err());
        assert!(u.chunk("other", &id, None, 0, b"ab", LONG).is_err());
        assert!(u.chunk("w", &id, None, 2, b"ab", LONG).is_err());
        assert!(matches!(
            u.chunk("w", &id, None, 0, b"ab", LONG),
            Ok(Progress::Received(2))
        ));
        assert!(u.chunk("w", &id, None, 2, b"abc", LONG).is_err());
        let Ok(Progress::Complete(p)) = u.chunk("w", &id, None, 2, b"cd", LONG) else {
            panic!("complete")
        };
        assert_eq!(p.bytes, b"abcd");
        assert_eq!(u.usage(), (0, 0));
    }

    #[test]
    fn expires_and_cancels() {
        let u = Uploads::default();
        let id = begin(&u, "w", 4).unwrap();
        u.chunk("w", &id, None, 0, b"a", LONG).unwrap();
        assert!(!u.cancel("other", &id));
        assert!(u.cancel("w", &id));
        assert!(u.chunk("w", &id, None, 1, b"b", LONG).is_err());
        let id = begin(&u, "w", 4).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(u
            .chunk("w", &id, None, 0, b"a", Duration::from_millis(1))
            .is_err());
        assert_eq!(u.usage(), (0, 0));
    }

    #[test]
    fn a_page_that_goes_away_takes_its_uploads() {
        let u = Uploads::default();
        let mine = begin(&u, "w", 4).unwrap();
        u.chunk("w", &mine, None, 0, b"a", LONG).unwrap();
        let theirs = begin(&u, "other", 4).unwrap();
        assert_eq!(u.drop_webview("w"), 1);
        assert!(u.chunk("w", &mine, None, 1, b"b", LONG).is_err());
        assert!(u.chunk("other", &theirs, None, 0, b"a", LONG).is_ok());
        assert_eq!(u.drop_webview("w"), 0);
    }

    #[test]
    fn an_identity_keeps_its_uploads_to_itself() {
        let u = Uploads::default();
        let ada = Identity::new("ada");
        let bob = Identity::new("bob");
        let first = u.begin("w", Some(ada.clone()), meta(), 4, ROOMY).unwrap();
        let second = u.begin("w", Some(ada.clone()), meta(), 4, ROOMY).unwrap();
        let anonymous = begin(&u, "w", 4).unwrap();
        u.chunk("w", &first, Some(&ada), 0, b"a", LONG).unwrap();
        // A chunk as another identity ends the upload.
        assert!(matches!(
            u.chunk("w", &first, Some(&bob), 1, b"b", LONG),
            Err(CallError::IdentityChanged)
        ));
        assert!(u.chunk("w", &first, Some(&ada), 1, b"b", LONG).is_err());
        assert_eq!(u.end_identity("ada"), 1, "the second one");
        assert!(u.function("w", &second).is_err());
        assert!(u.function("w", &anonymous).is_ok());
    }

    #[test]
    fn bounded_per_window_and_in_all() {
        let u = Uploads::default();
        let held: Vec<String> = (0..MAX_PER_WINDOW)
            .map(|_| begin(&u, "w", 1).unwrap())
            .collect();
        assert!(matches!(begin(&u, "w", 1), Err(CallError::InvalidArgs(_))));
        for n in MAX_PER_WINDOW..MAX_PENDING {
            begin(&u, &format!("w{n}"), 1).unwrap();
        }
        assert!(matches!(begin(&u, "x", 1), Err(CallError::InvalidArgs(_))));
        assert!(u.cancel("w", &held[0]));
        begin(&u, "x", 1).unwrap();

        let u = Uploads::default();
        let bounds = Bounds {
            window_bytes: 10,
            total_bytes: 15,
            expiry: LONG,
        };
        let take = |w: &str, n: usize| u.begin(w, None, meta(), n, bounds);
        take("a", 6).unwrap();
        assert!(matches!(
            take("a", 5),
            Err(CallError::PayloadTooLarge {
                size: 11,
                limit: 10
            })
        ));
        take("a", 4).unwrap();
        assert!(matches!(
            take("b", 6),
            Err(CallError::PayloadTooLarge {
                size: 16,
                limit: 15
            })
        ));
        take("b", 5).unwrap();
    }
}
