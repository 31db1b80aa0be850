//! Mode (b): the Rust side holds the signed-in user's tokens. A call asks
//! for the current identity; an expired access token is refreshed once,
//! however many calls meet it at the same time, and a failed refresh signs
//! the user out.
//!
//! The refresh (the app's refresher: an HTTP call, maybe a slow one) runs
//! on a thread of its own, never under the session's lock: the callers
//! that met the expired token await it, those that read the identity
//! without refreshing do not wait at all. One that outlasts the timeout
//! answers its callers `token_expired` at once; the session keeps its
//! tokens until the refresh ends, and then takes its answer.

use std::{
    future::Future,
    panic::{catch_unwind, AssertUnwindSafe},
    pin::pin,
    sync::{mpsc, Arc, Mutex, PoisonError, RwLock},
    task::{Context, Poll, Wake, Waker},
    thread::{self, Thread},
    time::Duration,
};

use serde::Serialize;
use tokio::sync::watch;

use super::vault::TokenVault;
use crate::Identity;

/// Trades a refresh token for a new pair, for tokens of another issuer.
pub(crate) type Refresher = Arc<dyn Fn(&str) -> Result<super::TokenPair, String> + Send + Sync>;

/// Exchanges the held refresh token for new held tokens: the refresher, or
/// the app's own rotation, and the new access token checked.
pub(crate) type Renew = Arc<dyn Fn(&str) -> Result<Held, String> + Send + Sync>;

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

/// Where a refresh in flight stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Its callers wait.
    Running,
    /// Past the timeout, still running: its callers were told
    /// `token_expired`, and so is every caller until it ends.
    Late,
    /// It renewed the tokens (or the session holds others by now).
    Renewed,
    /// It failed: the user is signed out.
    Failed,
}

/// One refresh in flight, joined by every caller that meets its expired
/// token while it runs.
struct Flight {
    /// The refresh token it exchanges.
    token: String,
    phase: watch::Sender<Phase>,
}

impl Flight {
    fn new(token: String) -> Self {
        Flight {
            token,
            phase: watch::Sender::new(Phase::Running),
        }
    }

    /// Marks it late, unless it ended.
    fn late(&self) {
        self.phase.send_if_modified(|p| {
            let running = *p == Phase::Running;
            if running {
                *p = Phase::Late;
            }
            running
        });
    }

    /// Waits until it ended or is late: `true` if it renewed the tokens
    /// in time.
    async fn renewed(&self) -> bool {
        let mut phase = self.phase.subscribe();
        let over = phase.wait_for(|p| *p != Phase::Running).await;
        over.is_ok_and(|p| *p == Phase::Renewed)
    }
}

/// Who is signed in, the listeners of changes, and where the refresh token
/// is kept between runs.
pub(crate) struct Session {
    held: RwLock<Option<Held>>,
    /// The refresh in flight, if any.
    flight: Mutex<Option<Arc<Flight>>>,
    renew: Renew,
    timeout: Duration,
    listeners: Mutex<Vec<Listener>>,
    vault: Option<Arc<dyn TokenVault>>,
}

impl Session {
    pub(crate) fn new(vault: Option<Arc<dyn TokenVault>>, renew: Renew, timeout: Duration) -> Self {
        Session {
            held: RwLock::default(),
            flight: Mutex::default(),
            renew,
            timeout,
            listeners: Mutex::default(),
            vault,
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
    /// the refresh token it replaced. A refresh in flight for the replaced
    /// tokens is dropped when it ends.
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
    /// refreshed at most once for all the callers that meet them expired
    /// together. `Ok(None)`: no one is signed in. `Err(())`: the refresh
    /// failed (the user is signed out) or outlasted the timeout.
    pub(crate) async fn fresh<T>(
        self: &Arc<Self>,
        now: &(dyn Fn() -> u64 + Sync),
        read: impl Fn(&Held) -> T,
    ) -> Result<Option<T>, ()> {
        loop {
            let flight = match self.flight_for(now) {
                Met::Absent => return Ok(None),
                Met::Fresh => {
                    let held = self.held.read().unwrap_or_else(PoisonError::into_inner);
                    match &*held {
                        None => return Ok(None),
                        Some(h) if h.fresh(now()) => return Ok(Some(read(h))),
                        // Expired again since: look again.
                        Some(_) => continue,
                    }
                }
                Met::Flight(flight) => flight,
            };
            if !flight.renewed().await {
                return Err(());
            }
            let held = self.held.read().unwrap_or_else(PoisonError::into_inner);
            return match &*held {
                None => Ok(None),
                Some(h) if h.fresh(now()) => Ok(Some(read(h))),
                // The new token is already expired.
                Some(_) => Err(()),
            };
        }
    }

    /// What a caller meets: no one signed in, fresh tokens, or an expired
    /// access token and the refresh in flight for it (started here if
    /// none is). Decided under the flight's lock, so two callers never
    /// start two refreshes.
    fn flight_for(self: &Arc<Self>, now: &(dyn Fn() -> u64 + Sync)) -> Met {
        let mut flight = self.flight.lock().unwrap_or_else(PoisonError::into_inner);
        let token = {
            let held = self.held.read().unwrap_or_else(PoisonError::into_inner);
            match &*held {
                None => return Met::Absent,
                Some(h) if h.fresh(now()) => return Met::Fresh,
                Some(h) => h.refresh.clone(),
            }
        };
        // A late refresh of tokens replaced since (another sign-in) does
        // not hold up the refresh of the current ones.
        if let Some(running) = flight.as_ref().filter(|f| f.token == token) {
            return Met::Flight(running.clone());
        }
        let started = Arc::new(Flight::new(token));
        *flight = Some(started.clone());
        drop(flight);
        let session = self.clone();
        let running = started.clone();
        let spawned = thread::Builder::new()
            .name("mizan-jwt-refresh".to_owned())
            .spawn(move || session.refresh(&running));
        if let Err(e) = spawned {
            let failed = Err(format!("no thread to refresh on: {e}"));
            self.settle(&started, failed);
        }
        Met::Flight(started)
    }

    /// The refresh thread: renews the flight's token with the timeout
    /// watched beside it, then settles the flight.
    fn refresh(&self, flight: &Arc<Flight>) {
        let token = flight.token.as_str();
        let (ended, on_end) = mpsc::channel::<()>();
        let watched = flight.clone();
        let timeout = self.timeout;
        let timer = thread::Builder::new()
            .name("mizan-jwt-refresh-timeout".to_owned())
            .spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = on_end.recv_timeout(timeout) {
                    watched.late();
                }
            });
        if let Err(e) = timer {
            log::warn!("mizan: no thread to time the refresh out ({e}); it runs without a timeout");
        }
        let renewed = catch_unwind(AssertUnwindSafe(|| (self.renew)(token)))
            .unwrap_or_else(|_| Err("the refresher panicked".to_owned()));
        self.settle(flight, renewed);
        drop(ended);
    }

    /// Applies a refresh's outcome, if the session still holds the tokens
    /// it renewed: the new tokens, or, on failure, a sign-out, announced.
    /// Then the flight ends.
    fn settle(&self, flight: &Flight, renewed: Result<Held, String>) {
        let mut held = self.held.write().unwrap_or_else(PoisonError::into_inner);
        let current = held.as_ref().filter(|h| h.refresh == flight.token);
        let (phase, change) = match (current, renewed) {
            // Signed out or in again meanwhile: this answer is for no one.
            (None, _) => (Phase::Renewed, None),
            (Some(current), Ok(next)) => {
                let change = IdentityChange::between(Some(&current.identity), Some(&next.identity));
                self.persist(Some(&next));
                *held = Some(next);
                (Phase::Renewed, change)
            }
            (Some(_), Err(reason)) => {
                log::warn!("mizan: the session could not be refreshed, signing out: {reason}");
                let previous = held.take();
                self.persist(None);
                let change = IdentityChange::between(previous.as_ref().map(|h| &h.identity), None);
                (Phase::Failed, change)
            }
        };
        drop(held);
        // Announced before the callers go on: their webviews drop the old
        // identity's data first.
        self.announce(change);
        let mut slot = self.flight.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_some_and(|f| std::ptr::eq(&**f, flight)) {
            *slot = None;
        }
        drop(slot);
        flight.phase.send_replace(phase);
    }
}

/// What a caller met in the session.
enum Met {
    Absent,
    Fresh,
    Flight(Arc<Flight>),
}

/// Runs `future` to its end on this thread, parking between polls: the
/// blocking form of the session's calls, for the Rust side's own callers.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}
