//! # Mizan for Tauri
//!
//! One attribute on a Rust function gives the webview a generated, typed
//! client; the protocol handles caching and cache invalidation.
//!
//! ```no_run
//! use tauri_plugin_mizan::{client, Context};
//!
//! /// A context: a named group of reads fetched together as one bundle.
//! pub const USER: Context = Context::new("user");
//!
//! #[derive(serde::Serialize, tauri_plugin_mizan::Type)]
//! pub struct Profile { pub id: u32, pub name: String }
//!
//! /// A context function: part of the `user` bundle, keyed by `user_id`.
//! #[client(context = USER)]
//! async fn user_profile(user_id: u32) -> Profile {
//!     Profile { id: user_id, name: "Ada".into() }
//! }
//!
//! /// A mutation: its success invalidates the `user` bundles with the same
//! /// `user_id` (tier 2), in this window and in every other.
//! #[client(affects = USER)]
//! async fn rename(user_id: u32, name: String) -> Result<(), String> {
//!     Ok(())
//! }
//!
//! fn main() {
//!     let builder = tauri::Builder::default().plugin(tauri_plugin_mizan::init());
//!     // builder.run(tauri::generate_context!()), as in any Tauri app.
//!     # let _ = builder;
//! }
//! ```
//!
//! The webview calls `plugin:mizan|call` and `plugin:mizan|ctx`; the
//! generated client and the `tauri-plugin-mizan-api` package wrap them.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use tauri::{
    plugin::{Builder as PluginBuilder, TauriPlugin},
    Emitter, Manager, Runtime,
};

mod access;
mod args;
mod auth;
mod canonical;
mod commands;
mod context;
mod dispatch;
mod error;
mod events;
mod export;
mod handler;
#[cfg(feature = "tauri-specta")]
mod interop;
mod ir;
mod notice;
mod registry;
mod request;
pub mod scoping;

pub use access::AccessEntry;
pub use args::Args;
pub use auth::{Auth, Identity, IdentityRequest};
pub use canonical::canonical_json;
pub use context::Context;
pub use dispatch::{Bundle, Envelope};
pub use error::{ArgProblem, CallError, RegistryError, WireError};
pub use events::{InvalidateEvent, INVALIDATE_EVENT};
pub use export::{ExportFile, UPDATE_ENV};
pub use handler::{CallCtx, ClientResult, FromCallContext, Invalidations};
#[cfg(feature = "tauri-specta")]
pub use interop::WithMizanTypes;
pub use ir::{wire_types_ir, ExportError, IrError};
pub use registry::{
    Affect, ClientFn, FnKind, FnTypes, Registry, ScopingReport, ScopingRow, WireParam,
};
pub use scoping::{reaches, Target};
/// The IR model, its KDL text and the TypeScript generator.
pub use tauri_plugin_mizan_codegen as codegen;
#[doc = include_str!("../docs/client.md")]
pub use tauri_plugin_mizan_macros::client;
#[doc = include_str!("../docs/type.md")]
pub use tauri_plugin_mizan_macros::Type;

/// The specta version the plugin describes types with (`=2.0.0-rc.22`),
/// for code that names specta's traits, e.g. a generic bound
/// `T: tauri_plugin_mizan::specta::Type`, or an app that shares its types
/// with tauri-specta. Deriving needs none of it: use [`Type`].
pub use specta;

use dispatch::Dispatcher;

/// Items the `#[client]` expansion refers to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::{
        args::Args,
        auth::Auth,
        error::CallError,
        handler::{
            output_result, output_unit, output_value, CallCtx, ClientResult, FromCallContext,
            Handler, HandlerFuture, Outcome,
        },
        registry::{Affect, ClientFn, FnKind, FnTypes, WireParam},
    };
    pub use inventory;
    pub use specta;

    /// The specta data type of `T`, registering named types on the way.
    pub fn type_of<T: specta::Type>(
        types: &mut specta::TypeCollection,
    ) -> specta::datatype::DataType {
        T::reference(types, &[]).inner
    }
}

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
    seq: AtomicU64,
}

impl Shared {
    /// Sends targets to every webview but `source`.
    pub(crate) fn notify<R: Runtime>(
        &self,
        emitter: &impl Emitter<R>,
        targets: Vec<Target>,
        source: Option<&str>,
    ) {
        let event = InvalidateEvent {
            targets,
            source: source.map(str::to_owned),
            seq: self.seq.fetch_add(1, Ordering::Relaxed) + 1,
        };
        events::emit(emitter, &event);
    }
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
    identity: Option<auth::IdentityProvider>,
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
    /// [`client_file!`], or the IR of [`ir_file!`]) when the app starts,
    /// only if it changed; release builds do nothing. Call it once per
    /// file. A failure is reported at start-up and the app still starts.
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
            .invoke_handler(commands::handler())
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
                    seq: AtomicU64::new(0),
                }));
                Ok(())
            })
            .build()
    }
}

/// What a debug build says at start-up: an empty registry, the files it
/// wrote, the scoping report and its warnings.
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

/// The plugin's Rust API, reached as `app.mizan()`.
pub struct Mizan<'a, R: Runtime, M: Manager<R>> {
    manager: &'a M,
    shared: tauri::State<'a, Arc<Shared>>,
    _runtime: std::marker::PhantomData<fn() -> R>,
}

impl<R: Runtime, M: Manager<R> + Emitter<R>> Mizan<'_, R, M> {
    /// Invalidates on the app's own account (a sync job, a file watcher):
    /// every webview gets `mizan://invalidate` with these targets and
    /// `source: null`.
    pub fn invalidate(&self, targets: impl IntoIterator<Item = Target>) {
        let mut targets: Vec<Target> = targets.into_iter().collect();
        scoping::normalize(&mut targets);
        if !targets.is_empty() {
            self.shared.notify(self.manager, targets, None);
        }
    }

    /// The registry being served.
    pub fn registry(&self) -> &Registry {
        &self.shared.dispatcher.registry
    }

    /// See [`Registry::scoping_report`].
    pub fn scoping_report(&self) -> ScopingReport {
        self.registry().scoping_report()
    }
}

/// Reaches the plugin from an `App`, `AppHandle`, `Webview` or `Window`.
pub trait MizanExt<R: Runtime>: Manager<R> + Emitter<R> + Sized {
    /// The plugin's Rust API. Panics if the plugin is not installed.
    fn mizan(&self) -> Mizan<'_, R, Self> {
        Mizan {
            manager: self,
            shared: self.state::<Arc<Shared>>(),
            _runtime: std::marker::PhantomData,
        }
    }
}

impl<R: Runtime, T: Manager<R> + Emitter<R>> MizanExt<R> for T {}
