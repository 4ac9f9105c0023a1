//! How densely an animated offline message is packed into its codes (docs/PROTOCOL.md "Densities of animated codes"): the
//! sender picks the symbol size within C.3's bounds, the QR version and error-correction level
//! that carry it, and how many codes a second it shows. The receiver needs none of this: every
//! frame says its symbol size, and a change of density mid-sequence is a change of message
//! parameters the collector follows ([`crate::collector`]).

/// QR error-correction levels the densities use (ISO/IEC 18004 §7.5.1): about 7, 15 and 25 % of
/// the codewords may be lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QrLevel {
    /// About 7 % restored.
    L,
    /// About 15 % restored.
    M,
    /// About 25 % restored.
    Q,
}

/// A density an animated offline message is shown at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Density {
    /// Large modules and level Q, slowly: for a poor camera, a far screen or a shaking hand.
    Robust,
    /// QR version 22 at level M, 20 codes a second: what most phones read at arm's length.
    #[default]
    Normal,
    /// QR version 30 at level L, 30 codes a second: for a good camera held steady, close.
    Dense,
}

impl Density {
    /// Every density, the sparsest first.
    pub const ALL: [Density; 3] = [Density::Robust, Density::Normal, Density::Dense];

    /// The name kept in settings and test ids.
    pub fn name(self) -> &'static str {
        match self {
            Density::Robust => "robust",
            Density::Normal => "normal",
            Density::Dense => "dense",
        }
    }

    /// The density called `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The error-correction level of its codes.
    pub fn level(self) -> QrLevel {
        match self {
            Density::Robust => QrLevel::Q,
            Density::Normal => QrLevel::M,
            Density::Dense => QrLevel::L,
        }
    }

    /// The largest QR version its codes need.
    pub fn max_version(self) -> i16 {
        match self {
            Density::Robust => 17,
            Density::Normal => 22,
            Density::Dense => 30,
        }
    }

    /// The largest fountain symbol whose `CT1F` text fits [`Density::max_version`] at
    /// [`Density::level`] (checked by this module's tests against a QR encoder).
    pub fn max_symbol(self) -> u16 {
        match self {
            Density::Robust => 336,
            Density::Normal => 736,
            Density::Dense => 1_656,
        }
    }

    /// Codes a second it is shown at unless the sender picks another rate.
    pub fn rate(self) -> u32 {
        match self {
            Density::Robust => 10,
            Density::Normal => 20,
            Density::Dense => 30,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::fountain::FRAME_OVERHEAD;
    use crate::qr_text::fountain_frame_text;

    fn version(text: &str, level: QrLevel) -> i16 {
        let level = match level {
            QrLevel::L => qrcode::EcLevel::L,
            QrLevel::M => qrcode::EcLevel::M,
            QrLevel::Q => qrcode::EcLevel::Q,
        };
        match qrcode::QrCode::with_error_correction_level(text, level).map(|c| c.version()) {
            Ok(qrcode::Version::Normal(v)) => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_density_uses_its_version_fully() {
        let frame = |t: u16| fountain_frame_text(&vec![0xff; FRAME_OVERHEAD + usize::from(t)]);
        for density in Density::ALL {
            let (level, max) = (density.level(), density.max_symbol());
            assert_eq!(
                version(&frame(max), level),
                density.max_version(),
                "{density:?}"
            );
            assert_eq!(version(&frame(max + 8), level), density.max_version() + 1);
            assert!(max.is_multiple_of(crate::fountain::SYMBOL_ALIGNMENT));
            assert!(max <= crate::fountain::MAX_SYMBOL_SIZE);
        }
    }

    #[test]
    fn denser_carries_more_a_second_and_names_round_trip() {
        let rate = |d: Density| u32::from(d.max_symbol()) * d.rate();
        assert!(rate(Density::Robust) < rate(Density::Normal));
        assert!(rate(Density::Normal) < rate(Density::Dense));
        for density in Density::ALL {
            assert_eq!(Density::parse(density.name()), Some(density));
        }
        assert_eq!(Density::parse("Dense"), None);
        assert_eq!(Density::default(), Density::Normal);
    }
}
