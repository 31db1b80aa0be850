use tauri_plugin_mizan::{Shape, Type};

#[derive(serde::Serialize, Type, Shape)]
struct NoteCard {
    id: i64,
    title: String,
}

fn main() {}
