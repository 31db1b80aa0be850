use tauri_plugin_mizan::client;

#[derive(serde::Serialize, serde::Deserialize, specta::Type)]
pub struct Store {
    items: u32,
}

impl Store {
    #[client]
    fn new() -> Self {
        Store { items: 0 }
    }
}

fn main() {}
