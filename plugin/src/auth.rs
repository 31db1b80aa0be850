//! Auth guards: the app registers an identity provider; a function marked
//! `#[client(auth)]` or `#[client(auth = "role")]` is refused before its body
//! runs when the caller has no identity (`unauthorized`) or lacks the role
//! (`forbidden`).

use std::{any::Any, sync::Arc};

use serde::Serialize;
use tauri::{http::HeaderMap, Runtime, Webview};

use crate::{
    error::CallError,
    handler::CallCtx,
    jwt::{InvalidToken, Jwt, JwtMode, TokenRefusal},
    FromCallContext,
};

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

/// Who is calling: an identity, none, or a refusal (a bad token).
pub(crate) type IdentityProvider =
    Arc<dyn Fn(&IdentityRequest<'_>) -> Result<Option<Identity>, CallError> + Send + Sync>;

/// The app's own provider, which never refuses.
pub(crate) fn provider(
    f: impl Fn(&IdentityRequest<'_>) -> Option<Identity> + Send + Sync + 'static,
) -> IdentityProvider {
    Arc::new(move |req| Ok(f(req)))
}

/// The JWT identity source: the token of the call (mode `Bearer`) or the
/// held session (mode `Held`). A token that gives no identity refuses the
/// call; no token at all, or no one signed in, asks `fallback`.
pub(crate) fn jwt_provider(jwt: Arc<Jwt>, fallback: Option<IdentityProvider>) -> IdentityProvider {
    Arc::new(move |req| {
        let found = match jwt.mode() {
            JwtMode::Bearer => match bearer(req.headers()) {
                None => None,
                Some(token) => Some(jwt.verify(token?).map_err(CallError::Token)?),
            },
            JwtMode::Held => jwt.current().map_err(CallError::Token)?,
        };
        match (found, &fallback) {
            (Some(identity), _) => Ok(Some(identity)),
            (None, Some(fallback)) => fallback(req),
            (None, None) => Ok(None),
        }
    })
}

/// The token of an `Authorization: Bearer <token>` header. Another scheme,
/// or a value that is not text, is an invalid token.
fn bearer(headers: &HeaderMap) -> Option<Result<&str, CallError>> {
    let value = headers.get(tauri::http::header::AUTHORIZATION)?;
    let malformed = || CallError::Token(TokenRefusal::Invalid(InvalidToken::Malformed));
    Some(
        value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(malformed),
    )
}

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
