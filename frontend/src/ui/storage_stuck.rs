//! What the page says when this browser's storage does not answer before the app can start: the
//! identity loads from IndexedDB first, and a database another tab holds open for an upgrade, or
//! a broken profile, can keep it waiting. Plain DOM, because the app is not mounted yet.

use std::time::Duration;

/// How long the identity may take to load before the page says why nothing shows.
pub const AFTER: Duration = Duration::from_secs(8);

const ID: &str = "storage-stuck";

/// Shows the notice.
pub fn show() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let (Ok(notice), Some(body)) = (document.create_element("p"), document.body()) else {
        return;
    };
    notice.set_id(ID);
    let _ = notice.set_attribute("class", "banner");
    let _ = notice.set_attribute("role", "alert");
    let _ = notice.set_attribute("data-testid", ID);
    notice.set_text_content(Some(
        "Cutout is waiting for this browser's storage, which is not answering. Close other \
         Cutout tabs, then reload this page. If it stays so, this browser's site data for this \
         address may be damaged.",
    ));
    let _ = body.append_child(&notice);
}

/// Removes the notice, if shown.
pub fn hide() {
    if let Some(notice) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(ID))
    {
        notice.remove();
    }
}
