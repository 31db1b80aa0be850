//! The IPC commands of streams:
//!
//! | command | request | answer |
//! |---|---|---|
//! | `stream` | `{"fn", "args", "channel", "window"?}` | `null` once the function started; its items, then the end marker or the error, over the channel |
//! | `stream_ack` | `{"channel", "credits"}` | `true`, or `false` when no such stream of this webview runs |
//! | `stream_cancel` | `{"channel"}` | `true` once the function's future is dropped (a mutation's targets already sent to every webview as `mizan://invalidate`), or `false` when no such stream of this webview runs |
//!
//! A refusal before the function starts (unknown function, access, auth,
//! invalid args, size) rejects `stream` with the wire error shape, as
//! `call` does. A webview reaches only its own streams.

use std::{str::FromStr, sync::Arc};

use serde_json::value::RawValue;

use tauri::{
    ipc::{Channel, Invoke, InvokeResponseBody, JavaScriptChannelId},
    Runtime,
};

use crate::{
    core::{call::Caller, error::CallError},
    edge::{
        body::{self, check_size},
        commands::{access, shared},
    },
    stream::{
        live::Key,
        pump::{Ending, Last, Pump, Stop},
        request::{Control, StreamRequest},
    },
};

/// Rejects with the wire error shape.
fn reject<R: Runtime>(invoke: Invoke<R>, function: Option<&str>, e: CallError) {
    invoke.resolver.reject(e.to_wire(function, Vec::new()));
}

/// `stream`: starts a streaming function.
pub(crate) fn stream<R: Runtime>(invoke: Invoke<R>) {
    let shared = shared(&invoke);
    if let Err(e) = check_size(invoke.message.payload(), shared.config.max_request_bytes) {
        return reject(invoke, None, e);
    }
    let access = match access(&invoke, "stream") {
        Ok(access) => access,
        Err(e) => return invoke.resolver.invoke_error(e),
    };
    let Invoke {
        message, resolver, ..
    } = invoke;
    let message = Arc::new(message);
    let req = match body::json(message.payload()).and_then(StreamRequest::parse) {
        Ok(req) => req,
        Err(e) => return resolver.reject(e.to_wire(None, Vec::new())),
    };
    let webview = message.webview();
    let channel: Channel<InvokeResponseBody> = match JavaScriptChannelId::from_str(req.channel) {
        Ok(id) => id.channel_on(webview.clone()),
        Err(_) => {
            let e = CallError::internal("a channel the request accepted does not parse");
            return resolver.reject(e.to_wire(None, Vec::new()));
        }
    };
    let caller: Arc<dyn Caller> = message.clone();
    let started = match shared.dispatcher.start_stream(&caller, &access, &req) {
        Ok(started) => started,
        Err((function, e)) => return resolver.reject(e.to_wire(function, Vec::new())),
    };

    let name = started.name;
    let scope = started.scope;
    let finishing = shared.clone();
    let window = webview.window().label().to_owned();
    let pump = Pump {
        producer: started.producer,
        port: started.port,
        out: Box::new(move |text| channel.send(InvokeResponseBody::Json(text)).map_err(drop)),
        finish: Some(Box::new(move |ending| {
            let dispatcher = &finishing.dispatcher;
            let label = webview.label();
            let (outcome, stop) = match ending {
                Ending::Done(outcome) => (outcome, None),
                // Stopped midway: a mutation may have written part of its
                // work, so its targets are those of one that ended.
                Ending::Stopped(stop) => (Ok(RawValue::NULL.to_owned()), Some(stop)),
            };
            let targets = dispatcher.targets_of(name, scope.as_deref(), &outcome);
            // A consumer that stopped takes no last message: every webview,
            // its own too, is told through the event.
            let source = (stop != Some(Stop::Consumer)).then_some(label);
            if !targets.is_empty() {
                finishing.apply(targets.clone(), source);
            }
            match (stop, outcome) {
                (Some(Stop::Consumer), _) => None,
                (Some(Stop::IdentityChanged), _) => Some(Last::Error(
                    CallError::IdentityChanged.to_wire(Some(name), targets),
                )),
                (None, Ok(_)) => Some(Last::End(targets)),
                (None, Err(e)) => Some(Last::Error(e.to_wire(Some(name), targets))),
            }
        })),
        stopping: Default::default(),
        failed: Box::new(move |reason| CallError::internal(reason).to_wire(Some(name), Vec::new())),
    };
    let key = Key {
        webview: message.webview_ref().label().to_owned(),
        channel: req.channel_id,
    };
    match shared.streams.start(key, window, started.identity, pump) {
        Ok(()) => resolver.resolve(()),
        Err(e) => resolver.reject(e.to_wire(Some(name), Vec::new())),
    }
}

/// The control body of `stream_ack` / `stream_cancel`, keyed to the
/// calling webview.
fn control<R: Runtime>(
    invoke: &Invoke<R>,
    parse: fn(&serde_json::Value) -> Result<Control, CallError>,
) -> Result<(Key, u64), CallError> {
    let body = body::json(invoke.message.payload())?;
    let control = parse(body)?;
    let key = Key {
        webview: invoke.message.webview_ref().label().to_owned(),
        channel: control.channel,
    };
    Ok((key, control.credits))
}

/// `stream_ack`: the consumer read `credits` more items.
pub(crate) fn ack<R: Runtime>(invoke: Invoke<R>) {
    match control(&invoke, Control::ack) {
        Ok((key, credits)) => {
            let running = shared(&invoke).streams.ack(&key, credits);
            invoke.resolver.resolve(running);
        }
        Err(e) => reject(invoke, None, e),
    }
}

/// `stream_cancel`: the consumer stopped. Answers once the function's
/// future is dropped.
pub(crate) fn cancel<R: Runtime>(invoke: Invoke<R>) {
    let key = match control(&invoke, Control::cancel) {
        Ok((key, _)) => key,
        Err(e) => return reject(invoke, None, e),
    };
    let stopping = shared(&invoke).streams.cancel(&key);
    let Invoke { resolver, .. } = invoke;
    match stopping {
        Some(dropped) => {
            tauri::async_runtime::spawn(async move {
                dropped.await;
                resolver.resolve(true);
            });
        }
        None => resolver.resolve(false),
    }
}
