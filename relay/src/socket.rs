//! The WebSocket upgrade at `/ws`, done on hyper directly so the relay chooses tungstenite's
//! buffers (warp 0.4's `ws()` allocates a 128 KiB read buffer per connection), checks `Origin`
//! against `Host` (PROTOCOL.md A), and never negotiates per-message compression.

use std::sync::Arc;

use http::header::{
    CONNECTION, HOST, ORIGIN, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION,
    UPGRADE,
};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::Shared;
use crate::capacity::{Admission, Ticket};
use crate::message_deadline::MessageDeadline;

/// The path of the WebSocket endpoint.
pub const PATH: &str = "/ws";

/// The read buffer every connection allocates at once, idle or not: 2 KiB keeps an idle member
/// near 6 KiB in all (`cargo xtask bench relay`; 4 KiB made it 8.2). tungstenite reserves a large
/// frame's whole length once its header is read, and the rest of the frame is then read 16 KiB
/// at a time (`vendor/tungstenite`, "Cutout:"), so a 64 KiB chunk takes 6 reads, not 33.
const READ_BUFFER: usize = 2 * 1024;

/// tungstenite's buffers for one member: a small read buffer and a message limit a little above
/// the payload limit, so an oversized payload earns ERROR 3 instead of a bare 1009 close
/// (PROTOCOL.md A). Public for the `relay_member` fuzz target, which runs members over in-memory
/// sockets with the relay's own settings.
pub fn socket_config(max_payload: usize) -> WebSocketConfig {
    let max_message = max_payload + wire::limits::CLIENT_FRAME_OVERHEAD + 1024;
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(Some(max_message))
        .max_frame_size(Some(max_message))
}

fn header_has_token(headers: &HeaderMap, name: http::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Whether `Origin`'s host:port is the request's `Host` (both as sent, compared without case).
fn origin_matches_host(headers: &HeaderMap) -> bool {
    let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    let (Some(origin), Some(host)) = (origin, host) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

fn plain(status: StatusCode, text: &'static str) -> Response<String> {
    let mut response = Response::new(text.to_owned());
    *response.status_mut() = status;
    response
}

/// Answers an upgrade request: 101 and a spawned member task, or an HTTP error.
pub fn upgrade<B>(
    mut request: Request<B>,
    shared: Arc<Shared>,
    ticket: Arc<Ticket>,
) -> Response<String>
where
    B: Send + 'static,
{
    let headers = request.headers();
    let is_upgrade = request.method() == Method::GET
        && header_has_token(headers, CONNECTION, "upgrade")
        && header_has_token(headers, UPGRADE, "websocket");
    if !is_upgrade {
        return plain(StatusCode::BAD_REQUEST, "WebSocket upgrade expected");
    }
    if headers
        .get(SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        let mut response = plain(StatusCode::UPGRADE_REQUIRED, "WebSocket version 13 only");
        response
            .headers_mut()
            .insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        return response;
    }
    if !origin_matches_host(headers) {
        return plain(StatusCode::FORBIDDEN, "Origin does not match Host");
    }
    let Some(key) = headers.get(SEC_WEBSOCKET_KEY) else {
        return plain(StatusCode::BAD_REQUEST, "Sec-WebSocket-Key missing");
    };
    let accept = derive_accept_key(key.as_bytes());
    let Ok(accept) = HeaderValue::from_str(&accept) else {
        return plain(StatusCode::BAD_REQUEST, "bad Sec-WebSocket-Key");
    };

    let on_upgrade = hyper::upgrade::on(&mut request);
    let config = socket_config(shared.limits.max_payload);
    let message_deadline = shared.limits.message_deadline;
    let admission = ticket.admission;
    tokio::spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(err) => {
                tracing::debug!(%err, "upgrade failed");
                return;
            }
        };
        // Under tungstenite, which hides where a fragmented message begins, the message deadline
        // follows the frames in the bytes themselves (`message_deadline`).
        let io = MessageDeadline::new(TokioIo::new(upgraded), message_deadline);
        let socket = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
        crate::member::serve(socket, shared, admission).await;
        // The connection's place is given back only now that the member is gone.
        drop(ticket);
    });

    let mut response = plain(StatusCode::SWITCHING_PROTOCOLS, "");
    let headers = response.headers_mut();
    headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
    response
}

/// Whether an over-capacity HTTP request should get 503 rather than be served.
pub fn refuse_http(admission: Admission) -> bool {
    admission == Admission::OverCapacity
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn origin_must_name_the_host() {
        let ok = headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(origin_matches_host(&ok));
        let other_port = headers(&[
            ("origin", "http://127.0.0.1:9999"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(!origin_matches_host(&other_port));
        let evil = headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(!origin_matches_host(&evil));
        let none = headers(&[("host", "127.0.0.1:8080")]);
        assert!(!origin_matches_host(&none));
    }

    #[test]
    fn connection_header_tokens_are_split() {
        let h = headers(&[("connection", "keep-alive, Upgrade")]);
        assert!(header_has_token(&h, CONNECTION, "upgrade"));
    }
}
