#![allow(missing_docs)]
//! Forms (docs/protocol.md: "Forms") through the real IPC dispatch path and the real ACL:
//! every rule failing alone and together, errors keyed by serde wire names
//! and nested paths, `validate` running no body, a valid submit, access
//! and auth as for `call`, and hostile input.

mod common;

use std::{
    collections::HashMap,
    sync::{LazyLock, Mutex},
};

use common::{app, call, default_capability, invoke, record_events};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tauri::{test::MockRuntime, Webview, WebviewWindow};
use tauri_plugin_mizan::{client, Context, Form, Identity, Type};
use validator::{Validate, ValidationError};

pub const LISTS: Context = Context::new("lists");

/// How many times a function's body ran, by calling window (the tests
/// run in parallel, each with windows of its own).
static RUNS: LazyLock<Mutex<HashMap<String, u32>>> = LazyLock::new(Default::default);

fn ran(w: &Webview<MockRuntime>) {
    *RUNS
        .lock()
        .unwrap()
        .entry(w.label().to_owned())
        .or_default() += 1;
}

fn runs(w: &WebviewWindow<MockRuntime>) -> u32 {
    RUNS.lock().unwrap().get(w.label()).copied().unwrap_or(0)
}

static HANDLE: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new("^[a-z0-9_]+$").unwrap());

#[derive(Debug, Clone, Serialize, Deserialize, Validate, Form, Type)]
#[serde(rename_all = "camelCase")]
#[validate(schema(function = "check_profile", skip_on_field_errors = false))]
pub struct ProfileForm {
    #[validate(length(min = 1, max = 40))]
    display_name: String,
    #[validate(email)]
    contact_email: String,
    /// Renamed on top of `rename_all`.
    #[serde(rename = "homepage")]
    #[validate(url)]
    website: Option<String>,
    #[validate(range(min = 13, max = 130))]
    age: u32,
    #[validate(regex(path = *HANDLE))]
    handle: String,
    #[validate(nested)]
    home_address: Address,
    #[validate(length(max = 3), nested)]
    items: Vec<Item>,
    #[validate(required)]
    accepted_terms: Option<bool>,
    #[serde(default)]
    #[validate(length(max = 200))]
    bio: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, Form, Type)]
pub struct Address {
    #[serde(rename = "zip")]
    #[validate(length(equal = 5))]
    zip_code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, Form, Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Item {
    #[validate(range(min = 1, max = 99))]
    qty: u32,
}

/// A whole-form rule: a display name may not be the handle.
fn check_profile(p: &ProfileForm) -> Result<(), ValidationError> {
    if p.display_name == p.handle {
        let mut e = ValidationError::new("name_is_handle");
        e.message = Some("the display name cannot be the handle".into());
        return Err(e);
    }
    Ok(())
}

/// A form mutation: its body counts its runs.
#[client(affects = LISTS)]
fn save_profile(profile: ProfileForm, note: Option<String>, w: Webview<MockRuntime>) -> String {
    ran(&w);
    format!("{}{}", profile.display_name, note.unwrap_or_default())
}

#[client(context = LISTS)]
fn lists() -> Vec<String> {
    Vec::new()
}

/// A guarded form function.
#[client(auth)]
fn guarded_profile(profile: ProfileForm, w: Webview<MockRuntime>) -> u32 {
    ran(&w);
    profile.age
}

/// An optional form: checked when it is sent.
#[client(affects = LISTS)]
fn maybe_profile(profile: Option<ProfileForm>, w: Webview<MockRuntime>) -> bool {
    ran(&w);
    profile.is_some()
}

/// A plain function: `validate` checks its args' types only.
#[client]
fn plain_add(a: u32, b: u32, w: Webview<MockRuntime>) -> u32 {
    ran(&w);
    a + b
}

fn valid() -> Value {
    json!({
        "displayName": "Ada Lovelace",
        "contactEmail": "ada@example.com",
        "homepage": "https://ada.example.com/",
        "age": 36,
        "handle": "ada",
        "homeAddress": {"zip": "12345"},
        "items": [{"QTY": 1}, {"QTY": 2}],
        "acceptedTerms": true,
    })
}

/// `valid()` with `path` (a JSON pointer) set to `value`.
fn with(pointer: &str, value: Value) -> Value {
    let mut v = valid();
    *v.pointer_mut(pointer).expect("the pointer names a field") = value;
    v
}

fn validate(w: &WebviewWindow<MockRuntime>, function: &str, args: Value) -> Result<Value, Value> {
    invoke(
        w,
        "plugin:mizan|validate",
        json!({"fn": function, "args": args}),
    )
}

/// The field errors of an `invalid_form` answer: path -> codes.
fn codes(err: &Value) -> Value {
    assert_eq!(err["code"], "invalid_form", "{err}");
    let fields = err["details"]["fields"].as_object().expect("fields");
    Value::Object(
        fields
            .iter()
            .map(|(path, list)| {
                let codes: Vec<&Value> = list
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| &e["code"])
                    .collect();
                (path.clone(), json!(codes))
            })
            .collect(),
    )
}

fn one_window(label: &str) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let (app, mut w) = app(&[(label, Some(&common::dev_capability(label)))]);
    (app, w.remove(0))
}

#[test]
fn every_rule_failing_alone_names_its_wire_path_and_nothing_runs() {
    let (_app, w) = one_window("alone");
    let cases = [
        ("/displayName", json!(""), "displayName", "length"),
        (
            "/displayName",
            json!("x".repeat(41)),
            "displayName",
            "length",
        ),
        (
            "/contactEmail",
            json!("not an email"),
            "contactEmail",
            "email",
        ),
        ("/homepage", json!("not a url"), "homepage", "url"),
        ("/age", json!(12), "age", "range"),
        ("/age", json!(131), "age", "range"),
        ("/handle", json!("Ada!"), "handle", "regex"),
        (
            "/homeAddress/zip",
            json!("123"),
            "homeAddress.zip",
            "length",
        ),
        ("/items/1/QTY", json!(0), "items[1].QTY", "range"),
        (
            "/items",
            json!([{"QTY": 1}, {"QTY": 1}, {"QTY": 1}, {"QTY": 1}]),
            "items",
            "length",
        ),
        ("/acceptedTerms", Value::Null, "acceptedTerms", "required"),
    ];
    for (pointer, value, path, code) in cases {
        let args = json!({"profile": with(pointer, value.clone())});
        let before = runs(&w);
        for answer in [
            validate(&w, "save_profile", args.clone()),
            call(&w, "save_profile", args.clone()),
        ] {
            let err = answer.expect_err(path);
            assert_eq!(codes(&err), json!({ path: [code] }), "{pointer} = {value}");
            assert_eq!(err["fn"], "save_profile");
            assert_eq!(err["invalidate"], json!([]));
            assert_eq!(err["details"]["form"], json!([]));
            let message = err["details"]["fields"][path][0]["message"]
                .as_str()
                .unwrap();
            assert!(!message.is_empty());
        }
        assert_eq!(runs(&w), before, "{path}: no body ran");
    }
}

#[test]
fn rules_failing_together_are_all_reported_with_the_form_errors() {
    let (_app, w) = one_window("together");
    let mut profile = valid();
    profile["displayName"] = json!("ada");
    profile["contactEmail"] = json!("@");
    profile["age"] = json!(200);
    profile["homeAddress"]["zip"] = json!("1");
    profile["items"] = json!([{"QTY": 1}, {"QTY": 100}, {"QTY": 0}]);
    profile["bio"] = json!("b".repeat(201));
    let err = validate(&w, "save_profile", json!({"profile": profile})).unwrap_err();
    assert_eq!(
        codes(&err),
        json!({
            "age": ["range"],
            "bio": ["length"],
            "contactEmail": ["email"],
            "homeAddress.zip": ["length"],
            "items[1].QTY": ["range"],
            "items[2].QTY": ["range"],
        })
    );
    assert_eq!(
        err["details"]["form"],
        json!([{"code": "name_is_handle", "message": "the display name cannot be the handle"}])
    );
    assert_eq!(
        err["details"]["fields"]["age"][0]["message"],
        "must be at least 13 and at most 130"
    );
    assert_eq!(
        err["details"]["fields"]["homeAddress.zip"][0]["message"],
        "must be exactly 5 characters"
    );
    // Rust field names never reach the webview.
    let text = err.to_string();
    for rust in [
        "display_name",
        "home_address",
        "zip_code",
        "website",
        "qty\"",
    ] {
        assert!(!text.contains(rust), "{rust} in {text}");
    }
}

#[test]
fn validate_runs_no_body_and_a_valid_submit_runs_once() {
    let (_app, windows) = app(&[
        ("submit", Some(&default_capability("submit"))),
        ("watcher", Some(&default_capability("watcher"))),
    ]);
    let w = &windows[0];
    let events = record_events(&windows[1]);
    let args = json!({"profile": valid(), "note": "!"});
    for _ in 0..3 {
        let ok = validate(w, "save_profile", args.clone()).unwrap();
        assert_eq!(ok, json!({"result": null, "invalidate": []}));
    }
    assert_eq!(runs(w), 0, "validate ran the body");
    assert!(events.lock().unwrap().is_empty(), "validate invalidated");

    let done = call(w, "save_profile", args).unwrap();
    assert_eq!(done["result"], "Ada Lovelace!");
    assert_eq!(
        done["invalidate"],
        json!([{"context": "lists", "params": {}}])
    );
    assert_eq!(runs(w), 1);
    assert_eq!(events.lock().unwrap().len(), 1);

    // A refused form runs nothing and invalidates nothing, here or in
    // the other window.
    let bad = json!({"profile": with("/age", json!(1))});
    let err = call(w, "save_profile", bad).unwrap_err();
    assert_eq!(err["invalidate"], json!([]));
    assert_eq!(runs(w), 1);
    assert_eq!(events.lock().unwrap().len(), 1);
}

#[test]
fn optional_and_defaulted_fields_may_be_left_out() {
    let (_app, w) = one_window("optional");
    let mut profile = valid();
    let obj = profile.as_object_mut().unwrap();
    obj.remove("homepage");
    obj.remove("bio");
    validate(&w, "save_profile", json!({"profile": profile})).unwrap();
}

#[test]
fn wrong_json_types_are_invalid_args_not_form_errors() {
    let (_app, w) = one_window("hostile");
    let hostile = [
        json!({"profile": with("/age", json!("36"))}),
        json!({"profile": with("/age", json!(-1))}),
        json!({"profile": with("/items", json!({"QTY": 1}))}),
        json!({"profile": with("/homeAddress", json!(null))}),
        json!({"profile": "a string"}),
        json!({"profile": [1, 2, 3]}),
        json!({"profile": {}}),
        json!({}),
        json!({"profile": valid(), "extra": 1}),
        json!({"profile": with("/displayName", json!({"__proto__": 1}))}),
    ];
    let before = runs(&w);
    for args in hostile {
        for answer in [
            validate(&w, "save_profile", args.clone()),
            call(&w, "save_profile", args.clone()),
        ] {
            let err = answer.expect_err("refused");
            assert_eq!(err["code"], "invalid_args", "{args}: {err}");
        }
    }
    // A body that is no call request at all.
    for body in [
        json!("x"),
        json!({"fn": 1}),
        json!({"fn": "save_profile", "args": 3}),
    ] {
        let err = invoke(&w, "plugin:mizan|validate", body).unwrap_err();
        assert_eq!(err["code"], "invalid_args", "{err}");
    }
    // Deep nesting is refused before it is read.
    let mut deep = json!(1);
    for _ in 0..200 {
        deep = json!([deep]);
    }
    let err = validate(&w, "save_profile", json!({"profile": {"items": deep}})).unwrap_err();
    assert_eq!(err["code"], "invalid_args");
    // A long value is judged by its rule, not by a crash.
    let long = json!({"profile": with("/displayName", json!("é".repeat(100_000)))});
    let err = validate(&w, "save_profile", long).unwrap_err();
    assert_eq!(codes(&err), json!({"displayName": ["length"]}));
    assert_eq!(runs(&w), before);
    // The plugin keeps serving.
    validate(&w, "save_profile", json!({"profile": valid()})).unwrap();
}

#[test]
fn validate_checks_a_plain_function_s_args_without_running_it() {
    let (_app, w) = one_window("plain");
    let before = runs(&w);
    validate(&w, "plain_add", json!({"a": 1, "b": 2})).unwrap();
    let err = validate(&w, "plain_add", json!({"a": "1"})).unwrap_err();
    assert_eq!(err["code"], "invalid_args");
    let err = validate(&w, "nope", json!({})).unwrap_err();
    assert_eq!(err["code"], "unknown_function");
    assert_eq!(runs(&w), before);
}

#[test]
fn validate_is_gated_like_call() {
    let denied = r#"{
        "identifier": "denied", "windows": ["denied"],
        "permissions": [{"identifier": "mizan:default", "deny": [{"fn": "save_profile"}]}]
    }"#;
    let no_validate = r#"{
        "identifier": "callonly", "windows": ["callonly"],
        "permissions": ["mizan:allow-call"]
    }"#;
    let plugin = tauri_plugin_mizan::Builder::new()
        .identity(|req| (req.label() == "member").then(|| Identity::new("ada")))
        .build();
    let (_app, w) = common::app_with(
        plugin,
        &[
            ("main", Some(&default_capability("main"))),
            ("member", Some(&default_capability("member"))),
            ("denied", Some(denied)),
            ("callonly", Some(no_validate)),
        ],
    );
    let args = json!({"profile": valid()});
    let bad = json!({"profile": with("/age", json!(1))});
    // A window denied the function: `forbidden`, whether the form is valid or not.
    for a in [&args, &bad] {
        let err = validate(&w[2], "save_profile", a.clone()).unwrap_err();
        assert_eq!(err["code"], "forbidden", "{err}");
    }
    // A guarded form: `unauthorized` before the form is read.
    let err = validate(&w[0], "guarded_profile", bad.clone()).unwrap_err();
    assert_eq!(err["code"], "unauthorized");
    let err = validate(&w[1], "guarded_profile", bad).unwrap_err();
    assert_eq!(err["code"], "invalid_form");
    validate(&w[1], "guarded_profile", args.clone()).unwrap();
    // A window without `allow-validate`: Tauri's ACL refuses the command.
    let err = validate(&w[3], "save_profile", args).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
}

#[test]
fn the_ir_carries_the_form_schema() {
    let (app, w) = one_window("ir");
    let text = invoke(&w, "plugin:mizan|ir", json!({})).unwrap();
    let text = text.as_str().unwrap();
    let ir = tauri_plugin_mizan::codegen::Ir::from_kdl(text).unwrap();
    let f = ir.function("save_profile").unwrap();
    let form = f.form.as_ref().expect("a form");
    assert_eq!(form.param, "profile");
    let names: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "displayName",
            "contactEmail",
            "homepage",
            "age",
            "handle",
            "homeAddress",
            "items",
            "acceptedTerms",
            "bio"
        ]
    );
    let handle = form.field("handle").unwrap();
    assert_eq!(
        handle.rules,
        [tauri_plugin_mizan::codegen::Rule::Pattern(
            "^[a-z0-9_]+$".into()
        )]
    );
    assert!(!form.field("homepage").unwrap().required);
    assert!(form.field("acceptedTerms").unwrap().required);
    assert!(!form.field("bio").unwrap().required);
    let items = form.field("items").unwrap();
    assert_eq!(items.kind, tauri_plugin_mizan::codegen::FieldKind::List);
    assert_eq!(items.fields[0].name, "QTY");
    assert_eq!(form.field("homeAddress").unwrap().fields[0].name, "zip");
    assert!(f
        .capabilities
        .contains(&tauri_plugin_mizan::codegen::Capability::Form));
    assert!(ir.function("plain_add").unwrap().form.is_none());
    drop(app);
}

#[test]
fn an_optional_form_is_validated_when_present() {
    let (app, w) = one_window("maybe");
    let bad = json!({"profile": with("/age", json!(1))});
    for answer in [
        validate(&w, "maybe_profile", bad.clone()),
        call(&w, "maybe_profile", bad.clone()),
    ] {
        let err = answer.expect_err("an invalid form");
        assert_eq!(codes(&err), json!({"age": ["range"]}));
        assert_eq!(err["invalidate"], json!([]));
    }
    assert_eq!(runs(&w), 0, "the body ran with an invalid form");

    for (args, present) in [
        (json!({"profile": valid()}), true),
        (json!({"profile": null}), false),
        (json!({}), false),
    ] {
        let done = call(&w, "maybe_profile", args).unwrap();
        assert_eq!(done["result"], present);
    }
    assert_eq!(runs(&w), 3);

    // The IR carries its form, as for a required one.
    let text = invoke(&w, "plugin:mizan|ir", json!({})).unwrap();
    let ir = tauri_plugin_mizan::codegen::Ir::from_kdl(text.as_str().unwrap()).unwrap();
    let f = ir.function("maybe_profile").unwrap();
    let form = f.form.as_ref().expect("a form");
    assert_eq!(form.param, "profile");
    assert_eq!(form.fields.len(), 9);
    assert!(f
        .capabilities
        .contains(&tauri_plugin_mizan::codegen::Capability::Form));
    drop(app);
}

#[test]
fn form_fields_map_rust_names_to_wire_names() {
    assert_eq!(ProfileForm::wire_field("website").unwrap().name, "homepage");
    assert_eq!(
        ProfileForm::wire_field("home_address").unwrap().name,
        "homeAddress"
    );
    assert!(ProfileForm::wire_field("home_address")
        .unwrap()
        .nested
        .is_some());
    assert!(ProfileForm::wire_field("nope").is_none());
    assert_eq!(Item::wire_field("qty").unwrap().name, "QTY");
}
