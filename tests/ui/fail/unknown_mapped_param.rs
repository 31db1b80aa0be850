use tauri_plugin_mizan::{client, Context};

const USER: Context = Context::new("user");

#[client(affects = USER(user_id = id))]
fn f(user: u32) {}

fn main() {}
