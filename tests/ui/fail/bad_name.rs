use tauri_plugin_mizan::client;

#[client(name = "two words")]
fn f() {}

fn main() {}
