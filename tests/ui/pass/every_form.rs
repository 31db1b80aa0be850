use tauri_plugin_mizan::{client, Context, Invalidations};

pub const USER: Context = Context::new("user");
pub const TEAM: Context = Context::new("team");

#[derive(serde::Serialize, specta::Type)]
pub struct Profile {
    name: String,
}

#[derive(serde::Serialize, specta::Type)]
pub enum Oops {
    NotFound,
}

#[client]
fn plain() -> u32 {
    1
}

#[client(name = "renamed")]
async fn async_query(r#type: String, maybe: Option<Vec<u8>>) -> Result<String, Oops> {
    let _ = maybe;
    Ok(r#type)
}

#[client(context = USER)]
fn user_profile(user_id: u32) -> Profile {
    Profile { name: user_id.to_string() }
}

#[client(context = USER, cache)]
fn user_avatar(user_id: u32) -> String {
    user_id.to_string()
}

#[client(context = USER, cache(ttl = "5m", stale_if_error = "7d", timeout = "1s500ms"), auth)]
async fn user_quote(user_id: u32) -> Result<String, Oops> {
    Ok(user_id.to_string())
}

#[client(context = TEAM)]
fn team_name(team_id: u32) -> String {
    team_id.to_string()
}

#[client(affects = USER)]
fn one(user_id: u32) {
    let _ = user_id;
}

#[client(affects = [USER, TEAM])]
fn many(state: tauri::State<'_, String>, app: tauri::AppHandle) -> Result<(), Oops> {
    let _ = (state, app);
    Ok(())
}

#[client(affects = [USER(user_id = id), TEAM])]
async fn mapped(id: u32, webview: tauri::Webview, inv: Invalidations) {
    let _ = (id, webview);
    inv.whole(&TEAM);
}

#[client(auth)]
fn signed_in(me: tauri_plugin_mizan::Identity) -> String {
    me.id
}

#[client(context = USER, auth = "admin", name = "user_secret")]
fn secret(user_id: u32) -> u32 {
    user_id
}

#[client(auth, affects = USER)]
fn guarded_mutation(user_id: u32) {
    let _ = user_id;
}

fn main() {}
