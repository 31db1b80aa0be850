use tauri_plugin_mizan::client;

#[client(name = "a", name = "b")]
fn f() {}

fn main() {}
