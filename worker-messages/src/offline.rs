//! The offline workers' messages (`offline-worker/`). The page numbers each request in a
//! [`Call`]; the worker answers in a [`Reply`] with the same number: first, for sealing and
//! opening, how long the key derivation should take ([`Reply::Expected`]), then the answer
//! ([`Reply::Done`]) or why not ([`Reply::Refused`]). Each worker says [`Reply::Ready`] once,
//! when it can take requests.
//!
//! - `offline_worker` takes [`OfflineRequest`]s and answers [`OfflineAnswer`]s.
//! - `strength_worker` takes [`StrengthRequest`]s and answers a [`Strength`].
//!
//! In JavaScript: `{ id, request: { seal: { passphrase, light, content: { text } } } }`, then
//! `{ expected: { id, ms } }` and `{ done: { id, answer: { sealed: { blob } } } }` (enums are
//! tagged by their variant, serde's default). Requests and answers carry passphrases and
//! plaintext: none of them is `Debug`.

use protocol::blob::{BlobContent, BlobError};
use serde::{Deserialize, Serialize};

use crate::Message;

/// A request and the number its answers carry.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Call<R> {
    /// Chosen by the page, unique among its pending requests to this worker.
    pub id: u32,
    /// What the page asks.
    pub request: R,
}

/// What an offline worker posts.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply<A> {
    /// Once, when the worker can take requests.
    Ready,
    /// Before a key derivation: how long it should take here, in milliseconds (from a
    /// calibration run at the lowest costs; Argon2 reports no progress).
    Expected {
        /// The request's number.
        id: u32,
        /// Milliseconds.
        ms: f64,
    },
    /// The answer to request `id`.
    Done {
        /// The request's number.
        id: u32,
        /// The answer.
        answer: A,
    },
    /// Request `id` failed.
    Refused {
        /// The request's number (0 when the request had none the worker could read; the page
        /// numbers from 1).
        id: u32,
        /// Why.
        refusal: Refusal,
    },
}

/// A reply read for its kind and number only, its answer skipped: how the page routes a reply
/// to the request waiting for it, which then reads the answer as its own type.
pub type Routing = Reply<serde::de::IgnoredAny>;

/// Why a request failed: a reason for the page to act on, and words for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// What kind of failure.
    pub reason: Reason,
    /// In words.
    pub error: String,
}

/// What kind of failure (the classes of [`BlobError`], and requests the worker cannot read).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Wrong passphrase, or the message was altered.
    Wrong,
    /// The message is sealed for a contact, not with a passphrase.
    ForContact,
    /// The blob's header is malformed or out of bounds.
    Header,
    /// The opened contents are malformed.
    Contents,
    /// The file name does not fit.
    NameTooLong,
    /// The key derivation failed.
    Kdf,
    /// The worker could not read the request.
    Malformed,
}

impl Refusal {
    /// A request the worker could not read, and why.
    pub fn malformed(why: impl Into<String>) -> Self {
        Self {
            reason: Reason::Malformed,
            error: why.into(),
        }
    }
}

impl From<BlobError> for Refusal {
    fn from(err: BlobError) -> Self {
        let reason = match err {
            BlobError::Authentication => Reason::Wrong,
            BlobError::WrongMode => Reason::ForContact,
            BlobError::Header => Reason::Header,
            BlobError::Contents => Reason::Contents,
            BlobError::NameTooLong => Reason::NameTooLong,
            BlobError::Kdf => Reason::Kdf,
        };
        Self {
            reason,
            error: err.to_string(),
        }
    }
}

/// What the page asks `offline_worker`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflineRequest {
    /// A generated passphrase of `count` words (clamped to what the worker allows).
    Words {
        /// How many words.
        count: u32,
    },
    /// Seal `content` under `passphrase`, at the light Argon2 costs if `light`.
    Seal {
        /// The passphrase.
        passphrase: String,
        /// Light costs (small phones) rather than the default.
        light: bool,
        /// What to seal.
        #[serde(with = "Content")]
        content: BlobContent,
    },
    /// Open the passphrase blob `blob`.
    Open {
        /// The passphrase.
        passphrase: String,
        /// The sealed blob.
        #[serde(with = "serde_bytes")]
        blob: Vec<u8>,
    },
}

/// What `offline_worker` answers.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflineAnswer {
    /// To [`OfflineRequest::Words`].
    Words {
        /// The generated passphrase.
        passphrase: String,
        /// Its strength in bits.
        bits: f64,
    },
    /// To [`OfflineRequest::Seal`].
    Sealed {
        /// The sealed blob.
        #[serde(with = "serde_bytes")]
        blob: Vec<u8>,
    },
    /// To [`OfflineRequest::Open`].
    Opened {
        /// What the blob carried.
        #[serde(with = "Content")]
        content: BlobContent,
    },
}

/// `protocol`'s [`BlobContent`] as a message carries it (serde checks this mirror against the
/// real type), the file's bytes as bytes.
#[derive(Serialize, Deserialize)]
#[serde(remote = "BlobContent", rename_all = "snake_case")]
enum Content {
    Text(String),
    File {
        name: String,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
    },
}

/// What the page asks `strength_worker`: zxcvbn's estimate of `passphrase`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StrengthRequest {
    /// The typed passphrase.
    pub passphrase: String,
}

/// zxcvbn's estimate of a typed passphrase: `strength_worker`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

impl<R: Serialize + serde::de::DeserializeOwned> Message for Call<R> {}
impl<A: Serialize + serde::de::DeserializeOwned> Message for Reply<A> {}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// Through JSON and back, equal to what it was; the JSON it went through.
    fn round_trip<T: Serialize + serde::de::DeserializeOwned + PartialEq>(message: &T) -> Value {
        let value = serde_json::to_value(message).expect("serialises");
        let back: T = serde_json::from_value(value.clone()).expect("deserialises");
        assert!(back == *message, "changed on the way: {value}");
        value
    }

    #[test]
    fn requests_are_numbered_and_tagged_by_operation() {
        let call = Call {
            id: 7,
            request: OfflineRequest::Words { count: 5 },
        };
        assert_eq!(
            round_trip(&call),
            json!({ "id": 7, "request": { "words": { "count": 5 } } })
        );
        let call = Call {
            id: 8,
            request: StrengthRequest {
                passphrase: "correct horse".into(),
            },
        };
        assert_eq!(
            round_trip(&call),
            json!({ "id": 8, "request": { "passphrase": "correct horse" } })
        );
    }

    #[test]
    fn seal_carries_text_or_a_named_file() {
        let text = OfflineRequest::Seal {
            passphrase: "p".into(),
            light: true,
            content: BlobContent::Text("hello".into()),
        };
        assert_eq!(
            round_trip(&text),
            json!({ "seal": { "passphrase": "p", "light": true, "content": { "text": "hello" } } })
        );
        let file = OfflineRequest::Seal {
            passphrase: "p".into(),
            light: false,
            content: BlobContent::File {
                name: "a.txt".into(),
                bytes: vec![1, 2, 255],
            },
        };
        assert_eq!(
            round_trip(&file)["seal"]["content"],
            json!({ "file": { "name": "a.txt", "bytes": [1, 2, 255] } })
        );
    }

    #[test]
    fn open_and_its_answers_round_trip() {
        let open = OfflineRequest::Open {
            passphrase: "p".into(),
            blob: vec![0, 9],
        };
        assert_eq!(
            round_trip(&open),
            json!({ "open": { "passphrase": "p", "blob": [0, 9] } })
        );
        for answer in [
            OfflineAnswer::Words {
                passphrase: "a b c d".into(),
                bits: 51.7,
            },
            OfflineAnswer::Sealed { blob: vec![3; 4] },
            OfflineAnswer::Opened {
                content: BlobContent::File {
                    name: "x".into(),
                    bytes: vec![],
                },
            },
        ] {
            round_trip(&Reply::Done { id: 2, answer });
        }
    }

    #[test]
    fn replies_say_ready_expected_done_or_refused() {
        assert_eq!(round_trip(&Reply::<Strength>::Ready), json!("ready"));
        assert_eq!(
            round_trip(&Reply::<Strength>::Expected { id: 3, ms: 1500.0 }),
            json!({ "expected": { "id": 3, "ms": 1500.0 } })
        );
        let strength = Strength {
            score: 3,
            bits: 40.5,
            crack: "3 days".into(),
            warning: None,
            suggestions: vec!["Add a word".into()],
        };
        let done = round_trip(&Reply::Done {
            id: 4,
            answer: strength,
        });
        assert_eq!(done["done"]["answer"]["score"], json!(3));
        assert_eq!(done["done"]["answer"]["warning"], Value::Null);
        assert_eq!(
            round_trip(&Reply::<Strength>::Refused {
                id: 5,
                refusal: Refusal::from(BlobError::Authentication),
            })["refused"]["refusal"]["reason"],
            json!("wrong")
        );
    }

    #[test]
    fn a_reply_routes_by_number_whatever_its_answer() {
        let done = serde_json::to_value(Reply::Done {
            id: 9,
            answer: OfflineAnswer::Sealed { blob: vec![1; 8] },
        })
        .expect("serialises");
        let routed: Routing = serde_json::from_value(done).expect("deserialises");
        assert!(matches!(routed, Reply::Done { id: 9, .. }));
        let refused =
            json!({ "refused": { "id": 2, "refusal": { "reason": "kdf", "error": "x" } } });
        let routed: Routing = serde_json::from_value(refused).expect("deserialises");
        assert!(matches!(routed, Reply::Refused { id: 2, .. }));
    }

    #[test]
    fn every_blob_error_keeps_its_class() {
        let cases = [
            (BlobError::Authentication, "wrong"),
            (BlobError::WrongMode, "for_contact"),
            (BlobError::Header, "header"),
            (BlobError::Contents, "contents"),
            (BlobError::NameTooLong, "name_too_long"),
            (BlobError::Kdf, "kdf"),
        ];
        for (err, reason) in cases {
            let refusal = Refusal::from(err);
            assert_eq!(refusal.error, err.to_string());
            assert_eq!(
                serde_json::to_value(refusal.reason).ok(),
                Some(json!(reason))
            );
        }
    }

    #[test]
    fn malformed_requests_are_errors_not_panics() {
        for bad in [
            json!({ "id": 1 }),
            json!({ "id": 1, "request": { "seal": { "passphrase": "p" } } }),
            json!({ "id": 1, "request": { "burn": {} } }),
            json!({ "id": -1, "request": { "words": { "count": 4 } } }),
            json!({ "id": 1, "request": { "open": { "passphrase": "p", "blob": 5 } } }),
            json!("ready"),
        ] {
            assert!(serde_json::from_value::<Call<OfflineRequest>>(bad).is_err());
        }
    }
}
