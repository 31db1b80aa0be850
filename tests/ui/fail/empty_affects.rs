use tauri_plugin_mizan::client;

#[client(affects = [])]
fn f() {}

fn main() {}
