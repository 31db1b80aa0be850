//! What the generated code calls: the per-call context, the trait of
//! injected parameters, the tier-1 collector, and the conversion of a
//! function's outcome into the plugin's output.
//!
//! The caller is abstract here ([`Caller`]): the Tauri edge implements it
//! for the IPC message and injects Tauri's own types (`State`, `AppHandle`,
//! ...).

use std::{
    any::Any,
    cell::RefCell,
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
};

use serde::Serialize;
use serde_json::value::RawValue;
use tauri::http::Extensions;

use crate::core::{
    args::Args,
    auth::Identity,
    context::Context,
    error::CallError,
    scoping::{Params, Target},
};

/// A function's serialized result, or why it failed.
pub type Outcome = Result<Box<RawValue>, CallError>;

/// The future a handler returns once its arguments are parsed.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// Parses the args of one call and starts the function.
pub type Handler = for<'a> fn(CallCtx, Args<'a>) -> Result<HandlerFuture, CallError>;

/// What a call needs of the message that carried it. The Tauri edge
/// implements it for the IPC message, so a call never clones the webview.
pub(crate) trait Caller: Send + Sync {
    /// The caller's webview (a `tauri::Webview<R>`), to downcast.
    fn webview_any(&self) -> &(dyn Any + Send + Sync);
    /// Its label.
    fn label(&self) -> &str;
    /// The request's headers.
    fn headers(&self) -> &tauri::http::HeaderMap;
}

/// What one call knows about its caller, and what it collects for scoping.
pub struct CallCtx {
    caller: Arc<dyn Caller>,
    /// Set for mutations: what their targets are computed from.
    scope: Option<Arc<CallScope>>,
    identity: Option<Identity>,
    /// What a capability attached for the function's params to find, by
    /// type (a streaming function's port, where its `StreamSink` writes).
    extensions: Extensions,
    /// The `validate` command: check the args, run nothing.
    validate_only: bool,
}

/// Per-call state shared between the running function and the dispatcher.
#[derive(Debug, Default)]
pub(crate) struct CallScope {
    scope_params: Arc<[&'static str]>,
    captured: Mutex<Params>,
    explicit: Mutex<Vec<Target>>,
}

impl CallScope {
    pub(crate) fn new(scope_params: Arc<[&'static str]>) -> Self {
        CallScope {
            scope_params,
            ..Default::default()
        }
    }

    pub(crate) fn captured(&self) -> Params {
        std::mem::take(&mut *self.captured.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn explicit(&self) -> Vec<Target> {
        std::mem::take(&mut *self.explicit.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl CallCtx {
    pub(crate) fn new(
        caller: Arc<dyn Caller>,
        scope: Option<Arc<CallScope>>,
        identity: Option<Identity>,
    ) -> Self {
        CallCtx {
            caller,
            scope,
            identity,
            extensions: Extensions::new(),
            validate_only: false,
        }
    }

    /// The same context for the `validate` command: the handler checks
    /// the args (types and form rules) and stops before the body.
    pub(crate) fn validate_only(mut self) -> Self {
        self.validate_only = true;
        self
    }

    /// Whether the handler must stop once the args are checked (the
    /// `validate` command).
    pub fn validating(&self) -> bool {
        self.validate_only
    }

    /// The same context carrying `value` for the params that look for a
    /// `T` (one value per type: a second replaces the first).
    pub(crate) fn with_extension<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// The `T` a capability attached to this call, if any.
    pub(crate) fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions.get()
    }

    /// The caller's identity, if the app's identity provider gave one.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    /// The label of the calling webview.
    pub fn label(&self) -> &str {
        self.caller.label()
    }

    /// The caller's webview, to downcast to the app's `Webview<R>`.
    pub(crate) fn webview_any(&self) -> &(dyn Any + Send + Sync) {
        self.caller.webview_any()
    }

    /// Records the canonical value of a wire param that tier 2 scopes by.
    /// A no-op for params no affected context uses.
    pub fn capture<T: Serialize>(&self, name: &'static str, value: &T) {
        let Some(scope) = self
            .scope
            .as_ref()
            .filter(|s| s.scope_params.contains(&name))
        else {
            return;
        };
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Null) => {}
            Ok(v) => {
                scope
                    .captured
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(name.to_owned(), v);
            }
            Err(e) => log::warn!("mizan: param `{name}` does not serialize: {e}"),
        }
    }
}

/// A parameter the plugin fills in itself: it never crosses the wire.
///
/// Implemented for `State<T>`, `AppHandle`, `Webview`, `Window`,
/// `WebviewWindow`, [`Invalidations`], [`Identity`] and
/// [`StreamSink`](crate::StreamSink).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected into a #[client] function",
    note = "injected params are State<T>, AppHandle, Webview, Window, WebviewWindow, Invalidations, Identity and StreamSink<T>"
)]
pub trait FromCallContext<'a>: Sized {
    /// Builds the value for one call.
    fn from_call_context(ctx: &'a CallCtx) -> Result<Self, CallError>;
}

/// The caller's identity, injected; a call without one is `unauthorized`.
impl FromCallContext<'_> for Identity {
    fn from_call_context(ctx: &CallCtx) -> Result<Self, CallError> {
        ctx.identity().cloned().ok_or(CallError::Unauthorized)
    }
}

/// Names a call's targets itself (tier 1). For each context it names, its
/// targets replace the automatic ones.
///
/// ```no_run
/// use tauri_plugin_mizan::{client, Context, Invalidations};
/// pub const USER: Context = Context::new("user");
///
/// #[client(affects = USER)]
/// fn merge_accounts(keep: u32, drop: u32, inv: Invalidations) {
///     inv.add(&USER, serde_json::json!({ "user_id": keep }));
///     inv.add(&USER, serde_json::json!({ "user_id": drop }));
/// }
/// # fn main() {}
/// ```
#[derive(Debug, Clone)]
pub struct Invalidations {
    scope: Arc<CallScope>,
}

impl Invalidations {
    /// Invalidates the bundles of `context` that `params` (a JSON object)
    /// reaches.
    pub fn add(&self, context: &Context, params: serde_json::Value) {
        self.target(Target::new(context.name(), params));
    }

    /// Invalidates every bundle of `context`.
    pub fn whole(&self, context: &Context) {
        self.target(Target::whole(context.name()));
    }

    /// Adds a target as it is.
    pub fn target(&self, target: Target) {
        self.scope
            .explicit
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(target);
    }
}

impl FromCallContext<'_> for Invalidations {
    /// Outside a mutation the targets named go nowhere: queries and
    /// context functions answer `invalidate: []`.
    fn from_call_context(ctx: &CallCtx) -> Result<Self, CallError> {
        Ok(Invalidations {
            scope: ctx.scope.clone().unwrap_or_default(),
        })
    }
}

/// `Result<T, E>` as a `#[client]` function returns it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `Result<T, E>` a #[client] function can return",
    note = "return `T` or `Result<T, E>` where T and E are `Serialize + specta::Type`"
)]
pub trait ClientResult {
    /// The success type.
    type Ok: Serialize;
    /// The error type, sent as the `app` error's details.
    type Err: Serialize;
    /// Unwraps into a plain `Result`.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
}

impl<T: Serialize, E: Serialize> ClientResult for Result<T, E> {
    type Ok = T;
    type Err = E;
    fn into_result(self) -> Result<T, E> {
        self
    }
}

pub(crate) fn raw<T: Serialize>(value: &T) -> Outcome {
    serde_json::value::to_raw_value(value)
        .map_err(|e| CallError::internal(format!("the result does not serialize: {e}")))
}

thread_local! {
    /// The bytes a function just answered raw on this thread, instead of
    /// JSON (a query returning `Bytes`, docs/protocol.md: "Uploads and binary results"). The dispatcher takes
    /// them in the same poll that ran the function's last step (see
    /// [`take_raw`]).
    static RAW: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Sets this thread's raw answer: called by the outcome of a function
/// whose result is bytes.
pub(crate) fn set_raw(bytes: Vec<u8>) {
    RAW.with(|r| *r.borrow_mut() = Some(bytes));
}

/// The raw answer of the function that just finished on this thread, if
/// it answered raw. Called by the dispatcher right after the run, in the
/// same poll (a function's last step and its return to the dispatcher
/// never yield in between), and before it, to drop anything left over.
pub(crate) fn take_raw() -> Option<Vec<u8>> {
    RAW.with(|r| r.borrow_mut().take())
}

/// The outcome of a function that returns nothing.
pub fn output_unit() -> Outcome {
    raw(&())
}

/// The outcome of a function that returns a plain value.
pub fn output_value<T: Serialize>(value: T) -> Outcome {
    raw(&value)
}

/// The outcome of a function that returns `Result<T, E>`.
pub fn output_result<R: ClientResult>(result: R) -> Outcome {
    match result.into_result() {
        Ok(v) => raw(&v),
        Err(e) => match serde_json::to_value(&e) {
            Ok(details) => Err(CallError::App(details)),
            Err(err) => Err(CallError::internal(format!(
                "the error does not serialize: {err}"
            ))),
        },
    }
}
