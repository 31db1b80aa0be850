//! The auth guard: the app registers an identity provider; a function marked
//! `#[client(auth)]` or `#[client(auth = "role")]` is refused before its body
//! runs when the caller has no identity (`unauthorized`) or lacks the role
//! (`forbidden`).

use std::{any::Any, panic::AssertUnwindSafe, sync::Arc};

use tauri::{http::HeaderMap, Runtime, Webview};

use crate::{
    core::{auth::Identity, call::Caller, error::CallError, registry::ClientFn},
    jwt::{InvalidToken, Jwt, JwtMode, TokenRefusal},
};

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

/// Asks the app's identity provider who is calling, for the functions that
/// need to know: guarded ones, those that take `Identity`, and cached ones
/// (the identity is part of their cache key). Then checks
/// the function's requirement. A provider that panics is an `internal`
/// error, like a function that panics.
pub(crate) fn admit(
    provider: Option<&IdentityProvider>,
    def: &ClientFn,
    caller: &dyn Caller,
) -> Result<Option<Identity>, CallError> {
    let needed =
        def.auth.needs_identity() || def.injected.contains(&"Identity") || def.cache.is_some();
    let identity = match provider.filter(|_| needed) {
        None => None,
        Some(provider) => {
            let request = IdentityRequest {
                label: caller.label(),
                headers: caller.headers(),
                webview: caller.webview_any(),
            };
            std::panic::catch_unwind(AssertUnwindSafe(|| provider(&request)))
                .map_err(|_| CallError::internal("the identity provider panicked"))??
        }
    };
    def.auth.check(def.name, identity.as_ref())?;
    Ok(identity)
}

/// Who `caller` is, as the identity provider says, whatever it calls (a
/// first-paint snapshot is bound to it). A provider that panics is an
/// `internal` error.
pub(crate) fn identify(
    provider: Option<&IdentityProvider>,
    caller: &dyn Caller,
) -> Result<Option<Identity>, CallError> {
    let Some(provider) = provider else {
        return Ok(None);
    };
    let request = IdentityRequest {
        label: caller.label(),
        headers: caller.headers(),
        webview: caller.webview_any(),
    };
    std::panic::catch_unwind(AssertUnwindSafe(|| provider(&request)))
        .map_err(|_| CallError::internal("the identity provider panicked"))?
}
