use tauri_plugin_mizan::client;

#[client(cache = true)]
fn f() {}

fn main() {}
