//! One section of docs/BENCHMARKS.md: writing it and keeping the rest of the file (which holds
//! the figures of several benchmarks, each rewriting only its own `## ` section), and what every
//! section's text shares: the date it was measured and numbers to three significant figures.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes `section` under `heading` in `root`'s docs/BENCHMARKS.md and prints it.
pub fn publish(root: &Path, heading: &str, section: &str) -> Result<(), String> {
    let file = root.join("docs/BENCHMARKS.md");
    write_section(&file, heading, section)?;
    println!("\n{section}");
    println!("wrote the `{heading}` section of {}", file.display());
    Ok(())
}

/// The JSON a browser benchmark wrote to `file`.
pub fn read_json(file: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", file.display()))
}

/// Replaces the section under `heading` (up to the next `## ` heading) in `file` with
/// `section`, or appends it; creates the file if needed. Everything else stays as it was.
pub fn write_section(file: &Path, heading: &str, section: &str) -> Result<(), String> {
    let old = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BENCHMARKS_INTRO.to_owned(),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    let new = splice(&old, heading, section);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(file, new).map_err(|e| format!("cannot write {}: {e}", file.display()))
}

const BENCHMARKS_INTRO: &str = "# Benchmarks

Measured figures. Each `## ` section is written by its own `cargo xtask bench …` command, which
rewrites that section only.
";

fn splice(old: &str, heading: &str, section: &str) -> String {
    let lines: Vec<&str> = old.lines().collect();
    let section = section.trim_end();
    let Some(start) = lines.iter().position(|l| l.trim_end() == heading) else {
        return format!("{}\n\n{section}\n", old.trim_end());
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |i| start + 1 + i);
    let mut out = lines[..start].join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(section);
    out.push('\n');
    if end < lines.len() {
        out.push('\n');
        out.push_str(&lines[end..].join("\n"));
        out.push('\n');
    }
    out
}

/// Three significant figures (at most six decimals), the precision every table here uses.
pub fn significant(value: f64) -> String {
    let magnitude = value.abs();
    let decimals = if magnitude >= 100.0 || magnitude == 0.0 {
        0
    } else if magnitude >= 10.0 {
        1
    } else if magnitude >= 1.0 {
        2
    } else {
        // Below 1: enough decimals for three significant figures.
        (2 - magnitude.log10().floor() as i32).clamp(3, 6) as usize
    };
    format!("{value:.decimals$}")
}

/// Today's UTC date, YYYY-MM-DD (days-to-civil, as in Howard Hinnant's `chrono`-compatible
/// algorithm), so the report needs no date crate.
pub fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_its_own_section() {
        let old =
            "# Benchmarks\n\nintro\n\n## Protocol\n\nold figures\n\n## Relay\n\nrelay figures\n";
        let new = splice(old, "## Protocol", "## Protocol\n\nnew figures\n");
        assert_eq!(
            new,
            "# Benchmarks\n\nintro\n\n## Protocol\n\nnew figures\n\n## Relay\n\nrelay figures\n"
        );
        let appended = splice(
            "# Benchmarks\n\n## Relay\n\nr\n",
            "## Protocol",
            "## Protocol\n\np",
        );
        assert_eq!(
            appended,
            "# Benchmarks\n\n## Relay\n\nr\n\n## Protocol\n\np\n"
        );
        let last = splice(
            "# B\n\n## Protocol\n\nold\n",
            "## Protocol",
            "## Protocol\n\nnew\n",
        );
        assert_eq!(last, "# B\n\n## Protocol\n\nnew\n");
    }

    #[test]
    fn numbers_keep_three_significant_figures() {
        assert_eq!(significant(547.05), "547");
        assert_eq!(significant(41.126), "41.1");
        assert_eq!(significant(2.4197), "2.42");
        assert_eq!(significant(0.07), "0.0700");
        assert_eq!(significant(0.0), "0");
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    }
}
