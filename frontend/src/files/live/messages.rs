//! What the file side sends and hears: offers and file control sealed into the room's group
//! or a private conversation's (docs/PROTOCOL.md R.9, R.10), and the conversation's file events
//! and the relay's connection events applied to the transfers.

use leptos::prelude::*;
use protocol::entropy::SystemEntropy;
use protocol::group::body::{FileKey, GroupBody};
use protocol::group::conversation::GroupConversation;
use protocol::group::machine::GroupEvent;
use protocol::ids::SenderId;
use protocol::transfers::Outbound;
use wire::{MemberId, RoomId};
use zeroize::Zeroizing;

use super::LiveFiles;
use crate::browser;

impl LiveFiles {
    /// Seals and writes file control and offers (an offer with its file's key, R.9). File
    /// control goes to the whole group even when it is for one member: the group's ratchets
    /// stay in step that way ([`protocol::group::machine::Machine::send_to`]).
    pub(super) fn send_file_messages(&self, sends: Vec<Outbound>) {
        if sends.is_empty() {
            return;
        }
        // (to one member, private) and the body, for each.
        let messages: Vec<(Option<MemberId>, Option<MemberId>, GroupBody)> = self
            .files
            .try_with_value(|t| {
                sends
                    .into_iter()
                    .filter_map(|send| {
                        let (to, body) = match send {
                            Outbound::Ctrl(_, ctrl) | Outbound::CtrlAll(ctrl) => {
                                (None, GroupBody::FileCtrl(ctrl))
                            }
                            Outbound::Offer(to, offer) => {
                                let key = t.rules.file_key_bytes(true, offer.file_id)?;
                                let key = FileKey(*key);
                                (to, GroupBody::FileOffer { offer, key })
                            }
                        };
                        let file_id = match &body {
                            GroupBody::FileCtrl(ctrl) => ctrl.file_id(),
                            GroupBody::FileOffer { offer, .. } => offer.file_id,
                            _ => return None,
                        };
                        Some((to, t.rules.private_peer(file_id), body))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let now = browser::now_ms();
        let frames = self
            .convo
            .try_update_value(|c| {
                // The member list only for a private conversation's file, not for every Ack.
                let members = if messages.iter().any(|(_, private, _)| private.is_some()) {
                    c.members()
                } else {
                    Vec::new()
                };
                let leaf_of = |wire: MemberId| {
                    members
                        .iter()
                        .find(|m| !m.is_self && m.member_id == wire)
                        .and_then(|m| m.leaf)
                };
                messages
                    .iter()
                    .flat_map(|(to, private, body)| match private {
                        // A private conversation's file: in that conversation's group (R.10).
                        Some(peer) => leaf_of(*peer)
                            .map(|leaf| c.send_private_file(leaf, body, now, &mut SystemEntropy))
                            .unwrap_or_default(),
                        None => c.send_file(*to, body),
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        self.connection.write(&frames);
    }

    /// The relay welcomed this connection, as session `session` in the room `room_id`: chunk
    /// frames must fit its payload limit, and carry them.
    pub fn welcomed(&self, max_payload: u32, room_id: RoomId, session: SenderId) {
        let _ = self.files.try_update_value(|t| {
            t.rules.set_max_payload(max_payload);
            t.rules.connected(room_id, session);
        });
    }

    /// The relay's LEFT for `member`.
    pub fn member_left(&self, member: MemberId) {
        let _ = self.files.try_update_value(|t| t.rules.member_left(member));
        self.refresh();
    }

    /// The connection (of session `session`) dropped: every transfer ends.
    pub fn connection_lost(&self, session: SenderId) {
        let _ = self.files.try_update_value(|t| t.connection_lost(session));
        self.refresh();
    }

    /// File events from the conversation, in order: the room's and private conversations'.
    pub fn on_events(&self, events: Vec<GroupEvent>) {
        if events.is_empty() {
            return;
        }
        let now = browser::now_ms();
        let room_id = self.convo.with_value(GroupConversation::room_id);
        let mut sends = Vec::new();
        let mut sendable = false;
        for event in events {
            // Offered in a private conversation (R.10): shown there, answered there.
            let private = matches!(event, GroupEvent::Private { .. });
            match event {
                GroupEvent::Message {
                    from,
                    session: Some(sender),
                    credential,
                    body: GroupBody::FileOffer { offer, key },
                    ..
                }
                | GroupEvent::Private {
                    from,
                    session: Some(sender),
                    with: credential,
                    body: GroupBody::FileOffer { offer, key },
                    ..
                } => {
                    let (author, author_key) =
                        (credential.name().to_owned(), credential.leaf_identity());
                    self.announcement.set(format!(
                        "{author} offers {}{} ({})",
                        if private { "you " } else { "" },
                        protocol::file_name::sanitise_file_name(&offer.name),
                        protocol::transfer_rate::format_size(offer.size)
                    ));
                    let key = Zeroizing::new(key.0);
                    self.files.update_value(|t| {
                        if private {
                            t.rules
                                .offered_privately(from, sender, offer, key, author, author_key);
                        } else {
                            t.rules
                                .offered_keyed(from, sender, offer, key, author, author_key);
                        }
                    });
                }
                GroupEvent::Message {
                    from,
                    session: Some(sender),
                    body: GroupBody::FileCtrl(ctrl),
                    ..
                }
                | GroupEvent::Private {
                    from,
                    session: Some(sender),
                    body: GroupBody::FileCtrl(ctrl),
                    ..
                } => {
                    sendable |= self
                        .files
                        .try_update_value(|t| t.rules.on_ctrl(from, sender, &ctrl, now))
                        .unwrap_or(false);
                }
                GroupEvent::Chunk { from, frame } => {
                    if browser::subtle().is_some() {
                        self.queue_chunk(from, frame);
                    } else if let Some(more) = self
                        .files
                        .try_update_value(|t| t.rules.on_chunk(&room_id, from, &frame, now))
                    {
                        sends.extend(more);
                    }
                }
                // Before its sender's Hello (no session to take chunks from).
                _ => {}
            }
        }
        self.send_file_messages(sends);
        self.finish_received();
        if sendable {
            self.pump();
        }
        self.schedule_file_redraw();
    }
}
