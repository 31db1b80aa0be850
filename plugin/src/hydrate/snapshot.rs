//! Computing one window's snapshot and the script that carries it.
//!
//! The script defines `window.__MIZAN_HYDRATE__` as a JSON *string*
//! (`{"label", "seq", "bundles": [<ctx answer>, ...]}`): guest-js parses it
//! once, which beats a large object literal, and deletes it.

use std::{
    future::Future,
    panic::AssertUnwindSafe,
    pin::pin,
    sync::Arc,
    task::{Context, Poll, Waker},
};

use serde::Serialize;
use tauri::{AppHandle, Runtime};

use crate::{
    core::{call::Caller, wire::Bundle},
    dispatch::request::CtxRequest,
    edge::builder::Shared,
};

/// The name the snapshot is given in the page.
pub(crate) const GLOBAL: &str = "__MIZAN_HYDRATE__";

/// A snapshot's caller: the label it is for, no headers, and the app (its
/// webview does not exist yet).
struct SnapshotCaller<R: Runtime> {
    label: String,
    headers: tauri::http::HeaderMap,
    app: AppHandle<R>,
}

impl<R: Runtime> Caller for SnapshotCaller<R> {
    fn webview_any(&self) -> &(dyn std::any::Any + Send + Sync) {
        &self.app
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn headers(&self) -> &tauri::http::HeaderMap {
        &self.headers
    }
}

/// What the page receives.
#[derive(Debug, Serialize)]
pub(crate) struct Snapshot {
    /// The label it was computed for; guest-js ignores a snapshot for another.
    pub(crate) label: String,
    /// The last invalidation event's number when it was computed: a page
    /// asks `since` what was invalidated after it.
    pub(crate) seq: u64,
    pub(crate) bundles: Vec<Bundle>,
}

/// The snapshot of `label`: its chosen bundles, in order, as `ctx` would
/// answer them to that window, until the next would pass the size bound.
/// `None` when nothing was chosen (or every choice failed).
pub(crate) fn compute<R: Runtime>(
    shared: &Shared,
    app: AppHandle<R>,
    label: &str,
) -> Option<Snapshot> {
    let chooser = shared.hydrate.as_ref()?;
    let chosen = match std::panic::catch_unwind(AssertUnwindSafe(|| (chooser.0)(label))) {
        Ok(chosen) => chosen,
        Err(_) => {
            log::error!("mizan: the hydrate closure panicked for `{label}`; no snapshot");
            Vec::new()
        }
    };
    if chosen.is_empty() {
        shared.hydrated.record(label, Vec::new());
        return None;
    }
    // Read before computing: an invalidation made meanwhile is numbered
    // after it, and the page refetches what it reached.
    let seq = shared.events.seq();
    let caller: Arc<dyn Caller> = Arc::new(SnapshotCaller {
        label: label.to_owned(),
        headers: Default::default(),
        app,
    });
    let access = &shared.hydrate_access;
    let dispatcher = &shared.dispatcher;
    let runs = chosen.iter().map(|h| {
        let caller = &caller;
        async move {
            let params = match &h.params {
                serde_json::Value::Object(m) => Some(m),
                serde_json::Value::Null => None,
                _ => {
                    let e = "params must be a JSON object";
                    log::error!("mizan: not hydrating `{}` for `{label}`: {e}", h.context);
                    return None;
                }
            };
            let req = CtxRequest {
                context: &h.context,
                params,
            };
            match dispatcher.bundle(caller, access, req).await {
                Ok(bundle) => Some(bundle),
                Err(e) => {
                    log::warn!("mizan: not hydrating `{}` for `{label}`: {e}", h.context);
                    None
                }
            }
        }
    });
    let computed = block(futures_util::future::join_all(runs));
    let max = shared.config.hydrate_max_bytes;
    let mut size = 0;
    let mut bundles = Vec::new();
    for bundle in computed.into_iter().flatten() {
        size += serde_json::to_string(&bundle).map_or(usize::MAX, |t| t.len());
        if size > max {
            log::warn!(
                "mizan: the snapshot of `{label}` passes {max} bytes at `{}`; it and the bundles after it are fetched by the page instead",
                bundle.context
            );
            break;
        }
        bundles.push(bundle);
    }
    let record = bundles
        .iter()
        .map(|b| {
            let functions = b.data.keys().map(|f| (*f).to_owned()).collect();
            (b.context.clone(), functions)
        })
        .collect();
    shared.hydrated.record(label, record);
    if bundles.is_empty() {
        return None;
    }
    Some(Snapshot {
        label: label.to_owned(),
        seq,
        bundles,
    })
}

/// The initialization script of `label`, or `None` when there is nothing
/// to hydrate.
pub(crate) fn script<R: Runtime>(
    shared: &Shared,
    app: AppHandle<R>,
    label: &str,
) -> Option<String> {
    let snapshot = compute(shared, app, label)?;
    let json = serde_json::to_string(&snapshot).ok()?;
    // The JSON text as a JS string literal (JSON strings are JS strings).
    let literal = serde_json::to_string(&json).ok()?;
    Some(format!(
        "Object.defineProperty(window, '{GLOBAL}', {{ value: {literal}, configurable: true, writable: true }});"
    ))
}

/// Runs `future` to its end here: at once when it is ready on its first
/// poll (sync functions), else on the async runtime, from a thread of its
/// own when this one is already inside the runtime.
fn block<F: Future + Send>(future: F) -> F::Output
where
    F::Output: Send,
{
    let mut future = pin!(future);
    if let Poll::Ready(out) = future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        return out;
    }
    if tokio::runtime::Handle::try_current().is_err() {
        return tauri::async_runtime::block_on(future);
    }
    std::thread::scope(|s| {
        s.spawn(|| tauri::async_runtime::block_on(future))
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}
