//! The IPC commands `call`, `ctx` and `ir`. Each reads the request, hands
//! it to the [`Dispatcher`](crate::dispatch::Dispatcher),
//! and turns the answer into the wire shapes.
//!
//! `call` and `ctx` are dispatched by hand rather than through
//! `generate_handler!`, so that each request runs where Tauri would run a
//! command with the same body: a sync function inline, like a sync
//! `#[tauri::command]`, and an async one on the async runtime, like an async
//! command. That keeps a sync call free of a thread hop.

use std::{
    future::Future,
    sync::Arc,
    task::{Context, Poll, Waker},
};

use tauri::{
    ipc::{Invoke, InvokeError, InvokeMessage, InvokeResolver},
    Manager, Runtime, State,
};

use crate::{
    core::{
        call::Caller,
        error::{CallError, WireError},
    },
    dispatch::{
        access::Access,
        request::{self, CallRequest, CtxRequest},
        Dispatcher, Finished,
    },
    edge::{
        body::{self, check_size, peek_name},
        builder::Shared,
    },
    refresh,
};

/// The plugin's invoke handler.
pub(crate) fn handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    move |invoke: Invoke<R>| {
        let Some(invoke) = shallow(invoke) else {
            return true;
        };
        command(invoke)
    }
}

/// Refuses a body nested too deep where it arrived, before any command
/// reads it or moves it to another thread ([`request::TooDeep`]).
fn shallow<R: Runtime>(invoke: Invoke<R>) -> Option<Invoke<R>> {
    let deep = match invoke.message.payload() {
        tauri::ipc::InvokeBody::Json(body) => request::too_deep_body(body),
        tauri::ipc::InvokeBody::Raw(_) => None,
    };
    let Some(deep) = deep else {
        return Some(invoke);
    };
    let Invoke {
        message, resolver, ..
    } = invoke;
    resolver.reject(deep.error.to_wire(None, Vec::new()));
    request::dispose(message, deep.depth);
    None
}

fn command<R: Runtime>(invoke: Invoke<R>) -> bool {
    let name = invoke.message.command();
    match routes::<R>().iter().find(|(command, _)| *command == name) {
        Some((_, serve)) => {
            serve(invoke);
            true
        }
        None => false,
    }
}

/// Serves one command's request.
type Route<R> = fn(Invoke<R>);

/// Every command the plugin serves, and what serves it: one row per name
/// of [`COMMANDS`](crate::edge::command_names::COMMANDS), which the
/// permissions are generated from (a test holds the two together).
fn routes<R: Runtime>() -> [(&'static str, Route<R>); 13] {
    [
        ("call", call),
        ("ctx", ctx),
        ("ir", ir_command),
        // Forms (docs/protocol.md: "Forms").
        ("validate", validate),
        // Uploads (docs/protocol.md: "Uploads and binary results").
        ("upload", crate::upload::commands::upload),
        ("upload_begin", crate::upload::commands::begin),
        ("upload_chunk", crate::upload::commands::chunk),
        ("upload_cancel", crate::upload::commands::cancel),
        // Streams (docs/protocol.md: "Streams").
        ("stream", crate::stream::command::stream),
        ("stream_ack", crate::stream::command::ack),
        ("stream_cancel", crate::stream::command::cancel),
        // First-paint hydration (docs/protocol.md: "First-paint hydration").
        ("since", crate::hydrate::since::since),
        // The plugin's notices to a page, through its channel.
        ("listen", crate::edge::listeners::listen),
    ]
}

/// `ir`, through the handler `generate_handler!` makes for it.
fn ir_command<R: Runtime>(invoke: Invoke<R>) {
    let handler: fn(Invoke<R>) -> bool = tauri::generate_handler![ir];
    handler(invoke);
}

/// The preamble of a small JSON command (`since`, `listen`): the size
/// limit, the body read by `parse`, then the caller's access for
/// `command`. On a refusal the request is answered here (a bad body with
/// the wire error, an ACL failure as Tauri's) and `None` comes back.
pub(crate) fn small_request<R: Runtime, T>(
    invoke: &Invoke<R>,
    command: &'static str,
    parse: impl FnOnce(&serde_json::Value) -> Result<T, CallError>,
) -> Option<(Arc<Shared>, T, Access)> {
    let shared = shared(invoke);
    let payload = invoke.message.payload();
    let read = check_size(payload, shared.config.max_request_bytes)
        .and_then(|()| body::json(payload))
        .and_then(parse);
    let value = match read {
        Ok(value) => value,
        Err(e) => {
            invoke.resolver.clone().reject(e.to_wire(None, Vec::new()));
            return None;
        }
    };
    match access(invoke, command) {
        Ok(access) => Some((shared, value, access)),
        Err(e) => {
            invoke.resolver.clone().invoke_error(e);
            None
        }
    }
}

/// The calling window's access entries for this request: see
/// [`crate::edge::pages`].
pub(crate) fn access<R: Runtime>(
    invoke: &Invoke<R>,
    command: &'static str,
) -> Result<Access, InvokeError> {
    shared(invoke).pages.for_request(invoke, command)
}

/// [`access`], with the plugin's state at hand.
fn access_with<R: Runtime>(
    shared: &Shared,
    invoke: &Invoke<R>,
    command: &'static str,
) -> Result<Access, InvokeError> {
    shared.pages.for_request(invoke, command)
}

/// A webview's access entries, outside any request: those of every
/// capability that grants its page one of the plugin's commands, and the
/// global ones.
pub(crate) fn webview_access<R: Runtime>(webview: &tauri::Webview<R>) -> tauri::Result<Access> {
    match webview.try_state::<Arc<Shared>>() {
        Some(shared) => shared.pages.for_webview(webview),
        None => Ok(Access::default()),
    }
}

pub(crate) fn shared<R: Runtime>(invoke: &Invoke<R>) -> Arc<Shared> {
    invoke
        .message
        .webview_ref()
        .state::<Arc<Shared>>()
        .inner()
        .clone()
}

/// A request past the checks every command makes before it runs.
struct Accepted<R: Runtime> {
    shared: Arc<Shared>,
    access: Access,
    message: Arc<InvokeMessage<R>>,
    resolver: InvokeResolver<R>,
    /// Whether it may run here: what it asks for has no async function.
    inline: bool,
}

impl<R: Runtime> Accepted<R> {
    /// The size limit, then the caller's access entries; `name_key` names the
    /// function or context the body asks for, which decides where it runs.
    fn check(
        invoke: Invoke<R>,
        command: &'static str,
        name_key: &str,
        runs_async: fn(&Dispatcher, &str) -> bool,
    ) -> Option<Self> {
        let shared = shared(&invoke);
        let body = invoke.message.payload();
        if let Err(e) = check_size(body, shared.config.max_request_bytes) {
            invoke.resolver.reject(e.to_wire(None, Vec::new()));
            return None;
        }
        let inline = !peek_name(body, name_key).is_some_and(|n| runs_async(&shared.dispatcher, n));
        let access = match access_with(&shared, &invoke, command) {
            Ok(access) => access,
            Err(e) => {
                invoke.resolver.invoke_error(e);
                return None;
            }
        };
        let Invoke {
            message, resolver, ..
        } = invoke;
        Some(Accepted {
            shared,
            access,
            message: Arc::new(message),
            resolver,
            inline,
        })
    }
}

fn call<R: Runtime>(invoke: Invoke<R>) {
    let Some(accepted) = Accepted::check(invoke, "call", "fn", Dispatcher::runs_async) else {
        return;
    };
    accepted.run_call(false);
}

/// `validate` (docs/protocol.md: "Forms"): a call's args checked, its body not run. Always
/// inline: no function body runs, so nothing waits.
fn validate<R: Runtime>(invoke: Invoke<R>) {
    let Some(accepted) = Accepted::check(invoke, "validate", "fn", |_, _| false) else {
        return;
    };
    accepted.run_call(true);
}

impl<R: Runtime> Accepted<R> {
    /// Reads a `call`-shaped body (`{"fn", "args"}`, and a `refresh` list
    /// when single flight is on: never for `validate`, which runs nothing),
    /// then runs the function, or only checks its args when
    /// `validate_only`, and answers.
    fn run_call(self, validate_only: bool) {
        let Accepted {
            shared,
            access,
            message,
            resolver,
            inline,
        } = self;
        drive(inline, async move {
            let config = &shared.config;
            let single_flight = config.single_flight && !validate_only;
            let parsed = body::json(message.payload())
                .and_then(|body| CallRequest::parse(body, single_flight));
            let (req, refresh) = match parsed.and_then(|req| {
                let keys = req
                    .refresh
                    .map(|list| refresh::request::parse(list, config.max_refresh))
                    .transpose()?;
                Ok((req, keys))
            }) {
                Ok(parsed) => parsed,
                Err(e) => return resolver.reject(e.to_wire(None, Vec::new())),
            };
            let caller: Arc<dyn Caller> = message.clone();
            if validate_only {
                let finished = shared.dispatcher.validate(&caller, &access, req).await;
                return answer(&shared, &message, resolver, finished);
            }
            let finished = shared.dispatcher.call(&caller, &access, req).await;
            let Some(keys) = refresh else {
                return answer(&shared, &message, resolver, finished);
            };
            // Single flight: the targets go out first (origin cache, other
            // webviews), then the listed bundles they reach are computed.
            apply(&shared, &message, &finished);
            let bundles = match &finished.outcome {
                Ok(_) => {
                    let targets = &finished.targets;
                    refresh::reached(&shared.dispatcher, &caller, &access, targets, &keys).await
                }
                Err(_) => Vec::new(),
            };
            respond(resolver, finished, Some(bundles));
        });
    }
}

/// Applies a finished call's targets: the origin cache, then the other
/// webviews.
fn apply<R: Runtime>(shared: &Shared, message: &InvokeMessage<R>, finished: &Finished) {
    if !finished.targets.is_empty() {
        let webview = message.webview_ref();
        shared.apply(finished.targets.clone(), Some(webview.label()));
    }
}

/// Answers a finished call: applies its targets, then resolves with the
/// envelope, or with the raw bytes of a function that returned `Bytes`
/// (a query: it has no targets), or rejects with the wire error.
pub(crate) fn answer<R: Runtime>(
    shared: &Shared,
    message: &InvokeMessage<R>,
    resolver: InvokeResolver<R>,
    finished: Finished,
) {
    apply(shared, message, &finished);
    respond(resolver, finished, None);
}

/// Resolves with the envelope (carrying `bundles`, when the request listed
/// some to refresh), or with the raw bytes of a function that returned
/// `Bytes` (a query: it has no targets), or rejects with the wire error.
fn respond<R: Runtime>(
    resolver: InvokeResolver<R>,
    mut finished: Finished,
    bundles: Option<Vec<crate::core::wire::Bundle>>,
) {
    if let (Some(bytes), Ok(_)) = (finished.binary.take(), &finished.outcome) {
        return resolver.resolve(tauri::ipc::Response::new(bytes));
    }
    match finished.into_envelope() {
        Ok(mut envelope) => {
            envelope.bundles = bundles;
            match plain_envelope(&envelope) {
                Some(json) => resolver.resolve(tauri::ipc::Response::new(
                    tauri::ipc::InvokeResponseBody::Json(json),
                )),
                None => resolver.resolve(envelope),
            }
        }
        Err(error) => resolver.reject(error),
    }
}

/// The envelope of a call that invalidated nothing and refreshes nothing
/// (every query), written as serde writes it, byte for byte, without
/// serde's machinery: most calls answer this.
fn plain_envelope(envelope: &crate::core::wire::Envelope) -> Option<String> {
    if !envelope.invalidate.is_empty() || envelope.bundles.is_some() {
        return None;
    }
    const HEAD: &str = r#"{"result":"#;
    const TAIL: &str = r#","invalidate":[]}"#;
    let result = envelope.result.get();
    let mut json = String::with_capacity(HEAD.len() + result.len() + TAIL.len());
    json.push_str(HEAD);
    json.push_str(result);
    json.push_str(TAIL);
    Some(json)
}

fn ctx<R: Runtime>(invoke: Invoke<R>) {
    let Some(Accepted {
        shared,
        access,
        message,
        resolver,
        inline,
    }) = Accepted::check(invoke, "ctx", "context", Dispatcher::context_runs_async)
    else {
        return;
    };
    drive(inline, async move {
        let req = match body::json(message.payload()).and_then(CtxRequest::parse) {
            Ok(req) => req,
            Err(e) => return resolver.reject(e.to_wire(None, Vec::new())),
        };
        let caller: Arc<dyn Caller> = message.clone();
        match shared.dispatcher.bundle(&caller, &access, req).await {
            Ok(bundle) => resolver.resolve(bundle),
            Err(e) => resolver.reject(e.to_wire(None, Vec::new())),
        }
    });
}

/// Runs `task` to completion here if `inline` and it completes on its first
/// poll (a sync function always does); anywhere else, on the async runtime.
pub(crate) fn drive(inline: bool, task: impl Future<Output = ()> + Send + 'static) {
    let mut task = Box::pin(task);
    if inline {
        let mut cx = Context::from_waker(Waker::noop());
        if let Poll::Ready(()) = task.as_mut().poll(&mut cx) {
            return;
        }
    }
    tauri::async_runtime::spawn(task);
}

/// The registry's IR as KDL text. Gated by the `allow-ir` permission only:
/// it is not filtered by the `mizan` scope entries (see README, "Code
/// generation").
#[tauri::command]
fn ir(shared: State<'_, Arc<Shared>>) -> Result<String, WireError> {
    shared.dispatcher.registry.ir_text().map_err(|e| {
        crate::core::error::CallError::internal(e.to_string()).to_wire(None, Vec::new())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::wire::Envelope;
    use crate::edge::command_names::COMMANDS;

    #[test]
    fn the_plain_envelope_is_what_serde_writes() {
        for result in ["3", "null", r#"{"a":[1,"x\"y"]}"#, r#""é""#] {
            let envelope = Envelope {
                result: serde_json::value::RawValue::from_string(result.to_owned()).unwrap(),
                invalidate: Vec::new(),
                bundles: None,
            };
            assert_eq!(
                plain_envelope(&envelope).as_deref(),
                Some(serde_json::to_string(&envelope).unwrap().as_str())
            );
        }
        let with_bundles = Envelope {
            result: serde_json::value::RawValue::from_string("1".to_owned()).unwrap(),
            invalidate: Vec::new(),
            bundles: Some(Vec::new()),
        };
        assert_eq!(plain_envelope(&with_bundles), None);
    }

    #[test]
    fn every_command_has_exactly_one_route() {
        let routes = routes::<tauri::test::MockRuntime>();
        let mut routed: Vec<&str> = routes.iter().map(|(name, _)| *name).collect();
        let mut listed = COMMANDS.to_vec();
        routed.sort_unstable();
        listed.sort_unstable();
        assert_eq!(routed, listed);
        routed.dedup();
        assert_eq!(routed.len(), COMMANDS.len(), "a command routed twice");
    }
}
