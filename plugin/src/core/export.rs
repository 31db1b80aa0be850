//! The app's generated files: the TypeScript client and the IR, named once
//! with [`client_file!`](crate::client_file) or [`ir_file!`](crate::ir_file)
//! relative to the app crate's folder, then written at start-up in debug
//! builds, by a test, or checked in CI.

use std::path::{Component, Path, PathBuf};

use tauri_plugin_mizan_codegen::{changed_lines, TsOptions};

use crate::core::{
    ir::{write_if_changed, ExportError},
    registry::Registry,
};

/// Set to `1` to make [`ExportFile::assert_current`] write the file instead
/// of failing.
pub const UPDATE_ENV: &str = "MIZAN_UPDATE";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Client,
    Ir,
}

/// A generated file of the app: the TypeScript client
/// ([`client_file!`](crate::client_file)) or the registry's IR
/// ([`ir_file!`](crate::ir_file)).
///
/// A relative path is taken from the folder of the crate that names the
/// file (its `CARGO_MANIFEST_DIR`, captured at compile time), never from
/// the working directory: `client_file!("../src/mizan.gen.ts")` in
/// `src-tauri` is the app's `src/mizan.gen.ts` whether the app runs from
/// `tauri dev`, `cargo test` or a shell anywhere. Writing never creates
/// folders: a missing folder is an error that names it.
///
/// ```no_run
/// const MIZAN_CLIENT: tauri_plugin_mizan::ExportFile =
///     tauri_plugin_mizan::client_file!("../src/mizan.gen.ts");
///
/// // Debug builds rewrite it at start-up (only when it changed):
/// let plugin = tauri_plugin_mizan::Builder::new()
///     .export(MIZAN_CLIENT)
///     .build::<tauri::Wry>();
///
/// // A test keeps the committed file current (`MIZAN_UPDATE=1 cargo test`
/// // writes it):
/// MIZAN_CLIENT.assert_current();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportFile {
    kind: Kind,
    crate_dir: &'static str,
    path: &'static str,
    types_from: Option<&'static str>,
}

impl ExportFile {
    #[doc(hidden)]
    pub const fn __client(crate_dir: &'static str, path: &'static str) -> Self {
        ExportFile {
            kind: Kind::Client,
            crate_dir,
            path,
            types_from: None,
        }
    }

    #[doc(hidden)]
    pub const fn __ir(crate_dir: &'static str, path: &'static str) -> Self {
        ExportFile {
            kind: Kind::Ir,
            crate_dir,
            path,
            types_from: None,
        }
    }

    /// The client imports the named types from `module` (e.g.
    /// `"./bindings"`, the file tauri-specta writes) instead of declaring
    /// them; see the README's tauri-specta section. No effect on an IR file.
    pub const fn types_from(mut self, module: &'static str) -> Self {
        self.types_from = Some(module);
        self
    }

    /// The file, resolved against the crate's folder.
    ///
    /// ```
    /// let file = tauri_plugin_mizan::client_file!("../src/mizan.gen.ts");
    /// let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    /// assert_eq!(file.path(), crate_dir.parent().unwrap().join("src/mizan.gen.ts"));
    /// ```
    pub fn path(&self) -> PathBuf {
        // `..` is resolved by the names alone, so messages show the path a
        // user recognises (`app/src/x.ts`, not `app/src-tauri/../src/x.ts`).
        let mut out = PathBuf::new();
        for part in Path::new(self.crate_dir).join(self.path).components() {
            match part {
                Component::ParentDir
                    if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
                {
                    out.pop();
                }
                Component::CurDir => {}
                other => out.push(other),
            }
        }
        out
    }

    /// The file's contents for `registry`.
    pub fn render(&self, registry: &Registry) -> Result<String, ExportError> {
        match self.kind {
            Kind::Ir => Ok(registry.ir_text()?),
            Kind::Client => {
                let mut options = TsOptions::default();
                options.types_module = self.types_from.map(str::to_owned);
                registry.client_ts(&options)
            }
        }
    }

    /// Discovers the registry (every `#[client]` function linked into the
    /// program) and writes the file, only if it changed. `true` when it
    /// wrote.
    pub fn write(&self) -> Result<bool, ExportError> {
        self.write_from(&Registry::discover()?)
    }

    /// Writes the file for `registry`, only if it changed. `true` when it
    /// wrote.
    pub fn write_from(&self, registry: &Registry) -> Result<bool, ExportError> {
        write_if_changed(&self.path(), &self.render(registry)?)
    }

    /// Discovers the registry and compares the file with what it generates:
    /// [`ExportError::Missing`] or [`ExportError::Stale`] (with the changed
    /// lines) when they differ. Writes nothing.
    pub fn check(&self) -> Result<(), ExportError> {
        self.check_from(&Registry::discover()?)
    }

    /// [`check`](Self::check) against `registry`.
    pub fn check_from(&self, registry: &Registry) -> Result<(), ExportError> {
        let path = self.path();
        let generated = self.render(registry)?;
        let Ok(on_disk) = std::fs::read_to_string(&path) else {
            return Err(ExportError::Missing { path });
        };
        match changed_lines(&on_disk, &generated) {
            None => Ok(()),
            Some(changes) => Err(ExportError::Stale { path, changes }),
        }
    }

    /// For a test in the app: panics with [`check`](Self::check)'s message
    /// when the file is missing or stale, so `cargo test` (and CI) fails
    /// until it is regenerated. With `MIZAN_UPDATE=1` in the environment it
    /// writes the file instead.
    ///
    /// ```no_run
    /// const MIZAN_CLIENT: tauri_plugin_mizan::ExportFile =
    ///     tauri_plugin_mizan::client_file!("../src/mizan.gen.ts");
    ///
    /// #[test]
    /// fn mizan_client_is_current() {
    ///     MIZAN_CLIENT.assert_current();
    /// }
    /// ```
    #[track_caller]
    pub fn assert_current(&self) {
        let update = std::env::var(UPDATE_ENV).is_ok_and(|v| v == "1");
        let outcome = if update {
            self.write().map(drop)
        } else {
            self.check()
        };
        if let Err(e) = outcome {
            panic!("{e}");
        }
    }
}

/// Names the app's generated TypeScript client: an [`ExportFile`] whose
/// relative path is taken from the folder of the crate that invokes the
/// macro (its `CARGO_MANIFEST_DIR`), never from the working directory.
///
/// ```
/// const MIZAN_CLIENT: tauri_plugin_mizan::ExportFile =
///     tauri_plugin_mizan::client_file!("../src/mizan.gen.ts");
/// # let _ = MIZAN_CLIENT;
/// ```
#[macro_export]
macro_rules! client_file {
    ($path:expr $(,)?) => {
        $crate::ExportFile::__client(::core::env!("CARGO_MANIFEST_DIR"), $path)
    };
}

/// Names a file for the registry's IR (KDL), for `mizan-codegen` or
/// another generator: an [`ExportFile`] whose relative path is taken from
/// the folder of the crate that invokes the macro.
///
/// ```no_run
/// tauri_plugin_mizan::ir_file!("mizan.ir.kdl").write().unwrap();
/// ```
#[macro_export]
macro_rules! ir_file {
    ($path:expr $(,)?) => {
        $crate::ExportFile::__ir(::core::env!("CARGO_MANIFEST_DIR"), $path)
    };
}
