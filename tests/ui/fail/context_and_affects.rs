use tauri_plugin_mizan::{client, Context};

const USER: Context = Context::new("user");

#[client(context = USER, affects = USER)]
fn f(_user_id: u32) {}

fn main() {}
