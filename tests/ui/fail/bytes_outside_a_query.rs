use tauri_plugin_mizan::{client, Bytes, Context};

pub const FILES: Context = Context::new("files");

#[client(context = FILES)]
fn file_bytes(_file_id: u32) -> Bytes {
    Bytes::default()
}

#[client(affects = FILES)]
fn rewrite(_file_id: u32) -> Result<Bytes, String> {
    Ok(Bytes::default())
}

fn main() {}
