//! A member's writer task: what its outbox queued, in batches with one flush each, a ping every
//! interval, and the close. While it idles it parks the socket's writing half in the outbox, where
//! pushes write straight to a receiver that keeps up ([`crate::outbox`]); it is woken only for
//! what they leave: a queue, a write to flush, a close.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use futures_util::SinkExt;
use tokio::time::{Instant, MissedTickBehavior, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use wire::{ErrorCode, RelayFrame};

use crate::outbox::{Closed, FrameSink, Next, Outbox, Taken};

/// Most frames written before one flush.
const WRITE_BATCH: usize = 64;

/// How long the last ERROR and the close frame may take to write before the socket is simply
/// dropped: long enough for a receiver that was only briefly slow to learn it was cut off (7).
const CLOSE_DEADLINE: Duration = Duration::from_secs(2);

/// An ERROR frame, as the relay sends it.
pub fn error_frame(code: ErrorCode) -> Bytes {
    Bytes::from(RelayFrame::Error(code).encode().unwrap_or_default())
}

fn close_frame(reason: Closed) -> Message {
    let (code, text) = match reason {
        Closed::Overflow | Closed::Error(_) => (CloseCode::Policy, "error"),
        Closed::Text => (CloseCode::Unsupported, "binary frames only"),
        Closed::Done => (CloseCode::Normal, ""),
        Closed::GoingAway => (CloseCode::Away, "relay shutting down"),
    };
    Message::Close(Some(CloseFrame {
        code,
        reason: text.into(),
    }))
}

/// The writer: runs until the outbox closes or the socket fails, then writes the close.
pub async fn write(
    mut sink: FrameSink,
    outbox: Arc<Outbox>,
    pong_seen: Arc<AtomicBool>,
    ping_interval: Duration,
) {
    let mut ping = tokio::time::interval_at(Instant::now() + ping_interval, ping_interval);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut unflushed = false;
    loop {
        if !drain(&mut sink, &outbox, unflushed, ping_interval).await {
            break;
        }
        // Idle: pushes write with the sink themselves until they leave something for us.
        if let Err(back) = outbox.park(sink) {
            sink = back;
            unflushed = false;
            continue;
        }
        let ping_due = tokio::select! {
            biased;
            () = outbox.work() => false,
            _ = ping.tick() => true,
        };
        Taken { sink, unflushed } = outbox.unpark().await;
        if ping_due {
            // The previous ping was not answered within a whole interval: the peer is gone.
            if !pong_seen.swap(false, Ordering::Relaxed) {
                tracing::debug!("no pong; closing");
                outbox.close(Closed::Done);
                break;
            }
            if !send(
                &mut sink,
                &outbox,
                Message::Ping(Bytes::new()),
                ping_interval,
            )
            .await
            {
                break;
            }
            unflushed = false;
        }
    }
    let reason = outbox.closed().unwrap_or(Closed::Done);
    if reason == Closed::Overflow {
        tracing::debug!("send queue overflowed; cutting off the slow receiver");
        let error = Message::Binary(error_frame(ErrorCode::TooSlow));
        let _ = timeout(CLOSE_DEADLINE, sink.send(error)).await;
    }
    let _ = timeout(CLOSE_DEADLINE, sink.send(close_frame(reason))).await;
}

/// Writes what is queued, `WRITE_BATCH` frames to a flush, until the queue is empty (flushing a
/// push's unfinished write too). False once the connection is to end: the outbox closed, its
/// last frames written, or a write failed.
async fn drain(sink: &mut FrameSink, outbox: &Outbox, unflushed: bool, limit: Duration) -> bool {
    let mut to_flush = unflushed;
    loop {
        let mut open = true;
        let mut batch = 0;
        while batch < WRITE_BATCH {
            match outbox.next_now() {
                Some(Next::Frame(frame)) => {
                    if !feed(sink, outbox, frame, limit).await {
                        return false;
                    }
                    batch += 1;
                }
                Some(Next::Closed(_)) => {
                    open = false;
                    break;
                }
                None => break,
            }
        }
        if (to_flush || batch > 0) && !flush(sink, outbox, limit).await {
            return false;
        }
        to_flush = false;
        if !open {
            return false;
        }
        if batch < WRITE_BATCH {
            return true;
        }
    }
}

/// Runs one sink operation, giving up when it takes longer than `limit` (a receiver that stalls
/// a single write that long is gone) or when the outbox overflows meanwhile. On failure the
/// outbox is closed so the reader stops too.
async fn guarded<F>(outbox: &Outbox, limit: Duration, op: F) -> bool
where
    F: std::future::Future<Output = Result<(), tokio_tungstenite::tungstenite::Error>>,
{
    let mut op = std::pin::pin!(op);
    // Most operations complete at once: one poll first, before arming a timer and registering
    // with the outbox, which the hot path would otherwise pay for every frame.
    let first = std::future::poll_fn(|cx| Poll::Ready(op.as_mut().poll(cx))).await;
    let ok = match first {
        Poll::Ready(result) => result.is_ok(),
        Poll::Pending => tokio::select! {
            biased;
            result = timeout(limit, op) => matches!(result, Ok(Ok(()))),
            () = outbox.wait_closed(|r| r == Closed::Overflow) => false,
        },
    };
    if !ok {
        outbox.close(Closed::Done);
    }
    ok
}

async fn feed(sink: &mut FrameSink, outbox: &Outbox, frame: Bytes, limit: Duration) -> bool {
    guarded(outbox, limit, sink.feed(Message::Binary(frame))).await
}

async fn flush(sink: &mut FrameSink, outbox: &Outbox, limit: Duration) -> bool {
    guarded(outbox, limit, sink.flush()).await
}

async fn send(sink: &mut FrameSink, outbox: &Outbox, msg: Message, limit: Duration) -> bool {
    guarded(outbox, limit, sink.send(msg)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stalling_sink::Line;

    const PING: Duration = Duration::from_secs(3600);

    /// Frame `n`: its number, so the order and any gap show.
    fn numbered(n: u8) -> Bytes {
        Bytes::from(vec![n; 8])
    }

    fn numbers(messages: &[Message]) -> Vec<u8> {
        messages
            .iter()
            .filter_map(|m| match m {
                Message::Binary(b) if b.len() == 8 => Some(b[0]),
                _ => None,
            })
            .collect()
    }

    fn start(outbox: &Arc<Outbox>, line: &Line) -> tokio::task::JoinHandle<()> {
        let pong_seen = Arc::new(AtomicBool::new(true));
        tokio::spawn(write(line.sink(), outbox.clone(), pong_seen, PING))
    }

    #[tokio::test(start_paused = true)]
    async fn frames_written_by_pushes_and_by_the_writer_keep_their_order() {
        let outbox = Arc::new(Outbox::new(64, 1 << 16));
        let line = Line::default();
        let writer = start(&outbox, &line);
        tokio::task::yield_now().await; // the writer parks the sink
        for n in 1..=3 {
            assert!(outbox.push(numbered(n)));
        }
        assert_eq!(numbers(&line.sent()), [1, 2, 3], "written by the pushes");
        line.stall();
        for n in 4..=10 {
            assert!(outbox.push(numbered(n)));
        }
        tokio::task::yield_now().await; // the writer flushes into the stall
        line.resume();
        for n in 11..=12 {
            assert!(outbox.push(numbered(n)));
        }
        tokio::task::yield_now().await;
        for n in 13..=14 {
            assert!(outbox.push(numbered(n)));
        }
        outbox.close(Closed::Done);
        writer.await.unwrap();
        let sent = line.sent();
        assert_eq!(numbers(&sent), (1..=14).collect::<Vec<_>>());
        assert_eq!(sent.last(), Some(&close_frame(Closed::Done)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_receiver_stalled_mid_stream_gets_every_frame_up_to_error_7() {
        let outbox = Arc::new(Outbox::new(4, 1 << 16));
        let line = Line::default();
        let writer = start(&outbox, &line);
        tokio::task::yield_now().await;
        assert!(outbox.push(numbered(1)));
        assert!(outbox.push(numbered(2)));
        line.stall();
        let mut n = 3;
        while outbox.push(numbered(n)) {
            n += 1;
        }
        assert_eq!(outbox.closed(), Some(Closed::Overflow));
        // The receiver reads again a while later, within the close deadline.
        tokio::spawn({
            let line = line.clone();
            async move {
                tokio::time::sleep(CLOSE_DEADLINE / 2).await;
                line.resume();
            }
        });
        writer.await.unwrap();
        let sent = line.sent();
        assert_eq!(
            numbers(&sent),
            [1, 2, 3],
            "what the socket took, and no gap"
        );
        assert_eq!(
            sent[3..],
            [
                Message::Binary(error_frame(ErrorCode::TooSlow)),
                close_frame(Closed::Overflow)
            ]
        );
    }
}
