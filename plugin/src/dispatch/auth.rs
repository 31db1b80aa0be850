//! The auth guard: the app registers an identity provider; a function marked
//! `#[client(auth)]` or `#[client(auth = "role")]` is refused before its body
//! runs when the caller has no identity (`unauthorized`) or lacks the role
//! (`forbidden`).

use std::{any::Any, future::Future, panic::AssertUnwindSafe, pin::Pin, sync::Arc};

use futures_util::FutureExt;
use tauri::{http::HeaderMap, Runtime, Webview};

use crate::{
    core::{auth::Identity, call::Caller, error::CallError, registry::ClientFn},
    jwt::{InvalidToken, Jwt, JwtMode, TokenRefusal},
};

/// Waits for an admission on this thread, for the commands that answer
/// before they return (a stream's start, an upload's first step): a held
/// session's refresh keeps them at most its timeout.
pub(crate) use crate::jwt::block_on;

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
type Found = Result<Option<Identity>, CallError>;

/// The answer of an identity provider, awaited: at once for most; the held
/// JWT session's may wait for a refresh, which runs on its own thread.
pub(crate) type Lookup<'a> = Pin<Box<dyn Future<Output = Found> + Send + 'a>>;

/// Who is calling, for one request.
pub(crate) type IdentityProvider =
    Arc<dyn for<'a> Fn(&'a IdentityRequest<'a>) -> Lookup<'a> + Send + Sync>;

/// The app's own provider, which never refuses nor waits.
pub(crate) fn provider(
    f: impl Fn(&IdentityRequest<'_>) -> Option<Identity> + Send + Sync + 'static,
) -> IdentityProvider {
    Arc::new(move |req| Box::pin(std::future::ready(Ok(f(req)))))
}

/// The JWT identity source: the token of the call (mode `Bearer`) or the
/// held session (mode `Held`, awaiting a refresh of its expired token). A
/// token that gives no identity refuses the call; no token at all, or no
/// one signed in, asks `fallback`.
pub(crate) fn jwt_provider(jwt: Arc<Jwt>, fallback: Option<IdentityProvider>) -> IdentityProvider {
    Arc::new(move |req| {
        let jwt = jwt.clone();
        let fallback = fallback.clone();
        Box::pin(async move {
            let found = match jwt.mode() {
                JwtMode::Bearer => match bearer(req.headers()) {
                    None => None,
                    Some(token) => Some(jwt.verify(token?).map_err(CallError::Token)?),
                },
                JwtMode::Held => jwt.current_async().await.map_err(CallError::Token)?,
            };
            match (found, &fallback) {
                (Some(identity), _) => Ok(Some(identity)),
                (None, Some(fallback)) => fallback(req).await,
                (None, None) => Ok(None),
            }
        })
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
/// error, like a function that panics. Awaits the provider: a sync call
/// whose identity waits for a refresh moves off the thread that received
/// it, as an async one runs.
pub(crate) async fn admit(
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
            let panicked = |_| CallError::internal("the identity provider panicked");
            let lookup = std::panic::catch_unwind(AssertUnwindSafe(|| provider(&request)))
                .map_err(panicked)?;
            AssertUnwindSafe(lookup)
                .catch_unwind()
                .await
                .map_err(panicked)??
        }
    };
    def.auth.check(def.name, identity.as_ref())?;
    Ok(identity)
}

/// Who `caller` is, as the identity provider says, whatever it calls (a
/// first-paint snapshot is bound to it); waits for the answer on this
/// thread (a held session's refresh, at most its timeout). A provider that
/// panics is an `internal` error.
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
    let panicked = |_| CallError::internal("the identity provider panicked");
    let lookup =
        std::panic::catch_unwind(AssertUnwindSafe(|| provider(&request))).map_err(panicked)?;
    block_on(AssertUnwindSafe(lookup).catch_unwind()).map_err(panicked)?
}
