//! The IPC commands `call`, `ctx` and `ir`: the Tauri-facing edge. Each reads the
//! request, hands it to the [`Dispatcher`], and turns the answer into the
//! wire shapes.

use std::sync::Arc;

use tauri::{
    ipc::{CommandScope, GlobalScope, Request},
    Runtime, State, Webview,
};

use crate::{
    access::{Access, AccessEntry},
    dispatch::{Bundle, Caller, Envelope},
    error::WireError,
    request::{CallRequest, CtxRequest},
    Shared,
};

fn caller<R: Runtime>(webview: &Webview<R>) -> Caller {
    Caller {
        label: Arc::from(webview.label()),
        webview: Arc::new(webview.clone()),
    }
}

#[tauri::command]
pub(crate) async fn call<R: Runtime>(
    webview: Webview<R>,
    request: Request<'_>,
    scope: CommandScope<AccessEntry>,
    global: GlobalScope<AccessEntry>,
    shared: State<'_, Shared>,
) -> Result<Envelope, WireError> {
    let req = CallRequest::parse(request.body(), shared.config.max_request_bytes)
        .map_err(|e| e.to_wire(None, Vec::new()))?;
    let access = Access::new(&scope, &global);
    let caller = caller(&webview);
    let finished = shared.dispatcher.call(&caller, &access, req).await;
    if !finished.targets.is_empty() {
        shared.notify(&webview, finished.targets.clone(), Some(webview.label()));
    }
    match finished.outcome {
        Ok(result) => Ok(Envelope {
            result,
            invalidate: finished.targets,
        }),
        Err(e) => Err(e.to_wire(finished.function, finished.targets)),
    }
}

#[tauri::command]
pub(crate) async fn ctx<R: Runtime>(
    webview: Webview<R>,
    request: Request<'_>,
    scope: CommandScope<AccessEntry>,
    global: GlobalScope<AccessEntry>,
    shared: State<'_, Shared>,
) -> Result<Bundle, WireError> {
    let req = CtxRequest::parse(request.body(), shared.config.max_request_bytes)
        .map_err(|e| e.to_wire(None, Vec::new()))?;
    let access = Access::new(&scope, &global);
    shared
        .dispatcher
        .bundle(&caller(&webview), &access, req)
        .await
        .map_err(|e| e.to_wire(None, Vec::new()))
}

/// The registry's IR as KDL text. Gated by the `allow-ir` permission only:
/// it is not filtered by the `mizan` scope entries (see README, "Code
/// generation").
#[tauri::command]
pub(crate) fn ir(shared: State<'_, Shared>) -> Result<String, WireError> {
    shared
        .dispatcher
        .registry
        .ir_text()
        .map_err(|e| crate::error::CallError::internal(e.to_string()).to_wire(None, Vec::new()))
}
