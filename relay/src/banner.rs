//! What the relay prints at start for the person running it: where to open the app, and a QR
//! code of that address for a phone's camera.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

use crate::tls::ReplacedCa;

/// What the banner says about the local CA.
#[derive(Clone, Copy, Debug)]
pub struct CaNotice<'a> {
    /// The CA certificate's SHA-256 fingerprint, which people compare when they install it.
    pub fingerprint: &'a str,
    /// The CA this start replaced, if it did: phones that trusted it must install the new one.
    pub replaced: Option<&'a ReplacedCa>,
}

/// Renders the start-up banner for `origins` (the first one, HTTPS when served, gets the QR
/// code) and the local CA, when HTTPS is served.
pub fn render(origins: &[String], ca: Option<CaNotice<'_>>) -> String {
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
    if let Some(CaNotice {
        fingerprint,
        replaced,
    }) = ca
    {
        // Over plain HTTP: a phone cannot trust the HTTPS address before it has the CA.
        let plain = origins
            .iter()
            .find(|o| o.starts_with("http://"))
            .unwrap_or(first);
        if let Some(old) = replaced {
            // Phones keep trusting the old CA until someone removes it, and no longer trust this
            // relay until they install the new one: both must be said, plainly.
            out.push_str(&format!(
                "The local CA was replaced ({}): every phone must install the new CA below,\n\
                 and should remove the old one, \"{}\".\n",
                old.reason, old.name
            ));
        }
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
            Some(CaNotice {
                fingerprint: "AB:CD",
                replaced: None,
            }),
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
            Some(CaNotice {
                fingerprint: "AB:CD",
                replaced: None,
            }),
        );
        assert!(text.contains("  http://10.0.0.2:8080/ca.crt\n"), "{text}");
        assert!(!text.contains("replaced"), "{text}");
        assert!(!text.contains('\u{1b}'), "no terminal codes in the banner");
    }

    #[test]
    fn a_replaced_ca_is_announced_with_the_usual_lines() {
        let old = ReplacedCa {
            name: "Cutout local CA 0badcafe".to_owned(),
            reason: crate::ca::Replaced::Unconstrained,
        };
        let text = render(
            &["http://10.0.0.2:8080".into()],
            Some(CaNotice {
                fingerprint: "AB:CD",
                replaced: Some(&old),
            }),
        );
        assert!(
            text.contains("The local CA was replaced (it could vouch for any website)"),
            "{text}"
        );
        assert!(
            text.contains("every phone must install the new CA"),
            "{text}"
        );
        assert!(text.contains("\"Cutout local CA 0badcafe\""), "{text}");
        assert!(text.contains("  http://10.0.0.2:8080/ca.crt\n"), "{text}");
        assert!(text.contains("AB:CD"), "{text}");
    }

    #[test]
    fn no_origins_no_banner() {
        assert!(render(&[], None).is_empty());
    }
}
