//! The QR decoding worker's messages (`qr-worker/`): a frame in, what was read out, one frame
//! at a time.
//!
//! In JavaScript, as the benchmarks (`tests/browser/bench/qr.bench.ts`) post and read them:
//! `{ id, width, height, rgba, live }` (or `steps`, `frame`, `pipeline` instead of `live`) in;
//! `{ ready: true }` once, then `{ id, text, points, ms }` or `{ id, error }` out.

use serde::{Deserialize, Serialize};

use crate::{Message, Pixels};

/// A frame to decode, and which steps of the pipeline to run on it.
///
/// Which steps: `live` (a camera frame: the next step of `Pipeline::LIVE`, in turn); else
/// `steps` (step names, comma-separated; with `frame`, run as on a camera frame); else the
/// pipeline named `pipeline`; else the whole default pipeline (a photo or a picture).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(PartialEq))]
pub struct QrRequest {
    /// Chosen by the page; the answer carries it.
    pub id: u32,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// The pixels, moved to the worker rather than copied.
    pub rgba: Pixels,
    /// A live camera frame: one step of the live pipeline.
    #[serde(default)]
    pub live: bool,
    /// Step names, comma-separated (benchmarks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<String>,
    /// Run `steps` as on a camera frame (benchmarks).
    #[serde(default)]
    pub frame: bool,
    /// A pipeline by name, of `qrdecode::Pipeline::OPTIONS` (benchmarks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
}

/// What the QR worker posts.
///
/// Untagged: the variants are told apart by their fields, as the benchmarks read them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum QrAnswer {
    /// Once, when the worker can take frames: `{ ready: true }`.
    Ready {
        /// Always true.
        ready: bool,
    },
    /// A frame was decoded.
    Read {
        /// The request's number.
        id: u32,
        /// The code's text; null when no code was read.
        text: Option<String>,
        /// Where the code is: x, y pairs in frame pixels (empty when none was read).
        points: Vec<f32>,
        /// Milliseconds the pipeline took (without the RGBA to grey conversion).
        ms: f64,
    },
    /// The frame could not be decoded (a malformed request, a bad size).
    Failed {
        /// The request's number (0 when the request had none the worker could read).
        id: u32,
        /// Why, in words.
        error: String,
    },
}

impl QrAnswer {
    /// The worker's first message.
    pub const READY: Self = Self::Ready { ready: true };
}

impl Message for QrRequest {
    #[cfg(target_arch = "wasm32")]
    fn transfer(&self) -> Option<js_sys::ArrayBuffer> {
        Some(self.rgba.buffer())
    }
}

impl Message for QrAnswer {}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn frame() -> QrRequest {
        QrRequest {
            id: 3,
            width: 2,
            height: 1,
            rgba: Pixels::new(vec![0, 0, 0, 255, 255, 255, 255, 255]),
            live: true,
            steps: None,
            frame: false,
            pipeline: None,
        }
    }

    #[test]
    fn a_live_frame_has_the_fields_the_benchmarks_post() {
        let value = serde_json::to_value(frame()).expect("serialises");
        assert_eq!(
            value,
            json!({ "id": 3, "width": 2, "height": 1,
                    "rgba": [0, 0, 0, 255, 255, 255, 255, 255], "live": true, "frame": false })
        );
        let back: QrRequest = serde_json::from_value(value).expect("deserialises");
        assert_eq!(back, frame());
    }

    #[test]
    fn which_steps_are_optional() {
        // As `qr.bench.ts` posts a frame for one pipeline: no `live`, no `frame`.
        let posted = json!({ "id": 1, "width": 2, "height": 1,
                             "rgba": [0, 0, 0, 255, 255, 255, 255, 255], "pipeline": "default" });
        let request: QrRequest = serde_json::from_value(posted).expect("deserialises");
        assert!(!request.live && !request.frame && request.steps.is_none());
        assert_eq!(request.pipeline.as_deref(), Some("default"));
        assert_eq!(request.rgba.rgba().len(), 8);
        let posted = json!({ "id": 1, "width": 2, "height": 1,
                             "rgba": [0, 0, 0, 255, 255, 255, 255, 255],
                             "steps": "rxing,rqrr", "frame": true });
        let request: QrRequest = serde_json::from_value(posted).expect("deserialises");
        assert!(request.frame && !request.live);
        assert_eq!(request.steps.as_deref(), Some("rxing,rqrr"));
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        let good = serde_json::to_value(frame()).expect("serialises");
        for (key, bad) in [
            ("width", json!(-1)),
            ("height", json!(1.5)),
            ("height", json!(u64::from(u32::MAX) + 1)),
            ("id", json!("one")),
            ("rgba", json!(5)),
            ("live", json!("yes")),
        ] {
            let mut posted = good.clone();
            posted[key] = bad;
            assert!(
                serde_json::from_value::<QrRequest>(posted).is_err(),
                "{key}"
            );
        }
        let mut posted = good;
        if let Value::Object(fields) = &mut posted {
            fields.remove("rgba");
        }
        assert!(serde_json::from_value::<QrRequest>(posted).is_err());
    }

    #[test]
    fn answers_have_the_fields_the_benchmarks_read() {
        let cases = [
            (QrAnswer::READY, json!({ "ready": true })),
            (
                QrAnswer::Read {
                    id: 4,
                    text: Some("CT1K…".into()),
                    points: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                    ms: 12.5,
                },
                json!({ "id": 4, "text": "CT1K…", "points": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                        "ms": 12.5 }),
            ),
            (
                QrAnswer::Read {
                    id: 5,
                    text: None,
                    points: vec![],
                    ms: 3.0,
                },
                json!({ "id": 5, "text": null, "points": [], "ms": 3.0 }),
            ),
            (
                QrAnswer::Failed {
                    id: 6,
                    error: "the frame is 0×0".into(),
                },
                json!({ "id": 6, "error": "the frame is 0×0" }),
            ),
        ];
        for (answer, expected) in cases {
            let value = serde_json::to_value(&answer).expect("serialises");
            assert_eq!(value, expected);
            let back: QrAnswer = serde_json::from_value(value).expect("deserialises");
            assert_eq!(back, answer);
        }
    }
}
