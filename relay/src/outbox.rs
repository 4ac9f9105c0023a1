//! A connection's send queue: bounded in frames and bytes (PROTOCOL.md A: 512 frames or 4 MiB by
//! default). Other connections push into it without waiting; when it would overflow, the owner —
//! the slow receiver — is cut off with ERROR 7, and the sender never notices.
//!
//! While the connection's writer is idle, the outbox also holds the socket's writing half: a push
//! that finds the queue empty takes it and writes the frame itself, so a receiver that keeps up
//! costs no task wake per frame. Whatever the socket does not take at once (a full send buffer,
//! a write still to flush) is left to the writer, and every later frame queues behind it, so
//! frames go out in the order they were pushed, whoever writes them.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use futures_util::Sink;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use wire::ErrorCode;

/// A member's socket, writing half: taken in turn by its writer and by the tasks pushing to it.
pub type FrameSink = Pin<Box<dyn Sink<Message, Error = WsError> + Send>>;

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

/// The sink, handed to the writer by [`Outbox::unpark`].
pub struct Taken {
    /// The socket's writing half.
    pub sink: FrameSink,
    /// A push wrote into it without finishing the flush: the writer flushes before anything else.
    pub unflushed: bool,
}

struct State {
    // Allocated on first use: an idle connection's outbox holds no buffer.
    frames: VecDeque<Bytes>,
    bytes: usize,
    closed: Option<Closed>,
    /// Here while the writer is idle; `None` while the writer, or one push, writes with it.
    sink: Option<FrameSink>,
    /// A push's write is still in the sink's buffer: nobody but the writer may write now.
    unflushed: bool,
    /// The writer waits for the sink, which a push holds.
    wanted: bool,
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

    /// Whether the writer has something to do.
    fn has_work(&self) -> bool {
        !self.frames.is_empty() || self.unflushed || self.closed.is_some()
    }
}

/// How a push's own write went.
enum Direct {
    /// Written and flushed.
    Done,
    /// Taken by the sink, not yet flushed.
    Unflushed,
    /// The sink was not ready: the frame is still ours.
    Refused(Bytes),
    /// The socket failed.
    Failed,
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
                sink: None,
                unflushed: false,
                wanted: false,
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

    /// Queues `frame`, or writes it at once when nothing is queued and the writer is idle.
    /// Returns `false` when the outbox is closed — including when this very frame overflowed
    /// it, which closes it with [`Closed::Overflow`] and drops what was queued.
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
        if state.frames.is_empty()
            && !state.unflushed
            && let Some(sink) = state.sink.take()
        {
            drop(state);
            return self.write_now(sink, frame);
        }
        state.bytes += frame.len();
        state.frames.push_back(frame);
        drop(state);
        self.ready.notify_one();
        true
    }

    /// Writes `frame` from the pushing task with the sink it took, then gives the sink back.
    /// Nothing waits: a socket that cannot take the frame now keeps it buffered (or hands it
    /// back) and the writer, woken, finishes the job.
    fn write_now(&self, mut sink: FrameSink, frame: Bytes) -> bool {
        // No waker is left with the socket: the writer is woken below when something is left
        // to do, and then polls the socket with its own. (tokio-tungstenite wakes a socket's
        // last writer whenever it becomes readable: a real waker here would wake the writer
        // for nothing each time the receiver sends.)
        let mut cx = Context::from_waker(Waker::noop());
        let direct = match sink.as_mut().poll_ready(&mut cx) {
            Poll::Ready(Ok(())) => match sink.as_mut().start_send(Message::Binary(frame)) {
                Ok(()) => match sink.as_mut().poll_flush(&mut cx) {
                    Poll::Ready(Ok(())) => Direct::Done,
                    Poll::Pending => Direct::Unflushed,
                    Poll::Ready(Err(_)) => Direct::Failed,
                },
                Err(_) => Direct::Failed,
            },
            Poll::Pending => Direct::Refused(frame),
            Poll::Ready(Err(_)) => Direct::Failed,
        };
        let mut state = self.state();
        state.sink = Some(sink);
        match direct {
            Direct::Done => {}
            Direct::Unflushed => state.unflushed = true,
            // Whatever was pushed meanwhile queued behind this frame.
            Direct::Refused(frame) => {
                state.bytes += frame.len();
                state.frames.push_front(frame);
            }
            Direct::Failed => {
                // As when the writer's own write fails: the connection ends.
                state.closed.get_or_insert(Closed::Done);
                drop(state);
                self.wake_all();
                return false;
            }
        }
        let wake = state.has_work() || state.wanted;
        drop(state);
        if wake {
            self.ready.notify_one();
        }
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

    /// A queued frame, or once the queue is empty, whether the outbox is closed (`None`: open).
    pub fn next_now(&self) -> Option<Next> {
        let mut state = self.state();
        match state.pop() {
            Some(frame) => Some(Next::Frame(frame)),
            None => state.closed.map(Next::Closed),
        }
    }

    /// The next frame, waiting for one; after a close, the queued frames and then `Closed`.
    pub async fn next(&self) -> Next {
        loop {
            if let Some(next) = self.next_now() {
                return next;
            }
            // `notify_one` stores a permit when nobody waits, so a push between the check above
            // and this await is not missed.
            self.ready.notified().await;
        }
    }

    /// Gives the sink to the outbox while the writer idles, unless there is work for the writer
    /// already (then the sink comes back).
    pub fn park(&self, sink: FrameSink) -> Result<(), FrameSink> {
        let mut state = self.state();
        if state.has_work() {
            return Err(sink);
        }
        state.sink = Some(sink);
        Ok(())
    }

    /// Resolves once the writer has work: frames queued, a push's write to flush, or a close.
    pub async fn work(&self) {
        while !self.state().has_work() {
            self.ready.notified().await;
        }
    }

    /// Takes the parked sink back for the writer, waiting while a push writes with it.
    pub async fn unpark(&self) -> Taken {
        loop {
            {
                let mut state = self.state();
                if let Some(sink) = state.sink.take() {
                    state.wanted = false;
                    let unflushed = std::mem::take(&mut state.unflushed);
                    return Taken { sink, unflushed };
                }
                state.wanted = true;
            }
            self.ready.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;
    use crate::stalling_sink::Line;

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

    #[test]
    fn a_push_to_an_idle_socket_is_written_without_waking_the_writer() {
        let outbox = Outbox::new(4, 100);
        let line = Line::default();
        assert!(outbox.park(line.sink()).is_ok());
        assert!(outbox.push(frame(1)));
        assert!(outbox.push(frame(2)));
        assert_eq!(
            line.sent(),
            vec![Message::Binary(frame(1)), Message::Binary(frame(2))]
        );
        assert_eq!(outbox.try_next(), None, "nothing queued");
        assert!(
            outbox.work().now_or_never().is_none(),
            "no work for the writer"
        );
        assert!(
            outbox.ready.notified().now_or_never().is_none(),
            "the writer was never woken"
        );
    }

    #[tokio::test]
    async fn frames_behind_an_unfinished_write_queue_for_the_writer_in_order() {
        let outbox = Outbox::new(4, 100);
        let line = Line::default();
        assert!(outbox.park(line.sink()).is_ok());
        line.stall();
        assert!(
            outbox.push(frame(1)),
            "taken by the socket, not yet flushed"
        );
        assert!(outbox.push(frame(2)));
        assert!(outbox.push(frame(3)));
        assert!(line.sent().is_empty());
        assert!(
            outbox.work().now_or_never().is_some(),
            "the writer has work"
        );
        let taken = outbox.unpark().await;
        assert!(taken.unflushed, "the writer flushes the first frame");
        assert_eq!(line.everything(), vec![Message::Binary(frame(1))]);
        assert_eq!(outbox.try_next(), Some(frame(2)));
        assert_eq!(outbox.try_next(), Some(frame(3)));
        // Holding work, the outbox does not take the sink back.
        assert!(outbox.push(frame(4)));
        assert!(outbox.park(taken.sink).is_err());
    }
}
