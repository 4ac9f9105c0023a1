//! Who is here, told in the conversation itself ("Bob is here", "Bob left"), not only to
//! screen readers. People are told apart by device (PROTOCOL.md B.3): a reload or a reconnect
//! of someone's tab is the same person staying, not one leaving and another arriving.
//!
//! When this member's own connection drops, the member list empties and fills again from the
//! Here replies: nobody is said to have left for that, and whoever comes back is not announced
//! again.

use crate::ids::DeviceId;
use crate::room_io::Member;

/// What the log says about someone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arrival {
    /// They came online (including those already here when this member arrived).
    Here,
    /// They went offline (their connection ended, or they fell silent).
    Left,
    /// Someone removed them (docs/PROTOCOL.md R.8; the line's text names who).
    Removed,
}

/// The devices last told as here.
#[derive(Debug, Default)]
pub(crate) struct PresenceLog {
    here: Vec<DeviceId>,
}

impl PresenceLog {
    /// The members now (oneself excluded): who arrived and who left since the last call, by name.
    pub(crate) fn changes(&mut self, members: &[Member]) -> Vec<(Arrival, String)> {
        let mut told = Vec::new();
        for member in members.iter().filter(|m| !m.is_self) {
            let known = self.here.iter().position(|d| *d == member.device_id);
            match (member.online, known) {
                (true, None) => {
                    self.here.push(member.device_id);
                    told.push((Arrival::Here, member.name.clone()));
                }
                (false, Some(at)) => {
                    self.here.remove(at);
                    told.push((Arrival::Left, member.name.clone()));
                }
                _ => {}
            }
        }
        told
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SenderId;
    use wire::MemberId;

    fn member(device: u8, name: &str, online: bool) -> Member {
        use crate::identity::{IdentityKeys, IdentitySigner};
        let published = IdentityKeys::from_seeds(&[device; 32], &[device; 32]).public();
        Member {
            sender: SenderId([device; 16]),
            member_id: MemberId(u32::from(device)),
            identity: *published.ik(),
            published,
            name: name.into(),
            device_id: DeviceId([device; 16]),
            online,
            is_self: false,
            leaf: None,
        }
    }

    #[test]
    fn arrivals_and_departures_are_told_once() {
        let mut log = PresenceLog::default();
        let me = Member {
            is_self: true,
            ..member(9, "me", true)
        };
        assert_eq!(
            log.changes(&[me.clone(), member(1, "Bob", true)]),
            [(Arrival::Here, "Bob".into())]
        );
        assert_eq!(log.changes(&[me.clone(), member(1, "Bob", true)]), []);
        assert_eq!(
            log.changes(&[me.clone(), member(1, "Bob", false)]),
            [(Arrival::Left, "Bob".into())]
        );
        assert_eq!(log.changes(&[me, member(1, "Bob", false)]), []);
    }

    #[test]
    fn a_reconnect_is_neither_a_departure_nor_a_new_arrival() {
        let mut log = PresenceLog::default();
        log.changes(&[member(1, "Bob", true), member(2, "Carol", true)]);
        // Our connection dropped: the list empties, then refills from the Here replies.
        assert_eq!(log.changes(&[]), []);
        assert_eq!(log.changes(&[member(2, "Carol", true)]), []);
        // Bob's tab reloaded: a new session, the same device.
        let reloaded = Member {
            sender: SenderId([7; 16]),
            ..member(1, "Bob", true)
        };
        assert_eq!(log.changes(&[reloaded, member(2, "Carol", true)]), []);
        assert_eq!(
            log.changes(&[member(3, "Dan", true)]),
            [(Arrival::Here, "Dan".into())]
        );
    }
}
