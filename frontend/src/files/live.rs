//! The room's file transfers, alive: offers made from the person's files, the file events the
//! conversation hands on (offers with their keys, file control and chunks, docs/PROTOCOL.md
//! R.9, R.10) applied to [`Transfers`] (`live/messages.rs`), and the pump that reads slices of
//! offered files, seals them (once for every receiver in step) and sends them within the
//! in-flight window. The room owns a [`LiveFiles`] and feeds it; this module knows nothing of
//! the room's screen.

use leptos::prelude::*;
use protocol::entropy::SystemEntropy;
use protocol::group::conversation::GroupConversation;
use protocol::stream_receive::Checked;
use protocol::stream_send::SendChunkError;
use protocol::transfers::{FileView, Finishing, Outbound, card_key};
use wire::{ClientFrame, MemberId};

use crate::browser;
use crate::files::placement::{self, Placement};
use crate::files::read_ahead::ReadAhead;
use crate::files::received::Sink;
use crate::files::sealing;
use crate::files::transfers::{Rules, Transfers};
use crate::relay_client::Connection;

/// The pump waits while the socket holds more than this unsent.
const SOCKET_HIGH_WATER: u32 = 2 * 1024 * 1024;
/// How often progress bars redraw at most.
const REDRAW_MS: i32 = 200;

/// What the person can do to a file card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileAction {
    /// Receive an offered file.
    Accept,
    /// Refuse an offered file.
    Decline,
    /// Stop a transfer (or stop sharing one's own file).
    Cancel,
    /// Remove a finished card.
    Dismiss,
}

fn live_members(convo: &GroupConversation) -> Vec<MemberId> {
    convo
        .members()
        .into_iter()
        .filter(|m| !m.is_self && m.online)
        .map(|m| m.member_id)
        .collect()
}

/// Handles to a room's live file transfers; `Copy`, so views and tasks share it freely.
#[derive(Clone, Copy)]
pub struct LiveFiles {
    /// The room's conversation: it seals file messages and names members.
    convo: StoredValue<GroupConversation, LocalStorage>,
    /// The room's connection.
    connection: Connection,
    /// File transfers, both ways.
    files: StoredValue<Transfers, LocalStorage>,
    /// A file card redraw is scheduled.
    redraw_pending: StoredValue<bool>,
    /// Where arrivals are said to screen readers (the room's announcer).
    announcement: RwSignal<String>,
    /// The file cards.
    pub views: RwSignal<Vec<FileView>>,
    /// Why files could not be offered or accepted, if they could not.
    pub notice: RwSignal<Option<String>>,
    /// Where each card sits in the conversation.
    pub placed: RwSignal<Vec<Placement>>,
}

impl LiveFiles {
    /// The file side of the room whose conversation is `convo`, writing to `connection`.
    pub fn new(
        convo: StoredValue<GroupConversation, LocalStorage>,
        connection: Connection,
        announcement: RwSignal<String>,
    ) -> Self {
        let (room_id, session) = convo.with_value(|c| (c.room_id(), c.session()));
        let files = Self {
            convo,
            connection,
            files: StoredValue::new_local(Transfers::new(room_id, session)),
            redraw_pending: StoredValue::new(false),
            announcement,
            views: RwSignal::new(Vec::new()),
            notice: RwSignal::new(None),
            placed: RwSignal::new(Vec::new()),
        };
        leptos::task::spawn_local(async move {
            if let Some(max) = browser::relay_info().await.max_file_size {
                let _ = files
                    .files
                    .try_update_value(|t| t.rules.set_max_file_size(max));
            }
        });
        files
    }

    /// The person offers these files to the room.
    pub fn offer_files(&self, files: Vec<web_sys::File>) {
        self.offer(files, None);
    }

    /// The person offers these files to the member connected as `to` alone, in their private
    /// conversation (docs/PROTOCOL.md R.10).
    pub fn offer_privately(&self, files: Vec<web_sys::File>, to: MemberId) {
        self.offer(files, Some(to));
    }

    fn offer(&self, files: Vec<web_sys::File>, to: Option<MemberId>) {
        if files.is_empty() {
            return;
        }
        let Some((welcomed, live)) = self
            .convo
            .try_with_value(|c| (c.machine().can_send(), live_members(c)))
        else {
            return;
        };
        if !welcomed {
            self.notice.set(Some(
                "Not connected: offer the files again once connected.".into(),
            ));
            return;
        }
        let mut problems = Vec::new();
        for file in files {
            let result = self.files.try_update_value(|t| {
                let (name, mime, size) = (file.name(), file.type_(), file.size() as u64);
                match to {
                    Some(to) => {
                        t.rules
                            .offer_privately(file, &name, &mime, size, to, &mut SystemEntropy)
                    }
                    None => t
                        .rules
                        .offer(file, &name, &mime, size, &live, &mut SystemEntropy),
                }
            });
            match result {
                Some(Ok(sends)) => self.send_file_messages(sends),
                Some(Err(why)) => problems.push(why.to_string()),
                None => return,
            }
        }
        self.notice
            .set((!problems.is_empty()).then(|| problems.join(" ")));
        self.refresh();
    }

    /// The person acts on a card.
    pub fn file_action(&self, key: &str, action: FileAction) {
        let Some(file_id) = Rules::file_id(key) else {
            return;
        };
        let result = self.files.try_update_value(|t| match action {
            FileAction::Accept => t
                .rules
                .accept(file_id, |id| Sink::new(&card_key(id)))
                .map_err(|e| e.to_string()),
            FileAction::Decline => Ok(t.rules.decline(file_id)),
            FileAction::Cancel => Ok(t.rules.cancel(file_id)),
            FileAction::Dismiss => {
                t.rules.dismiss(file_id);
                Ok(Vec::new())
            }
        });
        match result {
            Some(Ok(sends)) => {
                self.notice.set(None);
                self.send_file_messages(sends);
            }
            Some(Err(why)) => self.notice.set(Some(why)),
            None => return,
        }
        self.refresh();
    }

    /// Closes the files whose every chunk was verified (writing out is asynchronous) and
    /// offers each for saving, or says why it could not be kept.
    fn finish_received(&self) {
        let finishing = self
            .files
            .try_update_value(|t| t.rules.take_finishing())
            .unwrap_or_default();
        for Finishing {
            file_id,
            sink,
            size,
        } in finishing
        {
            let live = *self;
            leptos::task::spawn_local(async move {
                let result = sink.finish(size).await;
                // Left the room meanwhile: `result` is dropped, which frees what it holds.
                let result = result.map_err(|e| e.to_string());
                let _ = live
                    .files
                    .try_update_value(|t| t.rules.finished(file_id, result));
                live.refresh();
            });
        }
    }

    /// The member list changed: members who just became live get our open offers.
    pub fn offer_to_newcomers(&self) {
        let live = self.convo.with_value(live_members);
        let sends = self
            .files
            .try_update_value(|t| t.rules.members_live(&live))
            .unwrap_or_default();
        self.send_file_messages(sends);
        self.refresh();
    }

    /// Redraws the file cards now.
    fn refresh(&self) {
        let names: Vec<(MemberId, String)> = self
            .convo
            .try_with_value(|c| {
                c.members()
                    .into_iter()
                    .map(|m| (m.member_id, m.name))
                    .collect()
            })
            .unwrap_or_default();
        let name_of = |member: MemberId| {
            names
                .iter()
                .find(|(m, _)| *m == member)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| "Someone who left".into())
        };
        if let Some(views) = self.files.try_with_value(|t| t.rules.views(&name_of)) {
            // A private conversation's files are shown there, not in the room's log.
            let room: Vec<FileView> = views
                .iter()
                .filter(|v| v.private_with.is_none())
                .cloned()
                .collect();
            self.place(&room);
            self.views.set(views);
        }
    }

    /// New cards go after the newest line of the conversation; dismissed ones go away.
    fn place(&self, views: &[FileView]) {
        let placed = self.placed.get_untracked();
        if views.len() == placed.len()
            && views.iter().all(|v| placed.iter().any(|p| p.file == v.key))
        {
            return;
        }
        let after = self
            .convo
            .try_with_value(|c| c.lines().last().map(crate::room::views::line_key))
            .flatten();
        let time = browser::local_time(browser::now_ms());
        self.placed
            .set(placement::update(placed, views, after, &time));
    }

    /// Redraws the file cards soon, at most every [`REDRAW_MS`].
    fn schedule_file_redraw(&self) {
        if self.redraw_pending.try_get_value() != Some(false) {
            return;
        }
        self.redraw_pending.set_value(true);
        let live = *self;
        leptos::task::spawn_local(async move {
            browser::sleep(REDRAW_MS).await;
            if live.redraw_pending.try_set_value(false).is_none() {
                live.refresh();
            }
        });
    }

    /// Starts sending chunks, unless already sending.
    fn pump(&self) {
        let start = self
            .files
            .try_update_value(|t| !std::mem::replace(&mut t.pumping, true));
        if start != Some(true) {
            return;
        }
        let live = *self;
        leptos::task::spawn_local(async move {
            live.pump_chunks().await;
            let _ = live.files.try_update_value(|t| t.pumping = false);
        });
    }

    /// Queues a chunk frame for WebCrypto and starts opening, unless already under way.
    fn queue_chunk(&self, from: MemberId, frame: Vec<u8>) {
        let start = self.files.try_update_value(|t| t.queue(from, frame));
        if start != Some(true) {
            return;
        }
        let live = *self;
        leptos::task::spawn_local(async move {
            live.open_chunks().await;
            let _ = live.files.try_update_value(|t| t.opening = false);
        });
    }

    /// Opens queued chunks one at a time, in order: each is checked, decrypted by WebCrypto
    /// and handed back before the next is looked at.
    async fn open_chunks(self) {
        let Some(subtle) = browser::subtle() else {
            return;
        };
        let room_id = self.convo.with_value(GroupConversation::room_id);
        loop {
            let Some(Some((from, frame))) = self.files.try_update_value(Transfers::next_queued)
            else {
                return;
            };
            let Some(checked) = self
                .files
                .try_update_value(|t| t.rules.check_chunk(&room_id, from, &frame))
            else {
                return;
            };
            let sends = match checked {
                Checked::Done(outcome) => self
                    .files
                    .try_update_value(|t| t.rules.chunk_outcome(from, outcome, browser::now_ms())),
                Checked::Open(pending) => {
                    let plaintext = sealing::open(self.files, &subtle, &pending, &frame).await;
                    self.files.try_update_value(|t| {
                        t.rules
                            .chunk_opened(from, &pending, plaintext, browser::now_ms())
                    })
                }
            };
            let Some(sends) = sends else { return };
            self.send_file_messages(sends);
            self.finish_received();
            self.schedule_file_redraw();
        }
    }

    /// Ends one of our transfers by the rule `stop` (which closes its card and returns the
    /// Cancel for its receivers), sends what it returns and redraws.
    fn stop_sending(&self, stop: impl FnOnce(&mut Transfers) -> Vec<Outbound>) {
        let sends = self.files.try_update_value(stop).unwrap_or_default();
        self.send_file_messages(sends);
        self.refresh();
    }

    async fn pump_chunks(self) {
        let mut ahead = ReadAhead::default();
        loop {
            while self.connection.buffered() > SOCKET_HIGH_WATER {
                browser::sleep(5).await;
            }
            let Some(Some(request)) = self
                .files
                .try_update_value(|t| t.rules.sender().next_chunk())
            else {
                return;
            };
            let kept = self
                .files
                .try_update_value(|t| t.rules.sender().sealed(request.file_id, request.index))
                .flatten();
            let frame = match kept {
                Some(frame) => frame,
                None => {
                    let Some(Some(file)) =
                        self.files.try_with_value(|t| t.rules.file(request.file_id))
                    else {
                        continue;
                    };
                    let Some(bytes) = ahead.read(&file, &request).await else {
                        self.stop_sending(|t| t.rules.unreadable(request.file_id));
                        continue;
                    };
                    match sealing::seal(self.files, &request, &bytes).await {
                        Some(Ok(frame)) => frame,
                        // Sealed again to other bytes than before: the protocol released
                        // nothing and ended the transfer; the card and the receivers hear why.
                        Some(Err(SendChunkError::Changed)) => {
                            self.stop_sending(|t| t.rules.file_changed(request.file_id));
                            continue;
                        }
                        Some(Err(_)) => continue,
                        None => return,
                    }
                }
            };
            let frames: Vec<Vec<u8>> = request
                .to
                .iter()
                .map(|to| {
                    ClientFrame::SendTo {
                        to: *to,
                        payload: &frame,
                    }
                    .encode()
                })
                .collect();
            self.connection.write(&frames);
        }
    }
}

mod messages;
