//! Unit tests of the JWT core: every refusal reason, the leeway, rotation,
//! reuse detection and the held session. The PEM files under `testkeys/`
//! were generated for these tests only.

use std::{
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::json;

use super::*;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const RSA_PRIVATE: &[u8] = include_bytes!("testkeys/rsa_private.pem");
const RSA_PUBLIC: &[u8] = include_bytes!("testkeys/rsa_public.pem");
const EC_PRIVATE: &[u8] = include_bytes!("testkeys/ec_private.pem");
const EC_PUBLIC: &[u8] = include_bytes!("testkeys/ec_public.pem");
const ED_PRIVATE: &[u8] = include_bytes!("testkeys/ed_private.pem");
const ED_PUBLIC: &[u8] = include_bytes!("testkeys/ed_public.pem");
const T0: u64 = 1_800_000_000;

/// A clock the test moves.
#[derive(Clone)]
struct TestClock(Arc<AtomicU64>);

impl TestClock {
    fn new() -> Self {
        TestClock(Arc::new(AtomicU64::new(T0)))
    }
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
    fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    fn config(&self, config: JwtConfig) -> JwtConfig {
        let c = self.clone();
        config.clock(move || c.now())
    }
}

fn hs256(clock: &TestClock) -> Jwt {
    Jwt::new(
        clock.config(
            JwtConfig::hs256(SECRET)
                .issuer("mizan-tests")
                .audience("app")
                .leeway(Duration::from_secs(30))
                .access_ttl(Duration::from_secs(300)),
        ),
    )
    .unwrap()
}

/// Signs `claims` with `key` as `alg`, bypassing the plugin.
fn sign(
    alg: jsonwebtoken::Algorithm,
    key: &jsonwebtoken::EncodingKey,
    claims: serde_json::Value,
) -> String {
    jsonwebtoken::encode(&jsonwebtoken::Header::new(alg), &claims, key).unwrap()
}

fn claims(now: u64) -> serde_json::Value {
    json!({"sub": "ada", "roles": ["member"], "iss": "mizan-tests", "aud": "app", "iat": now, "exp": now + 300})
}

fn hs(claims: serde_json::Value) -> String {
    sign(
        jsonwebtoken::Algorithm::HS256,
        &jsonwebtoken::EncodingKey::from_secret(SECRET),
        claims,
    )
}

fn refused(jwt: &Jwt, token: &str) -> TokenRefusal {
    jwt.verify(token).expect_err("the token must be refused")
}

/// Why a token is invalid; fails the test if it is not.
fn why(jwt: &Jwt, token: &str) -> InvalidToken {
    match refused(jwt, token) {
        TokenRefusal::Invalid(reason) => reason,
        other => panic!("expected an invalid token, got {other:?}"),
    }
}

#[test]
fn a_valid_token_gives_its_identity() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let identity = jwt.verify(&hs(claims(T0))).unwrap();
    assert_eq!(identity, Identity::new("ada").with_role("member"));
}

#[test]
fn roles_may_be_a_space_separated_string() {
    let clock = TestClock::new();
    let jwt = Jwt::new(clock.config(JwtConfig::hs256(SECRET).roles_claim("scope"))).unwrap();
    let token = hs(json!({"sub": "ada", "exp": T0 + 60, "scope": "read write"}));
    assert_eq!(jwt.verify(&token).unwrap().roles, ["read", "write"]);
    let bad = hs(json!({"sub": "ada", "exp": T0 + 60, "scope": 7}));
    assert_eq!(why(&jwt, &bad), InvalidToken::Claims);
}

#[test]
fn expiry_is_checked_with_the_leeway() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let token = hs(claims(T0)); // exp = T0 + 300, leeway 30
    clock.advance(300 + 30); // skew within the leeway
    assert!(jwt.verify(&token).is_ok());
    clock.advance(1); // past it
    assert_eq!(refused(&jwt, &token), TokenRefusal::Expired);
    assert_eq!(TokenRefusal::Expired.reason(), "token_expired");
}

#[test]
fn not_before_is_checked_with_the_leeway() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let mut c = claims(T0);
    c["nbf"] = json!(T0 + 30);
    assert!(jwt.verify(&hs(c.clone())).is_ok());
    c["nbf"] = json!(T0 + 31);
    assert_eq!(why(&jwt, &hs(c)), InvalidToken::NotYetValid);
}

#[test]
fn a_token_sent_again_is_checked_against_the_clock_each_time() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let mut c = claims(T0);
    c["nbf"] = json!(T0 + 60);
    let token = hs(c);
    assert_eq!(why(&jwt, &token), InvalidToken::NotYetValid);
    clock.advance(60);
    assert!(jwt.verify(&token).is_ok());
    assert!(jwt.verify(&token).is_ok());
    clock.advance(300); // exp = T0 + 300, leeway 30: past it
    assert_eq!(refused(&jwt, &token), TokenRefusal::Expired);

    // Its signature changed by one character: checked afresh, refused.
    let token = hs(claims(clock.now()));
    assert!(jwt.verify(&token).is_ok());
    let at = token.len() - 5; // inside the signature, a full base64 digit
    let swap = if &token[at..=at] == "A" { "B" } else { "A" };
    let forged = format!("{}{swap}{}", &token[..at], &token[at + 1..]);
    assert_eq!(why(&jwt, &forged), InvalidToken::Signature);

    // Beyond the remembered ones, every token still verifies.
    let tokens: Vec<String> = (0..300)
        .map(|i| hs(json!({"sub": format!("user{i}"), "iss": "mizan-tests", "aud": "app", "exp": clock.now() + 60})))
        .collect();
    for (i, token) in tokens.iter().enumerate().chain(tokens.iter().enumerate()) {
        assert_eq!(jwt.verify(token).unwrap().id, format!("user{i}"));
    }
}

#[test]
fn a_bad_signature_is_invalid() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let other = sign(
        jsonwebtoken::Algorithm::HS256,
        &jsonwebtoken::EncodingKey::from_secret(b"another secret, also 32 bytes..."),
        claims(T0),
    );
    let refusal = refused(&jwt, &other);
    assert_eq!(refusal, TokenRefusal::Invalid(InvalidToken::Signature));
    assert_eq!(refusal.reason(), "invalid_token");

    // A valid token with its payload swapped for another subject's.
    let valid = hs(claims(T0));
    let parts: Vec<&str> = valid.split('.').collect();
    let mut c = claims(T0);
    c["sub"] = json!("mallory");
    let payload = URL_SAFE_NO_PAD.encode(c.to_string());
    let tampered = format!("{}.{payload}.{}", parts[0], parts[2]);
    assert_eq!(why(&jwt, &tampered), InvalidToken::Signature);
}

#[test]
fn alg_none_is_invalid() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(T0).to_string());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        assert_eq!(refused(&jwt, &token).reason(), "invalid_token", "{token}");
    }
}

#[test]
fn an_algorithm_without_a_key_is_invalid() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let es = sign(
        jsonwebtoken::Algorithm::ES256,
        &jsonwebtoken::EncodingKey::from_ec_pem(EC_PRIVATE).unwrap(),
        claims(T0),
    );
    assert_eq!(why(&jwt, &es), InvalidToken::Algorithm);
}

#[test]
fn hs_rs_confusion_is_invalid() {
    // The classic attack: sign HS256 with the RSA public key as the secret,
    // hoping the verifier uses "the key" with the header's algorithm.
    let clock = TestClock::new();
    let jwt = Jwt::new(
        clock.config(JwtConfig::new().verify_with(VerifyingKey::rs256_pem(RSA_PUBLIC).unwrap())),
    )
    .unwrap();
    let c = json!({"sub": "mallory", "exp": T0 + 60});
    let forged = sign(
        jsonwebtoken::Algorithm::HS256,
        &jsonwebtoken::EncodingKey::from_secret(RSA_PUBLIC),
        c.clone(),
    );
    assert_eq!(why(&jwt, &forged), InvalidToken::Algorithm);
    // And the genuine RS256 token passes.
    let genuine = sign(
        jsonwebtoken::Algorithm::RS256,
        &jsonwebtoken::EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap(),
        c,
    );
    assert_eq!(jwt.verify(&genuine).unwrap().id, "mallory");
}

#[test]
fn wrong_or_missing_issuer_and_audience_are_invalid() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let cases = [
        ("iss", json!("someone-else"), InvalidToken::Issuer),
        ("iss", json!(null), InvalidToken::Issuer),
        ("aud", json!("another-app"), InvalidToken::Audience),
        ("aud", json!(["x", "y"]), InvalidToken::Audience),
        ("aud", json!(null), InvalidToken::Audience),
    ];
    for (claim, value, expected) in cases {
        let mut c = claims(T0);
        if value.is_null() {
            c.as_object_mut().unwrap().remove(claim);
        } else {
            c[claim] = value.clone();
        }
        assert_eq!(
            refused(&jwt, &hs(c)),
            TokenRefusal::Invalid(expected),
            "{claim} = {value}"
        );
    }
    let mut listed = claims(T0);
    listed["aud"] = json!(["another-app", "app"]);
    assert!(jwt.verify(&hs(listed)).is_ok(), "an aud list naming us");
}

#[test]
fn malformed_tokens_are_invalid() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let valid = hs(claims(T0));
    let cases = [
        String::new(),
        "abc".into(),
        "a.b.c".into(),
        "a.b".into(),
        format!("{valid}.extra"),
        valid.replace('.', "!"),
        "\u{0}\u{1}.\u{2}.\u{3}".into(),
    ];
    for token in cases {
        assert_eq!(refused(&jwt, &token).reason(), "invalid_token", "{token:?}");
    }
}

#[test]
fn missing_or_malformed_claims_are_invalid() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    for (claim, value) in [
        ("sub", json!(null)),
        ("sub", json!("")),
        ("sub", json!(5)),
        ("exp", json!(null)),
        ("exp", json!("tomorrow")),
        ("roles", json!([1, 2])),
    ] {
        let mut c = claims(T0);
        if value.is_null() {
            c.as_object_mut().unwrap().remove(claim);
        } else {
            c[claim] = value.clone();
        }
        assert_eq!(
            refused(&jwt, &hs(c)).reason(),
            "invalid_token",
            "{claim} = {value}"
        );
    }
}

#[test]
fn rs256_es256_and_eddsa_issue_and_verify() {
    let clock = TestClock::new();
    let configs = [
        (
            VerifyingKey::rs256_pem(RSA_PUBLIC).unwrap(),
            SigningKey::rs256_pem(RSA_PRIVATE).unwrap(),
        ),
        (
            VerifyingKey::es256_pem(EC_PUBLIC).unwrap(),
            SigningKey::es256_pem(EC_PRIVATE).unwrap(),
        ),
        (
            VerifyingKey::eddsa_pem(ED_PUBLIC).unwrap(),
            SigningKey::eddsa_pem(ED_PRIVATE).unwrap(),
        ),
    ];
    for (verifying, signing) in configs {
        let alg = signing.algorithm();
        let jwt =
            Jwt::new(clock.config(JwtConfig::new().verify_with(verifying).sign_with(signing)))
                .unwrap();
        let pair = jwt.issue(&Identity::new("ada").with_role("admin")).unwrap();
        let identity = jwt.verify(&pair.access_token).unwrap();
        assert_eq!(identity, Identity::new("ada").with_role("admin"), "{alg}");
        // The same token does not pass an HS256 verifier.
        assert_eq!(
            refused(&hs256(&clock), &pair.access_token).reason(),
            "invalid_token"
        );
    }
    assert!(VerifyingKey::rs256_pem(b"not a pem").is_err());
    assert!(SigningKey::es256_pem(RSA_PRIVATE).is_err());
}

#[test]
fn the_configuration_is_checked() {
    assert_eq!(
        Jwt::new(JwtConfig::new()).unwrap_err(),
        JwtError::Config("no verifying key")
    );
    let mismatched = JwtConfig::new()
        .verify_with(VerifyingKey::hs256(SECRET))
        .sign_with(SigningKey::rs256_pem(RSA_PRIVATE).unwrap());
    assert!(matches!(Jwt::new(mismatched), Err(JwtError::Config(_))));
    let verify_only = Jwt::new(JwtConfig::new().verify_with(VerifyingKey::hs256(SECRET))).unwrap();
    assert!(matches!(
        verify_only.issue(&Identity::new("ada")),
        Err(JwtError::Unsupported(_))
    ));
}

#[test]
fn issued_tokens_carry_the_configured_claims() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let pair = jwt
        .issue(&Identity::new("ada").with_role("member"))
        .unwrap();
    let data =
        jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(&pair.access_token).unwrap();
    assert_eq!(
        data.claims,
        json!({"sub": "ada", "roles": ["member"], "iss": "mizan-tests", "aud": "app", "iat": T0, "exp": T0 + 300})
    );
    assert_eq!(format!("{pair:?}"), "TokenPair { .. }", "no token in logs");
}

// Refresh: rotation and reuse detection ---------------------------------------

#[test]
fn each_refresh_rotates() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let first = jwt
        .issue(&Identity::new("ada").with_role("member"))
        .unwrap();
    clock.advance(400);
    assert_eq!(refused(&jwt, &first.access_token), TokenRefusal::Expired);
    let second = jwt.refresh(&first.refresh_token).unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(
        jwt.verify(&second.access_token).unwrap(),
        Identity::new("ada").with_role("member")
    );
    let third = jwt.refresh(&second.refresh_token).unwrap();
    assert!(jwt.verify(&third.access_token).is_ok());
}

#[test]
fn a_reused_refresh_token_revokes_its_family() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let first = jwt.issue(&Identity::new("ada")).unwrap();
    let other_family = jwt.issue(&Identity::new("ada")).unwrap();
    let second = jwt.refresh(&first.refresh_token).unwrap();
    // The thief (or the owner) presents the retired token again.
    assert_eq!(jwt.refresh(&first.refresh_token), Err(JwtError::Reused));
    // The legitimate successor is revoked with the family...
    assert_eq!(jwt.refresh(&second.refresh_token), Err(JwtError::Unknown));
    assert_eq!(jwt.refresh(&first.refresh_token), Err(JwtError::Unknown));
    // ...and another sign-in's family is untouched.
    assert!(jwt.refresh(&other_family.refresh_token).is_ok());
}

#[test]
fn the_grace_window_allows_one_retry_of_a_lost_answer() {
    let clock = TestClock::new();
    let jwt = Jwt::new(clock.config(JwtConfig::hs256(SECRET).reuse_grace(Duration::from_secs(10))))
        .unwrap();
    let first = jwt.issue(&Identity::new("ada")).unwrap();
    let _lost = jwt.refresh(&first.refresh_token).unwrap();
    clock.advance(10);
    // Within the window, the successor unused: a retry, not a theft.
    let retried = jwt.refresh(&first.refresh_token).unwrap();
    assert!(jwt.refresh(&retried.refresh_token).is_ok());
    // The successor is now used: presenting the first token is reuse.
    assert_eq!(jwt.refresh(&first.refresh_token), Err(JwtError::Reused));

    let a = jwt.issue(&Identity::new("bob")).unwrap();
    let b = jwt.refresh(&a.refresh_token).unwrap();
    clock.advance(11);
    // Past the window: reuse, and the family goes.
    assert_eq!(jwt.refresh(&a.refresh_token), Err(JwtError::Reused));
    assert_eq!(jwt.refresh(&b.refresh_token), Err(JwtError::Unknown));
}

#[test]
fn refresh_tokens_expire_and_can_be_revoked() {
    let clock = TestClock::new();
    let jwt =
        Jwt::new(clock.config(JwtConfig::hs256(SECRET).refresh_ttl(Duration::from_secs(100))))
            .unwrap();
    let pair = jwt.issue(&Identity::new("ada")).unwrap();
    clock.advance(100);
    assert_eq!(jwt.refresh(&pair.refresh_token), Err(JwtError::Expired));

    let pair = jwt.issue(&Identity::new("ada")).unwrap();
    jwt.revoke(&pair.refresh_token).unwrap();
    assert_eq!(jwt.refresh(&pair.refresh_token), Err(JwtError::Unknown));
    assert_eq!(jwt.refresh("never issued"), Err(JwtError::Unknown));
    assert_eq!(jwt.refresh(""), Err(JwtError::Unknown));
}

#[test]
fn the_store_never_holds_a_token() {
    #[derive(Default)]
    struct Recording(Mutex<Vec<String>>, MemoryRefreshStore);
    impl RefreshStore for Arc<Recording> {
        fn get(&self, key: &str) -> Result<Option<RefreshRecord>, StoreError> {
            self.1.get(key)
        }
        fn put(&self, key: &str, record: RefreshRecord) -> Result<(), StoreError> {
            self.0.lock().unwrap().push(format!("{key} {record:?}"));
            self.1.put(key, record)
        }
        fn revoke_family(&self, family: &str) -> Result<(), StoreError> {
            self.1.revoke_family(family)
        }
    }
    let store = Arc::new(Recording::default());
    let jwt = Jwt::new(JwtConfig::hs256(SECRET).refresh_store(store.clone())).unwrap();
    let first = jwt.issue(&Identity::new("ada")).unwrap();
    let second = jwt.refresh(&first.refresh_token).unwrap();
    let written = store.0.lock().unwrap().join("\n");
    assert_eq!(store.0.lock().unwrap().len(), 3);
    for token in [&first.refresh_token, &second.refresh_token] {
        assert!(!written.contains(token.as_str()), "a raw token was stored");
    }
}

// The held session (mode b) ----------------------------------------------------

fn recording(jwt: &Jwt) -> Arc<Mutex<Vec<IdentityChange>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    jwt.on_change(move |c| sink.lock().unwrap().push(c.clone()));
    seen
}

#[test]
fn sign_in_switch_and_sign_out_are_announced() {
    let clock = TestClock::new();
    let jwt = hs256(&clock);
    let seen = recording(&jwt);
    assert_eq!(jwt.current(), Ok(None));
    jwt.sign_in(&Identity::new("ada")).unwrap();
    assert_eq!(jwt.current(), Ok(Some(Identity::new("ada"))));
    jwt.sign_in(&Identity::new("ada")).unwrap(); // same subject: no change
    jwt.sign_in(&Identity::new("bob")).unwrap();
    jwt.sign_out();
    jwt.sign_out(); // no one to sign out: no change
    assert_eq!(jwt.current(), Ok(None));
    let kinds: Vec<_> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c.change,
                c.identity.as_ref().map(|i| i.id.clone()),
                c.previous.clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::SignedIn, Some("ada".into()), None),
            (ChangeKind::Switched, Some("bob".into()), Some("ada".into())),
            (ChangeKind::SignedOut, None, Some("bob".into())),
        ]
    );
    let text = serde_json::to_string(&seen.lock().unwrap()[0]).unwrap();
    assert_eq!(
        text,
        r#"{"change":"signed_in","identity":{"id":"ada","roles":[]},"previous":null}"#
    );
}

/// A store that counts rotations (a record written retired), slowly.
#[derive(Default)]
struct Counting(AtomicUsize, MemoryRefreshStore);

impl RefreshStore for Arc<Counting> {
    fn get(&self, key: &str) -> Result<Option<RefreshRecord>, StoreError> {
        self.1.get(key)
    }
    fn put(&self, key: &str, record: RefreshRecord) -> Result<(), StoreError> {
        if record.retired.is_some() {
            self.0.fetch_add(1, Ordering::SeqCst);
            // A slow store: the other callers arrive while this rotates.
            std::thread::sleep(Duration::from_millis(50));
        }
        self.1.put(key, record)
    }
    fn revoke_family(&self, family: &str) -> Result<(), StoreError> {
        self.1.revoke_family(family)
    }
}

#[test]
fn concurrent_callers_meeting_an_expired_token_refresh_once() {
    let clock = TestClock::new();
    let store = Arc::new(Counting::default());
    let jwt = Arc::new(
        Jwt::new(clock.config(JwtConfig::hs256(SECRET).refresh_store(store.clone()))).unwrap(),
    );
    jwt.sign_in(&Identity::new("ada")).unwrap();
    let before = jwt.access_token().unwrap().unwrap();
    clock.advance(301);
    let barrier = Arc::new(std::sync::Barrier::new(20));
    let threads: Vec<_> = (0..20)
        .map(|_| {
            let (jwt, barrier) = (jwt.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                jwt.current()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), Ok(Some(Identity::new("ada"))));
    }
    assert_eq!(store.0.load(Ordering::SeqCst), 1, "one refresh");
    assert_ne!(jwt.access_token().unwrap().unwrap(), before);
}

#[test]
fn a_failed_refresh_signs_out() {
    let clock = TestClock::new();
    let jwt =
        Jwt::new(clock.config(JwtConfig::hs256(SECRET).refresh_ttl(Duration::from_secs(200))))
            .unwrap();
    let seen = recording(&jwt);
    jwt.sign_in(&Identity::new("ada")).unwrap();
    clock.advance(301); // access and refresh token both expired
    assert_eq!(jwt.current(), Err(TokenRefusal::Expired));
    assert_eq!(jwt.current(), Ok(None));
    assert_eq!(
        seen.lock().unwrap().last().unwrap().change,
        ChangeKind::SignedOut
    );
}

#[test]
fn sign_out_revokes_the_family() {
    let clock = TestClock::new();
    let store = Arc::new(Counting::default());
    let jwt =
        Jwt::new(clock.config(JwtConfig::hs256(SECRET).refresh_store(store.clone()))).unwrap();
    jwt.sign_in(&Identity::new("ada")).unwrap();
    assert_eq!(store.1.len(), 1);
    jwt.sign_out();
    assert!(store.1.is_empty());
}

#[test]
fn tokens_of_another_issuer_are_held_and_refreshed_by_the_refresher() {
    // The "server": an HS256 issuer the app only verifies.
    let clock = TestClock::new();
    let server = Arc::new(hs256(&clock));
    let calls = Arc::new(AtomicUsize::new(0));
    let (s, n) = (server.clone(), calls.clone());
    let app = Jwt::new(
        clock.config(
            JwtConfig::new()
                .verify_with(VerifyingKey::hs256(SECRET))
                .issuer("mizan-tests")
                .audience("app")
                .refresher(move |refresh| {
                    n.fetch_add(1, Ordering::SeqCst);
                    s.refresh(refresh).map_err(|e| e.to_string())
                }),
        ),
    )
    .unwrap();
    let pair = server.issue(&Identity::new("ada")).unwrap();
    assert_eq!(app.sign_in_with(pair).unwrap(), Identity::new("ada"));
    clock.advance(301);
    assert_eq!(app.current(), Ok(Some(Identity::new("ada"))));
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // A pair whose access token does not verify is not held.
    let forged = TokenPair {
        access_token: hs(json!({"sub": "mallory", "exp": T0 + 1000, "iss": "x"})),
        refresh_token: "r".into(),
    };
    assert!(matches!(
        app.sign_in_with(forged),
        Err(JwtError::Refused(_))
    ));
    assert_eq!(app.signed_in(), Some(Identity::new("ada")));
}

/// One store that two processes share (two instances of the app over one
/// database): the first two reads of a record meet at a barrier, so both
/// rotations read it unretired before either writes.
struct SharedByTwo {
    inner: MemoryRefreshStore,
    meet: std::sync::Barrier,
    reads: AtomicUsize,
}

impl RefreshStore for Arc<SharedByTwo> {
    fn get(&self, key: &str) -> Result<Option<RefreshRecord>, StoreError> {
        let record = self.inner.get(key);
        if self.reads.fetch_add(1, Ordering::SeqCst) < 2 {
            self.meet.wait();
        }
        record
    }
    fn put(&self, key: &str, record: RefreshRecord) -> Result<(), StoreError> {
        self.inner.put(key, record)
    }
    fn revoke_family(&self, family: &str) -> Result<(), StoreError> {
        self.inner.revoke_family(family)
    }
    fn retire(&self, key: &str, retired: Retired) -> Result<bool, StoreError> {
        self.inner.retire(key, retired)
    }
}

#[test]
fn two_processes_sharing_a_store_never_both_rotate_one_token() {
    let store = Arc::new(SharedByTwo {
        inner: MemoryRefreshStore::default(),
        meet: std::sync::Barrier::new(2),
        reads: AtomicUsize::new(usize::MAX / 2),
    });
    let process = || Jwt::new(JwtConfig::hs256(SECRET).refresh_store(store.clone())).unwrap();
    let (a, b) = (process(), process());
    let pair = a.issue(&Identity::new("ada")).unwrap();
    store.reads.store(0, Ordering::SeqCst);
    let (first, second) = std::thread::scope(|s| {
        let first = s.spawn(|| a.refresh(&pair.refresh_token));
        let second = s.spawn(|| b.refresh(&pair.refresh_token));
        (first.join().unwrap(), second.join().unwrap())
    });
    let mut outcomes = [first.is_ok(), second.is_ok()];
    outcomes.sort();
    assert_eq!(outcomes, [false, true], "{first:?} {second:?}");
    let refused = if first.is_err() { first } else { second };
    assert_eq!(refused.unwrap_err(), JwtError::Reused);
}

#[test]
fn a_late_refresh_of_replaced_tokens_does_not_hold_up_the_new_ones() {
    let clock = TestClock::new();
    let server = Arc::new(hs256(&clock));
    let ada = server.issue(&Identity::new("ada")).unwrap();
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let stuck = ada.refresh_token.clone();
    let issuer = server.clone();
    let jwt = Jwt::new(
        clock.config(
            JwtConfig::new()
                .verify_with(VerifyingKey::hs256(SECRET))
                .issuer("mizan-tests")
                .audience("app")
                .refresh_timeout(Duration::from_millis(50))
                .refresher(move |token| {
                    if token == stuck {
                        // Held until the test ends; a minute at most.
                        let _ = gate.lock().unwrap().recv_timeout(Duration::from_secs(60));
                    }
                    issuer.refresh(token).map_err(|e| e.to_string())
                }),
        ),
    )
    .unwrap();
    jwt.sign_in_with(ada).unwrap();
    clock.advance(301);
    assert_eq!(
        jwt.current(),
        Err(TokenRefusal::Expired),
        "ada's refresh is late"
    );

    // Bob signs in over her; his tokens expire in turn, and refresh while
    // hers still hangs.
    jwt.sign_in_with(server.issue(&Identity::new("bob")).unwrap())
        .unwrap();
    clock.advance(301);
    assert_eq!(jwt.current(), Ok(Some(Identity::new("bob"))));
    // Her refresh ends at last: its answer is for no one.
    release.send(()).unwrap();
    assert_eq!(jwt.current(), Ok(Some(Identity::new("bob"))));
}
