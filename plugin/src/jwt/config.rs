//! What the app configures: keys, issuer, audience, leeway, lifetimes,
//! where refresh tokens are recorded, and where the identity comes from.

use std::{sync::Arc, time::Duration};

use super::{
    clock::{system_clock, Clock},
    keys::{SigningKey, VerifyingKey},
    refresh::{MemoryRefreshStore, RefreshStore},
    session::Refresher,
    vault::TokenVault,
    TokenPair,
};

/// Where a call's access token comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JwtMode {
    /// The Rust side holds the tokens (`app.mizan().jwt().sign_in(...)`);
    /// no token ever crosses into the webview, and an `Authorization`
    /// header a webview sends is ignored. Recommended for desktop apps.
    #[default]
    Held,
    /// The webview holds a short-lived access token in memory and sends it
    /// with every call as the IPC header `Authorization: Bearer <token>`.
    Bearer,
}

/// The JWT identity source's options.
///
/// ```
/// use std::time::Duration;
/// use tauri_plugin_mizan::jwt::{JwtConfig, JwtMode};
///
/// // An app that is its own issuer (local accounts), tokens held in Rust.
/// let config = JwtConfig::hs256(b"32 random bytes from a key store!")
///     .issuer("my-app")
///     .audience("my-app")
///     .leeway(Duration::from_secs(30))
///     .mode(JwtMode::Held);
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct JwtConfig {
    pub(crate) verifying: Vec<VerifyingKey>,
    pub(crate) signing: Option<SigningKey>,
    pub(crate) issuer: Option<String>,
    pub(crate) audience: Option<String>,
    pub(crate) leeway: u64,
    pub(crate) access_ttl: u64,
    pub(crate) refresh_ttl: u64,
    pub(crate) reuse_grace: u64,
    pub(crate) roles_claim: String,
    pub(crate) mode: JwtMode,
    pub(crate) store: Arc<dyn RefreshStore>,
    pub(crate) refresher: Option<Refresher>,
    pub(crate) refresh_timeout: Duration,
    pub(crate) vault: Option<Arc<dyn TokenVault>>,
    pub(crate) clock: Clock,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("verifying", &self.verifying)
            .field("signing", &self.signing)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("reuse_grace", &self.reuse_grace)
            .field("roles_claim", &self.roles_claim)
            .field("mode", &self.mode)
            .field("refresher", &self.refresher.is_some())
            .field("refresh_timeout", &self.refresh_timeout)
            .field("vault", &self.vault.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for JwtConfig {
    fn default() -> Self {
        JwtConfig {
            verifying: Vec::new(),
            signing: None,
            issuer: None,
            audience: None,
            leeway: 30,
            access_ttl: 5 * 60,
            refresh_ttl: 30 * 24 * 60 * 60,
            reuse_grace: 0,
            roles_claim: "roles".to_owned(),
            mode: JwtMode::default(),
            store: Arc::new(MemoryRefreshStore::default()),
            refresher: None,
            refresh_timeout: Duration::from_secs(10),
            vault: None,
            clock: system_clock(),
        }
    }
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

impl JwtConfig {
    /// No keys yet: add them with [`verify_with`](Self::verify_with) and
    /// [`sign_with`](Self::sign_with).
    pub fn new() -> Self {
        Self::default()
    }

    /// HS256 with one shared secret that both signs and verifies: the
    /// usual choice of an app that is its own issuer.
    pub fn hs256(secret: &[u8]) -> Self {
        Self::new()
            .verify_with(VerifyingKey::hs256(secret))
            .sign_with(SigningKey::hs256(secret))
    }

    /// Accepts tokens signed with this key's algorithm, checked against
    /// this key. One key per algorithm: a second key of the same
    /// algorithm replaces the first. A token naming any algorithm that no
    /// configured key has is `invalid_token`.
    pub fn verify_with(mut self, key: VerifyingKey) -> Self {
        self.verifying.retain(|k| k.algorithm != key.algorithm);
        self.verifying.push(key);
        self
    }

    /// Signs the access tokens this app issues itself
    /// (`app.mizan().jwt().issue(...)`). Needs a verifying key of the
    /// same algorithm.
    pub fn sign_with(mut self, key: SigningKey) -> Self {
        self.signing = Some(key);
        self
    }

    /// The `iss` every token must carry (and that issued tokens carry).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The `aud` every token must name (and that issued tokens carry).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Clock skew allowed on `exp` and `nbf`. Default: 30 seconds.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = secs(leeway);
        self
    }

    /// Lifetime of the access tokens this app issues. Default: 5 minutes.
    pub fn access_ttl(mut self, ttl: Duration) -> Self {
        self.access_ttl = secs(ttl);
        self
    }

    /// Lifetime of each refresh token this app issues, counted from its
    /// issue (every rotation starts a new one). Default: 30 days.
    pub fn refresh_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_ttl = secs(ttl);
        self
    }

    /// How long a retired refresh token may still be presented once, in
    /// case the answer that carried its successor was lost: within the
    /// window, and only while that successor has not been used, it
    /// rotates again instead of revoking the family. Default: zero (every
    /// second use revokes the family).
    pub fn reuse_grace(mut self, grace: Duration) -> Self {
        self.reuse_grace = secs(grace);
        self
    }

    /// The claim holding the roles: an array of strings, or one string of
    /// space-separated roles (as OAuth's `scope`). Default: `roles`.
    pub fn roles_claim(mut self, claim: impl Into<String>) -> Self {
        self.roles_claim = claim.into();
        self
    }

    /// Where a call's token comes from. Default: [`JwtMode::Held`].
    pub fn mode(mut self, mode: JwtMode) -> Self {
        self.mode = mode;
        self
    }

    /// Where the refresh tokens this app issues are recorded. Default: in
    /// memory (refresh tokens then die with the process).
    pub fn refresh_store(mut self, store: impl RefreshStore) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// For tokens from another issuer held by the Rust side: trades a
    /// refresh token for a new pair (an HTTP call to the token endpoint).
    /// It runs on a thread of its own, once for all the calls that meet
    /// the expired token (they wait for it off the thread that received
    /// them); an `Err` or a panic signs the user out. See
    /// [`refresh_timeout`](Self::refresh_timeout).
    pub fn refresher(
        mut self,
        refresher: impl Fn(&str) -> Result<TokenPair, String> + Send + Sync + 'static,
    ) -> Self {
        self.refresher = Some(Arc::new(refresher));
        self
    }

    /// How long the calls that met an expired held token wait for its
    /// refresh (the refresher, or the app's own rotation). Past it they
    /// answer `unauthorized` with `token_expired`, as does every call
    /// that meets the token until the refresh ends; the session keeps
    /// its tokens meanwhile and takes the refresh's answer when it comes.
    /// Default: 10 seconds.
    pub fn refresh_timeout(mut self, timeout: Duration) -> Self {
        self.refresh_timeout = timeout;
        self
    }

    /// Where held mode keeps the refresh token between runs, so a restart
    /// does not sign the user out: saved at sign-in and every rotation,
    /// cleared at sign-out, exchanged for a fresh pair at start-up. Default:
    /// none (the session ends with the process). See [`TokenVault`].
    pub fn token_vault(mut self, vault: impl TokenVault) -> Self {
        self.vault = Some(Arc::new(vault));
        self
    }

    /// The time source, in seconds since the Unix epoch. Default: the
    /// system clock. Tests move it to expire tokens.
    pub fn clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }
}
