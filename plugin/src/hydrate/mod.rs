//! First-paint hydration (docs/protocol.md: "First-paint hydration"): the bundles a window shows first,
//! computed in Rust when the window is created and put in its
//! initialization script, so its first render needs no IPC round trip.
//!
//! **Per window, by design.** Tauri calls a plugin's initialization script
//! for every webview without saying which one it is for, so a snapshot
//! there would reach every window. Instead the app names, per window label,
//! what to hydrate ([`Builder::hydrate`](crate::Builder::hydrate)), and the
//! script of one label is computed by [`HydrateExt::hydrate`] on that
//! window's builder (or [`Mizan::hydration_script`](crate::Mizan::hydration_script)),
//! through the same path as `ctx`: the auth guard (the identity provider
//! asked for that label), the origin cache, and access entries.
//!
//! **Handed only to a page it may be given.** The script holds the
//! snapshot and hands it to the page only after the plugin confirmed that
//! document (see [`confirm`]): at the webview's creation and at each page
//! load, the plugin checks the page's origin (the app's own), the
//! window's own access (its capabilities' scopes, for that page) against
//! every bundle and function in the snapshot, and that whoever is signed in
//! is still the identity it was computed for. A page that fails gets
//! nothing and fetches as if it had no snapshot; a reload after a sign-out
//! shows none of the previous identity's data. Tauri resolves no
//! capability for a webview that does not exist yet, so the snapshot is
//! computed under the global scope and, once a page of that label was seen,
//! under that window's own access too.
//!
//! - `snapshot`: computing the bundles and the script.
//! - `since`: the `since` command, which tells a page what was invalidated
//!   after its snapshot was computed (a reload runs the script again, with
//!   the old snapshot).

pub(crate) mod since;
pub(crate) mod snapshot;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use serde_json::Value;
use tauri::{Manager, Runtime, Url, Webview, WebviewWindowBuilder};

use crate::{
    core::context::Context,
    dispatch::access::{Access, Reach},
    edge::{builder::Shared, commands::webview_access},
};

/// One bundle to hydrate: a context and its params.
///
/// ```
/// use tauri_plugin_mizan::{Context, Hydrate};
/// const USER: Context = Context::new("user");
/// let first = Hydrate::bundle(&USER, serde_json::json!({"user_id": 1}));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Hydrate {
    pub(crate) context: String,
    pub(crate) params: Value,
}

impl Hydrate {
    /// The bundle of `context` for `params` (a JSON object, as `ctx` takes it).
    pub fn bundle(context: &Context, params: Value) -> Self {
        Hydrate {
            context: context.name().to_owned(),
            params,
        }
    }
}

/// The closure the app gives [`Builder::hydrate`](crate::Builder::hydrate).
type Choose = dyn Fn(&str) -> Vec<Hydrate> + Send + Sync;

/// The app's choice: the bundles to hydrate for a window label.
#[derive(Clone)]
pub(crate) struct Chooser(pub(crate) Arc<Choose>);

impl std::fmt::Debug for Chooser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Chooser")
    }
}

/// The default of [`Builder::hydrate_max_bytes`](crate::Builder::hydrate_max_bytes): 1 MiB.
pub(crate) const DEFAULT_MAX_BYTES: usize = 1024 * 1024;

/// One hydrated bundle: its context and the functions whose values it holds.
pub(crate) type Held = (String, Vec<String>);

/// What one label's script holds, for confirming its pages.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) held: Vec<Held>,
    /// The identity it was computed for.
    pub(crate) identity: Option<String>,
    /// The key the page's script accepts as confirmation.
    pub(crate) key: String,
}

/// What each label's script holds, and the access last seen for a page of
/// each label.
#[derive(Debug, Default)]
pub(crate) struct Hydrated {
    by_label: Mutex<HashMap<String, Record>>,
    seen: Mutex<HashMap<String, Access>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hydrated {
    pub(crate) fn record(&self, label: &str, record: Record) {
        lock(&self.by_label).insert(label.to_owned(), record);
    }

    pub(crate) fn forget(&self, label: &str) {
        lock(&self.by_label).remove(label);
    }

    /// The access a snapshot of `label` is computed under: `global`, and
    /// the window's own when a page of that label was seen.
    pub(crate) fn access_for(&self, label: &str, global: &Access) -> Access {
        match lock(&self.seen).get(label) {
            Some(own) => global.and(own),
            None => global.clone(),
        }
    }
}

/// A 128-bit random key, as hex.
pub(crate) fn new_key() -> Option<String> {
    let mut bytes = [0u8; 16];
    if let Err(e) = getrandom::fill(&mut bytes) {
        log::error!("mizan: no random source for a hydration key ({e}); not hydrating");
        return None;
    }
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The origins of the app's own pages (`scheme://host[:port]`): its
/// custom protocol as each platform serves it, and the dev server's in
/// development.
pub(crate) fn app_origins<R: Runtime>(app: &tauri::AppHandle<R>) -> Vec<String> {
    let mut origins = vec![
        "tauri://localhost".to_owned(),
        "http://tauri.localhost".to_owned(),
        "https://tauri.localhost".to_owned(),
    ];
    if tauri::is_dev() {
        if let Some(url) = &app.config().build.dev_url {
            origins.push(origin_of(url));
        }
    }
    origins
}

fn origin_of(url: &Url) -> String {
    match url.port() {
        Some(port) => format!("{}://{}:{port}", url.scheme(), url.host_str().unwrap_or("")),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or("")),
    }
}

/// Adds a window's first-paint snapshot to its builder.
///
/// ```no_run
/// use tauri::{WebviewUrl, WebviewWindowBuilder};
/// use tauri_plugin_mizan::HydrateExt;
///
/// fn open(app: &tauri::AppHandle) -> tauri::Result<()> {
///     WebviewWindowBuilder::new(app, "main", WebviewUrl::default())
///         .hydrate(app, "main")
///         .build()?;
///     Ok(())
/// }
/// ```
pub trait HydrateExt<R: Runtime>: Sized {
    /// Adds the initialization script holding the bundles
    /// [`Builder::hydrate`](crate::Builder::hydrate) chose for `label` (the
    /// label this builder creates), computed now. Without the plugin, or
    /// with nothing chosen, the builder is returned as it was.
    fn hydrate<M: Manager<R>>(self, manager: &M, label: &str) -> Self;
}

impl<'a, R: Runtime, N: Manager<R>> HydrateExt<R> for WebviewWindowBuilder<'a, R, N> {
    fn hydrate<M: Manager<R>>(self, manager: &M, label: &str) -> Self {
        match script_for(manager, label) {
            Some(script) => self.initialization_script(script),
            None => self,
        }
    }
}

/// The script of `label`, if the plugin is installed and chose something.
pub(crate) fn script_for<R: Runtime, M: Manager<R>>(manager: &M, label: &str) -> Option<String> {
    let shared = manager.try_state::<Arc<Shared>>()?;
    let app = manager.app_handle().clone();
    snapshot::script(&shared, app, label)
}

/// Why a page is not handed its snapshot.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refusal {
    #[error("its page is not the app's own ({0})")]
    Origin(String),
    #[error("it is not granted `mizan:allow-ctx`")]
    NoCtx,
    #[error("its capabilities refuse `{context}`: {reason}")]
    Access { context: String, reason: String },
    #[error("its capability scopes could not be read: {0}")]
    Scopes(tauri::Error),
    #[error("who is signed in changed since the snapshot was computed")]
    Identity,
}

/// Confirms the page `webview` is loading at `url`, if it may be handed
/// its window's snapshot: the page's script then hands it over. Called
/// when the webview is created and at each page load; a refusal is logged
/// (an error when the window's own capabilities refuse what the app chose
/// to hydrate it with).
pub(crate) fn confirm<R: Runtime>(webview: &Webview<R>, url: &Url) {
    let Some(shared) = webview.try_state::<Arc<Shared>>() else {
        return;
    };
    let label = webview.label();
    let (held, identity, key) = match lock(&shared.hydrated.by_label).get(label) {
        Some(r) => (r.held.clone(), r.identity.clone(), r.key.clone()),
        None => return,
    };
    match check(&shared, webview, url, &held, &identity) {
        Ok(()) => {
            let script = format!(
                "window.{0} && window.{0}({1});",
                snapshot::CONFIRM,
                snapshot::js_literal(&key)
            );
            match webview.eval(script) {
                Ok(()) => log::debug!("mizan: the page of `{label}` is handed its snapshot"),
                Err(e) => log::warn!("mizan: could not confirm the snapshot of `{label}`: {e}"),
            }
        }
        Err(e @ (Refusal::Access { .. } | Refusal::NoCtx)) => log::error!(
            "mizan: window `{label}` was hydrated with what its capabilities refuse ({e}); \
             its page is not handed the snapshot. Hydrate only what the window may read."
        ),
        Err(e) => log::info!("mizan: the page of `{label}` is not handed its snapshot: {e}"),
    }
}

fn check<R: Runtime>(
    shared: &Shared,
    webview: &Webview<R>,
    url: &Url,
    held: &[Held],
    identity: &Option<String>,
) -> Result<(), Refusal> {
    let origin = origin_of(url);
    if !app_origins(webview.app_handle()).contains(&origin) {
        return Err(Refusal::Origin(origin));
    }
    // A hydrated bundle is a `ctx` read: the webview must be granted `ctx`.
    match webview.resolve_command_scope::<crate::AccessEntry>("mizan", "ctx") {
        Ok(Some(_)) => {}
        Ok(None) => return Err(Refusal::NoCtx),
        Err(e) => return Err(Refusal::Scopes(e)),
    }
    let access = webview_access(webview).map_err(Refusal::Scopes)?;
    lock(&shared.hydrated.seen).insert(webview.label().to_owned(), access.clone());
    for (context, functions) in held {
        let refused = access.check(Reach::Bundle(context)).err().or_else(|| {
            functions.iter().find_map(|f| {
                let reach = Reach::Function {
                    name: f,
                    context: Some(context),
                };
                access.check(reach).err()
            })
        });
        if let Some(e) = refused {
            return Err(Refusal::Access {
                context: context.clone(),
                reason: e.to_string(),
            });
        }
    }
    match snapshot::identity_of(shared, webview.app_handle(), webview.label()) {
        Ok(now) if now == *identity => Ok(()),
        _ => Err(Refusal::Identity),
    }
}
