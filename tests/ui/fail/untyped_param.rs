use tauri_plugin_mizan::client;

#[derive(serde::Deserialize, serde::Serialize)]
struct NoSpecta {
    a: u32,
}

#[client]
fn f(value: NoSpecta) {}

fn main() {}
