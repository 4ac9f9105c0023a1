//! The "## Protocol" section of docs/BENCHMARKS.md: machine, method, one table per measurement
//! with native, wasm and WebCrypto figures and their ratios.

use bench::figure::{Figure, Runtime};

use super::protocol_results::Results;
use super::section::{significant, today};

/// The section this benchmark owns.
pub const HEADING: &str = "## Protocol";

/// A row of the report.
pub struct Measure {
    pub name: &'static str,
    pub table: &'static str,
    pub row: &'static str,
    /// Times (lower is better) rather than rates.
    pub is_time: bool,
    pub webcrypto: Baseline,
}

/// What WebCrypto offers a row as its baseline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// Nothing comparable (Argon2id, the safety number, the certificate's parsing).
    None,
    /// AES-256-GCM, which every browser has.
    AesGcm,
    /// Ed25519, which only some browsers have (the browser line says whether this one does).
    Ed25519,
}

const ENVELOPES: &str =
    "Envelopes: a 200-byte chat body, padded to 256 (envelopes per second, higher is better)";
const STREAM: &str = "File STREAM: 32 MiB in 64 KiB chunks (MiB/s, higher is better)";
const ARGON2: &str = "Argon2id, default blob profile: m = 2^16 KiB (64 MiB), t = 3, p = 1 (ms per derivation, lower is better)";
const SIGNATURES: &str = "Identities: Ed25519 over an 87-byte presence statement (operations per second, higher is better)";
const SAFETY: &str =
    "Safety number of two identity keys: 2 × 5 200 SHA-512 rounds (ms per number, lower is better)";
const NEWCOMER: &str = "A newcomer meets a full room of 64: 63 certificates and Here signatures checked (189 verifications), its Join and 63 Acks signed (ms per newcomer, lower is better)";

/// Every row, in the report's order.
pub const MEASURES: [Measure; 10] = [
    Measure {
        name: "envelope_seal",
        table: ENVELOPES,
        row: "seal",
        is_time: false,
        webcrypto: Baseline::AesGcm,
    },
    Measure {
        name: "envelope_open",
        table: ENVELOPES,
        row: "open",
        is_time: false,
        webcrypto: Baseline::AesGcm,
    },
    Measure {
        name: "stream_seal",
        table: STREAM,
        row: "seal",
        is_time: false,
        webcrypto: Baseline::AesGcm,
    },
    Measure {
        name: "stream_open",
        table: STREAM,
        row: "open",
        is_time: false,
        webcrypto: Baseline::AesGcm,
    },
    Measure {
        name: "argon2id_default",
        table: ARGON2,
        row: "derive",
        is_time: true,
        webcrypto: Baseline::None,
    },
    Measure {
        name: "ed25519_sign",
        table: SIGNATURES,
        row: "sign (session key)",
        is_time: false,
        webcrypto: Baseline::Ed25519,
    },
    Measure {
        name: "ed25519_verify",
        table: SIGNATURES,
        row: "verify (strict)",
        is_time: false,
        webcrypto: Baseline::Ed25519,
    },
    Measure {
        name: "certificate_check",
        table: SIGNATURES,
        row: "certificate check (2 verifications)",
        is_time: false,
        webcrypto: Baseline::None,
    },
    Measure {
        name: "safety_number",
        table: SAFETY,
        row: "one pair",
        is_time: true,
        webcrypto: Baseline::None,
    },
    Measure {
        name: "newcomer_full_room",
        table: NEWCOMER,
        row: "one newcomer",
        is_time: true,
        webcrypto: Baseline::Ed25519,
    },
];

/// Every figure the report needs, or which are missing.
pub fn check_complete(results: &Results) -> Result<(), String> {
    let ed25519 = has_webcrypto_ed25519(results);
    let missing: Vec<String> = MEASURES
        .iter()
        .flat_map(|m| {
            let runtimes: &[Runtime] = match m.webcrypto {
                Baseline::AesGcm => &Runtime::ALL,
                Baseline::Ed25519 if ed25519 => &Runtime::ALL,
                Baseline::None | Baseline::Ed25519 => &[Runtime::Native, Runtime::Wasm],
            };
            runtimes.iter().map(move |r| (m.name, *r))
        })
        .filter(|(m, r)| {
            results
                .get(m, *r)
                .is_none_or(|f| !f.summary.median.is_finite())
        })
        .map(|(m, r)| format!("{m} ({})", r.name()))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("no figure for {}", missing.join(", ")))
    }
}

fn has_webcrypto_ed25519(results: &Results) -> bool {
    results
        .browser
        .as_ref()
        .is_some_and(|b| b.webcrypto_ed25519)
}

/// The section, from `results` and the lines describing the machine.
pub fn render(results: &Results, machine: &[String]) -> String {
    let mut out = format!("{HEADING}\n\n");
    out.push_str(&format!(
        "Measured {} (UTC) by `cargo xtask bench protocol`, all figures in one run.\n\n",
        today()
    ));
    for line in machine {
        out.push_str(&format!("- {line}\n"));
    }
    if let Some(browser) = &results.browser {
        let agent = &browser.user_agent;
        let isolated = if browser.cross_origin_isolated {
            ""
        } else {
            "not "
        };
        let ed25519 = if browser.webcrypto_ed25519 {
            "has"
        } else {
            "has no"
        };
        out.push_str(&format!(
            "- page: `{agent}`, {isolated}cross-origin isolated, on http://127.0.0.1; its WebCrypto {ed25519} Ed25519\n"
        ));
    }
    out.push_str(&METHOD.replace("{SAMPLES}", &samples(results)));
    let mut tables: Vec<&str> = MEASURES.iter().map(|m| m.table).collect();
    tables.dedup();
    for table in tables {
        out.push_str(&format!(
            "\n### {table}\n\n| operation | native | wasm | WebCrypto | wasm ÷ native | wasm ÷ WebCrypto |\n|---|---:|---:|---:|---:|---:|\n"
        ));
        for m in MEASURES.iter().filter(|m| m.table == table) {
            let cell = |runtime| results.get(m.name, runtime);
            let (native, wasm, webcrypto) = (
                cell(Runtime::Native),
                cell(Runtime::Wasm),
                cell(Runtime::WebCrypto),
            );
            // A browser without Ed25519 is a finding, not a gap: say so in its cells.
            let absent = if m.webcrypto == Baseline::Ed25519 && !has_webcrypto_ed25519(results) {
                "not in this browser"
            } else {
                "n/a"
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                m.row,
                figure_cell(native),
                figure_cell(wasm),
                webcrypto.map_or(absent.into(), |f| figure_cell(Some(f))),
                ratio_cell(wasm, native, m.is_time),
                webcrypto.map_or(absent.into(), |f| ratio_cell(wasm, Some(f), m.is_time)),
            ));
        }
    }
    out.push_str(&super::room_report::tables(results));
    out.push_str(RERUN);
    out
}

const METHOD: &str = "
Native is the release profile (opt-level 3, LTO) for this CPU's x86_64 with runtime-detected
AES-NI and CLMUL; wasm is the same code and profile for wasm32-unknown-unknown (no SIMD), run by
wasm-bindgen-test-runner in headless Chromium; WebCrypto is `crypto.subtle` in the same page on
the same data (AES-256-GCM on the same sizes of plaintext and associated data; Ed25519 on the
same statements, with the same keys), each call awaited before the next. The app itself ships
wasm built for size (profile `wasm-release`, opt-level `z`) except its AES, Argon2, SHA-2 and
fountain crates, built at opt-level 3 as here; its Ed25519 crates (`ed25519-dalek`,
`curve25519-dalek`) are not among those yet, so the app's signatures may cost more than the wasm
column says. The code is `bench/` (`cases.rs` and `identity.rs` for native and wasm,
`webcrypto.rs` and `webcrypto/ed25519.rs`). What each row does:

- envelope seal: `SenderSession::seal` of a 200-byte CHAT body; open: `SealedEnvelope::parse`
  then `open` with a fresh replay window. WebCrypto: encrypt / decrypt of 256 bytes with 42 bytes
  of associated data.
- STREAM seal: `FileSender::seal` of each of 512 chunks; open: `FileReceiver::receive` of each
  frame until the file is released. WebCrypto: encrypt / decrypt of each 64 KiB chunk with 55
  bytes of associated data.
- Argon2id: `Argon2id::derive` with `Argon2Params::DEFAULT`; WebCrypto has no Argon2.
- Ed25519 sign: `SessionKey::sign_presence` of a Here (PROTOCOL.md I.3); verify:
  `identity::verify` (strict: canonical key, no small order, canonical S) of that signature from
  the key's 32 bytes. WebCrypto: `sign` with the same key imported as PKCS#8 (its signature is
  checked to be the Rust one, byte for byte), `verify` with the public key imported once
  beforehand; WebCrypto's verify is not promised to be strict. Certificate check:
  `Certificate::check` of a 224-byte certificate (PROTOCOL.md I.2: the identity's binding and
  the certificate's signature).
- safety number: `safety::safety_number` of two identity keys (PROTOCOL.md I.4); WebCrypto has
  no iterated hash to compare.
- newcomer: for each of the 63 others `Certificate::check` then `check_presence` of its Here,
  and `sign_presence` of an Ack; one Join signed first. Certificates and signatures are made
  beforehand; the newcomer's own certificate (one signature by its identity per session) is not
  counted. WebCrypto: the same 189 verifications and 64 signatures through `crypto.subtle`, the
  63 identity keys and 63 session keys imported from their bytes as they arrive.

Each figure is the median of {SAMPLES}, after an unrecorded
calibration run that is also the warm-up; a sample lasts at least 0.3 s or is one Argon2id
derivation. Brackets give the lowest and highest sample. Ratios divide the medians: for rates a
ratio below 1 means wasm is slower, for times a ratio above 1 does. Absolute figures drift on
shared machines; ratios measured side by side drift much less.
";

const RERUN: &str = "
To rerun: `cargo xtask bench protocol` (a few minutes, most of it the two release builds). It
needs the wasm32 target and wasm-bindgen-cli (`cargo xtask setup`), and Debian's `chromium` and
`chromium-driver` (installed when run as root; `CHROMEDRIVER` and `CUTOUT_CHROMIUM` override
their paths). It rewrites only this section.
";

/// "7 samples (5 for Argon2id)", from the figures themselves.
fn samples(results: &Results) -> String {
    let count = |measure: &str| {
        results
            .get(measure, Runtime::Native)
            .map_or(0, |f| f.summary.samples)
    };
    let (rates, argon2) = (count("envelope_seal"), count("argon2id_default"));
    if rates == argon2 {
        format!("{rates} samples")
    } else {
        format!("{rates} samples ({argon2} for Argon2id)")
    }
}

fn figure_cell(figure: Option<&Figure>) -> String {
    match figure {
        Some(f) => {
            let s = &f.summary;
            format!("{} ({}–{})", number(s.median), number(s.min), number(s.max))
        }
        None => "n/a".into(),
    }
}

/// `wasm ÷ other`, with the plain-language reading.
fn ratio_cell(wasm: Option<&Figure>, other: Option<&Figure>, is_time: bool) -> String {
    let (Some(wasm), Some(other)) = (wasm, other) else {
        return "n/a".into();
    };
    let ratio = wasm.summary.median / other.summary.median;
    // How many times faster wasm is: for times the ratio is inverted.
    let speed = if is_time { 1.0 / ratio } else { ratio };
    let reading = if speed >= 1.0 {
        format!("{:.1}× faster", speed)
    } else {
        format!("{:.1}× slower", 1.0 / speed)
    };
    format!("{} ({reading})", significant(ratio))
}

/// Three significant figures with thousands as k and millions as M.
fn number(value: f64) -> String {
    if value >= 1e6 {
        format!("{} M", significant(value / 1e6))
    } else if value >= 1e4 {
        format!("{} k", significant(value / 1e3))
    } else {
        significant(value)
    }
}

#[cfg(test)]
mod tests {
    use bench::sampler::Summary;

    use super::*;

    #[test]
    fn ratios_read_the_right_way_round() {
        let f = |median: f64| Figure {
            measure: String::new(),
            runtime: Runtime::Wasm,
            unit: String::new(),
            summary: Summary {
                median,
                min: median,
                max: median,
                samples: 1,
            },
            batch: 1,
        };
        assert_eq!(
            ratio_cell(Some(&f(35.0)), Some(&f(500.0)), false),
            "0.0700 (14.3× slower)"
        );
        assert_eq!(
            ratio_cell(Some(&f(360.0)), Some(&f(180.0)), true),
            "2.00 (2.0× slower)"
        );
        assert_eq!(
            ratio_cell(Some(&f(100.0)), Some(&f(40.0)), false),
            "2.50 (2.5× faster)"
        );
        assert_eq!(number(2_419_766.0), "2.42 M");
        assert_eq!(number(41_126.8), "41.1 k");
        assert_eq!(number(547.05), "547");
    }

    #[test]
    fn every_measure_must_have_its_figures() {
        let mut results = Results::default();
        let missing = check_complete(&results).unwrap_err();
        assert!(missing.contains("envelope_seal (webcrypto)"), "{missing}");
        assert!(
            !missing.contains("argon2id_default (webcrypto)"),
            "{missing}"
        );
        assert!(
            !missing.contains("ed25519_verify (webcrypto)"),
            "no browser line, so no Ed25519 expected: {missing}"
        );
        let sampler = bench::sampler::Sampler::new(bench::sampler::Plan::FAST);
        for m in MEASURES {
            for runtime in Runtime::ALL {
                let mut figure =
                    Figure::of(m.name, runtime, bench::figure::Unit::MillisPerOp, &sampler);
                figure.summary.median = 1.0;
                results.figures.push(figure);
            }
        }
        assert_eq!(check_complete(&results), Ok(()));
    }

    fn browser(webcrypto_ed25519: bool) -> bench::figure::Browser {
        bench::figure::Browser {
            user_agent: "HeadlessChrome/1".into(),
            cross_origin_isolated: true,
            webcrypto_ed25519,
        }
    }

    /// Every native and wasm figure, and WebCrypto's AES-GCM ones.
    fn without_webcrypto_ed25519() -> Results {
        let mut results = Results::default();
        let sampler = bench::sampler::Sampler::new(bench::sampler::Plan::FAST);
        for m in MEASURES {
            for runtime in Runtime::ALL {
                if runtime == Runtime::WebCrypto && m.webcrypto != Baseline::AesGcm {
                    continue;
                }
                let mut figure =
                    Figure::of(m.name, runtime, bench::figure::Unit::MillisPerOp, &sampler);
                figure.summary.median = 1.0;
                results.figures.push(figure);
            }
        }
        results
    }

    #[test]
    fn ed25519_baselines_are_due_only_from_a_browser_that_has_them() {
        let mut results = without_webcrypto_ed25519();
        results.browser = Some(browser(true));
        let missing = check_complete(&results).unwrap_err();
        assert!(missing.contains("ed25519_sign (webcrypto)"), "{missing}");
        assert!(
            missing.contains("newcomer_full_room (webcrypto)"),
            "{missing}"
        );
        assert!(!missing.contains("certificate_check"), "{missing}");
        results.browser = Some(browser(false));
        assert_eq!(check_complete(&results), Ok(()));
    }

    #[test]
    fn a_browser_without_ed25519_is_named_in_the_report() {
        let mut results = without_webcrypto_ed25519();
        results.browser = Some(browser(false));
        let report = render(&results, &[]);
        assert!(report.contains("its WebCrypto has no Ed25519"), "{report}");
        let verify_row = report
            .lines()
            .find(|l| l.starts_with("| verify (strict)"))
            .unwrap_or_default();
        assert!(verify_row.contains("not in this browser"), "{verify_row}");
        let safety_row = report
            .lines()
            .find(|l| l.starts_with("| one pair"))
            .unwrap_or_default();
        assert!(safety_row.contains("n/a"), "{safety_row}");
    }
}
