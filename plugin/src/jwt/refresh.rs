//! Refresh tokens with rotation and reuse detection (RFC 9700, 4.14.2).
//!
//! A refresh token is 32 random bytes from the OS, base64url; only its
//! SHA-256 is recorded. The tokens that descend from one sign-in form a
//! family. Every refresh retires the token presented and issues its
//! successor; a retired token presented again means it leaked (the thief or
//! the owner used it first), so the whole family is revoked and neither can
//! refresh again. The one exception is the configured grace window: a
//! retired token presented within it, while its successor has never been
//! used, is taken as a retry after a lost answer and rotates again.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Identity;

/// What the store records of one refresh token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRecord {
    /// The family: every token descending from one sign-in.
    pub family: String,
    /// The subject's id.
    pub subject: String,
    /// The subject's roles, as issued.
    pub roles: Vec<String>,
    /// Seconds since the Unix epoch after which the token is refused.
    pub expires_at: u64,
    /// Set once the token was exchanged for its successor.
    pub retired: Option<Retired>,
}

/// When a refresh token was exchanged, and for which successor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retired {
    /// Seconds since the Unix epoch.
    pub at: u64,
    /// The successor's key in the store.
    pub successor: String,
}

/// A store could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the refresh token store failed: {0}")]
pub struct StoreError(pub String);

/// Where an issuing app records its refresh tokens, keyed by the SHA-256
/// of each token. A rotation first retires the token presented with
/// [`retire`](Self::retire), a compare-and-swap, then records its
/// successor: of two rotations of one token at once, one retires it and
/// the other meets a retired token (a reuse). The plugin serialises
/// rotations within its process; the default `retire` reads then writes,
/// which is enough there. A store that several processes share (two
/// instances of the app over one database) overrides `retire` with one
/// conditional write, or two processes can both rotate one token.
///
/// The default, [`MemoryRefreshStore`], forgets everything when the app
/// quits; an app that wants sign-ins to survive a restart implements this
/// over its database.
pub trait RefreshStore: Send + Sync + 'static {
    /// The record under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<RefreshRecord>, StoreError>;
    /// Writes the record under `key`, replacing any.
    fn put(&self, key: &str, record: RefreshRecord) -> Result<(), StoreError>;
    /// Removes every record of `family`.
    fn revoke_family(&self, family: &str) -> Result<(), StoreError>;

    /// Marks the record under `key` retired, only if it exists and is not
    /// retired yet, in one step: `Ok(true)` if this call retired it. The
    /// default reads then writes; over SQL, one statement:
    /// `UPDATE refresh SET retired_at = ?, successor = ? WHERE key = ?
    /// AND retired_at IS NULL`, true when it changed a row.
    fn retire(&self, key: &str, retired: Retired) -> Result<bool, StoreError> {
        match self.get(key)? {
            Some(record) if record.retired.is_none() => {
                let retired = RefreshRecord {
                    retired: Some(retired),
                    ..record
                };
                self.put(key, retired)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// A [`RefreshStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryRefreshStore {
    records: Mutex<HashMap<String, RefreshRecord>>,
}

impl MemoryRefreshStore {
    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, RefreshRecord>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many records it holds (retired ones included).
    pub fn len(&self) -> usize {
        self.records().len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl RefreshStore for MemoryRefreshStore {
    fn get(&self, key: &str) -> Result<Option<RefreshRecord>, StoreError> {
        Ok(self.records().get(key).cloned())
    }

    fn put(&self, key: &str, record: RefreshRecord) -> Result<(), StoreError> {
        self.records().insert(key.to_owned(), record);
        Ok(())
    }

    fn revoke_family(&self, family: &str) -> Result<(), StoreError> {
        self.records().retain(|_, r| r.family != family);
        Ok(())
    }

    /// Atomic: under the map's lock.
    fn retire(&self, key: &str, retired: Retired) -> Result<bool, StoreError> {
        let mut records = self.records();
        match records.get_mut(key) {
            Some(record) if record.retired.is_none() => {
                record.retired = Some(retired);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// Why issuing, refreshing or signing in failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// Never issued here, or its family was revoked.
    #[error("the refresh token is not known (never issued, or revoked)")]
    Unknown,
    /// Past its lifetime.
    #[error("the refresh token has expired")]
    Expired,
    /// It was already exchanged: its whole family is now revoked.
    #[error("the refresh token was already used; its family is revoked")]
    Reused,
    /// This app issues no tokens (no signing key), or no refresher is
    /// configured for tokens of another issuer.
    #[error("no way to refresh: {0}")]
    Unsupported(&'static str),
    /// The app's refresher failed.
    #[error("the refresher failed: {0}")]
    Refresher(String),
    /// An access token could not be signed.
    #[error("the access token could not be signed: {0}")]
    Signing(String),
    /// An access token given to sign in with, or coming back from the
    /// refresher, does not verify.
    #[error(transparent)]
    Refused(#[from] super::TokenRefusal),
    /// The configuration cannot work (no verifying key, a signing key
    /// without its verifying key).
    #[error("the JWT configuration cannot work: {0}")]
    Config(&'static str),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The rotation rules over a store.
pub(crate) struct Rotation {
    store: std::sync::Arc<dyn RefreshStore>,
    ttl: u64,
    grace: u64,
    /// One rotation at a time: a token presented twice at once is one
    /// exchange and one reuse, never two exchanges.
    lock: Mutex<()>,
}

impl Rotation {
    pub(crate) fn new(store: std::sync::Arc<dyn RefreshStore>, ttl: u64, grace: u64) -> Self {
        Rotation {
            store,
            ttl,
            grace,
            lock: Mutex::new(()),
        }
    }

    /// A new family for `subject`: its first refresh token.
    pub(crate) fn start(&self, subject: &Identity, now: u64) -> Result<String, JwtError> {
        let family = random_token()?;
        let (token, key) = new_token()?;
        self.store.put(&key, self.record(family, subject, now))?;
        Ok(token)
    }

    /// Retires `token` and issues its successor; answers the subject.
    pub(crate) fn rotate(&self, token: &str, now: u64) -> Result<(String, Identity), JwtError> {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let key = token_key(token);
        let record = self.store.get(&key)?.ok_or(JwtError::Unknown)?;
        let (key, record) = match &record.retired {
            None => (key, record),
            Some(retired) => self.retry(&record, retired, now)?,
        };
        if record.expires_at <= now {
            return Err(JwtError::Expired);
        }
        let subject = Identity {
            id: record.subject.clone(),
            roles: record.roles.clone(),
        };
        let (successor, successor_key) = new_token()?;
        let retired = Retired {
            at: now,
            successor: successor_key.clone(),
        };
        // Retired first, in one step: another rotation of this token (in
        // another process sharing the store) that read it unretired too
        // loses here, as a reuse.
        if !self.store.retire(&key, retired)? {
            self.store.revoke_family(&record.family)?;
            return Err(JwtError::Reused);
        }
        self.store
            .put(&successor_key, self.record(record.family, &subject, now))?;
        Ok((successor, subject))
    }

    /// A retired token presented again: within the grace window, while its
    /// successor is unused, the successor is what gets rotated; otherwise
    /// the family is revoked.
    fn retry(
        &self,
        record: &RefreshRecord,
        retired: &Retired,
        now: u64,
    ) -> Result<(String, RefreshRecord), JwtError> {
        let in_grace = self.grace > 0 && now.saturating_sub(retired.at) <= self.grace;
        if in_grace {
            if let Some(successor) = self.store.get(&retired.successor)? {
                if successor.retired.is_none() {
                    return Ok((retired.successor.clone(), successor));
                }
            }
        }
        self.store.revoke_family(&record.family)?;
        Err(JwtError::Reused)
    }

    /// Revokes the family of `token` (sign-out). Unknown tokens are
    /// ignored.
    pub(crate) fn revoke(&self, token: &str) -> Result<(), JwtError> {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(record) = self.store.get(&token_key(token))? {
            self.store.revoke_family(&record.family)?;
        }
        Ok(())
    }

    fn record(&self, family: String, subject: &Identity, now: u64) -> RefreshRecord {
        RefreshRecord {
            family,
            subject: subject.id.clone(),
            roles: subject.roles.clone(),
            expires_at: now.saturating_add(self.ttl),
            retired: None,
        }
    }
}

/// 32 random bytes from the OS, base64url.
fn random_token() -> Result<String, JwtError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| JwtError::Store(StoreError(format!("no OS randomness: {e}"))))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A new refresh token and its key in the store.
fn new_token() -> Result<(String, String), JwtError> {
    let token = random_token()?;
    let key = token_key(&token);
    Ok((token, key))
}

/// The store key of a token: its SHA-256, base64url.
fn token_key(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}
