//! An open-loop load generator for WebSocket relays: Cutout's relay (PROTOCOL.md A) and, as
//! baselines, relays that put everyone who opened the same URL in one room.
//!
//! Open loop: every sender sends on a fixed schedule, whatever the relay does, and latency is
//! measured from the scheduled time, so a relay that stalls is charged for every message it held
//! up (no coordinated omission). When the generator itself cannot keep its schedule it says so
//! ([`fanout::Report::behind`]) and the run does not count.
//!
//! One module per scenario: [`fanout`] (rooms, members and senders), [`idle`] (connections held
//! open) and [`slow`] (a receiver that never reads). [`target`] connects and speaks either
//! protocol; [`stamp`] is what every payload carries; [`usage`] reads the relay's CPU time and
//! memory from /proc.

#![forbid(unsafe_code)]

pub mod fanout;
pub mod idle;
pub mod slow;
pub mod stamp;
pub mod target;
pub mod usage;
