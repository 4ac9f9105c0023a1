//! A connection's buffers after a large frame: tungstenite, with the relay's own settings
//! (`relay::socket::socket_config`), gives back what a 64 KiB frame made it grow, both ways, so
//! a member that once carried a file chunk costs an idle member's memory again (ARCHITECTURE.md,
//! the decision on `/ws`). Run over an in-memory socket, so nothing here depends on timing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, Cursor, Read, Write};

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
        self.outgoing.extend_from_slice(buf);
        Ok(buf.len())
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
    let mut socket = relay_socket(Vec::new());
    socket.send(binary(LARGE)).unwrap();
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
