//! Streams (docs/protocol.md: "Streams"): a `#[client]` function that takes a [`StreamSink`]
//! sends typed items over the webview's `tauri::ipc::Channel`, with credits
//! (backpressure), cancellation, and no producer outliving its webview.
//!
//! - [`port`]: the bounded buffer and the credits between the function and
//!   the task that sends;
//! - [`sink`]: [`StreamSink`], what the function writes to;
//! - [`pump`]: the task that runs the function and sends batches, then the
//!   end marker or the error;
//! - [`live`]: the running streams by (webview, channel), what `stream_ack`,
//!   `stream_cancel`, page loads, destroyed windows and changes of identity
//!   reach;
//! - [`request`]: the command bodies; [`command`]: the IPC commands.

pub(crate) mod command;
pub(crate) mod live;
pub(crate) mod port;
pub(crate) mod pump;
pub(crate) mod request;
pub(crate) mod sink;

use std::sync::Arc;

pub use sink::{StreamEnd, StreamSink};

use crate::{
    core::{
        args::Args,
        call::{CallCtx, CallScope, Caller, HandlerFuture},
        error::CallError,
        registry::{FnEntry, FnKind},
    },
    dispatch::{access::Access, Dispatcher},
};
use port::Port;
use request::StreamRequest;

/// A streaming function, started: its future (panics caught), its port,
/// and what its end needs.
pub(crate) struct Started {
    pub(crate) name: &'static str,
    /// The id of the identity it was admitted as, if it asked for one: a
    /// change of who is signed in ends it.
    pub(crate) identity: Option<String>,
    pub(crate) producer: HandlerFuture,
    pub(crate) port: Arc<Port>,
    pub(crate) scope: Option<Arc<CallScope>>,
}

impl Dispatcher {
    /// Looks a streaming function up, admits the caller (the same access
    /// rule and auth guard as `call`), reads its args and starts it. The
    /// function runs as the returned future is polled.
    pub(crate) fn start_stream(
        &self,
        caller: &Arc<dyn Caller>,
        access: &Access,
        req: &StreamRequest<'_>,
    ) -> Result<Started, (Option<&'static str>, CallError)> {
        let entry: &FnEntry = match self.registry.functions.get(req.function) {
            Some(entry) if entry.def.is_stream() => entry,
            Some(entry) => {
                return Err((
                    Some(entry.def.name),
                    CallError::OtherCommand {
                        function: entry.def.name,
                        command: "call",
                    },
                ))
            }
            None => {
                return Err((None, CallError::UnknownFunction(req.function.to_owned())));
            }
        };
        let def = entry.def;
        let identity = crate::dispatch::auth::block_on(self.admit(entry, access, &**caller))
            .map_err(|e| (Some(def.name), e))?;
        let scope = matches!(def.kind, FnKind::Mutation(_))
            .then(|| Arc::new(CallScope::new(entry.scope_params.clone())));
        let port = Arc::new(Port::new(req.window));
        let identity_id = identity.as_ref().map(|i| i.id.clone());
        let ctx =
            CallCtx::new(caller.clone(), scope.clone(), identity).with_extension(port.clone());
        let future = crate::dispatch::start(def, ctx, Args::new(req.args))
            .map_err(|e| (Some(def.name), e))?;
        Ok(Started {
            name: def.name,
            identity: identity_id,
            producer: Box::pin(crate::dispatch::finish(def, future)),
            port,
            scope,
        })
    }
}
