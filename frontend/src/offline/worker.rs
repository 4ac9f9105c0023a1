//! The page's side of the offline-message worker (`offline-worker/`, built by trunk next to
//! the app): passphrase words, strength estimates, and sealing or opening with Argon2id, all off
//! the main thread. Key derivation grows the worker's memory by tens of MiB for good (wasm
//! memory never shrinks), so each sealing or opening runs in a worker of its own, ended when it
//! answers ([`OfflineWorker::once`]).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use js_sys::{Object, Promise, Reflect, Uint8Array};
use protocol::blob::BlobContent;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker};

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

/// zxcvbn's estimate of a typed passphrase.
#[derive(Clone, Debug, PartialEq)]
pub struct Strength {
    /// 0 (guessable in moments) to 4 (very strong).
    pub score: u32,
    /// log2 of the guesses needed.
    pub bits: f64,
    /// How long guessing takes at 10,000 guesses a second, in words.
    pub crack: String,
    /// What is wrong with it, if anything.
    pub warning: Option<String>,
    /// How to make it stronger.
    pub suggestions: Vec<String>,
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

fn field(data: &JsValue, key: &str) -> JsValue {
    Reflect::get(data, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// A promise and the function that resolves it.
fn promise() -> (Promise, Resolve) {
    let mut resolve = None;
    let promise = Promise::new(&mut |yes, _no| resolve = Some(yes));
    // The executor runs synchronously inside `Promise::new`.
    (promise, resolve.unwrap_or_else(js_sys::Function::default))
}

fn stopped_answer(why: &str) -> JsValue {
    let answer = Object::new();
    let _ = Reflect::set(&answer, &"error".into(), &why.into());
    let _ = Reflect::set(&answer, &"reason".into(), &"stopped".into());
    answer.into()
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
        let started = JsFuture::from(ready).await.unwrap_or(JsValue::UNDEFINED);
        if field(&started, "ready").is_truthy() {
            Ok(Self { inner })
        } else {
            Err(Failure::Stopped("the worker could not start".into()))
        }
    }

    /// Runs one request in a fresh worker, ended afterwards.
    async fn once(
        fields: &[(&str, JsValue)],
        on_expected: impl Fn(f64) + 'static,
    ) -> Result<JsValue, Failure> {
        let worker = Self::start(Kind::Sealing).await?;
        worker.call(fields, Some(Box::new(on_expected))).await
    }

    async fn call(
        &self,
        fields: &[(&str, JsValue)],
        on_expected: Option<Box<dyn Fn(f64)>>,
    ) -> Result<JsValue, Failure> {
        let (answer, resolve) = promise();
        {
            let mut inner = self.inner.borrow_mut();
            inner.next_id = inner.next_id.wrapping_add(1);
            let id = inner.next_id;
            let message = Object::new();
            let _ = Reflect::set(&message, &"id".into(), &id.into());
            for (key, value) in fields {
                let _ = Reflect::set(&message, &(*key).into(), value);
            }
            if let Err(e) = inner.worker.post_message(&message) {
                return Err(Failure::Stopped(crate::browser::describe(&e)));
            }
            inner.pending.insert(
                id,
                Pending {
                    resolve,
                    on_expected,
                },
            );
        }
        let answer = JsFuture::from(answer).await.unwrap_or(JsValue::UNDEFINED);
        let Some(error) = field(&answer, "error").as_string() else {
            return Ok(answer);
        };
        Err(match field(&answer, "reason").as_string().as_deref() {
            Some("wrong") => Failure::Wrong,
            Some("mode") => Failure::ForContact,
            Some("stopped") => Failure::Stopped(error),
            _ => Failure::Other(error),
        })
    }

    /// A generated passphrase of `count` words and its strength in bits.
    pub async fn words(&self, count: usize) -> Result<(String, f64), Failure> {
        let answer = self
            .call(&[("op", "words".into()), ("count", count.into())], None)
            .await?;
        Ok((
            field(&answer, "passphrase").as_string().unwrap_or_default(),
            field(&answer, "bits").as_f64().unwrap_or(0.0),
        ))
    }

    /// zxcvbn's estimate of `passphrase`.
    pub async fn strength(&self, passphrase: &str) -> Result<Strength, Failure> {
        let answer = self
            .call(
                &[("op", "strength".into()), ("passphrase", passphrase.into())],
                None,
            )
            .await?;
        let suggestions = field(&answer, "suggestions");
        Ok(Strength {
            score: field(&answer, "score").as_f64().unwrap_or(0.0) as u32,
            bits: field(&answer, "bits").as_f64().unwrap_or(0.0),
            crack: field(&answer, "crack").as_string().unwrap_or_default(),
            warning: field(&answer, "warning").as_string(),
            suggestions: if suggestions.is_object() {
                js_sys::Array::from(&suggestions)
                    .iter()
                    .filter_map(|s| s.as_string())
                    .collect()
            } else {
                Vec::new()
            },
        })
    }

    /// Seals `content` under `passphrase` in a worker of its own; `on_expected` hears how many
    /// milliseconds the key derivation should take once the worker has measured it.
    pub async fn seal(
        passphrase: &str,
        light: bool,
        content: &BlobContent,
        on_expected: impl Fn(f64) + 'static,
    ) -> Result<Vec<u8>, Failure> {
        let mut fields = vec![
            ("op", JsValue::from("seal")),
            ("passphrase", passphrase.into()),
            ("light", light.into()),
        ];
        match content {
            BlobContent::Text(text) => fields.push(("text", text.into())),
            BlobContent::File { name, bytes } => {
                fields.push(("name", name.into()));
                fields.push(("bytes", Uint8Array::from(&bytes[..]).into()));
            }
        }
        let answer = Self::once(&fields, on_expected).await?;
        bytes(&answer, "blob").ok_or_else(|| Failure::Other("no sealed message".into()))
    }

    /// Opens a passphrase blob in a worker of its own (see [`seal`](Self::seal)).
    pub async fn open(
        blob: &[u8],
        passphrase: &str,
        on_expected: impl Fn(f64) + 'static,
    ) -> Result<BlobContent, Failure> {
        let answer = Self::once(
            &[
                ("op", "open".into()),
                ("passphrase", passphrase.into()),
                ("blob", Uint8Array::from(blob).into()),
            ],
            on_expected,
        )
        .await?;
        if let Some(text) = field(&answer, "text").as_string() {
            return Ok(BlobContent::Text(text));
        }
        match (field(&answer, "name").as_string(), bytes(&answer, "bytes")) {
            (Some(name), Some(bytes)) => Ok(BlobContent::File { name, bytes }),
            _ => Err(Failure::Other("the answer holds no message".into())),
        }
    }
}

fn bytes(answer: &JsValue, key: &str) -> Option<Vec<u8>> {
    let value = field(answer, key);
    value.is_object().then(|| Uint8Array::new(&value).to_vec())
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

fn answered(inner: &Weak<RefCell<Inner>>, data: &JsValue) {
    let Some(inner) = inner.upgrade() else { return };
    if field(data, "ready").is_truthy() {
        if let Some(ready) = inner.borrow_mut().ready.take() {
            let _ = ready.call1(&JsValue::NULL, data);
        }
        return;
    }
    let Some(id) = field(data, "id").as_f64().map(|id| id as u32) else {
        return;
    };
    if let Some(expected) = field(data, "expected_ms").as_f64() {
        let inner = inner.borrow();
        if let Some(on_expected) = inner.pending.get(&id).and_then(|p| p.on_expected.as_ref()) {
            on_expected(expected);
        }
        return;
    }
    let pending = inner.borrow_mut().pending.remove(&id);
    if let Some(pending) = pending {
        let _ = pending.resolve.call1(&JsValue::NULL, data);
    }
}

/// Answers everything pending (and a start still waiting) with "stopped".
fn fail_all(inner: &Weak<RefCell<Inner>>, why: &str) {
    let Some(inner) = inner.upgrade() else { return };
    let (ready, pending) = {
        let mut inner = inner.borrow_mut();
        (inner.ready.take(), std::mem::take(&mut inner.pending))
    };
    let answer = stopped_answer(why);
    if let Some(ready) = ready {
        let _ = ready.call1(&JsValue::NULL, &answer);
    }
    for (_, pending) in pending {
        let _ = pending.resolve.call1(&JsValue::NULL, &answer);
    }
}
