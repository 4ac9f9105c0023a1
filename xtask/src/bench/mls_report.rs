//! The "## MLS" section of docs/BENCHMARKS.md: what `cargo xtask bench mls` measured, as tables
//! of both libraries side by side, with the ratio openmls / mls-rs from the same run.

use bench::figure::Runtime;

use super::protocol_results::Results;
use super::section::{significant, today};

/// The section's heading.
pub const HEADING: &str = "## MLS";

const LIBRARIES: [&str; 2] = ["mls-rs", "openmls"];
const SIZES: [u32; 3] = [8, 32, 64];
/// The timed steps (`bench_mls::scenario`), with what each is.
const STEPS: [(&str, &str); 8] = [
    ("add_create", "Add commit + Welcome, committer"),
    ("welcome_join", "join by the Welcome, newcomer"),
    ("add_process", "Add commit, another member"),
    ("remove_create", "Remove commit, committer"),
    ("remove_process", "Remove commit, another member"),
    ("encrypt", "1 KiB message, encrypt"),
    ("decrypt", "1 KiB message, decrypt"),
    ("export", "exporter secret, 32 bytes"),
];
const MESSAGES: [(&str, &str); 5] = [
    ("key_package", "KeyPackage"),
    ("add_commit", "Add commit"),
    ("welcome", "Welcome (ratchet tree inside)"),
    ("remove_commit", "Remove commit"),
    ("message", "1 KiB application message"),
];

/// The size of one wasm binary after `wasm-opt -Oz`, raw and under `gzip -9`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Size {
    /// The `bench-mls` binary: `size-empty`, `size-mls-rs` or `size-openmls`.
    pub binary: String,
    /// Bytes after `wasm-opt -Oz`.
    pub raw: u64,
    /// Bytes of `gzip -9` of that.
    pub gzip: u64,
}

fn measure(library: &str, n: u32, what: &str) -> String {
    format!("{library}/n{n}/{what}")
}

/// An error naming the first figure the report needs that the run did not produce.
pub fn check_complete(results: &Results) -> Result<(), String> {
    for runtime in [Runtime::Native, Runtime::Wasm] {
        for library in LIBRARIES {
            for n in SIZES {
                let names = STEPS.iter().chain(MESSAGES.iter()).map(|(what, _)| what);
                for what in names {
                    let name = measure(library, n, what);
                    if results.get(&name, runtime).is_none() {
                        return Err(format!("no {} figure for `{name}`", runtime.name()));
                    }
                }
            }
        }
    }
    Ok(())
}

fn median(results: &Results, name: &str, runtime: Runtime) -> Option<f64> {
    results.get(name, runtime).map(|f| f.summary.median)
}

fn cell(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), significant)
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if a > 0.0 => format!("{:.2}", b / a),
        _ => "–".into(),
    }
}

/// The whole section.
pub fn render(results: &Results, sizes: &[Size], machine: &[String]) -> String {
    let mut out = format!(
        "{HEADING}\n\n\
         mls-rs 0.57.0 (sync mode, `mls-rs-crypto-rustcrypto` 0.23.0) and openmls 0.9.2 \
         (`openmls_rust_crypto` 0.6.0), ciphersuite MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, \
         basic credentials; measured by `cargo xtask bench mls` on {}, both libraries in the \
         same run (`bench-mls`).\n\n",
        today()
    );
    for line in machine {
        out.push_str(&format!("- {line}\n"));
    }
    if let Some(browser) = &results.browser {
        out.push_str(&format!(
            "- page: `{}`, {}\n",
            browser.user_agent,
            if browser.cross_origin_isolated {
                "cross-origin isolated"
            } else {
                "not cross-origin isolated"
            }
        ));
    }
    out.push_str(
        "\nThe group of N is built once, outside timing: leaf 0 creates it and adds the other \
         N − 1 in one Add commit without an update path, so only leaf 0's path is set (a room \
         where one member commits; the costliest shape for a Remove). Leaf 0 commits, leaf 1 \
         receives, the newcomer becomes leaf N, the last leaf is removed. Add commits carry no \
         update path in either library (mls-rs's default; openmls's `add_members_without_update`); \
         the ratchet tree travels inside the Welcome; commits are PublicMessages; application \
         messages are not padded. Every message is serialized and parsed. A state-changing step \
         is timed from a copy of the member's state, made outside timing.\n",
    );

    for (runtime, title) in [
        (Runtime::Native, "native (release)"),
        (Runtime::Wasm, "wasm in headless Chromium (release)"),
    ] {
        out.push_str(&format!(
            "\n### Time, {title}: ms per operation, median of 7\n\n\
             | step | N | mls-rs | openmls | openmls / mls-rs |\n|---|---:|---:|---:|---:|\n"
        ));
        for (what, label) in STEPS {
            for n in SIZES {
                let a = median(results, &measure("mls-rs", n, what), runtime);
                let b = median(results, &measure("openmls", n, what), runtime);
                out.push_str(&format!(
                    "| {label} | {n} | {} | {} | {} |\n",
                    cell(a),
                    cell(b),
                    ratio(a, b)
                ));
            }
        }
    }

    out.push_str(
        "\n### Bytes on the wire\n\n| message | N | mls-rs | openmls |\n|---|---:|---:|---:|\n",
    );
    for (what, label) in MESSAGES {
        for n in SIZES {
            let bytes = |library| median(results, &measure(library, n, what), Runtime::Native);
            out.push_str(&format!(
                "| {label} | {n} | {} | {} |\n",
                cell(bytes("mls-rs")),
                cell(bytes("openmls"))
            ));
        }
    }

    out.push_str(
        "\n### Added wasm size\n\n\
         A member's path (KeyPackage, join by Welcome, encrypt, decrypt: `bench_mls::size`) in \
         a wasm-bindgen binary with the app's profile (`wasm-release`), after `wasm-opt -Oz`, \
         against a baseline binary of the same setup without MLS.\n\n\
         | binary | bytes | gzip -9 | added | added, gzip -9 |\n|---|---:|---:|---:|---:|\n",
    );
    let baseline = sizes.first();
    for size in sizes {
        let added = |f: fn(&Size) -> u64| {
            baseline.map_or_else(
                || "–".into(),
                |b| (f(size) as i64 - f(b) as i64).to_string(),
            )
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            size.binary,
            size.raw,
            size.gzip,
            added(|s| s.raw),
            added(|s| s.gzip)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bench::figure::Figure;
    use bench::sampler::Summary;

    fn figure(name: &str, runtime: Runtime, median: f64) -> Figure {
        Figure {
            measure: name.into(),
            runtime,
            unit: "ms".into(),
            summary: Summary::of([median]),
            batch: 1,
        }
    }

    #[test]
    fn a_missing_figure_is_named() {
        let mut results = Results::default();
        results
            .figures
            .push(figure("mls-rs/n8/add_create", Runtime::Native, 1.0));
        let err = check_complete(&results).err().unwrap_or_default();
        assert!(err.contains("mls-rs/n8/welcome_join"), "{err}");
    }

    #[test]
    fn ratios_are_openmls_over_mls_rs_and_sizes_are_added_to_the_baseline() {
        let mut results = Results::default();
        results
            .figures
            .push(figure("mls-rs/n8/add_create", Runtime::Native, 2.0));
        results
            .figures
            .push(figure("openmls/n8/add_create", Runtime::Native, 3.0));
        let sizes = [
            Size {
                binary: "size-empty".into(),
                raw: 100,
                gzip: 50,
            },
            Size {
                binary: "size-mls-rs".into(),
                raw: 350,
                gzip: 150,
            },
        ];
        let text = render(&results, &sizes, &[]);
        assert!(
            text.contains("| Add commit + Welcome, committer | 8 | 2.00 | 3.00 | 1.50 |"),
            "{text}"
        );
        assert!(
            text.contains("| `size-mls-rs` | 350 | 150 | 250 | 100 |"),
            "{text}"
        );
    }
}
