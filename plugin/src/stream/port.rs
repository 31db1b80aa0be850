//! The port between a streaming function and the task that sends its
//! items: a bounded buffer of serialized items, and the credits the
//! consumer grants.
//!
//! The producer may hold at most `window` items that the consumer has not
//! acknowledged (buffered here, in Tauri's channel queue, or in the
//! webview's queue): past that, [`StreamSink::send`](super::StreamSink::send)
//! waits. The consumer acknowledges the items it has *read*, so a consumer
//! that stops reading stops the producer, and the memory of one stream is
//! bounded by `window` items on both sides, whatever the producer's speed.

use std::{
    sync::{Mutex, MutexGuard, PoisonError},
    task::{Context, Poll, Waker},
};

use serde_json::value::RawValue;

/// Past this many bytes of buffered items, the producer waits for the
/// sending task to flush them as one message, even with credits left.
pub(crate) const MAX_BATCH_BYTES: usize = 256 * 1024;

/// One stream's buffer and credits, shared by the sink and the sending task.
#[derive(Debug)]
pub(crate) struct Port {
    /// Items the producer may hold unacknowledged.
    window: u64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Serialized items not yet sent.
    buffer: Vec<Box<RawValue>>,
    bytes: usize,
    /// Items the producer has put in, since the start.
    taken: u64,
    /// Items the consumer has read, since the start (never above `taken`).
    acked: u64,
    /// The producer, waiting for room.
    producer: Option<Waker>,
    /// The sending task, to wake when items arrive while it is not polling.
    pump: Option<Waker>,
    /// An item that did not serialize: the stream ends with `internal`.
    failed: Option<String>,
    /// The sending task is gone (and the function with it): sends from
    /// elsewhere return at once.
    closed: bool,
}

/// What the sending task takes out of the port.
#[derive(Debug, Default)]
pub(crate) struct Drained {
    pub(crate) items: Vec<Box<RawValue>>,
    pub(crate) failed: Option<String>,
}

impl Port {
    pub(crate) fn new(window: u64) -> Self {
        Port {
            window: window.max(1),
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts `slot`'s item in when there is room (a credit, and the batch
    /// below its byte bound); otherwise waits. Ready at once when closed
    /// (the item is dropped).
    pub(crate) fn poll_push(
        &self,
        cx: &mut Context<'_>,
        slot: &mut Option<Box<RawValue>>,
    ) -> Poll<()> {
        let mut s = self.state();
        if s.closed || s.failed.is_some() {
            slot.take();
            return Poll::Ready(());
        }
        let credit = s.taken - s.acked < self.window;
        if !credit || s.bytes >= MAX_BATCH_BYTES {
            s.producer = Some(cx.waker().clone());
            if s.bytes > 0 {
                // Room comes from a flush: make sure the sender runs.
                if let Some(pump) = &s.pump {
                    pump.wake_by_ref();
                }
            }
            return Poll::Pending;
        }
        if let Some(item) = slot.take() {
            s.bytes += item.get().len();
            s.buffer.push(item);
            s.taken += 1;
            if let Some(pump) = &s.pump {
                pump.wake_by_ref();
            }
        }
        Poll::Ready(())
    }

    /// Records an item that does not serialize: the stream ends with
    /// `internal`.
    pub(crate) fn fail(&self, reason: String) {
        let mut s = self.state();
        s.failed.get_or_insert(reason);
        if let Some(pump) = &s.pump {
            pump.wake_by_ref();
        }
    }

    /// The consumer read `n` more items: as many more may be sent. Never
    /// more than were sent, so no acknowledgement can widen the window.
    pub(crate) fn ack(&self, n: u64) {
        let mut s = self.state();
        s.acked = s.acked.saturating_add(n).min(s.taken);
        if s.taken - s.acked < self.window {
            if let Some(producer) = s.producer.take() {
                producer.wake();
            }
        }
    }

    /// Whether the stream is over (ended, cancelled, or its webview gone).
    pub(crate) fn is_closed(&self) -> bool {
        self.state().closed
    }

    /// Ends the stream: later sends return at once. Only once the sending
    /// task stops polling the function: a function looping on `send` must
    /// still wait (and be dropped there).
    pub(crate) fn close(&self) {
        let mut s = self.state();
        s.closed = true;
        s.buffer.clear();
        s.bytes = 0;
        if let Some(producer) = s.producer.take() {
            producer.wake();
        }
    }

    /// The sending task registers itself while it is not polling the
    /// producer (`None` while it is: it flushes after each poll anyway).
    /// Returns whether items are waiting to be sent.
    pub(crate) fn set_pump(&self, waker: Option<&Waker>) -> bool {
        let mut s = self.state();
        s.pump = waker.cloned();
        !s.buffer.is_empty() || s.failed.is_some()
    }

    /// Takes the buffered items (and wakes a producer that waited for the
    /// batch to be flushed).
    pub(crate) fn drain(&self) -> Drained {
        let mut s = self.state();
        let items = std::mem::take(&mut s.buffer);
        s.bytes = 0;
        if !items.is_empty() && s.taken - s.acked < self.window {
            if let Some(producer) = s.producer.take() {
                producer.wake();
            }
        }
        Drained {
            items,
            failed: s.failed.take(),
        }
    }

    /// Items sent or buffered that the consumer has not read.
    #[cfg(test)]
    pub(crate) fn unread(&self) -> u64 {
        let s = self.state();
        s.taken - s.acked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn raw(n: u32) -> Option<Box<RawValue>> {
        Some(serde_json::value::to_raw_value(&n).unwrap())
    }

    #[test]
    fn the_window_bounds_what_is_unread() {
        let port = Port::new(3);
        let mut cx = Context::from_waker(Waker::noop());
        for n in 0..3 {
            assert!(port.poll_push(&mut cx, &mut raw(n)).is_ready());
        }
        let mut slot = raw(3);
        assert!(port.poll_push(&mut cx, &mut slot).is_pending());
        assert!(slot.is_some(), "the item waits with its producer");
        assert_eq!(port.drain().items.len(), 3);
        assert!(
            port.poll_push(&mut cx, &mut slot).is_pending(),
            "sent is not read"
        );
        port.ack(1);
        assert!(port.poll_push(&mut cx, &mut slot).is_ready());
        assert_eq!(port.unread(), 3);
    }

    #[test]
    fn an_ack_never_widens_the_window() {
        let port = Port::new(2);
        let mut cx = Context::from_waker(Waker::noop());
        port.ack(u64::MAX);
        for n in 0..2 {
            assert!(port.poll_push(&mut cx, &mut raw(n)).is_ready());
        }
        assert!(port.poll_push(&mut cx, &mut raw(9)).is_pending());
        port.ack(u64::MAX);
        assert_eq!(port.unread(), 0);
        assert!(port.poll_push(&mut cx, &mut raw(2)).is_ready());
        assert!(port.poll_push(&mut cx, &mut raw(3)).is_ready());
        assert!(port.poll_push(&mut cx, &mut raw(4)).is_pending());
    }

    #[test]
    fn a_closed_port_drops_items() {
        let port = Port::new(1);
        let mut cx = Context::from_waker(Waker::noop());
        port.close();
        let mut slot = raw(1);
        assert!(port.poll_push(&mut cx, &mut slot).is_ready());
        assert!(slot.is_none());
        assert!(port.drain().items.is_empty());
    }
}
