//! What the relay prints at start for the person running it: where to open the app, and a QR
//! code of that address for a phone's camera.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

/// Renders the start-up banner for `origins` (the first one, HTTPS when served, gets the QR
/// code) and the CA's fingerprint, which people compare when they install the CA.
pub fn render(origins: &[String], ca_fingerprint: Option<&str>) -> String {
    let mut out = String::new();
    let Some(first) = origins.first() else {
        return out;
    };
    out.push_str("Open Cutout at:\n");
    for origin in origins {
        out.push_str("  ");
        out.push_str(origin);
        out.push_str("/\n");
    }
    match QrCode::new(format!("{first}/")) {
        Ok(code) => {
            // Light modules on a dark terminal read best inverted; quiet zone kept for scanners.
            let art = code
                .render::<Dense1x2>()
                .dark_color(Dense1x2::Light)
                .light_color(Dense1x2::Dark)
                .quiet_zone(true)
                .build();
            out.push_str(&art);
            out.push('\n');
        }
        Err(err) => tracing::warn!(%err, "cannot render the address as a QR code"),
    }
    if let Some(fingerprint) = ca_fingerprint {
        // Over plain HTTP: a phone cannot trust the HTTPS address before it has the CA.
        let plain = origins
            .iter()
            .find(|o| o.starts_with("http://"))
            .unwrap_or(first);
        out.push_str("Local CA: install it on each phone from\n  ");
        out.push_str(plain);
        out.push_str("/ca.crt\nand check that its SHA-256 fingerprint is\n  ");
        out.push_str(fingerprint);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_lists_every_origin_and_draws_a_code() {
        let text = render(
            &[
                "http://127.0.0.1:8080".into(),
                "http://10.0.0.2:8080".into(),
            ],
            Some("AB:CD"),
        );
        assert!(text.contains("http://127.0.0.1:8080/"));
        assert!(text.contains("http://10.0.0.2:8080/"));
        assert!(text.contains('▀') || text.contains('▄') || text.contains('█'));
        assert!(text.contains("AB:CD"));
    }

    #[test]
    fn the_ca_is_offered_at_its_full_plain_http_address() {
        let text = render(
            &[
                "https://10.0.0.2:8443".into(),
                "http://10.0.0.2:8080".into(),
            ],
            Some("AB:CD"),
        );
        assert!(text.contains("  http://10.0.0.2:8080/ca.crt\n"), "{text}");
        assert!(!text.contains('\u{1b}'), "no terminal codes in the banner");
    }

    #[test]
    fn no_origins_no_banner() {
        assert!(render(&[], None).is_empty());
    }
}
