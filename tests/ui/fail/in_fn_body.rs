use tauri_plugin_mizan::client;

fn main() {
    #[client]
    fn local() -> u32 {
        1
    }
}
