//! What the scanner decides, in plain types: what kind of code was read (PROTOCOL.md C.2),
//! where the scan stands and what its status line says, and the box drawn around a code.

use protocol::qr_text::{QrText, QrTextError, parse_qr_text};

use crate::scan::camera::CameraError;
use crate::scan::photo::PhotoError;

/// What a code read turned out to be (PROTOCOL.md C.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// A room invite.
    Invite,
    /// A pairing code (someone's identity, or an older copy's contact key).
    Pairing,
    /// An offline message, or one frame of it.
    Offline,
    /// Someone's verification code (docs/PROTOCOL.md I.5).
    Verification,
    /// A Cutout tag with a payload that does not decode.
    Damaged,
    /// Anything else: a web address, a menu, a Wi-Fi code.
    Foreign,
}

impl CodeKind {
    /// What `text` is.
    pub fn of(text: &str) -> Self {
        match parse_qr_text(text) {
            Ok(QrText::Invite(_)) => Self::Invite,
            Ok(QrText::ContactKey(_) | QrText::Pairing(_)) => Self::Pairing,
            Ok(QrText::Message(_) | QrText::FountainFrame(_)) => Self::Offline,
            Ok(QrText::Verification(_)) => Self::Verification,
            Err(QrTextError::Unknown) => Self::Foreign,
            // An ordinary web address, not a damaged invite.
            Err(QrTextError::Invite) if !text.contains("#r1.") => Self::Foreign,
            Err(_) => Self::Damaged,
        }
    }

    /// The `data-kind` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Invite => "invite",
            Self::Pairing => "pairing",
            Self::Offline => "offline",
            Self::Verification => "verification",
            Self::Damaged => "damaged",
            Self::Foreign => "foreign",
        }
    }

    /// A sentence for the person.
    pub fn explain(self) -> &'static str {
        match self {
            Self::Invite => "A Cutout room invite.",
            Self::Pairing => "A Cutout pairing code.",
            Self::Offline => "A Cutout offline message.",
            Self::Verification => {
                "A Cutout verification code. To verify this person, open their entry in the \
                room you share with them (Verify), then scan it there."
            }
            Self::Damaged => "A Cutout code, but damaged: it cannot be read. Ask for a new one.",
            Self::Foreign => "Not a Cutout code. Its text is below; nothing was opened.",
        }
    }
}

/// Where the scan stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanState {
    /// The camera is opening.
    Starting,
    /// Frames go to the decoder.
    Scanning,
    /// A photo or picture is being decoded.
    ReadingPhoto,
    /// The photo held no code that could be read.
    NothingInPhoto,
    /// Codes of a sequence are being collected (the caller shows how far).
    Collecting,
    /// A code was read: its text.
    Found(String),
    /// The camera could not be used.
    Failed(CameraError),
    /// The decoder could not run.
    DecoderFailed(String),
    /// A photo could not be read.
    PhotoFailed(PhotoError),
}

impl ScanState {
    /// The status line (`has_camera`: a camera is running beside the photo being read).
    pub fn status(&self, has_camera: bool) -> String {
        match self {
            Self::Starting => "Starting the camera…".to_string(),
            Self::Scanning => "Point the camera at a QR code.".to_string(),
            Self::ReadingPhoto => "Reading the picture…".to_string(),
            Self::Collecting if has_camera => {
                "Reading the codes: keep the camera on them.".to_string()
            }
            Self::Collecting => "Code read. Take or choose the next one.".to_string(),
            Self::NothingInPhoto => "No QR code found in that picture. Take it \
                closer, so the code fills more of it, and keep it sharp."
                .to_string(),
            Self::Found(text) => format!("QR code read. {}", CodeKind::of(text).explain()),
            Self::Failed(err) => format!(
                "{} You can take a photo of the code or choose a picture instead.",
                err.explain()
            ),
            Self::DecoderFailed(why) => format!("Cannot read codes here: {why}."),
            Self::PhotoFailed(why) => format!("Cannot read codes here: {why}."),
        }
    }
}

/// A box around a code found in a camera frame, in that frame's pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    /// The frame's width and height.
    pub frame: (u32, u32),
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

impl Mark {
    /// The box around `points` with a margin (rxing reports finder pattern centres, inside
    /// the code's corners), or `None` without points.
    pub fn around(points: &[(f64, f64)], frame: (u32, u32)) -> Option<Self> {
        if points.is_empty() || frame.0 == 0 || frame.1 == 0 {
            return None;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(x, y) in points {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let margin = 0.12 * (x1 - x0).max(y1 - y0) + 6.0;
        Some(Self {
            frame,
            x: x0 - margin,
            y: y0 - margin,
            width: x1 - x0 + 2.0 * margin,
            height: y1 - y0 + 2.0 * margin,
        })
    }
}
