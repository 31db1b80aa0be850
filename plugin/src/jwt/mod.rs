//! JWT identity (docs/protocol.md: "JWT identity"): access tokens verified with `jsonwebtoken`,
//! refresh tokens rotated with reuse detection, and a session the Rust side
//! holds so that no token crosses into the webview.
//!
//! This module knows nothing of Tauri: the plugin asks [`Jwt`] who is
//! calling, and turns a [`TokenRefusal`] into `unauthorized` with
//! `details.reason`.
//!
//! ```
//! use tauri_plugin_mizan::{jwt::{Jwt, JwtConfig}, Identity};
//!
//! let jwt = Jwt::new(JwtConfig::hs256(b"32 random bytes from a key store!").issuer("app"))?;
//! let pair = jwt.issue(&Identity::new("ada").with_role("member"))?;
//! assert_eq!(jwt.verify(&pair.access_token)?.id, "ada");
//!
//! // Each refresh retires the token it was given.
//! let next = jwt.refresh(&pair.refresh_token)?;
//! assert!(jwt.refresh(&pair.refresh_token).is_err()); // reuse: the family is revoked
//! assert!(jwt.refresh(&next.refresh_token).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The crypto backend
//!
//! `jsonwebtoken` signs and verifies through one provider per process,
//! which it picks from its features on first use: with both `rust_crypto`
//! and `aws_lc_rs` enabled (another crate of the app may enable the
//! second), it picks none and panics at every use. [`Jwt::new`] installs
//! `rust_crypto`'s provider first, so features elsewhere in the tree do
//! not matter; a provider the app installed before stays.

mod backend;
mod clock;
mod config;
mod issue;
mod keys;
mod refresh;
mod session;
#[cfg(test)]
mod tests;
mod vault;
mod verify;

use std::sync::Arc;

pub use crate::core::auth::{InvalidToken, TokenRefusal};
pub use config::{JwtConfig, JwtMode};
pub use keys::{KeyError, SigningKey, VerifyingKey};
pub use refresh::{JwtError, MemoryRefreshStore, RefreshRecord, RefreshStore, Retired, StoreError};
pub use session::{ChangeKind, IdentityChange};
#[cfg(feature = "keychain")]
pub use vault::KeychainVault;
pub use vault::{MemoryVault, TokenVault};

use crate::Identity;
use clock::Clock;
use issue::Signer;
use refresh::Rotation;
pub(crate) use session::block_on;
use session::{Held, Refresher, Renew, Session};
use verify::Verifier;

/// An access token and the refresh token that renews it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenPair {
    /// A signed JWT, short-lived.
    pub access_token: String,
    /// Opaque; exchanged once for the next pair.
    pub refresh_token: String,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenPair { .. }")
    }
}

/// The JWT identity source: verifies, issues and refreshes tokens, and
/// holds the signed-in user's tokens in mode [`JwtMode::Held`]. Reached
/// in an app as `app.mizan().jwt()`.
pub struct Jwt {
    mode: JwtMode,
    core: Arc<Core>,
    session: Arc<Session>,
}

/// What verifies, issues and renews tokens: shared with the thread that
/// renews the held session.
struct Core {
    verifier: Verifier,
    signer: Option<Signer>,
    rotation: Rotation,
    refresher: Option<Refresher>,
    clock: Clock,
}

impl std::fmt::Debug for Jwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwt")
            .field("mode", &self.mode)
            .field("issues", &self.core.signer.is_some())
            .finish_non_exhaustive()
    }
}

impl Jwt {
    /// Checks the configuration: at least one verifying key, and a
    /// verifying key for the signing key's algorithm. Installs
    /// `jsonwebtoken`'s `rust_crypto` backend as its process default, so
    /// that an app whose tree enables `aws_lc_rs` too still signs and
    /// verifies (see [`backend`](crate::jwt#the-crypto-backend)).
    pub fn new(config: JwtConfig) -> Result<Self, JwtError> {
        if config.verifying.is_empty() {
            return Err(JwtError::Config("no verifying key"));
        }
        if let Some(signing) = &config.signing {
            if !config
                .verifying
                .iter()
                .any(|k| k.algorithm == signing.algorithm)
            {
                return Err(JwtError::Config(
                    "the signing key's algorithm has no verifying key: issued tokens would be refused",
                ));
            }
        }
        backend::install()?;
        let core = Arc::new(Core {
            verifier: Verifier::new(&config),
            signer: Signer::new(&config),
            rotation: Rotation::new(config.store.clone(), config.refresh_ttl, config.reuse_grace),
            refresher: config.refresher.clone(),
            clock: config.clock.clone(),
        });
        let renewing = core.clone();
        let renew: Renew =
            Arc::new(move |token: &str| renewing.renew_token(token).map_err(|e| e.to_string()));
        let session = Session::new(config.vault.clone(), renew, config.refresh_timeout);
        Ok(Jwt {
            mode: config.mode,
            core,
            session: Arc::new(session),
        })
    }

    /// Where calls take their token from.
    pub fn mode(&self) -> JwtMode {
        self.mode
    }

    /// The identity an access token carries, or why it carries none.
    pub fn verify(&self, access_token: &str) -> Result<Identity, TokenRefusal> {
        self.core.verifier.verify(access_token).map(|v| v.identity)
    }

    /// Issues a new pair for `identity`: an access token and the first
    /// refresh token of a new family. Needs a signing key.
    pub fn issue(&self, identity: &Identity) -> Result<TokenPair, JwtError> {
        self.core.issue(identity)
    }

    /// Exchanges a refresh token this app issued for a new pair, retiring
    /// it. A retired token presented again revokes its whole family
    /// ([`JwtError::Reused`]), except within the configured grace window.
    pub fn refresh(&self, refresh_token: &str) -> Result<TokenPair, JwtError> {
        self.core.refresh(refresh_token)
    }

    /// Revokes the family of a refresh token this app issued (sign-out).
    pub fn revoke(&self, refresh_token: &str) -> Result<(), JwtError> {
        self.core.rotation.revoke(refresh_token)
    }

    // The held session (mode b) -------------------------------------------

    /// Signs `identity` in with tokens this app issues, and holds them.
    /// Every webview gets the identity event.
    pub fn sign_in(&self, identity: &Identity) -> Result<(), JwtError> {
        let pair = self.issue(identity)?;
        self.hold(pair)
    }

    /// Signs in with a pair another issuer gave (after checking the access
    /// token), and holds it. Renewed through the configured
    /// [`refresher`](JwtConfig::refresher).
    pub fn sign_in_with(&self, pair: TokenPair) -> Result<Identity, JwtError> {
        let held = self.core.held(pair)?;
        let identity = held.identity.clone();
        self.hold_verified(held);
        Ok(identity)
    }

    fn hold(&self, pair: TokenPair) -> Result<(), JwtError> {
        let held = self.core.held(pair)?;
        self.hold_verified(held);
        Ok(())
    }

    fn hold_verified(&self, held: Held) {
        if let Some(old) = self.session.replace(Some(held)) {
            self.retire_quietly(&old);
        }
    }

    /// Signs out: forgets the held tokens, revokes their refresh family
    /// when this app issued it, and sends the identity event.
    pub fn sign_out(&self) {
        if let Some(old) = self.session.replace(None) {
            self.retire_quietly(&old);
        }
    }

    fn retire_quietly(&self, refresh_token: &str) {
        if self.core.signer.is_some() && self.core.refresher.is_none() {
            if let Err(e) = self.revoke(refresh_token) {
                log::warn!("mizan: could not revoke the old refresh family: {e}");
            }
        }
    }

    /// Who is signed in, without refreshing. Never waits for a refresh in
    /// flight.
    pub fn signed_in(&self) -> Option<Identity> {
        self.session.peek()
    }

    /// Who is signed in, refreshing an expired access token first (once for
    /// all the callers that meet it together). `Ok(None)`: no one is.
    /// A refresh that fails signs the user out and answers
    /// [`TokenRefusal::Expired`]; so does one that outlasts the
    /// [`refresh_timeout`](JwtConfig::refresh_timeout), which keeps the
    /// session until it ends. The refresh runs on a thread of its own;
    /// this waits for it (the plugin's calls await it instead, off the
    /// thread that received them).
    pub fn current(&self) -> Result<Option<Identity>, TokenRefusal> {
        block_on(self.current_async())
    }

    /// [`current`](Self::current), awaiting the refresh instead of
    /// blocking the thread.
    pub(crate) async fn current_async(&self) -> Result<Option<Identity>, TokenRefusal> {
        self.fresh(|h| h.identity.clone()).await
    }

    /// The held access token, refreshed if needed as by
    /// [`current`](Self::current), for the Rust side's own requests to the
    /// issuer's services. Never hand it to a webview.
    pub fn access_token(&self) -> Result<Option<String>, TokenRefusal> {
        block_on(self.fresh(|h| h.access.clone()))
    }

    async fn fresh<T>(&self, read: impl Fn(&Held) -> T) -> Result<Option<T>, TokenRefusal> {
        let now = || self.core.now();
        self.session
            .fresh(&now, read)
            .await
            .map_err(|()| TokenRefusal::Expired)
    }

    /// Signs the session saved in the [`TokenVault`] in again: its refresh
    /// token is exchanged for a fresh pair (rotated, and saved), and every
    /// webview gets the identity event. A token that no longer refreshes
    /// (revoked, expired, or unknown to a refresh store that did not
    /// survive the restart) is cleared: the user is signed out. The plugin
    /// calls this once at start-up; `Ok(None)`: nothing was saved.
    pub fn resume(&self) -> Result<Option<Identity>, JwtError> {
        let Some(vault) = self.session.vault() else {
            return Ok(None);
        };
        let Some(token) = vault.load()? else {
            return Ok(None);
        };
        match self.core.renew_token(&token) {
            Ok(held) => {
                let identity = held.identity.clone();
                self.hold_verified(held);
                Ok(Some(identity))
            }
            Err(e) => {
                vault.clear()?;
                Err(e)
            }
        }
    }

    /// Calls `listener` on every change of who is signed in.
    pub(crate) fn on_change(&self, listener: impl Fn(&IdentityChange) + Send + Sync + 'static) {
        self.session.listen(Arc::new(listener));
    }
}

impl Core {
    fn now(&self) -> u64 {
        (self.clock)()
    }

    fn issue(&self, identity: &Identity) -> Result<TokenPair, JwtError> {
        let now = self.now();
        let access_token = self.signer()?.sign(identity, now)?;
        let refresh_token = self.rotation.start(identity, now)?;
        Ok(TokenPair {
            access_token,
            refresh_token,
        })
    }

    fn refresh(&self, refresh_token: &str) -> Result<TokenPair, JwtError> {
        let signer = self.signer()?;
        let now = self.now();
        let (refresh_token, subject) = self.rotation.rotate(refresh_token, now)?;
        Ok(TokenPair {
            access_token: signer.sign(&subject, now)?,
            refresh_token,
        })
    }

    fn signer(&self) -> Result<&Signer, JwtError> {
        self.signer
            .as_ref()
            .ok_or(JwtError::Unsupported("this app has no signing key"))
    }

    /// A new pair for a held refresh token: from the refresher when one is
    /// configured, else by this app's own rotation.
    fn renew_token(&self, refresh_token: &str) -> Result<Held, JwtError> {
        let pair = match &self.refresher {
            Some(refresher) => refresher(refresh_token).map_err(JwtError::Refresher)?,
            None => self.refresh(refresh_token)?,
        };
        self.held(pair)
    }

    fn held(&self, pair: TokenPair) -> Result<Held, JwtError> {
        let verified = self.verifier.verify(&pair.access_token)?;
        Ok(Held {
            access: pair.access_token,
            refresh: pair.refresh_token,
            identity: verified.identity,
            expires_at: verified.expires_at,
        })
    }
}
