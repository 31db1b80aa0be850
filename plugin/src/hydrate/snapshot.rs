//! Computing one window's snapshot and the script that carries it.
//!
//! The script hands the snapshot, a JSON *string* (`{"label", "seq",
//! "identity", "bundles": [<ctx answer>, ...]}`, parsed once, which beats a
//! large object literal), to one reader: `window.__MIZAN_HYDRATE__` is a
//! getter that answers it once and removes itself. It answers only
//!
//! - in the top frame, on a page of the app's own origin (the script runs
//!   in every document of the window, a remote page it navigated to and,
//!   on some platforms, every frame), and
//! - once the plugin confirmed this document: it calls
//!   `window.__MIZAN_CONFIRM__` with a key only the script and the plugin
//!   know, after checking the page against the window's own access and the
//!   identity the snapshot was computed for (see [`super::confirm`]).
//!
//! Unconfirmed when read, it answers nothing and the page fetches. Its
//! text cannot end the `<script>` element some platforms inject it as
//! (`<` is escaped, and U+2028/U+2029 with it).

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
    /// The id of the identity it was computed for (`null`: nobody).
    pub(crate) identity: Option<String>,
    pub(crate) bundles: Vec<Bundle>,
}

/// The identity a snapshot of `label` is computed for, and checked against
/// when a page is confirmed: the provider asked as for the snapshot
/// itself (the label, no headers). `Err` when the provider refused.
pub(crate) fn identity_of<R: Runtime>(
    shared: &Shared,
    app: &AppHandle<R>,
    label: &str,
) -> Result<Option<String>, ()> {
    let caller = SnapshotCaller {
        label: label.to_owned(),
        headers: Default::default(),
        app: app.clone(),
    };
    crate::dispatch::auth::identify(shared.dispatcher.identity.as_ref(), &caller)
        .map(|identity| identity.map(|i| i.id))
        .map_err(|e| log::warn!("mizan: not hydrating `{label}`: who it is for is unknown: {e}"))
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
        shared.hydrated.forget(label);
        return None;
    }
    let Ok(identity) = identity_of(shared, &app, label) else {
        shared.hydrated.forget(label);
        return None;
    };
    // Read before computing: an invalidation made meanwhile is numbered
    // after it, and the page refetches what it reached.
    let seq = shared.events.seq();
    let caller: Arc<dyn Caller> = Arc::new(SnapshotCaller {
        label: label.to_owned(),
        headers: Default::default(),
        app,
    });
    // The window's own access where a page of this label was seen (a
    // reload, a window opened again), else the global scope; a page is
    // confirmed only if its own access allows all of it.
    let access = &shared.hydrated.access_for(label, &shared.hydrate_access);
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
    if bundles.is_empty() {
        shared.hydrated.forget(label);
        return None;
    }
    Some(Snapshot {
        label: label.to_owned(),
        seq,
        identity,
        bundles,
    })
}

/// The initialization script of `label`, or `None` when there is nothing
/// to hydrate. Records what it holds, for the pages to be confirmed.
pub(crate) fn script<R: Runtime>(
    shared: &Shared,
    app: AppHandle<R>,
    label: &str,
) -> Option<String> {
    let origins = super::app_origins(&app);
    let snapshot = compute(shared, app, label)?;
    let json = serde_json::to_string(&snapshot).ok()?;
    let key = super::new_key()?;
    let held = snapshot
        .bundles
        .iter()
        .map(|b| {
            let functions = b.data.keys().map(|f| (*f).to_owned()).collect();
            (b.context.clone(), functions)
        })
        .collect();
    shared.hydrated.record(
        label,
        super::Record {
            held,
            identity: snapshot.identity,
            key: key.clone(),
        },
    );
    Some(script_text(&json, &key, &origins))
}

/// The script around the snapshot's JSON text: see the module's docs.
pub(crate) fn script_text(json: &str, key: &str, origins: &[String]) -> String {
    let literal = |text: &str| js_literal(text);
    let origins = js_literal_json(&origins);
    format!(
        "(function () {{\n\
         \x20 var origins = {origins};\n\
         \x20 var here = window.location.protocol + '//' + window.location.host;\n\
         \x20 if (window !== window.top || origins.indexOf(here) === -1) return;\n\
         \x20 var text = {text}, key = {key}, confirmed = false;\n\
         \x20 Object.defineProperty(window, '{CONFIRM}', {{ value: function (k) {{ if (k === key) confirmed = true; }} }});\n\
         \x20 Object.defineProperty(window, '{GLOBAL}', {{ configurable: true, get: function () {{\n\
         \x20   delete window['{GLOBAL}'];\n\
         \x20   var t = confirmed ? text : undefined;\n\
         \x20   text = undefined;\n\
         \x20   return t;\n\
         \x20 }} }});\n\
         }})();",
        text = literal(json),
        key = literal(key),
    )
}

/// The name of the page's confirmation function.
pub(crate) const CONFIRM: &str = "__MIZAN_CONFIRM__";

/// `text` as a JS string literal that cannot end an HTML `<script>`
/// element nor a line: JSON's string escapes, and `<`, U+2028 and U+2029
/// escaped as `\uXXXX`.
pub(crate) fn js_literal(text: &str) -> String {
    escape_for_script(&serde_json::to_string(text).expect("a string serializes"))
}

fn js_literal_json<T: Serialize + ?Sized>(value: &T) -> String {
    escape_for_script(&serde_json::to_string(value).expect("origins serialize"))
}

fn escape_for_script(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The script for a fixed snapshot and key, pinned in
    /// `tests/golden/hydrate_script.js`, which guest-js's tests run in a
    /// page, a frame and a remote page (`MIZAN_UPDATE=1 cargo test`
    /// rewrites it).
    #[test]
    fn the_script_is_pinned_for_the_page_tests() {
        let json = concat!(
            r#"{"label":"main","seq":3,"identity":"ada","bundles":[{"context":"note","#,
            r#""params":{"note_id":1},"data":{"note_text":"</script><!-- "#,
            "\u{2028}",
            r#""},"errors":{}}]}"#
        );
        let origins = [
            "tauri://localhost".to_owned(),
            "http://tauri.localhost".to_owned(),
        ];
        let script = script_text(json, "0123456789abcdef0123456789abcdef", &origins);
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/hydrate_script.js");
        let text = format!(
            "// Generated by the plugin's tests (hydrate::snapshot): a window's\n\
             // initialization script for a fixed snapshot, with the key\n\
             // 0123456789abcdef0123456789abcdef. Do not edit.\n{script}\n"
        );
        if std::env::var_os(crate::core::export::UPDATE_ENV).is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let pinned = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(pinned, text, "regenerate with MIZAN_UPDATE=1 cargo test");
        assert!(!script.contains('<') && !script.contains('\u{2028}'));
    }
}
