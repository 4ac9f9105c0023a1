//! The rooms-on-MLS tables of docs/BENCHMARKS.md "## Protocol": what Cutout's own groups
//! (`bench::room`) cost at 8, 32 and 64 members, natively and in wasm, from the same run as the
//! rest of the section.

use bench::figure::Runtime;

use super::protocol_results::Results;
use super::section::significant;

const SIZES: [u32; 3] = [8, 32, 64];
/// The timed steps, with what each is.
const STEPS: [(&str, &str); 7] = [
    (
        "add",
        "a member lets a newcomer in: its Add commit and Welcome",
    ),
    ("welcome_join", "the newcomer joins by the Welcome"),
    ("add_process", "every other member reads the Add commit"),
    ("remove", "a member removes someone: its Remove commit"),
    (
        "remove_process",
        "every other member reads the Remove commit",
    ),
    ("encrypt", "a 1 KiB message, sealed"),
    ("decrypt", "a 1 KiB message, opened"),
];
const MESSAGES: [(&str, &str); 5] = [
    ("key_package", "KeyPackage"),
    ("add_commit", "Add commit"),
    ("welcome", "Welcome (ratchet tree inside)"),
    ("remove_commit", "Remove commit"),
    ("message", "1 KiB application message"),
];

fn measure(n: u32, what: &str) -> String {
    format!("room/n{n}/{what}")
}

/// An error naming the first room figure the report needs that the run did not produce.
pub fn check_complete(results: &Results) -> Result<(), String> {
    for runtime in [Runtime::Native, Runtime::Wasm] {
        for n in SIZES {
            for (what, _) in STEPS.iter().chain(MESSAGES.iter()) {
                let name = measure(n, what);
                if results.get(&name, runtime).is_none() {
                    return Err(format!("no {} figure for `{name}`", runtime.name()));
                }
            }
        }
    }
    Ok(())
}

fn cell(results: &Results, n: u32, what: &str, runtime: Runtime) -> String {
    results
        .get(&measure(n, what), runtime)
        .map_or_else(|| "–".into(), |f| significant(f.summary.median))
}

/// The tables.
pub fn tables(results: &Results) -> String {
    let mut out = String::from(
        "\n### Rooms on MLS (docs/PROTOCOL.md part 2): ms per operation, median of 7\n\n\
         Cutout's groups as the app runs them (`bench::room`): mls-rs 0.57 in sync mode, every \
         leaf's credential checked against its identity, handshakes and messages encrypted and \
         padded (Padmé). The group of N is built in one commit outside timing; leaf 0 commits, \
         leaf 1 receives, the newcomer becomes leaf N, the last leaf is removed. A step that \
         changes a member's state is timed from a copy of it made outside timing. Joining a \
         room costs one Add commit (its committer), one join (the newcomer) and one read of \
         the commit by each of the others, in parallel on their devices.\n\n\
         | step | native 8 | native 32 | native 64 | wasm 8 | wasm 32 | wasm 64 |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    for (what, label) in STEPS {
        let cells: Vec<String> = [Runtime::Native, Runtime::Wasm]
            .into_iter()
            .flat_map(|runtime| SIZES.map(|n| cell(results, n, what, runtime)))
            .collect();
        out.push_str(&format!("| {label} | {} |\n", cells.join(" | ")));
    }
    out.push_str(
        "\n### Rooms on MLS: bytes on the wire\n\n| message | 8 | 32 | 64 |\n|---|---:|---:|---:|\n",
    );
    for (what, label) in MESSAGES {
        let cells = SIZES.map(|n| cell(results, n, what, Runtime::Native));
        out.push_str(&format!("| {label} | {} |\n", cells.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bench::figure::Figure;
    use bench::sampler::Summary;

    #[test]
    fn a_missing_room_figure_is_named_and_present_ones_are_drawn() {
        let mut results = Results::default();
        results.figures.push(Figure {
            measure: "room/n8/add".into(),
            runtime: Runtime::Native,
            unit: "ms".into(),
            summary: Summary::of([2.5]),
            batch: 1,
        });
        let err = check_complete(&results).err().unwrap_or_default();
        assert!(err.contains("room/n8/welcome_join"), "{err}");
        let text = tables(&results);
        assert!(
            text.contains("| a member lets a newcomer in: its Add commit and Welcome | 2.50 | – |"),
            "{text}"
        );
    }
}
