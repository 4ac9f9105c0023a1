//! A frame's RGBA pixels inside a [`QrRequest`](crate::QrRequest), the one field of a worker
//! message not converted by serde: a 1280×720 frame is 3.7 MB, read by the page from a canvas
//! into JavaScript memory, and it should reach the worker without a copy.
//!
//! In wasm the pixels are a `Uint8Array` that stays a JavaScript object: `serde-wasm-bindgen`
//! passes it through as it is (its `preserve` module), `post` moves its buffer
//! to the worker (postMessage's transfer list), and the worker reads it into wasm memory a
//! piece at a time. A `Uint8ClampedArray` (what `getImageData` gives, and what the benchmarks
//! post) is taken as a `Uint8Array` view of the same buffer, not copied. Natively (tests), the
//! pixels are plain bytes.

use serde::{Deserialize, Serialize};

/// A frame's RGBA pixels, four bytes a pixel, rows top to bottom.
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pixels(
    #[serde(
        serialize_with = "serde_wasm_bindgen::preserve::serialize",
        deserialize_with = "js::view"
    )]
    js_sys::Uint8Array,
);

/// A frame's RGBA pixels, four bytes a pixel, rows top to bottom.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pixels(#[serde(with = "serde_bytes")] Vec<u8>);

#[cfg(not(target_arch = "wasm32"))]
impl Pixels {
    /// `rgba`, four bytes a pixel.
    pub fn new(rgba: Vec<u8>) -> Self {
        Self(rgba)
    }

    /// The bytes.
    pub fn rgba(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(target_arch = "wasm32")]
impl Pixels {
    /// The pixels `getImageData` read (a view of the same buffer, not a copy).
    pub fn new(rgba: &js_sys::Uint8ClampedArray) -> Self {
        Self(js::view_of(rgba))
    }

    /// The bytes, in JavaScript memory.
    pub fn rgba(&self) -> &js_sys::Uint8Array {
        &self.0
    }

    /// The buffer holding them, to move to the worker.
    pub(crate) fn buffer(&self) -> js_sys::ArrayBuffer {
        self.0.buffer()
    }
}

#[cfg(target_arch = "wasm32")]
mod js {
    use js_sys::{Uint8Array, Uint8ClampedArray};
    use serde::de::Error;
    use wasm_bindgen::{JsCast, JsValue};

    /// A `Uint8Array` over the same bytes as `array`.
    pub(super) fn view_of(array: &Uint8ClampedArray) -> Uint8Array {
        Uint8Array::new_with_byte_offset_and_length(
            &array.buffer(),
            array.byte_offset(),
            array.byte_length(),
        )
    }

    /// The pixels as posted: a `Uint8Array` as it is, a `Uint8ClampedArray` as a view of the
    /// same buffer; anything else is a malformed frame.
    pub(super) fn view<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Uint8Array, D::Error> {
        let value: JsValue = serde_wasm_bindgen::preserve::deserialize(de)?;
        match value.dyn_into::<Uint8Array>() {
            Ok(bytes) => Ok(bytes),
            Err(value) => value
                .dyn_into::<Uint8ClampedArray>()
                .map(|clamped| view_of(&clamped))
                .map_err(|_| D::Error::custom("the frame's pixels are not a byte array")),
        }
    }
}
