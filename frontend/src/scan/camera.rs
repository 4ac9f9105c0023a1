//! Browser glue for the camera: open the rear camera into a `<video>`, grab frames as RGBA for
//! the decoding worker, and stop every track when done (so the camera light goes off).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser::BrowserError;
use web_sys::{
    CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream,
    MediaStreamConstraints, MediaStreamTrack,
};

/// Why the live camera cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CameraError {
    /// The browser offers no camera API here, usually because the page is not a secure context.
    Unavailable,
    /// The person (or a policy) refused camera access.
    Denied,
    /// No camera was found.
    NoCamera,
    /// Anything else the browser reported.
    Failed(String),
}

impl CameraError {
    /// A sentence for the person holding the phone.
    pub fn explain(&self) -> String {
        match self {
            Self::Unavailable => "This browser only allows the camera on a secure page (HTTPS). \
                                  Open Cutout over HTTPS to scan live."
                .into(),
            Self::Denied => "Camera access was refused. Allow the camera for this page in the \
                             browser's settings, then try again."
                .into(),
            Self::NoCamera => "No camera was found on this device.".into(),
            Self::Failed(why) => format!("The camera could not start: {why}"),
        }
    }

    fn from_js(err: &JsValue) -> Self {
        let name = js_sys::Reflect::get(err, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        match name.as_str() {
            "NotAllowedError" | "SecurityError" => Self::Denied,
            "NotFoundError" | "OverconstrainedError" => Self::NoCamera,
            _ => Self::Failed(
                js_sys::Reflect::get(err, &"message".into())
                    .ok()
                    .and_then(|m| m.as_string())
                    .unwrap_or(name),
            ),
        }
    }
}

/// A running camera attached to a `<video>` element, with a canvas to read frames from.
pub struct Camera {
    stream: MediaStream,
    frames: Frames,
}

impl Camera {
    /// Asks for `device` (a `deviceId` from [`cameras`]), else the rear camera, at an ideal
    /// 1280×720, and plays it in `video`.
    pub async fn open(video: &HtmlVideoElement, device: Option<&str>) -> Result<Self, CameraError> {
        let devices = media_devices().ok_or(CameraError::Unavailable)?;

        let constraints = MediaStreamConstraints::new();
        constraints.set_audio(&JsValue::FALSE);
        constraints.set_video(&video_constraints(device));
        let promise = devices
            .get_user_media_with_constraints(&constraints)
            .map_err(|e| CameraError::from_js(&e))?;
        let stream: MediaStream = JsFuture::from(promise)
            .await
            .map_err(|e| CameraError::from_js(&e))?
            .unchecked_into();

        video.set_src_object(Some(&stream));
        // A failed play() (autoplay policy) is not fatal: the frames still arrive once it plays.
        if let Ok(play) = video.play() {
            let _ = JsFuture::from(play).await;
        }

        let frames = Frames::new().map_err(|e| CameraError::Failed(e.to_string()))?;
        Ok(Self { stream, frames })
    }

    /// The current frame of `video` as RGBA pixels in a JavaScript array (never copied into
    /// wasm memory: it goes to the decoding worker), or `None` before the first frame.
    pub fn frame(&self, video: &HtmlVideoElement) -> Option<Frame> {
        let (w, h) = (video.video_width(), video.video_height());
        if w == 0 || h == 0 {
            return None;
        }
        self.frames.draw(&Source::Video(video), w, h)
    }

    fn track(&self) -> Option<MediaStreamTrack> {
        self.stream
            .get_video_tracks()
            .get(0)
            .dyn_into::<MediaStreamTrack>()
            .ok()
    }

    /// The canvas holding the last frame taken (the one a code was found in, when the scanner
    /// stops at once): shown in place of the video once the camera is off.
    pub fn still(&self) -> HtmlCanvasElement {
        self.frames.canvas.clone()
    }

    /// The `deviceId` of the camera in use.
    pub fn device_id(&self) -> Option<String> {
        let settings = call(self.track()?.as_ref(), "getSettings", &[])?;
        js_sys::Reflect::get(&settings, &"deviceId".into())
            .ok()?
            .as_string()
    }

    /// Whether the camera has a light that can be switched on (phones' rear cameras mostly).
    pub fn has_torch(&self) -> bool {
        self.track()
            .and_then(|track| call(track.as_ref(), "getCapabilities", &[]))
            .and_then(|caps| js_sys::Reflect::get(&caps, &"torch".into()).ok())
            .is_some_and(|torch| torch.is_truthy())
    }

    /// Switches the light on or off; the promise settles once the camera did.
    pub fn set_torch(&self, on: bool) -> Result<js_sys::Promise, BrowserError> {
        let track = self
            .track()
            .ok_or_else(|| BrowserError("no camera track".into()))?;
        let torch = js_sys::Object::new();
        js_sys::Reflect::set(&torch, &"torch".into(), &on.into())?;
        let constraints = js_sys::Object::new();
        js_sys::Reflect::set(
            &constraints,
            &"advanced".into(),
            &js_sys::Array::of1(&torch),
        )?;
        call(track.as_ref(), "applyConstraints", &[constraints.into()])
            .map(js_sys::Promise::from)
            .ok_or_else(|| BrowserError("the camera cannot switch its light".into()))
    }
}

/// RGBA pixels of a picture, as `getImageData` gives them.
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width` × `height` × 4 bytes.
    pub rgba: js_sys::Uint8ClampedArray,
}

/// What to draw a frame from.
pub enum Source<'a> {
    /// The camera's current frame.
    Video(&'a HtmlVideoElement),
    /// A decoded photo or uploaded picture.
    Bitmap(&'a web_sys::ImageBitmap),
}

/// A canvas kept for reading pixels back.
pub struct Frames {
    canvas: HtmlCanvasElement,
    context: CanvasRenderingContext2d,
}

impl Frames {
    /// A canvas of its own, set up for frequent reads.
    pub fn new() -> Result<Self, BrowserError> {
        let canvas = create_canvas()?;
        let context = reading_context(&canvas)?;
        Ok(Self { canvas, context })
    }

    /// `source` drawn at `w`×`h` and read back.
    pub fn draw(&self, source: &Source<'_>, w: u32, h: u32) -> Option<Frame> {
        if self.canvas.width() != w || self.canvas.height() != h {
            self.canvas.set_width(w);
            self.canvas.set_height(h);
        }
        let (wf, hf) = (f64::from(w), f64::from(h));
        let drawn = match source {
            Source::Video(video) => self
                .context
                .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, wf, hf),
            Source::Bitmap(bitmap) => self
                .context
                .draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, wf, hf),
        };
        drawn.ok()?;
        let image = self.context.get_image_data(0.0, 0.0, wf, hf).ok()?;
        // `data` read as the JavaScript array it is; `ImageData::data()` would copy it into wasm.
        let rgba = js_sys::Reflect::get(&image, &"data".into())
            .ok()?
            .dyn_into::<js_sys::Uint8ClampedArray>()
            .ok()?;
        Some(Frame {
            width: w,
            height: h,
            rgba,
        })
    }
}

/// The cameras of this device, `(deviceId, label)`, once camera access was granted (before
/// that, browsers hide the labels).
pub async fn cameras() -> Vec<(String, String)> {
    let Some(devices) = media_devices() else {
        return Vec::new();
    };
    let Some(promise) = call(&devices, "enumerateDevices", &[]) else {
        return Vec::new();
    };
    let Ok(list) = JsFuture::from(js_sys::Promise::from(promise)).await else {
        return Vec::new();
    };
    let field = |d: &JsValue, key: &str| {
        js_sys::Reflect::get(d, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    js_sys::Array::from(&list)
        .iter()
        .filter(|d| field(d, "kind") == "videoinput")
        .enumerate()
        .map(|(i, d)| {
            let label = field(&d, "label");
            let label = if label.is_empty() {
                format!("Camera {}", i + 1)
            } else {
                label
            };
            (field(&d, "deviceId"), label)
        })
        .collect()
}

/// `navigator.mediaDevices`, which is undefined outside secure contexts: read through Reflect
/// so that no method is called on undefined.
fn media_devices() -> Option<web_sys::MediaDevices> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window.navigator(), &"mediaDevices".into())
        .ok()
        .filter(|d| !d.is_undefined() && !d.is_null())
        .map(JsCast::unchecked_into)
}

/// Calls `target.method(args…)` where the method exists.
fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Option<JsValue> {
    let function = js_sys::Reflect::get(target, &method.into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    function
        .apply(target, &args.iter().collect::<js_sys::Array>())
        .ok()
}

impl Drop for Camera {
    fn drop(&mut self) {
        for track in self.stream.get_tracks() {
            track.unchecked_into::<MediaStreamTrack>().stop();
        }
    }
}

fn video_constraints(device: Option<&str>) -> JsValue {
    let with = |key: &str, v: JsValue| {
        let o = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&o, &key.into(), &v);
        o
    };
    let ideal = |v: f64| with("ideal", v.into());
    let video = js_sys::Object::new();
    match device {
        Some(id) => {
            let _ = js_sys::Reflect::set(&video, &"deviceId".into(), &with("exact", id.into()));
        }
        None => {
            let _ = js_sys::Reflect::set(&video, &"facingMode".into(), &"environment".into());
        }
    }
    let _ = js_sys::Reflect::set(&video, &"width".into(), &ideal(1280.0));
    let _ = js_sys::Reflect::set(&video, &"height".into(), &ideal(720.0));
    video.into()
}

fn create_canvas() -> Result<HtmlCanvasElement, JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    Ok(document.create_element("canvas")?.unchecked_into())
}

fn reading_context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, JsValue> {
    // Frames are read back every time: tell the browser so it keeps the canvas in CPU memory.
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE)?;
    canvas
        .get_context_with_context_options("2d", &options)?
        .ok_or_else(|| JsValue::from_str("no 2d context"))
        .map(JsCast::unchecked_into)
}
