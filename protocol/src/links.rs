//! Web addresses in a chat message, found so the app can make them clickable safely: only
//! `http://` and `https://` addresses, shown in full as written, never anything a browser would
//! run (`javascript:`, `data:`) or open without the person seeing where it goes.

/// One piece of a message's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text shown as it is.
    Text(&'a str),
    /// An `http://` or `https://` address, shown in full and linked to itself.
    Link(&'a str),
}

/// Characters that end an address when they close it, as in "(see https://example.org)." —
/// an address rarely ends with them, a sentence often does.
const TRAILING: &[char] = &['.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"', '>'];

/// The text split into plain pieces and links, in order; joined, the pieces give the text back.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = next_address(rest) {
        let candidate = &rest[start..];
        let end = candidate
            .find(|c: char| c.is_whitespace() || c.is_control() || c == '<')
            .unwrap_or(candidate.len());
        let mut address = &candidate[..end];
        while let Some(trimmed) = address.strip_suffix(TRAILING) {
            // A closing bracket that closes one opened inside the address stays (Wikipedia).
            if address.ends_with(')')
                && address.matches('(').count() >= address.matches(')').count()
            {
                break;
            }
            address = trimmed;
        }
        let scheme_len = if address
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        {
            8
        } else {
            7
        };
        if address.len() <= scheme_len {
            // A bare scheme: text, and look on after it.
            let skip = start + scheme_len.min(candidate.len());
            push_text(&mut out, &rest[..skip]);
            rest = &rest[skip..];
            continue;
        }
        push_text(&mut out, &rest[..start]);
        out.push(Piece::Link(address));
        rest = &rest[start + address.len()..];
    }
    push_text(&mut out, rest);
    out
}

/// Where the next `http://` or `https://` starts, at the start of a word (not inside one, as in
/// "xhttp://"), matched without regard to case.
fn next_address(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("http").map(|i| i + from) {
        let starts_word = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let tail = &lower[at..];
        if starts_word && (tail.starts_with("http://") || tail.starts_with("https://")) {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

fn push_text<'a>(out: &mut Vec<Piece<'a>>, text: &'a str) {
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Piece::{Link, Text};

    #[test]
    fn addresses_become_links_and_the_rest_stays_text() {
        assert_eq!(
            pieces("see https://example.org/a?b=1#c and http://10.0.0.2:8080/x"),
            [
                Text("see "),
                Link("https://example.org/a?b=1#c"),
                Text(" and "),
                Link("http://10.0.0.2:8080/x"),
            ]
        );
    }

    #[test]
    fn punctuation_that_ends_a_sentence_is_not_part_of_the_address() {
        assert_eq!(
            pieces("(look: https://example.org/page)."),
            [
                Text("(look: "),
                Link("https://example.org/page"),
                Text(").")
            ]
        );
        assert_eq!(
            pieces("https://en.wikipedia.org/wiki/Rust_(language)!"),
            [
                Link("https://en.wikipedia.org/wiki/Rust_(language)"),
                Text("!")
            ]
        );
    }

    #[test]
    fn other_schemes_and_bare_schemes_stay_text() {
        for text in [
            "javascript:alert(1)",
            "data:text/html,<b>x</b>",
            "ftp://example.org",
            "xhttp://example.org",
            "just http:// here",
            "https://",
            "HTTPS://",
        ] {
            assert!(
                pieces(text).iter().all(|p| matches!(p, Text(_))),
                "{text}: {:?}",
                pieces(text)
            );
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn any_text_splits_without_panicking_and_joins_back(text in "(.|https?://|[ ().,])*") {
            let joined: String = pieces(&text)
                .iter()
                .map(|p| match p {
                    Text(t) | Link(t) => *t,
                })
                .collect();
            proptest::prop_assert_eq!(joined, text);
        }
    }

    #[test]
    fn joined_pieces_give_the_text_back() {
        for text in [
            "",
            "plain",
            "HTTPS://EXAMPLE.ORG caps",
            "two https://a.b https://c.d",
            "é https://ü.example/ö?x=ß",
            "<https://example.org>",
        ] {
            let joined: String = pieces(text)
                .iter()
                .map(|p| match p {
                    Text(t) | Link(t) => *t,
                })
                .collect();
            assert_eq!(joined, text);
        }
    }
}
