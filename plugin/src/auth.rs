//! Auth guards: the app registers an identity provider; a function marked
//! `#[client(auth)]` or `#[client(auth = "role")]` is refused before its body
//! runs when the caller has no identity (`unauthorized`) or lacks the role
//! (`forbidden`).

use std::{any::Any, sync::Arc};

use serde::Serialize;
use tauri::{http::HeaderMap, Runtime, Webview};

use crate::{error::CallError, handler::CallCtx, FromCallContext};

/// What a function requires of its caller's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Nothing beyond what the window's capabilities allow.
    None,
    /// Some identity.
    Identity,
    /// An identity with this role.
    Role(&'static str),
}

/// Who is calling, as the app's identity provider says.
///
/// ```
/// use tauri_plugin_mizan::Identity;
/// let ada = Identity::new("ada").with_role("admin");
/// assert!(ada.has_role("admin"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Identity {
    /// A stable id for the subject (a user id, an account id).
    pub id: String,
    /// The roles the subject holds.
    pub roles: Vec<String>,
}

impl Identity {
    /// An identity without roles.
    pub fn new(id: impl Into<String>) -> Self {
        Identity {
            id: id.into(),
            roles: Vec::new(),
        }
    }

    /// Adds a role.
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.roles.push(role.into());
        self
    }

    /// Whether the identity holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// What an identity provider sees of a call: the calling webview and the
/// IPC request's headers.
pub struct IdentityRequest<'a> {
    pub(crate) label: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) webview: &'a (dyn Any + Send + Sync),
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

impl Auth {
    /// Refuses a caller that does not meet the requirement.
    pub(crate) fn check(
        &self,
        function: &str,
        identity: Option<&Identity>,
    ) -> Result<(), CallError> {
        match (self, identity) {
            (Auth::None, _) => Ok(()),
            (_, None) => Err(CallError::Unauthorized),
            (Auth::Identity, Some(_)) => Ok(()),
            (Auth::Role(role), Some(identity)) if identity.has_role(role) => Ok(()),
            (Auth::Role(role), Some(_)) => Err(CallError::Forbidden(format!(
                "function `{function}` (it needs the role `{role}`)"
            ))),
        }
    }
}

/// The caller's identity, injected; a call without one is `unauthorized`.
impl FromCallContext<'_> for Identity {
    fn from_call_context(ctx: &CallCtx) -> Result<Self, CallError> {
        ctx.identity().cloned().ok_or(CallError::Unauthorized)
    }
}
