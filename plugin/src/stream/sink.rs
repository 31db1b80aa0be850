//! [`StreamSink`], the injected param through which a streaming function
//! sends its items.

use std::{fmt, future::poll_fn, marker::PhantomData, sync::Arc};

use serde::Serialize;

use crate::{
    core::{
        call::{CallCtx, FromCallContext},
        error::CallError,
    },
    stream::port::Port,
};

/// Where a streaming `#[client]` function sends its items. Injected: it
/// never crosses the wire; a function that takes one is a streaming
/// function, read by the webview with `for await` (see the README,
/// "Streams").
///
/// [`send`](Self::send) waits while the consumer has not read enough of
/// what was sent (backpressure), so a slow or paused reader holds the
/// function back. When the consumer stops (it breaks out of its loop,
/// aborts, or its window closes or reloads), the function's future is
/// dropped at its next `.await`: code after the stream's end never runs.
///
/// ```no_run
/// use tauri_plugin_mizan::{client, StreamSink};
///
/// #[derive(serde::Serialize, tauri_plugin_mizan::Type)]
/// pub struct Progress { pub done: u32, pub total: u32 }
///
/// #[derive(serde::Serialize, tauri_plugin_mizan::Type)]
/// pub struct ExportError { pub reason: String }
///
/// /// Exports the notes, telling the webview how far it got.
/// #[client]
/// async fn export_notes(total: u32, progress: StreamSink<Progress>) -> Result<(), ExportError> {
///     for done in 1..=total {
///         // ... write one note ...
///         progress.send(Progress { done, total }).await;
///     }
///     Ok(())
/// }
/// # fn main() {}
/// ```
pub struct StreamSink<T> {
    port: Arc<Port>,
    _item: PhantomData<fn(T)>,
}

impl<T> fmt::Debug for StreamSink<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamSink")
            .field("closed", &self.port.is_closed())
            .finish_non_exhaustive()
    }
}

impl<T: Serialize> StreamSink<T> {
    /// Sends one item, in order. Waits while the consumer has `window`
    /// items it has not read. Items sent close together travel in one IPC
    /// message.
    ///
    /// Inside the function (the usual case) it never returns once the
    /// stream has stopped: the function is dropped first. From a task the
    /// function spawned, it returns at once after the stream stopped, and
    /// the item is dropped: check [`is_closed`](Self::is_closed) there.
    ///
    /// An item that does not serialize ends the stream with `internal`.
    pub async fn send(&self, item: T) {
        let mut slot = match serde_json::value::to_raw_value(&item) {
            Ok(raw) => Some(raw),
            Err(e) => {
                self.port
                    .fail(format!("a stream item does not serialize: {e}"));
                None
            }
        };
        poll_fn(|cx| self.port.poll_push(cx, &mut slot)).await;
    }

    /// Whether the stream has stopped: it ended, the consumer stopped, or
    /// its webview is gone.
    pub fn is_closed(&self) -> bool {
        self.port.is_closed()
    }
}

impl<T> FromCallContext<'_> for StreamSink<T> {
    fn from_call_context(ctx: &CallCtx) -> Result<Self, CallError> {
        let port = ctx.extension::<Arc<Port>>().cloned().ok_or_else(|| {
            CallError::internal("a streaming function was called without a stream")
        })?;
        Ok(StreamSink {
            port,
            _item: PhantomData,
        })
    }
}

/// What a streaming function returns: `()` or `Result<(), E>`. Its items
/// go through the [`StreamSink`]; the return value only ends the stream
/// (`E` as the typed `app` error).
#[diagnostic::on_unimplemented(
    message = "a streaming #[client] function returns `()` or `Result<(), E>`, not `{Self}`",
    note = "send values through the `StreamSink<T>`; the return value only ends the stream"
)]
pub trait StreamEnd {
    /// The outcome the end marker (or the error) is made from.
    fn into_outcome(self) -> crate::core::call::Outcome;
}

impl StreamEnd for () {
    fn into_outcome(self) -> crate::core::call::Outcome {
        crate::core::call::output_unit()
    }
}

impl<E: Serialize> StreamEnd for Result<(), E> {
    fn into_outcome(self) -> crate::core::call::Outcome {
        crate::core::call::output_result(self)
    }
}
