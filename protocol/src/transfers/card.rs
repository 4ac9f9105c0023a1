//! The file cards as drawn: a [`FileView`] per transfer, with its `data-state`, status line,
//! progress lines and what the person may do. Browser tests match these texts, so they change
//! only together with those tests.

use wire::MemberId;

use super::{Card, ChunkSink, InState, Incoming, Outgoing, SavedFile, Transfers};
use crate::body::FileOffer;
use crate::ids::FileId;
use crate::stream_send::ReceiverState;
use crate::transfer_rate::{Rate, format_duration, format_size};

/// One receiver's line on a sender's card, or the receiver's own progress.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgressView {
    /// Who receives (or "You").
    pub who: String,
    /// Bytes done.
    pub bytes: u64,
    /// Bytes in all.
    pub total: u64,
    /// `receiving`, `done`, `declined`, `cancelled`, `left`.
    pub state: &'static str,
    /// "12.1 MiB/s · 4 s left", "Received", "Left the room before the end", …
    pub detail: String,
}

/// A file card as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct FileView {
    /// Stable key: the file id in hex ([`card_key`]).
    pub key: String,
    /// Sent by this person?
    pub outgoing: bool,
    /// Sanitised name.
    pub name: String,
    /// "10.0 MiB".
    pub size: String,
    /// The size in bytes.
    pub bytes: u64,
    /// The badge: extension, e.g. "PDF".
    pub badge: String,
    /// `image`, `media`, `document`, `archive` or `other` (the badge's colour).
    pub kind: &'static str,
    /// "You" or the offering member's name.
    pub author: String,
    /// The offering member's leaf identity, in a v2 room (to mark the card as its author is
    /// marked); `None` for one's own and in a part-1 room.
    pub author_key: Option<Vec<u8>>,
    /// `data-state`: offered, receiving, done, failed, declined, cancelled, withdrawn (incoming);
    /// sharing, stopped (outgoing).
    pub state: &'static str,
    /// The status line.
    pub status: String,
    /// Progress lines.
    pub progress: Vec<ProgressView>,
    /// The URL to save from, once whole.
    pub save_url: Option<String>,
    /// Accept is possible.
    pub can_accept: bool,
    /// Cancel (or stop sharing) is possible.
    pub can_cancel: bool,
    /// Shared in a private conversation with this member (R.10), not with the room.
    pub private_with: Option<MemberId>,
}

/// The key of a transfer's card: its file id in lowercase hex.
pub fn card_key(file_id: FileId) -> String {
    crate::hex::encode(file_id.as_bytes())
}

/// A card key back into its file id: 32 hex digits.
pub(super) fn file_id(key: &str) -> Option<FileId> {
    crate::hex::decode(key).ok().map(FileId)
}

/// A badge for the kind of file: its extension (at most 4 letters), and a broad kind for the
/// badge's colour. Text, not emoji: it reads the same on every device and font.
fn badge(offer: &FileOffer) -> (String, &'static str) {
    let ext = offer
        .name
        .rsplit_once('.')
        .map(|(_, e)| e.to_uppercase())
        .filter(|e| (1..=4).contains(&e.chars().count()) && e.chars().all(char::is_alphanumeric))
        .unwrap_or_else(|| "FILE".into());
    let mime = offer.mime.as_str();
    let kind = if mime.starts_with("image/") {
        "image"
    } else if mime.starts_with("video/") || mime.starts_with("audio/") {
        "media"
    } else if mime.starts_with("text/") || mime == "application/pdf" {
        "document"
    } else if mime.contains("zip") || mime.contains("compressed") || mime.contains("tar") {
        "archive"
    } else {
        "other"
    };
    (ext, kind)
}

/// "50 % · 64.0 KiB of 128.0 KiB · 64.0 KiB/s · 1 s left": speed and time once known.
fn detail(rate: &Rate, done: u64, total: u64) -> String {
    let percent = done.saturating_mul(100).checked_div(total).unwrap_or(100);
    let mut out = format!(
        "{percent} % · {} of {}",
        format_size(done),
        format_size(total)
    );
    if let Some(speed) = rate.bytes_per_second() {
        out.push_str(&format!(" · {}/s", format_size(speed as u64)));
        if let Some(left) = rate.seconds_left(total) {
            out.push_str(&format!(" · {} left", format_duration(left)));
        }
    }
    out
}

impl<F, S: ChunkSink, D: SavedFile> Transfers<F, S, D> {
    /// The cards as drawn, oldest first; `name_of` names a member.
    pub fn views(&self, name_of: &dyn Fn(MemberId) -> String) -> Vec<FileView> {
        self.cards
            .iter()
            .map(|card| match card {
                Card::In(i) => incoming_view(i),
                Card::Out(o) => self.outgoing_view(o, name_of),
            })
            .collect()
    }

    fn outgoing_view(&self, o: &Outgoing<F>, name_of: &dyn Fn(MemberId) -> String) -> FileView {
        let total = o.offer.size;
        let progress: Vec<ProgressView> = self
            .sender
            .progress(o.offer.file_id)
            .into_iter()
            .map(|p| {
                let rate = o.rates.iter().find(|(m, _)| *m == p.member).map(|(_, r)| r);
                let (state, detail) = match p.state {
                    ReceiverState::Receiving { .. } => (
                        "receiving",
                        rate.map(|r| detail(r, p.bytes, total)).unwrap_or_default(),
                    ),
                    ReceiverState::Done => ("done", "Received".to_owned()),
                    ReceiverState::Declined => ("declined", "Declined".to_owned()),
                    ReceiverState::Cancelled => ("cancelled", "Cancelled".to_owned()),
                    ReceiverState::Left => ("left", "Left the room before the end".to_owned()),
                };
                ProgressView {
                    who: name_of(p.member),
                    bytes: p.bytes,
                    total,
                    state,
                    detail,
                }
            })
            .collect();
        let (state, status) = match &o.closed {
            Some(why) => ("stopped", why.clone()),
            None if progress.is_empty() && o.private => (
                "sharing",
                format!("Offered to {}", name_of_first(o, name_of)),
            ),
            None if progress.is_empty() => ("sharing", "Offered to the room".to_owned()),
            None => ("sharing", "Sharing".to_owned()),
        };
        let (badge, kind) = badge(&o.offer);
        FileView {
            key: card_key(o.offer.file_id),
            outgoing: true,
            name: o.offer.name.clone(),
            size: format_size(total),
            bytes: total,
            badge,
            kind,
            author: "You".into(),
            author_key: None,
            state,
            status,
            progress,
            save_url: None,
            can_accept: false,
            can_cancel: o.closed.is_none(),
            private_with: o.offered_to.first().copied().filter(|_| o.private),
        }
    }
}

fn name_of_first<F>(o: &Outgoing<F>, name_of: &dyn Fn(MemberId) -> String) -> String {
    o.offered_to
        .first()
        .map_or_else(String::new, |m| name_of(*m))
}

fn incoming_view<S, D: SavedFile>(i: &Incoming<S, D>) -> FileView {
    let total = i.offer.size;
    let you = |bytes: u64, detail: String| {
        vec![ProgressView {
            who: "You".into(),
            bytes,
            total,
            state: "receiving",
            detail,
        }]
    };
    let (state, status, progress) = match &i.state {
        InState::Offered => (
            "offered",
            i.refusal
                .clone()
                .unwrap_or_else(|| format!("{} offers this file", i.author)),
            Vec::new(),
        ),
        InState::Receiving(_) => (
            "receiving",
            "Receiving…".to_owned(),
            you(i.received, detail(&i.rate, i.received, total)),
        ),
        InState::Finishing => (
            "receiving",
            "Checking the file…".to_owned(),
            you(total, "Checking".into()),
        ),
        InState::Done(_) => ("done", "Received and verified".to_owned(), Vec::new()),
        InState::Failed(why) => ("failed", why.clone(), Vec::new()),
        InState::Declined => ("declined", "You declined".to_owned(), Vec::new()),
        InState::Cancelled => (
            "cancelled",
            "You cancelled; nothing was kept".to_owned(),
            Vec::new(),
        ),
        InState::Withdrawn => ("withdrawn", "No longer offered".to_owned(), Vec::new()),
    };
    let (badge, kind) = badge(&i.offer);
    FileView {
        key: card_key(i.offer.file_id),
        outgoing: false,
        name: i.offer.name.clone(),
        size: format_size(total),
        bytes: total,
        badge,
        kind,
        author: i.author.clone(),
        author_key: i.author_key.clone(),
        state,
        status,
        progress,
        save_url: match &i.state {
            InState::Done(saved) => Some(saved.url().to_owned()),
            _ => None,
        },
        can_accept: matches!(i.state, InState::Offered) && i.refusal.is_none(),
        can_cancel: matches!(i.state, InState::Receiving(_)),
        private_with: i.private.then_some(i.from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(name: &str, mime: &str) -> FileOffer {
        FileOffer {
            file_id: FileId([0; 16]),
            name: name.into(),
            mime: mime.into(),
            size: 1,
            chunk_size: 16,
            n_chunks: 1,
        }
    }

    #[test]
    fn badge_is_a_short_extension_and_a_kind_from_the_type() {
        assert_eq!(
            badge(&offer("a.pdf", "application/pdf")),
            ("PDF".into(), "document")
        );
        assert_eq!(
            badge(&offer("photo.JPeg", "image/jpeg")),
            ("JPEG".into(), "image")
        );
        assert_eq!(
            badge(&offer("clip.mp4", "video/mp4")),
            ("MP4".into(), "media")
        );
        assert_eq!(
            badge(&offer("x.tar.gz", "application/gzip")),
            ("GZ".into(), "archive")
        );
        assert_eq!(
            badge(&offer("x.bin", "application/octet-stream")),
            ("BIN".into(), "other")
        );
        assert_eq!(
            badge(&offer("x.zip", "application/zip")),
            ("ZIP".into(), "archive")
        );
        assert_eq!(
            badge(&offer("notes.markdown", "text/markdown")),
            ("FILE".into(), "document")
        );
        assert_eq!(badge(&offer("README", "")), ("FILE".into(), "other"));
        assert_eq!(badge(&offer("a.b-c", "")), ("FILE".into(), "other"));
    }

    #[test]
    fn detail_adds_speed_and_time_left_once_known() {
        let mut rate = Rate::default();
        rate.record(0, 0);
        assert_eq!(detail(&rate, 0, 2048), "0 % · 0 B of 2.0 KiB");
        rate.record(1_000, 1024);
        assert_eq!(
            detail(&rate, 1024, 2048),
            "50 % · 1.0 KiB of 2.0 KiB · 1.0 KiB/s · 1 s left"
        );
        assert_eq!(detail(&Rate::default(), 0, 0), "100 % · 0 B of 0 B");
    }

    #[test]
    fn card_keys_are_lowercase_hex_and_parse_back() {
        let id = FileId([0xab; 16]);
        assert_eq!(card_key(id), "ab".repeat(16));
        assert_eq!(file_id(&card_key(id)), Some(id));
        assert_eq!(file_id(&"AB".repeat(16)), Some(id));
        assert_eq!(file_id("ab"), None);
        assert_eq!(file_id(&"zz".repeat(16)), None);
        // 32 bytes but not 32 ASCII digits: no panic on a char boundary.
        assert_eq!(file_id(&"é".repeat(16)), None);
    }
}
