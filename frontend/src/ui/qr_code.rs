//! A QR code as crisp SVG (from the `qrcode` crate), with the quiet zone scanners need and the
//! text it holds next to it for anyone who cannot scan.

use leptos::prelude::*;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The QR version `text` needs at level M (each segment in its most compact mode: Cutout's
/// tagged texts are all alphanumeric), or `None` if it fits no QR code.
pub fn qr_version(text: &str) -> Option<i16> {
    match QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .ok()?
        .version()
    {
        qrcode::Version::Normal(v) => Some(v),
        qrcode::Version::Micro(_) => None,
    }
}

/// SVG markup for `text` at level M, or `None` if it does not fit a QR code.
pub fn svg_markup(text: &str) -> Option<String> {
    svg_markup_at(text, EcLevel::M)
}

/// SVG markup for `text` at error-correction level `level`, or `None` if it does not fit.
pub fn svg_markup_at(text: &str, level: EcLevel) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), level).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .quiet_zone(true)
            .min_dimensions(200, 200)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

/// A QR code of `text`, labelled for screen readers.
#[component]
pub fn QrCodeView(
    /// What the code holds.
    #[prop(into)]
    text: String,
    /// What the code is, for screen readers.
    #[prop(into)]
    label: String,
    /// `data-testid` of the figure.
    #[prop(into)]
    testid: String,
) -> impl IntoView {
    let markup = svg_markup(&text).unwrap_or_default();
    view! {
        <figure class="qr" role="img" aria-label=label data-testid=testid inner_html=markup></figure>
    }
}
