//! The auth guard: the app registers an identity provider; a function marked
//! `#[client(auth)]` or `#[client(auth = "role")]` is refused before its body
//! runs when the caller has no identity (`unauthorized`) or lacks the role
//! (`forbidden`).

use std::{any::Any, panic::AssertUnwindSafe, sync::Arc};

use tauri::{http::HeaderMap, Runtime, Webview};

use crate::core::{auth::Identity, call::Caller, error::CallError, registry::ClientFn};

/// What an identity provider sees of a call: the calling webview and the
/// IPC request's headers.
pub struct IdentityRequest<'a> {
    label: &'a str,
    headers: &'a HeaderMap,
    webview: &'a (dyn Any + Send + Sync),
}

impl<'a> IdentityRequest<'a> {
    /// The calling webview's label.
    pub fn label(&self) -> &'a str {
        self.label
    }

    /// The IPC request's headers (`invoke(cmd, args, { headers })`).
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// The calling webview, to reach the app's state (a session store).
    /// `None` if `R` is not the app's runtime.
    pub fn webview<R: Runtime>(&self) -> Option<&'a Webview<R>> {
        self.webview.downcast_ref()
    }
}

/// The app's identity provider.
pub(crate) type IdentityProvider =
    Arc<dyn Fn(&IdentityRequest<'_>) -> Option<Identity> + Send + Sync>;

/// Asks the app's identity provider who is calling, for the functions that
/// need to know: guarded ones, and those that take `Identity`. Then checks
/// the function's requirement. A provider that panics is an `internal`
/// error, like a function that panics.
pub(crate) fn admit(
    provider: Option<&IdentityProvider>,
    def: &ClientFn,
    caller: &dyn Caller,
) -> Result<Option<Identity>, CallError> {
    let needed = def.auth.needs_identity() || def.injected.contains(&"Identity");
    let identity = match provider.filter(|_| needed) {
        None => None,
        Some(provider) => {
            let request = IdentityRequest {
                label: caller.label(),
                headers: caller.headers(),
                webview: caller.webview_any(),
            };
            std::panic::catch_unwind(AssertUnwindSafe(|| provider(&request)))
                .map_err(|_| CallError::internal("the identity provider panicked"))?
        }
    };
    def.auth.check(def.name, identity.as_ref())?;
    Ok(identity)
}
