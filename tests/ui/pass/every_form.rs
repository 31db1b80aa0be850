//! Every form of `#[client]` compiles, registers, and generates a client.

use tauri_plugin_mizan::registry::Registry;
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

/// Documented: the `///` lines of the function and of its params reach
/// the generated client.
#[client]
fn plain() -> u32 {
    1
}

#[client]
fn documented(
    /// The left operand.
    a: u32,
    /// The right operand.
    b: u32,
) -> u32 {
    a + b
}

#[client(name = "größe")]
fn size_in_german(maß: u32) -> u32 {
    maß
}

/// A `Result` under its own name, through a path.
#[client]
fn full_path() -> std::result::Result<u8, String> {
    Ok(1)
}

mod fallible {
    pub type Result<T> = std::result::Result<T, String>;
}

/// An alias named `Result` is a `Result`.
#[client]
fn aliased() -> fallible::Result<u8> {
    Ok(2)
}

#[client(name = "renamed")]
async fn async_query(r#type: String, maybe: Option<Vec<u8>>) -> Result<String, Oops> {
    let _ = maybe;
    Ok(r#type)
}

#[client(context = USER)]
fn user_profile(user_id: u32) -> Profile {
    Profile {
        name: user_id.to_string(),
    }
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

fn main() {
    let registry = Registry::discover().expect("every form registers");
    let names: Vec<&str> = registry.functions().iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "aliased",
            "documented",
            "full_path",
            "größe",
            "guarded_mutation",
            "many",
            "mapped",
            "one",
            "plain",
            "renamed",
            "signed_in",
            "team_name",
            "user_avatar",
            "user_profile",
            "user_quote",
            "user_secret",
        ]
    );
    let ts = registry
        .client_ts(&Default::default())
        .expect("every form generates a client");
    for expected in [
        " * @param args.a The left operand.",
        "export function größe(args: GrößeArgs",
        "export function aliased(args: AliasedArgs = {}, client?: $mizan.MizanClient): Promise<number>",
        "export type AliasedError = string;",
    ] {
        assert!(ts.contains(expected), "{expected}\n{ts}");
    }
}
