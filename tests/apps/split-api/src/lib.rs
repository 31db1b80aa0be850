//! The `#[client]` functions of an app, in a library crate of their own
//! (the common "api crate" layout). The app's binary must name this crate
//! once (`use mizan_test_split_api as _;`), or the linker leaves it out.

use tauri_plugin_mizan::{client, Context};

/// The settings of the app.
pub const SETTINGS: Context = Context::new("settings");

/// The app's theme.
#[client(context = SETTINGS)]
fn theme() -> String {
    "dark".into()
}

/// Changes the theme.
#[client(affects = SETTINGS)]
fn set_theme(theme: String) {
    let _ = theme;
}
