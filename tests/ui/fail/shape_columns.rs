use tauri_plugin_mizan::{Shape, Type};

/// Two fields read one column.
#[derive(serde::Serialize, Type, Shape)]
#[shape(table = "notes")]
struct Twice {
    id: i64,
    text: String,
    #[shape(column = "text")]
    title: String,
}

/// A tuple struct has no column names.
#[derive(serde::Serialize, Type, Shape)]
#[shape(table = "notes")]
struct Tuple(i64, String);

/// An option the derive does not know.
#[derive(serde::Serialize, Type, Shape)]
#[shape(table = "notes", primary = "id")]
struct Unknown {
    id: i64,
}

fn main() {}
