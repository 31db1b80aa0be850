//! Whatever a webview sends, the plugin answers with one of the wire error
//! shapes (or a result), never crashes, never hangs, and keeps serving.
#![allow(missing_docs)]

mod common;

use std::sync::atomic::{AtomicU32, Ordering};

use common::{app, default_capability, invoke};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use tauri_plugin_mizan::{client, Context};

pub const ITEM: Context = Context::new("item");

static WRITES: AtomicU32 = AtomicU32::new(0);

#[derive(serde::Serialize, serde::Deserialize, specta::Type)]
pub struct Filter {
    tag: String,
    limit: Option<u8>,
}

#[client(context = ITEM)]
fn item_name(item_id: u64) -> String {
    format!("item {item_id}")
}

#[client(context = ITEM)]
fn item_tags(item_id: u64, filter: Option<Filter>) -> Vec<String> {
    let limit = filter.as_ref().and_then(|f| f.limit).unwrap_or(10);
    let tags = filter.map(|f| vec![f.tag]).unwrap_or_default();
    tags.into_iter()
        .take(limit.min(item_id as u8).max(1).into())
        .collect()
}

#[client(affects = ITEM)]
fn rename_item(item_id: u64, name: String, tags: Vec<String>) -> usize {
    WRITES.fetch_add(1, Ordering::SeqCst);
    name.len() + tags.len() + item_id as usize
}

const CODES: [&str; 8] = [
    "unknown_function",
    "unknown_context",
    "invalid_args",
    "unauthorized",
    "forbidden",
    "payload_too_large",
    "app",
    "internal",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z_]{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("item_id"),
            Just("name"),
            Just("tags"),
            Just("filter"),
            Just("fn")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,8}",
                    Just("item_id".to_owned()),
                    Just("name".to_owned()),
                    Just("tags".to_owned()),
                    Just("filter".to_owned()),
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn body() -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        Just(json!("rename_item")),
        Just(json!("item_name")),
        Just(json!("item")),
        json_value(),
    ];
    prop_oneof![
        json_value(),
        (name.clone(), json_value()).prop_map(|(f, a)| json!({"fn": f, "args": a})),
        (name, json_value()).prop_map(|(c, p)| json!({"context": c, "params": p})),
    ]
}

/// A rejection is the wire error shape with a known code (or, for a
/// command the ACL refuses, Tauri's own string).
fn well_formed(reply: &Result<Value, Value>) -> bool {
    match reply {
        Ok(v) => v.is_object(),
        Err(Value::Object(e)) => {
            e.get("code")
                .and_then(Value::as_str)
                .is_some_and(|c| CODES.contains(&c))
                && e.get("message").is_some_and(Value::is_string)
                && e.get("invalidate").is_some_and(Value::is_array)
        }
        Err(_) => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_body_gets_an_answer_of_the_wire_shapes(body in body(), ctx_cmd in any::<bool>()) {
        let (_app, w) = app(&[("main", Some(&default_capability("main")))]);
        let cmd = if ctx_cmd { "plugin:mizan|ctx" } else { "plugin:mizan|call" };
        let before = WRITES.load(Ordering::SeqCst);
        let reply = invoke(&w[0], cmd, body.clone());
        prop_assert!(well_formed(&reply), "{cmd} {body} -> {reply:?}");
        // Only a call of the mutation with valid args may write.
        if reply.is_err() {
            prop_assert_eq!(WRITES.load(Ordering::SeqCst), before);
        }
        // The plugin keeps serving.
        let ok = invoke(&w[0], "plugin:mizan|ctx", json!({"context": "item", "params": {"item_id": 1}}));
        prop_assert_eq!(ok.unwrap()["data"]["item_name"].clone(), json!("item 1"));
    }
}
