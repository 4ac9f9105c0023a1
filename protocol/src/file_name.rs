//! Sanitising received file names (PROTOCOL.md B.4, C.1): no path separators, no control
//! characters, and nothing that would let a name pose as a path or hide its extension.

/// Longest sanitised name, in UTF-8 bytes (the offer limit of PROTOCOL.md B.4).
const MAX_LEN: usize = 255;

/// A name safe to offer as a download name: path separators, control characters and bidi
/// overrides become `_`; surrounding spaces and dots are trimmed (so `..` cannot survive); an
/// empty result becomes `file`.
pub fn sanitise_file_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| if is_unsafe(c) { '_' } else { c })
        .collect();
    let trimmed = replaced.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let mut out = String::with_capacity(trimmed.len().min(MAX_LEN));
    for c in trimmed.chars() {
        if out.len() + c.len_utf8() > MAX_LEN {
            break;
        }
        out.push(c);
    }
    if out.is_empty() {
        out.push_str("file");
    }
    out
}

fn is_unsafe(c: char) -> bool {
    matches!(c, '/' | '\\' | ':')
        || c.is_control()
        // Bidirectional overrides and isolates can make "exe.txt" display as "txt.exe".
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_controls_are_replaced() {
        assert_eq!(sanitise_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitise_file_name("a\\b\nc\u{0}d"), "a_b_c_d");
        assert_eq!(sanitise_file_name("C:evil"), "C_evil");
    }

    #[test]
    fn dots_and_empties_become_a_plain_name() {
        assert_eq!(sanitise_file_name(".."), "file");
        assert_eq!(sanitise_file_name(""), "file");
        assert_eq!(sanitise_file_name("  .hidden "), "hidden");
    }

    #[test]
    fn bidi_overrides_are_replaced() {
        assert_eq!(sanitise_file_name("photo\u{202E}gpj.exe"), "photo_gpj.exe");
    }

    #[test]
    fn ordinary_names_are_kept() {
        assert_eq!(sanitise_file_name("note.txt"), "note.txt");
        assert_eq!(sanitise_file_name("café menu.pdf"), "café menu.pdf");
    }

    #[test]
    fn long_names_are_cut_on_a_char_boundary() {
        let name = "é".repeat(200);
        let out = sanitise_file_name(&name);
        assert!(out.len() <= 255);
        assert_eq!(out.chars().count(), 127);
    }
}
