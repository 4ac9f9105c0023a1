//! The wasm size of mls-rs: a member's join, encrypt and decrypt path (`bench_mls::size`).
//! wasm32 only; `cargo xtask bench mls` builds it (profile `wasm-release`), runs wasm-bindgen
//! and `wasm-opt -Oz` as for the app, and reports raw and gzip sizes.

#[cfg(target_arch = "wasm32")]
#[path = "size/page.rs"]
mod page;

#[cfg(target_arch = "wasm32")]
fn main() {
    page::report(bench_mls::size::member_path::<bench_mls::mls_rs_lib::MlsRs>(&page::Js));
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
