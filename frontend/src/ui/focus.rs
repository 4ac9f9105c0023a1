//! Keyboard focus that follows what a person just did.

/// Moves keyboard focus to `node` once it is in the page (a result that replaced the button
/// that was pressed, so focus is not lost to the page's top).
pub fn focus_when_mounted(node: leptos::prelude::NodeRef<leptos::html::P>) {
    use leptos::prelude::{Effect, Get};
    Effect::new(move |_| {
        if let Some(element) = node.get() {
            let _ = element.focus();
        }
    });
}
