//! Where held mode keeps the signed-in user's refresh token between runs of
//! the app, so a restart does not sign the user out. Only the Rust side
//! ever reads it; the webview never sees a token.

use std::sync::{Arc, Mutex, PoisonError};

use super::StoreError;

/// Keeps the refresh token of the held session (mode
/// [`Held`](super::JwtMode::Held)) across restarts.
///
/// The plugin saves the token when a user signs in and after every
/// rotation, clears it when the user signs out (or the session ends), and
/// at start-up exchanges the saved token for a fresh pair: the user is
/// signed in again, and every window gets the identity event.
///
/// Without a vault ([`JwtConfig::token_vault`](super::JwtConfig::token_vault)
/// not called) the tokens live in memory only. [`KeychainVault`] (the
/// `keychain` feature) keeps the token in the OS credential store;
/// [`MemoryVault`] keeps it for the life of the process (tests).
///
/// ```
/// use tauri_plugin_mizan::jwt::{MemoryVault, TokenVault};
///
/// let vault = MemoryVault::default();
/// vault.save("opaque refresh token")?;
/// assert_eq!(vault.load()?.as_deref(), Some("opaque refresh token"));
/// vault.clear()?;
/// assert_eq!(vault.load()?, None);
/// # Ok::<(), tauri_plugin_mizan::jwt::StoreError>(())
/// ```
pub trait TokenVault: Send + Sync + 'static {
    /// The saved refresh token, if any.
    fn load(&self) -> Result<Option<String>, StoreError>;
    /// Saves `refresh_token`, replacing any.
    fn save(&self, refresh_token: &str) -> Result<(), StoreError>;
    /// Forgets the saved token. Clearing an empty vault is not an error.
    fn clear(&self) -> Result<(), StoreError>;
}

impl<V: TokenVault> TokenVault for Arc<V> {
    fn load(&self) -> Result<Option<String>, StoreError> {
        (**self).load()
    }
    fn save(&self, refresh_token: &str) -> Result<(), StoreError> {
        (**self).save(refresh_token)
    }
    fn clear(&self) -> Result<(), StoreError> {
        (**self).clear()
    }
}

/// A [`TokenVault`] in memory: for tests, where one vault outlives the
/// [`Jwt`](super::Jwt) of a simulated restart (share it through an `Arc`).
#[derive(Default)]
pub struct MemoryVault {
    token: Mutex<Option<String>>,
}

impl std::fmt::Debug for MemoryVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryVault").finish_non_exhaustive()
    }
}

impl TokenVault for MemoryVault {
    fn load(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone())
    }
    fn save(&self, refresh_token: &str) -> Result<(), StoreError> {
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = Some(refresh_token.to_owned());
        Ok(())
    }
    fn clear(&self) -> Result<(), StoreError> {
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = None;
        Ok(())
    }
}

/// A [`TokenVault`] in the OS credential store, through the `keyring`
/// crate: the Keychain on macOS, the Credential Manager on Windows, and on
/// Linux the kernel's key retention service (keyutils), which needs no
/// Secret Service: the token is kept in the user's persistent keyring,
/// linked to the login session, so it survives restarts of the app and
/// logouts for a few days (`/proc/sys/kernel/keys/persistent_keyring_expiry`),
/// and a reboot clears it. A process without a session keyring (started
/// outside a login session) cannot save: the plugin logs a warning and the
/// session lives in memory only. Needs the `keychain` feature.
///
/// ```no_run
/// use tauri_plugin_mizan::jwt::{JwtConfig, KeychainVault};
///
/// let config = JwtConfig::hs256(b"32 random bytes from a key store!")
///     .token_vault(KeychainVault::new("com.example.app", "session")?);
/// # Ok::<(), tauri_plugin_mizan::jwt::StoreError>(())
/// ```
#[cfg(feature = "keychain")]
pub struct KeychainVault {
    entry: keyring::Entry,
}

#[cfg(feature = "keychain")]
impl std::fmt::Debug for KeychainVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeychainVault").finish_non_exhaustive()
    }
}

#[cfg(feature = "keychain")]
impl KeychainVault {
    /// The credential of `service` (the app's identifier, say) and
    /// `account` (what it is: `"session"`).
    pub fn new(service: &str, account: &str) -> Result<Self, StoreError> {
        let entry = keyring::Entry::new(service, account).map_err(keychain_error)?;
        Ok(KeychainVault { entry })
    }
}

#[cfg(feature = "keychain")]
fn keychain_error(e: keyring::Error) -> StoreError {
    StoreError(format!("the OS credential store: {e}"))
}

#[cfg(feature = "keychain")]
impl TokenVault for KeychainVault {
    fn load(&self) -> Result<Option<String>, StoreError> {
        match self.entry.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }
    fn save(&self, refresh_token: &str) -> Result<(), StoreError> {
        self.entry
            .set_password(refresh_token)
            .map_err(keychain_error)
    }
    fn clear(&self) -> Result<(), StoreError> {
        match self.entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error(e)),
        }
    }
}
