//! What Cutout's offline workers share: the request loop. The workers: `offline_worker`
//! (passphrase words, and sealing and opening with Argon2id, in an instance the page ends after
//! each key derivation: wasm memory never shrinks) and `strength_worker` (zxcvbn's estimate of a
//! typed passphrase; its dictionaries are most of its 1.9 MB in `dist/strength_worker_bg.wasm`,
//! so it starts only when someone types their own).
//!
//! Requests arrive as `worker_messages::Call`s and are answered with `worker_messages::Reply`s
//! (the message types, and their JavaScript form, are `worker-messages`' alone); a request
//! that cannot be read is refused as malformed, never a panic.

#![forbid(unsafe_code)]

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};
use worker_messages::{Call, Refusal, Reply};

/// How a worker answers request number `id`: from its scope, the id (for announcements on the
/// way) and the request.
pub type Answer<R, A> = fn(&DedicatedWorkerGlobalScope, u32, R) -> Result<A, Refusal>;

/// Answers every request with `answer` and says [`Reply::Ready`] once.
pub fn serve<R, A>(answer: Answer<R, A>)
where
    R: Serialize + DeserializeOwned + 'static,
    A: Serialize + DeserializeOwned + 'static,
{
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let answered = match worker_messages::read::<Call<R>>(&data) {
            Ok(Call { id, request }) => match answer(&reply, id, request) {
                Ok(answer) => Reply::Done { id, answer },
                Err(refusal) => Reply::Refused { id, refusal },
            },
            Err(malformed) => Reply::Refused {
                id: worker_messages::id(&data).unwrap_or(0),
                refusal: Refusal::malformed(malformed.to_string()),
            },
        };
        // Nothing to do if the page is gone.
        let _ = worker_messages::post(&reply, &answered);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as its scope: the handler must too.
    on_message.forget();
    let _ = worker_messages::post(&scope, &Reply::<A>::Ready);
}
