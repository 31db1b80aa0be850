//! Sharing wire types with tauri-specta (feature `tauri-specta`): one
//! bindings file declares every type, the Mizan client imports them.

use std::path::Path;

use tauri_specta::{ExportContext, LanguageExt};

use crate::core::registry::Registry;

/// A tauri-specta language (such as `specta_typescript::Typescript`) whose
/// bindings also declare every named type the app's `#[client]` functions
/// use. Pair it with a client that imports its types from those bindings
/// ([`ExportFile::types_from`](crate::ExportFile::types_from)): each type is
/// then declared once, in tauri-specta's file, and both files are made from
/// the same Rust types in the same run, so they cannot drift apart.
///
/// ```no_run
/// use tauri_plugin_mizan::WithMizanTypes;
/// use specta_typescript::Typescript;
///
/// const MIZAN_CLIENT: tauri_plugin_mizan::ExportFile =
///     tauri_plugin_mizan::client_file!("../src/mizan.gen.ts").types_from("./bindings");
///
/// let specta = tauri_specta::Builder::<tauri::Wry>::new();
///     // .commands(tauri_specta::collect_commands![...])
/// #[cfg(debug_assertions)]
/// specta
///     .export(WithMizanTypes(Typescript::default()), "../src/bindings.ts")
///     .expect("the bindings are written");
/// ```
#[derive(Debug, Clone, Default)]
pub struct WithMizanTypes<L>(pub L);

impl<L: LanguageExt> LanguageExt for WithMizanTypes<L> {
    type Error = L::Error;

    fn render(&self, cfg: &ExportContext) -> Result<String, Self::Error> {
        let registry = Registry::discover().map_err(std::io::Error::other)?;
        let mut cfg = cfg.clone();
        cfg.type_map.extend(registry.specta_types());
        self.0.render(&cfg)
    }

    fn format(&self, path: &Path) -> Result<(), Self::Error> {
        self.0.format(path)
    }
}
