//! The accept loop: one task per TCP connection, served by hyper with the warp routes.
//!
//! Owning the loop (rather than `warp::serve`) lets the relay set hyper's timer, so the
//! request-head deadline of PROTOCOL.md A is really enforced, and lets a failing connection
//! end alone without touching the others.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use warp::{Filter, Reply};

/// PROTOCOL.md A, deadlines: the HTTP request head must arrive within 10 s.
pub const REQUEST_HEAD_DEADLINE: Duration = Duration::from_secs(10);

/// How long in-flight requests may take to finish once shutdown starts.
const DRAIN_DEADLINE: Duration = Duration::from_secs(5);

/// Serves `routes` on `listener` until `shutdown` resolves, then drains open connections.
pub async fn serve<F>(listener: TcpListener, routes: F, shutdown: impl Future<Output = ()>)
where
    F: Filter<Error = Infallible> + Clone + Send + Sync + 'static,
    F::Extract: Reply,
{
    // Every connection task watches this; sending `true` asks them to finish and close.
    let (stopping, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Reap finished connection tasks so the set stays as small as the open connections.
        while connections.try_join_next().is_some() {}
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors or a connection reset before accept: back off
                    // briefly rather than spin, and keep serving everyone else.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(warp::service(routes.clone()));
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(REQUEST_HEAD_DEADLINE)
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = async { stop.wait_for(|stopping| *stopping).await.map(|_| ()) } => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = result {
                tracing::debug!(%err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    let drained = tokio::time::timeout(DRAIN_DEADLINE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::debug!("connections still open after the drain deadline; closing them");
        connections.abort_all();
    }
}
