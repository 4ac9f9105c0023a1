//! Cutout's relay: serves the built app and (soon) forwards opaque frames between the members of
//! a room. It never sees a key, a name or a plaintext, and writes nothing to disk but its own TLS
//! material.
//!
//! Shaped after mini-redis: [`run`] takes bound listeners and a shutdown future, so tests bind
//! `127.0.0.1:0` and stop the relay when they are done.

#![forbid(unsafe_code)]

pub mod banner;
pub mod config;
pub mod origins;
pub mod routes;
pub mod server;

use std::future::Future;

use tokio::net::TcpListener;

pub use config::{Cli, Config, ConfigError, Listen};

/// The sockets the relay serves, bound by the caller.
#[derive(Debug)]
pub struct Listeners {
    /// Plain HTTP.
    pub http: TcpListener,
}

/// Serves the app until `shutdown` resolves.
pub async fn run(listeners: Listeners, config: Config, shutdown: impl Future<Output = ()>) {
    let routes = routes::routes(&config.dist);
    server::serve(listeners.http, routes, shutdown).await;
}
