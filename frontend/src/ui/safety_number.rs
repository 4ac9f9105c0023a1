//! A safety number as people read it (docs/PROTOCOL.md I.4): its twelve groups of five digits as
//! spans, laid out four a row by the stylesheet, joined by single spaces so that the element's
//! text is the number as read aloud.

use leptos::prelude::*;
use protocol::identity::safety::groups;

/// The groups of `number`, each a span, a space between.
pub fn grouped(number: &str) -> Vec<AnyView> {
    groups(number)
        .into_iter()
        .enumerate()
        .flat_map(|(i, group)| {
            let space = (i > 0).then(|| " ".into_any());
            space
                .into_iter()
                .chain([view! { <span>{group.to_owned()}</span> }.into_any()])
        })
        .collect()
}
