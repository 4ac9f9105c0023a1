//! Cutout's browser app. `main` only mounts; screens live in `pages/`, presentational pieces in
//! `components/`, browser glue in small modules beside them.

#![forbid(unsafe_code)]
// A binary crate: `pub` only marks what sibling modules use.
#![allow(unreachable_pub)]

mod app;
mod browser;
mod camera;
mod chunk_crypto;
mod components;
mod contacts;
mod files;
mod live_files;
mod live_room;
mod offline_app;
mod offline_worker;
mod pages;
mod qr_worker;
mod received;
mod relay_client;

fn main() {
    console_error_panic_hook::set_once();
    offline_app::register();
    leptos::mount::mount_to_body(app::App);
}
