//! A connection's buffers after a large frame: tungstenite, with the relay's own settings
//! (`relay::socket::socket_config`), gives back what a 64 KiB frame made it grow, both ways, so
//! a member that once carried a file chunk costs an idle member's memory again (ARCHITECTURE.md,
//! the decision on `/ws`), and writes a large frame without copying it into a buffer at all.
//! Run over an in-memory socket, so nothing here depends on timing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, Cursor, IoSlice, Read, Write};

use tungstenite::protocol::{Role, WebSocket};
use tungstenite::{Bytes, Message};

/// The payload of a large frame: a file chunk.
const LARGE: usize = 64 * 1024;

/// What an idle connection's read or write buffer may hold: the 2 KiB read buffer, with room.
const IDLE_BOUND: usize = 4 * 1024;

/// One end of a connection: reads what the peer sent, keeps what this end writes.
#[derive(Default)]
struct Wire {
    incoming: Cursor<Vec<u8>>,
    outgoing: Vec<u8>,
    /// Reads that returned bytes: the system calls a socket would have taken.
    reads: usize,
    /// The most one read may return, as a socket that has only so much waiting (0: no bound).
    trickle: usize,
    /// Writes that were offered bytes: the system calls a socket would have taken.
    writes: usize,
    /// What the socket's send buffer still takes before a write would block (`None`: no bound).
    room: Option<usize>,
    /// Where each slice a write was offered began: whether a payload was copied on the way.
    offered: Vec<*const u8>,
    /// The next write fails, as a system call interrupted by a signal.
    fail_next: bool,
}

impl Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let most = if self.trickle == 0 {
            buf.len()
        } else {
            buf.len().min(self.trickle)
        };
        self.reads += 1;
        match self.incoming.read(&mut buf[..most])? {
            0 => Err(io::ErrorKind::WouldBlock.into()),
            n => Ok(n),
        }
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }
    /// As a socket's `writev`: one call takes from every slice in turn, up to the room left.
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.writes += 1;
        self.offered.extend(bufs.iter().map(|b| b.as_ptr()));
        if std::mem::take(&mut self.fail_next) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        if self.room == Some(0) && bufs.iter().any(|b| !b.is_empty()) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let mut taken = 0;
        for buf in bufs {
            let most = self.room.map_or(buf.len(), |room| room.min(buf.len()));
            self.outgoing.extend_from_slice(&buf[..most]);
            taken += most;
            if let Some(room) = &mut self.room {
                *room -= most;
            }
        }
        Ok(taken)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The bytes a client puts on the wire (masked, as clients must) for `messages`.
fn client_bytes(messages: &[Message]) -> Vec<u8> {
    let mut client = WebSocket::from_raw_socket(Wire::default(), Role::Client, None);
    for message in messages {
        client.send(message.clone()).unwrap();
    }
    std::mem::take(&mut client.get_mut().outgoing)
}

fn relay_socket(incoming: Vec<u8>) -> WebSocket<Wire> {
    let config = relay::socket::socket_config(relay::Limits::default().max_payload);
    let wire = Wire {
        incoming: Cursor::new(incoming),
        ..Wire::default()
    };
    WebSocket::from_raw_socket(wire, Role::Server, Some(config))
}

fn binary(len: usize) -> Message {
    Message::Binary(Bytes::from(vec![7u8; len]))
}

#[test]
fn a_large_frame_leaves_no_share_of_its_allocation_to_the_connection() {
    // tungstenite reserves a large frame's whole length in its read buffer and hands the frame out
    // as a view of that allocation. Were the buffer to keep its share, the allocation would be
    // reused for later frames and live as long as the connection; the frame must own it alone,
    // so that it goes when the frame does.
    let bytes = client_bytes(&[binary(LARGE), binary(16)]);
    let mut socket = relay_socket(bytes);
    let Message::Binary(large) = socket.read().unwrap() else {
        panic!("binary expected");
    };
    assert_eq!(large.len(), LARGE);
    assert!(
        large.is_unique(),
        "the read buffer still holds the large frame's allocation"
    );
    let Message::Binary(small) = socket.read().unwrap() else {
        panic!("binary expected");
    };
    assert_eq!(small.len(), 16, "the frame after it is read whole");
}

#[test]
fn write_buffer_is_given_back_once_a_large_frame_is_written() {
    // A receiver that is behind takes part of the frame; the rest waits in the write buffer,
    // which must not keep the frame's size once it has gone out.
    let mut socket = relay_socket(Vec::new());
    socket.get_mut().room = Some(1000);
    assert!(
        socket.send(binary(LARGE)).is_err(),
        "the socket took it all"
    );
    assert!(
        socket.write_buffer_capacity() > LARGE / 2,
        "the rest was buffered"
    );
    socket.get_mut().room = None;
    socket.flush().unwrap();
    assert!(
        socket.get_ref().outgoing.len() > LARGE,
        "the frame went out"
    );
    let write = socket.write_buffer_capacity();
    assert!(write <= IDLE_BOUND, "write buffer kept {write} bytes");
}

#[test]
fn small_frames_keep_their_write_buffer() {
    // Small deliveries, the common case, reuse one small allocation instead of one each.
    let mut socket = relay_socket(Vec::new());
    socket.send(binary(256)).unwrap();
    let write = socket.write_buffer_capacity();
    assert!(write > 0 && write <= IDLE_BOUND);
}

#[test]
fn a_large_frame_is_read_in_few_reads_after_its_header() {
    // The idle read buffer is 2 KiB; once a frame's length is known and reserved, its rest is
    // read 16 KiB at a time (vendor/tungstenite, "Cutout:"): 64 KiB in 32 reads was twice
    // the system calls of the relays it is measured against.
    let mut socket = relay_socket(client_bytes(&[binary(LARGE)]));
    let Message::Binary(large) = socket.read().unwrap() else {
        panic!("binary expected");
    };
    assert_eq!(large.len(), LARGE);
    let reads = socket.get_ref().reads;
    assert!(
        reads <= 1 + LARGE / (16 * 1024) + 1,
        "{reads} reads for a 64 KiB frame"
    );
}

#[test]
fn a_large_frame_sent_a_few_bytes_at_a_time_arrives_whole() {
    let mut socket = relay_socket(client_bytes(&[binary(LARGE), binary(16)]));
    socket.get_mut().trickle = 5;
    let Message::Binary(large) = socket.read().unwrap() else {
        panic!("binary expected");
    };
    assert_eq!(large.len(), LARGE);
    assert!(
        large.iter().all(|&b| b == 7),
        "the payload unmasked as sent"
    );
    let Message::Binary(small) = socket.read().unwrap() else {
        panic!("binary expected");
    };
    assert_eq!(small.len(), 16);
}

/// A payload whose every byte says where it is, so a byte lost, doubled or moved shows.
fn numbered(len: usize) -> Message {
    Message::Binary(
        (0..len)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>()
            .into(),
    )
}

/// What a client reads from the bytes the relay's socket wrote.
fn as_received(bytes: Vec<u8>) -> Vec<Message> {
    let wire = Wire {
        incoming: Cursor::new(bytes),
        ..Wire::default()
    };
    let mut client = WebSocket::from_raw_socket(wire, Role::Client, None);
    let mut messages = Vec::new();
    while let Ok(message) = client.read() {
        messages.push(message);
    }
    messages
}

#[test]
fn a_large_frame_is_written_in_one_call_without_the_write_buffer() {
    // A relay sends each 64 KiB chunk to every member of a room: copied into each member's
    // write buffer first, it cost a copy and an allocation per member (vendor/tungstenite,
    // "Cutout:"). Header and payload go to the socket together, as they are.
    let mut socket = relay_socket(Vec::new());
    let Message::Binary(payload) = numbered(LARGE) else {
        unreachable!()
    };
    socket.send(Message::Binary(payload.clone())).unwrap();
    assert_eq!(
        socket.get_ref().writes,
        1,
        "one write for header and payload"
    );
    assert!(
        socket.get_ref().offered.contains(&payload.as_ptr()),
        "the socket was offered a copy of the payload, not the payload"
    );
    let sent = std::mem::take(&mut socket.get_mut().outgoing);
    assert_eq!(as_received(sent), [numbered(LARGE)]);
}

#[test]
fn a_large_frame_the_socket_takes_in_part_goes_out_whole_and_in_order() {
    // A receiver that is behind: the socket takes part of the frame (part of its header, or part
    // of its payload), the rest waits in the buffer, and what is sent after it follows it.
    for room in [0, 3, 10, 11, 5_000, LARGE + 9] {
        let mut socket = relay_socket(Vec::new());
        socket.get_mut().room = Some(room);
        match socket.send(numbered(LARGE)) {
            Ok(()) => panic!("room for {room} bytes took a {LARGE}-byte frame"),
            Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("room {room}: {e}"),
        }
        assert_eq!(socket.get_ref().outgoing.len(), room);
        socket.get_mut().room = None;
        socket.flush().unwrap();
        socket.send(numbered(300)).unwrap();
        let sent = std::mem::take(&mut socket.get_mut().outgoing);
        assert_eq!(
            as_received(sent),
            [numbered(LARGE), numbered(300)],
            "room for {room} bytes"
        );
    }
}

#[test]
fn frames_sent_while_a_large_one_waits_go_out_behind_it() {
    // Only a frame with nothing buffered before it may go to the socket directly: a second
    // large frame sent while the first one's rest waits must queue behind it, not overtake it.
    let mut socket = relay_socket(Vec::new());
    for message in [numbered(LARGE), numbered(LARGE - 1), numbered(300)] {
        // The socket has sent some of what it held and takes a little more each time.
        socket.get_mut().room = Some(3_000);
        match socket.write(message) {
            Ok(()) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
    socket.get_mut().room = None;
    socket.flush().unwrap();
    let sent = std::mem::take(&mut socket.get_mut().outgoing);
    assert_eq!(
        as_received(sent),
        [numbered(LARGE), numbered(LARGE - 1), numbered(300)]
    );
    let write = socket.write_buffer_capacity();
    assert!(write <= IDLE_BOUND, "write buffer kept {write} bytes");
}

#[test]
fn a_large_frame_whose_write_failed_is_kept_for_the_next_attempt() {
    // tungstenite's promise: after a failed write the frame stays buffered and goes out on
    // the next flush.
    let mut socket = relay_socket(Vec::new());
    socket.get_mut().fail_next = true;
    match socket.send(numbered(LARGE)) {
        Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::Interrupted => {}
        other => panic!("{other:?}"),
    }
    socket.flush().unwrap();
    let sent = std::mem::take(&mut socket.get_mut().outgoing);
    assert_eq!(as_received(sent), [numbered(LARGE)]);
}

/// A socket for tokio-tungstenite that keeps what it is given and where each slice began.
#[derive(Default)]
struct AsyncWire {
    outgoing: Vec<u8>,
    offered: Vec<*const u8>,
}

impl tokio::io::AsyncRead for AsyncWire {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        _: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Pending
    }
}

impl tokio::io::AsyncWrite for AsyncWire {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }
    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> std::task::Poll<io::Result<usize>> {
        let wire = self.get_mut();
        for buf in bufs {
            wire.offered.push(buf.as_ptr());
            wire.outgoing.extend_from_slice(buf);
        }
        std::task::Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
    }
    fn is_write_vectored(&self) -> bool {
        true
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn tokio_tungstenite_passes_the_vectored_write_to_the_socket() {
    // tokio-tungstenite's bridge to tungstenite wrote only the first slice of a vectored write
    // (the frame's header), which would have cost a second system call for the payload
    // (vendor/tokio-tungstenite, "Cutout:").
    use futures_util::SinkExt;
    let config = relay::socket::socket_config(relay::Limits::default().max_payload);
    let mut socket = tokio_tungstenite::WebSocketStream::from_raw_socket(
        AsyncWire::default(),
        Role::Server,
        Some(config),
    )
    .await;
    let Message::Binary(payload) = numbered(LARGE) else {
        unreachable!()
    };
    socket.send(Message::Binary(payload.clone())).await.unwrap();
    let wire = socket.get_ref();
    assert!(
        wire.offered.contains(&payload.as_ptr()),
        "the socket was offered a copy of the payload, not the payload"
    );
    assert_eq!(as_received(wire.outgoing.clone()), [numbered(LARGE)]);
}
