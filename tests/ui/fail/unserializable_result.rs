use tauri_plugin_mizan::client;

struct Secret;

#[client]
fn f() -> Secret {
    Secret
}

fn main() {}
