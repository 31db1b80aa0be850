use tauri_plugin_mizan::client;

#[client(context = NOWHERE)]
fn f(_user_id: u32) {}

fn main() {}
