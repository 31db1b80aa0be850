//! The plugin itself: its options, its shared state, and the `Builder`
//! that installs the commands and discovers the registry at start-up.

use std::sync::Arc;

use tauri::{
    plugin::{Builder as PluginBuilder, TauriPlugin},
    Manager, Runtime,
};

use crate::{
    core::{export::ExportFile, notice, registry::Registry},
    dispatch::{
        auth::{IdentityProvider, IdentityRequest},
        Dispatcher,
    },
    edge::events::Notifier,
    Identity,
};

/// Options of the plugin.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) max_request_bytes: usize,
    /// Off only through a test switch: mutations then answer no targets.
    pub(crate) scoping: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_request_bytes: 16 * 1024 * 1024,
            scoping: true,
        }
    }
}

/// The plugin's state, shared by the commands and the Rust API.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) dispatcher: Dispatcher,
    pub(crate) config: Config,
    pub(crate) events: Notifier,
}

/// Sets the plugin's options.
///
/// ```no_run
/// let plugin = tauri_plugin_mizan::Builder::new()
///     .max_request_bytes(1024 * 1024)
///     .build::<tauri::Wry>();
/// ```
#[derive(Default)]
pub struct Builder {
    config: Config,
    exports: Vec<ExportFile>,
    identity: Option<IdentityProvider>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("config", &self.config)
            .field("exports", &self.exports)
            .field("identity_provider", &self.identity.is_some())
            .finish()
    }
}

impl Builder {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests larger than this (approximate JSON size, or raw body
    /// length) are refused with `payload_too_large`. Default: 16 MiB.
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.config.max_request_bytes = bytes;
        self
    }

    /// In debug builds, writes a generated file (the client of
    /// [`client_file!`](crate::client_file), or the IR of
    /// [`ir_file!`](crate::ir_file)) when the app starts, only if it
    /// changed; release builds do nothing. Call it once per file. A failure
    /// is reported at start-up and the app still starts.
    ///
    /// ```no_run
    /// const MIZAN_CLIENT: tauri_plugin_mizan::ExportFile =
    ///     tauri_plugin_mizan::client_file!("../src/mizan.gen.ts");
    ///
    /// let plugin = tauri_plugin_mizan::Builder::new()
    ///     .export(MIZAN_CLIENT)
    ///     .build::<tauri::Wry>();
    /// ```
    pub fn export(mut self, file: ExportFile) -> Self {
        self.exports.push(file);
        self
    }

    /// Test-only switch: mutations compute no targets. Lets a test break
    /// scoping on purpose and see the conformance probe notice.
    #[cfg(feature = "test")]
    #[doc(hidden)]
    pub fn __without_scoping(mut self) -> Self {
        self.config.scoping = false;
        self
    }

    /// Registers the app's identity provider: it says who is calling, for
    /// the functions marked `#[client(auth)]` or `#[client(auth = "role")]`
    /// and those that take an [`Identity`] param. Without one, every caller
    /// is anonymous and guarded functions answer `unauthorized`.
    ///
    /// ```no_run
    /// use tauri_plugin_mizan::{Builder, Identity};
    ///
    /// struct Session(std::sync::Mutex<Option<String>>);
    ///
    /// let plugin = Builder::new()
    ///     .identity(|req| {
    ///         use tauri::Manager;
    ///         let webview = req.webview::<tauri::Wry>()?;
    ///         let user = webview.try_state::<Session>()?.0.lock().ok()?.clone()?;
    ///         Some(Identity::new(user).with_role("member"))
    ///     })
    ///     .build::<tauri::Wry>();
    /// ```
    pub fn identity(
        mut self,
        provider: impl Fn(&IdentityRequest<'_>) -> Option<Identity> + Send + Sync + 'static,
    ) -> Self {
        self.identity = Some(Arc::new(provider));
        self
    }

    /// Builds the plugin. Discovers every `#[client]` function; a registry
    /// that cannot be served makes the app fail to start, with a message
    /// naming the functions.
    pub fn build<R: Runtime>(self) -> TauriPlugin<R> {
        let config = self.config;
        let exports = self.exports;
        let identity = self.identity;
        PluginBuilder::new("mizan")
            .invoke_handler(super::commands::handler())
            .setup(move |app, _api| {
                let registry = Registry::discover().map_err(|e| {
                    log::error!("mizan: the registry cannot be served:\n{e}");
                    Box::new(e) as Box<dyn std::error::Error>
                })?;
                if cfg!(debug_assertions) {
                    starting_up(&registry, &exports);
                }
                app.manage(Arc::new(Shared {
                    dispatcher: Dispatcher {
                        registry: Arc::new(registry),
                        scoping: config.scoping,
                        identity: identity.clone(),
                    },
                    config: config.clone(),
                    events: Notifier::default(),
                }));
                Ok(())
            })
            .build()
    }
}

/// What a debug build says at start-up (see [`notice`]): an empty
/// registry, the files it wrote, the scoping report and its warnings.
fn starting_up(registry: &Registry, exports: &[ExportFile]) {
    use log::Level;
    if registry.functions().is_empty() {
        notice::say(Level::Warn, notice::EMPTY_REGISTRY);
    }
    for file in exports {
        match file.write_from(registry) {
            Ok(true) => notice::say(
                Level::Info,
                &format!("mizan: wrote {}", file.path().display()),
            ),
            Ok(false) => {}
            Err(e) => notice::say(Level::Error, &format!("mizan: {e}")),
        }
    }
    let report = registry.scoping_report();
    if !report.rows.is_empty() {
        notice::say(Level::Info, &format!("mizan scoping:\n{report}"));
    }
    for w in report.warnings() {
        notice::say(Level::Warn, &format!("mizan: {w}"));
    }
}

/// The plugin with default options, serving every `#[client]` function of
/// the app. This is what `tauri add mizan` inserts.
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new().build()
}
