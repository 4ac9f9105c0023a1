//! Reading an offered file ahead of the pump: consecutive 64 KiB chunks cost one read a MiB.

use protocol::ids::FileId;
use protocol::stream_send::ChunkRequest;

use crate::browser;

/// Bytes read from a file at once: one 64 KiB read costs about as much as one of 1 MiB.
const READ_AHEAD: u64 = 1024 * 1024;

/// The last slice read from an offered file, so consecutive chunks cost one read per MiB.
#[derive(Default)]
pub struct ReadAhead {
    file_id: Option<FileId>,
    start: u64,
    bytes: Vec<u8>,
}

impl ReadAhead {
    /// The bytes of `request`'s chunk, from the slice read last or a fresh one.
    pub async fn read(&mut self, file: &web_sys::File, request: &ChunkRequest) -> Option<Vec<u8>> {
        let end = request.offset + request.len as u64;
        let held = self.file_id == Some(request.file_id)
            && request.offset >= self.start
            && end <= self.start + self.bytes.len() as u64;
        if !held {
            let size = file.size() as u64;
            let len = READ_AHEAD
                .max(request.len as u64)
                .min(size.saturating_sub(request.offset));
            self.bytes = browser::read_slice(file, request.offset, len as usize).await?;
            self.file_id = Some(request.file_id);
            self.start = request.offset;
        }
        let from = usize::try_from(request.offset - self.start).ok()?;
        self.bytes.get(from..from + request.len).map(<[u8]>::to_vec)
    }
}
