use tauri_plugin_mizan::client;

#[client]
fn f(name: &str) {}

fn main() {}
