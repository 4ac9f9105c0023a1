//! Writing one section of a Markdown file and keeping the rest: docs/BENCHMARKS.md holds the
//! figures of several benchmarks, each rewriting only its own `## ` section.

use std::path::Path;

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
}
