//! The plugin's Rust API, reached as `app.mizan()`.

use std::sync::Arc;

use tauri::{Emitter, Manager, Runtime};

use crate::{
    core::{
        registry::{Registry, ScopingReport},
        scoping::{self, Target},
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
        let mut targets: Vec<Target> = targets.into_iter().collect();
        scoping::normalize(&mut targets);
        if !targets.is_empty() {
            self.shared.events.notify(self.manager, targets, None);
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
