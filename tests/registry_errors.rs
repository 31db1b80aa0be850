//! A registry that cannot be served fails at start-up, with a message
//! naming the functions. This test binary registers exactly such functions.
#![allow(missing_docs, unused_variables)]

mod common;

use tauri_plugin_mizan::registry::{Registry, RegistryError};
use tauri_plugin_mizan::{client, Context};

const ORDERS: Context = Context::new("orders");
/// A context no function reads.
const GHOST: Context = Context::new("ghost");

#[client]
fn dup() {}

#[client(name = "dup")]
fn second_dup() {}

#[client(context = ORDERS)]
fn order_lines(order_id: u32) -> Vec<u32> {
    vec![]
}

#[client(context = ORDERS)]
fn order_total(order_id: String) -> u32 {
    0
}

#[client(affects = GHOST)]
fn haunt(id: u32) {}

#[client(affects = ORDERS(order_ref = id))]
fn cancel_order(id: u32) {}

const PART: Context = Context::new("part");

#[client(context = PART)]
fn part_name(part_id: String, depth: u32) -> String {
    part_id
}

/// Its `part_id` is a number, the context's a string: the target
/// `{"part_id": 7}` would never reach the bundle `{"part_id": "7"}`.
#[client(affects = PART)]
fn retire_part(part_id: u64) {}

/// The same through a mapping.
#[client(affects = PART(part_id = id))]
fn retire_by_id(id: u64) {}

/// Integers of any width have the same canonical JSON, and an `Option`
/// scopes when it is `Some`: both match.
#[client(affects = PART)]
fn deepen(part_id: Option<String>, depth: u8) {}

#[test]
fn discovery_reports_every_problem() {
    let err = Registry::discover().unwrap_err();
    let RegistryError::Many(errors) = &err else {
        panic!("expected several errors, got {err}")
    };
    assert_eq!(errors.len(), 6, "{err}");
    assert!(matches!(&errors[0], RegistryError::DuplicateFunction { name, .. } if name == "dup"));
    let text = err.to_string();
    for needle in [
        "two #[client] functions are named `dup`",
        "registry_errors::dup",
        "registry_errors::second_dup",
        "context `orders` param `order_id` is declared with two types",
        "`order_id: u32` in registry_errors::order_lines",
        "`order_id: alloc::string::String` in registry_errors::order_total",
        "`registry_errors::haunt` affects context `ghost`, which has no #[client(context = ...)] function",
        "`registry_errors::cancel_order` maps `order_ref` onto context `orders`, which has no param `order_ref`",
        "`registry_errors::retire_part` scopes context `part` by its param `part_id: u64`, but the context declares `part_id: alloc::string::String` in registry_errors::part_name",
        "`registry_errors::retire_by_id` scopes context `part` by its param `id: u64`, but the context declares `part_id: alloc::string::String` in registry_errors::part_name",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn the_app_fails_to_start_with_that_message() {
    let Err(err) = common::try_app(tauri_plugin_mizan::init()) else {
        panic!("the app must not start")
    };
    let text = err.to_string();
    assert!(text.contains("registry_errors::second_dup"), "{text}");
    assert!(text.contains("ghost"), "{text}");
}

#[test]
fn tier_2_accepts_integer_widths_and_options() {
    let ok =
        tauri_plugin_mizan::__private::inventory::iter::<tauri_plugin_mizan::registry::ClientFn>()
            .filter(|f| f.rust_name == "part_name" || f.rust_name == "deepen");
    let registry = Registry::from_functions(ok).unwrap();
    let report = registry.scoping_report();
    assert_eq!(report.rows[0].scoped_by, ["depth", "part_id"]);
    assert_eq!(
        registry
            .targets_for("deepen", &serde_json::json!({"part_id": "7", "depth": 2}))
            .unwrap(),
        [tauri_plugin_mizan::Target::new(
            "part",
            serde_json::json!({"part_id": "7", "depth": 2})
        )]
    );
}

#[test]
fn a_subset_without_conflicts_is_served() {
    let ok =
        tauri_plugin_mizan::__private::inventory::iter::<tauri_plugin_mizan::registry::ClientFn>()
            .filter(|f| f.rust_name == "dup" || f.rust_name == "order_lines");
    let registry = Registry::from_functions(ok).unwrap();
    assert_eq!(registry.context_names(), ["orders"]);
    assert_eq!(registry.context_params("orders").unwrap(), ["order_id"]);
}
