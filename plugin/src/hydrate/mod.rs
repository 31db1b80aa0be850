//! First-paint hydration (SPEC 6.7): the bundles a window shows first,
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
//! **Access.** Before a webview exists Tauri resolves no capability for it,
//! so the snapshot is computed under the plugin's global `mizan` scope
//! entries; when the webview is created, the plugin checks each hydrated
//! bundle against that webview's own capability scopes (the check `ctx`
//! makes), and a window whose scopes refuse a bundle it was hydrated with
//! is destroyed at once, before it served a page, with an error logged
//! (see [`audit`]).
//!
//! - `snapshot`: computing the bundles and the script.
//! - `since`: the `since` command, which tells a page what was invalidated
//!   after its snapshot was computed (a reload runs the script again, with
//!   the old snapshot).

pub(crate) mod since;
pub(crate) mod snapshot;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use serde_json::Value;
use tauri::{Manager, Runtime, Webview, WebviewWindowBuilder};

use crate::{
    core::context::Context,
    dispatch::access::Reach,
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

/// What each label was hydrated with, for the check at creation.
#[derive(Debug, Default)]
pub(crate) struct Hydrated {
    by_label: Mutex<HashMap<String, Vec<Held>>>,
}

impl Hydrated {
    pub(crate) fn record(&self, label: &str, bundles: Vec<Held>) {
        let mut map = self.by_label.lock().unwrap_or_else(PoisonError::into_inner);
        if bundles.is_empty() {
            map.remove(label);
        } else {
            map.insert(label.to_owned(), bundles);
        }
    }

    fn take(&self, label: &str) -> Option<Vec<Held>> {
        self.by_label
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(label)
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

/// Checks a new webview against what it was hydrated with: every bundle
/// must pass the webview's own capability scopes. A webview whose scopes
/// refuse one is destroyed (with its window), and an error names it.
pub(crate) fn audit<R: Runtime>(webview: &Webview<R>) {
    let Some(shared) = webview.try_state::<Arc<Shared>>() else {
        return;
    };
    let Some(bundles) = shared.hydrated.take(webview.label()) else {
        return;
    };
    // A hydrated bundle is a `ctx` read: the webview must be granted `ctx`.
    let granted = webview.resolve_command_scope::<crate::AccessEntry>("mizan", "ctx");
    let refused = match (granted, webview_access(webview)) {
        (Ok(None), _) => Some("it is not granted `mizan:allow-ctx`".to_owned()),
        (Ok(Some(_)), Ok(access)) => bundles.iter().find_map(|(context, functions)| {
            let bundle = access.check(Reach::Bundle(context)).err();
            let function = functions.iter().find_map(|f| {
                access
                    .check(Reach::Function {
                        name: f,
                        context: Some(context),
                    })
                    .err()
            });
            bundle.or(function).map(|e| format!("`{context}`: {e}"))
        }),
        (Err(e), _) | (_, Err(e)) => Some(format!("its capability scopes could not be read: {e}")),
    };
    if let Some(why) = refused {
        log::error!(
            "mizan: window `{}` was hydrated with a bundle its capabilities refuse ({why}); \
             it is closed before serving its page. Hydrate only what the window may read.",
            webview.label()
        );
        if let Err(e) = webview.window().destroy() {
            log::error!("mizan: could not close `{}`: {e}", webview.label());
        }
    }
}
