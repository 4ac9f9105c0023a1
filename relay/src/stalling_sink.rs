//! A socket's writing half for unit tests, behaving as tungstenite over TCP does: it takes a
//! message whenever it is ready, and passes what it holds on only while its peer reads. Stalled,
//! a flush stays pending and the sink becomes unready once it holds something, until resumed.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use futures_util::Sink;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::outbox::FrameSink;

#[derive(Default)]
struct Wire {
    stalled: bool,
    held: Vec<Message>,
    sent: Vec<Message>,
    waker: Option<Waker>,
}

impl Wire {
    /// Passes what is held on if the peer reads; otherwise keeps `cx` to wake on resume.
    fn pass_on(&mut self, cx: &Context<'_>) -> Poll<Result<(), WsError>> {
        if self.stalled && !self.held.is_empty() {
            self.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        self.sent.append(&mut self.held);
        Poll::Ready(Ok(()))
    }
}

/// The test's handle on the wire; [`Line::sink`] makes the relay's end.
#[derive(Clone, Default)]
pub(crate) struct Line(Arc<Mutex<Wire>>);

struct LineSink(Line);

impl Line {
    fn wire(&self) -> MutexGuard<'_, Wire> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The relay's end, to park in an outbox or give to a writer.
    pub(crate) fn sink(&self) -> FrameSink {
        Box::pin(LineSink(self.clone()))
    }

    /// The peer stops reading.
    pub(crate) fn stall(&self) {
        self.wire().stalled = true;
    }

    /// The peer reads again: whoever waits on the sink is woken.
    pub(crate) fn resume(&self) {
        let waker = {
            let mut wire = self.wire();
            wire.stalled = false;
            wire.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// What the peer has read so far.
    pub(crate) fn sent(&self) -> Vec<Message> {
        self.wire().sent.clone()
    }

    /// What the peer has read and what the sink still holds, in order.
    pub(crate) fn everything(&self) -> Vec<Message> {
        let wire = self.wire();
        wire.sent.iter().chain(&wire.held).cloned().collect()
    }
}

impl Sink<Message> for LineSink {
    type Error = WsError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        self.0.wire().pass_on(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), WsError> {
        let mut wire = self.0.wire();
        wire.held.push(item);
        if !wire.stalled {
            let held = std::mem::take(&mut wire.held);
            wire.sent.extend(held);
        }
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        self.0.wire().pass_on(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        self.0.wire().pass_on(cx)
    }
}
