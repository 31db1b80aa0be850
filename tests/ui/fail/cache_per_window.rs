use tauri_plugin_mizan::{client, Context};

pub const USER: Context = Context::new("user");

// A cached entry is shared by every window of one identity: a function
// that reads its window would serve one window's answer to another.
#[client(context = USER, cache)]
fn by_webview(user_id: u32, webview: tauri::Webview) -> String {
    format!("{user_id} {}", webview.label())
}

#[client(context = USER, cache(ttl = "5m"))]
fn by_window(user_id: u32, window: tauri::Window) -> String {
    format!("{user_id} {}", window.label())
}

#[client(context = USER, cache)]
fn by_webview_window(user_id: u32, w: tauri::WebviewWindow) -> String {
    format!("{user_id} {}", w.label())
}

fn main() {}
