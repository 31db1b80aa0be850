use tauri_plugin_mizan::client;

pub struct Store;

impl Store {
    #[client]
    fn count() -> u32 {
        0
    }
}

fn main() {}
