//! Where a received file's bytes go until it is whole and verified.
//!
//! In a secure context they are written, chunk by chunk, to a file in the origin private file
//! system (OPFS): nothing accumulates in the page or the browser's Blob memory (headless
//! Chromium, for one, broke 600 MiB and 1 GiB files gathered as Blobs), and
//! the finished file is offered for saving straight from disk. Elsewhere (plain HTTP, where
//! OPFS does not exist, or when creating the file fails) they are gathered into 1 MiB Blobs,
//! which the browser keeps outside the page's process. Either way a file that could not be
//! kept whole is reported as failed, never offered half-written.
//!
//! OPFS files live in one folder, named after this tab and the file; they are removed when
//! the transfer fails or is cancelled, when the card is dismissed, when the room is left, and,
//! if a tab died before it could, by the next tab after a day.

use std::cell::OnceCell;

use js_sys::{Array, Promise, Uint8Array};
use protocol::entropy::{Entropy, SystemEntropy};
use wasm_bindgen::{JsCast, JsValue};

use crate::browser::BrowserError;
use protocol::hex;
use wasm_bindgen_futures::{JsFuture, future_to_promise, spawn_local};
use web_sys::{
    Blob, BlobPropertyBag, File, FileSystemDirectoryHandle, FileSystemFileHandle,
    FileSystemGetDirectoryOptions, FileSystemGetFileOptions, FileSystemHandle,
    FileSystemWritableFileStream, Url,
};

/// Chunks gathered into one Blob at a time (1 MiB) on the Blob path.
const PARTS_PER_BLOB: u32 = 16;
/// Bytes gathered before one write to an OPFS file: each write is a round trip to the
/// browser's storage process, too slow to pay for every 64 KiB chunk.
const WRITE_SIZE: usize = 1024 * 1024;
/// The OPFS folder of received files.
const FOLDER: &str = "cutout-received";
/// Files older than this in [`FOLDER`] belong to a tab that is gone.
const STALE_MS: f64 = 24.0 * 3600.0 * 1000.0;

thread_local! {
    /// This tab's prefix for its OPFS file names.
    static TAB: OnceCell<String> = const { OnceCell::new() };
}

fn tab() -> String {
    TAB.with(|tab| {
        tab.get_or_init(|| {
            let mut bytes = [0u8; 8];
            SystemEntropy.fill(&mut bytes);
            // The first file of this tab: clear what dead tabs left behind.
            spawn_local(async {
                let _ = sweep().await;
            });
            hex::encode(&bytes)
        })
        .clone()
    })
}

/// Why a received file could not be kept (shown as "Transfer incomplete: …").
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The pieces gathered in memory are not the announced size.
    #[error("the received parts do not add up to the file")]
    PartsMismatch,
    /// The browser could not read back the Blob it made (out of its Blob memory).
    #[error("the browser could not hold the whole file in memory")]
    OutOfMemory,
    /// The file on disk is not the announced size.
    #[error("{written} bytes written of {size}")]
    ShortWrite {
        /// Bytes in the file.
        written: f64,
        /// Bytes announced.
        size: u64,
    },
    /// Writing to the origin private file system failed.
    #[error("the file could not be written to this device: {0}")]
    Disk(Box<SaveError>),
    /// The browser refused a step.
    #[error(transparent)]
    Browser(#[from] BrowserError),
}

impl From<JsValue> for SaveError {
    fn from(err: JsValue) -> Self {
        Self::Browser(err.into())
    }
}

async fn wait(promise: Promise) -> Result<JsValue, BrowserError> {
    Ok(JsFuture::from(promise).await?)
}

/// The OPFS folder, or `None` where OPFS is not available (not a secure context, old browser).
fn folder() -> Option<Promise> {
    if !crate::browser::is_secure_context() {
        return None;
    }
    let storage = web_sys::window()?.navigator().storage();
    if !js_sys::Reflect::has(&storage, &"getDirectory".into()).unwrap_or(false) {
        return None;
    }
    Some(future_to_promise(async move {
        let root: FileSystemDirectoryHandle = JsFuture::from(storage.get_directory())
            .await?
            .unchecked_into();
        let options = FileSystemGetDirectoryOptions::new();
        options.set_create(true);
        JsFuture::from(root.get_directory_handle_with_options(FOLDER, &options)).await
    }))
}

/// Removes files in the folder that are older than [`STALE_MS`] and not this tab's.
async fn sweep() -> Result<(), BrowserError> {
    let Some(folder) = folder() else {
        return Ok(());
    };
    let folder: FileSystemDirectoryHandle = wait(folder).await?.unchecked_into();
    let mine = tab();
    let now = js_sys::Date::now();
    let entries = folder.values();
    let mut stale = Vec::new();
    loop {
        let next = wait(entries.next()?).await?;
        if js_sys::Reflect::get(&next, &"done".into())
            .map(|d| d.is_truthy())
            .unwrap_or(true)
        {
            break;
        }
        let handle: FileSystemHandle =
            js_sys::Reflect::get(&next, &"value".into())?.unchecked_into();
        let name = handle.name();
        if name.starts_with(&mine) || !handle.has_type::<FileSystemFileHandle>() {
            continue;
        }
        let file: File = wait(handle.unchecked_into::<FileSystemFileHandle>().get_file())
            .await?
            .unchecked_into();
        if now - file.last_modified() > STALE_MS {
            stale.push(name);
        }
    }
    for name in stale {
        let _ = wait(folder.remove_entry(&name)).await;
    }
    Ok(())
}

/// Removes this tab's file `name` (a failed transfer's, or one no longer wanted).
fn remove(name: String) {
    let Some(folder) = folder() else { return };
    spawn_local(async move {
        if let Ok(folder) = wait(folder).await {
            let folder: FileSystemDirectoryHandle = folder.unchecked_into();
            let _ = wait(folder.remove_entry(&name)).await;
        }
    });
}

/// A received file, whole and verified, ready to save. Dropping it (the card dismissed, the
/// room left) frees its URL and removes the file behind it.
#[derive(Debug)]
pub struct Saved {
    /// The object URL to save from (type application/octet-stream: download only).
    pub url: String,
    /// The OPFS file behind it, if any.
    entry: Option<String>,
}

impl Drop for Saved {
    fn drop(&mut self) {
        let _ = Url::revoke_object_url(&self.url);
        if let Some(name) = &self.entry {
            remove(name.clone());
        }
    }
}

/// One download-only Blob of `parts` (Blobs or Files, referenced, not copied): the type is
/// always octet-stream, whatever the offer claimed, so nothing is ever rendered inline.
fn download_blob(parts: &Array) -> Result<Blob, BrowserError> {
    let options = BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    Ok(Blob::new_with_blob_sequence_and_options(parts, &options)?)
}

/// A download-only object URL for the bytes of a small file (an offline message's), or `None`
/// where the browser refuses. The caller revokes it.
pub fn download_url(bytes: &[u8]) -> Option<String> {
    let blob = download_blob(&Array::of1(&Uint8Array::from(bytes))).ok()?;
    Url::create_object_url_with_blob(&blob).ok()
}

/// The bytes of one file being received.
pub enum Sink {
    /// Written to an OPFS file as they arrive.
    Disk(DiskFile),
    /// Gathered into Blobs.
    Memory(Parts),
}

impl Sink {
    /// An OPFS file for `file_id` (hex) where the page may have one, else Blobs.
    pub fn new(file_id: &str) -> Self {
        match DiskFile::create(format!("{}-{file_id}", tab())) {
            Some(disk) => Self::Disk(disk),
            None => Self::Memory(Parts::new()),
        }
    }

    /// Appends verified plaintext.
    pub fn push(&mut self, bytes: &[u8]) {
        match self {
            Self::Disk(disk) => disk.push(bytes),
            Self::Memory(parts) => parts.push(bytes),
        }
    }

    /// Closes the file, checks that it holds `size` bytes, and returns what to save, or why
    /// it could not be kept.
    pub async fn finish(self, size: u64) -> Result<Saved, SaveError> {
        match self {
            Self::Disk(disk) => disk.finish(size).await,
            Self::Memory(parts) => parts.finish(size).await,
        }
    }
}

/// Received bytes so far as 1 MiB Blobs, and the chunks not yet gathered into one.
pub struct Parts {
    blobs: Array,
    chunks: Array,
}

impl Parts {
    fn new() -> Self {
        Self {
            blobs: Array::new(),
            chunks: Array::new(),
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.chunks.push(&Uint8Array::from(bytes));
        if self.chunks.length() >= PARTS_PER_BLOB {
            self.gather();
        }
    }

    fn gather(&mut self) {
        if self.chunks.length() == 0 {
            return;
        }
        if let Ok(blob) = Blob::new_with_u8_array_sequence(&self.chunks) {
            self.blobs.push(&blob);
        }
        self.chunks = Array::new();
    }

    /// The whole file, once the browser proves it can read it back: a Blob the browser could
    /// not store (out of its Blob memory) is broken, and must not be offered as a file.
    async fn finish(mut self, size: u64) -> Result<Saved, SaveError> {
        self.gather();
        let whole = download_blob(&self.blobs)?;
        if whole.size() != size as f64 {
            return Err(SaveError::PartsMismatch);
        }
        let last = whole.size() - 1.0_f64.min(whole.size());
        let readable = match whole.slice_with_f64_and_f64(last, whole.size()) {
            Ok(tail) => wait(tail.array_buffer()).await.is_ok(),
            Err(_) => false,
        };
        if !readable {
            return Err(SaveError::OutOfMemory);
        }
        let url = Url::create_object_url_with_blob(&whole)?;
        Ok(Saved { url, entry: None })
    }
}

/// A file in OPFS being written: each write waits for the one before (a chain of promises,
/// resolving to the open writable), so the order is kept and a failure stops the rest.
pub struct DiskFile {
    name: String,
    handle: Promise,
    chain: Promise,
    /// Bytes not yet handed to a write (less than [`WRITE_SIZE`]).
    buffer: Vec<u8>,
    finished: bool,
}

impl DiskFile {
    fn create(name: String) -> Option<Self> {
        let folder = folder()?;
        let file_name = name.clone();
        let handle = future_to_promise(async move {
            let folder: FileSystemDirectoryHandle = JsFuture::from(folder).await?.unchecked_into();
            let options = FileSystemGetFileOptions::new();
            options.set_create(true);
            JsFuture::from(folder.get_file_handle_with_options(&file_name, &options)).await
        });
        let opened = handle.clone();
        let chain = future_to_promise(async move {
            let handle: FileSystemFileHandle = JsFuture::from(opened).await?.unchecked_into();
            JsFuture::from(handle.create_writable()).await
        });
        Some(Self {
            name,
            handle,
            chain,
            buffer: Vec::new(),
            finished: false,
        })
    }

    fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= WRITE_SIZE {
            self.write();
        }
    }

    /// Hands the buffered bytes to a write after the ones before.
    fn write(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        // A copy out of wasm memory; the chain holds it until the write before it is done.
        let data = Uint8Array::from(&self.buffer[..]);
        self.buffer.clear();
        let before = self.chain.clone();
        self.chain = future_to_promise(async move {
            let writable: FileSystemWritableFileStream =
                JsFuture::from(before).await?.unchecked_into();
            JsFuture::from(writable.write_with_js_u8_array(&data)?).await?;
            Ok(writable.into())
        });
    }

    async fn finish(mut self, size: u64) -> Result<Saved, SaveError> {
        self.write();
        self.finished = true;
        let written = async {
            let writable: FileSystemWritableFileStream =
                wait(self.chain.clone()).await?.unchecked_into();
            wait(writable.close()).await?;
            let handle: FileSystemFileHandle = wait(self.handle.clone()).await?.unchecked_into();
            let file: File = wait(handle.get_file()).await?.unchecked_into();
            if file.size() != size as f64 {
                return Err(SaveError::ShortWrite {
                    written: file.size(),
                    size,
                });
            }
            let blob = download_blob(&Array::of1(&file))?;
            Ok::<_, SaveError>(Url::create_object_url_with_blob(&blob)?)
        };
        match written.await {
            Ok(url) => Ok(Saved {
                url,
                entry: Some(self.name.clone()),
            }),
            Err(why) => {
                remove(self.name.clone());
                Err(SaveError::Disk(Box::new(why)))
            }
        }
    }
}

impl Drop for DiskFile {
    /// A transfer that ends any other way than whole (cancelled, failed, the room left)
    /// leaves nothing behind: the writable is aborted and the file removed.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let (chain, name) = (self.chain.clone(), self.name.clone());
        spawn_local(async move {
            if let Ok(writable) = JsFuture::from(chain).await {
                let writable: FileSystemWritableFileStream = writable.unchecked_into();
                let _ = JsFuture::from(writable.abort()).await;
            }
            remove(name);
        });
    }
}
