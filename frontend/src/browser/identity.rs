//! This browser profile's identity (docs/PROTOCOL.md I.1): made on first use, kept in
//! `localStorage`, shared by every room of the page.
//!
//! For now the private keys live in wasm memory and in storage, in every browser; docs/SECURITY.md
//! says what that exposes. Non-extractable WebCrypto keys, where the browser has Ed25519 and
//! X25519, come next.

use std::cell::RefCell;
use std::rc::Rc;

use protocol::entropy::SystemEntropy;
use protocol::identity::{IdentityKeys, IdentitySigner, KEY_LEN};
use zeroize::Zeroizing;

use super::{Store, load, save};

/// Where the identity is kept.
const KEY: &str = "cutout.identity";

thread_local! {
    static IDENTITY: RefCell<Option<Rc<IdentityKeys>>> = const { RefCell::new(None) };
}

/// The identity, read from storage or made now (and kept).
pub fn identity() -> Rc<dyn IdentitySigner> {
    keys() as Rc<dyn IdentitySigner>
}

/// X25519 of this identity's key-agreement key with `their_xk` (docs/PROTOCOL.md I.6); `None`
/// for a key of small order.
#[allow(dead_code, reason = "pairing (docs/PROTOCOL.md I.6) lands next")]
pub async fn agree(their_xk: &[u8; KEY_LEN]) -> Option<Zeroizing<[u8; 32]>> {
    keys().agree(their_xk)
}

fn keys() -> Rc<IdentityKeys> {
    IDENTITY.with(|cell| {
        let mut cell = cell.borrow_mut();
        let keys = cell.get_or_insert_with(|| {
            let stored = load(Store::Device, KEY);
            match stored.as_deref().and_then(IdentityKeys::from_stored_text) {
                Some(keys) => Rc::new(keys),
                None => {
                    let made = IdentityKeys::generate(&mut SystemEntropy);
                    save(Store::Device, KEY, &made.stored_text());
                    // What is stored wins: another tab may have made one at the same moment,
                    // and a reload will read the stored one.
                    let stored = load(Store::Device, KEY);
                    let keys = stored
                        .as_deref()
                        .and_then(IdentityKeys::from_stored_text)
                        .unwrap_or(made);
                    Rc::new(keys)
                }
            }
        });
        Rc::clone(keys)
    })
}
