//! The page's side of the offline-message worker (`offline-worker/`, built by trunk next to
//! the app): passphrase words, strength estimates, and sealing or opening with Argon2id, all off
//! the main thread. Key derivation grows the worker's memory by tens of MiB for good (wasm
//! memory never shrinks), so each sealing or opening runs in a worker of its own, ended when it
//! answers ([`OfflineWorker::once`]).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use js_sys::Promise;
use protocol::blob::BlobContent;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker};
use worker_messages::{
    Call, Message, OfflineAnswer, OfflineRequest, Reason, Reply, Routing, StrengthRequest,
};

/// zxcvbn's estimate of a typed passphrase: the strength worker's answer, as it sends it.
pub use worker_messages::Strength;

/// Which worker (both in `offline-worker/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Passphrase words; sealing and opening.
    Sealing,
    /// Strength estimates of typed passphrases (zxcvbn's dictionaries are most of its size:
    /// started only when needed).
    Strength,
}

impl Kind {
    /// The worker's loader script, emitted by trunk (`data-loader-shim`).
    fn script(self) -> &'static str {
        match self {
            Self::Sealing => "/offline_worker_loader.js",
            Self::Strength => "/strength_worker_loader.js",
        }
    }
}

/// Why a request to the worker failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Wrong passphrase, or the message was altered.
    Wrong,
    /// The message is sealed for a contact, not with a passphrase.
    ForContact,
    /// The worker stopped (out of memory on a small phone, most likely) or could not start.
    Stopped(String),
    /// Anything else, in words.
    Other(String),
}

impl Failure {
    /// What to tell people.
    pub fn explain(&self) -> String {
        match self {
            Self::Wrong => "Wrong passphrase, or the code was altered.".into(),
            Self::ForContact => "This message is sealed for a paired contact, not with a \
                                 passphrase."
                .into(),
            Self::Stopped(why) => format!(
                "The key derivation stopped ({why}). This device may be short of memory: \
                 try the light setting, or close other tabs."
            ),
            Self::Other(why) => format!("That did not work: {why}."),
        }
    }
}

type Resolve = js_sys::Function;

struct Pending {
    resolve: Resolve,
    on_expected: Option<Box<dyn Fn(f64)>>,
}

struct Inner {
    worker: Worker,
    ready: Option<Resolve>,
    next_id: u32,
    pending: HashMap<u32, Pending>,
    handlers: Option<Handlers>,
}

/// The worker's message and error handlers, kept while it runs.
type Handlers = (
    Closure<dyn FnMut(MessageEvent)>,
    Closure<dyn FnMut(web_sys::Event)>,
);

/// A running offline worker; dropping it ends the worker and fails what it had pending.
pub struct OfflineWorker {
    inner: Rc<RefCell<Inner>>,
}

/// A promise and the function that resolves it.
fn promise() -> (Promise, Resolve) {
    let mut resolve = None;
    let promise = Promise::new(&mut |yes, _no| resolve = Some(yes));
    // The executor runs synchronously inside `Promise::new`.
    (promise, resolve.unwrap_or_else(js_sys::Function::default))
}

impl OfflineWorker {
    /// Starts a worker of `kind` and waits until it is ready.
    pub async fn start(kind: Kind) -> Result<Self, Failure> {
        let worker = Worker::new(kind.script())
            .map_err(|e| Failure::Stopped(crate::browser::describe(&e)))?;
        let (ready, resolve) = promise();
        let inner = Rc::new(RefCell::new(Inner {
            worker: worker.clone(),
            ready: Some(resolve),
            next_id: 0,
            pending: HashMap::new(),
            handlers: None,
        }));
        let weak = Rc::downgrade(&inner);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            answered(&weak, &event.data());
        });
        let weak = Rc::downgrade(&inner);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            fail_all(&weak, "the worker stopped");
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        inner.borrow_mut().handlers = Some((on_message, on_error));
        // Resolved with `true` by the worker's `Reply::Ready`, or with why it stopped.
        let started = JsFuture::from(ready).await.unwrap_or(JsValue::UNDEFINED);
        if started.as_bool() == Some(true) {
            Ok(Self { inner })
        } else {
            Err(Failure::Stopped("the worker could not start".into()))
        }
    }

    /// Runs one request in a fresh worker, ended afterwards.
    async fn once(
        request: OfflineRequest,
        on_expected: impl Fn(f64) + 'static,
    ) -> Result<OfflineAnswer, Failure> {
        let worker = Self::start(Kind::Sealing).await?;
        worker.call(request, Some(Box::new(on_expected))).await
    }

    /// Posts `request` and waits for its answer.
    async fn call<R, A>(
        &self,
        request: R,
        on_expected: Option<Box<dyn Fn(f64)>>,
    ) -> Result<A, Failure>
    where
        Call<R>: Message,
        Reply<A>: Message,
    {
        let (answer, resolve) = promise();
        {
            let mut inner = self.inner.borrow_mut();
            inner.next_id = inner.next_id.wrapping_add(1);
            let id = inner.next_id;
            if let Err(e) = worker_messages::post(&inner.worker, &Call { id, request }) {
                return Err(Failure::Stopped(e.to_string()));
            }
            inner.pending.insert(
                id,
                Pending {
                    resolve,
                    on_expected,
                },
            );
        }
        // Resolved with the worker's reply, or with why it stopped (a string).
        let answer = JsFuture::from(answer).await.unwrap_or(JsValue::UNDEFINED);
        if let Some(why) = answer.as_string() {
            return Err(Failure::Stopped(why));
        }
        match worker_messages::read::<Reply<A>>(&answer) {
            Ok(Reply::Done { answer, .. }) => Ok(answer),
            Ok(Reply::Refused { refusal, .. }) => Err(match refusal.reason {
                Reason::Wrong => Failure::Wrong,
                Reason::ForContact => Failure::ForContact,
                _ => Failure::Other(refusal.error),
            }),
            Ok(Reply::Ready | Reply::Expected { .. }) => {
                Err(Failure::Other("the worker answered out of turn".into()))
            }
            Err(malformed) => Err(Failure::Other(malformed.to_string())),
        }
    }

    /// A generated passphrase of `count` words and its strength in bits.
    pub async fn words(&self, count: usize) -> Result<(String, f64), Failure> {
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        match self.call(OfflineRequest::Words { count }, None).await? {
            OfflineAnswer::Words { passphrase, bits } => Ok((passphrase, bits)),
            _ => Err(Failure::Other(
                "the worker answered another question".into(),
            )),
        }
    }

    /// zxcvbn's estimate of `passphrase`.
    pub async fn strength(&self, passphrase: &str) -> Result<Strength, Failure> {
        let request = StrengthRequest {
            passphrase: passphrase.into(),
        };
        self.call(request, None).await
    }

    /// Seals `content` under `passphrase` in a worker of its own; `on_expected` hears how many
    /// milliseconds the key derivation should take once the worker has measured it.
    pub async fn seal(
        passphrase: &str,
        light: bool,
        content: &BlobContent,
        on_expected: impl Fn(f64) + 'static,
    ) -> Result<Vec<u8>, Failure> {
        let request = OfflineRequest::Seal {
            passphrase: passphrase.into(),
            light,
            content: content.clone(),
        };
        match Self::once(request, on_expected).await? {
            OfflineAnswer::Sealed { blob } => Ok(blob),
            _ => Err(Failure::Other("no sealed message".into())),
        }
    }

    /// Opens a passphrase blob in a worker of its own (see [`seal`](Self::seal)).
    pub async fn open(
        blob: &[u8],
        passphrase: &str,
        on_expected: impl Fn(f64) + 'static,
    ) -> Result<BlobContent, Failure> {
        let request = OfflineRequest::Open {
            passphrase: passphrase.into(),
            blob: blob.to_vec(),
        };
        match Self::once(request, on_expected).await? {
            OfflineAnswer::Opened { content } => Ok(content),
            _ => Err(Failure::Other("the answer holds no message".into())),
        }
    }
}

impl Drop for OfflineWorker {
    fn drop(&mut self) {
        let weak = Rc::downgrade(&self.inner);
        fail_all(&weak, "the worker was ended");
        let mut inner = self.inner.borrow_mut();
        crate::browser::end_worker(&inner.worker);
        // Freed after any handler that may be running returns.
        let handlers = inner.handlers.take();
        wasm_bindgen_futures::spawn_local(async move { drop(handlers) });
    }
}

/// Routes a reply by its number, without reading its answer (the request's `call` does).
fn answered(inner: &Weak<RefCell<Inner>>, data: &JsValue) {
    let Some(inner) = inner.upgrade() else { return };
    let id = match worker_messages::read::<Routing>(data) {
        Ok(Reply::Ready) => {
            if let Some(ready) = inner.borrow_mut().ready.take() {
                let _ = ready.call1(&JsValue::NULL, &JsValue::TRUE);
            }
            return;
        }
        Ok(Reply::Expected { id, ms }) => {
            let inner = inner.borrow();
            if let Some(on_expected) = inner.pending.get(&id).and_then(|p| p.on_expected.as_ref()) {
                on_expected(ms);
            }
            return;
        }
        Ok(Reply::Done { id, .. } | Reply::Refused { id, .. }) => id,
        // Not a reply: nothing waits for it.
        Err(_) => return,
    };
    let pending = inner.borrow_mut().pending.remove(&id);
    if let Some(pending) = pending {
        let _ = pending.resolve.call1(&JsValue::NULL, data);
    }
}

/// Answers everything pending (and a start still waiting) with why the worker stopped.
fn fail_all(inner: &Weak<RefCell<Inner>>, why: &str) {
    let Some(inner) = inner.upgrade() else { return };
    let (ready, pending) = {
        let mut inner = inner.borrow_mut();
        (inner.ready.take(), std::mem::take(&mut inner.pending))
    };
    let why = JsValue::from_str(why);
    if let Some(ready) = ready {
        let _ = ready.call1(&JsValue::NULL, &why);
    }
    for (_, pending) in pending {
        let _ = pending.resolve.call1(&JsValue::NULL, &why);
    }
}
