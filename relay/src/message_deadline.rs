//! The deadline for a WebSocket message to arrive whole, watched from the bytes under
//! tungstenite.
//!
//! tungstenite gathers a fragmented message inside its own state and hands the relay only whole
//! messages and control frames: nothing the read loop sees says that a message has begun. A peer
//! could therefore send a first fragment (FIN = 0, up to the message limit), answer every ping,
//! and hold that memory for as long as it liked. So the socket under tungstenite is wrapped, and
//! the wrapper follows the frame headers (RFC 6455 §5.2) in the bytes as they pass: a message is
//! open from the first byte of its first frame to the last byte of its final frame. Whole control
//! frames in between (the pongs that keep a connection alive) neither open nor close one.
//!
//! The clock starts at the end of the first read that leaves a message open and is only looked at
//! while the relay waits for more bytes (the read is pending): time the relay spends not reading,
//! such as a rate-limit pause, never counts against a peer whose bytes are already here. Past the
//! deadline the read fails with [`Overdue`], which the member task answers with ERROR 1 like any
//! other missed deadline.
//!
//! Headers are read only as far as needed to find where frames end; tungstenite still validates
//! every frame and ends the connection on a bad one, so a garbled stream never lives long enough
//! to confuse this count.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The longest frame header: 2 bytes, an 8-byte extended length and a 4-byte mask (RFC 6455
/// §5.2).
const MAX_HEADER: usize = 14;

/// The read error of a message that was not finished in time.
#[derive(Debug, thiserror::Error)]
#[error("a WebSocket message was not finished within the deadline")]
pub struct Overdue;

/// Whether a read error is [`Overdue`] (tungstenite hands it back as an I/O error).
pub fn is_overdue(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|e| e.is::<Overdue>())
}

/// Where the byte stream stands among frames.
#[derive(Debug)]
enum Position {
    /// Reading a header; `len` of its bytes are in `bytes`.
    Header { bytes: [u8; MAX_HEADER], len: usize },
    /// Reading a payload, `left` bytes to go, of a frame with these header bits.
    Payload { left: u64, fin: bool, control: bool },
}

/// Frame boundaries in the bytes a peer sends: fed the stream piece by piece, it says whether a
/// message is open. Public so that the fuzz target `message_frames` can check it against a model.
#[derive(Debug)]
pub struct Frames {
    position: Position,
    /// A data frame without FIN has ended and the message's final frame has not.
    between_fragments: bool,
    /// Messages whose final frame has ended, since the start.
    completed: u64,
}

impl Default for Frames {
    fn default() -> Self {
        Self {
            position: Position::Header {
                bytes: [0; MAX_HEADER],
                len: 0,
            },
            between_fragments: false,
            completed: 0,
        }
    }
}

impl Frames {
    /// Whether a message has begun and not ended (a frame only partly read counts too).
    pub fn open(&self) -> bool {
        self.between_fragments || !matches!(self.position, Position::Header { len: 0, .. })
    }

    /// How many messages have ended (their final data frame read to its last byte).
    pub fn completed(&self) -> u64 {
        self.completed
    }

    /// Follows `data`, the next bytes of the stream.
    pub fn feed(&mut self, mut data: &[u8]) {
        while let Some((&first, rest)) = data.split_first() {
            match &mut self.position {
                Position::Header { bytes, len } => {
                    // `len` stays below MAX_HEADER: a header is complete by 14 bytes at most.
                    if let Some(slot) = bytes.get_mut(*len) {
                        *slot = first;
                    }
                    *len += 1;
                    data = rest;
                    if let Some(payload) = header(&bytes[..(*len).min(MAX_HEADER)]) {
                        self.position = payload;
                        self.end_empty_frame();
                    }
                }
                Position::Payload { left, .. } => {
                    let take = usize::try_from(*left).unwrap_or(usize::MAX).min(data.len());
                    *left -= take as u64;
                    data = &data[take..];
                    self.end_empty_frame();
                }
            }
        }
    }

    /// Moves past a frame whose payload is all read.
    fn end_empty_frame(&mut self) {
        let Position::Payload {
            left: 0,
            fin,
            control,
        } = self.position
        else {
            return;
        };
        // A control frame may sit between fragments and changes nothing (RFC 6455 §5.4).
        if !control {
            self.between_fragments = !fin;
            if fin {
                self.completed += 1;
            }
        }
        self.position = Position::Header {
            bytes: [0; MAX_HEADER],
            len: 0,
        };
    }
}

/// The payload position once `bytes` hold a whole header, or `None` while more are needed.
fn header(bytes: &[u8]) -> Option<Position> {
    let (&b0, rest) = bytes.split_first()?;
    let (&b1, rest) = rest.split_first()?;
    let extended = match b1 & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if b1 & 0x80 != 0 { 4 } else { 0 };
    if rest.len() < extended + mask {
        return None;
    }
    let left = match extended {
        0 => u64::from(b1 & 0x7f),
        n => rest[..n]
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    };
    Some(Position::Payload {
        left,
        fin: b0 & 0x80 != 0,
        // Opcodes 0x8 and above are control frames (RFC 6455 §5.5).
        control: b0 & 0x08 != 0,
    })
}

/// A peer's socket with the message deadline applied to its reads.
pub struct MessageDeadline<S> {
    inner: S,
    frames: Frames,
    limit: Duration,
    /// When the open message was first seen unfinished.
    opened: Option<Instant>,
    /// Armed only while the relay waits for an open message's bytes, so an idle connection
    /// holds no timer.
    timer: Option<Pin<Box<Sleep>>>,
}

impl<S> MessageDeadline<S> {
    /// Wraps `inner`: every message read through it must be whole within `limit`.
    pub fn new(inner: S, limit: Duration) -> Self {
        Self {
            inner,
            frames: Frames::default(),
            limit,
            opened: None,
            timer: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for MessageDeadline<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let done = this.frames.completed();
                this.frames.feed(&buf.filled()[before..]);
                if !this.frames.open() {
                    this.opened = None;
                    this.timer = None;
                } else if this.opened.is_none() || this.frames.completed() != done {
                    // A message began here (after another ended, perhaps in the same read):
                    // its own deadline starts now.
                    this.opened = Some(Instant::now());
                    this.timer = None;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                let Some(opened) = this.opened else {
                    return Poll::Pending;
                };
                let deadline = opened + this.limit;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::other(Overdue))),
                    Poll::Pending => Poll::Pending,
                }
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for MessageDeadline<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const CONTINUATION: u8 = 0x0;
    const BINARY: u8 = 0x2;
    const PING: u8 = 0x9;
    const PONG: u8 = 0xa;

    /// A client frame (masked) with a payload of `len` bytes.
    fn frame(fin: bool, opcode: u8, len: usize) -> Vec<u8> {
        let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
        match len {
            0..=125 => out.push(0x80 | len as u8),
            126..=0xffff => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&[0x11, 0x22, 0x33, 0x44]);
        out.extend(std::iter::repeat_n(0xab, len));
        out
    }

    /// A stream's frames, each with whether a message is still open after it.
    type Stream = Vec<(Vec<u8>, bool)>;

    fn cases() -> Vec<(&'static str, Stream)> {
        vec![
            ("one small frame", vec![(frame(true, BINARY, 5), false)]),
            ("an empty frame", vec![(frame(true, BINARY, 0), false)]),
            ("16-bit length", vec![(frame(true, BINARY, 300), false)]),
            ("64-bit length", vec![(frame(true, BINARY, 70_000), false)]),
            (
                "fragments with control frames between",
                vec![
                    (frame(false, BINARY, 10), true),
                    (frame(true, PONG, 0), true),
                    (frame(false, CONTINUATION, 200), true),
                    (frame(true, PING, 4), true),
                    (frame(true, CONTINUATION, 3), false),
                    (frame(true, PONG, 2), false),
                    (frame(true, BINARY, 1), false),
                ],
            ),
        ]
    }

    #[test]
    fn a_message_is_open_from_its_first_byte_to_its_last() {
        for (name, frames) in cases() {
            let mut watch = Frames::default();
            assert!(!watch.open(), "{name}: nothing read yet");
            for (i, (bytes, open_after)) in frames.iter().enumerate() {
                for (j, byte) in bytes.iter().enumerate() {
                    watch.feed(&[*byte]);
                    let expected = if j + 1 == bytes.len() {
                        *open_after
                    } else {
                        true
                    };
                    assert_eq!(watch.open(), expected, "{name}: frame {i}, byte {j}");
                }
            }
        }
    }

    #[test]
    fn how_reads_split_the_stream_changes_nothing() {
        for (name, frames) in cases() {
            let stream: Vec<u8> = frames.iter().flat_map(|(b, _)| b.clone()).collect();
            let last = frames.last().is_some_and(|(_, open)| *open);
            for split in 0..=stream.len() {
                let mut watch = Frames::default();
                watch.feed(&stream[..split]);
                watch.feed(&stream[split..]);
                assert_eq!(watch.open(), last, "{name}: split at {split}");
            }
        }
    }

    #[tokio::test]
    async fn a_first_fragment_left_unfinished_fails_the_read_at_the_deadline() {
        let limit = Duration::from_millis(50);
        let (mut peer, relay_side) = tokio::io::duplex(1024);
        let mut socket = MessageDeadline::new(relay_side, limit);
        let started = Instant::now();
        peer.write_all(&frame(false, BINARY, 20)).await.unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(socket.read(&mut buf).await.unwrap(), 26);
        // A pong between fragments keeps the peer alive but not its message.
        peer.write_all(&frame(true, PONG, 0)).await.unwrap();
        assert_eq!(socket.read(&mut buf).await.unwrap(), 6);
        let err = socket.read(&mut buf).await.unwrap_err();
        assert!(is_overdue(&err), "{err}");
        assert!(started.elapsed() >= limit);
    }

    /// Found by review: the clock was reset only by a read that left no message open, so a
    /// sender whose reads always ended mid-frame (a busy socket) was cut off although each of its
    /// messages was whole within the limit.
    #[tokio::test(start_paused = true)]
    async fn each_message_has_its_own_deadline_when_reads_straddle_them() {
        let limit = Duration::from_millis(100);
        let (mut peer, relay_side) = tokio::io::duplex(4096);
        let mut socket = MessageDeadline::new(relay_side, limit);
        let message = frame(true, BINARY, 100);
        let half = message.len() / 2;
        let mut buf = vec![0u8; 4096];
        peer.write_all(&message[..half]).await.unwrap();
        assert_eq!(socket.read(&mut buf).await.unwrap(), half);
        // Every 30 ms the end of one message and the start of the next, in one write: each
        // message is whole 30 ms after it began, ten of them 300 ms in all.
        for k in 0..10 {
            let writer = async {
                tokio::time::sleep(Duration::from_millis(30)).await;
                let mut piece = message[half..].to_vec();
                piece.extend_from_slice(&message[..half]);
                peer.write_all(&piece).await.unwrap();
            };
            let (read, ()) = tokio::join!(socket.read(&mut buf), writer);
            assert!(read.is_ok(), "cut off after {k} messages: {read:?}");
        }
        // And the last one, left unfinished, still meets its deadline.
        let err = socket.read(&mut buf).await.unwrap_err();
        assert!(is_overdue(&err), "{err}");
    }

    #[tokio::test]
    async fn a_whole_message_arms_no_deadline() {
        let limit = Duration::from_millis(20);
        let (mut peer, relay_side) = tokio::io::duplex(1024);
        let mut socket = MessageDeadline::new(relay_side, limit);
        peer.write_all(&frame(false, BINARY, 20)).await.unwrap();
        peer.write_all(&frame(true, CONTINUATION, 20))
            .await
            .unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(socket.read(&mut buf).await.unwrap(), 52);
        assert!(socket.timer.is_none() && socket.opened.is_none());
        // Idle after a whole message: the read waits for the peer, however long.
        let idle = tokio::time::timeout(limit * 5, socket.read(&mut buf)).await;
        assert!(idle.is_err(), "{idle:?}");
    }
}
