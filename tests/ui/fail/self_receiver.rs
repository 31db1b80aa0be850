use tauri_plugin_mizan::client;

struct S;

impl S {
    #[client]
    fn f(&self) {}
}

fn main() {}
