//! What the room screen draws from the conversation: the chat log with its day separators, the
//! member list with each one's standing and unread private messages, and the open private
//! conversation.

use leptos::prelude::*;
use protocol::conversation::Line;
use protocol::days::{Day, DayLabel, separators};
use protocol::group::conversation::GroupConversation;
use protocol::hex;
use protocol::verified::Standing;

use super::LiveRoom;
use crate::browser::{self, Store};
use crate::room::page::HISTORY_KEY;
use crate::room::views::{LineView, MemberView, line_view, member_key};

impl LiveRoom {
    /// Redraws the chat log and the open private conversation, each author marked as the
    /// member list shows them.
    pub(super) fn refresh_lines(&self) {
        let members = self.members.get_untracked();
        let peer = self.open_thread.get_untracked();
        let Some((lines, thread)) = self.convo.try_update_value(|c| {
            let thread = peer.as_ref().and_then(|p| peer_bytes(p)).map(|peer| {
                c.read_thread(&peer);
                c.thread(&peer)
                    .map(|t| draw_lines(t.lines(), &members))
                    .unwrap_or_default()
            });
            (draw_lines(c.lines(), &members), thread)
        }) else {
            return;
        };
        self.lines.set(lines);
        self.thread.set(thread.unwrap_or_default());
    }

    /// Redraws the member list (also after someone was verified), then the lines.
    pub fn refresh_members(&self) {
        let mut verified = browser::verified();
        let mine = *browser::identity().public().ik();
        let open = self.open_thread.get_untracked();
        let Some((members, alone)) = self.convo.try_update_value(|c| {
            if let Some(peer) = open.as_ref().and_then(|p| peer_bytes(p)) {
                c.read_thread(&peer);
            }
            let members = c.members();
            // Someone verified by key alone (an earlier version) is known whole once met.
            let learnt = members
                .iter()
                .fold(false, |learnt, m| verified.learn(&m.published) | learnt);
            if learnt {
                browser::save_verified(&verified);
            }
            let tags = protocol::room_io::name_tags(&members);
            let members = members
                .into_iter()
                .zip(tags)
                .map(|(m, tag)| {
                    let peer = [&m.identity[..], m.device_id.as_bytes()].concat();
                    let mine = m.is_self || m.identity == mine;
                    MemberView {
                        key: format!("{}-{}", m.leaf.unwrap_or(u32::MAX), hex::encode(&peer)),
                        session: member_key(m.member_id, m.sender),
                        peer: hex::encode(&peer),
                        leaf: m.leaf,
                        wire: m.online.then_some(m.member_id),
                        unread: unread(c, &peer),
                        published: m.published,
                        is_mine: mine,
                        standing: if mine {
                            Standing::Unverified
                        } else {
                            verified.standing(&m.identity, &m.name)
                        },
                        name: m.name,
                        tag,
                        online: m.online,
                        is_self: m.is_self,
                        identity: m.identity,
                    }
                })
                .collect::<Vec<_>>();
            (members, (c.alone(), c.machine().held_settings()))
        }) else {
            return;
        };
        let (alone, held) = alone;
        self.announce_presence(&members);
        self.members.set(members);
        self.alone.set(alone);
        if let Some(held) = held.map(|s| s.history_for_newcomers) {
            // Held from now on in this tab: a reload keeps what a group told it (R.1).
            browser::save(
                Store::Tab,
                HISTORY_KEY,
                if held { "held:1" } else { "held:0" },
            );
            if self.history.get_untracked() != held {
                self.history.set(held);
            }
        }
        // Authors are marked as members are: a verification or a new name tag shows there too.
        self.refresh_lines();
    }

    /// Says what arrived, for screen readers: history shared with this member, then the last
    /// message of the room, then the last private one.
    pub(super) fn announce_arrivals(
        &self,
        shared: Option<&(String, usize)>,
        last: Option<&Line>,
        last_private: Option<&(String, Line)>,
    ) {
        if let Some((by, count)) = shared {
            let messages = if *count == 1 { "message" } else { "messages" };
            self.announcement.set(format!(
                "{by} shared {count} earlier {messages} of this room with you"
            ));
        }
        if let Some(last) = last {
            self.announcement
                .set(format!("{} says: {}", last.author, last.text));
        }
        if let Some((with, last)) = last_private {
            self.announcement
                .set(format!("{with} says to you: {}", last.text));
        }
    }

    /// Says who came and who went, for screen readers.
    fn announce_presence(&self, members: &[MemberView]) {
        let before: Vec<(String, bool)> = self
            .members
            .get_untracked()
            .into_iter()
            .filter(|m| !m.is_self)
            .map(|m| (m.name, m.online))
            .collect();
        for member in members.iter().filter(|m| !m.is_self) {
            let was = before
                .iter()
                .find(|(n, _)| *n == member.name)
                .map(|(_, o)| *o);
            if was != Some(member.online) {
                let state = if member.online { "is here" } else { "left" };
                self.announcement.set(format!("{} {state}", member.name));
            }
        }
    }
}

/// A member's leaf identity back from its key ([`MemberView::peer`]): identity key and device id.
fn peer_bytes(peer: &str) -> Option<Vec<u8>> {
    hex::decode::<48>(peer).ok().map(|bytes| bytes.to_vec())
}

fn unread(convo: &GroupConversation, peer: &[u8]) -> usize {
    convo.thread(peer).map_or(0, |t| t.unread())
}

/// `lines` as drawn, with a day said before each day's first line where they span more than
/// today.
fn draw_lines(lines: &[Line], members: &[MemberView]) -> Vec<LineView> {
    let today = browser::local_day(browser::now_ms());
    let days: Vec<Day> = lines
        .iter()
        .map(|l| browser::local_day(l.sent_at_ms))
        .collect();
    let mut views: Vec<LineView> = lines.iter().map(|line| line_view(line, members)).collect();
    for (line, label) in views.iter_mut().zip(separators(&days, today)) {
        line.day = label.map(|label| match label {
            DayLabel::Today => "Today".to_owned(),
            DayLabel::Yesterday => "Yesterday".to_owned(),
            DayLabel::On(day) => browser::day_name(day, today.year),
        });
    }
    views
}
