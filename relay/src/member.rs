//! One WebSocket member (PROTOCOL.md A): JOIN within the deadline, then frames in and out until
//! either side ends it. A reader (this task) and a writer ([`crate::writer`], a spawned task)
//! share only the member's bounded [`Outbox`]; nothing a peer sends can make either grow without
//! bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use wire::{ClientFrame, ErrorCode, RelayFrame, WIRE_VERSION};

use crate::Shared;
use crate::bucket::RateLimit;
use crate::capacity::Admission;
use crate::outbox::{Closed, Outbox};
use crate::rooms::Membership;
use crate::writer::error_frame;

/// Serves one upgraded WebSocket until it ends.
///
/// The split and the writer's spawn happen here, before the returned future: an `async fn`'s
/// state keeps room for its arguments and for every temporary that outlives a statement, so
/// doing them inside it made each member's task 3.4 KiB instead of about 1 KiB. So call it on
/// the runtime, and await or spawn what it returns at once: the writer already runs.
pub fn serve<S>(
    socket: WebSocketStream<S>,
    shared: Arc<Shared>,
    admission: Admission,
) -> impl Future<Output = ()> + Send + 'static
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = &shared.limits;
    let outbox = Arc::new(Outbox::new(limits.queue_frames, limits.queue_bytes));
    let pong_seen = Arc::new(AtomicBool::new(true));
    let (sink, stream) = socket.split();
    let writer = tokio::spawn(crate::writer::write(
        Box::pin(sink),
        outbox.clone(),
        pong_seen.clone(),
        limits.ping_interval,
    ));
    async move {
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
    // Made once for the member's life: each is registered with its notifier when first polled,
    // and stays so, instead of registering and withdrawing again for every frame.
    let mut closed = std::pin::pin!(outbox.wait_closed(|_| true));
    let mut stop = std::pin::pin!(stopped(&mut shutdown));
    let mut rate = RateLimit::new(
        shared.limits.rate_frames,
        shared.limits.rate_bytes,
        Instant::now(),
    );
    loop {
        // `biased`: the frame is polled first, so the common case polls nothing else.
        let incoming = tokio::select! {
            biased;
            incoming = next_message(stream, pong_seen) => incoming,
            () = &mut closed => return,
            () = &mut stop => return outbox.close(Closed::GoingAway),
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
                () = &mut stop => return outbox.close(Closed::GoingAway),
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::protocol::Role;

    #[tokio::test]
    async fn a_members_future_holds_no_copy_of_its_socket() {
        // As an `async fn`, `serve`'s state kept its socket argument and the writer's future
        // beside the reading future: over this in-memory socket 1,232 bytes, over the relay's
        // own (TLS or TCP under the message deadline) 3,424. Now the socket is split and the
        // writer spawned first: 928 bytes here (ARCHITECTURE.md, "jemalloc and one thread").
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let limits = crate::Limits::default();
        let shared = Arc::new(Shared {
            rooms: crate::rooms::Rooms::new(limits.max_rooms, limits.max_members),
            capacity: crate::capacity::Capacity::new(limits.max_connections, limits.max_per_ip),
            shutdown,
            limits,
        });
        let (_client, server) = tokio::io::duplex(1024);
        let config = crate::socket::socket_config(shared.limits.max_payload);
        let socket = WebSocketStream::from_raw_socket(server, Role::Server, Some(config)).await;
        let member = serve(socket, shared, Admission::Admitted);
        let size = std::mem::size_of_val(&member);
        assert!(size <= 1100, "a member's future is {size} bytes");
        drop(member);
        let _ = stop.send(true);
    }
}
