use tauri_plugin_mizan::client;

#[client]
fn f((a, b): (u32, u32)) {}

fn main() {}
