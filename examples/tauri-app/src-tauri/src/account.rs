//! Signing in with a local account, and a private journal per account.
//!
//! JWT identity in held mode (the plugin's default, recommended for
//! desktop): the Rust side issues and holds the tokens, and no token ever
//! reaches the webview. Signing in, out or as someone else sends
//! `mizan://identity` to every window, and guest-js drops each window's
//! cached bundles of the old identity, so nothing of one account is shown
//! to the next.
//!
//! | context | params | functions (the bundle) |
//! |---|---|---|
//! | `session` | none | `whoami` |
//! | `journal` | none | `my_journal` (guarded: a signed-in caller) |
//!
//! The `journal` bundle has no params: whose journal it is comes from the
//! caller's identity, never from the webview.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tauri::{AppHandle, State};
use tauri_plugin_mizan::{client, Context, Identity, MizanExt};

use crate::db::Db;

/// Who is signed in in this app (every window shares it).
pub(crate) const SESSION: Context = Context::new("session");
/// The signed-in account's private journal.
pub(crate) const JOURNAL: Context = Context::new("journal");

const MAX_ENTRY: u32 = 200;

/// A local account, as the webview sees it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub(crate) struct Account {
    /// The account's id.
    pub id: u32,
    /// The name shown.
    pub name: String,
}

/// One entry of a private journal.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub(crate) struct JournalEntry {
    /// The entry's id.
    pub id: u32,
    /// What was written.
    pub text: String,
}

/// Why signing in failed.
#[derive(Debug, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum SignInError {
    /// No account has this name, or the password is not its password (one
    /// answer for both, so a caller cannot tell which).
    #[error("wrong account name or password")]
    WrongCredentials,
    /// The plugin could not sign in (JWT is not configured, say).
    #[error("could not sign in: {message}")]
    Unavailable {
        /// What went wrong.
        message: String,
    },
}

/// Why a journal entry was not added.
#[derive(Debug, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum JournalError {
    /// The text is blank.
    #[error("the entry is empty")]
    EmptyText,
    /// The text is longer than allowed.
    #[error("the entry is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: u32,
    },
    /// The database failed.
    #[error("storage error: {message}")]
    Storage {
        /// SQLite's message.
        message: String,
    },
}

impl From<rusqlite::Error> for SignInError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Unavailable {
            message: e.to_string(),
        }
    }
}

impl From<rusqlite::Error> for JournalError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage {
            message: e.to_string(),
        }
    }
}

/// The password hash kept for an account. A sample: a real app would use a
/// slow, salted password hash (argon2) instead of one round of SHA-256.
pub(crate) fn password_hash(salt: &str, password: &str) -> String {
    let digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update([0])
        .chain_update(password.as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The account of an identity the plugin verified.
fn account_id(identity: &Identity) -> Option<u32> {
    identity.id.parse().ok()
}

// The `session` context ---------------------------------------------------------

/// Who is signed in, or `null`.
#[client(context = SESSION)]
fn whoami(app: AppHandle, db: State<'_, Db>) -> Result<Option<Account>, SignInError> {
    let Some(id) = app
        .mizan()
        .jwt()
        .and_then(|jwt| jwt.signed_in())
        .as_ref()
        .and_then(account_id)
    else {
        return Ok(None);
    };
    Ok(db.with(|c| {
        c.query_row("SELECT id, name FROM accounts WHERE id = ?1", [id], |r| {
            Ok(Account {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })
        .optional()
    })?)
}

/// Signs in with a local account's name and password. Every window hears
/// of it (`mizan://identity`) and drops what it cached for whoever was
/// signed in before.
#[client]
fn sign_in(
    app: AppHandle,
    db: State<'_, Db>,
    name: String,
    password: String,
) -> Result<Account, SignInError> {
    let found: Option<(u32, String, String, String)> = db.with(|c| {
        c.query_row(
            "SELECT id, name, salt, hash FROM accounts WHERE name = ?1",
            [name.trim()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
    })?;
    let Some((id, name, salt, hash)) = found else {
        return Err(SignInError::WrongCredentials);
    };
    if password_hash(&salt, &password) != hash {
        return Err(SignInError::WrongCredentials);
    }
    let jwt = app.mizan().jwt().ok_or(SignInError::Unavailable {
        message: "JWT identity is not configured".into(),
    })?;
    jwt.sign_in(&Identity::new(id.to_string()).with_role("member"))
        .map_err(|e| SignInError::Unavailable {
            message: e.to_string(),
        })?;
    Ok(Account { id, name })
}

/// Signs out, in every window.
#[client]
fn sign_out(app: AppHandle) {
    if let Some(jwt) = app.mizan().jwt() {
        jwt.sign_out();
    }
}

// The `journal` context --------------------------------------------------------

/// The signed-in account's journal, newest first.
#[client(context = JOURNAL, auth)]
fn my_journal(identity: Identity, db: State<'_, Db>) -> Result<Vec<JournalEntry>, JournalError> {
    let owner = account_id(&identity).unwrap_or(0);
    Ok(db.with(|c| {
        let mut st =
            c.prepare_cached("SELECT id, text FROM journal WHERE owner_id = ?1 ORDER BY id DESC")?;
        let rows = st.query_map([owner], |r| {
            Ok(JournalEntry {
                id: r.get(0)?,
                text: r.get(1)?,
            })
        })?;
        rows.collect()
    })?)
}

/// Adds an entry to the signed-in account's journal.
#[client(affects = JOURNAL, auth)]
fn add_journal_entry(
    identity: Identity,
    db: State<'_, Db>,
    text: String,
) -> Result<JournalEntry, JournalError> {
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(JournalError::EmptyText);
    }
    if text.chars().count() > MAX_ENTRY as usize {
        return Err(JournalError::TooLong { max: MAX_ENTRY });
    }
    let owner = account_id(&identity).unwrap_or(0);
    let id = db.with(|c| {
        c.query_row(
            "INSERT INTO journal (owner_id, text) VALUES (?1, ?2) RETURNING id",
            (owner, &text),
            |r| r.get(0),
        )
    })?;
    Ok(JournalEntry { id, text })
}
