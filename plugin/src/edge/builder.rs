//! The plugin itself: its options, its shared state, and the `Builder`
//! that installs the commands and discovers the registry at start-up.

use std::{collections::HashSet, path::PathBuf, sync::Arc};

use tauri::{
    plugin::{Builder as PluginBuilder, TauriPlugin},
    webview::PageLoadEvent,
    Manager, RunEvent, Runtime, WindowEvent,
};

use crate::{
    cache::{CacheOptions, OriginCache},
    core::{
        export::ExportFile,
        notice,
        registry::{FnKind, Registry},
        scoping::Target,
    },
    dispatch::{
        auth::{self, IdentityProvider, IdentityRequest},
        Dispatcher,
    },
    edge::events::Notifier,
    jwt::{Jwt, JwtConfig},
    stream::live::Streams,
    Identity,
};

/// Options of the plugin.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) max_request_bytes: usize,
    /// Off only through a test switch: mutations then answer no targets.
    pub(crate) scoping: bool,
    pub(crate) cache_dir: CacheDir,
    pub(crate) cache_max_bytes: u64,
    /// The largest upload, all its files together (docs/protocol.md: "Uploads and binary results").
    pub(crate) max_upload_bytes: usize,
    /// A chunked upload no chunk reached for this long is dropped.
    pub(crate) upload_expiry: std::time::Duration,
    /// The bound on every chunked upload in progress together; `None`:
    /// twice `max_upload_bytes`.
    pub(crate) upload_memory: Option<usize>,
    /// Whether `call` answers a `refresh` list (docs/protocol.md: "Single-flight refresh").
    pub(crate) single_flight: bool,
    /// The most keys a `refresh` list may hold.
    pub(crate) max_refresh: usize,
    /// The bound on one window's first-paint snapshot, in bytes of JSON.
    pub(crate) hydrate_max_bytes: usize,
}

/// Where the origin cache keeps its store and its secret.
#[derive(Debug, Clone)]
pub(crate) enum CacheDir {
    /// `<app data dir>/mizan`.
    AppData,
    Dir(PathBuf),
    /// Nothing persisted.
    Memory,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_request_bytes: 16 * 1024 * 1024,
            scoping: true,
            cache_dir: CacheDir::AppData,
            cache_max_bytes: CacheOptions::default().max_bytes,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            upload_expiry: std::time::Duration::from_secs(60),
            upload_memory: None,
            single_flight: true,
            max_refresh: crate::refresh::DEFAULT_MAX_REFRESH,
            hydrate_max_bytes: crate::hydrate::DEFAULT_MAX_BYTES,
        }
    }
}

impl Config {
    /// The bound on the bytes every chunked upload in progress may hold
    /// together ([`Builder::max_upload_memory`]).
    pub(crate) fn upload_memory(&self) -> usize {
        self.upload_memory
            .unwrap_or(self.max_upload_bytes.saturating_mul(2))
    }
}

/// The default of [`Builder::max_upload_bytes`]: 128 MiB.
pub(crate) const DEFAULT_MAX_UPLOAD_BYTES: usize = 128 * 1024 * 1024;

/// The plugin's state, shared by the commands and the Rust API.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) dispatcher: Dispatcher,
    pub(crate) config: Config,
    pub(crate) events: Notifier,
    pub(crate) jwt: Option<Arc<Jwt>>,
    /// Chunked uploads in progress.
    pub(crate) uploads: crate::upload::pending::Uploads,
    /// The running streams.
    pub(crate) streams: Arc<Streams>,
    /// The app's choice of bundles to hydrate per window label.
    pub(crate) hydrate: Option<crate::hydrate::Chooser>,
    /// The access entries a snapshot is computed under: the plugin's
    /// global scope (no capability of a webview not yet created is known).
    pub(crate) hydrate_access: crate::dispatch::access::Access,
    /// What each label was hydrated with, checked when its webview is created.
    pub(crate) hydrated: crate::hydrate::Hydrated,
    /// Each webview's page: its origin and the access entries granted to it.
    pub(crate) pages: crate::edge::pages::Pages,
}

impl Shared {
    /// Applies targets: the origin cache first (so the caller's refetch
    /// cannot meet an entry they reach), then every other page.
    pub(crate) fn apply(&self, targets: Vec<Target>, source: Option<&str>) {
        if let Some(cache) = &self.dispatcher.cache {
            cache.invalidate(&targets);
        }
        self.events.notify(targets, source);
    }

    /// Who is signed in changed from `previous`: the streams and chunked
    /// uploads admitted as them end.
    pub(crate) fn end_identity(&self, previous: &str) {
        let streams = self.streams.end_identity(previous);
        let uploads = self.uploads.end_identity(previous);
        log::debug!("mizan: identity changed: ended {streams} stream(s), {uploads} upload(s)");
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
#[must_use = "a Builder does nothing until `build()` makes the plugin"]
pub struct Builder {
    config: Config,
    exports: Vec<ExportFile>,
    identity: Option<IdentityProvider>,
    jwt: Option<JwtConfig>,
    hydrate: Option<crate::hydrate::Chooser>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("config", &self.config)
            .field("exports", &self.exports)
            .field("identity_provider", &self.identity.is_some())
            .field("jwt", &self.jwt)
            .field("hydrate", &self.hydrate.is_some())
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

    /// The largest upload, all the files of one call together, in bytes.
    /// The generated client refuses a larger one before sending anything;
    /// the plugin refuses it on arrival, before it holds any of its bytes:
    /// `payload_too_large` either way. Chunked uploads are assembled in
    /// memory, so this bounds the memory one upload takes. Default:
    /// 128 MiB.
    ///
    /// ```no_run
    /// let plugin = tauri_plugin_mizan::Builder::new()
    ///     .max_upload_bytes(512 * 1024 * 1024)
    ///     .build::<tauri::Wry>();
    /// ```
    pub fn max_upload_bytes(mut self, bytes: usize) -> Self {
        self.config.max_upload_bytes = bytes;
        self
    }

    /// A chunked upload that no chunk reached for this long (its window
    /// closed, its page reloaded) is dropped with the bytes it holds.
    /// Default: 60 seconds.
    pub fn upload_expiry(mut self, expiry: std::time::Duration) -> Self {
        self.config.upload_expiry = expiry;
        self
    }

    /// The bound on the bytes every chunked upload in progress, in every
    /// window, may hold together (by their declared sizes): an
    /// `upload_begin` past it is `payload_too_large`. Default: twice
    /// [`max_upload_bytes`](Self::max_upload_bytes).
    pub fn max_upload_memory(mut self, bytes: usize) -> Self {
        self.config.upload_memory = Some(bytes);
        self
    }

    /// Single-flight refresh (docs/protocol.md: "Single-flight refresh"), on by default: a `call` may list
    /// the bundles its webview holds (`"refresh"`), and the envelope carries
    /// fresh values of those the call's targets reach (`"bundles"`), so a
    /// mutation and its refreshed view take one round trip. Off, the plugin
    /// answers as one without it: it does not advertise it to guest-js, and
    /// a `refresh` key is an unknown arg (`invalid_args`).
    ///
    /// ```no_run
    /// let plugin = tauri_plugin_mizan::Builder::new()
    ///     .single_flight(false)
    ///     .build::<tauri::Wry>();
    /// ```
    pub fn single_flight(mut self, on: bool) -> Self {
        self.config.single_flight = on;
        self
    }

    /// The most bundles one `refresh` list may name; a longer list is
    /// `invalid_args` and the call does not run (guest-js sends at most
    /// this many, and refetches the others as usual). Default: 32.
    pub fn max_refresh(mut self, keys: usize) -> Self {
        self.config.max_refresh = keys;
        self
    }

    /// First-paint hydration (docs/protocol.md: "First-paint hydration"): the bundles each window shows
    /// first, by window label. A window created with
    /// [`HydrateExt::hydrate`](crate::HydrateExt::hydrate) gets them in its
    /// initialization script, computed as `ctx` computes them for it (auth
    /// guard, origin cache, access entries), so its first render makes no
    /// IPC call. See the README, "First-paint hydration".
    ///
    /// ```no_run
    /// use tauri_plugin_mizan::{Context, Hydrate};
    /// const USER: Context = Context::new("user");
    ///
    /// let plugin = tauri_plugin_mizan::Builder::new()
    ///     .hydrate(|label| match label {
    ///         "main" => vec![Hydrate::bundle(&USER, serde_json::json!({"user_id": 1}))],
    ///         _ => vec![],
    ///     })
    ///     .build::<tauri::Wry>();
    /// ```
    pub fn hydrate(
        mut self,
        choose: impl Fn(&str) -> Vec<crate::Hydrate> + Send + Sync + 'static,
    ) -> Self {
        self.hydrate = Some(crate::hydrate::Chooser(Arc::new(choose)));
        self
    }

    /// The bound on one window's snapshot, in bytes of JSON. Bundles are
    /// taken in the order chosen; from the first that would pass it, the
    /// rest are left out (with a logged warning) and the page fetches them
    /// as usual. Default: 1 MiB.
    pub fn hydrate_max_bytes(mut self, bytes: usize) -> Self {
        self.config.hydrate_max_bytes = bytes;
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

    /// Where the origin cache (context functions marked `cache`) keeps its
    /// store and its secret. Default: `<app data dir>/mizan`.
    ///
    /// ```no_run
    /// let plugin = tauri_plugin_mizan::Builder::new()
    ///     .cache_dir("/var/tmp/my-app-cache")
    ///     .build::<tauri::Wry>();
    /// ```
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.cache_dir = CacheDir::Dir(dir.into());
        self
    }

    /// Keeps the origin cache in memory only: nothing is written to disk,
    /// and a restarted app starts with an empty cache.
    pub fn cache_in_memory(mut self) -> Self {
        self.config.cache_dir = CacheDir::Memory;
        self
    }

    /// The bound on the origin cache's entries, in bytes (about the size
    /// of their JSON), in memory and on disk; the oldest are evicted past
    /// it. Default: 64 MiB.
    pub fn cache_max_bytes(mut self, bytes: u64) -> Self {
        self.config.cache_max_bytes = bytes;
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

    /// Takes the caller's identity from JWTs (docs/protocol.md: "JWT identity"): from the IPC
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
        let hydrate = self.hydrate;
        PluginBuilder::new("mizan")
            .invoke_handler(super::commands::handler())
            .js_init_script(format!(
                "{}\n{}",
                crate::upload::limits_script(config.max_upload_bytes),
                crate::refresh::features_script(config.single_flight, config.max_refresh)
            ))
            .setup(move |app, api| {
                let registry = Registry::discover().map_err(|e| {
                    log::error!("mizan: the registry cannot be served:\n{e}");
                    Box::new(e) as Box<dyn std::error::Error>
                })?;
                if cfg!(debug_assertions) {
                    starting_up(&registry, &exports);
                }
                let jwt = jwt_config.clone().map(|c| start_jwt(app, c)).transpose()?;
                let identity = match &jwt {
                    Some(jwt) => Some(auth::jwt_provider(jwt.clone(), identity.clone())),
                    None => identity.clone(),
                };
                let cache = open_cache(app, &config, &registry);
                let (hydrate, hydrate_access) = match api.scope::<crate::AccessEntry>() {
                    Ok(global) => {
                        let access = crate::dispatch::access::Access::new(
                            global.allows().clone(),
                            global.denies().clone(),
                        );
                        (hydrate.clone(), access)
                    }
                    Err(e) => {
                        log::warn!("mizan: the global scope could not be read ({e}); no window is hydrated");
                        (None, crate::dispatch::access::Access::new(Vec::new(), Vec::new()))
                    }
                };
                app.manage(Arc::new(Shared {
                    dispatcher: Dispatcher {
                        registry: Arc::new(registry),
                        scoping: config.scoping,
                        identity,
                        cache,
                    },
                    config: config.clone(),
                    events: Notifier::default(),
                    jwt,
                    uploads: Default::default(),
                    streams: Arc::default(),
                    hydrate,
                    hydrate_access,
                    hydrated: Default::default(),
                    pages: Default::default(),
                }));
                Ok(())
            })
            // A hydrated webview's page is handed its snapshot once it is
            // checked against the window's own access and identity.
            .on_webview_ready(|webview| {
                if let Ok(url) = webview.url() {
                    crate::hydrate::confirm(&webview, &url);
                }
            })
            // No stream or chunked upload outlives its page: a load (a
            // reload or a navigation) starts a new page, and a destroyed
            // window takes its webviews.
            .on_page_load(|webview, payload| {
                if payload.event() == PageLoadEvent::Started {
                    if let Some(shared) = webview.try_state::<Arc<Shared>>() {
                        shared.pages.loaded(webview.label(), payload.url());
                        shared.events.listeners.drop_page(webview.label());
                    }
                    crate::hydrate::confirm(webview, payload.url());
                    end_page(webview, webview.label());
                }
            })
            .on_event(|app, event| {
                if let RunEvent::WindowEvent {
                    label,
                    event: WindowEvent::Destroyed,
                    ..
                } = event
                {
                    if let Some(shared) = app.try_state::<Arc<Shared>>() {
                        shared.pages.gone(label);
                        shared.events.listeners.drop_page(label);
                    }
                    end_page(app, label);
                }
                if let RunEvent::Exit = event {
                    if let Some(shared) = app.try_state::<Arc<Shared>>() {
                        if let Some(cache) = &shared.dispatcher.cache {
                            cache.close();
                        }
                    }
                }
            })
            .build()
    }
}

/// Stops the streams and drops the chunked uploads of the webview or
/// window labelled `label`.
fn end_page<R: Runtime>(manager: &impl Manager<R>, label: &str) {
    if let Some(shared) = manager.try_state::<Arc<Shared>>() {
        let stopped = shared.streams.stop_label(label);
        let dropped = shared.uploads.drop_webview(label);
        if stopped + dropped > 0 {
            log::debug!(
                "mizan: `{label}` went away: stopped {stopped} stream(s), dropped {dropped} upload(s)"
            );
        }
    }
}

/// The JWT source of the app. When who is signed in changes, the previous
/// identity's origin cache entries are purged and its streams and chunked
/// uploads end, then every webview is told.
fn start_jwt<R: Runtime>(
    app: &tauri::AppHandle<R>,
    config: JwtConfig,
) -> Result<Arc<Jwt>, Box<dyn std::error::Error>> {
    let jwt = Arc::new(Jwt::new(config).map_err(|e| {
        log::error!("mizan: {e}");
        Box::new(e) as Box<dyn std::error::Error>
    })?);
    let app = app.clone();
    jwt.on_change(move |change| {
        let shared = app.try_state::<Arc<Shared>>();
        if let (Some(shared), Some(previous)) = (&shared, &change.previous) {
            if let Some(cache) = &shared.dispatcher.cache {
                cache.purge(Some(previous.as_str()));
            }
            shared.end_identity(previous);
        }
        if let Some(shared) = app.try_state::<Arc<Shared>>() {
            shared.events.listeners.identity_changed(change);
        }
    });
    if let Err(e) = jwt.resume() {
        log::warn!("mizan: the saved session could not be resumed, signed out: {e}");
    }
    Ok(jwt)
}

/// The origin cache, when some context function is marked `cache`.
fn open_cache<R: Runtime>(
    app: &tauri::AppHandle<R>,
    config: &Config,
    registry: &Registry,
) -> Option<Arc<OriginCache>> {
    let contexts: HashSet<String> = registry
        .functions()
        .into_iter()
        .filter(|f| f.cache.is_some())
        .filter_map(|f| match f.kind {
            FnKind::Context(c) => Some(c.name().to_owned()),
            _ => None,
        })
        .collect();
    if contexts.is_empty() {
        return None;
    }
    let dir = match &config.cache_dir {
        CacheDir::Memory => None,
        CacheDir::Dir(dir) => Some(dir.clone()),
        CacheDir::AppData => match app.path().app_data_dir() {
            Ok(dir) => Some(dir.join("mizan")),
            Err(e) => {
                log::warn!("mizan: no app data dir ({e}); the origin cache serves from memory");
                None
            }
        },
    };
    let options = CacheOptions {
        dir,
        max_bytes: config.cache_max_bytes,
    };
    Some(Arc::new(OriginCache::open(&options, contexts)))
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
