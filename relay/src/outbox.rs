//! A connection's send queue: bounded in frames and bytes (PROTOCOL.md A: 512 frames or 4 MiB by
//! default). Other connections push into it without waiting; when it would overflow, the owner —
//! the slow receiver — is cut off with ERROR 7, and the sender never notices.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use tokio::sync::Notify;
use wire::ErrorCode;

/// Why an outbox stopped accepting frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    /// The queue overflowed: the receiver was too slow (ERROR 7).
    Overflow,
    /// The connection sent something the relay refuses; the ERROR frame is the last one queued.
    Error(ErrorCode),
    /// The connection sent a text message: closed with 1003 (PROTOCOL.md A).
    Text,
    /// The peer went away or stopped answering pings.
    Done,
    /// The relay is shutting down: closed with 1001.
    GoingAway,
}

/// What the writer gets next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// A frame to write.
    Frame(Bytes),
    /// Nothing more will come; write the close and stop.
    Closed(Closed),
}

struct State {
    // Allocated on first use: an idle connection's outbox holds no buffer.
    frames: VecDeque<Bytes>,
    bytes: usize,
    closed: Option<Closed>,
}

/// The most slots a drained queue keeps: a burst can grow it to the frame bound (512 slots of
/// 32 bytes), which an idle connection should not hold for its life.
const SLOTS_KEPT: usize = 16;

impl State {
    fn pop(&mut self) -> Option<Bytes> {
        let frame = self.frames.pop_front()?;
        self.bytes -= frame.len();
        if self.frames.is_empty() && self.frames.capacity() > SLOTS_KEPT {
            self.frames = VecDeque::new();
        }
        Some(frame)
    }
}

/// A bounded, multi-producer, single-consumer queue of outgoing frames.
pub struct Outbox {
    state: Mutex<State>,
    ready: Notify,
    closing: Notify,
    max_frames: usize,
    max_bytes: usize,
}

impl Outbox {
    /// An empty outbox holding at most `max_frames` frames and `max_bytes` bytes.
    pub fn new(max_frames: usize, max_bytes: usize) -> Self {
        Self {
            state: Mutex::new(State {
                frames: VecDeque::new(),
                bytes: 0,
                closed: None,
            }),
            ready: Notify::new(),
            closing: Notify::new(),
            max_frames,
            max_bytes,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // No code holding this lock can panic, and a queue is consistent after every statement.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `frame`. Returns `false` when the outbox is closed — including when this very frame
    /// overflowed it, which closes it with [`Closed::Overflow`] and drops what was queued.
    pub fn push(&self, frame: Bytes) -> bool {
        let mut state = self.state();
        if state.closed.is_some() {
            return false;
        }
        if state.frames.len() >= self.max_frames || state.bytes + frame.len() > self.max_bytes {
            state.frames.clear();
            state.bytes = 0;
            state.closed = Some(Closed::Overflow);
            drop(state);
            self.wake_all();
            return false;
        }
        state.bytes += frame.len();
        state.frames.push_back(frame);
        drop(state);
        self.ready.notify_one();
        true
    }

    /// Queues a last frame (typically ERROR) past the bounds, then closes with `reason`.
    pub fn push_last(&self, frame: Bytes, reason: Closed) {
        let mut state = self.state();
        if state.closed.is_none() {
            state.bytes += frame.len();
            state.frames.push_back(frame);
            state.closed = Some(reason);
        }
        drop(state);
        self.wake_all();
    }

    fn wake_all(&self) {
        self.ready.notify_one();
        self.closing.notify_waiters();
    }

    /// Closes the outbox; frames already queued are still delivered unless it overflowed.
    pub fn close(&self, reason: Closed) {
        let mut state = self.state();
        if state.closed.is_none() {
            state.closed = Some(reason);
        }
        drop(state);
        self.wake_all();
    }

    /// Why the outbox was closed, if it was.
    pub fn closed(&self) -> Option<Closed> {
        self.state().closed
    }

    /// Whether the outbox has been closed (for any reason).
    pub fn is_closed(&self) -> bool {
        self.closed().is_some()
    }

    /// Resolves once the outbox is closed and `pred` holds for the reason.
    pub async fn wait_closed(&self, pred: impl Fn(Closed) -> bool) {
        loop {
            let notified = self.closing.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before the check, so a close between the two still wakes us.
            notified.as_mut().enable();
            match self.closed() {
                Some(reason) if pred(reason) => return,
                Some(_) => std::future::pending::<()>().await,
                None => notified.await,
            }
        }
    }

    /// A queued frame if one is ready now, for writing several before one flush.
    pub fn try_next(&self) -> Option<Bytes> {
        self.state().pop()
    }

    /// The next frame, waiting for one; after a close, the queued frames and then `Closed`.
    pub async fn next(&self) -> Next {
        loop {
            {
                let mut state = self.state();
                if let Some(frame) = state.pop() {
                    return Next::Frame(frame);
                }
                if let Some(reason) = state.closed {
                    return Next::Closed(reason);
                }
            }
            // `notify_one` stores a permit when nobody waits, so a push between the check above
            // and this await is not missed.
            self.ready.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: usize) -> Bytes {
        Bytes::from(vec![0u8; n])
    }

    #[tokio::test]
    async fn delivers_in_order_then_reports_close() {
        let outbox = Outbox::new(4, 100);
        assert!(outbox.push(frame(1)));
        assert!(outbox.push(frame(2)));
        outbox.close(Closed::Done);
        assert!(!outbox.push(frame(3)), "closed outboxes take nothing");
        assert_eq!(outbox.next().await, Next::Frame(frame(1)));
        assert_eq!(outbox.next().await, Next::Frame(frame(2)));
        assert_eq!(outbox.next().await, Next::Closed(Closed::Done));
    }

    #[tokio::test]
    async fn frame_bound_overflow_drops_queue_and_closes() {
        let outbox = Outbox::new(2, 1_000);
        assert!(outbox.push(frame(1)));
        assert!(outbox.push(frame(1)));
        assert!(!outbox.push(frame(1)));
        assert_eq!(outbox.next().await, Next::Closed(Closed::Overflow));
    }

    #[tokio::test]
    async fn byte_bound_overflow_closes() {
        let outbox = Outbox::new(100, 10);
        assert!(outbox.push(frame(6)));
        assert!(!outbox.push(frame(5)));
        assert!(outbox.is_closed());
        assert_eq!(outbox.next().await, Next::Closed(Closed::Overflow));
    }

    #[tokio::test]
    async fn last_frame_goes_out_before_the_close() {
        let outbox = Outbox::new(1, 1);
        outbox.push_last(frame(5), Closed::Error(ErrorCode::Malformed));
        assert_eq!(outbox.next().await, Next::Frame(frame(5)));
        assert_eq!(
            outbox.next().await,
            Next::Closed(Closed::Error(ErrorCode::Malformed))
        );
    }

    #[tokio::test]
    async fn wait_closed_wakes_on_overflow_only_when_asked() {
        let outbox = std::sync::Arc::new(Outbox::new(1, 100));
        let waiter = tokio::spawn({
            let outbox = outbox.clone();
            async move { outbox.wait_closed(|r| r == Closed::Overflow).await }
        });
        tokio::task::yield_now().await;
        assert!(outbox.push(frame(1)));
        assert!(!outbox.push(frame(1)));
        assert!(waiter.await.is_ok());
        assert_eq!(outbox.try_next(), None, "overflow drops the queue");
    }

    #[tokio::test]
    async fn a_drained_queue_gives_its_slots_back() {
        let outbox = Outbox::new(512, 1 << 20);
        for _ in 0..100 {
            assert!(outbox.push(frame(1)));
        }
        assert!(outbox.state().frames.capacity() >= 100);
        while outbox.try_next().is_some() {}
        assert!(outbox.state().frames.capacity() <= SLOTS_KEPT);
    }

    #[tokio::test]
    async fn waiting_reader_wakes_on_push() {
        let outbox = std::sync::Arc::new(Outbox::new(4, 100));
        let reader = tokio::spawn({
            let outbox = outbox.clone();
            async move { outbox.next().await }
        });
        tokio::task::yield_now().await;
        assert!(outbox.push(frame(3)));
        assert_eq!(reader.await.ok(), Some(Next::Frame(frame(3))));
    }
}
