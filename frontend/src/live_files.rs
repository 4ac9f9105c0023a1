//! The room's file transfers, alive: offers made from the person's files, control and chunks
//! from the relay handed to [`Transfers`], and the pump that reads slices of offered files,
//! seals them (once for every receiver in step) and sends them within the in-flight window.

use protocol::conversation::{Conversation, encode};
use protocol::entropy::SystemEntropy;
use protocol::room_io::{Event, Outgoing};
use wire::{ClientFrame, MemberId};

use leptos::prelude::*;

use crate::browser;
use crate::files::{Send, Transfers};
use crate::live_room::LiveRoom;

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

fn live_members(convo: &Conversation) -> Vec<MemberId> {
    convo
        .members()
        .into_iter()
        .filter(|m| !m.is_self && m.online)
        .map(|m| m.member_id)
        .collect()
}

impl LiveRoom {
    /// The person offers these files to the room.
    pub fn offer_files(&self, files: Vec<web_sys::File>) {
        if files.is_empty() {
            return;
        }
        let Some((welcomed, live)) = self
            .convo
            .try_with_value(|c| (c.is_welcomed(), live_members(c)))
        else {
            return;
        };
        if !welcomed {
            self.file_notice.set(Some(
                "Not connected: offer the files again once connected.".into(),
            ));
            return;
        }
        let mut problems = Vec::new();
        for file in files {
            let result = self
                .files
                .try_update_value(|t| t.offer(file, &live, &mut SystemEntropy));
            match result {
                Some(Ok(sends)) => self.send_file_messages(sends),
                Some(Err(why)) => problems.push(why),
                None => return,
            }
        }
        self.file_notice
            .set((!problems.is_empty()).then(|| problems.join(" ")));
        self.refresh_files();
    }

    /// The person acts on a card.
    pub fn file_action(&self, key: &str, action: FileAction) {
        let Some(file_id) = Transfers::file_id(key) else {
            return;
        };
        let result = self.files.try_update_value(|t| match action {
            FileAction::Accept => t.accept(file_id),
            FileAction::Decline => Ok(t.decline(file_id)),
            FileAction::Cancel => Ok(t.cancel(file_id)),
            FileAction::Dismiss => {
                t.dismiss(file_id);
                Ok(Vec::new())
            }
        });
        match result {
            Some(Ok(sends)) => {
                self.file_notice.set(None);
                self.send_file_messages(sends);
            }
            Some(Err(why)) => self.file_notice.set(Some(why)),
            None => return,
        }
        self.refresh_files();
    }

    /// Seals and writes file control and offers.
    pub(crate) fn send_file_messages(&self, sends: Vec<Send>) {
        if sends.is_empty() {
            return;
        }
        let frames = self
            .convo
            .try_update_value(|c| {
                let room = c.room();
                sends
                    .iter()
                    .filter_map(|send| {
                        let out = match send {
                            Send::Ctrl(to, ctrl) => {
                                Outgoing::SendTo(*to, room.seal_file_ctrl(ctrl).ok()?)
                            }
                            Send::CtrlAll(ctrl) => {
                                Outgoing::Broadcast(room.seal_file_ctrl(ctrl).ok()?)
                            }
                            Send::Offer(None, offer) => {
                                Outgoing::Broadcast(room.seal_offer(offer).ok()?)
                            }
                            Send::Offer(Some(to), offer) => {
                                Outgoing::SendTo(*to, room.seal_offer(offer).ok()?)
                            }
                        };
                        Some(encode(&out))
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        self.write(&frames);
    }

    /// File events from the conversation.
    pub(crate) fn on_file_events(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let now = browser::now_ms();
        let room_id = self.convo.with_value(Conversation::room_id);
        let mut sends = Vec::new();
        let mut sendable = false;
        for event in events {
            match event {
                Event::FileOffer {
                    from,
                    sender,
                    offer,
                } => {
                    let author = self.name_of(from);
                    self.files
                        .update_value(|t| t.offered(from, sender, offer, author));
                    self.announcement.set("A file was offered".into());
                }
                Event::FileCtrl { from, sender, ctrl } => {
                    sendable |= self
                        .files
                        .try_update_value(|t| t.on_ctrl(from, sender, &ctrl, now))
                        .unwrap_or(false);
                }
                Event::FileChunk { from, frame } => {
                    if let Some(more) = self
                        .files
                        .try_update_value(|t| t.on_chunk(&room_id, from, &frame, now))
                    {
                        sends.extend(more);
                    }
                }
                Event::MembersChanged | Event::Chat { .. } => {}
            }
        }
        self.send_file_messages(sends);
        if sendable {
            self.pump();
        }
        self.schedule_file_redraw();
    }

    /// The member list changed: members who just became live get our open offers.
    pub(crate) fn offer_to_newcomers(&self) {
        let live = self.convo.with_value(live_members);
        let sends = self
            .files
            .try_update_value(|t| t.members_live(&live))
            .unwrap_or_default();
        self.send_file_messages(sends);
        self.refresh_files();
    }

    fn name_of(&self, member: MemberId) -> String {
        self.convo
            .try_with_value(|c| {
                c.members()
                    .into_iter()
                    .find(|m| m.member_id == member && !m.is_self)
                    .map(|m| m.name)
            })
            .flatten()
            .unwrap_or_else(|| "Someone".into())
    }

    /// Redraws the file cards now.
    pub(crate) fn refresh_files(&self) {
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
        if let Some(views) = self.files.try_with_value(|t| t.views(&name_of)) {
            self.file_views.set(views);
        }
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
                live.refresh_files();
            }
        });
    }

    /// Starts sending chunks, unless already sending.
    pub(crate) fn pump(&self) {
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

    async fn pump_chunks(self) {
        loop {
            while self.buffered() > SOCKET_HIGH_WATER {
                browser::sleep(5).await;
            }
            let Some(Some(request)) = self.files.try_update_value(|t| t.sender().next_chunk())
            else {
                return;
            };
            let kept = self
                .files
                .try_update_value(|t| t.sender().sealed(request.file_id, request.index))
                .flatten();
            let frame = match kept {
                Some(frame) => frame,
                None => {
                    let Some(Some(file)) = self.files.try_with_value(|t| t.file(request.file_id))
                    else {
                        continue;
                    };
                    let Some(bytes) = browser::read_slice(&file, request.offset, request.len).await
                    else {
                        let sends = self
                            .files
                            .try_update_value(|t| t.unreadable(request.file_id))
                            .unwrap_or_default();
                        self.send_file_messages(sends);
                        self.refresh_files();
                        continue;
                    };
                    match self.files.try_update_value(|t| {
                        t.sender().seal(request.file_id, request.index, &bytes)
                    }) {
                        Some(Ok(frame)) => frame,
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
            self.write(&frames);
        }
    }
}
