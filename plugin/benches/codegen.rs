//! IR export and TypeScript generation as the registry grows: 100 and
//! 1,000 functions (queries, context functions over ten contexts, and
//! mutations), each run end to end (`Registry::ir_text`, then
//! `generate_ts` on the text).
//!
//! Prints the ratio of the two sizes measured in the same run: about 10
//! means the cost grows linearly with the number of functions.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use criterion::{black_box, Criterion};
use tauri_plugin_mizan::registry::{Affect, ClientFn, FnKind, Registry};
use tauri_plugin_mizan::{
    client,
    codegen::{generate_ts, TsOptions},
    Context,
};

const USER: Context = Context::new("user");

#[derive(serde::Serialize, serde::Deserialize, specta::Type)]
pub struct Profile {
    id: u64,
    name: String,
    tags: Vec<String>,
    role: Role,
}

#[derive(serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(tag = "kind")]
pub enum Role {
    Admin,
    Member { since: i64 },
}

#[client]
fn template_query(user_id: u32, name: Option<String>) -> Profile {
    unimplemented!("{user_id} {name:?}")
}

#[client(context = USER)]
fn template_read(user_id: u32) -> Result<Profile, String> {
    unimplemented!("{user_id}")
}

#[client(affects = USER)]
fn template_write(user_id: u32, name: String) -> Result<Profile, String> {
    unimplemented!("{user_id} {name}")
}

fn template(name: &str) -> &'static ClientFn {
    inventory::iter::<ClientFn>()
        .find(|f| f.name == name)
        .expect("a template function")
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// `n` functions: a third queries, a third context functions spread over
/// ten contexts, a third mutations affecting one of those contexts.
fn registry(n: usize) -> Registry {
    let contexts: Vec<&'static Context> = (0..10)
        .map(|i| &*Box::leak(Box::new(Context::new(leak(format!("ctx_{i}"))))))
        .collect();
    let (q, r, w) = (
        template("template_query"),
        template("template_read"),
        template("template_write"),
    );
    let fns: Vec<&'static ClientFn> = (0..n)
        .map(|i| {
            let name = leak(format!("fn_{i:04}"));
            let ctx = contexts[i % contexts.len()];
            let (t, kind) = match i % 3 {
                0 => (q, FnKind::Query),
                1 => (r, FnKind::Context(ctx)),
                _ => (
                    w,
                    FnKind::Mutation(Box::leak(Box::new([Affect {
                        context: ctx,
                        map: &[],
                    }]))),
                ),
            };
            &*Box::leak(Box::new(ClientFn {
                name,
                rust_name: name,
                module: "bench",
                kind,
                auth: t.auth,
                cache: t.cache,
                injected: t.injected,
                is_async: t.is_async,
                params: t.params,
                handler: t.handler,
                types: t.types,
                docs: t.docs,
            }))
        })
        .collect();
    Registry::from_functions(fns).expect("a valid registry")
}

fn export_and_generate(registry: &Registry) -> usize {
    let text = registry.ir_text().unwrap();
    generate_ts(&text, &TsOptions::default()).unwrap().len()
}

/// The median time of one run, over enough runs to fill about a second.
fn median(registry: &Registry) -> Duration {
    let start = Instant::now();
    let mut samples = Vec::new();
    while samples.len() < 5 || (start.elapsed() < Duration::from_secs(1) && samples.len() < 200) {
        let t = Instant::now();
        black_box(export_and_generate(registry));
        samples.push(t.elapsed());
    }
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let small = registry(100);
    let large = registry(1000);
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    let mut group = c.benchmark_group("ir export + codegen");
    group.bench_function("100 functions", |b| b.iter(|| export_and_generate(&small)));
    group.bench_function("1000 functions", |b| b.iter(|| export_and_generate(&large)));
    group.finish();
    c.final_summary();

    let (s, l) = (median(&small), median(&large));
    println!(
        "ir export + codegen, median per run: 100 fns {s:?}, 1000 fns {l:?}; ratio 1000/100 = {:.1} (linear: 10)",
        l.as_secs_f64() / s.as_secs_f64()
    );
    let ir_bytes = large.ir_text().unwrap().len();
    let ts_bytes = export_and_generate(&large);
    println!("1000 fns: IR {ir_bytes} bytes, TypeScript {ts_bytes} bytes");
}
