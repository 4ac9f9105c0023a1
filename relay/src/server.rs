//! The accept loop: one task per TCP connection, served by hyper; `/ws` goes to [`socket`], the
//! rest to the warp routes.
//!
//! Owning the loop (rather than `warp::serve`) lets the relay count connections per address, set
//! hyper's timer so the request-head deadline of PROTOCOL.md A is really enforced, and end a
//! failing connection alone without touching the others.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::rt::{Read, Write};
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;
use warp::{Filter, Reply};

use crate::Shared;
use crate::capacity::{Admission, Ticket};
use crate::headers;
use crate::socket;

/// How long members may take to leave once shutdown starts (PROTOCOL.md A: exit within 5 s).
const DRAIN_DEADLINE: Duration = Duration::from_secs(4);

type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, warp::Error>;

/// Accepts connections on `listener` forever (over TLS when given an acceptor), serving each in
/// its own task.
pub async fn serve<F>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    routes: F,
    shared: Arc<Shared>,
) where
    F: Filter<Error = Infallible> + Clone + Send + Sync + 'static,
    F::Extract: Reply,
{
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(err) => {
                // Out of file descriptors, or a connection reset before accept: back off briefly
                // rather than spin, and keep serving everyone else.
                tracing::warn!(%err, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(ticket) = shared.capacity.admit(peer.ip()) else {
            // Far past the caps: not even worth an answer.
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (routes, shared, ticket) = (routes.clone(), shared.clone(), Arc::new(ticket));
        let Some(acceptor) = tls.clone() else {
            tokio::spawn(connection(
                TokioIo::new(stream),
                false,
                routes,
                shared,
                ticket,
            ));
            continue;
        };
        tokio::spawn(async move {
            // PROTOCOL.md A: a TLS handshake that stalls is dropped at the deadline.
            match tokio::time::timeout(shared.limits.deadline, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => {
                    connection(TokioIo::new(stream), true, routes, shared, ticket).await;
                }
                Ok(Err(err)) => tracing::debug!(%err, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        });
    }
}

/// Serves one connection (`secure`: over TLS): HTTP/1.1 with upgrades.
async fn connection<I, F>(io: I, secure: bool, routes: F, shared: Arc<Shared>, ticket: Arc<Ticket>)
where
    I: Read + Write + Unpin + Send + 'static,
    F: Filter<Error = Infallible> + Clone + Send + Sync + 'static,
    F::Extract: Reply,
{
    let deadline = shared.limits.deadline;
    let mut shutdown = shared.shutdown.clone();
    let app = warp::service(routes);
    let service = service_fn(move |request: Request<Incoming>| {
        let (shared, ticket, mut app) = (shared.clone(), ticket.clone(), app.clone());
        async move {
            let response: Response<Body> = if request.uri().path() == socket::PATH {
                socket::upgrade(request, shared, ticket).map(boxed)
            } else if ticket.admission == Admission::OverCapacity {
                let mut busy = Response::new(boxed("relay at capacity".to_owned()));
                *busy.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                busy
            } else {
                let host = request.headers().get(hyper::header::HOST).cloned();
                let policy =
                    headers::opener_policy(secure, host.as_ref().and_then(|h| h.to_str().ok()));
                let mut response = match app.call(request).await {
                    Ok(response) => response.map(|body| body.boxed_unsync()),
                    Err(never) => match never {},
                };
                if let Some(policy) = policy {
                    response.headers_mut().insert(
                        "cross-origin-opener-policy",
                        hyper::header::HeaderValue::from_static(policy),
                    );
                }
                response
            };
            Ok::<_, Infallible>(response)
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(deadline)
        .serve_connection(io, service)
        .with_upgrades();
    let mut connection = std::pin::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = crate::member::stopped(&mut shutdown) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(err) = result {
        tracing::debug!(%err, "connection ended with an error");
    }
}

fn boxed(text: String) -> Body {
    Full::new(Bytes::from(text))
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// Waits (bounded) until every connection has closed after shutdown was signalled.
pub async fn drain(shared: &Shared) {
    let drained = tokio::time::timeout(DRAIN_DEADLINE, async {
        while shared.capacity.total() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    if drained.is_err() {
        tracing::debug!(
            open = shared.capacity.total(),
            "connections still open after the drain deadline"
        );
    }
}
