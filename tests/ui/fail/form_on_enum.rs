// `Form` derives on a struct with named fields only.
#[derive(serde::Deserialize, tauri_plugin_mizan::Form)]
pub enum Choice {
    Yes,
    No,
}

fn main() {}
