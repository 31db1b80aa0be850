//! What both binaries run: the plugin in a mock app (its start-up checks
//! run as in a real app), then the registry's functions, one per line on
//! stdout. Neither the library nor the `unlinked` binary names the api crate.

use tauri::test::{mock_builder, mock_context, noop_assets};

/// Starts the plugin and prints the functions it serves.
pub fn run() {
    let app = mock_builder()
        .plugin(tauri_plugin_mizan::init())
        .build(mock_context(noop_assets()))
        .expect("the app builds");
    let registry = tauri_plugin_mizan::registry::Registry::discover().expect("the registry");
    for f in registry.functions() {
        println!("{}", f.name);
    }
    drop(app);
}
