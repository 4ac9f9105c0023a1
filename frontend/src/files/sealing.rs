//! One chunk of a transfer sealed or opened: in WebCrypto where the page has it (each
//! transfer's key imported on first use and kept by [`Transfers`]), else sealed in wasm.

use std::sync::Arc;

use leptos::prelude::*;
use protocol::ids::FileId;
use protocol::stream::CHUNK_HEADER_LEN;
use protocol::stream_receive::PendingChunk;
use protocol::stream_send::{ChunkRequest, SendChunkError};

use crate::browser;
use crate::files::chunk_crypto;
use crate::files::transfers::Transfers;

/// Seals one chunk: in WebCrypto where the page has it, else in wasm. `None` when the
/// room is gone.
pub async fn seal(
    files: StoredValue<Transfers, LocalStorage>,
    request: &ChunkRequest,
    bytes: &[u8],
) -> Option<Result<Arc<[u8]>, SendChunkError>> {
    let (file_id, index) = (request.file_id, request.index);
    let Some(subtle) = browser::subtle() else {
        return files.try_update_value(|t| t.rules.sender().seal(file_id, index, bytes));
    };
    let input = match files.try_with_value(|t| t.rules.sender_plan(file_id, index, bytes.len()))? {
        Ok(input) => input,
        Err(e) => return Some(Err(e)),
    };
    let key = crypto_key(files, &subtle, true, file_id).await?;
    let Some(frame) = chunk_crypto::seal(&subtle, &key, &input, bytes).await else {
        return Some(Err(SendChunkError::Seal));
    };
    files.try_update_value(|t| t.rules.sender().keep(file_id, index, frame))
}

/// The WebCrypto key of a transfer, imported on first use. `None` when the room or the
/// transfer is gone, or the import failed.
async fn crypto_key(
    files: StoredValue<Transfers, LocalStorage>,
    subtle: &web_sys::SubtleCrypto,
    outgoing: bool,
    file_id: FileId,
) -> Option<web_sys::CryptoKey> {
    if let Some(key) = files
        .try_with_value(|t| t.crypto_key(outgoing, file_id))
        .flatten()
    {
        return Some(key);
    }
    let raw = files
        .try_with_value(|t| t.rules.file_key_bytes(outgoing, file_id))
        .flatten()?;
    let key = chunk_crypto::import(subtle, raw).await?;
    files.try_update_value(|t| t.set_crypto_key(outgoing, file_id, key.clone()))?;
    Some(key)
}

/// Opens a chunk in WebCrypto: its plaintext, or `None` when it did not authenticate, the key
/// could not be imported, or the room is gone.
pub async fn open(
    files: StoredValue<Transfers, LocalStorage>,
    subtle: &web_sys::SubtleCrypto,
    pending: &PendingChunk,
    frame: &[u8],
) -> Option<Vec<u8>> {
    let key = crypto_key(files, subtle, false, pending.file_id).await?;
    let sealed = frame.get(CHUNK_HEADER_LEN..)?;
    chunk_crypto::open(subtle, &key, &pending.input, sealed).await
}
