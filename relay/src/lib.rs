//! Cutout's relay: serves the built app and forwards opaque frames between the members of a room
//! (PROTOCOL.md A). It never sees a key, a name or a plaintext, and writes nothing to disk but its
//! own TLS material.
//!
//! Shaped after mini-redis, one module per layer: [`server`] accepts connections and hands
//! `/ws` to [`socket`], which upgrades it and runs a [`member`]; members meet in [`rooms`] and
//! talk through bounded [`outbox`]es, which their [`writer`]s drain. [`run`] takes bound
//! listeners and a shutdown future, so tests bind `127.0.0.1:0` and stop the relay when they
//! are done.

#![forbid(unsafe_code)]

pub mod banner;
pub mod bucket;
pub mod ca;
pub mod capacity;
pub mod config;
pub mod headers;
pub mod info;
pub mod member;
pub mod message_deadline;
pub mod origins;
pub mod outbox;
pub mod rooms;
pub mod routes;
pub mod server;
pub mod socket;
pub mod tls;
pub mod writer;

#[cfg(test)]
mod stalling_sink;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::{Cli, Config, ConfigError, Limits, Listen};

/// The sockets the relay serves, bound by the caller.
pub struct Listeners {
    /// Plain HTTP.
    pub http: TcpListener,
    /// HTTPS, with the TLS material it serves.
    pub https: Option<(TcpListener, tls::Tls)>,
}

/// State every connection shares.
pub struct Shared {
    /// The limits of PROTOCOL.md A.
    pub limits: Limits,
    /// Rooms and their members.
    pub rooms: rooms::Rooms,
    /// Open connections, relay-wide and per address.
    pub capacity: Arc<capacity::Capacity>,
    /// Becomes `true` when the relay shuts down.
    pub shutdown: watch::Receiver<bool>,
}

/// Serves the app and rooms until `shutdown` resolves; members get a 1001 close.
pub async fn run(listeners: Listeners, config: Config, shutdown: impl Future<Output = ()>) {
    let (stopping, stop_rx) = watch::channel(false);
    let limits = config.limits.clone();
    let shared = Arc::new(Shared {
        rooms: rooms::Rooms::new(limits.max_rooms, limits.max_members),
        capacity: capacity::Capacity::new(limits.max_connections, limits.max_per_ip),
        shutdown: stop_rx,
        limits,
    });
    let https_addr = listeners
        .https
        .as_ref()
        .and_then(|(l, _)| l.local_addr().ok());
    let origins = match listeners.http.local_addr() {
        Ok(http) => origins::advertised(http, https_addr, &config.advertise),
        Err(_) => Vec::new(),
    };
    let (https, fingerprint, ca_pem, earlier_ca) = match listeners.https {
        Some((listener, tls)) => (
            Some((listener, tls.acceptor)),
            Some(tls.ca_fingerprint),
            Some(tls.ca_pem),
            tls.earlier_ca,
        ),
        None => (None, None, None, None),
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let info = info::RelayInfo::new(origins, fingerprint, config.max_file_size)
        .with_earlier_ca(earlier_ca, now);
    let routes = routes::routes(&config.dist, info, ca_pem);
    let http = server::serve(listeners.http, None, routes.clone(), shared.clone());
    let https = async {
        match https {
            Some((listener, acceptor)) => {
                server::serve(listener, Some(acceptor), routes, shared.clone()).await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = http => {}
        () = https => {}
        () = shutdown => {}
    }
    let _ = stopping.send(true);
    server::drain(&shared).await;
}
