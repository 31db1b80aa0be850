use tauri_plugin_mizan::{client, Context};

pub const USER: Context = Context::new("user");

#[client(cache)]
fn not_a_context() {}

#[client(affects = USER, cache(ttl = "5m"))]
fn a_mutation(user_id: u32) {
    let _ = user_id;
}

#[client(context = USER, cache(ttl = "5 minutes"))]
fn bad_duration(user_id: u32) {
    let _ = user_id;
}

#[client(context = USER, cache(ttl = "5m", max_age = "1h"))]
fn unknown_option(user_id: u32) {
    let _ = user_id;
}

#[client(context = USER, cache(ttl = "5m", ttl = "1m"))]
fn duplicate_option(user_id: u32) {
    let _ = user_id;
}

#[client(context = USER, cache(timeout = "2s"))]
fn timeout_alone(user_id: u32) {
    let _ = user_id;
}

#[client(context = USER, cache = "5m")]
fn cache_with_a_value(user_id: u32) {
    let _ = user_id;
}

#[client(context = USER, cache(ttl = 300))]
fn not_a_string(user_id: u32) {
    let _ = user_id;
}

fn main() {}
