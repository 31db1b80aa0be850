//! The fixture registry the probes exercise: every `#[client]` function of
//! this test binary. Its names start with `afi_` so evidence reads clearly.
//!
//! Where a capability is not built yet, its fixture function is a plain
//! `#[client]` and a comment says what changes when the capability lands.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU32, Ordering},
        Mutex,
    },
    time::Duration,
};

use serde::{Deserialize, Serialize};
use tauri::{test::MockRuntime, App, State};
use tauri_plugin_mizan::{
    client, shape::Shape, Bytes, Context, Invalidations, MizanExt, StreamSink, Upload,
};

pub const AFI_ACCOUNT: Context = Context::new("afi_account");
pub const AFI_TEAM: Context = Context::new("afi_team");
pub const AFI_LOG: Context = Context::new("afi_log");

// Every function of the fixture, by the name it is served under.
pub const FUNCTIONS: &[&str] = &[
    "afi_account_cards",
    "afi_account_flags",
    "afi_account_name",
    "afi_download",
    "afi_echo",
    "afi_guarded",
    "afi_log_lines",
    "afi_merge",
    "afi_panics",
    "afi_rename",
    "afi_rename_by_id",
    "afi_renamed",
    "afi_reset",
    "afi_signup",
    "afi_team_size",
    "afi_ticks",
    "afi_ticks_slow",
    "afi_upload",
];

// Every context of the fixture.
pub const CONTEXTS: &[&str] = &["afi_account", "afi_log", "afi_team"];

// The fixture's state, managed by the probe app.
#[derive(Debug, Default)]
pub struct Store {
    pub names: Mutex<BTreeMap<u32, String>>,
    // How often `afi_account_name` ran, per account.
    pub name_reads: Mutex<BTreeMap<u32, u32>>,
    pub guarded_runs: AtomicU32,
    pub signup_runs: AtomicU32,
    pub uploads: Mutex<Vec<Vec<u8>>>,
    pub ticks_sent: AtomicU32,
    // Accounts whose name source is unreachable: `afi_account_name` fails.
    pub offline: Mutex<std::collections::BTreeSet<u32>>,
    pub accounts: AccountsDb,
}

impl Store {
    pub fn reads_of(&self, account_id: u32) -> u32 {
        self.name_reads
            .lock()
            .unwrap()
            .get(&account_id)
            .copied()
            .unwrap_or(0)
    }
}

#[derive(Debug, Serialize, specta::Type)]
#[serde(tag = "kind")]
pub enum AfiError {
    EmptyName,
}

// Queries ------------------------------------------------------------------

#[client]
fn afi_echo(text: String, times: u32) -> String {
    text.repeat(times as usize)
}

#[client(name = "afi_renamed")]
fn afi_rust_name() -> &'static str {
    "renamed"
}

#[client]
fn afi_panics() -> u32 {
    panic!("the probe asked for it")
}

// Contexts -------------------------------------------------------------------

#[client(context = AFI_ACCOUNT, cache(ttl = "1h", stale_if_error = "1h"))]
fn afi_account_name(store: State<'_, Store>, account_id: u32) -> Result<String, String> {
    *store
        .name_reads
        .lock()
        .unwrap()
        .entry(account_id)
        .or_default() += 1;
    if store.offline.lock().unwrap().contains(&account_id) {
        return Err("offline".into());
    }
    Ok(store
        .names
        .lock()
        .unwrap()
        .get(&account_id)
        .cloned()
        .unwrap_or_default())
}

#[client(context = AFI_ACCOUNT)]
fn afi_account_flags(account_id: u32, verbose: Option<bool>) -> Result<Vec<String>, String> {
    if account_id == 13 {
        return Err("unlucky".into());
    }
    Ok(vec![format!("verbose={}", verbose.unwrap_or(false))])
}

#[client(context = AFI_TEAM)]
fn afi_team_size(team_id: u32) -> u32 {
    team_id * 2
}

#[client(context = AFI_LOG)]
fn afi_log_lines() -> Vec<String> {
    Vec::new()
}

// Mutations, one per tier ------------------------------------------------------

// Tier 2 by a matched name.
#[client(affects = AFI_ACCOUNT)]
fn afi_rename(store: State<'_, Store>, account_id: u32, name: String) -> Result<String, AfiError> {
    if name.is_empty() {
        return Err(AfiError::EmptyName);
    }
    store.names.lock().unwrap().insert(account_id, name.clone());
    Ok(name)
}

// Tier 2 through a declared mapping.
#[client(affects = AFI_ACCOUNT(account_id = id))]
fn afi_rename_by_id(store: State<'_, Store>, id: u32, name: String) -> u32 {
    store.names.lock().unwrap().insert(id, name);
    id
}

// Tier 3 on two contexts.
#[client(affects = [AFI_ACCOUNT, AFI_TEAM])]
fn afi_reset(reason: String) -> String {
    reason
}

// Tier 1: explicit targets, one outside `affects`.
#[client(affects = AFI_ACCOUNT)]
fn afi_merge(keep: u32, drop: u32, inv: Invalidations) {
    inv.add(&AFI_ACCOUNT, serde_json::json!({ "account_id": drop }));
    inv.add(&AFI_ACCOUNT, serde_json::json!({ "account_id": keep }));
    inv.add(&AFI_ACCOUNT, serde_json::json!({ "account_id": keep }));
    inv.whole(&AFI_LOG);
}

// The capabilities beyond the core -----------------------------------------------

// Auth: members only. Its body counts its runs, so a probe sees whether a
// refusal came before it.
#[client(auth = "member")]
fn afi_guarded(store: State<'_, Store>) -> &'static str {
    store.guarded_runs.fetch_add(1, Ordering::SeqCst);
    "secret"
}

// Uploads: answers what it received (and the file's name), and keeps the
// bytes for the probe.
#[client]
fn afi_upload(store: State<'_, Store>, file: Upload) -> UploadEcho {
    let echo = UploadEcho::of(file.bytes()).named(file.name());
    store.uploads.lock().unwrap().push(file.to_vec());
    echo
}

// Binary results: `len` bytes, answered raw.
#[client]
fn afi_download(len: u32) -> Bytes {
    (0..len)
        .map(|i| (i % 256) as u8)
        .collect::<Vec<u8>>()
        .into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct UploadEcho {
    pub len: u32,
    pub sum: u32,
    pub name: String,
}

impl UploadEcho {
    pub fn of(bytes: &[u8]) -> Self {
        UploadEcho {
            len: bytes.len() as u32,
            sum: bytes.iter().fold(0u32, |acc, b| {
                acc.wrapping_mul(31).wrapping_add(u32::from(*b))
            }),
            name: String::new(),
        }
    }

    pub fn named(self, name: &str) -> Self {
        UploadEcho {
            name: name.to_owned(),
            ..self
        }
    }
}

// Streams: the items 1..=to.
#[client]
async fn afi_ticks(to: u32, out: StreamSink<u32>) {
    for n in 1..=to {
        out.send(n).await;
    }
}

// Streams: a slow producer the probe cancels half way; counts what it sent.
#[client]
async fn afi_ticks_slow(store: State<'_, Store>, to: u32, out: StreamSink<u32>) {
    for n in 1..=to {
        store.ticks_sent.fetch_add(1, Ordering::SeqCst);
        out.send(n).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Forms: a form with validator's rules (`name` 1 to 40 characters,
/// `age` at least 18).
#[derive(
    Debug,
    Serialize,
    Deserialize,
    validator::Validate,
    tauri_plugin_mizan::Form,
    tauri_plugin_mizan::Type,
)]
pub struct AfiSignup {
    #[validate(length(min = 1, max = 40))]
    name: String,
    #[validate(range(min = 18))]
    age: u32,
}

// Forms: takes the form; every call validates it first.
#[client]
fn afi_signup(store: State<'_, Store>, form: AfiSignup) -> String {
    store.signup_runs.fetch_add(1, Ordering::SeqCst);
    format!("{} ({})", form.name, form.age)
}

// Shapes: `AfiAccountCard` is a Shape of the SQLite table `accounts` (which
// has more columns than the card reads), read through rusqlite.
#[client]
fn afi_account_cards(store: State<'_, Store>) -> Result<Vec<AfiAccountCard>, String> {
    let conn = store.accounts.0.lock().unwrap();
    AfiAccountCard::select()
        .order_by("id")
        .all(&conn)
        .map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Serialize, specta::Type, tauri_plugin_mizan::Shape)]
#[shape(table = "accounts")]
pub struct AfiAccountCard {
    pub id: u32,
    pub name: String,
}

/// The fixture's SQLite database, in memory: `accounts` with columns the
/// Shape does not read.
#[derive(Debug)]
pub struct AccountsDb(pub Mutex<rusqlite::Connection>);

impl Default for AccountsDb {
    fn default() -> Self {
        let conn = rusqlite::Connection::open_in_memory().expect("an in-memory database");
        conn.execute_batch(
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
                                    email TEXT NOT NULL, password_hash TEXT NOT NULL);
             INSERT INTO accounts VALUES (1, 'Ada', 'ada@example.com', 'x'),
                                         (2, 'Grace', 'grace@example.com', 'y');",
        )
        .expect("the accounts table");
        tauri_plugin_mizan::shape::check_all(&conn).expect("the fixture's Shapes fit");
        AccountsDb(Mutex::new(conn))
    }
}

// Hooks for capabilities whose Rust API does not exist yet ----------------------

// JWT: the probe app's HS256 key and issuer.
pub const JWT_SECRET: &[u8] = b"afi probe key, 32 bytes or more.";
pub const JWT_ISSUER: &str = "afi";

// JWT: a member's token for `subject`, signed with the app's key, valid for
// `valid_for_secs` (negative: already expired, past the default leeway).
pub fn mint_token(_app: &App<MockRuntime>, subject: &str, valid_for_secs: i64) -> Option<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs() as i64;
    let claims = serde_json::json!({
        "sub": subject,
        "roles": ["member"],
        "iss": JWT_ISSUER,
        "iat": now,
        "exp": now + valid_for_secs,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET),
    )
    .ok()
}

// JWT: a new access token through the plugin's refresh: the token's identity
// (as the plugin verifies it) signs in a new refresh family, whose first
// refresh token is exchanged (and so retired) for a new pair.
pub fn refresh_token(app: &App<MockRuntime>, token: &str) -> Option<String> {
    let jwt = app.mizan().jwt()?;
    let identity = jwt.verify(token).ok()?;
    let first = jwt.issue(&identity).ok()?;
    let next = jwt.refresh(&first.refresh_token).ok()?;
    // The retired refresh token no longer works.
    jwt.refresh(&first.refresh_token)
        .is_err()
        .then_some(next.access_token)
}

// Hydration: the initialization script the plugin renders for a new window
// whose first paint should hold the `afi_account` bundle for
// `{"account_id": account_id}`: the window `hydrate-<id>` is hydrated with
// it (`first_screen`, the probe app's `Builder::hydrate`).
pub fn hydration_script(app: &App<MockRuntime>, account_id: u32) -> Option<String> {
    use tauri_plugin_mizan::MizanExt;
    app.mizan()
        .hydration_script(&format!("hydrate-{account_id}"))
}

/// What a window shows first, by label: `hydrate-<id>` the account `<id>`.
pub fn first_screen(label: &str) -> Vec<tauri_plugin_mizan::Hydrate> {
    let id = label
        .strip_prefix("hydrate-")
        .and_then(|id| id.parse::<u32>().ok());
    id.map(|id| {
        tauri_plugin_mizan::Hydrate::bundle(&AFI_ACCOUNT, serde_json::json!({ "account_id": id }))
    })
    .into_iter()
    .collect()
}
