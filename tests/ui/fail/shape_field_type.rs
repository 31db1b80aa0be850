use tauri_plugin_mizan::{Shape, Type};

/// A list is no SQLite column.
#[derive(serde::Serialize, Type, Shape)]
#[shape(table = "notes")]
struct NoteCard {
    id: i64,
    tags: Vec<String>,
}

fn main() {}
