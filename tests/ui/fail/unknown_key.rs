use tauri_plugin_mizan::client;

#[client(memoize = true)]
fn f() {}

fn main() {}
