#![allow(missing_docs)]
//! JWT identity (docs/protocol.md: "JWT identity") through the real IPC dispatch path and the real
//! ACL: every refusal reason before the body runs, the leeway, the held
//! session's single-flight refresh, identity events, and no token ever in
//! an answer or an event of the held mode.

mod common;

use std::{
    sync::{
        atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering},
        Arc, Barrier, Mutex,
    },
    time::Duration,
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use common::default_capability;
use serde_json::{json, Value};
use tauri::{
    http::{header::AUTHORIZATION, HeaderMap, HeaderValue},
    ipc::InvokeBody,
    test::{get_ipc_response, MockRuntime},
    App, AppHandle, Manager, State, WebviewWindow,
};
use tauri_plugin_mizan::{
    client,
    jwt::{
        Jwt, JwtConfig, JwtMode, MemoryRefreshStore, MemoryVault, RefreshRecord, RefreshStore,
        StoreError, TokenPair, TokenVault, VerifyingKey,
    },
    Builder, Identity, MizanExt, IDENTITY_EVENT, INVALIDATE_EVENT,
};

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const RSA_PUBLIC: &[u8] = include_bytes!("../plugin/src/jwt/testkeys/rsa_public.pem");
const T0: u64 = 1_800_000_000;

// The functions ------------------------------------------------------------

#[derive(Default)]
struct Runs(AtomicU32);

#[client(auth = "member")]
fn jwt_guarded(runs: State<'_, Runs>) -> &'static str {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "members only"
}

#[client]
fn jwt_whoami(identity: Identity) -> String {
    identity.id
}

#[client]
fn jwt_open() -> &'static str {
    "open"
}

pub const MINE: tauri_plugin_mizan::Context = tauri_plugin_mizan::Context::new("jwt_mine");
static MINE_RUNS: AtomicU32 = AtomicU32::new(0);

/// Cached in the origin cache, per identity.
#[client(context = MINE, cache(ttl = "1h"))]
fn jwt_mine(me: Identity) -> String {
    MINE_RUNS.fetch_add(1, Ordering::SeqCst);
    format!("{}'s notes", me.id)
}

/// Local accounts: the app is its own issuer and holds the tokens.
#[client]
fn jwt_sign_in(app: AppHandle<MockRuntime>, user: String) -> Result<Identity, String> {
    let identity = Identity::new(user).with_role("member");
    let jwt = app.mizan().jwt().ok_or("no JWT")?;
    match app.try_state::<Server>() {
        // Tokens from another issuer, as a sign-in over HTTP would get them.
        Some(server) => jwt
            .sign_in_with(server.issue(&identity))
            .map_err(|e| e.to_string()),
        None => jwt
            .sign_in(&identity)
            .map(|()| identity)
            .map_err(|e| e.to_string()),
    }
}

#[client]
fn jwt_sign_out(app: AppHandle<MockRuntime>) {
    if let Some(jwt) = app.mizan().jwt() {
        jwt.sign_out();
    }
}

// The test app -----------------------------------------------------------------

/// A clock the test moves.
#[derive(Clone)]
struct Clock(Arc<AtomicU64>);

impl Clock {
    fn new() -> Self {
        Clock(Arc::new(AtomicU64::new(T0)))
    }
    fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    fn config(&self, config: JwtConfig) -> JwtConfig {
        let c = self.0.clone();
        config.clock(move || c.load(Ordering::SeqCst))
    }
}

fn config(clock: &Clock) -> JwtConfig {
    clock.config(
        JwtConfig::hs256(SECRET)
            .verify_with(VerifyingKey::rs256_pem(RSA_PUBLIC).unwrap())
            .issuer("mizan-tests")
            .audience("app")
            .leeway(Duration::from_secs(30))
            .access_ttl(Duration::from_secs(300)),
    )
}

struct TestApp {
    app: App<MockRuntime>,
    main: WebviewWindow<MockRuntime>,
    other: WebviewWindow<MockRuntime>,
}

fn test_app(config: JwtConfig) -> TestApp {
    let plugin = Builder::new().jwt(config).cache_in_memory().build();
    let (app, mut windows) = common::app_with(
        plugin,
        &[
            ("main", Some(&default_capability("main"))),
            ("other", Some(&default_capability("other"))),
        ],
    );
    app.manage(Runs::default());
    let other = windows.pop().unwrap();
    let main = windows.pop().unwrap();
    TestApp { app, main, other }
}

impl TestApp {
    fn runs(&self) -> u32 {
        self.app.state::<Runs>().0.load(Ordering::SeqCst)
    }

    fn jwt(&self) -> Arc<Jwt> {
        self.app.mizan().jwt().expect("configured")
    }
}

/// Calls `function` from `webview` with an `Authorization` header.
fn call_as(
    webview: &WebviewWindow<MockRuntime>,
    function: &str,
    authorization: Option<&str>,
) -> Result<Value, Value> {
    let mut headers = HeaderMap::new();
    if let Some(value) = authorization {
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
    }
    let body = InvokeBody::Json(json!({"fn": function, "args": {}}));
    get_ipc_response(webview, common::request("plugin:mizan|call", body, headers))
        .map(|b| b.deserialize::<Value>().unwrap())
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn sign(alg: jsonwebtoken::Algorithm, key: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .unwrap()
}

fn claims(exp: u64) -> Value {
    json!({"sub": "ada", "roles": ["member"], "iss": "mizan-tests", "aud": "app", "exp": exp})
}

fn with(claim: &str, value: Value) -> Value {
    let mut c = claims(T0 + 300);
    c[claim] = value;
    c
}

/// The `unauthorized` refusal's reason, checking the error's shape.
fn reason(reply: &Result<Value, Value>) -> Option<String> {
    let error = reply.as_ref().err()?;
    assert_eq!(error["code"], "unauthorized", "{error}");
    assert_eq!(error["invalidate"], json!([]));
    error["details"]["reason"].as_str().map(str::to_owned)
}

// Mode (a): a bearer token in the IPC header -----------------------------------

#[test]
fn every_refusal_reason_comes_before_the_body() {
    let clock = Clock::new();
    let t = test_app(config(&clock).mode(JwtMode::Bearer));
    let hs = |c: &Value| sign(jsonwebtoken::Algorithm::HS256, SECRET, c);
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(T0 + 300).to_string())
    );
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "expired past the leeway",
            bearer(&hs(&claims(T0 - 31))),
            "token_expired",
        ),
        (
            "bad signature",
            bearer(&sign(
                jsonwebtoken::Algorithm::HS256,
                b"not the app's secret",
                &claims(T0 + 300),
            )),
            "invalid_token",
        ),
        ("alg none", bearer(&none), "invalid_token"),
        (
            "HS256 signed with the RSA public key (HS/RS confusion)",
            bearer(&sign(
                jsonwebtoken::Algorithm::HS256,
                RSA_PUBLIC,
                &claims(T0 + 300),
            )),
            "invalid_token",
        ),
        (
            "RS256 header on an HMAC signature",
            bearer(&{
                let token = hs(&claims(T0 + 300));
                let (_, rest) = token.split_once('.').unwrap();
                format!(
                    "{}.{rest}",
                    URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#)
                )
            }),
            "invalid_token",
        ),
        (
            "wrong issuer",
            bearer(&hs(&with("iss", json!("evil")))),
            "invalid_token",
        ),
        (
            "wrong audience",
            bearer(&hs(&with("aud", json!("other-app")))),
            "invalid_token",
        ),
        ("malformed", bearer("not.a.jwt"), "invalid_token"),
        ("empty", "Bearer ".into(), "invalid_token"),
        (
            "another scheme",
            "Basic YWRhOnNlY3JldA==".into(),
            "invalid_token",
        ),
    ];
    for (what, header, expected) in cases {
        let before = t.runs();
        let reply = call_as(&t.main, "jwt_guarded", Some(&header));
        assert_eq!(
            reason(&reply).as_deref(),
            Some(expected),
            "{what}: {reply:?}"
        );
        assert_eq!(reply.as_ref().unwrap_err()["fn"], "jwt_guarded", "{what}");
        assert_eq!(t.runs(), before, "{what}: the body ran");
    }
    // Hostile headers: bytes that are not text, a huge token, one header
    // twice.
    let mut hostile = vec![
        HeaderMap::from_iter([(
            AUTHORIZATION,
            HeaderValue::from_bytes(b"Bearer \xff\xfe\x80").unwrap(),
        )]),
        HeaderMap::from_iter([(
            AUTHORIZATION,
            HeaderValue::from_str(&bearer(&"eyJ".repeat(100_000))).unwrap(),
        )]),
    ];
    let mut twice = HeaderMap::new();
    twice.append(AUTHORIZATION, HeaderValue::from_static("Bearer junk"));
    twice.append(
        AUTHORIZATION,
        HeaderValue::from_str(&bearer(&hs(&claims(T0 + 300)))).unwrap(),
    );
    hostile.push(twice);
    for headers in hostile {
        let body = InvokeBody::Json(json!({"fn": "jwt_guarded", "args": {}}));
        let reply = get_ipc_response(&t.main, common::request("plugin:mizan|call", body, headers))
            .map(|b| b.deserialize::<Value>().unwrap());
        assert_eq!(
            reason(&reply).as_deref(),
            Some("invalid_token"),
            "{reply:?}"
        );
    }
    assert_eq!(t.runs(), 0);
    // Unguarded functions never look at the header.
    assert_eq!(
        call_as(&t.main, "jwt_open", Some("Bearer junk")),
        Ok(json!({"result": "open", "invalidate": []}))
    );
    // No token at all: `unauthorized` without a token reason.
    let reply = call_as(&t.main, "jwt_guarded", None);
    assert_eq!(reason(&reply), None);
    assert_eq!(t.runs(), 0);
}

#[test]
fn a_valid_token_gives_the_identity_and_the_leeway_holds() {
    let clock = Clock::new();
    let t = test_app(config(&clock).mode(JwtMode::Bearer));
    let token = sign(jsonwebtoken::Algorithm::HS256, SECRET, &claims(T0 + 300));
    let ok = call_as(&t.main, "jwt_guarded", Some(&bearer(&token)));
    assert_eq!(ok.unwrap()["result"], "members only");
    let who = call_as(&t.main, "jwt_whoami", Some(&format!("bearer  {token} ")));
    assert_eq!(who.unwrap()["result"], "ada");

    clock.advance(300 + 30); // clock skew within the leeway
    assert!(call_as(&t.main, "jwt_guarded", Some(&bearer(&token))).is_ok());
    clock.advance(1); // past it
    let reply = call_as(&t.main, "jwt_guarded", Some(&bearer(&token)));
    assert_eq!(reason(&reply).as_deref(), Some("token_expired"));
    assert_eq!(t.runs(), 2);

    // A token without the role: forbidden, as with any identity provider.
    let mut c = claims(T0 + 1000);
    c["roles"] = json!([]);
    let plain = sign(jsonwebtoken::Algorithm::HS256, SECRET, &c);
    let reply = call_as(&t.main, "jwt_guarded", Some(&bearer(&plain)));
    assert_eq!(reply.unwrap_err()["code"], "forbidden");
}

// Mode (b): the Rust side holds the tokens ------------------------------------

/// A refresh token store that counts rotations, slowly, so that concurrent
/// callers arrive while one refresh runs.
#[derive(Clone, Default)]
struct SlowCounting(Arc<(AtomicUsize, MemoryRefreshStore)>);

impl RefreshStore for SlowCounting {
    fn get(&self, key: &str) -> Result<Option<RefreshRecord>, StoreError> {
        self.0 .1.get(key)
    }
    fn put(&self, key: &str, record: RefreshRecord) -> Result<(), StoreError> {
        if record.retired.is_some() {
            self.0 .0.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(50));
        }
        self.0 .1.put(key, record)
    }
    fn revoke_family(&self, family: &str) -> Result<(), StoreError> {
        self.0 .1.revoke_family(family)
    }
}

#[test]
fn twenty_concurrent_expired_calls_refresh_once() {
    let clock = Clock::new();
    let store = SlowCounting::default();
    let t = test_app(config(&clock).refresh_store(store.clone()));
    t.jwt()
        .sign_in(&Identity::new("ada").with_role("member"))
        .unwrap();
    assert!(call_as(&t.main, "jwt_guarded", None).is_ok());
    clock.advance(301);

    let barrier = Arc::new(Barrier::new(20));
    let replies: Vec<_> = std::thread::scope(|s| {
        let calls: Vec<_> = (0..20)
            .map(|i| {
                let barrier = barrier.clone();
                let webview = if i % 2 == 0 { &t.main } else { &t.other };
                s.spawn(move || {
                    barrier.wait();
                    call_as(webview, "jwt_guarded", None)
                })
            })
            .collect();
        calls.into_iter().map(|c| c.join().unwrap()).collect()
    });
    for reply in replies {
        assert_eq!(reply.unwrap()["result"], "members only");
    }
    assert_eq!(
        store.0 .0.load(Ordering::SeqCst),
        1,
        "one refresh for twenty calls"
    );
    assert_eq!(t.runs(), 21);
}

#[test]
fn a_held_session_ignores_bearer_headers() {
    let clock = Clock::new();
    let t = test_app(config(&clock));
    let token = sign(jsonwebtoken::Algorithm::HS256, SECRET, &claims(T0 + 300));
    let reply = call_as(&t.main, "jwt_guarded", Some(&bearer(&token)));
    assert_eq!(
        reason(&reply),
        None,
        "no one is signed in: the header does not count"
    );
    assert_eq!(t.runs(), 0);
}

#[test]
fn a_failed_refresh_signs_out_everywhere() {
    let clock = Clock::new();
    let t = test_app(config(&clock).refresh_ttl(Duration::from_secs(100)));
    let seen = record(&t.other, IDENTITY_EVENT);
    t.jwt()
        .sign_in(&Identity::new("ada").with_role("member"))
        .unwrap();
    clock.advance(301); // the access and the refresh token are both past
    let reply = call_as(&t.main, "jwt_guarded", None);
    assert_eq!(reason(&reply).as_deref(), Some("token_expired"));
    assert_eq!(t.runs(), 0);
    let changes: Vec<Value> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|e| e["change"].clone())
        .collect();
    assert_eq!(changes, [json!("signed_in"), json!("signed_out")]);
    assert_eq!(t.jwt().signed_in(), None);
}

#[test]
fn a_slow_refresher_runs_off_the_calling_thread_within_its_timeout() {
    let clock = Clock::new();
    let server = Arc::new(Jwt::new(config(&clock)).unwrap());
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new(gate));
    let ran_on = Arc::new(Mutex::new(Vec::new()));
    let app_config = clock
        .config(
            JwtConfig::new()
                .verify_with(VerifyingKey::hs256(SECRET))
                .issuer("mizan-tests")
                .audience("app"),
        )
        .refresh_timeout(Duration::from_millis(200))
        .refresher({
            let (server, gate, ran_on) = (server.clone(), gate.clone(), ran_on.clone());
            move |refresh| {
                ran_on.lock().unwrap().push(std::thread::current().id());
                // Held until the test releases it; a minute at most, so
                // that a refresher that blocks its caller fails the test
                // instead of hanging it.
                let gate = gate.lock().unwrap();
                if gate.recv_timeout(Duration::from_secs(60)).is_err() {
                    return Err("never released".to_owned());
                }
                server.refresh(refresh).map_err(|e| e.to_string())
            }
        });
    let t = test_app(app_config);
    let member = Identity::new("ada").with_role("member");
    t.jwt()
        .sign_in_with(server.issue(&member).unwrap())
        .unwrap();
    clock.advance(301);

    // The call that meets the expired token (a sync function, run where
    // the IPC message arrived): its refresh outlasts the timeout.
    let reply = call_as(&t.main, "jwt_guarded", None);
    assert_eq!(reason(&reply).as_deref(), Some("token_expired"));
    let refreshes = || ran_on.lock().unwrap().clone();
    assert_eq!(refreshes().len(), 1);
    assert_ne!(
        refreshes()[0],
        std::thread::current().id(),
        "the refresher ran on the thread that received the call"
    );
    // While it runs, reading who is signed in does not wait for it, and a
    // call that meets the token is answered at once, without a second
    // refresh.
    assert_eq!(t.jwt().signed_in(), Some(member.clone()));
    let again = call_as(&t.other, "jwt_guarded", None);
    assert_eq!(reason(&again).as_deref(), Some("token_expired"));
    assert_eq!(
        call_as(&t.other, "jwt_open", None).unwrap()["result"],
        "open"
    );
    assert_eq!(refreshes().len(), 1);
    assert_eq!(t.runs(), 0);

    // Released, the refresh ends and the session takes its tokens: the
    // user stays signed in.
    release.send(()).unwrap();
    let mut settled = false;
    for _ in 0..1000 {
        if call_as(&t.main, "jwt_guarded", None).is_ok() {
            settled = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(settled, "the late refresh was never taken");
    assert_eq!(refreshes().len(), 1, "one refresh in all");
    assert_eq!(t.jwt().signed_in(), Some(member));
}

/// Another issuer the app talks to (an auth server): it records every
/// token it hands out.
#[derive(Clone)]
struct Server {
    jwt: Arc<Jwt>,
    issued: Arc<Mutex<Vec<String>>>,
    refreshes: Arc<AtomicUsize>,
}

impl Server {
    fn issue(&self, identity: &Identity) -> TokenPair {
        let pair = self.jwt.issue(identity).unwrap();
        self.record(&pair);
        pair
    }

    fn record(&self, pair: &TokenPair) {
        let mut issued = self.issued.lock().unwrap();
        issued.push(pair.access_token.clone());
        issued.push(pair.refresh_token.clone());
    }
}

/// Every payload of `event` that `webview` receives, as JSON.
fn record(webview: &WebviewWindow<MockRuntime>, event: &'static str) -> Arc<Mutex<Vec<Value>>> {
    common::record_notices(webview, event)
}

#[test]
fn the_held_mode_never_puts_a_token_in_an_answer_or_an_event() {
    let clock = Clock::new();
    let server = Server {
        jwt: Arc::new(Jwt::new(config(&clock)).unwrap()),
        issued: Arc::default(),
        refreshes: Arc::default(),
    };
    let app_config = clock
        .config(
            JwtConfig::new()
                .verify_with(VerifyingKey::hs256(SECRET))
                .issuer("mizan-tests")
                .audience("app"),
        )
        .refresher({
            let server = server.clone();
            move |refresh| {
                server.refreshes.fetch_add(1, Ordering::SeqCst);
                let pair = server.jwt.refresh(refresh).map_err(|e| e.to_string())?;
                server.record(&pair);
                Ok(pair)
            }
        });
    let t = test_app(app_config);
    t.app.manage(server.clone());
    let identity = [
        record(&t.main, IDENTITY_EVENT),
        record(&t.other, IDENTITY_EVENT),
    ];
    let events = [
        identity[0].clone(),
        identity[1].clone(),
        record(&t.main, INVALIDATE_EVENT),
        record(&t.other, INVALIDATE_EVENT),
    ];

    let mut answers = Vec::new();
    let mut step = |webview: &WebviewWindow<MockRuntime>, function: &str, args: Value| {
        let body = InvokeBody::Json(json!({"fn": function, "args": args}));
        let reply = get_ipc_response(
            webview,
            common::request("plugin:mizan|call", body, HeaderMap::new()),
        )
        .map(|b| b.deserialize::<Value>().unwrap());
        answers.push(format!("{reply:?}"));
        reply
    };
    assert_eq!(
        step(&t.main, "jwt_sign_in", json!({"user": "ada"})).unwrap()["result"]["id"],
        "ada"
    );
    assert_eq!(
        step(&t.other, "jwt_whoami", json!({})).unwrap()["result"],
        "ada"
    );
    clock.advance(301); // the next call refreshes through the server
    assert!(step(&t.main, "jwt_guarded", json!({})).is_ok());
    assert_eq!(server.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(
        step(&t.other, "jwt_sign_in", json!({"user": "bob"})).unwrap()["result"]["id"],
        "bob"
    );
    assert_eq!(
        step(&t.main, "jwt_whoami", json!({})).unwrap()["result"],
        "bob"
    );
    step(&t.main, "jwt_sign_out", json!({})).unwrap();
    assert!(step(&t.other, "jwt_guarded", json!({})).is_err());

    let issued = server.issued.lock().unwrap().clone();
    assert!(
        issued.len() >= 6,
        "the server handed out tokens: {}",
        issued.len()
    );
    let events: Vec<String> = events
        .iter()
        .flat_map(|e| {
            e.lock()
                .unwrap()
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    for text in answers.iter().chain(&events) {
        assert!(
            !text.contains("eyJ"),
            "a JWT crossed into the webview: {text}"
        );
        for token in &issued {
            assert!(
                !text.contains(token.as_str()),
                "a token crossed into the webview: {text}"
            );
        }
    }
    // Both windows saw every change: sign-in, the switch, the sign-out.
    for (w, seen) in [(0, &identity[0]), (1, &identity[1])] {
        let changes: Vec<(Value, Value)> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|e| (e["change"].clone(), e["identity"]["id"].clone()))
            .collect();
        assert_eq!(
            changes,
            [
                (json!("signed_in"), json!("ada")),
                (json!("switched"), json!("bob")),
                (json!("signed_out"), Value::Null),
            ],
            "window {w}"
        );
    }
}

#[test]
fn signing_out_purges_the_old_identitys_origin_cache_entries() {
    let clock = Clock::new();
    let t = test_app(config(&clock));
    let mine = || common::ctx(&t.main, "jwt_mine", json!({})).unwrap()["data"]["jwt_mine"].clone();
    let runs = || MINE_RUNS.load(Ordering::SeqCst);
    t.jwt().sign_in(&Identity::new("ada")).unwrap();
    assert_eq!(mine(), "ada's notes");
    let after_first = runs();
    assert_eq!(mine(), "ada's notes");
    assert_eq!(runs(), after_first, "served from the origin cache");

    t.jwt().sign_out();
    t.jwt().sign_in(&Identity::new("ada")).unwrap();
    assert_eq!(mine(), "ada's notes");
    assert_eq!(runs(), after_first + 1, "the sign-out purged ada's entry");

    // Switching users purges the previous one's entries as well.
    t.jwt().sign_in(&Identity::new("bob")).unwrap();
    assert_eq!(mine(), "bob's notes");
    t.jwt().sign_in(&Identity::new("ada")).unwrap();
    assert_eq!(mine(), "ada's notes");
    assert_eq!(runs(), after_first + 3);
}

// A held session across restarts (the token vault) ----------------------------

/// A refresh store that outlives one run of the app, as a database would.
#[derive(Clone, Default)]
struct DurableStore(Arc<MemoryRefreshStore>);

impl RefreshStore for DurableStore {
    fn get(&self, key: &str) -> Result<Option<RefreshRecord>, StoreError> {
        self.0.get(key)
    }
    fn put(&self, key: &str, record: RefreshRecord) -> Result<(), StoreError> {
        self.0.put(key, record)
    }
    fn revoke_family(&self, family: &str) -> Result<(), StoreError> {
        self.0.revoke_family(family)
    }
}

/// One run of the app with a vault and a refresh store that survive it.
fn run_with(clock: &Clock, vault: &Arc<MemoryVault>, store: &DurableStore) -> TestApp {
    test_app(
        config(clock)
            .refresh_store(store.clone())
            .token_vault(vault.clone()),
    )
}

fn whoami(t: &TestApp) -> Result<Value, Value> {
    call_as(&t.main, "jwt_whoami", None).map(|envelope| envelope["result"].clone())
}

#[test]
fn a_saved_session_survives_a_restart_until_signing_out() {
    let clock = Clock::new();
    let vault = Arc::new(MemoryVault::default());
    let store = DurableStore::default();

    let first = run_with(&clock, &vault, &store);
    assert_eq!(
        vault.load().unwrap(),
        None,
        "nothing saved before a sign-in"
    );
    first
        .jwt()
        .sign_in(&Identity::new("ada").with_role("member"))
        .unwrap();
    let at_sign_in = vault.load().unwrap().expect("saved at sign-in");
    drop(first);

    // Restarted: signed in before any call, with the saved token rotated.
    let second = run_with(&clock, &vault, &store);
    assert_eq!(
        second.jwt().signed_in().map(|i| i.id).as_deref(),
        Some("ada")
    );
    assert_eq!(whoami(&second), Ok(json!("ada")));
    assert_eq!(
        call_as(&second.main, "jwt_guarded", None).unwrap()["result"],
        "members only"
    );
    let resumed = vault.load().unwrap().expect("the successor is saved");
    assert_ne!(resumed, at_sign_in, "the saved token was rotated on resume");

    // A refresh of the held tokens saves the successor too.
    clock.advance(301);
    assert_eq!(whoami(&second), Ok(json!("ada")));
    let refreshed = vault.load().unwrap().expect("still saved");
    assert_ne!(refreshed, resumed);

    // Signing out clears the vault: the next run starts signed out.
    second.jwt().sign_out();
    assert_eq!(vault.load().unwrap(), None);
    drop(second);
    let third = run_with(&clock, &vault, &store);
    assert_eq!(third.jwt().signed_in(), None);
    let reply = call_as(&third.main, "jwt_guarded", None);
    assert_eq!(reply.unwrap_err()["code"], "unauthorized");
}

#[test]
fn a_saved_token_that_no_longer_refreshes_is_cleared_at_start_up() {
    let clock = Clock::new();
    let vault = Arc::new(MemoryVault::default());
    let store = DurableStore::default();

    // A token the refresh store never issued (or one that did not survive).
    vault.save("forged or forgotten").unwrap();
    let t = run_with(&clock, &vault, &store);
    assert_eq!(t.jwt().signed_in(), None);
    assert_eq!(vault.load().unwrap(), None);
    drop(t);

    // A token whose family was revoked by reuse: presenting a retired token
    // again signs no one in, and nothing stays saved.
    let first = run_with(&clock, &vault, &store);
    first
        .jwt()
        .sign_in(&Identity::new("ada").with_role("member"))
        .unwrap();
    let stolen = vault.load().unwrap().unwrap();
    drop(first);
    let second = run_with(&clock, &vault, &store); // rotates `stolen`
    assert!(second.jwt().signed_in().is_some());
    drop(second);
    vault.save(&stolen).unwrap();
    let third = run_with(&clock, &vault, &store);
    assert_eq!(third.jwt().signed_in(), None);
    assert_eq!(vault.load().unwrap(), None);
}

#[cfg(feature = "keychain")]
#[test]
fn the_keychain_vault_saves_replaces_and_clears() {
    use tauri_plugin_mizan::jwt::KeychainVault;
    // A desktop login gives every process a session keyring; a test
    // process may have none, so it joins one as a login would.
    #[cfg(target_os = "linux")]
    linux_keyutils::KeyRing::from_special_id(linux_keyutils::KeyRingIdentifier::Session, true)
        .expect("a session keyring");
    let service = format!("dev.mizan.tests.{}", std::process::id());
    let vault = KeychainVault::new(&service, "session").unwrap();
    assert_eq!(vault.load().unwrap(), None);
    vault.save("first token").unwrap();
    assert_eq!(vault.load().unwrap().as_deref(), Some("first token"));
    vault.save("second token").unwrap();
    assert_eq!(vault.load().unwrap().as_deref(), Some("second token"));
    vault.clear().unwrap();
    assert_eq!(vault.load().unwrap(), None);
    vault.clear().unwrap();
}
