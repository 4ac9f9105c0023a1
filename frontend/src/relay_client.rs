//! The one owner of the WebSocket to the relay (PROTOCOL.md A). It reconnects by itself with
//! exponential backoff and jitter (capped at 10 s), and at once when the browser says the
//! network is back (`online`) or the page becomes visible again. It knows nothing of rooms: it
//! hands whole binary messages up and writes whole frames down.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, MessageEvent, WebSocket};

/// First retry delay; doubles per failed attempt.
const BACKOFF_START_MS: f64 = 500.0;
/// Retry delays stop growing here.
const BACKOFF_CAP_MS: f64 = 10_000.0;

/// What the connection reports.
pub enum ClientEvent {
    /// A socket opened: send JOIN.
    Opened,
    /// A binary message from the relay.
    Frame(Vec<u8>),
    /// The socket closed (or failed to open); a retry is scheduled.
    Closed,
}

type Handler = Rc<dyn Fn(ClientEvent)>;
type Listener = (
    web_sys::EventTarget,
    &'static str,
    Closure<dyn FnMut(web_sys::Event)>,
);

/// Unhooks a socket's handlers before their closures are dropped: the browser may still fire
/// events on a socket that is closing.
fn detach(socket: &WebSocket) {
    socket.set_onopen(None);
    socket.set_onmessage(None);
    socket.set_onclose(None);
}

fn clear_timer(handle: Option<i32>) {
    if let (Some(handle), Some(window)) = (handle, web_sys::window()) {
        window.clear_timeout_with_handle(handle);
    }
}

struct Inner {
    socket: Option<WebSocket>,
    /// Bumped per socket, so events of a replaced socket are ignored.
    generation: u32,
    attempt: u32,
    retry: Option<i32>,
    stopped: bool,
    on_event: Handler,
    // Kept alive as long as the client: the browser calls these.
    socket_closures: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    window_closures: Vec<Listener>,
}

/// A self-healing connection to this page's relay.
#[derive(Clone)]
pub struct RelayClient {
    inner: Rc<RefCell<Inner>>,
}

fn url() -> String {
    let scheme = if crate::browser::is_https() {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{}/ws", crate::browser::host())
}

impl RelayClient {
    /// Connects now and keeps reconnecting until [`RelayClient::stop`].
    pub fn start(on_event: impl Fn(ClientEvent) + 'static) -> Self {
        let client = Self {
            inner: Rc::new(RefCell::new(Inner {
                socket: None,
                generation: 0,
                attempt: 0,
                retry: None,
                stopped: false,
                on_event: Rc::new(on_event),
                socket_closures: Vec::new(),
                window_closures: Vec::new(),
            })),
        };
        client.listen_to_window();
        client.connect();
        client
    }

    /// Writes one frame; `false` if no socket is open (the caller keeps what matters).
    pub fn send(&self, frame: &[u8]) -> bool {
        let inner = self.inner.borrow();
        match &inner.socket {
            Some(socket) if socket.ready_state() == WebSocket::OPEN => {
                socket.send_with_u8_array(frame).is_ok()
            }
            _ => false,
        }
    }

    /// Bytes queued on the socket and not yet sent.
    pub fn buffered(&self) -> u32 {
        self.inner
            .borrow()
            .socket
            .as_ref()
            .map_or(0, WebSocket::buffered_amount)
    }

    /// A relay frame arrived, so the relay accepted us: the next failure starts backoff anew.
    pub fn mark_healthy(&self) {
        self.inner.borrow_mut().attempt = 0;
    }

    /// Closes for good: no more reconnects, listeners removed.
    pub fn stop(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.stopped = true;
        inner.generation = inner.generation.wrapping_add(1);
        clear_timer(inner.retry.take());
        if let Some(socket) = inner.socket.take() {
            detach(&socket);
            let _ = socket.close_with_code(1000);
        }
        for (target, name, closure) in inner.window_closures.drain(..) {
            let _ =
                target.remove_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        }
        inner.socket_closures.clear();
    }

    fn emit(&self, event: ClientEvent) {
        // Never call out while borrowed: the handler may well send.
        let handler = self.inner.borrow().on_event.clone();
        handler(event);
    }

    fn connect(&self) {
        let generation = {
            let mut inner = self.inner.borrow_mut();
            if inner.stopped {
                return;
            }
            inner.retry = None;
            inner.generation = inner.generation.wrapping_add(1);
            inner.generation
        };
        let socket = match WebSocket::new(&url()) {
            Ok(socket) => socket,
            Err(_) => {
                self.schedule_retry();
                return;
            }
        };
        socket.set_binary_type(BinaryType::Arraybuffer);

        let current = {
            let client = self.clone();
            move || client.inner.borrow().generation == generation
        };
        let on_open = {
            let (client, current) = (self.clone(), current.clone());
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                if current() {
                    client.emit(ClientEvent::Opened);
                }
            })
        };
        let on_message = {
            let (client, current) = (self.clone(), current.clone());
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let Some(event) = event.dyn_ref::<MessageEvent>() else {
                    return;
                };
                // Text messages are not part of the protocol; ignore them.
                if current() && event.data().is_instance_of::<js_sys::ArrayBuffer>() {
                    let bytes = js_sys::Uint8Array::new(&event.data()).to_vec();
                    client.emit(ClientEvent::Frame(bytes));
                }
            })
        };
        let on_close = {
            let client = self.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                if current() {
                    client.inner.borrow_mut().socket = None;
                    client.emit(ClientEvent::Closed);
                    client.schedule_retry();
                }
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // `error` is always followed by `close`; one handler is enough.
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));

        let mut inner = self.inner.borrow_mut();
        if let Some(old) = inner.socket.replace(socket) {
            detach(&old);
            let _ = old.close();
        }
        inner.socket_closures = vec![on_open, on_message, on_close];
    }

    fn schedule_retry(&self) {
        let delay = {
            let mut inner = self.inner.borrow_mut();
            if inner.stopped || inner.retry.is_some() {
                return;
            }
            let base =
                (BACKOFF_START_MS * 2f64.powi(inner.attempt.min(16) as i32)).min(BACKOFF_CAP_MS);
            inner.attempt = inner.attempt.saturating_add(1);
            // Full jitter over the upper half: many phones reconnecting after a relay restart
            // do not all arrive at once.
            base * (0.5 + 0.5 * js_sys::Math::random())
        };
        // A cleared timer never runs (and never frees) this closure: it holds only a weak
        // reference, so a cancelled retry leaks a few bytes, not the client.
        let weak = Rc::downgrade(&self.inner);
        let retry = Closure::once_into_js(move || {
            if let Some(inner) = weak.upgrade() {
                RelayClient { inner }.connect();
            }
        });
        if let Some(window) = web_sys::window()
            && let Ok(handle) = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                retry.unchecked_ref(),
                delay as i32,
            )
        {
            self.inner.borrow_mut().retry = Some(handle);
        }
    }

    /// Reconnect at once when the network returns or the page is shown again.
    fn retry_now(&self) {
        let waiting = {
            let inner = self.inner.borrow();
            !inner.stopped && inner.socket.is_none()
        };
        if !waiting {
            return;
        }
        let pending = self.inner.borrow_mut().retry.take();
        clear_timer(pending);
        self.connect();
    }

    fn listen_to_window(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let mut closures = Vec::new();
        for name in ["online", "visibilitychange"] {
            let client = self.clone();
            let closure = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                let visible = web_sys::window()
                    .and_then(|w| w.document())
                    .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
                if visible {
                    client.retry_now();
                }
            });
            let target: web_sys::EventTarget = if name == "visibilitychange" {
                match window.document() {
                    Some(document) => document.into(),
                    None => continue,
                }
            } else {
                window.clone().into()
            };
            let _ = target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
            closures.push((target, name, closure));
        }
        self.inner.borrow_mut().window_closures = closures;
    }
}

/// A `Copy` handle to a room's connection, shared by the room and its file transfers: empty
/// until the room starts the client, and again once it stops it.
#[derive(Clone, Copy)]
pub struct Connection {
    client: StoredValue<Option<RelayClient>, LocalStorage>,
}

impl Connection {
    /// No connection yet.
    pub fn new() -> Self {
        Self {
            client: StoredValue::new_local(None),
        }
    }

    /// The client this handle writes to from now on.
    pub fn set(&self, client: RelayClient) {
        self.client.set_value(Some(client));
    }

    /// Stops the client for good.
    pub fn stop(&self) {
        if let Some(Some(client)) = self.client.try_update_value(Option::take) {
            client.stop();
        }
    }

    /// Writes whole frames, in order (dropped when there is no open socket).
    pub fn write(&self, frames: &[Vec<u8>]) {
        let _ = self.client.try_with_value(|client| {
            if let Some(client) = client {
                for frame in frames {
                    client.send(frame);
                }
            }
        });
    }

    /// Bytes the socket holds unsent.
    pub fn buffered(&self) -> u32 {
        self.client
            .try_with_value(|c| c.as_ref().map_or(0, RelayClient::buffered))
            .unwrap_or(0)
    }

    /// The relay welcomed us: the backoff starts over.
    pub fn mark_healthy(&self) {
        let _ = self.client.try_with_value(|c| {
            if let Some(c) = c {
                c.mark_healthy();
            }
        });
    }
}
