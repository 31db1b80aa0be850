//! Mode (b): the Rust side holds the signed-in user's tokens. A call asks
//! for the current identity; an expired access token is refreshed once,
//! however many calls meet it at the same time, and a failed refresh signs
//! the user out.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use serde::Serialize;

use super::vault::TokenVault;
use crate::Identity;

/// Trades a refresh token for a new pair, for tokens of another issuer.
pub(crate) type Refresher = Arc<dyn Fn(&str) -> Result<super::TokenPair, String> + Send + Sync>;

/// Told of every change of who is signed in.
pub(crate) type Listener = Arc<dyn Fn(&IdentityChange) + Send + Sync>;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Someone signed in where no one was.
    SignedIn,
    /// The user signed out, or their session ended (a failed refresh,
    /// a revoked family).
    SignedOut,
    /// Another user signed in over the previous one.
    Switched,
}

/// A change of who is signed in: the payload of the identity event. It
/// never carries a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct IdentityChange {
    /// What changed.
    pub change: ChangeKind,
    /// Who is signed in now; `null` after a sign-out.
    pub identity: Option<Identity>,
    /// The id of who was signed in before; `null` if no one was.
    pub previous: Option<String>,
}

impl IdentityChange {
    /// The change from `previous` to `current`, if the subject changed.
    pub(crate) fn between(previous: Option<&Identity>, current: Option<&Identity>) -> Option<Self> {
        let change = match (previous, current) {
            (None, None) => return None,
            (Some(p), Some(c)) if p == c => return None,
            (None, Some(_)) => ChangeKind::SignedIn,
            (Some(_), None) => ChangeKind::SignedOut,
            (Some(_), Some(_)) => ChangeKind::Switched,
        };
        Some(IdentityChange {
            change,
            identity: current.cloned(),
            previous: previous.map(|p| p.id.clone()),
        })
    }
}

/// The tokens held for the signed-in user.
pub(crate) struct Held {
    pub(crate) access: String,
    pub(crate) refresh: String,
    pub(crate) identity: Identity,
    pub(crate) expires_at: u64,
}

impl Held {
    fn fresh(&self, now: u64) -> bool {
        now < self.expires_at
    }
}

/// Who is signed in, the listeners of changes, and where the refresh token
/// is kept between runs.
#[derive(Default)]
pub(crate) struct Session {
    held: RwLock<Option<Held>>,
    listeners: Mutex<Vec<Listener>>,
    vault: Option<Arc<dyn TokenVault>>,
}

impl Session {
    pub(crate) fn new(vault: Option<Arc<dyn TokenVault>>) -> Self {
        Session {
            vault,
            ..Session::default()
        }
    }

    pub(crate) fn vault(&self) -> Option<&Arc<dyn TokenVault>> {
        self.vault.as_ref()
    }

    /// Saves the refresh token of `held` in the vault, or clears it. Called
    /// under the write lock, so the vault follows the session's order.
    fn persist(&self, held: Option<&Held>) {
        let Some(vault) = &self.vault else { return };
        let saved = match held {
            Some(h) => vault.save(&h.refresh),
            None => vault.clear(),
        };
        if let Err(e) = saved {
            log::warn!("mizan: {e}; the session will not survive a restart");
        }
    }

    pub(crate) fn listen(&self, listener: Listener) {
        self.listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(listener);
    }

    fn announce(&self, change: Option<IdentityChange>) {
        let Some(change) = change else { return };
        let listeners = self
            .listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for listener in listeners {
            listener(&change);
        }
    }

    /// Holds `next` (or nothing), announcing a change of subject. Returns
    /// the refresh token it replaced.
    pub(crate) fn replace(&self, next: Option<Held>) -> Option<String> {
        let mut held = self.held.write().unwrap_or_else(PoisonError::into_inner);
        let previous = held.take();
        let change = IdentityChange::between(
            previous.as_ref().map(|h| &h.identity),
            next.as_ref().map(|h| &h.identity),
        );
        self.persist(next.as_ref());
        *held = next;
        drop(held);
        self.announce(change);
        previous.map(|h| h.refresh)
    }

    /// The signed-in identity without refreshing.
    pub(crate) fn peek(&self) -> Option<Identity> {
        let held = self.held.read().unwrap_or_else(PoisonError::into_inner);
        held.as_ref().map(|h| h.identity.clone())
    }

    /// What `read` answers of the held tokens once they are fresh:
    /// refreshed with `refresh` at most once for all the callers that
    /// meet them expired together. `Ok(None)`: no one is signed in.
    /// `Err(())`: the refresh failed, and the user is signed out.
    pub(crate) fn fresh<T>(
        &self,
        now: &dyn Fn() -> u64,
        refresh: &dyn Fn(&Held) -> Result<Held, String>,
        read: impl Fn(&Held) -> T,
    ) -> Result<Option<T>, ()> {
        {
            let held = self.held.read().unwrap_or_else(PoisonError::into_inner);
            match &*held {
                None => return Ok(None),
                Some(h) if h.fresh(now()) => return Ok(Some(read(h))),
                Some(_) => {}
            }
        }
        let mut held = self.held.write().unwrap_or_else(PoisonError::into_inner);
        let Some(current) = held.as_ref() else {
            return Ok(None);
        };
        if current.fresh(now()) {
            // Another caller refreshed while this one waited.
            return Ok(Some(read(current)));
        }
        match refresh(current) {
            Ok(next) => {
                let change = IdentityChange::between(Some(&current.identity), Some(&next.identity));
                let answer = read(&next);
                self.persist(Some(&next));
                *held = Some(next);
                drop(held);
                self.announce(change);
                Ok(Some(answer))
            }
            Err(reason) => {
                log::warn!("mizan: the session could not be refreshed, signing out: {reason}");
                let previous = held.take();
                self.persist(None);
                drop(held);
                self.announce(IdentityChange::between(
                    previous.as_ref().map(|h| &h.identity),
                    None,
                ));
                Err(())
            }
        }
    }
}
