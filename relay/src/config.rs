//! The relay's configuration: the command line (with `CUTOUT_…` environment fallbacks) parsed once
//! at the edge into a validated [`Config`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::Parser;
use wire::limits;

/// Command line of `relay`. The flags are a stable surface: tests outside the repository use them.
#[derive(Debug, Parser)]
#[command(
    name = "relay",
    version,
    about = "Cutout relay: serves the app and forwards ciphertext"
)]
pub struct Cli {
    /// Address for plain HTTP (port 0 picks a free port).
    #[arg(long, env = "CUTOUT_HTTP", default_value = "0.0.0.0:8080")]
    pub http: SocketAddr,

    /// Address for HTTPS, or `off`.
    #[arg(long, env = "CUTOUT_HTTPS", default_value = "0.0.0.0:8443")]
    pub https: Listen,

    /// Directory holding the built app (trunk's output).
    #[arg(long, env = "CUTOUT_DIST", default_value = "dist")]
    pub dist: PathBuf,

    /// Directory for the relay's own TLS material; defaults to the user's data directory.
    #[arg(long, env = "CUTOUT_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Origin to advertise in invites instead of the detected LAN addresses (repeatable).
    #[arg(long = "advertise", env = "CUTOUT_ADVERTISE", value_delimiter = ',')]
    pub advertise: Vec<String>,

    /// Largest frame payload in bytes.
    #[arg(long, env = "CUTOUT_MAX_PAYLOAD", default_value_t = limits::MAX_PAYLOAD)]
    pub max_payload: usize,

    /// Members per room.
    #[arg(long, env = "CUTOUT_MAX_MEMBERS", default_value_t = limits::MAX_MEMBERS_PER_ROOM)]
    pub max_members: usize,

    /// Rooms on this relay.
    #[arg(long, env = "CUTOUT_MAX_ROOMS", default_value_t = limits::MAX_ROOMS)]
    pub max_rooms: usize,

    /// Connections on this relay.
    #[arg(long, env = "CUTOUT_MAX_CONNECTIONS", default_value_t = limits::MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// Connections per client IP address (0 = no cap).
    #[arg(long, env = "CUTOUT_MAX_PER_IP", default_value_t = limits::MAX_CONNECTIONS_PER_IP)]
    pub max_per_ip: usize,

    /// Frames per second a connection may send (token bucket, 2 s burst).
    #[arg(long, env = "CUTOUT_RATE_FRAMES", default_value_t = limits::RATE_FRAMES_PER_SECOND)]
    pub rate_frames: u32,

    /// Bytes per second a connection may send (token bucket, 2 s burst).
    #[arg(long, env = "CUTOUT_RATE_BYTES", default_value_t = limits::RATE_BYTES_PER_SECOND)]
    pub rate_bytes: u64,

    /// Frames a connection's send queue holds before the slow receiver is cut off.
    #[arg(long, env = "CUTOUT_QUEUE_FRAMES", default_value_t = limits::SEND_QUEUE_FRAMES)]
    pub queue_frames: usize,

    /// Bytes a connection's send queue holds before the slow receiver is cut off.
    #[arg(long, env = "CUTOUT_QUEUE_BYTES", default_value_t = limits::SEND_QUEUE_BYTES)]
    pub queue_bytes: usize,

    /// Milliseconds a new WebSocket has to send JOIN (also: the TLS handshake and request head).
    #[arg(long, env = "CUTOUT_DEADLINE_MS", default_value_t = millis(limits::JOIN_DEADLINE))]
    pub deadline_ms: u64,

    /// Milliseconds between WebSocket pings; a ping unanswered by the next one closes.
    #[arg(long, env = "CUTOUT_PING_MS", default_value_t = millis(limits::PING_INTERVAL))]
    pub ping_ms: u64,

    /// Milliseconds a WebSocket message may take from its first byte to its last, fragments
    /// included; a message still unfinished then earns ERROR 1 and a close.
    #[arg(long, env = "CUTOUT_MESSAGE_MS", default_value_t = millis(MESSAGE_DEADLINE))]
    pub message_ms: u64,

    /// Largest file, in bytes, the app offers and accepts in rooms (advertised in /relay-info;
    /// the relay itself never sees files, only 64 KiB chunks).
    #[arg(long, env = "CUTOUT_MAX_FILE_SIZE", default_value_t = limits::MAX_FILE_SIZE)]
    pub max_file_size: u64,
}

/// How long a WebSocket message may take to arrive whole. The largest one (a 128 KiB payload)
/// takes about a second at 1 Mbit/s, slower than any Wi-Fi a phone on the LAN keeps; ten times
/// that is generous, and still half the ping interval that was all that ended an unfinished
/// message before (a peer that answers pings was never ended at all).
pub const MESSAGE_DEADLINE: Duration = Duration::from_secs(10);

const fn millis(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// Every limit of PROTOCOL.md A, as configured.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest payload (what follows the type byte, and for SEND_TO the `to`).
    pub max_payload: usize,
    /// Members per room.
    pub max_members: usize,
    /// Rooms on the relay.
    pub max_rooms: usize,
    /// Connections on the relay.
    pub max_connections: usize,
    /// Connections per client IP; `None` means no cap.
    pub max_per_ip: Option<usize>,
    /// Frames per second per connection.
    pub rate_frames: u32,
    /// Bytes per second per connection.
    pub rate_bytes: u64,
    /// Send queue bound in frames.
    pub queue_frames: usize,
    /// Send queue bound in bytes.
    pub queue_bytes: usize,
    /// Deadline for the TLS handshake, the HTTP request head and JOIN.
    pub deadline: Duration,
    /// Interval between WebSocket pings, and how long a pong may take.
    pub ping_interval: Duration,
    /// How long a WebSocket message may take from its first byte to its last.
    pub message_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_payload: limits::MAX_PAYLOAD,
            max_members: limits::MAX_MEMBERS_PER_ROOM,
            max_rooms: limits::MAX_ROOMS,
            max_connections: limits::MAX_CONNECTIONS,
            max_per_ip: Some(limits::MAX_CONNECTIONS_PER_IP),
            rate_frames: limits::RATE_FRAMES_PER_SECOND,
            rate_bytes: limits::RATE_BYTES_PER_SECOND,
            queue_frames: limits::SEND_QUEUE_FRAMES,
            queue_bytes: limits::SEND_QUEUE_BYTES,
            deadline: limits::JOIN_DEADLINE,
            ping_interval: limits::PING_INTERVAL,
            message_deadline: MESSAGE_DEADLINE,
        }
    }
}

/// Where a listener should bind, or that it is switched off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listen {
    /// Bind this address.
    At(SocketAddr),
    /// Do not listen.
    Off,
}

impl FromStr for Listen {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("off") {
            return Ok(Self::Off);
        }
        s.parse()
            .map(Self::At)
            .map_err(|_| format!("expected ADDR:PORT or `off`, got `{s}`"))
    }
}

/// Validated configuration the relay runs with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Directory the app is served from.
    pub dist: PathBuf,
    /// Directory for the relay's own TLS material.
    pub data_dir: PathBuf,
    /// Origins given with `--advertise`; empty means "derive from the bound addresses".
    pub advertise: Vec<String>,
    /// The limits of PROTOCOL.md A.
    pub limits: Limits,
    /// Largest file the app offers and accepts, advertised in `/relay-info`.
    pub max_file_size: u64,
}

/// A configuration the relay cannot start with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The app directory is missing or has no `index.html`.
    #[error(
        "no built app at {0} (expected index.html there; run `cargo xtask run`, or pass --dist)"
    )]
    MissingDist(PathBuf),
    /// No data directory was given and the platform has none.
    #[error("no data directory: pass --data-dir")]
    NoDataDir,
    /// An `--advertise` value is not an `http://` or `https://` origin.
    #[error("--advertise {0}: expected an origin such as https://192.168.1.5:8443")]
    BadOrigin(String),
    /// A limit is zero where zero would stop the relay from working.
    #[error("--{0} must be at least 1")]
    ZeroLimit(&'static str),
    /// Limits that cannot work together.
    #[error("{0}")]
    Inconsistent(&'static str),
}

impl Cli {
    /// Checks the command line and turns it into a [`Config`].
    pub fn into_config(self) -> Result<Config, ConfigError> {
        if !self.dist.join("index.html").is_file() {
            return Err(ConfigError::MissingDist(self.dist));
        }
        let data_dir = match self.data_dir {
            Some(dir) => dir,
            None => dirs::data_dir()
                .ok_or(ConfigError::NoDataDir)?
                .join("cutout"),
        };
        for origin in &self.advertise {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains('/') => {}
                _ => return Err(ConfigError::BadOrigin(origin.clone())),
            }
        }
        let positive = |name: &'static str, value: u64| {
            if value == 0 {
                Err(ConfigError::ZeroLimit(name))
            } else {
                Ok(())
            }
        };
        positive("max-payload", self.max_payload as u64)?;
        positive("max-members", self.max_members as u64)?;
        positive("max-rooms", self.max_rooms as u64)?;
        positive("max-connections", self.max_connections as u64)?;
        positive("rate-frames", u64::from(self.rate_frames))?;
        positive("rate-bytes", self.rate_bytes)?;
        positive("queue-frames", self.queue_frames as u64)?;
        positive("queue-bytes", self.queue_bytes as u64)?;
        positive("deadline-ms", self.deadline_ms)?;
        positive("ping-ms", self.ping_ms)?;
        positive("message-ms", self.message_ms)?;
        // WELCOME counts members in a u16 and states the payload limit in a u32 (PROTOCOL.md A).
        if self.max_members > usize::from(u16::MAX) {
            return Err(ConfigError::Inconsistent(
                "--max-members must be at most 65535",
            ));
        }
        if self.max_payload > 1 << 30 {
            return Err(ConfigError::Inconsistent(
                "--max-payload must be at most 1 GiB",
            ));
        }
        // A send queue must hold at least one largest frame, or every large frame cuts its
        // receivers off as too slow.
        if self.queue_bytes < self.max_payload + limits::DELIVER_OVERHEAD {
            return Err(ConfigError::Inconsistent(
                "--queue-bytes must be at least --max-payload plus 5",
            ));
        }
        let limits = Limits {
            max_payload: self.max_payload,
            max_members: self.max_members,
            max_rooms: self.max_rooms,
            max_connections: self.max_connections,
            max_per_ip: (self.max_per_ip > 0).then_some(self.max_per_ip),
            rate_frames: self.rate_frames,
            rate_bytes: self.rate_bytes,
            queue_frames: self.queue_frames,
            queue_bytes: self.queue_bytes,
            deadline: Duration::from_millis(self.deadline_ms),
            ping_interval: Duration::from_millis(self.ping_ms),
            message_deadline: Duration::from_millis(self.message_ms),
        };
        Ok(Config {
            dist: self.dist,
            data_dir,
            advertise: self.advertise,
            limits,
            max_file_size: self.max_file_size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_parses_off_and_addresses() {
        assert_eq!("off".parse::<Listen>(), Ok(Listen::Off));
        assert_eq!(
            "127.0.0.1:0".parse::<Listen>(),
            Ok(Listen::At(SocketAddr::from(([127, 0, 0, 1], 0))))
        );
        assert!("nonsense".parse::<Listen>().is_err());
    }

    #[test]
    fn config_rejects_limits_that_cannot_work_together() {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("index.html"), "").unwrap();
        let with = |extra: &[&str]| {
            let mut args = vec!["relay", "--dist", dist.path().to_str().unwrap()];
            args.extend_from_slice(extra);
            Cli::parse_from(args).into_config()
        };
        assert!(with(&[]).is_ok());
        assert!(with(&["--message-ms", "0"]).is_err());
        assert!(with(&["--queue-bytes", "1000"]).is_err());
        assert!(with(&["--max-members", "70000"]).is_err());
        assert!(with(&["--max-payload", "2000000000", "--queue-bytes", "4000000000"]).is_err());
    }

    #[test]
    fn config_rejects_missing_dist() {
        let cli = Cli::parse_from(["relay", "--dist", "/nonexistent/cutout-dist"]);
        assert!(matches!(
            cli.into_config(),
            Err(ConfigError::MissingDist(_))
        ));
    }
}
