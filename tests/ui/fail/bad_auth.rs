use tauri_plugin_mizan::client;

#[client(auth = 5)]
fn f() {}

#[client(auth = "")]
fn g() {}

#[client(auth, auth = "admin")]
fn h() {}

fn main() {}
