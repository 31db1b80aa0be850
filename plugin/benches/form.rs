//! What a form costs (docs/protocol.md: "Forms"): a `call` of a function whose param is a
//! form (validated before the body runs) against the same call with the
//! same struct and payload without `Form` (not validated), and `validate`
//! against that call, all through the mock IPC path.
//!
//! Prints ratios measured in the same run.
#![allow(missing_docs)]

#[path = "../../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use criterion::Criterion;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tauri_plugin_mizan::{client, Form, Type};
use validator::Validate;

/// A profile form: four rules of the usual kinds.
#[derive(Serialize, Deserialize, Validate, Form, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProfileForm {
    #[validate(length(min = 1, max = 40))]
    display_name: String,
    #[validate(email)]
    email: String,
    #[validate(url)]
    website: Option<String>,
    #[validate(range(min = 13, max = 130))]
    age: u32,
}

/// The same fields, no rules.
#[derive(Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlainProfile {
    display_name: String,
    email: String,
    website: Option<String>,
    age: u32,
}

#[client]
fn save_form(profile: ProfileForm) -> u32 {
    profile.age
}

#[client]
fn save_plain(profile: PlainProfile) -> u32 {
    profile.age
}

fn args() -> Value {
    json!({"profile": {
        "displayName": "Ada Lovelace",
        "email": "ada@example.com",
        "website": "https://ada.example.com/notes",
        "age": 36,
    }})
}

fn main() {
    let (_app, w) = common::app(&[("main", Some(&common::default_capability("main")))]);
    let w = &w[0];
    let validate = |args: Value| {
        common::invoke(
            w,
            "plugin:mizan|validate",
            json!({"fn": "save_form", "args": args}),
        )
    };
    assert_eq!(common::call(w, "save_form", args()).unwrap()["result"], 36);
    assert_eq!(common::call(w, "save_plain", args()).unwrap()["result"], 36);
    validate(args()).unwrap();

    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    let mut group = c.benchmark_group("form");
    group.bench_function("call, plain struct", |b| {
        b.iter(|| common::call(w, "save_plain", args()).unwrap())
    });
    group.bench_function("call, form (validated)", |b| {
        b.iter(|| common::call(w, "save_form", args()).unwrap())
    });
    group.bench_function("validate", |b| b.iter(|| validate(args()).unwrap()));
    group.finish();

    // Ratios from interleaved rounds, so drift affects every side alike.
    let (mut plain, mut form, mut checked) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for _ in 0..5 {
        plain += common::time_per_iter(2000, || {
            common::call(w, "save_plain", args()).unwrap();
        });
        form += common::time_per_iter(2000, || {
            common::call(w, "save_form", args()).unwrap();
        });
        checked += common::time_per_iter(2000, || {
            validate(args()).unwrap();
        });
    }
    println!(
        "ratio: form call / plain call = {:.3} ({:?} vs {:?} per call)",
        form.as_secs_f64() / plain.as_secs_f64(),
        form / 5,
        plain / 5
    );
    println!(
        "ratio: validate / form call = {:.3} ({:?} vs {:?} per call)",
        checked.as_secs_f64() / form.as_secs_f64(),
        checked / 5,
        form / 5
    );
}
