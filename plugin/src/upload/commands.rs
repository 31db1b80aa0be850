//! The upload commands:
//!
//! | command | body | `mizan-upload` header | answer |
//! |---|---|---|---|
//! | `upload` | the files' bytes, one after the other | `{"fn", "args", "files"}` | the call's answer |
//! | `upload_begin` | `{"fn", "args", "files"}` (JSON) | - | `{"id"}` |
//! | `upload_chunk` | the next bytes | `{"id", "offset"}` | `{"received"}`, or the call's answer after the last chunk |
//! | `upload_cancel` | `{"id"}` (JSON) | - | `{"cancelled"}` |
//!
//! The upload commands serve only functions that take an `Upload` and do
//! not stream (`invalid_args` otherwise). Their JSON (the header, the body
//! of `upload_begin` and `upload_cancel`) counts against
//! `max_request_bytes`, the files against `max_upload_bytes`. Before a
//! chunk is accepted, `upload_begin` checks the limits and whether this
//! window and caller may call the function (the same rule as `call`);
//! every chunk is admitted again, and must come from the identity the
//! upload was begun as; the call itself checks again when it runs.

use std::sync::Arc;

use serde_json::json;
use tauri::{
    ipc::{Invoke, InvokeBody, InvokeMessage},
    Runtime,
};

use crate::{
    core::{call::Caller, error::CallError},
    dispatch::{access::Access, request::CallRequest},
    edge::{
        body::{check_size, json as json_body},
        builder::Shared,
        commands::{access, answer, drive, shared},
    },
    upload::{
        files::BodySource,
        frame::{self, CallMeta, CancelMeta, ChunkMeta},
        pending::{Bounds, Progress},
        served::served,
    },
};

/// The IPC message's raw body, for one-message uploads (no copy).
impl<R: Runtime> BodySource for InvokeMessage<R> {
    fn bytes(&self) -> &[u8] {
        match self.payload() {
            InvokeBody::Raw(bytes) => bytes,
            InvokeBody::Json(_) => &[],
        }
    }
}

/// The raw body, or `invalid_args`.
fn raw(body: &InvokeBody) -> Result<&[u8], CallError> {
    match body {
        InvokeBody::Raw(bytes) => Ok(bytes),
        InvokeBody::Json(_) => Err(frame::invalid(
            "body",
            "expected raw bytes (an ArrayBuffer or a typed array)".to_owned(),
        )),
    }
}

fn reject<R: Runtime>(invoke: Invoke<R>, error: CallError) {
    invoke.resolver.reject(error.to_wire(None, Vec::new()));
}

/// A one-message upload: checked, then run as a call whose args take the
/// files.
pub(crate) fn upload<R: Runtime>(invoke: Invoke<R>) {
    let shared = shared(&invoke);
    let config = &shared.config;
    let meta = raw(invoke.message.payload()).and_then(|body| {
        let limit = config.max_upload_bytes;
        if body.len() > limit {
            return Err(CallError::PayloadTooLarge {
                size: body.len(),
                limit,
            });
        }
        let meta: CallMeta =
            frame::from_header(invoke.message.headers(), config.max_request_bytes)?;
        meta.total(limit)?;
        served(&shared.dispatcher, &meta.function)?;
        Ok(meta)
    });
    let meta = match meta {
        Ok(meta) => meta,
        Err(e) => return reject(invoke, e),
    };
    let access = match access(&invoke, "upload") {
        Ok(access) => access,
        Err(e) => return invoke.resolver.invoke_error(e),
    };
    run(invoke, shared, access, meta, |message| message);
}

/// Runs the call an upload carries, its files cut from `body` (the
/// message's own raw body, or the assembled chunks).
fn run<R: Runtime>(
    invoke: Invoke<R>,
    shared: Arc<Shared>,
    access: Access,
    meta: CallMeta,
    body: impl FnOnce(Arc<InvokeMessage<R>>) -> Arc<dyn BodySource>,
) {
    let Invoke {
        message, resolver, ..
    } = invoke;
    let message = Arc::new(message);
    let files = match meta.files(body(message.clone())) {
        Ok(files) => files,
        Err(e) => return resolver.reject(e.to_wire(None, Vec::new())),
    };
    let inline = !shared.dispatcher.runs_async(&meta.function);
    drive(inline, async move {
        let req = CallRequest {
            function: &meta.function,
            args: meta.args.as_ref(),
            refresh: None,
        };
        let caller: Arc<dyn Caller> = message.clone();
        let finished = shared
            .dispatcher
            .call_with_source(&caller, &access, req, Some(Box::new(files)))
            .await;
        answer(&shared, &message, resolver, finished);
    });
}

/// What the plugin's options let chunked uploads hold.
fn bounds(shared: &Shared) -> Bounds {
    let config = &shared.config;
    Bounds {
        window_bytes: config.max_upload_bytes,
        total_bytes: config.upload_memory(),
        expiry: config.upload_expiry,
    }
}

/// Starts a chunked upload: the limits, then access and auth for the
/// function, then an id.
pub(crate) fn begin<R: Runtime>(invoke: Invoke<R>) {
    let shared = shared(&invoke);
    let config = &shared.config;
    let payload = invoke.message.payload();
    let checked = check_size(payload, config.max_request_bytes)
        .and_then(|()| json_body(payload))
        .and_then(frame::from_json::<CallMeta>)
        .and_then(|meta| {
            let total = meta.total(config.max_upload_bytes)?;
            let entry = served(&shared.dispatcher, &meta.function)?;
            Ok((meta, total, entry))
        });
    let (meta, total, entry) = match checked {
        Ok(checked) => checked,
        Err(e) => return reject(invoke, e),
    };
    let access = match access(&invoke, "upload_begin") {
        Ok(access) => access,
        Err(e) => return invoke.resolver.invoke_error(e),
    };
    let admitted =
        crate::dispatch::auth::block_on(shared.dispatcher.admit(entry, &access, &invoke.message));
    let begun = admitted.and_then(|identity| {
        let label = invoke.message.webview_ref().label();
        shared
            .uploads
            .begin(label, identity, meta, total, bounds(&shared))
    });
    match begun {
        Ok(id) => invoke.resolver.resolve(json!({ "id": id })),
        Err(e) => reject(invoke, e),
    }
}

/// Adds a chunk; the last one runs the call. The caller is admitted for
/// the function again first: a window that lost access, or a chunk from
/// another identity than the upload's, ends the upload.
pub(crate) fn chunk<R: Runtime>(invoke: Invoke<R>) {
    let shared = shared(&invoke);
    let meta = raw(invoke.message.payload()).and_then(|_| {
        frame::from_header::<ChunkMeta>(invoke.message.headers(), shared.config.max_request_bytes)
    });
    let meta = match meta {
        Ok(meta) => meta,
        Err(e) => return reject(invoke, e),
    };
    let access = match access(&invoke, "upload_chunk") {
        Ok(access) => access,
        Err(e) => return invoke.resolver.invoke_error(e),
    };
    let label = invoke.message.webview_ref().label().to_owned();
    let uploads = &shared.uploads;
    let progress = uploads
        .function(&label, &meta.id)
        .and_then(|function| {
            let entry = served(&shared.dispatcher, &function)?;
            crate::dispatch::auth::block_on(shared.dispatcher.admit(
                entry,
                &access,
                &invoke.message,
            ))
        })
        .inspect_err(|_| {
            uploads.cancel(&label, &meta.id);
        })
        .and_then(|identity| {
            let body = raw(invoke.message.payload())?;
            let expiry = shared.config.upload_expiry;
            uploads.chunk(
                &label,
                &meta.id,
                identity.as_ref(),
                meta.offset,
                body,
                expiry,
            )
        });
    let pending = match progress {
        Ok(Progress::Received(n)) => return invoke.resolver.resolve(json!({ "received": n })),
        Ok(Progress::Complete(pending)) => pending,
        Err(e) => return reject(invoke, e),
    };
    let body = Arc::new(pending.bytes);
    run(invoke, shared, access, pending.meta, move |_| body);
}

/// Drops an upload in progress and the bytes it holds.
pub(crate) fn cancel<R: Runtime>(invoke: Invoke<R>) {
    let shared = shared(&invoke);
    let payload = invoke.message.payload();
    let meta = check_size(payload, shared.config.max_request_bytes)
        .and_then(|()| json_body(payload))
        .and_then(frame::from_json::<CancelMeta>);
    match meta {
        Ok(meta) => {
            let label = invoke.message.webview_ref().label();
            let cancelled = shared.uploads.cancel(label, &meta.id);
            invoke.resolver.resolve(json!({ "cancelled": cancelled }));
        }
        Err(e) => reject(invoke, e),
    }
}
