//! What the plugin costs: a `call` through the mock IPC path against a plain
//! `#[tauri::command]` with the same body and payload through the same path,
//! and the cost of computing a mutation's targets as the registry grows.
//!
//! Prints ratios measured in the same run.
#![allow(missing_docs)]

#[path = "../../tests/common/mod.rs"]
mod common;
mod plain;

use std::time::Duration;

use criterion::{black_box, Criterion};
use serde_json::json;
use tauri::test::MockRuntime;
use tauri_plugin_mizan::registry::{ClientFn, FnKind, Registry};
use tauri_plugin_mizan::{client, Context};

const USER: Context = Context::new("user");

#[client]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[tauri::command]
fn plain_add(a: i64, b: i64) -> i64 {
    a + b
}

#[client(context = USER)]
fn user_name(user_id: u32) -> String {
    format!("user {user_id}")
}

#[client(affects = USER)]
fn rename(user_id: u32, name: String) {
    let _ = (user_id, name);
}

/// A registry with `extra` more queries beside the fixtures above.
fn registry_with(extra: usize) -> Registry {
    let template = inventory_fn("add");
    let mut fns: Vec<&'static ClientFn> = inventory::iter::<ClientFn>().collect();
    for i in 0..extra {
        let name: &'static str = Box::leak(format!("query_{i}").into_boxed_str());
        fns.push(Box::leak(Box::new(ClientFn {
            name,
            rust_name: name,
            module: "bench",
            kind: FnKind::Query,
            auth: tauri_plugin_mizan::registry::Auth::None,
            cache: None,
            injected: &[],
            is_async: false,
            params: template.params,
            handler: template.handler,
            types: template.types,
            docs: "",
        })));
    }
    Registry::from_functions(fns).unwrap()
}

fn inventory_fn(name: &str) -> &'static ClientFn {
    inventory::iter::<ClientFn>()
        .find(|f| f.name == name)
        .unwrap()
}

fn main() {
    let plugin = tauri_plugin_mizan::init::<MockRuntime>();
    let app = {
        let mut context = tauri::test::mock_context(tauri::test::noop_assets());
        let acl = std::collections::BTreeMap::from([
            ("mizan".to_owned(), common::plugin_manifest()),
            ("plain".to_owned(), plain::manifest()),
        ]);
        *context.runtime_authority_mut() = tauri::ipc::RuntimeAuthority::new(
            acl,
            tauri::utils::acl::resolved::Resolved::default(),
        );
        tauri::test::mock_builder()
            .plugin(plugin)
            .plugin(plain::plugin())
            .invoke_handler(tauri::generate_handler![plain_add])
            .build(context)
            .unwrap()
    };
    use tauri::Manager;
    app.add_capability(common::default_capability("main"))
        .unwrap();
    app.add_capability(
        r#"{"identifier": "plain", "windows": ["main"], "permissions": ["plain:default"]}"#,
    )
    .unwrap();
    let w = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    assert_eq!(
        common::invoke(&w, "plain_add", json!({"a": 1, "b": 2})).unwrap(),
        json!(3)
    );
    assert_eq!(
        common::call(&w, "add", json!({"a": 1, "b": 2})).unwrap()["result"],
        json!(3)
    );

    let plugin_cmd = plain::PLUGIN_ADD;
    assert_eq!(
        common::invoke(&w, plugin_cmd, json!({"a": 1, "b": 2})).unwrap(),
        json!(3)
    );

    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    let mut group = c.benchmark_group("ipc");
    group.bench_function("plain tauri command", |b| {
        b.iter(|| common::invoke(&w, "plain_add", json!({"a": 1, "b": 2})).unwrap())
    });
    group.bench_function("plain plugin command", |b| {
        b.iter(|| common::invoke(&w, plugin_cmd, json!({"a": 1, "b": 2})).unwrap())
    });
    group.bench_function("mizan call", |b| {
        b.iter(|| common::call(&w, "add", json!({"a": 1, "b": 2})).unwrap())
    });
    group.finish();

    let small = registry_with(10);
    let large = registry_with(1000);
    let args = json!({"user_id": 5, "name": "Ada"});
    let mut group = c.benchmark_group("targets");
    group.bench_function("10 functions", |b| {
        b.iter(|| small.targets_for(black_box("rename"), &args).unwrap())
    });
    group.bench_function("1000 functions", |b| {
        b.iter(|| large.targets_for(black_box("rename"), &args).unwrap())
    });
    group.finish();

    // Ratios from interleaved rounds, so drift affects both sides alike.
    let mut plain = Duration::ZERO;
    let mut plugin = Duration::ZERO;
    let mut mizan = Duration::ZERO;
    for _ in 0..5 {
        plain += common::time_per_iter(2000, || {
            common::invoke(&w, "plain_add", json!({"a": 1, "b": 2})).unwrap();
        });
        plugin += common::time_per_iter(2000, || {
            common::invoke(&w, plugin_cmd, json!({"a": 1, "b": 2})).unwrap();
        });
        mizan += common::time_per_iter(2000, || {
            common::call(&w, "add", json!({"a": 1, "b": 2})).unwrap();
        });
    }
    let t_small = common::time_per_iter(200_000, || {
        black_box(small.targets_for("rename", &args).unwrap());
    });
    let t_large = common::time_per_iter(200_000, || {
        black_box(large.targets_for("rename", &args).unwrap());
    });
    println!(
        "ratio: mizan call / plain command = {:.3} ({:?} vs {:?} per call)",
        mizan.as_secs_f64() / plain.as_secs_f64(),
        mizan / 5,
        plain / 5
    );
    println!(
        "ratio: mizan call / plain plugin command = {:.3} ({:?} vs {:?} per call)",
        mizan.as_secs_f64() / plugin.as_secs_f64(),
        mizan / 5,
        plugin / 5
    );
    println!(
        "ratio: targets with 1000 functions / with 10 = {:.3} ({t_large:?} vs {t_small:?})",
        t_large.as_secs_f64() / t_small.as_secs_f64()
    );
    c.final_summary();
}
