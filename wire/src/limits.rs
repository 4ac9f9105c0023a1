//! Default limits of the relay (PROTOCOL.md A, "Limits"). Every one is configurable in the relay;
//! these are the defaults it starts from and the values clients may assume.

use core::time::Duration;

/// The wire version this crate speaks: the first body byte of JOIN (PROTOCOL.md A).
pub const WIRE_VERSION: u8 = 0x01;

/// Largest payload a relay accepts by default: 128 KiB, so a 64 KiB file chunk with its headers
/// fits (PROTOCOL.md A). "Payload" is what follows the type byte, and for SEND_TO also the `to`.
pub const MAX_PAYLOAD: usize = 128 * 1024;

/// Bytes that precede a payload in the longest-headed client frame, SEND_TO:
/// type(1) ‖ to(4) (PROTOCOL.md A).
pub const CLIENT_FRAME_OVERHEAD: usize = 1 + 4;

/// Bytes that precede a payload in DELIVER: type(1) ‖ from(4) (PROTOCOL.md A).
pub const DELIVER_OVERHEAD: usize = 1 + 4;

/// Largest client frame carrying a payload of [`MAX_PAYLOAD`] bytes. The WebSocket message limit
/// must sit above this (PROTOCOL.md A) so that an oversized payload earns ERROR 3, not a bare 1009.
pub const MAX_CLIENT_FRAME: usize = MAX_PAYLOAD + CLIENT_FRAME_OVERHEAD;

/// Largest file the app offers and accepts by default: 4 GiB. The relay only advertises it
/// (in `/relay-info`); it never sees files, only their chunks.
pub const MAX_FILE_SIZE: u64 = 4 * 1024 * 1024 * 1024;

/// Members per room by default (PROTOCOL.md A).
pub const MAX_MEMBERS_PER_ROOM: usize = 64;

/// Rooms per relay by default (PROTOCOL.md A).
pub const MAX_ROOMS: usize = 10_000;

/// Connections per relay by default (PROTOCOL.md A).
pub const MAX_CONNECTIONS: usize = 10_000;

/// Connections per client IP address by default (PROTOCOL.md A); past it the relay answers
/// ERROR 5.
pub const MAX_CONNECTIONS_PER_IP: usize = 256;

/// Per-connection frame rate by default: 2 000 frames/s, a token bucket enforced by backpressure
/// (PROTOCOL.md A).
pub const RATE_FRAMES_PER_SECOND: u32 = 2_000;

/// Per-connection byte rate by default: 64 MiB/s, a token bucket enforced by backpressure
/// (PROTOCOL.md A).
pub const RATE_BYTES_PER_SECOND: u64 = 64 * 1024 * 1024;

/// Burst of both per-connection token buckets: they hold 2 s worth of tokens (PROTOCOL.md A).
pub const RATE_BURST: Duration = Duration::from_secs(2);

/// Frames a connection's send queue holds by default before the slow receiver is disconnected
/// with ERROR 7 (PROTOCOL.md A).
pub const SEND_QUEUE_FRAMES: usize = 512;

/// Bytes a connection's send queue holds by default before the slow receiver is disconnected
/// with ERROR 7 (PROTOCOL.md A).
pub const SEND_QUEUE_BYTES: usize = 4 * 1024 * 1024;

/// How often the relay sends a WebSocket ping (PROTOCOL.md A, "liveness").
pub const PING_INTERVAL: Duration = Duration::from_secs(20);

/// How long the relay waits for the pong before closing (PROTOCOL.md A, "liveness").
pub const PONG_TIMEOUT: Duration = Duration::from_secs(20);

/// Deadline for a TLS handshake (PROTOCOL.md A, "deadlines").
pub const TLS_HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);

/// Deadline for an HTTP request head (PROTOCOL.md A, "deadlines").
pub const REQUEST_HEAD_DEADLINE: Duration = Duration::from_secs(10);

/// Deadline for the JOIN frame after a WebSocket connects; missing it earns ERROR 1
/// (PROTOCOL.md A, "deadlines").
pub const JOIN_DEADLINE: Duration = Duration::from_secs(10);
