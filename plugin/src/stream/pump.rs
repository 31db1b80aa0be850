//! The task that runs one streaming function and sends what it produces:
//! batches of items, then one end marker or one error, over the webview's
//! `tauri::ipc::Channel`.
//!
//! Messages, as JSON:
//!
//! | message | meaning |
//! |---|---|
//! | `{"items": [<T>, ...]}` | the next items, in order (one or more per message) |
//! | `{"end": true, "invalidate": [<target>, ...]}` | the function returned: no more items; a mutation's targets |
//! | `{"error": <wire error>}` | the function failed (`app`, `internal` for a panic or an item that does not serialize), or it was ended because who is signed in changed (`unauthorized`, `identity_changed`): no more items |
//!
//! After each poll of the function, the items it put in the port since the
//! last one leave as one message: a fast producer fills whole batches (up
//! to its credits, or [`MAX_BATCH_BYTES`](super::port::MAX_BATCH_BYTES)), a
//! slow one sends each item when it next waits.

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
};

use serde::Serialize;
use serde_json::value::RawValue;

use crate::{
    core::{call::Outcome, error::WireError, scoping::Target},
    stream::port::Port,
};

/// Where messages go: the webview's channel (or a test's recorder).
/// `Err` when it cannot take them any more.
pub(crate) type Out = Box<dyn Fn(String) -> Result<(), ()> + Send + Sync>;

/// How a stream's end becomes its last message: the end marker with the
/// targets, the wire error, or nothing (a consumer that stopped). It runs
/// once, however the stream ends.
pub(crate) type Finish = Box<dyn FnOnce(Ending) -> Option<Last> + Send>;

/// How a stream ended.
#[derive(Debug)]
pub(crate) enum Ending {
    /// The function returned (or panicked).
    Done(Outcome),
    /// It was stopped before it returned: its future was dropped.
    Stopped(Stop),
}

/// Why a stream was stopped before its function returned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The consumer stopped (`stream_cancel`), its page went away, or
    /// its messages could not be delivered: nobody is told.
    #[default]
    Consumer,
    /// Who is signed in changed: the consumer is told (`unauthorized`,
    /// `identity_changed`).
    IdentityChanged,
}

/// The reason a stream is being stopped, set before its task is aborted
/// and read when its pump is dropped.
#[derive(Debug, Default)]
pub(crate) struct Stopping(Mutex<Stop>);

impl Stopping {
    pub(crate) fn set(&self, stop: Stop) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = stop;
    }

    fn get(&self) -> Stop {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The last message of a stream.
#[derive(Debug)]
pub(crate) enum Last {
    End(Vec<Target>),
    Error(WireError),
}

#[derive(Serialize)]
struct EndMessage<'a> {
    end: bool,
    invalidate: &'a [Target],
}

#[derive(Serialize)]
struct ErrorMessage<'a> {
    error: &'a WireError,
}

/// One running stream: the function's future (panics caught), its port,
/// and where the messages go.
pub(crate) struct Pump {
    pub(crate) producer: Pin<Box<dyn Future<Output = Outcome> + Send>>,
    pub(crate) port: Arc<Port>,
    pub(crate) out: Out,
    /// Taken when the stream ends; a pump dropped with it still there was
    /// stopped before its function returned.
    pub(crate) finish: Option<Finish>,
    /// Why it is being stopped, when it is.
    pub(crate) stopping: Arc<Stopping>,
    /// What an item that does not serialize turns into.
    pub(crate) failed: Box<dyn Fn(String) -> WireError + Send + Sync>,
}

impl Pump {
    /// A pump that was never run (its start was refused): dropping it
    /// finishes nothing.
    pub(crate) fn disarm(&mut self) {
        self.finish = None;
    }

    fn send_items(&self, items: &[Box<RawValue>]) -> Result<(), ()> {
        let mut text =
            String::with_capacity(12 + items.iter().map(|i| i.get().len() + 1).sum::<usize>());
        text.push_str("{\"items\":[");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(item.get());
        }
        text.push_str("]}");
        (self.out)(text)
    }

    fn send_last(&self, last: &Last) {
        let text = match last {
            Last::End(targets) => serde_json::to_string(&EndMessage {
                end: true,
                invalidate: targets,
            }),
            Last::Error(error) => serde_json::to_string(&ErrorMessage { error }),
        };
        match text {
            Ok(text) => {
                let _ = (self.out)(text);
            }
            Err(e) => log::error!("mizan: a stream's last message does not serialize: {e}"),
        }
    }
}

impl Future for Pump {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.port.set_pump(None);
        let done = self.producer.as_mut().poll(cx);
        let drained = self.port.drain();
        if !drained.items.is_empty() && self.send_items(&drained.items).is_err() {
            // The webview cannot take messages any more: stop producing.
            self.port.close();
            return Poll::Ready(());
        }
        if let Some(reason) = drained.failed {
            let error = (self.failed)(reason);
            self.send_last(&Last::Error(error));
            self.port.close();
            return Poll::Ready(());
        }
        match done {
            Poll::Ready(outcome) => {
                let last = match self.finish.take() {
                    Some(finish) => finish(Ending::Done(outcome)),
                    None => Some(Last::End(Vec::new())),
                };
                if let Some(last) = last {
                    self.send_last(&last);
                }
                self.port.close();
                Poll::Ready(())
            }
            Poll::Pending => {
                if self.port.set_pump(Some(cx.waker())) {
                    // Put in from elsewhere since the drain: send it soon.
                    cx.waker().wake_by_ref();
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Pump {
    fn drop(&mut self) {
        // Cancelled or finished: a sink held elsewhere sees the end.
        self.port.close();
        // Stopped before the function returned: it may have done part of
        // its work, so its end still runs (a mutation's targets go out).
        if let Some(finish) = self.finish.take() {
            // The function's future goes first: nothing of it runs after
            // its end is told.
            let spent: Pin<Box<dyn Future<Output = Outcome> + Send>> =
                Box::pin(std::future::pending());
            drop(std::mem::replace(&mut self.producer, spent));
            if let Some(last) = finish(Ending::Stopped(self.stopping.get())) {
                self.send_last(&last);
            }
        }
    }
}
