//! What JWT identity costs: a guarded `call` whose identity comes from an
//! HS256 bearer token verified on every call, against the same unguarded
//! call carrying the same header, both through the mock IPC path; and a
//! guarded call in the held mode (the Rust side holds the tokens).
//!
//! Prints ratios measured in the same run.
#![allow(missing_docs)]

#[path = "../../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use criterion::Criterion;
use serde_json::{json, Value};
use tauri::{
    http::{header::AUTHORIZATION, HeaderMap, HeaderValue},
    ipc::InvokeBody,
    test::{get_ipc_response, MockRuntime},
    App, WebviewWindow,
};
use tauri_plugin_mizan::{
    client,
    jwt::{JwtConfig, JwtMode},
    Builder, Identity, MizanExt,
};

const SECRET: &[u8] = b"bench key bench key bench key 32";

#[client]
fn open_add(a: i64, b: i64) -> i64 {
    a + b
}

#[client(auth = "member")]
fn guarded_add(a: i64, b: i64) -> i64 {
    a + b
}

fn app(mode: JwtMode) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let config = JwtConfig::hs256(SECRET)
        .issuer("bench")
        .audience("bench")
        .access_ttl(Duration::from_secs(3600))
        .mode(mode);
    let (app, mut windows) = common::app_with(
        Builder::new().jwt(config).build(),
        &[("main", Some(&common::default_capability("main")))],
    );
    (app, windows.pop().unwrap())
}

fn call(w: &WebviewWindow<MockRuntime>, function: &str, headers: &HeaderMap) -> Value {
    let body = InvokeBody::Json(json!({"fn": function, "args": {"a": 1, "b": 2}}));
    let reply = get_ipc_response(
        w,
        common::request("plugin:mizan|call", body, headers.clone()),
    )
    .map(|b| b.deserialize::<Value>().unwrap());
    reply.unwrap()
}

fn main() {
    let member = Identity::new("ada").with_role("member");

    let (bearer_app, bearer) = app(JwtMode::Bearer);
    let token = bearer_app
        .mizan()
        .jwt()
        .unwrap()
        .issue(&member)
        .unwrap()
        .access_token;
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );

    let (held_app, held) = app(JwtMode::Held);
    held_app.mizan().jwt().unwrap().sign_in(&member).unwrap();
    let none = HeaderMap::new();

    for (w, h) in [(&bearer, &headers), (&held, &none)] {
        assert_eq!(call(w, "guarded_add", h)["result"], json!(3));
        assert_eq!(call(w, "open_add", h)["result"], json!(3));
    }

    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    let mut group = c.benchmark_group("jwt");
    group.bench_function("unguarded call", |b| {
        b.iter(|| call(&bearer, "open_add", &headers))
    });
    group.bench_function("guarded call, HS256 bearer token", |b| {
        b.iter(|| call(&bearer, "guarded_add", &headers))
    });
    group.bench_function("guarded call, held session", |b| {
        b.iter(|| call(&held, "guarded_add", &none))
    });
    group.finish();

    // Ratios from interleaved rounds, so drift affects every side alike.
    let (mut open, mut verified, mut session) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let rounds = 5;
    for _ in 0..rounds {
        open += common::time_per_iter(2000, || {
            call(&bearer, "open_add", &headers);
        });
        verified += common::time_per_iter(2000, || {
            call(&bearer, "guarded_add", &headers);
        });
        session += common::time_per_iter(2000, || {
            call(&held, "guarded_add", &none);
        });
    }
    println!(
        "ratio: guarded call with HS256 verification / unguarded call = {:.3} ({:?} vs {:?} per call)",
        verified.as_secs_f64() / open.as_secs_f64(),
        verified / rounds,
        open / rounds
    );
    println!(
        "ratio: guarded call with a held session / unguarded call = {:.3} ({:?} vs {:?} per call)",
        session.as_secs_f64() / open.as_secs_f64(),
        session / rounds,
        open / rounds
    );
    c.final_summary();
}
