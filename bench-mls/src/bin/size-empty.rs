//! The baseline of the wasm sizes: the same setup as `size-mls-rs` and `size-openmls`, no MLS.
//! wasm32 only; `cargo xtask bench mls` builds it (profile `wasm-release`), runs wasm-bindgen
//! and `wasm-opt -Oz` as for the app, and reports raw and gzip sizes.

#[cfg(target_arch = "wasm32")]
#[path = "size/page.rs"]
mod page;

#[cfg(target_arch = "wasm32")]
fn main() {
    page::report(bench_mls::size::baseline(&page::Js));
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
