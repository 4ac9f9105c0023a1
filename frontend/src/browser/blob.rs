//! Reading part of a `Blob` (a person's `File`) without loading the rest.

use wasm_bindgen_futures::JsFuture;

/// Bytes `offset .. offset + len` of a file, read without loading the rest.
pub async fn read_slice(file: &web_sys::Blob, offset: u64, len: usize) -> Option<Vec<u8>> {
    let end = offset + len as u64;
    let slice = file
        .slice_with_f64_and_f64(offset as f64, end as f64)
        .ok()?;
    let buffer = JsFuture::from(slice.array_buffer()).await.ok()?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    (bytes.len() == len).then_some(bytes)
}
