//! The plugin's Rust API, reached as `app.mizan()`.

use std::sync::Arc;

use tauri::{Emitter, Manager, Runtime};

use crate::{
    core::{
        registry::{Registry, ScopingReport},
        scoping::Target,
    },
    edge::builder::Shared,
};

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
        let targets = self
            .registry()
            .normalize_targets(targets.into_iter().collect());
        if !targets.is_empty() {
            self.shared.apply(targets, None);
        }
    }

    /// The initialization script holding window `label`'s first-paint
    /// snapshot (the bundles [`Builder::hydrate`](crate::Builder::hydrate)
    /// chose for it, computed now), or `None` when there is nothing to
    /// hydrate. [`HydrateExt::hydrate`](crate::HydrateExt::hydrate) adds it
    /// to a window's builder.
    pub fn hydration_script(&self, label: &str) -> Option<String> {
        crate::hydrate::snapshot::script(&self.shared, self.manager.app_handle().clone(), label)
    }

    /// Removes one identity's entries from the origin cache, in memory and
    /// on disk (at sign-out): no later caller is served them, and runs in
    /// flight for that identity store nothing. Returns once the store has
    /// committed it. The streams and chunked uploads admitted as that
    /// identity end too (their consumers get `unauthorized`,
    /// `identity_changed`).
    ///
    /// ```no_run
    /// use tauri_plugin_mizan::MizanExt;
    /// fn sign_out(app: &tauri::AppHandle, user_id: &str) {
    ///     app.mizan().purge_identity(user_id);
    /// }
    /// ```
    pub fn purge_identity(&self, id: &str) {
        if let Some(cache) = &self.shared.dispatcher.cache {
            cache.purge(Some(id));
        }
        self.shared.end_identity(id);
    }

    /// Removes every entry of the origin cache, in memory and on disk.
    pub fn purge_cache(&self) {
        if let Some(cache) = &self.shared.dispatcher.cache {
            cache.purge(None);
        }
    }

    /// Waits until the origin cache's pending writes are on disk. `false`
    /// when nothing is persisted (no cached function, memory only, or the
    /// store could not be used).
    pub fn flush_cache(&self) -> bool {
        self.shared
            .dispatcher
            .cache
            .as_ref()
            .is_some_and(|c| c.flush())
    }

    /// Writes what is pending and closes the origin cache's store, marking
    /// it closed cleanly; the cache goes on in memory. The plugin does this
    /// when the app exits; call it before ending the process another way
    /// (`std::process::exit`). After a run that did not close it (a crash),
    /// the next run serves no entry as fresh before running its function
    /// once; entries still stand in for failed runs.
    pub fn close_cache(&self) {
        if let Some(cache) = &self.shared.dispatcher.cache {
            cache.close();
        }
    }

    /// The JWT identity source, if [`Builder::jwt`](crate::Builder::jwt)
    /// configured one: sign in and out, issue and refresh tokens.
    ///
    /// ```no_run
    /// use tauri_plugin_mizan::{Identity, MizanExt};
    ///
    /// fn sign_in(app: &tauri::AppHandle, user: &str) -> Result<(), String> {
    ///     let jwt = app.mizan().jwt().ok_or("JWT is not configured")?;
    ///     jwt.sign_in(&Identity::new(user).with_role("member"))
    ///         .map_err(|e| e.to_string())
    /// }
    /// ```
    pub fn jwt(&self) -> Option<Arc<crate::jwt::Jwt>> {
        self.shared.jwt.clone()
    }

    /// The chunked uploads in progress (begun, not yet complete, cancelled
    /// or expired) and the bytes they hold.
    pub fn uploads_in_progress(&self) -> (usize, usize) {
        self.shared.uploads.usage()
    }

    /// Stops every stream of the webview (or window) labelled `label`, as
    /// when it reloads or its window is destroyed (the plugin does it
    /// then): each streaming function's future is dropped. Returns how
    /// many were running.
    pub fn stop_streams(&self, label: &str) -> usize {
        self.shared.streams.stop_label(label)
    }

    /// How many streams are running, in every webview.
    pub fn running_streams(&self) -> usize {
        self.shared.streams.running()
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
