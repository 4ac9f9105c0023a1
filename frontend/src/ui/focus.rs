//! Keyboard focus and the view follow what a person just did.

/// Moves keyboard focus to `node` once it is in the page: a result that replaced the button
/// that was pressed (so focus is not lost to the page's top), or the field to fill next.
pub fn focus_when_mounted<E>(node: leptos::prelude::NodeRef<E>)
where
    E: leptos::html::ElementType + 'static,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
{
    use leptos::prelude::{Effect, Get};
    use wasm_bindgen::JsCast;
    Effect::new(move |_| {
        if let Some(element) = node.get() {
            let _ = element.unchecked_ref::<web_sys::HtmlElement>().focus();
        }
    });
}

/// Scrolls `node` to the top of the view once it is in the page: what opens in response to a
/// tap must be where the person looks, not below the fold of a phone's screen.
pub fn reveal_when_mounted(node: leptos::prelude::NodeRef<leptos::html::Section>) {
    use leptos::prelude::{Effect, Get};
    Effect::new(move |_| {
        if let Some(element) = node.get() {
            element.scroll_into_view_with_bool(true);
        }
    });
}
