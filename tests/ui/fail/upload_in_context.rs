use tauri_plugin_mizan::{client, Context, Upload};

pub const FILES: Context = Context::new("files");

#[client(context = FILES)]
fn file_size(file: Upload) -> usize {
    file.len()
}

fn main() {}
