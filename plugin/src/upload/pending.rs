//! Chunked uploads in progress: begun by one webview, filled chunk by
//! chunk in order, removed when complete, cancelled or expired.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use crate::{
    core::error::CallError,
    upload::frame::{invalid, CallMeta},
};

/// At most this many chunked uploads in progress at once (all webviews).
pub(crate) const MAX_PENDING: usize = 16;

/// One upload in progress.
#[derive(Debug)]
pub(crate) struct Pending {
    /// The webview that began it: only it may send chunks or cancel it.
    webview: String,
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

/// The uploads in progress, by id.
#[derive(Debug, Default)]
pub(crate) struct Uploads {
    pending: Mutex<HashMap<String, Pending>>,
}

impl Uploads {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts an upload of `total` bytes (already checked against the
    /// limit) for `webview`; drops the expired ones first. Returns its id.
    pub(crate) fn begin(
        &self,
        webview: &str,
        meta: CallMeta,
        total: usize,
        expiry: Duration,
    ) -> Result<String, CallError> {
        let mut pending = self.lock();
        sweep(&mut pending, expiry);
        if pending.len() >= MAX_PENDING {
            return Err(invalid(
                "upload",
                format!("{MAX_PENDING} uploads are already in progress: finish or cancel one"),
            ));
        }
        let id = new_id()?;
        pending.insert(
            id.clone(),
            Pending {
                webview: webview.to_owned(),
                meta,
                total,
                bytes: Vec::new(),
                touched: Instant::now(),
            },
        );
        Ok(id)
    }

    /// Adds a chunk at `offset`. A chunk for an unknown (or another
    /// webview's, or expired) upload, at another offset than the bytes
    /// received so far, or past the declared total is refused and changes
    /// nothing.
    pub(crate) fn chunk(
        &self,
        webview: &str,
        id: &str,
        offset: u64,
        chunk: &[u8],
        expiry: Duration,
    ) -> Result<Progress, CallError> {
        let mut pending = self.lock();
        sweep(&mut pending, expiry);
        let upload = pending
            .get_mut(id)
            .filter(|p| p.webview == webview)
            .ok_or_else(|| unknown(id))?;
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
        let mut pending = self.lock();
        if pending.get(id).is_some_and(|p| p.webview == webview) {
            pending.remove(id);
            true
        } else {
            false
        }
    }

    /// Drops every upload `webview` began (its page reloaded or its window
    /// closed); how many there were.
    pub(crate) fn drop_webview(&self, webview: &str) -> usize {
        let mut pending = self.lock();
        let before = pending.len();
        pending.retain(|_, p| p.webview != webview);
        before - pending.len()
    }

    /// The uploads in progress and the bytes they hold.
    pub(crate) fn usage(&self) -> (usize, usize) {
        let pending = self.lock();
        (
            pending.len(),
            pending.values().map(|p| p.bytes.capacity()).sum(),
        )
    }
}

/// Drops the uploads no chunk touched for `expiry`.
fn sweep(pending: &mut HashMap<String, Pending>, expiry: Duration) {
    let now = Instant::now();
    pending.retain(|_, p| now.duration_since(p.touched) < expiry);
}

fn unknown(id: &str) -> CallError {
    invalid(
        "id",
        format!("no upload `{id}` in progress for this window (never begun, finished, cancelled or expired)"),
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

    #[test]
    fn in_order_then_complete() {
        let u = Uploads::default();
        let id = u.begin("w", meta(), 4, LONG).unwrap();
        assert!(u.chunk("other", &id, 0, b"ab", LONG).is_err());
        assert!(u.chunk("w", &id, 2, b"ab", LONG).is_err());
        assert!(matches!(
            u.chunk("w", &id, 0, b"ab", LONG),
            Ok(Progress::Received(2))
        ));
        assert!(u.chunk("w", &id, 2, b"abc", LONG).is_err());
        let Ok(Progress::Complete(p)) = u.chunk("w", &id, 2, b"cd", LONG) else {
            panic!("complete")
        };
        assert_eq!(p.bytes, b"abcd");
        assert_eq!(u.usage(), (0, 0));
    }

    #[test]
    fn expires_and_cancels() {
        let u = Uploads::default();
        let id = u.begin("w", meta(), 4, LONG).unwrap();
        u.chunk("w", &id, 0, b"a", LONG).unwrap();
        assert!(!u.cancel("other", &id));
        assert!(u.cancel("w", &id));
        assert!(u.chunk("w", &id, 1, b"b", LONG).is_err());
        let id = u.begin("w", meta(), 4, LONG).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(u
            .chunk("w", &id, 0, b"a", Duration::from_millis(1))
            .is_err());
        assert_eq!(u.usage(), (0, 0));
    }

    #[test]
    fn a_page_that_goes_away_takes_its_uploads() {
        let u = Uploads::default();
        let mine = u.begin("w", meta(), 4, LONG).unwrap();
        u.chunk("w", &mine, 0, b"a", LONG).unwrap();
        let theirs = u.begin("other", meta(), 4, LONG).unwrap();
        assert_eq!(u.drop_webview("w"), 1);
        assert!(u.chunk("w", &mine, 1, b"b", LONG).is_err());
        assert!(u.chunk("other", &theirs, 0, b"a", LONG).is_ok());
        assert_eq!(u.drop_webview("w"), 0);
    }

    #[test]
    fn bounded() {
        let u = Uploads::default();
        for _ in 0..MAX_PENDING {
            u.begin("w", meta(), 1, LONG).unwrap();
        }
        assert!(u.begin("w", meta(), 1, LONG).is_err());
    }
}
