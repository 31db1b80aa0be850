//! tauri-specta for a plain command, `#[client]` for the rest, one shared
//! `Profile`. The bindings (tauri-specta, with every Mizan type) and the
//! Mizan client (importing its types from the bindings) are committed in
//! `tests/golden/interop/` and type-checked together by `tests/ts`.

use serde::{Deserialize, Serialize};
use tauri_plugin_mizan::{client, Context, ExportFile};

pub mod sql;

/// The Mizan client: its types come from tauri-specta's bindings.
pub const CLIENT: ExportFile =
    tauri_plugin_mizan::client_file!("../golden/interop/mizan.gen.ts").types_from("./bindings");

/// tauri-specta's bindings.
pub const BINDINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../golden/interop/bindings.ts");

/// A user's profile, used by both.
#[derive(Clone, Serialize, Deserialize, specta::Type)]
pub struct Profile {
    /// Its id.
    pub id: u32,
    /// Display name.
    pub name: String,
}

/// Why a rename failed (a type only Mizan uses).
#[derive(Serialize, tauri_plugin_mizan::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RenameError {
    /// The name is blank.
    EmptyName,
}

/// A user's data, by `id`.
pub const USER: Context = Context::new("user");

/// The app's plain Tauri commands (in a module: Tauri refuses `pub`
/// commands at the crate root).
pub mod commands {
    use super::Profile;

    /// A plain Tauri command, typed by tauri-specta.
    #[tauri::command]
    #[specta::specta]
    pub fn get_profile(id: u32) -> Profile {
        Profile {
            id,
            name: "Ada".into(),
        }
    }
}

/// The same profile as part of the `user` bundle.
#[client(context = USER)]
fn profile(id: u32) -> Profile {
    commands::get_profile(id)
}

/// Renames; invalidates the `user` bundle of `id`.
#[client(affects = USER)]
fn rename(id: u32, name: String) -> Result<Profile, RenameError> {
    if name.is_empty() {
        return Err(RenameError::EmptyName);
    }
    Ok(Profile { id, name })
}

/// The app's tauri-specta builder.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![commands::get_profile])
}

/// tauri-specta's bindings, with every Mizan type.
pub fn bindings() -> String {
    specta_builder()
        .export_str(tauri_plugin_mizan::WithMizanTypes(
            specta_typescript::Typescript::default(),
        ))
        .expect("the bindings render")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both files are current (`MIZAN_UPDATE=1 cargo test` rewrites them).
    #[test]
    fn bindings_and_client_are_current() {
        let bindings = bindings();
        if std::env::var("MIZAN_UPDATE").is_ok_and(|v| v == "1") {
            std::fs::write(BINDINGS, &bindings).unwrap();
        }
        let on_disk = std::fs::read_to_string(BINDINGS).unwrap_or_default();
        if let Some(changes) = tauri_plugin_mizan::codegen::changed_lines(&on_disk, &bindings) {
            panic!("{BINDINGS} is out of date (MIZAN_UPDATE=1 cargo test):\n{changes}");
        }
        CLIENT.assert_current();
    }

    /// Each type is declared once: in the bindings, whoever uses it.
    #[test]
    fn each_type_is_declared_once() {
        let bindings = bindings();
        let client = CLIENT
            .render(&tauri_plugin_mizan::registry::Registry::discover().unwrap())
            .unwrap();
        for name in ["Profile", "RenameError"] {
            let declared = format!("export type {name} =");
            assert_eq!(bindings.matches(&declared).count(), 1, "{bindings}");
            assert!(!client.contains(&declared), "{client}");
        }
        assert!(
            client.contains("import type { Profile, RenameError } from './bindings';"),
            "{client}"
        );
    }
}
