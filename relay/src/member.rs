//! One WebSocket member (PROTOCOL.md A): JOIN within the deadline, then frames in and out until
//! either side ends it. A reader (this task) and a writer (a spawned task) share only the
//! member's bounded [`Outbox`]; nothing a peer sends can make either grow without bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, MissedTickBehavior, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use wire::{ClientFrame, ErrorCode, RelayFrame, WIRE_VERSION};

use crate::Shared;
use crate::bucket::RateLimit;
use crate::capacity::Admission;
use crate::outbox::{Closed, Next, Outbox};
use crate::rooms::Membership;

/// Most frames written before one flush.
const WRITE_BATCH: usize = 64;

/// How long the last ERROR and the close frame may take to write before the socket is simply
/// dropped: long enough for a receiver that was only briefly slow to learn it was cut off (7).
const CLOSE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

fn error_frame(code: ErrorCode) -> Bytes {
    Bytes::from(RelayFrame::Error(code).encode().unwrap_or_default())
}

/// Serves one upgraded WebSocket until it ends.
pub async fn serve<S>(socket: WebSocketStream<S>, shared: Arc<Shared>, admission: Admission)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = &shared.limits;
    let outbox = Arc::new(Outbox::new(limits.queue_frames, limits.queue_bytes));
    let pong_seen = Arc::new(AtomicBool::new(true));
    let (sink, stream) = socket.split();
    let writer = tokio::spawn(write(
        sink,
        outbox.clone(),
        pong_seen.clone(),
        limits.ping_interval,
    ));
    match admission {
        Admission::OverCapacity => {
            outbox.push_last(
                error_frame(ErrorCode::AtCapacity),
                Closed::Error(ErrorCode::AtCapacity),
            );
        }
        Admission::Admitted => read(stream, &outbox, &shared, &pong_seen).await,
    }
    let _ = writer.await;
}

/// Resolves once the relay starts shutting down.
pub async fn stopped(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    // An error means the relay is gone altogether, which is a shutdown too.
    let _ = shutdown.wait_for(|s| *s).await;
}

/// Ends the connection with ERROR `code` (then a close).
fn refuse(outbox: &Outbox, code: ErrorCode) {
    tracing::debug!(code = code.code(), "refusing connection");
    outbox.push_last(error_frame(code), Closed::Error(code));
}

/// What the reader got from the socket.
enum Incoming {
    Binary(Bytes),
    Text,
    TooLarge,
    /// A message was left unfinished past its deadline ([`crate::message_deadline`]).
    Overdue,
    End,
}

/// The next data message; control frames are handled here (a pong marks the peer alive).
async fn next_message<St>(stream: &mut St, pong_seen: &AtomicBool) -> Incoming
where
    St: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match stream.next().await {
            Some(Ok(Message::Binary(data))) => return Incoming::Binary(data),
            Some(Ok(Message::Text(_))) => return Incoming::Text,
            Some(Ok(Message::Pong(_))) => pong_seen.store(true, Ordering::Relaxed),
            // tungstenite answers pings itself.
            Some(Ok(Message::Ping(_) | Message::Frame(_))) => {}
            // A message over tungstenite's limit (a little above the payload limit) is ERROR 3
            // all the same, not a silent close.
            Some(Err(tokio_tungstenite::tungstenite::Error::Capacity(_))) => {
                return Incoming::TooLarge;
            }
            Some(Err(tokio_tungstenite::tungstenite::Error::Io(err)))
                if crate::message_deadline::is_overdue(&err) =>
            {
                return Incoming::Overdue;
            }
            Some(Ok(Message::Close(_)) | Err(_)) | None => return Incoming::End,
        }
    }
}

async fn read<St>(mut stream: St, outbox: &Arc<Outbox>, shared: &Shared, pong_seen: &AtomicBool)
where
    St: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut shutdown = shared.shutdown.clone();
    let first = tokio::select! {
        first = timeout(shared.limits.deadline, next_message(&mut stream, pong_seen)) => first,
        () = stopped(&mut shutdown) => return outbox.close(Closed::GoingAway),
    };
    let membership = match first {
        // A missed deadline, for JOIN or for a message, is ERROR 1 (PROTOCOL.md A).
        Err(_) | Ok(Incoming::Overdue) => return refuse(outbox, ErrorCode::Malformed),
        Ok(Incoming::End) => return outbox.close(Closed::Done),
        Ok(Incoming::Text) => return outbox.close(Closed::Text),
        Ok(Incoming::TooLarge) => return refuse(outbox, ErrorCode::PayloadTooLarge),
        Ok(Incoming::Binary(data)) => match ClientFrame::decode(&data) {
            Ok(ClientFrame::Join { version, room }) if version == WIRE_VERSION => {
                let max_payload = u32::try_from(shared.limits.max_payload).unwrap_or(u32::MAX);
                match shared.rooms.join(room, outbox.clone(), max_payload) {
                    Ok(membership) => membership,
                    Err(e) => return refuse(outbox, e.into()),
                }
            }
            Ok(ClientFrame::Join { .. }) => return refuse(outbox, ErrorCode::UnsupportedVersion),
            Ok(_) | Err(_) => return refuse(outbox, ErrorCode::Malformed),
        },
    };
    tracing::debug!(
        member = membership.id.0,
        rooms = shared.rooms.len(),
        connections = shared.capacity.total(),
        "joined"
    );
    relay_frames(&mut stream, outbox, shared, &membership, pong_seen).await;
    shared.rooms.leave(&membership);
    tracing::debug!(
        member = membership.id.0,
        reason = ?outbox.closed(),
        rooms = shared.rooms.len(),
        "left"
    );
}

/// The member's life in the room: each frame forwarded, answered, or refused.
async fn relay_frames<St>(
    stream: &mut St,
    outbox: &Arc<Outbox>,
    shared: &Shared,
    member: &Membership,
    pong_seen: &AtomicBool,
) where
    St: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut shutdown = shared.shutdown.clone();
    let mut rate = RateLimit::new(
        shared.limits.rate_frames,
        shared.limits.rate_bytes,
        Instant::now(),
    );
    loop {
        // `biased`: the frame is polled first, so the common case registers no other waker.
        let incoming = tokio::select! {
            biased;
            incoming = next_message(stream, pong_seen) => incoming,
            () = outbox.wait_closed(|_| true) => return,
            () = stopped(&mut shutdown) => return outbox.close(Closed::GoingAway),
        };
        let data = match incoming {
            Incoming::Binary(data) => data,
            Incoming::Text => return outbox.close(Closed::Text),
            Incoming::TooLarge => return refuse(outbox, ErrorCode::PayloadTooLarge),
            Incoming::Overdue => return refuse(outbox, ErrorCode::Malformed),
            Incoming::End => return outbox.close(Closed::Done),
        };
        let pause = rate.take(data.len(), Instant::now());
        if !pause.is_zero() {
            // Backpressure: not reading lets the peer's TCP window fill up; nothing is closed.
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = stopped(&mut shutdown) => return outbox.close(Closed::GoingAway),
            }
        }
        let too_large = |payload: &[u8]| payload.len() > shared.limits.max_payload;
        match ClientFrame::decode(&data) {
            Ok(ClientFrame::Broadcast { payload }) if !too_large(payload) => {
                let frame = Bytes::from(wire::deliver(member.id, payload));
                member.room.broadcast(member.id, &frame);
            }
            Ok(ClientFrame::SendTo { to, payload }) if !too_large(payload) => {
                // An unknown `to` is dropped (PROTOCOL.md A).
                member
                    .room
                    .send_to(to, Bytes::from(wire::deliver(member.id, payload)));
            }
            Ok(ClientFrame::Broadcast { .. } | ClientFrame::SendTo { .. }) => {
                return refuse(outbox, ErrorCode::PayloadTooLarge);
            }
            Ok(ClientFrame::Ping { nonce }) => {
                let pong = RelayFrame::Pong { nonce }.encode().unwrap_or_default();
                if !outbox.push(Bytes::from(pong)) {
                    return;
                }
            }
            Ok(ClientFrame::Join { .. }) | Err(_) => return refuse(outbox, ErrorCode::Malformed),
        }
    }
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

/// The writer: frames from the outbox in batches, a ping every interval, and the close.
async fn write<Si>(
    mut sink: Si,
    outbox: Arc<Outbox>,
    pong_seen: Arc<AtomicBool>,
    ping_interval: std::time::Duration,
) where
    Si: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    let mut ping = tokio::time::interval_at(Instant::now() + ping_interval, ping_interval);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let next = tokio::select! {
            biased;
            next = outbox.next() => next,
            _ = ping.tick() => {
                // The previous ping was not answered within a whole interval: the peer is gone.
                if !pong_seen.swap(false, Ordering::Relaxed) {
                    tracing::debug!("no pong; closing");
                    outbox.close(Closed::Done);
                    break;
                }
                if !send(&mut sink, &outbox, Message::Ping(Bytes::new()), ping_interval).await {
                    break;
                }
                continue;
            }
        };
        let Next::Frame(frame) = next else {
            break;
        };
        let mut ok = feed(&mut sink, &outbox, frame, ping_interval).await;
        let mut batch = 1;
        while ok && batch < WRITE_BATCH {
            let Some(frame) = outbox.try_next() else {
                break;
            };
            ok = feed(&mut sink, &outbox, frame, ping_interval).await;
            batch += 1;
        }
        if !ok || !flush(&mut sink, &outbox, ping_interval).await {
            break;
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

/// Runs one sink operation, giving up when it takes longer than `limit` (a receiver that stalls
/// a single write that long is gone) or when the outbox overflows meanwhile. On failure the
/// outbox is closed so the reader stops too.
async fn guarded<F>(outbox: &Outbox, limit: std::time::Duration, op: F) -> bool
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

async fn feed<Si>(sink: &mut Si, outbox: &Outbox, frame: Bytes, limit: std::time::Duration) -> bool
where
    Si: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    guarded(outbox, limit, sink.feed(Message::Binary(frame))).await
}

async fn flush<Si>(sink: &mut Si, outbox: &Outbox, limit: std::time::Duration) -> bool
where
    Si: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    guarded(outbox, limit, sink.flush()).await
}

async fn send<Si>(sink: &mut Si, outbox: &Outbox, msg: Message, limit: std::time::Duration) -> bool
where
    Si: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    guarded(outbox, limit, sink.send(msg)).await
}
