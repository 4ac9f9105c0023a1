//! Sealing a composed offline message, and sealing it again. What a message was sealed with is
//! kept, so that choosing another density of codes (docs/PROTOCOL.md "Densities of animated
//! codes": one symbol size a message) seals the same content for the same person — the same
//! passphrase, contact or paired identity — whatever the form or the contact list says by then.
//! A seal overtaken by a later one, or by "New message", shows nothing when it ends.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::blob::{BlobContent, seal_for_contact, seal_for_paired};
use protocol::contact::{ContactKey, Side};
use protocol::density::Density;
use protocol::entropy::SystemEntropy;
use protocol::fountain::MAX_BLOB_LEN;
use protocol::identity::PublicIdentity;

use crate::offline::code::remember_density;
use crate::offline::worker::OfflineWorker;

/// What is being sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    Writing,
    /// Sealing; the key derivation should take this many ms (once measured).
    Sealing(Option<f64>),
    /// Sealed: shown as codes, with the passphrase it was sealed with (none for a contact).
    Showing {
        blob: Vec<u8>,
        passphrase: Option<String>,
    },
}

/// What a message is sealed with.
#[derive(Clone)]
pub enum Sealing {
    /// A passphrase (Argon2id in a worker: it takes seconds).
    Passphrase {
        phrase: String,
        light: bool,
        content: BlobContent,
    },
    /// A contact paired before identities, with this device's side.
    Contact {
        key: ContactKey,
        side: Side,
        content: BlobContent,
    },
    /// A paired identity (docs/PROTOCOL.md I.6): the pair's key comes from this browser's X25519
    /// key, which may live in WebCrypto.
    Paired {
        identity: PublicIdentity,
        content: BlobContent,
    },
}

/// Seals, and says how it went through the Send tab's stage and error.
#[derive(Clone, Copy)]
pub struct Sealer {
    stage: RwSignal<Stage>,
    error: RwSignal<Option<String>>,
    expected_ms: RwSignal<Option<f64>>,
    /// What the message shown was sealed with.
    last: StoredValue<Option<Sealing>>,
    /// Counts seals started (and "New message"): only the latest shows its outcome.
    started: StoredValue<u32>,
    /// The density a seal again is for: kept once its codes show, not before.
    density: StoredValue<Option<Density>>,
}

impl Sealer {
    pub fn new(
        stage: RwSignal<Stage>,
        error: RwSignal<Option<String>>,
        expected_ms: RwSignal<Option<f64>>,
    ) -> Self {
        Self {
            stage,
            error,
            expected_ms,
            last: StoredValue::new(None),
            started: StoredValue::new(0),
            density: StoredValue::new(None),
        }
    }

    /// Seals with `sealing`, then shows the codes (or says why not).
    pub fn seal(self, sealing: Sealing) {
        self.density.set_value(None);
        self.start(sealing);
    }

    fn start(self, sealing: Sealing) {
        self.error.set(None);
        let this = self.started.get_value().wrapping_add(1);
        self.started.set_value(this);
        let current = move || self.started.try_get_value() == Some(this);
        let show = move |sealed: Result<Vec<u8>, String>, passphrase: Option<String>, sealing| {
            if !current() {
                return;
            }
            match sealed {
                Ok(blob) => {
                    // Before the codes mount: they start at the density kept.
                    if let Some(density) = self.density.get_value() {
                        remember_density(density);
                    }
                    self.last.set_value(Some(sealing));
                    self.stage.set(Stage::Showing { blob, passphrase });
                }
                Err(why) => self.error.set(Some(why)),
            }
        };
        match sealing.clone() {
            Sealing::Contact { key, side, content } => {
                // With this device's side, so that the code, shown back here, says whose it is.
                let sealed = seal_for_contact(&key, side, &content, &mut SystemEntropy)
                    .map_err(|err| format!("Cannot seal this: {err}."));
                show(sealed, None, sealing);
            }
            Sealing::Paired { identity, content } => spawn_local(async move {
                let mine = *crate::browser::identity().public().ik();
                let sealed = match crate::offline::contacts::pair_key_with(&identity).await {
                    Some(key) => {
                        seal_for_paired(&key, &mine, identity.ik(), &content, &mut SystemEntropy)
                            .map_err(|err| format!("Cannot seal this: {err}."))
                    }
                    None => Err("This contact's key cannot be used: pair with them again.".into()),
                };
                show(sealed, None, sealing);
            }),
            Sealing::Passphrase {
                phrase,
                light,
                content,
            } => {
                let (stage, expected_ms) = (self.stage, self.expected_ms);
                stage.set(Stage::Sealing(None));
                spawn_local(async move {
                    let sealed = OfflineWorker::seal(&phrase, light, &content, move |ms| {
                        expected_ms.set(Some(ms));
                        if current() {
                            stage.set(Stage::Sealing(Some(ms)));
                        }
                    })
                    .await;
                    let sealed = match sealed {
                        Ok(blob) if blob.len() <= MAX_BLOB_LEN as usize => Ok(blob),
                        Ok(_) => Err("This is too long for an offline message.".into()),
                        Err(failure) => Err(failure.explain()),
                    };
                    if sealed.is_err() && current() {
                        stage.set(Stage::Writing);
                    }
                    show(sealed, Some(phrase), sealing);
                });
            }
        }
    }

    /// Seals the message shown again, with what it was sealed with, for codes at `density`.
    pub fn again(self, density: Density) {
        if let Some(sealing) = self.last.get_value() {
            self.density.set_value(Some(density));
            self.start(sealing);
        }
    }

    /// Forgets the message shown; a seal still running shows nothing.
    pub fn forget(self) {
        self.last.set_value(None);
        self.started.update_value(|n| *n = n.wrapping_add(1));
    }
}
