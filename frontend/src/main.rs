//! Cutout's browser app. `main` only mounts; `app` picks the screen. The app grows by journey:
//! one folder a feature, holding its screen, its components and its live state.
//!
//! - `home`: the first screen (make a room, join one, scan an invite).
//! - `room/`: a joined room: its screen, the conversation alive, and its pieces.
//! - `files/`: a room's file transfers: the browser's side of `protocol::transfers`.
//! - `offline/`: offline messages: sealing, showing, reading and contacts; no network.
//! - `scan/`: the QR scanner: camera, frames, the decoding worker.
//! - `ui/`, `browser/`, `relay_client`: what several features share.

#![forbid(unsafe_code)]
// A binary crate: `pub` only marks what sibling modules use.
#![allow(unreachable_pub)]

mod app;
mod browser;
mod files;
mod home;
mod kept_list;
mod offline;
mod relay_client;
mod room;
mod scan;
mod ui;

fn main() {
    console_error_panic_hook::set_once();
    offline::kept_app::register();
    // Before anything draws: this page answers other tabs for its device id on every screen.
    browser::claim_device_id();
    // The identity's keys may be WebCrypto's, which load asynchronously: once loaded, every
    // screen reads the public identity at once.
    // A browser whose storage does not answer (IndexedDB blocked) would otherwise show nothing
    // at all: after a while the page says so, and the app still comes up if it answers later.
    let stuck =
        leptos::prelude::set_timeout_with_handle(ui::storage_stuck::show, ui::storage_stuck::AFTER)
            .ok();
    wasm_bindgen_futures::spawn_local(async move {
        browser::load_identity().await;
        if let Some(stuck) = stuck {
            stuck.clear();
        }
        ui::storage_stuck::hide();
        leptos::mount::mount_to_body(app::App);
    });
}
