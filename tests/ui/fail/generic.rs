use tauri_plugin_mizan::client;

#[client]
fn f<T: serde::de::DeserializeOwned>(value: T) {}

fn main() {}
