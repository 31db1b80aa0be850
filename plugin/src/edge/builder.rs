//! The plugin itself: its options, its shared state, and the `Builder`
//! that installs the commands and discovers the registry at start-up.

use std::sync::Arc;

use tauri::{
    plugin::{Builder as PluginBuilder, TauriPlugin},
    Emitter, Manager, Runtime,
};

use crate::{
    core::{ir, registry::Registry, wire::IDENTITY_EVENT},
    dispatch::{
        auth::{self, IdentityProvider, IdentityRequest},
        Dispatcher,
    },
    edge::events::Notifier,
    jwt::{Jwt, JwtConfig},
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
    pub(crate) jwt: Option<Arc<Jwt>>,
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
    exports: ir::Exports,
    identity: Option<IdentityProvider>,
    jwt: Option<JwtConfig>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("config", &self.config)
            .field("exports", &self.exports)
            .field("identity_provider", &self.identity.is_some())
            .field("jwt", &self.jwt)
            .finish()
    }
}

impl Builder {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests larger than this (their exact JSON size, or raw body
    /// length) are refused with `payload_too_large`. Default: 16 MiB.
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.config.max_request_bytes = bytes;
        self
    }

    /// In debug builds, writes the generated TypeScript client to `path`
    /// when the app starts (only if it changed); release builds do
    /// nothing. A relative path is taken from the working directory
    /// (`src-tauri` under `tauri dev`).
    ///
    /// ```no_run
    /// let plugin = tauri_plugin_mizan::Builder::new()
    ///     .export_client("../src/mizan.gen.ts")
    ///     .build::<tauri::Wry>();
    /// ```
    pub fn export_client(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.exports.client = Some(path.into());
        self
    }

    /// In debug builds, writes the registry's IR (KDL) to `path` when the
    /// app starts (only if it changed); release builds do nothing.
    pub fn export_ir(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.exports.ir = Some(path.into());
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
        self.identity = Some(auth::provider(provider));
        self
    }

    /// Takes the caller's identity from JWTs (SPEC 6.6): from the IPC
    /// header `Authorization: Bearer <token>` ([`JwtMode::Bearer`](crate::jwt::JwtMode::Bearer)),
    /// or from the tokens the Rust side holds ([`JwtMode::Held`](crate::jwt::JwtMode::Held),
    /// the default: `app.mizan().jwt()` signs in and out, and no token
    /// crosses into the webview). A token that gives no identity refuses
    /// guarded calls with `unauthorized` and `details.reason`
    /// (`token_expired` or `invalid_token`) before their body runs. Where a
    /// call carries no token (or no one is signed in), the
    /// [`identity`](Self::identity) provider, if any, is asked.
    ///
    /// Every change of who is signed in sends
    /// [`IDENTITY_EVENT`](crate::IDENTITY_EVENT) to every webview. A
    /// configuration that cannot work makes the app fail to start.
    ///
    /// ```no_run
    /// use tauri_plugin_mizan::{jwt::JwtConfig, Builder};
    ///
    /// let plugin = Builder::new()
    ///     .jwt(JwtConfig::hs256(b"32 random bytes from a key store!").issuer("my-app"))
    ///     .build::<tauri::Wry>();
    /// ```
    pub fn jwt(mut self, config: JwtConfig) -> Self {
        self.jwt = Some(config);
        self
    }

    /// Builds the plugin. Discovers every `#[client]` function; a registry
    /// that cannot be served makes the app fail to start, with a message
    /// naming the functions.
    pub fn build<R: Runtime>(self) -> TauriPlugin<R> {
        let config = self.config;
        let exports = self.exports;
        let identity = self.identity;
        let jwt_config = self.jwt;
        PluginBuilder::new("mizan")
            .invoke_handler(super::commands::handler())
            .setup(move |app, _api| {
                let registry = Registry::discover().map_err(|e| {
                    log::error!("mizan: the registry cannot be served:\n{e}");
                    Box::new(e) as Box<dyn std::error::Error>
                })?;
                if cfg!(debug_assertions) {
                    exports.run(&registry);
                    let report = registry.scoping_report();
                    if !report.rows.is_empty() {
                        log::debug!("mizan scoping:\n{report}");
                    }
                    for w in report.warnings() {
                        log::warn!("mizan: {w}");
                    }
                }
                let jwt = jwt_config.clone().map(|c| start_jwt(app, c)).transpose()?;
                let identity = match &jwt {
                    Some(jwt) => Some(auth::jwt_provider(jwt.clone(), identity.clone())),
                    None => identity.clone(),
                };
                app.manage(Arc::new(Shared {
                    dispatcher: Dispatcher {
                        registry: Arc::new(registry),
                        scoping: config.scoping,
                        identity,
                    },
                    config: config.clone(),
                    events: Notifier::default(),
                    jwt,
                }));
                Ok(())
            })
            .build()
    }
}

/// The JWT source of the app, announcing identity changes to every webview.
fn start_jwt<R: Runtime>(
    app: &tauri::AppHandle<R>,
    config: JwtConfig,
) -> Result<Arc<Jwt>, Box<dyn std::error::Error>> {
    let jwt = Arc::new(Jwt::new(config).map_err(|e| {
        log::error!("mizan: {e}");
        Box::new(e) as Box<dyn std::error::Error>
    })?);
    let emitter = app.clone();
    jwt.on_change(move |change| {
        if let Err(e) = emitter.emit(IDENTITY_EVENT, change) {
            log::warn!("mizan: could not emit {IDENTITY_EVENT}: {e}");
        }
    });
    Ok(jwt)
}

/// The plugin with default options, serving every `#[client]` function of
/// the app. This is what `tauri add mizan` inserts.
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new().build()
}
