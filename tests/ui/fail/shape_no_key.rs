use tauri_plugin_mizan::{Shape, Type};

#[derive(serde::Serialize, Type, Shape)]
#[shape(table = "notes")]
struct NoteCard {
    note_id: i64,
    title: String,
}

#[derive(serde::Serialize, Type, Shape)]
#[shape(table = "tags", key = "tag_id")]
struct Tag {
    name: String,
}

fn main() {}
