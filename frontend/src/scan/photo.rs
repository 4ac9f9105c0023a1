//! Photos and uploaded pictures as frames for the decoder: opened by the browser, scaled down,
//! read back as RGBA.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::browser::BrowserError;
use crate::scan::camera::{Frame, Frames, Source};

/// Photos are read at most this large on their longer side (a 12-megapixel photo would take
/// the decoder a second; codes in photos are rarely that small).
const MAX_PHOTO_SIDE: u32 = 2048;

/// Why a picture could not be handed to the decoder.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// No window (a worker context).
    #[error("no window")]
    NoWindow,
    /// `createImageBitmap` is missing.
    #[error("this browser cannot open pictures")]
    Unsupported,
    /// The browser could not decode the file as a picture.
    #[error("that file is not a picture this browser can open")]
    NotAPicture,
    /// The picture could not be drawn and read back.
    #[error("the picture could not be read")]
    Unreadable,
    /// A canvas could not be made.
    #[error(transparent)]
    Canvas(#[from] BrowserError),
    /// The decoder stayed busy with camera frames.
    #[error("the decoder is busy; try the picture again")]
    Busy,
}

/// A photo or picture as RGBA pixels, scaled down to at most [`MAX_PHOTO_SIDE`].
pub async fn photo_frame(file: &web_sys::File) -> Result<Frame, PhotoError> {
    let window = web_sys::window().ok_or(PhotoError::NoWindow)?;
    let promise = window
        .create_image_bitmap_with_blob(file)
        .map_err(|_| PhotoError::Unsupported)?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise)
        .await
        .map_err(|_| PhotoError::NotAPicture)?
        .unchecked_into();
    let (w, h) = (bitmap.width(), bitmap.height());
    let scale = (f64::from(MAX_PHOTO_SIDE) / f64::from(w.max(h))).min(1.0);
    let (sw, sh) = (
        ((f64::from(w) * scale) as u32).max(1),
        ((f64::from(h) * scale) as u32).max(1),
    );
    let frames = Frames::new()?;
    let frame = frames.draw(&Source::Bitmap(&bitmap), sw, sh);
    bitmap.close();
    frame.ok_or(PhotoError::Unreadable)
}
